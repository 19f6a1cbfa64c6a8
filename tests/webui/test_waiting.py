"""Where a case waits, on its page and in the API (engine/runtime/waits.py): a visitor whose host has not
answered shows 等待：等候住户答复（至 … 转“住户未答复”）, the diagram marks the wait (dashed, current),
the stage 受访人接待 counts as running and opens first; the API's case read lists it as ``waiting``, as
its OpenAPI document describes. Readers of another subsidiary get nothing of it. ``KEFU_SHOTS=<dir>``
saves ``wait25-visitor-<viewport>.png``."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from flask import Flask

from engine import visitors
from tests.conftest import ROOT
from tests.webui.browsing import VIEWPORTS, seen_on_diagram, signed_in
from tests.webui.conftest import INTAKE, PASSWORD, Browser
from tests.webui.live import serve
from webui.demo import advance, worker_for
from webui.services import Services

GUARD = "peng.jun"  # 彭军, security guard at 丽雅苑
WALK_IN = {"purpose": "visit_resident", "customer_name": "李明", "id_type": "resident_id",
           "id_number": "440305199003071236", "household": "lyc-3-1-1202", "host_name": "周建国"}


@pytest.fixture
def visit(services: Services) -> str:
    """A walk-in registered at 丽雅苑, waiting for the host's answer (10 minutes)."""
    visitors.import_households(services.runtime, ROOT / "engine" / "demo" / "households.yaml")
    for login in (GUARD, "tian.tian"):
        services.set_password(login, PASSWORD)
    return visitors.register_visit(services.runtime, GUARD, dict(WALK_IN)).number


def _due(services: Services, number: str) -> str:
    (point,) = services.runtime.waiting_points(number, GUARD)
    assert point.due_at is not None
    return point.due_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M")


def test_the_case_page_says_what_the_visit_waits_for_and_until_when(
        visit: str, services: Services, login: Callable[[str], Browser]) -> None:
    html = login(GUARD).get(f"/cases/{visit}").get_data(as_text=True)
    at = _due(services, visit)
    assert f"等待：等候住户答复（至 {at} 转“住户未答复”）" in html
    found = re.search(r'data-waiting="([^"]*)" data-waiting-in="([^"]*)"', html)
    assert found is not None
    assert "await_host" in found[1] and "host_timeout" in found[1] and "visitor_host" in found[2]
    assert "等待中" in html  # the legend's dashed key
    assert re.search(r"<dt>受理渠道</dt><dd>来访</dd>", html)  # the policy's name, not the code 'visit'


def test_a_case_at_its_user_task_shows_no_wait(visit: str, services: Services,
                                                login: Callable[[str], Browser]) -> None:
    visitors.answer_host(services.runtime, "accepted", number=visit, actor=GUARD)  # now at 访客离开登记
    html = login(GUARD).get(f"/cases/{visit}").get_data(as_text=True)
    assert "等待：" not in html and 'data-waiting="[]"' in html


def test_another_subsidiary_sees_neither_the_page_nor_the_wait(
        visit: str, client, services: Services, login: Callable[[str], Browser]) -> None:
    page = login("tian.tian").get(f"/cases/{visit}")  # a specialist of 华南区域
    assert page.status_code in (403, 404) and "等候住户答复" not in page.get_data(as_text=True)
    token = services.issue_token("tian.tian", "other")
    answer = client.get(f"/api/v1/cases/{visit}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code in (403, 404) and "waiting" not in (answer.get_json() or {})


def test_the_api_case_read_lists_the_wait_as_its_document_describes(visit: str, client,
                                                                     services: Services) -> None:
    token = services.issue_token(GUARD, "desk")
    body = client.get(f"/api/v1/cases/{visit}", headers={"Authorization": f"Bearer {token}"}).get_json()
    (wait,) = body["waiting"]
    assert wait["element"] == "await_host" and wait["process"] == "visitor_host"
    assert wait["name"] == {"zh": "等候住户答复", "en": "wait for the host"}
    assert [(e["element"], e["kind"]) for e in wait["events"]] == [
        ("host_accepted", "message"), ("host_declined", "message"), ("host_timeout", "timer")]
    assert wait["due_at"] == wait["events"][2]["due_at"]  # ISO with its offset, as every API time
    due = datetime.fromisoformat(wait["due_at"]).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M")
    assert wait["text"]["zh"] == f"等待：等候住户答复（至 {due} 转“住户未答复”）"  # the policy's zone
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Case"]
    jsonschema.validate(body["waiting"], schema["properties"]["waiting"])
    assert "waiting" in schema["properties"]


_MARKED = """() => {
  const frame = document.querySelector('#diagram').getBoundingClientRect();
  const inside = g => { const r = g.getBoundingClientRect();
    return r.left >= frame.left && r.right <= frame.right
      && r.top >= frame.top && r.bottom <= frame.bottom; };
  const out = {shown: document.querySelector('#diagram').dataset.shown, waiting: {}, start: null,
               running: [...document.querySelectorAll('#diagram-path .running')].map(b => b.textContent)};
  document.querySelectorAll('#diagram .djs-element.djs-shape.kefu-waiting').forEach(g => {
    out.waiting[g.getAttribute('data-element-id')] = {inside: inside(g),
      current: g.classList.contains('kefu-current'),
      dash: getComputedStyle(g.querySelector('.djs-visual > :first-child')).strokeDasharray};
  });
  const s = document.querySelector("#diagram [data-element-id='host_start']");
  if (s) out.start = inside(s);
  return out;
}"""


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_diagram_opens_on_the_wait_and_marks_it(chromium, app: Flask, visit: str, viewport: str) -> None:

    with serve(app) as url:
        context, page = signed_in(chromium, url, GUARD, viewport, timeout=20000)
        page.goto(f"{url}/cases/{visit}")
        seen = seen_on_diagram(page, _MARKED, f"wait25-diagram-{viewport}.png")
        shots = os.environ.get("KEFU_SHOTS")
        if shots:
            page.screenshot(path=str(Path(shots) / f"wait25-visitor-{viewport}.png"), full_page=True)
        context.close()
    assert seen["shown"] == "visitor_host", seen  # no open step: the innermost diagram holding the wait
    assert set(seen["waiting"]) == {"await_host", "host_accepted", "host_declined", "host_timeout"}, seen
    assert all(w["current"] and w["dash"] not in ("", "none") for w in seen["waiting"].values()), seen
    assert seen["waiting"]["await_host"]["inside"] and seen["start"], seen  # the start and the wait in view
    assert any("受访人接待" in name for name in seen["running"]), seen


CASE = {k: v for k, v in INTAKE.items() if v != ""} | {"project": "sz-property-lyc"}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_checked_complaint_shows_its_week_without_a_repeat(chromium, app: Flask, services: Services,
                                                             viewport: str) -> None:
    """After 结案核查 without a return visit the complaint waits a week for a repeat complaint: the page says
    so and opens on 结案核查's diagram with the wait marked (it showed no current step before)."""

    runtime = services.runtime
    number = runtime.open_case("complaint", CASE, "wang.fang").number
    for _ in range(30):  # the demo's answers, each by whoever holds the step, up to 客服专员核查
        tasks = {t.task_name: t for t in runtime.get_case(number, "zheng.xiaoyan").tasks}
        if "check_closure" in tasks:
            break
        assert advance(runtime, number, 1, "zheng.xiaoyan") == 1, sorted(tasks)
    check = tasks["check_closure"]
    login = worker_for(runtime.store, check)
    assert login is not None
    if check.assignee is None:
        runtime.claim_task(check.task_id, login)
    runtime.complete_task(check.task_id, login, {"check_result": "accept", "return_visit_needed": False})
    (point,) = runtime.waiting_points(number, "zheng.xiaoyan")
    assert point.process == "complaint_closure"
    with serve(app) as url:
        context, page = signed_in(chromium, url, "wang.fang", viewport, timeout=20000)
        page.goto(f"{url}/cases/{number}")
        seen = seen_on_diagram(page, _MARKED, f"wait25-complaint-{viewport}.png")
        text = page.locator(".flash.waiting").inner_text()
        context.close()
    assert text.startswith("等待：一周内是否重复投诉（至 ") and "转“一周无重复投诉”" in text, text
    assert seen["shown"] == "complaint_closure", seen
    assert {"await_repeat", "silence_elapsed", "repeat_received"} <= set(seen["waiting"]), seen
    assert seen["waiting"]["await_repeat"]["inside"], seen


def test_the_case_page_reads_its_case_once_for_its_view_path_and_waits(
        visit: str, services: Services, login: Callable[[str], Browser], clock) -> None:
    """The case page's view, done path and waits come from one read of the case's row (four before:
    the view read it twice, the path and the waits once each), and the same as the three apart."""
    from sqlalchemy import event

    reads = services.runtime.case_page_reads(visit, GUARD)
    assert reads.view == services.runtime.get_case(visit, GUARD)
    assert reads.completed == services.runtime.completed_elements(visit, GUARD) and reads.completed
    assert reads.waiting == services.runtime.waiting_points(visit, GUARD) and reads.waiting
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    browser = login(GUARD)
    event.listen(services.store.engine, "before_cursor_execute", record)
    try:
        html = browser.get(f"/cases/{visit}").get_data(as_text=True)
    finally:
        event.remove(services.store.engine, "before_cursor_execute", record)
    assert "等待：等候住户答复" in html
    row = re.compile(r"SELECT cases\.id, cases\.number\b.* FROM cases WHERE cases\.number")
    case_rows = [s for s in seen if row.match(s)]
    assert len(case_rows) == 1, case_rows
    # a timer due by the time of the view fires first, as it did: the page shows the case after it
    clock.advance(minutes=11)
    html = browser.get(f"/cases/{visit}").get_data(as_text=True)
    assert "等待：等候住户答复" not in html
    assert services.runtime.case_page_reads(visit, GUARD).view == services.runtime.get_case(visit, GUARD)


def test_the_case_page_parses_its_workflow_json_once(visit: str, services: Services,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The done path and the waits read the same parsed workflow JSON (it was parsed for each); only a
    case that waits rebuilds its workflow besides, for the waits' timers."""
    import engine.runtime.inbox as inbox
    import engine.runtime.serializer as serializer

    parsed: list[str] = []
    for module in (inbox, serializer):
        original = module.upgrade_workflow_dict

        def counted(dct, version, _original=original):  # type: ignore[no-untyped-def]
            parsed.append(version)
            return _original(dct, version)

        monkeypatch.setattr(module, "upgrade_workflow_dict", counted)
    waiting = services.runtime.case_page_reads(visit, GUARD)
    assert waiting.completed and waiting.waiting
    assert len(parsed) == 2  # the page's parse, and the rebuild that finds the timer's due time
    visitors.answer_host(services.runtime, "accepted", number=visit, actor=GUARD)  # now at 访客离开登记
    parsed.clear()
    at_task = services.runtime.case_page_reads(visit, GUARD)
    assert len(parsed) == 1 and at_task.waiting == []
    assert len(at_task.completed or []) > len(waiting.completed)
    monkeypatch.undo()
    assert at_task.completed == services.runtime.completed_elements(visit, GUARD)
