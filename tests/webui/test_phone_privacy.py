"""R0.8 phone masking by role (issue 15): ``privacy.full_phone_roles`` see the number; anyone else who
may read the case sees 138****8000 and reveals it with an explicit, permission-checked, audited click."""

from __future__ import annotations

import pytest

from tests.webui.conftest import PASSWORD, open_complaint

FULL, MASKED = "13800138000", "138****8000"


def _reveals(services, number):
    timeline = services.runtime.get_case(number, "wang.fang").timeline
    return [e for e in timeline if e.action == "phone.revealed"]


def _case(login):
    return open_complaint(login("wang.fang"))


@pytest.mark.parametrize("who", ["wang.fang", "li.na", "zheng.xiaoyan"])
def test_the_roles_of_the_policy_see_the_full_number_on_their_cases(services, login, who):
    number = _case(login)
    html = login(who).get(f"/cases/{number}").get_data(as_text=True)
    assert FULL in html and "显示完整号码" not in html


@pytest.mark.parametrize("who", ["deng.haitao", "lin.lihua", "gao.jianhua", "yang.fan"])
def test_everyone_else_sees_it_masked_with_a_reveal_button(services, login, who):
    number = _case(login)
    services.set_password(who, PASSWORD)
    html = login(who).get(f"/cases/{number}").get_data(as_text=True)
    assert FULL not in html and MASKED in html and "显示完整号码" in html


def test_the_department_head_sees_it_once_the_visit_is_his(services, login):
    number = _case(login)
    for login_name in ("wang.fang", "lin.lihua"):  # the order raised and signed
        task = services.runtime.get_case(number, login_name).tasks[0]
        services.runtime.claim_task(task.task_id, login_name)
        order = {"order_summary": "上门", "required_completion": "2026-11-25T17:00"}
        data = order if login_name == "wang.fang" else {"order_decision": "sign"}
        services.runtime.complete_task(task.task_id, login_name, data)
    assert services.runtime.get_case(number, "yang.fan").tasks[0].task_name == "visit_customer"
    assert FULL in login("yang.fan").get(f"/cases/{number}").get_data(as_text=True)


def test_revealing_shows_the_number_once_and_is_audited(services, login):
    number = _case(login)
    engineer = login("deng.haitao")
    engineer.get(f"/cases/{number}")

    shown = engineer.post(f"/cases/{number}/phone")

    assert shown.status_code == 200 and FULL in shown.get_data(as_text=True)
    again = engineer.get(f"/cases/{number}").get_data(as_text=True)
    assert FULL not in again  # once: the next visit is masked again
    assert "查看了客户的完整电话号码" in again  # the timeline says who looked
    events = _reveals(services, number)
    assert [(e.actor, e.data) for e in events] == [("deng.haitao", {"field": "customer_phone"})]


def test_another_subsidiary_cannot_reveal_and_leaves_no_trace(services, login):
    number = _case(login)
    outsider = login("fan.ming")
    outsider.get("/inbox")

    refused = outsider.post(f"/cases/{number}/phone")

    assert refused.status_code in (403, 404) and FULL not in refused.get_data(as_text=True)
    assert not _reveals(services, number)


def test_the_api_masks_the_number_for_the_same_roles(client, services, login):
    number = _case(login)
    token = services.issue_token("lin.lihua", "test")
    case = client.get(f"/api/v1/cases/{number}", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert case["summary"]["customer_phone"] == MASKED and case["phone_masked"] is True


def _api(client, services, who, method, path):
    headers = {"Authorization": f"Bearer {services.issue_token(who, 'test')}"}
    return client.open(f"/api/v1{path}", method=method, headers=headers)


def test_the_api_reveals_the_number_on_an_explicit_ask_and_audits_it(client, services, login):
    number = _case(login)
    shown = _api(client, services, "deng.haitao", "POST", f"/cases/{number}/phone")
    assert shown.status_code == 200
    assert shown.get_json() == {"number": number, "customer_phone": FULL}
    events = [(e.actor, e.data) for e in _reveals(services, number)]
    assert events == [("deng.haitao", {"field": "customer_phone"})]
    case = _api(client, services, "deng.haitao", "GET", f"/cases/{number}").get_json()
    assert case["summary"]["customer_phone"] == MASKED  # reading the case again is masked again
    assert _api(client, services, "deng.haitao", "GET", f"/cases/{number}/phone").status_code == 405


def test_another_subsidiary_cannot_reveal_through_the_api(client, services, login):
    number = _case(login)
    refused = _api(client, services, "fan.ming", "POST", f"/cases/{number}/phone")
    assert refused.status_code in (403, 404) and FULL not in refused.get_data(as_text=True)
    missing = _api(client, services, "deng.haitao", "POST", "/cases/TS-SZP-2026-999999/phone")
    assert missing.status_code == 404
    assert not _reveals(services, number)


def test_the_openapi_document_describes_the_reveal(client):
    op = client.get("/api/v1/openapi.json").get_json()["paths"]["/cases/{number}/phone"]["post"]
    assert op["operationId"] == "revealPhone" and "phone.revealed" in op["summary"]
    assert set(op["responses"]) >= {"200", "401", "403", "404"}
