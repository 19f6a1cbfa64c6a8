"""The rankings (R7.2) through the API and the 综合排名 page: scope, figures, the Excel download, errors."""

from __future__ import annotations

from io import BytesIO

import pytest

from tests.webui.test_reports import DATA, api_as, november  # noqa: F401 (fixtures)


def test_a_manager_reads_the_ranking_of_their_subsidiary(api_as, november):  # noqa: F811
    response = api_as("he.jing", f"/reports/ranking?month={november}&unit=sz-property")
    assert response.status_code == 200
    figures = response.get_json()
    assert figures["unit"] == "sz-property" and figures["companies"] == []
    assert [(p["unit"], p["valid"]) for p in figures["projects"]] == [("sz-property-lyc", 2),
                                                                     ("sz-property-jhy", 0)]
    assert [m["weight"] for m in figures["metrics"]] == [40, 30, 30]


def test_another_subsidiarys_or_the_groups_ranking_is_a_403(api_as, november):  # noqa: F811
    for unit in ("&unit=hn-region", "&unit=hn-region-bhw", ""):
        response = api_as("he.jing", f"/reports/ranking?month={november}{unit}")
        assert response.status_code == 403
    assert api_as("wang.fang", f"/reports/ranking?month={november}&unit=sz-property").status_code == 403
    group = api_as("zheng.xiaoyan", f"/reports/ranking?month={november}").get_json()
    assert [c["unit"] for c in group["companies"]] == ["sz-property", "hn-region"]
    assert {c["unit"]: c["valid"] for c in group["companies"]} == {"sz-property": 2, "hn-region": 1}


@pytest.mark.parametrize("query", ["", "?month=2026-13"])
def test_a_bad_or_missing_month_is_a_422(api_as, query):  # noqa: F811
    response = api_as("he.jing", f"/reports/ranking{query}")
    assert response.status_code == 422 and "month" in response.get_json()["error"]["fields"]


def test_the_ranking_is_in_the_openapi_document(client):
    op = client.get("/api/v1/openapi.json").get_json()["paths"]["/reports/ranking"]["get"]
    assert op["operationId"] == "rankingReport"
    assert set(op["responses"]) == {"200", "401", "403", "404", "422"}


def test_the_ranking_page_and_its_excel_are_scoped(login, november):  # noqa: F811
    from openpyxl import load_workbook

    browser = login("lin.lihua")
    page = browser.get(f"/reports/ranking?unit=sz-property&month={november}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "投诉处理综合排名" in html and "项目综合排名" in html and "客服专员客户满意度排名" in html
    assert "丽雅苑管理处" in html and "滨海湾管理处" not in html
    xlsx = browser.get(f"/reports/ranking/sz-property/{november}.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(xlsx.data))["综合排名"]
    assert sheet["A1"].value.startswith("深圳物业公司") and sheet["A1"].value.endswith("投诉处理综合排名")
    assert browser.get(f"/reports/ranking/hn-region/{november}.xlsx").status_code == 403
    assert browser.get(f"/reports/ranking?unit=hn-region&month={november}").status_code == 403
    bad = browser.get("/reports/ranking?unit=sz-property&month=2026-13")
    assert bad.status_code == 422 and "格式 YYYY-MM" in bad.get_data(as_text=True)
    assert login("wang.fang").get("/reports/ranking").status_code == 403
