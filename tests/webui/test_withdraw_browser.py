"""Withdrawing a complaint on the case page (issue 15), in Chromium, on a desktop and a 390 px phone:
the reason is required, the case shows 已撤回 with the reason, and the form is gone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.webui.browsing import VIEWPORTS, sign_in, signed_in
from tests.webui.live import serve

SHOTS = os.environ.get("KEFU_TEST_SHOTS", "")  # a folder: keep the screenshots there to look at them

CASE = {"customer_name": "刘先生", "customer_phone": "13800138000", "room": "3栋1单元1202",
        "description": "楼上漏水", "customer_request": "尽快维修", "channel": "phone",
        "category": "facilities", "urgency": "normal", "scope": "household", "severity": "general",
        "read_back_confirmed": True, "project": "sz-property-lyc"}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_complaint_is_withdrawn_on_the_case_page_with_a_reason(chromium, app, services, viewport):
    from playwright.sync_api import expect

    number = services.runtime.open_case("complaint", CASE, "wang.fang").number
    with serve(app) as url:
        context, page = signed_in(chromium, url, "li.na", viewport)
        page.goto(f"{url}/cases/{number}")
        page.click("details#withdraw summary")
        page.click("details#withdraw button.danger")  # no reason
        expect(page.locator("details#withdraw .error-text")).to_contain_text("撤回投诉必须填写原因")
        page.fill("#withdraw-reason", "客户与邻居协商解决，主动撤回")
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / f"i15-withdraw-form-{viewport}.png"), full_page=True)
        page.click("details#withdraw button.danger")
        page.wait_for_url(f"**/cases/{number}")
        expect(page.locator("#withdrawal")).to_contain_text("客户与邻居协商解决，主动撤回")
        expect(page.locator(".casehead .status")).to_contain_text("已撤回")
        expect(page.locator("#timeline")).to_contain_text("撤回了投诉")
        assert page.locator("details#withdraw").count() == 0
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[viewport]["width"], width
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / f"i15-withdrawn-{viewport}.png"), full_page=True)
        context.close()
    assert services.runtime.get_case(number, "li.na").status == "withdrawn"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_duplicate_is_proposed_and_the_supervisor_confirms_the_merge(chromium, app, services, viewport):
    from playwright.sync_api import expect

    original = services.runtime.open_case("complaint", CASE, "wang.fang").number
    duplicate = services.runtime.open_case("complaint", CASE, "wang.fang").number
    with serve(app) as url:
        context = chromium.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15000)

        def switch_to(login: str) -> None:
            page.context.clear_cookies()
            sign_in(page, url, login)

        switch_to("wang.fang")
        page.goto(f"{url}/cases/{duplicate}")
        page.click("details#merge summary")
        page.fill("#merge-into", original)
        page.click("details#merge button[type=submit]")
        expect(page.locator("#pending-merge")).to_contain_text(original)
        switch_to("li.na")
        page.goto(f"{url}/cases/{duplicate}")
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / f"i15-merge-pending-{viewport}.png"), full_page=True)
        page.click("#pending-merge button[value=confirm]")
        expect(page.locator("#merged-into")).to_contain_text(original)
        expect(page.locator(".casehead .status")).to_contain_text("已合并")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[viewport]["width"], width
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / f"i15-merged-{viewport}.png"), full_page=True)
        page.click(f"#merged-into a[href$='{original}']")
        expect(page.locator("#duplicates")).to_contain_text(duplicate)
        context.close()
