"""The visitor desk on a 360 px phone and an 800 px tablet (issue 15): no sideways scroll, households
found by typing. ``KEFU_SHOTS=<dir>`` saves screenshots (``i15-find-desk-<viewport>.png``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine import visitors
from tests.conftest import ROOT
from tests.webui.browsing import signed_in
from tests.webui.conftest import PASSWORD
from tests.webui.live import serve
from webui import visitors as visitor_pages

VIEWPORTS = {"phone": {"width": 360, "height": 780}, "tablet": {"width": 800, "height": 1280},
             "desktop": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_desk_fits_the_screen_and_finds_the_household_by_typing(chromium, app, services, viewport):
    from playwright.sync_api import expect

    if "visitors" not in app.blueprints:
        visitor_pages.init_app(app)
    visitors.import_households(services.runtime, ROOT / "engine" / "demo" / "households.yaml")
    services.set_password("peng.jun", PASSWORD)
    with serve(app) as url:
        context, page = signed_in(chromium, url, "peng.jun", VIEWPORTS[viewport])
        page.goto(f"{url}/visitors/desk")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[viewport]["width"], f"the desk is laid out {width} px wide"
        page.click("text=探访住户")
        page.fill("#customer_name", "李明")
        page.fill("#id_number", "440305199003071236")
        page.fill("#household_q", "1202")
        expect(page.locator("#household-hits .hit").first).to_contain_text("3栋1单元1202")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[viewport]["width"], f"with the households found: {width} px wide"
        shots = os.environ.get("KEFU_SHOTS")
        if shots:
            page.screenshot(path=str(Path(shots) / f"i15-find-desk-{viewport}.png"), full_page=True)
        page.locator("#household-hits .hit").first.click()
        assert page.input_value("#household") == "lyc-3-1-1202"
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
        page.fill("#host_name", "周建国")
        page.click("button.go")
        page.wait_for_url("**/visitors/LF-*")
        expect(page.locator("main")).to_contain_text("3栋1单元1202")
        context.close()
