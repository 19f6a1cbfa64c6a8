"""The 考核 pages (R8): issue, appeal and decide through forms; each route refused to the other subsidiary.

The clock stands at Monday 2026-11-23; the months shown are November and before.
"""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from engine.assessment import Assessment
from engine.store.assessment_repo import AssessmentRepo

NOTICE = {"person": "wang.fang", "issue": "etiquette", "points": "2", "occurred_on": "2026-11-20",
          "text": "接听电话未使用规范用语"}


@pytest.fixture(autouse=True)
def _passwords(services):
    """The managers these tests sign in as (the shared template sets the common staff only)."""
    from tests.webui.conftest import PASSWORD

    for login in ("he.jing", "feng.tingting", "shi.lei"):
        services.set_password(login, PASSWORD)


def _notices(services):
    with services.store.read() as tx:
        return AssessmentRepo(tx).notices("2026-11")


def _issue_three(services) -> list[int]:
    book = Assessment(services.store, services.clock, services.policies)
    return [book.issue("li.na", person="wang.fang", issue="etiquette", points=p, occurred_on=d,
                       text="话术").id
            for p, d in ((1, "2026-11-03"), (2, "2026-11-04"), (2, "2026-11-05"))]


def test_a_supervisor_issues_a_notice_and_a_bad_one_keeps_what_was_typed(login, services):
    li = login("li.na")
    page = li.get("/assessment?unit=sz-property-lyc&month=2026-11").get_data(as_text=True)
    assert "签发《员工过失通知单》" in page and "王芳" in page
    bad = li.post("/assessment/notices?unit=sz-property-lyc&month=2026-11", {**NOTICE, "points": "0"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "扣分须为 1 至 20 的整数" in html and "接听电话未使用规范用语" in html
    assert _notices(services) == []
    ok = li.post("/assessment/notices?unit=sz-property-lyc&month=2026-11", NOTICE)
    assert ok.status_code == 302
    [notice] = _notices(services)
    assert (notice.person, notice.points, notice.supervisor, notice.issued_by) == (
        "wang.fang", 2, "li.na", "li.na")
    shown = li.get(ok.headers["Location"]).get_data(as_text=True)
    assert "员工过失通知单" in shown and "服务态度及礼仪" in shown


def test_the_person_appeals_and_the_manager_reduces_through_the_forms(login, services):
    ids = _issue_three(services)
    wang = login("wang.fang")
    mine = wang.get("/assessment?month=2026-11").get_data(as_text=True)
    assert "37.50" in mine and "列入本月公布名单" in mine  # 5 points: 25 + 20, 7.50 borne by li.na
    assert "签发《员工过失通知单》" not in mine  # a specialist issues nothing
    empty = wang.post(f"/assessment/notices/{ids[2]}/appeal", {"reason": " "})
    assert empty.status_code == 422 and "请填写申诉理由" in empty.get_data(as_text=True)
    assert wang.post(f"/assessment/notices/{ids[2]}/appeal", {"reason": "系统故障"}).status_code == 302
    he = login("he.jing")
    assert f"/assessment/notices/{ids[2]}" in he.get("/assessment?month=2026-11").get_data(as_text=True)
    assert he.post(f"/assessment/notices/{ids[2]}/decide",
                   {"decision": "reduced", "points": "1", "answer": "情节较轻"}).status_code == 302
    page = he.get("/assessment?unit=sz-property&month=2026-11").get_data(as_text=True)
    assert "14.00" in page and "6.00" in page  # 4 points: 20 + 20 − 6; li.na bears 6.00
    book = he.get("/assessment/sz-property/2026-11.xlsx")
    assert book.status_code == 200
    sheet = load_workbook(BytesIO(book.data))["考核汇总"]
    assert [sheet["B3"].value, sheet["C3"].value, sheet["I3"].value] == ["wang.fang", 4, 14]


@pytest.mark.parametrize(("method", "path", "data"), [
    ("get", "/assessment/notices/{id}", None),
    ("get", "/assessment/people/wang.fang?month=2026-11", None),
    ("get", "/assessment/sz-property/2026-11.xlsx", None),
    ("get", "/assessment/sz-property-lyc/2026-11.xlsx", None),
    ("post", "/assessment/notices/{id}/appeal", {"reason": "替人申诉"}),
    ("post", "/assessment/notices/{id}/decide", {"decision": "cancelled", "answer": "撤销"}),
    ("post", "/assessment/notices?unit=sz-property", NOTICE),
])
@pytest.mark.parametrize("who", ["feng.tingting", "shi.lei"])  # 华南区域's CS manager and supervisor
def test_the_other_subsidiary_gets_403_and_nothing_changes(login, services, method, path, data, who):
    ids = _issue_three(services)
    wang = login("wang.fang")
    wang.post(f"/assessment/notices/{ids[0]}/appeal", {"reason": "不服"})
    before = _notices(services)
    other = login(who)
    url = path.format(id=ids[0])
    response = other.get(url) if method == "get" else other.post(url, data)
    assert response.status_code == 403
    assert _notices(services) == before
    assert "申诉" not in response.get_data(as_text=True) or method == "post"
    page = other.get("/assessment?unit=sz-property&month=2026-11")
    assert "王芳" not in page.get_data(as_text=True)


def test_the_menu_shows_the_page_to_every_staff_member(login):
    html = login("zhang.wei").get("/inbox").get_data(as_text=True)
    assert 'href="/assessment"' in html and "考核" in html


@pytest.fixture
def api_as(client, services):
    def call(login, path):
        token = services.issue_token(login, "assessment")
        return client.get(f"/api/v1/assessment{path}", headers={"Authorization": f"Bearer {token}"})

    return call


def test_the_api_gives_hr_the_month_and_each_person_their_statement(api_as, services):
    _issue_three(services)
    month = api_as("he.jing", "/statements?month=2026-11&unit=sz-property")
    assert month.status_code == 200
    body = month.get_json()
    assert [(p["person"], p["points"], p["total"]) for p in body["people"]] == [
        ("wang.fang", 5, "37.50"), ("li.na", 0, "7.50")]
    assert body["public"] == ["wang.fang"] and [n["points"] for n in body["notices"]] == [1, 2, 2]
    mine = api_as("wang.fang", "/statements/wang.fang?month=2026-11").get_json()
    assert (mine["points"], mine["extra_fine"], mine["shared_with_supervisor"]) == (5, "20.00", "7.50")
    assert api_as("zheng.xiaoyan", "/statements?month=2026-11&unit=sz-property-lyc").status_code == 200


@pytest.mark.parametrize(("who", "path", "status"), [
    ("fan.ming", "/statements/wang.fang?month=2026-11", 403),           # another subsidiary
    ("feng.tingting", "/statements?month=2026-11&unit=sz-property", 403),
    ("zhang.wei", "/statements/wang.fang?month=2026-11", 403),          # a colleague
    ("he.jing", "/statements?month=2026-11&unit=nowhere", 404),
    ("he.jing", "/statements?month=2026-11&unit=" + "x" * 150, 404),   # a long code the document allows
    ("he.jing", "/statements/nobody?month=2026-11", 404),
    ("he.jing", "/statements?month=2026-13&unit=sz-property", 422),
    ("he.jing", "/statements?unit=sz-property", 422),
])
def test_the_api_refuses_clearly(api_as, services, who, path, status):
    _issue_three(services)
    response = api_as(who, path)
    assert response.status_code == status
    assert response.get_json()["error"]["message"]
