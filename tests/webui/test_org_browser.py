"""Chromium drives the issue-17 pages: a group administrator publishes 2027 from the State Council's
notice and sees the open deadline that moved; a subsidiary administrator deactivates a specialist,
handing her task to a colleague, and her open browser is signed out."""

from __future__ import annotations

import re

from tests.conftest import ROOT, shanghai
from tests.webui.browsing import signed_in
from tests.webui.conftest import INTAKE, open_complaint
from tests.webui.live import serve
from tests.webui.test_calendar_page import _login, site, tree  # noqa: F401 (fixtures)

NOTICE = (ROOT / "tests" / "data" / "notices" / "notice-2027.txt").read_text(encoding="utf-8")


def _page(chromium, url, login):  # type: ignore[no-untyped-def]
    return signed_in(chromium, url, login)[1]


def test_a_group_administrator_publishes_the_notice_and_sees_what_moved(chromium, site):  # noqa: F811
    from playwright.sync_api import expect

    app, svc = site
    number = open_complaint(_login(app, "wang.fang"), **{**INTAKE, "call_ended_at": ""})
    with serve(app) as url:
        page = _page(chromium, url, "gu.yan")
        page.click("nav.mainnav >> text=节假日")
        expect(page.locator("table.years tr", has_text="2027")).to_contain_text("暂定")
        page.fill("textarea[name=notice]", NOTICE)
        page.click("form.notice-form button[type=submit]")
        expect(page.locator("section.preview")).to_contain_text("1月31日（周日） · 春节 · 调休上班：新增")
        page.click("text=发布 2027 年正式安排")
        result = page.locator("section.published")
        expect(result).to_contain_text("已发布 2027 年节假日安排")
        expect(result.locator("tr", has_text="录入督办令")).to_contain_text("2027-01-31 09:00")
        expect(result).to_contain_text(number)
        expect(page.locator("table.years tr", has_text="2027")).to_contain_text("正式（国务院通知导入）")
    due = next(t.due_at for t in svc.runtime.get_case(number, "wang.fang").tasks)
    assert due == shanghai("2027-01-31 09:00")


def test_deactivating_a_specialist_hands_her_task_on_and_signs_her_out(chromium, app, services, login):
    from playwright.sync_api import expect

    number = open_complaint(login("wang.fang"))
    task = services.runtime.get_case(number, "wang.fang").tasks[0]
    services.runtime.claim_task(task.task_id, "wang.fang")
    with serve(app) as url:
        wang = _page(chromium, url, "wang.fang")
        admin = _page(chromium, url, "xu.lan")
        admin.click("nav.mainnav >> text=组织")
        admin.click("text=丽雅苑管理处 >> xpath=../../following-sibling::tr[1]//a")  # its 客服中心
        admin.click("a:has-text('王芳')")
        expect(admin.locator("section", has_text="在办待办")).to_contain_text(number)
        admin.select_option("select[name=handover]", "zhang.wei")
        admin.click("button:has-text('停用该人员')")
        expect(admin.locator(".flash.success")).to_contain_text("1 项待办已转交zhang.wei")
        expect(admin.locator("h1")).to_contain_text("已停用")
        wang.reload()
        expect(wang).to_have_url(re.compile(r"/login\?next=/inbox$"))
    assert [i.case_number for i in services.runtime.inbox("zhang.wei")] == [number]
