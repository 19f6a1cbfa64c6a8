"""Chromium drives the 回访调查 page (R6.3): a manager opens this quarter's opinion visit from the menu,
a specialist records a phone visit with a second signer, the coverage moves; on a phone the page
does not scroll sideways. Screenshots go to ``KEFU_TEST_SHOTS`` when set."""

from __future__ import annotations

import os
from pathlib import Path

from engine.store.visitor_repo import VisitorRepo
from tests.webui.live import serve
from tests.webui.test_org_browser import _page


def test_a_manager_opens_and_a_specialist_records_a_visit(chromium, app, services, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    from tests.webui.conftest import PASSWORD

    services.set_password("he.jing", PASSWORD)
    with services.store.write() as tx:
        for n in range(3):
            VisitorRepo(tx).upsert_household(f"lyc-b-{n}", "sz-property-lyc", f"8栋{n}01", f"业主{n}")
    shots = Path(os.environ.get("KEFU_TEST_SHOTS") or tmp_path)
    with serve(app) as url:
        page = _page(chromium, url, "he.jing")
        page.click("nav.mainnav >> text=回访调查")
        page.locator("select[name=project]").select_option("sz-property-lyc")
        page.locator("select[name=kind]").select_option("opinion")
        page.click("button:text-is('开启')")
        expect(page.locator("h1")).to_contain_text("丽雅苑管理处 意见征询回访")
        expect(page.locator(".figure", has_text="应回访户数")).to_contain_text("3")
        campaign = page.url
        person = _page(chromium, url, "wang.fang")
        person.goto(campaign)
        person.locator("select[name=household]").select_option("lyc-b-0")
        person.locator("select[name=method]").select_option("phone")
        person.fill("input[name=second_signer]", "zhang.wei")
        person.fill("textarea[name=record]", "业主反映电梯噪音，已登记")
        person.click("button:text-is('保存回访')")
        expect(person.locator(".figure", has_text="已回访")).to_contain_text("1")
        expect(person.locator("table.stats")).to_contain_text("张伟")
        shots.mkdir(parents=True, exist_ok=True)
        person.screenshot(path=str(shots / "i16b-campaign-desktop.png"), full_page=True)
        phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                     storage_state=person.context.storage_state()).new_page()
        phone.goto(campaign)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 391
        phone.screenshot(path=str(shots / "i16b-campaign-phone.png"), full_page=True)
