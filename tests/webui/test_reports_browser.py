"""Chromium drives the 统计 page (R7.1): a CS-centre GM opens it from the menu, reads the month's
tables in Chinese, switches month, and downloads the Excel and the PDF; on a phone the tables scroll
sideways inside the page."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook

from tests.webui.live import serve
from tests.webui.test_org_browser import _page
from tests.webui.test_reports import DATA


def _month(services) -> str:  # type: ignore[no-untyped-def]
    services.open_case(services.actor("wang.fang"), "complaint", dict(DATA))
    services.open_case(services.actor("wang.fang"), "complaint", {**DATA, "category": "billing",
                                                                  "description": "=1+1 物业费账单"})
    services.open_case(services.actor("fan.ming"), "complaint", dict(DATA))
    return str(services.clock.now().astimezone(services.policy(None).calendar.tz).strftime("%Y-%m"))


def test_a_manager_reads_the_month_and_downloads_excel_and_pdf(chromium, app, services,  # noqa: F811
                                                               tmp_path: Path) -> None:
    from playwright.sync_api import expect

    month = _month(services)
    with serve(app) as url:
        page = _page(chromium, url, "lin.lihua")
        page.click("nav.mainnav >> text=统计")
        expect(page.locator("h1")).to_have_text("统计")
        page.click("nav.report-nav >> text=月度统计")
        page.locator("select[name=unit]").select_option("sz-property")
        page.fill("input[name=month]", month)
        page.click("form.report-pick button[type=submit]")
        report = page.locator("section.report")
        expect(report.locator("h2")).to_contain_text("深圳物业公司")
        expect(report.locator(".figure", has_text="受理投诉")).to_contain_text("2")
        expect(report.locator("table.stats").first).to_contain_text("受理投诉")
        expect(report.locator("table.stats.wide")).to_contain_text("=1+1 物业费账单")
        assert page.locator("select[name=unit] option").all_inner_texts() == [
            "深圳物业公司", "锦华园管理处", "丽雅苑管理处"]  # her company and its projects, nothing else
        with page.expect_download() as got:
            page.click("text=下载 Excel")
        excel = got.value
        assert excel.suggested_filename == f"report-sz-property-{month}.xlsx"
        book = load_workbook(BytesIO(Path(excel.path()).read_bytes()))
        title = f"深圳物业公司 {month[:4]}年{int(month[5:])}月 客户投诉月度统计"
        assert book["月度统计"]["A1"].value == title
        with page.expect_download() as got:
            page.click("text=下载 PDF")
        assert Path(got.value.path()).read_bytes().startswith(b"%PDF")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                     storage_state=page.context.storage_state()).new_page()
        phone.goto(f"{url}/reports?unit=sz-property&month={month}")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1  # the wide tables scroll inside their box, the page does not


def test_on_a_phone_the_complaints_of_a_big_month_page_by_50(chromium, app, services,  # noqa: F811
                                                             tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from tests.webui.test_reports import _many

    month, numbers = _many(services, 120)
    with serve(app) as url:
        desktop = _page(chromium, url, "lin.lihua")
        phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                     storage_state=desktop.context.storage_state()).new_page()
        phone.goto(f"{url}/reports?unit=sz-property&month={month}")
        heading = phone.locator("h3#items")
        expect(heading).to_contain_text("共 120 条，第 1/3 页")
        rows = phone.locator("table.stats.wide tbody tr")
        expect(rows).to_have_count(50)
        expect(rows.first).to_contain_text(numbers[0])
        pager = phone.locator("nav.pager")
        expect(pager).to_contain_text("第 1–50 条，共 120 条")
        pager.get_by_role("link", name="下一页").click()
        expect(heading).to_contain_text("第 2/3 页")
        expect(rows.first).to_contain_text(numbers[50])
        expect(phone.locator(".figure", has_text="受理投诉")).to_contain_text("120")  # the figures stay
        pager.get_by_role("link", name="下一页").click()
        expect(rows).to_have_count(20)
        expect(rows.last).to_contain_text(numbers[-1])
        assert pager.get_by_role("link", name="下一页").count() == 0
        box = pager.get_by_role("link", name="上一页").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 30
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
        pager.scroll_into_view_if_needed()
        phone.screenshot(path=str(tmp_path / "report-items-phone.png"))
        desktop.goto(f"{url}/reports?unit=sz-property&month={month}&page=2#items")
        desktop.screenshot(path=str(tmp_path / "report-items-desktop.png"))


def test_the_cs_centre_reads_each_cooperating_departments_on_time_figure(chromium, app, services,  # noqa: F811
                                                                         tmp_path: Path) -> None:
    """R2.4: a cooperating 工程部 that confirms its part late shows as late in its own row of the month's
    statistics, for the CS-centre GM, on a desktop and a 390 px phone (no sideways scrolling of the page)."""
    import os
    from datetime import timedelta

    from playwright.sync_api import expect

    from tests.webui.test_cooperation import _dispatched, _task

    number = _dispatched(services)  # 物业管理部 leads, 工程部 cooperates: its part due in one working hour
    services.clock.set(services.clock.now() + timedelta(days=3))
    services.runtime.complete_task(_task(services, number, "confirm_cooperation"), "liu.qiang",
                                   {"cooperation_part": "安排维修工配合检查管道"})
    opened = services.runtime.get_case(number, "zheng.xiaoyan").opened_at
    month = str(opened.astimezone(services.policy(None).calendar.tz).strftime("%Y-%m"))
    folder = Path(os.environ.get("KEFU_TEST_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    with serve(app) as url:
        page = _page(chromium, url, "lin.lihua")
        page.goto(f"{url}/reports?unit=sz-property&month={month}")
        table = page.locator("h3:has-text('七、配合部门确认（按部门）') + div.table-scroll table.stats")
        expect(page.locator("h3", has_text="七、配合部门确认（按部门）")).to_be_visible()
        expect(table.locator("tr", has_text="工程部")).to_contain_text("0.0%")
        assert table.locator("tr", has_text="工程部").locator("td").all_inner_texts() == [
            "工程部", "1", "0", "1", "0.0%"]
        page.screenshot(path=str(folder / "aud1719-report-cooperation-desktop.png"), full_page=True)
        phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                     storage_state=page.context.storage_state()).new_page()
        phone.goto(f"{url}/reports?unit=sz-property&month={month}")
        expect(phone.locator("h3", has_text="七、配合部门确认（按部门）")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
        phone.screenshot(path=str(folder / "aud1719-report-cooperation-phone.png"), full_page=True)
