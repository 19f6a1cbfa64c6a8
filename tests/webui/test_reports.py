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
    assert "一、投诉概况" in html and "六、按时完成率" in html and "九、投诉明细" in html
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
