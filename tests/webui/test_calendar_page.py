"""The holiday calendar page (issue 17): every year's source, a year added from the State Council's
notice by a group administrator (preview, publish), the open deadlines recomputed and listed; audited;
nobody else may publish; an unreadable notice writes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask

from engine.clock import FixedClock
from engine.policy import load_policy_set
from engine.runtime import Runtime
from engine.settings import Settings
from engine.store import Store
from tests.conftest import ROOT, shanghai
from tests.webui.conftest import _DEFINITIONS, INTAKE, Browser, open_complaint
from webui import create_app
from webui.services import Services

NOTICE = (ROOT / "tests" / "data" / "notices" / "notice-2027.txt").read_text(encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the shipped policies (publishing writes calendars/cn-2027.yaml into it)."""
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    return tmp_path / "policies"


@pytest.fixture
def site(settings: Settings, tree: Path) -> tuple[Flask, Services]:
    """The app on that tree, its clock at Saturday 2027-01-30 10:00 (2027 has no file: provisional)."""
    store = Store(settings.database_url)
    policies = load_policy_set(tree)
    clock = FixedClock(shanghai("2027-01-30 10:00"))
    runtime = Runtime(store, policies, _DEFINITIONS["registry"], clock, policies.calendars_dir)
    svc = Services(store=store, runtime=runtime, policies=policies, registry=_DEFINITIONS["registry"],
                   clock=clock, data_dir=settings.data_dir)
    app = create_app(settings, services=svc)
    app.config["TESTING"] = True
    yield app, svc
    store.dispose()


def _login(app: Flask, name: str) -> Browser:
    from tests.webui.conftest import PASSWORD

    browser = Browser(app.test_client())
    browser.get("/login")
    assert browser.post("/login", {"login": name, "password": PASSWORD}).status_code == 302
    return browser


def _published(svc: Services) -> list[dict]:
    with svc.store.read() as tx:
        events = tx.chain_events("system")
    return [e.data | {"actor": e.actor} for e in events if e.action == "calendar.published"]


def test_everyone_sees_each_year_and_where_its_days_come_from(site):
    app, _ = site
    page = _login(app, "wang.fang").get("/calendar?year=2026").get_data(as_text=True)
    assert "正式（chinesecalendar 数据）" in page and "暂定（按法定假日推算，无调休）" in page
    assert "春节" in page and "2月14日（周六）" in page  # 2026's make-up Saturday
    assert "粘贴国务院通知" not in page and "notice-form" not in page  # not theirs to publish
    provisional = _login(app, "wang.fang").get("/calendar?year=2027").get_data(as_text=True)
    assert "2月5日（周五） – 2月10日（周三）" in provisional  # the law's 春节, no make-up days


@pytest.mark.parametrize("who", ["xu.lan", "zheng.xiaoyan", "wang.fang"])
def test_only_a_group_administrator_previews_or_publishes(site, tree, who):
    app, svc = site
    browser = _login(app, who)
    browser.get("/calendar")
    for path in ("/calendar/preview", "/calendar/publish"):
        response = browser.post(path, {"year": "2027", "region": "cn", "notice": NOTICE})
        assert response.status_code == 403 and "集团组织管理员" in response.get_data(as_text=True)
    assert not (tree / "calendars" / "cn-2027.yaml").exists() and _published(svc) == []


def test_publishing_the_notice_recomputes_the_open_deadlines_and_shows_them(site, tree):
    app, svc = site
    wang = _login(app, "wang.fang")
    number = open_complaint(wang, **{**INTAKE, "call_ended_at": ""})
    raise_due = next(t.due_at for t in svc.runtime.get_case(number, "wang.fang").tasks)
    assert raise_due == shanghai("2027-02-01 09:00")  # Saturday: Monday is the next workday (provisional)

    admin = _login(app, "gu.yan")
    admin.get("/calendar")
    preview = admin.post("/calendar/preview", {"year": "2027", "region": "cn", "notice": NOTICE})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "国务院办公厅关于2027年部分节假日安排的通知" in html
    assert "1月31日（周日） · 春节 · 调休上班：新增" in html
    assert "1 个在办案件的时限按暂定 2027 年计算" in html
    assert not (tree / "calendars" / "cn-2027.yaml").exists()  # a preview writes nothing

    done = admin.post("/calendar/publish", {"year": "2027", "region": "cn", "notice": NOTICE})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "已发布 2027 年节假日安排" in html
    assert number in html and "2027-02-01 09:00" in html and "2027-01-31 09:00" in html
    assert (tree / "calendars" / "cn-2027.yaml").read_text(encoding="utf-8").count("source: notice") == 1
    due = next(t.due_at for t in svc.runtime.get_case(number, "wang.fang").tasks)
    assert due == shanghai("2027-01-31 09:00")
    [event] = _published(svc)
    assert event["actor"] == "gu.yan" and event["year"] == 2027 and event["recomputed"]["cases"] == 1
    assert event["recomputed"]["changed"] >= 2 and event["source"].startswith("notice 国务院办公厅")
    again = admin.post("/calendar/preview", {"year": "2027", "region": "cn", "notice": NOTICE})
    assert again.status_code == 422 and "2027年已有正式节假日安排" in again.get_data(as_text=True)


@pytest.mark.parametrize(("text", "expected"), [
    ("", "请粘贴国务院办公厅节假日安排通知的全文"),
    ("国务院办公厅关于2027年部分节假日安排的通知\n二、春节：2月6日（周六）至13日（周六）放假调休，共5天。",
     "第2行无法识别"),
    (NOTICE.replace("2027年", "2028年"), "无法识别"),
])
def test_an_unreadable_notice_is_refused_with_its_line_and_writes_nothing(site, tree, text, expected):
    app, svc = site
    admin = _login(app, "gu.yan")
    admin.get("/calendar")
    response = admin.post("/calendar/preview", {"year": "2027", "region": "cn", "notice": text})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and expected in html
    assert text[:20] in html  # the pasted text is kept
    assert not (tree / "calendars" / "cn-2027.yaml").exists() and _published(svc) == []
