"""The filled 通讯录 in Chromium (R0.3, issue 17) on a 390 px phone and a desktop: every unit's published
contacts (the demo's), a change waiting for the CS centre's acknowledgement and one overdue, a search,
no sideways scrolling; acknowledging from the phone. ``KEFU_SHOTS=<dir>`` saves
``i17-contacts-<viewport>.png``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from engine.contacts import Contacts
from tests.conftest import shanghai
from tests.webui.browsing import VIEWPORTS, signed_in
from tests.webui.conftest import PASSWORD
from tests.webui.live import serve


def services_units(services) -> int:  # type: ignore[no-untyped-def]
    with services.store.read() as tx:
        return len(tx.units())




@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_filled_contact_book_reads_on_a_phone_and_the_cs_manager_acknowledges(
        chromium, app, services, clock, viewport):
    from playwright.sync_api import expect

    from engine.cli.cases import DEMO_CONTACTS

    book = Contacts(services.store, services.policies, services.clock)
    book.seed(yaml.safe_load(DEMO_CONTACTS.read_text(encoding="utf-8"))["contacts"])
    assert book.save("xu.lan", "sz-property", {"hotline": "400-888-1200", "email": "service@szwy.example"})
    clock.set(shanghai("2026-11-25 10:00"))  # the first change is overdue now (due 11-24 09:00)
    assert book.save("yang.fan", "sz-property-property", {"person": "杨帆", "phone": "0755-88881234"})
    services.set_password("he.jing", PASSWORD)
    with serve(app) as url:
        context, page = signed_in(chromium, url, "he.jing", viewport)
        reminder = page.locator(".contact-reminder")  # the CS centre's inbox names the changes waiting
        expect(reminder).to_contain_text("对接信息变更待确认：2")
        expect(reminder.locator(".badge.overdue")).to_have_text("已逾期 1")
        shots = os.environ.get("KEFU_SHOTS")
        if shots:
            page.screenshot(path=str(Path(shots) / f"i17-inbox-contacts-{viewport}.png"))
        reminder.locator("a").click()
        page.wait_for_url("**/contacts")
        expect(page.get_by_text("400-888-1200").first).to_be_visible()
        expect(page.locator(".contact-card")).to_have_count(services_units(services))
        pending = page.locator(".contact-changes li")
        expect(pending).to_have_count(2)
        expect(pending.first.locator(".badge.overdue")).to_have_text("已逾期")  # due 11-24 09:00
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
        if shots:
            page.screenshot(path=str(Path(shots) / f"i17-contacts-{viewport}.png"), full_page=True)
        pending.first.locator("button", has_text="确认").click()
        expect(page.locator(".contact-changes li")).to_have_count(1)
        page.fill("input[name=q]", "8881200")
        page.keyboard.press("Enter")
        page.wait_for_url("**/contacts?q=8881200*")
        expect(page.locator(".contact-card")).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
        context.close()
