"""The monthly statistics through the API and the 统计 page (R7.1): scope, figures, downloads, errors."""

from __future__ import annotations

from io import BytesIO

import pytest

from tests.webui.conftest import INTAKE

DATA = {k: v for k, v in INTAKE.items() if v != ""}


@pytest.fixture
def api_as(client, services):
    def call(login, path):
        token = services.issue_token(login, "reports")
        return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})

    return call


@pytest.fixture
def november(services):
    """Two complaints at 丽雅苑 (深圳物业) and one at 滨海湾 (华南区域), received this month."""
    services.open_case(services.actor("wang.fang"), "complaint", dict(DATA))
    services.open_case(services.actor("wang.fang"), "complaint", {**DATA, "category": "billing"})
    services.open_case(services.actor("fan.ming"), "complaint", dict(DATA))
    return services.clock.now().astimezone(services.policy(None).calendar.tz).strftime("%Y-%m")


def test_a_manager_reads_the_report_of_their_subsidiary(api_as, november):
    response = api_as("he.jing", f"/reports/monthly?month={november}&unit=sz-property")
    assert response.status_code == 200
    figures = response.get_json()
    assert figures["month"] == november and figures["unit"] == "sz-property"
    assert figures["complaints"]["received"] == 2
    assert figures["complaints"]["by_category"] == {"billing": 1, DATA["category"]: 1}


def test_a_manager_of_one_subsidiary_cannot_read_the_others_report(api_as, november):
    response = api_as("he.jing", f"/reports/monthly?month={november}&unit=hn-region")
    assert response.status_code == 403
    assert "another unit" in response.get_json()["error"]["message"]
    assert api_as("he.jing", f"/reports/monthly?month={november}").status_code == 403  # the group's
    assert api_as("shi.lei", f"/reports/monthly?month={november}&unit=sz-property-lyc").status_code == 403


def test_group_staff_read_every_unit_and_specialists_none(api_as, november):
    group = api_as("zheng.xiaoyan", f"/reports/monthly?month={november}").get_json()
    assert group["unit"] == "group" and group["complaints"]["received"] == 3
    assert api_as("wang.fang", f"/reports/monthly?month={november}&unit=sz-property").status_code == 403


@pytest.mark.parametrize("query", ["", "?month=2026-13", "?month=2026-11&month=2026-10", "?month=26-11"])
def test_a_bad_or_missing_month_is_a_422_naming_it(api_as, query):
    response = api_as("he.jing", f"/reports/monthly{query}")
    assert response.status_code == 422
    assert "month" in response.get_json()["error"]["fields"]


def test_an_unknown_unit_is_a_404_and_a_department_a_422(api_as):
    assert api_as("zheng.xiaoyan", "/reports/monthly?month=2026-11&unit=nowhere").status_code == 404
    assert api_as("zheng.xiaoyan", "/reports/monthly?month=2026-11&unit=sz-property-cs").status_code == 422


def test_the_report_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/reports/monthly"]["get"]
    assert op["operationId"] == "monthlyReport"
    assert {p["name"]: p["required"] for p in op["parameters"]} == {"month": True, "unit": False}
    assert set(op["responses"]) == {"200", "401", "403", "404", "422"}


def test_the_statistics_page_shows_the_month_as_tables_in_chinese(login, november):
    page = login("lin.lihua").get(f"/reports?unit=sz-property&month={november}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "深圳物业公司" in html and "客户投诉月度统计" in html
    assert "一、投诉概况" in html and "六、按时完成率" in html and "十、投诉明细" in html
    assert "华南区域公司" not in html  # not among the units offered to 深圳物业's manager
    assert f"/reports/sz-property/{november}.xlsx" in html and f"/reports/sz-property/{november}.pdf" in html


def test_the_downloads_are_excel_and_pdf_and_scoped(login, november):
    from openpyxl import load_workbook

    browser = login("lin.lihua")
    xlsx = browser.get(f"/reports/sz-property/{november}.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    book = load_workbook(BytesIO(xlsx.data))
    assert book["月度统计"]["A1"].value.startswith("深圳物业公司")
    pdf = browser.get(f"/reports/sz-property/{november}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert browser.get(f"/reports/hn-region/{november}.xlsx").status_code == 403
    assert browser.get(f"/reports/hn-region/{november}.pdf").status_code == 403
    assert browser.get(f"/reports?unit=hn-region&month={november}").status_code == 403
    assert browser.get(f"/reports/sz-property/{november}.csv").status_code == 422


def test_a_bad_month_on_the_page_is_a_422_in_chinese_and_a_specialist_gets_403(login):
    page = login("lin.lihua").get("/reports?unit=sz-property&month=2026-13")
    assert page.status_code == 422
    assert "格式 YYYY-MM" in page.get_data(as_text=True)
    assert login("wang.fang").get("/reports").status_code == 403


def _many(services, count: int = 60) -> tuple[str, list[str]]:
    """``count`` complaints at 丽雅苑 this month (as the facts the report reads), an hour apart; the
    month and their numbers in receipt order."""
    from datetime import timedelta

    from engine.store.report_repo import ReportRepo

    zone = services.policy(None).calendar.tz
    now = services.clock.now().astimezone(zone)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    numbers = [f"TS-SZP-MANY-{i:03d}" for i in range(count)]
    with services.store.write() as tx:
        for i, number in enumerate(numbers):
            ReportRepo(tx).insert_facts({
                "case_id": f"many{i:03d}", "number": number, "process_id": "complaint",
                "subsidiary": "sz-property", "project": "sz-property-lyc",
                "opened_at": start + timedelta(minutes=i), "status": "open", "valid": True,
                "category": "facilities", "content": f"第{i}号：电梯异响"})
    return now.strftime("%Y-%m"), numbers


def test_the_report_json_has_the_first_page_and_the_api_pages_the_rest(api_as, client, services):
    month, numbers = _many(services)
    figures = api_as("he.jing", f"/reports/monthly?month={month}&unit=sz-property").get_json()
    assert figures["complaints"]["items_total"] == 60 and len(figures["items"]) == 50
    assert figures["items_page"]["next"] == (f"/api/v1/reports/monthly/items?month={month}&unit=sz-property"
                                             "&page=2&per_page=50")
    token = services.issue_token("he.jing", "reports")
    rest = client.get(figures["items_page"]["next"], headers={"Authorization": f"Bearer {token}"}).get_json()
    assert (rest["page"], rest["pages"], rest["total"], rest["next"]) == (2, 2, 60, None)
    assert [i["number"] for i in figures["items"] + rest["items"]] == numbers
    small = api_as("he.jing", f"/reports/monthly/items?month={month}&unit=sz-property-lyc&page=3&per_page=7")
    assert [i["number"] for i in small.get_json()["items"]] == numbers[14:21]
    past = api_as("he.jing", f"/reports/monthly/items?month={month}&unit=sz-property&page=9").get_json()
    assert past["items"] == [] and past["previous"].endswith("page=2&per_page=50")


def test_another_subsidiarys_complaints_are_refused_page_by_page(api_as, services):
    month, _ = _many(services)
    for login, unit in (("he.jing", "hn-region"), ("he.jing", "hn-region-bhw"), ("he.jing", None),
                        ("shi.lei", "sz-property"), ("wang.fang", "sz-property")):
        where = f"&unit={unit}" if unit else ""
        response = api_as(login, f"/reports/monthly/items?month={month}{where}&page=1")
        assert response.status_code == 403, (login, unit)
        assert "items" not in response.get_json()


@pytest.mark.parametrize(("query", "field"), [
    ("month=2026-11&page=0", "page"), ("month=2026-11&page=abc", "page"), ("month=2026-11&page=-2", "page"),
    ("month=2026-11&per_page=0", "per_page"), ("month=2026-11&per_page=501", "per_page"),
    ("month=2026-11&page=1&page=2", "page"), ("page=1", "month"), ("month=2026-13", "month")])
def test_a_bad_page_is_a_422_naming_it(api_as, query, field):
    response = api_as("he.jing", f"/reports/monthly/items?{query}&unit=sz-property")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in error["fields"], error


def test_the_items_route_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/reports/monthly/items"]["get"]
    assert op["operationId"] == "monthlyReportItems"
    required = {p["name"]: p["required"] for p in op["parameters"]}
    assert required == {"month": True, "unit": False, "page": False, "per_page": False}
    assert set(op["responses"]) == {"200", "401", "403", "404", "422"}
    schemas = doc["components"]["schemas"]
    assert "items_page" in schemas["MonthlyReport"]["properties"]
    assert "items_total" in schemas["MonthlyReport"]["properties"]["complaints"]["properties"]


def test_the_page_lists_the_complaints_page_by_page_and_the_downloads_list_all(login, services):
    from openpyxl import load_workbook

    month, numbers = _many(services)
    browser = login("lin.lihua")
    html = browser.get(f"/reports?unit=sz-property&month={month}").get_data(as_text=True)
    assert "共 60 条，第 1/2 页" in html and numbers[49] in html and numbers[50] not in html
    assert f"/reports?unit=sz-property&amp;month={month}&amp;page=2#items" in html
    second = browser.get(f"/reports?unit=sz-property&month={month}&page=2")
    assert second.status_code == 200
    html = second.get_data(as_text=True)
    assert numbers[50] in html and numbers[59] in html and numbers[0] not in html
    assert "第 51–60 条，共 60 条" in html and "受理投诉" in html  # the figures stay on every page
    book = load_workbook(BytesIO(browser.get(f"/reports/sz-property/{month}.xlsx").data))
    assert [r[0] for r in book["投诉明细"].iter_rows(min_row=3, values_only=True)] == numbers
    bad = browser.get(f"/reports?unit=sz-property&month={month}&page=x")
    assert bad.status_code == 422 and "页码：须为 1 到 100000 之间的整数" in bad.get_data(as_text=True)
    assert browser.get(f"/reports?unit=hn-region&month={month}&page=2").status_code == 403
