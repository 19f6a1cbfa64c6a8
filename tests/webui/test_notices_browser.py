"""The bell in Chromium (issue 15): the unread count on every page, the list, marking read, opening a
case; desktop and a 390 px phone. ``KEFU_SHOTS=<dir>`` saves ``i15-find-bell-<viewport>.png``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.store.worker_repo import WorkerRepo
from tests.webui.browsing import VIEWPORTS, signed_in
from tests.webui.live import serve

CASE = {"customer_name": "刘先生", "customer_phone": "13800138000", "room": "3栋1单元1202",
        "description": "楼上漏水", "customer_request": "尽快维修", "channel": "phone",
        "category": "facilities", "urgency": "normal", "scope": "household", "severity": "general",
        "read_back_confirmed": True, "project": "sz-property-lyc"}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_bell_counts_lists_and_opens(chromium, app, services, viewport):
    from playwright.sync_api import expect

    number = services.runtime.open_case("complaint", CASE, "wang.fang").number
    with services.store.write() as tx:
        repo = WorkerRepo(tx)
        now = services.clock.now()
        repo.add_notification(key="v1", recipient="wang.fang", kind="volume_report",
                              title="【投诉量预警】丽雅苑管理处", body="近7天有效投诉8宗，已达报告线。",
                              case_number=None, created_at=now)
        repo.add_notification(key="o1", recipient="wang.fang", kind="order_signed",
                              title=f"【督办令】{number}已签发", body="请跟进。",
                              case_number=number, created_at=now)
    with serve(app) as url:
        context, page = signed_in(chromium, url, "wang.fang", viewport)
        expect(page.locator("#bell .count")).to_have_text("2")
        page.click("#bell")
        page.wait_for_url("**/notifications")
        expect(page.locator(".notice.unread")).to_have_count(2)
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
        shots = os.environ.get("KEFU_SHOTS")
        if shots:
            page.screenshot(path=str(Path(shots) / f"i15-find-bell-{viewport}.png"), full_page=True)
        page.locator(".notice", has_text="投诉量预警").locator("button", has_text="标为已读").click()
        expect(page.locator("#bell .count")).to_have_text("1")
        page.locator(".notice", has_text="督办令").locator("button", has_text="查看案件").click()
        page.wait_for_url(f"**/cases/{number}")
        expect(page.locator("#bell .count")).to_have_count(0)
        context.close()
