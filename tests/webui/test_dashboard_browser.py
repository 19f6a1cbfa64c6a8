"""Chromium drives the 统计 dashboard (R7): a CS-centre GM opens 统计 from the menu and sees the month's
figures and the five ECharts charts drawn, in Chinese, on a desktop and on a 390 px phone without
sideways scrolling; then downloads the rankings as Excel and the quarterly analysis as PDF."""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook

from tests.webui.live import serve
from tests.webui.test_org_browser import _page
from tests.webui.test_reports_browser import _month

# KEFU_TEST_SHOTS=DIR keeps the screenshots there (to look at them); unset, none are kept.
SHOTS = os.environ.get("KEFU_TEST_SHOTS", "")
CHARTS = ("chart-volume", "chart-rates", "chart-categories", "chart-deadlines")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SHOTS and Path(SHOTS).is_dir():
        page.screenshot(path=str(Path(SHOTS) / f"dashboard-{name}.png"), full_page=True)


def test_the_dashboard_draws_its_charts_and_the_downloads_work(chromium, app, services) -> None:  # noqa: F811
    from playwright.sync_api import expect

    month = _month(services)
    quarter = f"{month[:4]}Q{(int(month[5:]) - 1) // 3 + 1}"
    with serve(app) as url:
        page = _page(chromium, url, "lin.lihua")
        page.click("nav.mainnav >> text=统计")
        expect(page.locator("nav.report-nav .tab.active")).to_have_text("图表")
        page.fill("input[name=month]", month)
        page.click("form.report-pick button[type=submit]")
        board = page.locator("section.dashboard")
        expect(board.locator("h2")).to_contain_text("深圳物业公司")
        expect(board.locator(".figure", has_text="受理投诉")).to_contain_text("2")
        for chart in CHARTS:
            expect(page.locator(f"#{chart}[data-drawn=true] svg")).to_have_count(1)
        expect(page.locator("#chart-categories svg")).to_contain_text("房屋设备管理")
        expect(page.locator("#chart-volume svg")).to_contain_text("受理")
        # no return visit yet: no pie of equal slices, the page says so
        expect(page.locator("#chart-satisfaction[data-drawn=empty]")).to_be_hidden()
        expect(board.locator(".chart-card", has_text="回访满意度")).to_contain_text("本月无回访记录")
        _shot(page, "desktop")
        phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                     storage_state=page.context.storage_state()).new_page()
        phone.goto(f"{url}/reports/dashboard?unit=sz-property&month={month}")
        expect(phone.locator("#chart-categories[data-drawn=true] svg")).to_have_count(1)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 391
        box = phone.locator("#chart-volume").bounding_box()
        assert box is not None and box["width"] <= 390
        _shot(phone, "phone")
        page.click("nav.report-nav >> text=综合排名")
        expect(page.locator("section.report h2")).to_contain_text("投诉处理综合排名")
        with page.expect_download() as got:
            page.click("text=下载 Excel")
        book = load_workbook(BytesIO(Path(got.value.path()).read_bytes()))
        assert book["综合排名"]["A1"].value.endswith("投诉处理综合排名")
        page.goto(f"{url}/reports/quarterly?unit=sz-property&quarter={quarter}")
        expect(page.locator("section.report h2")).to_contain_text("客户投诉分析")
        with page.expect_download() as got:
            page.click("text=下载 PDF")
        assert got.value.suggested_filename == f"quarterly-sz-property-{quarter}.pdf"
        assert Path(got.value.path()).read_bytes().startswith(b"%PDF")
