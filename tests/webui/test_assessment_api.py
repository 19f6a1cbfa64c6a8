"""The assessment write API (R8): issue a notice, appeal it, decide the appeal — the page's rules and
permissions (issuing roles from the policy, the person's subsidiary), in the OpenAPI document; the person
is told in the app. Every route is tried by the other subsidiary: 403 and nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from engine.store.assessment_repo import AssessmentRepo
from engine.store.worker_repo import WorkerRepo

NOTICE = {"person": "wang.fang", "issue": "etiquette", "points": 2, "occurred_on": "2026-11-20",
          "text": "接听电话未使用规范用语"}


@pytest.fixture
def api(client, services):
    tokens: dict[str, str] = {}

    def call(login: str, method: str, path: str, body: Any = None):
        token = tokens.setdefault(login, services.issue_token(login, "assessment-api"))
        send = client.post if method == "post" else client.get
        return send(f"/api/v1/assessment{path}", json=body, headers={"Authorization": f"Bearer {token}"})

    return call


def _state(services) -> tuple[list[Any], list[Any], list[Any]]:
    with services.store.read() as tx:
        repo = AssessmentRepo(tx)
        notices = repo.notices("2026-11")
        appeals = [a for n in notices for a in repo.appeals(n.id)]
        told = WorkerRepo(tx).notifications("wang.fang")
    return notices, appeals, told


def test_issue_appeal_and_decide_through_the_api_and_the_person_is_told(api, services) -> None:
    issued = api("li.na", "post", "/notices", NOTICE)
    assert issued.status_code == 201, issued.get_json()
    notice = issued.get_json()
    assert (notice["person"], notice["points"], notice["status"], notice["month"], notice["appeals"]) == (
        "wang.fang", 2, "in_force", "2026-11", [])
    nid = notice["id"]
    appealed = api("wang.fang", "post", f"/notices/{nid}/appeal", {"reason": "当天系统故障"})
    assert appealed.status_code == 201
    assert appealed.get_json()["status"] == "appealed"
    assert [(a["level"], a["role"]) for a in appealed.get_json()["appeals"]] == [(0, "cs_manager")]
    decided = api("he.jing", "post", f"/notices/{nid}/decision",
                  {"decision": "reduced", "points": 1, "answer": "情节较轻"})
    assert decided.status_code == 200
    body = decided.get_json()
    assert (body["points"], body["issued_points"], body["status"]) == (1, 2, "in_force")
    assert body["appeals"][0]["decision"] == "reduced" and body["appeals"][0]["decided_by"] == "he.jing"
    assert api("wang.fang", "get", f"/notices/{nid}").get_json()["points"] == 1
    told = [n.kind for n in reversed(_state(services)[2])]
    assert told == ["assessment_notice", "assessment_decision"]


@pytest.mark.parametrize(("who", "path", "body"), [
    ("shi.lei", "/notices", NOTICE),                              # 华南区域's CS supervisor
    ("feng.tingting", "/notices", NOTICE),                        # 华南区域's CS manager
    ("wang.fang", "/notices", {**NOTICE, "person": "zhang.wei"}),  # a specialist issues nothing
    ("he.jing", "/notices", {**NOTICE, "person": "lin.lihua"}),    # not above the GM: the policy's ranks
    ("fan.ming", "/notices/{id}/appeal", {"reason": "替人申诉"}),    # another subsidiary
    ("zhang.wei", "/notices/{id}/appeal", {"reason": "替同事申诉"}),  # only the person appeals
    ("feng.tingting", "/notices/{id}/decision", {"decision": "cancelled", "answer": "撤销"}),
    ("lin.lihua", "/notices/{id}/decision", {"decision": "cancelled", "answer": "撤销"}),  # not level 0
])
def test_who_may_not_is_refused_and_nothing_is_written(api, services, who, path, body) -> None:
    nid = api("li.na", "post", "/notices", NOTICE).get_json()["id"]
    if path.endswith("decision"):
        api("wang.fang", "post", f"/notices/{nid}/appeal", {"reason": "不服"})
    before = _state(services)
    answer = api(who, "post", path.format(id=nid), body)
    assert answer.status_code == 403, answer.get_json()
    assert _state(services) == before


@pytest.mark.parametrize(("who", "path", "body", "status", "field"), [
    ("li.na", "/notices", {**NOTICE, "person": "nobody"}, 404, "person"),
    ("li.na", "/notices", {**NOTICE, "supervisor": "nobody"}, 404, "supervisor"),
    ("li.na", "/notices", {**NOTICE, "occurred_on": "2026-11-24"}, 409, "occurred_on"),  # after today
    ("li.na", "/notices", {**NOTICE, "points": 0}, 422, "points"),
    ("li.na", "/notices", {**NOTICE, "issue": "smoking"}, 422, "issue"),
    ("li.na", "/notices", {**NOTICE, "text": "  "}, 422, "text"),
    ("li.na", "/notices", {**NOTICE, "colour": "red"}, 422, "body"),
    ("wang.fang", "/notices/{id}/appeal", {"reason": ""}, 422, "reason"),
    ("he.jing", "/notices/{id}/decision", {"decision": "reduced", "points": 2, "answer": "减"}, 409,
     "points"),
    ("he.jing", "/notices/{id}/decision", {"decision": "maybe", "answer": "减"}, 422, "decision"),
])
def test_bad_input_is_named_and_loses_nothing(api, services, who, path, body, status, field) -> None:
    nid = api("li.na", "post", "/notices", NOTICE).get_json()["id"]
    if path.endswith("decision"):
        api("wang.fang", "post", f"/notices/{nid}/appeal", {"reason": "不服"})
    before = _state(services)
    answer = api(who, "post", path.format(id=nid), body)
    assert answer.status_code == status, answer.get_json()
    assert field in answer.get_json()["error"].get("fields", {}) or status == 404
    assert _state(services) == before


def test_unknown_notices_are_404_and_the_document_has_the_operations(api, client) -> None:
    assert api("he.jing", "get", "/notices/999999").status_code == 404
    assert api("wang.fang", "post", "/notices/999999/appeal", {"reason": "x"}).status_code == 404
    doc = client.get("/api/v1/openapi.json").get_json()
    ops = {op["operationId"] for path in doc["paths"].values() for op in path.values()}
    assert {"issueNotice", "readNotice", "appealNotice", "decideNotice"} <= ops
    body = doc["paths"]["/assessment/notices"]["post"]["requestBody"]["content"]["application/json"]
    fields = body["schema"]["properties"]
    assert fields["points"]["maximum"] == 20 and "etiquette" in fields["issue"]["enum"]
