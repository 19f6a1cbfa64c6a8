"""Chromium drives the 复盘 pages (R2.18): the CS-centre GM opens 统计 → 复盘, generates the week's list,
notes the complaint and signs the list off; on a phone the list does not scroll sideways. Screenshots
go to ``KEFU_TEST_SHOTS`` when set."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from tests.webui.live import serve
from tests.webui.test_org_browser import _page
from tests.webui.test_reviews import _COMPLAINT


def test_the_reviewer_works_through_the_week_list(chromium, app, services, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    services.runtime.open_case("complaint", dict(_COMPLAINT), "wang.fang")
    services.runtime.open_case("complaint", {**_COMPLAINT, "severity": "collective", "scope": "community",
                                             "description": "小区多栋外墙渗水，业主联名投诉"}, "wang.fang")
    services.clock.advance(timedelta(days=8))
    shots = Path(os.environ.get("KEFU_TEST_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with serve(app) as url:
        page = _page(chromium, url, "lin.lihua")
        page.click("nav.mainnav >> text=统计")
        page.click("nav.report-nav >> text=复盘")
        page.locator("select[name=kind]").select_option("leftover")
        page.click("button:text-is('生成')")
        expect(page.locator("h2").first).to_contain_text("遗留投诉周复盘 2026-W49")
        notes = page.locator("textarea[name=note]")
        expect(notes).to_have_count(2)
        notes.nth(0).fill("物业部周五前完成维修，周一复查")
        page.locator("button:text-is('保存意见')").nth(0).click()
        page.locator("textarea[name=note]").nth(1).fill("董事长专题会，月底前出整改方案")
        page.locator("button:text-is('保存意见')").nth(1).click()
        page.screenshot(path=str(shots / "i16rev-review-noted.png"), full_page=True)
        page.click("button:text-is('签认清单（签认后不可修改）')")
        expect(page.locator(".status-line")).to_contain_text("已签认")
        expect(page.locator("textarea[name=note]")).to_have_count(0)
        page.screenshot(path=str(shots / "i16rev-review-signed.png"), full_page=True)
        phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                     storage_state=page.context.storage_state()).new_page()
        phone.goto(page.url)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 391
        phone.screenshot(path=str(shots / "i16rev-review-phone.png"), full_page=True)
        phone.goto(f"{url}/reviews")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 391
        phone.screenshot(path=str(shots / "i16rev-reviews-index-phone.png"), full_page=True)


def test_a_department_head_answers_the_systemic_task_on_a_phone(  # noqa: F811
        chromium, app, services, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    from tests.webui.conftest import PASSWORD
    from tests.webui.test_reviews import _systemic_task

    services.set_password("ma.xiaoli", PASSWORD)
    _systemic_task(services)
    shots = Path(os.environ.get("KEFU_TEST_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with serve(app) as url:
        desk = _page(chromium, url, "ma.xiaoli")
        phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                     storage_state=desk.context.storage_state()).new_page()
        phone.goto(f"{url}/inbox")
        phone.click("section.review-tasks >> text=系统性问题分析：提出优化措施")
        expect(phone.locator("h2").first).to_contain_text("系统性问题季度分析 2026Q3 · 财务部")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 391
        phone.fill("textarea[name=answer]", "统一收费单据格式，每月与物业管理部核对一次")
        phone.screenshot(path=str(shots / "i16rev-systemic-task-phone.png"), full_page=True)
        phone.click("button:text-is('提交')")
        expect(phone.locator("main")).to_contain_text("统一收费单据格式")
        expect(phone.locator("textarea[name=answer]")).to_have_count(0)
