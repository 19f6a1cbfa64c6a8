"""The quarterly and the bad-debt analyses through the API and their pages: scope, downloads, errors."""

from __future__ import annotations

from io import BytesIO

import pytest

from tests.webui.test_reports import DATA, api_as, november  # noqa: F401 (fixtures)


@pytest.fixture
def quarter(services, november):  # noqa: F811
    today = services.clock.now().astimezone(services.policy(None).calendar.tz)
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def test_a_manager_reads_the_quarter_of_their_subsidiary_not_the_others(api_as, quarter):  # noqa: F811
    response = api_as("he.jing", f"/reports/quarterly?quarter={quarter}&unit=sz-property")
    assert response.status_code == 200
    figures = response.get_json()
    assert figures["period"] == quarter and figures["totals"]["received"] == 2
    assert len(figures["trend"]) == 4
    for unit in ("&unit=hn-region", "&unit=hn-region-bhw", ""):
        assert api_as("he.jing", f"/reports/quarterly?quarter={quarter}{unit}").status_code == 403
    assert api_as("wang.fang", f"/reports/quarterly?quarter={quarter}&unit=sz-property").status_code == 403


def test_the_bad_debt_analysis_is_scoped_like_the_reports(api_as, quarter):  # noqa: F811
    year = quarter[:4]
    figures = api_as("he.jing", f"/reports/bad-debt?year={year}&unit=sz-property").get_json()
    assert figures["year"] == int(year) and figures["unresolvable"] == 0
    assert figures["with_unresolvable"]["valid"] == 2 and figures["without_unresolvable"]["valid"] == 2
    assert api_as("he.jing", f"/reports/bad-debt?year={year}&unit=hn-region").status_code == 403
    assert api_as("he.jing", f"/reports/bad-debt?year={year}").status_code == 403


BAD = ["/reports/quarterly?", "/reports/quarterly?quarter=2026Q5&", "/reports/bad-debt?",
       "/reports/bad-debt?year=1999&", "/reports/bad-debt?year=x&"]


@pytest.mark.parametrize("path", BAD)
def test_a_bad_or_missing_period_is_a_422(api_as, path):  # noqa: F811
    response = api_as("he.jing", f"{path}unit=sz-property")
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) & {"quarter", "year"}


def test_both_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert paths["/reports/quarterly"]["get"]["operationId"] == "quarterlyReport"
    assert paths["/reports/bad-debt"]["get"]["operationId"] == "badDebtReport"


def test_the_pages_and_downloads_are_chinese_and_scoped(login, quarter):  # noqa: F811
    from openpyxl import load_workbook

    browser = login("lin.lihua")
    page = browser.get(f"/reports/quarterly?unit=sz-property&quarter={quarter}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "客户投诉分析" in html and "二、趋势（前四期及本期）" in html and "含与不含无法解决投诉" in html
    xlsx = browser.get(f"/reports/quarterly/sz-property/{quarter}.xlsx")
    assert xlsx.status_code == 200
    assert load_workbook(BytesIO(xlsx.data))["季度分析"]["A1"].value.endswith("客户投诉分析")
    pdf = browser.get(f"/reports/quarterly/sz-property/{quarter}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert browser.get(f"/reports/quarterly/hn-region/{quarter}.pdf").status_code == 403
    assert browser.get(f"/reports/quarterly?unit=hn-region&quarter={quarter}").status_code == 403
    bad = browser.get("/reports/quarterly?unit=sz-property&quarter=2026Q9")
    assert bad.status_code == 422 and "请填写季度，如 2026Q3" in bad.get_data(as_text=True)
    year = quarter[:4]
    debt = browser.get(f"/reports/bad-debt?unit=sz-property&year={year}")
    assert debt.status_code == 200 and "无法解决投诉（坏账）专项分析" in debt.get_data(as_text=True)
    assert browser.get(f"/reports/bad-debt/sz-property/{year}.xlsx").status_code == 200
    assert browser.get(f"/reports/bad-debt/hn-region/{year}.xlsx").status_code == 403
    assert browser.get("/reports/bad-debt?unit=sz-property&year=20x6").status_code == 422
    assert login("wang.fang").get("/reports/quarterly").status_code == 403
