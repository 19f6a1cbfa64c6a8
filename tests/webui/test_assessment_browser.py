"""Chromium drives the 考核 page (R8): a CS supervisor issues a notice from the menu, the person sees
their month and appeals it; on a phone the page does not scroll sideways. Screenshots go to
``KEFU_TEST_SHOTS`` when set."""

from __future__ import annotations

import os
from pathlib import Path

from tests.webui.live import serve
from tests.webui.test_org_browser import _page


def _shot(page, name: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = Path(os.environ.get("KEFU_TEST_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)


def test_a_supervisor_issues_and_the_person_appeals(chromium, app, services, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    with serve(app) as url:
        page = _page(chromium, url, "li.na")
        page.click("nav.mainnav >> text=考核")
        expect(page.locator("h1")).to_have_text("服务质量考核")
        for points, day in (("1", "2026-11-03"), ("2", "2026-11-04"), ("2", "2026-11-05")):
            page.goto(f"{url}/assessment?unit=sz-property-lyc&month=2026-11")
            page.locator("select[name=person]").select_option("wang.fang")
            page.locator("select[name=issue]").select_option("etiquette")
            page.fill("input[name=points]", points)
            page.fill("input[name=occurred_on]", day)
            page.fill("textarea[name=text]", "接听电话未使用规范用语")
            page.click("button:text-is('签发')")
            expect(page.locator("h1")).to_contain_text("员工过失通知单")
        page.goto(f"{url}/assessment?unit=sz-property-lyc&month=2026-11")
        report = page.locator("section.report")
        expect(report.locator("table.stats.wide")).to_contain_text("37.50")
        expect(report).to_contain_text("王芳（5分）")
        _shot(page, "i16b-assessment-desktop.png", tmp_path)

        person = _page(chromium, url, "wang.fang")
        person.goto(f"{url}/assessment?month=2026-11")
        expect(person.locator(".figure", has_text="应扣合计")).to_contain_text("37.50")
        person.click("table.stats a:text-is('3')")
        person.fill("textarea[name=reason]", "当天系统故障")
        person.click("text=提出申诉")
        expect(person.locator(".appeal")).to_contain_text("待处理")
        phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                     storage_state=page.context.storage_state()).new_page()
        phone.goto(f"{url}/assessment?unit=sz-property-lyc&month=2026-11")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 391
        _shot(phone, "i16b-assessment-phone.png", tmp_path)
