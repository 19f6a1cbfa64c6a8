"""Issue 15: merging a duplicate complaint through the API and the case page, and the refusals."""

from __future__ import annotations

import pytest

from tests.webui.conftest import INTAKE, open_complaint

DATA = {k: v for k, v in INTAKE.items() if v != ""}


@pytest.fixture
def api(client, services):
    def call(login, method, path, **kw):
        headers = {"Authorization": f"Bearer {services.issue_token(login, 'test')}"}
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kw)

    return call


def _open(api):
    body = {"process": "complaint", "data": DATA}
    return api("wang.fang", "POST", "/cases", json=body).get_json()["number"]


def test_the_api_proposes_and_a_supervisor_confirms_a_merge(api):
    original, duplicate = _open(api), _open(api)
    proposed = api("wang.fang", "POST", f"/cases/{duplicate}/merge", json={"into": original})
    assert proposed.status_code == 200, proposed.get_json()
    assert proposed.get_json() == {"number": duplicate, "into": original, "status": "proposed"}
    assert api("wang.fang", "POST", f"/cases/{duplicate}/merge/confirm").status_code == 403  # specialist
    assert api("fan.ming", "POST", f"/cases/{duplicate}/merge/confirm").status_code in (403, 404)
    confirmed = api("li.na", "POST", f"/cases/{duplicate}/merge/confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "merged"
    events = api("li.na", "GET", f"/cases/{original}/timeline").get_json()["events"]
    assert any(duplicate in str(e) for e in events)
    assert api("li.na", "POST", f"/cases/{duplicate}/merge/confirm").status_code == 409


@pytest.mark.parametrize("body", [{}, {"into": ""}, {"into": 5}, {"into": "x", "y": 1}, []])
def test_a_merge_without_a_proper_original_is_422(api, body):
    duplicate = _open(api)
    assert api("wang.fang", "POST", f"/cases/{duplicate}/merge", json=body).status_code == 422


def test_a_merge_into_an_unknown_case_is_404_and_into_itself_409(api):
    duplicate = _open(api)
    assert api("wang.fang", "POST", f"/cases/{duplicate}/merge", json={"into": "TS-NOPE"}).status_code == 404
    assert api("wang.fang", "POST", f"/cases/{duplicate}/merge", json={"into": duplicate}).status_code == 409


def test_someone_of_the_other_subsidiary_may_not_propose(api):
    original, duplicate = _open(api), _open(api)
    body = {"into": original}
    assert api("fan.ming", "POST", f"/cases/{duplicate}/merge", json=body).status_code in (403, 404)
    assert api("deng.haitao", "POST", f"/cases/{duplicate}/merge", json=body).status_code == 403


def test_the_case_page_proposes_then_the_supervisor_confirms_and_both_cases_link(login, services):
    desk = login("wang.fang")
    original, duplicate = open_complaint(desk), open_complaint(desk)
    html = desk.get(f"/cases/{duplicate}").get_data(as_text=True)
    assert "合并到原投诉" in html
    refused = desk.post(f"/cases/{duplicate}/merge", {"into": duplicate})
    assert refused.status_code == 409 and "不能合并到本案件自身" in refused.get_data(as_text=True)
    assert desk.post(f"/cases/{duplicate}/merge", {"into": original}).status_code == 302
    html = desk.get(f"/cases/{duplicate}").get_data(as_text=True)
    assert "申请合并至" in html and "等待客服主管或客服经理确认" in html and "确认合并" not in html
    supervisor = login("li.na")
    html = supervisor.get(f"/cases/{duplicate}").get_data(as_text=True)
    assert "确认合并" in html and "驳回合并" in html
    assert supervisor.post(f"/cases/{duplicate}/merge/decide", {"decision": "maybe"}).status_code == 422
    assert supervisor.post(f"/cases/{duplicate}/merge/decide", {"decision": "confirm"}).status_code == 302
    html = supervisor.get(f"/cases/{duplicate}").get_data(as_text=True)
    assert "已合并" in html and f"/cases/{original}" in html and "不计为有效投诉" in html
    html = supervisor.get(f"/cases/{original}").get_data(as_text=True)
    assert "已合并到本投诉的重复投诉" in html and f"/cases/{duplicate}" in html
    assert services.runtime.get_case(duplicate, "li.na").status == "merged"


def test_the_merge_is_not_offered_to_an_engineer(login):
    number = open_complaint(login("wang.fang"))
    html = login("deng.haitao").get(f"/cases/{number}").get_data(as_text=True)
    assert "合并到原投诉" not in html and "撤回此投诉" not in html


def test_a_merged_complaint_shows_its_original_and_who_confirmed_instead_of_an_outcome(login, api):
    desk = login("wang.fang")
    original, duplicate = open_complaint(desk), open_complaint(desk)
    assert desk.post(f"/cases/{duplicate}/merge", {"into": original}).status_code == 302
    assert login("li.na").post(f"/cases/{duplicate}/merge/decide", {"decision": "confirm"}).status_code == 302
    html = desk.get(f"/cases/{duplicate}").get_data(as_text=True)
    box = html[html.index('id="closure"'):html.index('id="closure"') + 2500]
    assert "作为重复投诉合并" in box and "合并至" in box and f'href="/cases/{original}"' in box
    assert "确认人" in box and "李娜" in box and "合并时间" in box
    assert "结案结果" not in box and "未回访" not in box
    closure = api("wang.fang", "GET", f"/cases/{duplicate}").get_json()["closure"]
    assert {k: closure["ended"][k] for k in ("kind", "by", "into")} == {
        "kind": "merged", "by": "李娜", "into": original}
