"""Issue 15: withdrawing a complaint through the API and the case page, and the refusals."""

from __future__ import annotations

import pytest

from tests.webui.conftest import INTAKE

DATA = {k: v for k, v in INTAKE.items() if v != ""}


@pytest.fixture
def api(client, services):
    def call(login, method, path, **kw):
        token = services.issue_token(login, "test")
        headers = {"Authorization": f"Bearer {token}"}
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kw)

    return call


def _open(api, process="complaint", data=DATA):
    return api("wang.fang", "POST", "/cases", json={"process": process, "data": data}).get_json()["number"]


def test_the_api_withdraws_a_complaint_with_a_reason_and_the_timeline_shows_it(api):
    number = _open(api)
    response = api("wang.fang", "POST", f"/cases/{number}/withdraw", json={"reason": "客户撤回投诉"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"number": number, "status": "withdrawn"}
    case = api("wang.fang", "GET", f"/cases/{number}").get_json()
    assert case["status"] == "withdrawn" and case["tasks"] == []
    events = api("wang.fang", "GET", f"/cases/{number}/timeline").get_json()["events"]
    assert any("客户撤回投诉" in str(e) for e in events)
    again = api("wang.fang", "POST", f"/cases/{number}/withdraw", json={"reason": "再撤回"})
    assert again.status_code == 409


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": 3},
                                  {"reason": "x", "y": 1}, [], {"reason": "长" * 501}])
def test_a_withdrawal_without_a_proper_reason_is_422_and_changes_nothing(api, body):
    number = _open(api)
    response = api("wang.fang", "POST", f"/cases/{number}/withdraw", json=body)
    assert response.status_code == 422
    assert api("wang.fang", "GET", f"/cases/{number}").get_json()["status"] != "withdrawn"


def test_someone_of_the_other_subsidiary_may_not_withdraw_nor_an_engineer(api):
    number = _open(api)
    foreign = api("fan.ming", "POST", f"/cases/{number}/withdraw", json={"reason": "别的公司"})
    assert foreign.status_code in (403, 404)
    assert number not in foreign.get_data(as_text=True)
    engineer = api("deng.haitao", "POST", f"/cases/{number}/withdraw", json={"reason": "工程师"})
    assert engineer.status_code == 403
    assert api("wang.fang", "GET", f"/cases/{number}").get_json()["status"] != "withdrawn"


def test_a_repair_is_not_withdrawn_as_a_complaint(api):
    repair = {"customer_name": "李女士", "customer_phone": "13612345678", "room": "5栋2单元801",
              "location": "in_home", "location_detail": "主卫", "description": "水龙头漏水",
              "channel": "phone"}
    number = _open(api, "repair", repair)
    assert api("wang.fang", "POST", f"/cases/{number}/withdraw", json={"reason": "x"}).status_code == 409


def test_the_case_page_withdraws_with_a_reason_and_shows_it_in_chinese(login, services):
    from tests.webui.conftest import open_complaint

    browser = login("wang.fang")
    number = open_complaint(browser)
    html = browser.get(f"/cases/{number}").get_data(as_text=True)
    assert "撤回此投诉" in html and f"/cases/{number}/withdraw" in html
    refused = browser.post(f"/cases/{number}/withdraw", {"reason": "  "})
    assert refused.status_code == 422
    assert "撤回投诉必须填写原因" in refused.get_data(as_text=True)
    assert services.runtime.get_case(number, "wang.fang").status != "withdrawn"
    done = browser.post(f"/cases/{number}/withdraw", {"reason": "客户与邻居协商解决"})
    assert done.status_code == 302
    html = browser.get(f"/cases/{number}").get_data(as_text=True)
    assert "已撤回" in html and "客户与邻居协商解决" in html and "撤回了投诉" in html
    assert "不计为有效投诉" in html
    assert "撤回此投诉" not in html  # no button on a withdrawn case


def test_the_withdraw_button_is_not_offered_to_an_engineer_or_the_other_subsidiary(login, services):
    from tests.webui.conftest import open_complaint

    number = open_complaint(login("wang.fang"))
    engineer = login("deng.haitao")
    page = engineer.get(f"/cases/{number}")
    assert "撤回此投诉" not in page.get_data(as_text=True)
    assert engineer.post(f"/cases/{number}/withdraw", {"reason": "x"}).status_code == 403
    foreign = login("fan.ming")
    assert foreign.post(f"/cases/{number}/withdraw", {"reason": "x"}).status_code in (403, 404)
    assert services.runtime.get_case(number, "wang.fang").status != "withdrawn"


def test_a_withdrawn_complaint_shows_how_it_ended_not_an_empty_outcome(login, services, api):
    from tests.webui.conftest import open_complaint

    number = open_complaint(login("wang.fang"))
    done = login("wang.fang").post(f"/cases/{number}/withdraw", {"reason": "客户已自行解决"})
    assert done.status_code == 302
    html = login("li.na").get(f"/cases/{number}").get_data(as_text=True)
    box = html[html.index('id="closure"'):html.index('id="closure"') + 2500]
    assert "客户撤回" in box and "撤回原因" in box and "客户已自行解决" in box and "王芳" in box
    assert "撤回时间" in box and "结案结果" not in box and "未回访" not in box
    assert html.count("客户已自行解决") >= 1 and 'id="withdrawal"' in box
    closure = api("li.na", "GET", f"/cases/{number}").get_json()["closure"]
    assert closure["status"] == "withdrawn"
    assert {k: closure["ended"][k] for k in ("kind", "by", "reason")} == {
        "kind": "withdrawn", "by": "王芳", "reason": "客户已自行解决"}
