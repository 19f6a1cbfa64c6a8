"""A real Chromium finds cases on the case list (issue 15), on a desktop and on a 390 px phone.

``KEFU_SHOTS=<dir>`` also saves a screenshot of each viewport (``i15-find-search-<viewport>.png``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.webui.browsing import VIEWPORTS, signed_in
from tests.webui.live import serve

CASE = {"customer_phone": "13812345678", "room": "3-1-1202", "description": "楼上漏水，天花板渗水",
        "customer_request": "尽快维修", "channel": "phone", "category": "facilities", "urgency": "normal",
        "scope": "household", "severity": "general", "read_back_confirmed": True,
        "project": "sz-property-lyc"}
REPAIR = {"customer_name": "王先生", "customer_phone": "13700002222", "room": "8-1-301",
          "location": "in_home", "description": "水龙头漏水", "channel": "phone",
          "project": "sz-property-lyc"}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_search_filter_page_and_export_in_a_browser(chromium, app, services, viewport):
    from playwright.sync_api import expect

    runtime = services.runtime
    zhang = runtime.open_case("complaint", {**CASE, "customer_name": "张先生"}, "wang.fang").number
    other = {**CASE, "customer_name": "李女士", "customer_phone": "13900001111",
             "description": "电梯故障停运"}
    li = runtime.open_case("complaint", other, "wang.fang").number  # the same room: the same household
    repair = runtime.open_case("repair", REPAIR, "wang.fang").number
    with serve(app) as url:
        context, page = signed_in(chromium, url, "li.na", viewport, accept_downloads=True)
        page.goto(f"{url}/cases")
        expect(page.locator("h1")).to_have_text("案件查询")
        for number in (zhang, li, repair):
            expect(page.locator("#case-list")).to_contain_text(number)
        page.fill("#case-q", "5678")  # the last four digits of a phone; the list follows as one types
        expect(page.locator("#case-list")).not_to_contain_text(li)
        expect(page.locator("#case-list")).to_contain_text(zhang)
        expect(page.locator("#case-list")).to_contain_text("138****5678")
        page.fill("#case-q", "")
        page.select_option("#f-process", "repair")
        expect(page.locator("#case-list")).not_to_contain_text(zhang)
        expect(page.locator("#case-list")).to_contain_text(repair)
        page.select_option("#f-process", "")
        page.fill("#case-q", "电梯")
        expect(page.locator("#case-list")).not_to_contain_text(zhang)
        expect(page.locator("#case-list")).to_contain_text(li)
        page.wait_for_url("**q=%E7%94%B5%E6%A2%AF**")  # the search is in the address: back and reload keep it
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[viewport]["width"], f"laid out {width} px wide"
        shots = os.environ.get("KEFU_SHOTS")
        page.fill("#case-q", "")
        expect(page.locator("#case-list")).to_contain_text(zhang)
        if shots:
            page.screenshot(path=str(Path(shots) / f"i15-find-search-{viewport}.png"), full_page=True)
        with page.expect_download() as download:
            page.click("#case-export")
        assert download.value.suggested_filename.endswith(".xlsx")
        page.fill("#case-q", "8")
        expect(page.locator(".flash.error")).to_contain_text("太短")
        page.fill("#case-q", zhang)
        page.locator("#case-list a.casenum", has_text=zhang).click()
        page.wait_for_url(f"**/cases/{zhang}")
        expect(page.locator("#earlier-slot")).to_contain_text(li)  # the same household's other case
        context.close()
