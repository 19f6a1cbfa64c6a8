"""Chromium drives the 时限模拟 page (issue 17): a CS specialist opens it from the menu, pastes a draft
of 深圳物业's rules with the consultation reply at 12 hours instead of 24 and sees the new deadline
beside the old; on a 390 px phone the page does not scroll sideways. KEFU_TEST_SHOTS=DIR keeps the
screenshots there."""

from __future__ import annotations

import os
from pathlib import Path

from tests.webui.live import serve
from tests.webui.test_org_browser import _page
from tests.webui.test_simulation import draft

SHOTS = os.environ.get("KEFU_TEST_SHOTS", "")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_a_draft_with_a_12_hour_reply_shows_the_new_deadline_beside_the_old(chromium, app) -> None:  # noqa: F811
    from playwright.sync_api import expect

    with serve(app) as url:
        page = _page(chromium, url, "wang.fang")
        page.click("nav.mainnav >> text=时限模拟")
        expect(page.locator("h1")).to_have_text("时限模拟")
        page.locator("form.sim-form select[name=process]").select_option("consultation")
        page.locator("form.sim-form select[name=unit]").select_option("sz-property-lyc")
        page.fill("form.sim-form input[name=at]", "2026-11-23T10:00")
        page.click("details.sim-draft summary")
        page.locator("select[name=overlay_unit]").select_option("sz-property")
        page.fill("textarea[name=overlay]", draft(12))
        page.click("form.sim-form button[type=submit]")
        row = page.locator("table.sim-compare tr", has_text="答复客户")
        expect(row).to_contain_text("11-24 10:00")
        expect(row).to_contain_text("11-23 22:00")
        expect(row).to_contain_text("变化")
        expect(page.locator(".sim-run h2")).to_have_text(["现行细则", "草案"])
        _shot(page, "i17b-simulation-draft")
        phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                     storage_state=page.context.storage_state()).new_page()
        phone.goto(f"{url}/simulate?process=complaint&at=2026-11-27T17:50&unit=sz-property-lyc&path=late")
        expect(phone.locator(".sim-run h2")).to_have_text("现行细则")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
        _shot(phone, "i17b-simulation-phone")
        page.goto(f"{url}/simulate?process=complaint&at=2026-11-27T17:50&unit=sz-property-lyc&path=late")
        _shot(page, "i17b-simulation-friday")
        # the other processes: a preset button runs a visitor on Saturday night on the phone
        phone.click("nav.sim-presets button:has-text('周六晚上的访客')")
        expect(phone.locator(".sim-run")).to_contain_text("预约访客到达核验证件")
        expect(phone.locator("form.sim-form select[name=process]")).to_have_value("visitor_reception")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
        _shot(phone, "i17-simulation-visitor-phone")
