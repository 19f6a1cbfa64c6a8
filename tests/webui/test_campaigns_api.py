"""The survey-campaign API (R6.3): the campaigns of one's projects, a campaign's progress with the
households still to reach, a visit recorded as a phone record signed by two staff or as the owner's
signed survey (the form in base64) — in the OpenAPI document, with the pages' permissions: the other
subsidiary gets 403 on every route and nothing is written."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from engine.campaigns import Campaigns
from engine.store.campaign_repo import CampaignRepo
from engine.store.visitor_repo import VisitorRepo

SIGNED = base64.b64encode(b"%PDF-1.4\n% signed\n").decode()
PHONE = {"household": "lyc-a-0", "method": "phone", "record": "业主反映电梯噪音",
         "second_signer": "zhang.wei"}


@pytest.fixture
def campaigns(services) -> dict[str, int]:
    with services.store.write() as tx:
        for n in range(4):
            VisitorRepo(tx).upsert_household(f"lyc-a-{n}", "sz-property-lyc", f"7栋{n}0{n}", f"业主{n}")
    book = Campaigns(services.store, services.clock, services.policies, services.data_dir)
    return {kind: book.open("he.jing", "sz-property-lyc", kind).id for kind in ("opinion", "survey")}


@pytest.fixture
def api(client, services):
    tokens: dict[str, str] = {}

    def call(login: str, method: str, path: str, **kw: Any):
        token = tokens.setdefault(login, services.issue_token(login, "campaigns-api"))
        send = client.post if method == "post" else client.get
        return send(f"/api/v1/campaigns{path}", headers={"Authorization": f"Bearer {token}"}, **kw)

    return call


def _visits(services, campaign: int) -> list[dict[str, Any]]:
    with services.store.read() as tx:
        return CampaignRepo(tx).visits(campaign)


def test_list_progress_and_both_kinds_of_visit(api, services, campaigns) -> None:
    listed = api("wang.fang", "get", "?project=sz-property-lyc").get_json()["items"]
    assert {(c["kind"], c["households"], c["reached"], c["target_percent"]) for c in listed} == {
        ("opinion", 4, 0, 98), ("survey", 4, 0, 98)}
    opinion, survey = campaigns["opinion"], campaigns["survey"]
    done = api("wang.fang", "post", f"/{opinion}/visits", json=PHONE)
    assert done.status_code == 201, done.get_json()
    body = done.get_json()
    assert (body["method"], body["second_signer"], body["visited_on"]) == ("phone", "zhang.wei", "2026-11-23")
    assert (body["progress"]["reached"], body["progress"]["needed"]) == (1, 3)
    signed = api("wang.fang", "post", f"/{survey}/visits", json={
        "household": "lyc-a-1", "method": "signed_survey", "record": "业主签字确认",
        "satisfaction": "satisfied", "signed_form": SIGNED})
    assert signed.status_code == 201, signed.get_json()
    assert signed.get_json()["signed_form"] is True
    progress = api("li.na", "get", f"/{opinion}").get_json()
    assert [h["code"] for h in progress["remaining"]] == ["lyc-a-1", "lyc-a-2", "lyc-a-3"]
    assert progress["by_method"] == {"phone": 1}


@pytest.mark.parametrize(("who", "method", "path", "kw"), [
    ("fan.ming", "get", "/{opinion}", {}),
    ("feng.tingting", "get", "/{opinion}", {}),
    ("fan.ming", "post", "/{opinion}/visits", {"json": {**PHONE, "second_signer": "tian.tian"}}),
    ("feng.tingting", "post", "/{opinion}/visits", {"json": PHONE}),
    ("shi.lei", "post", "/{survey}/visits", {"json": {
        "household": "lyc-a-1", "method": "signed_survey", "record": "签字", "satisfaction": "satisfied",
        "signed_form": SIGNED}}),
])
def test_the_other_subsidiary_is_refused_and_nothing_is_written(api, services, campaigns, who, method, path,
                                                                  kw) -> None:
    answer = api(who, method, path.format(**campaigns), **kw)
    assert answer.status_code == 403, answer.get_json()
    assert _visits(services, campaigns["opinion"]) == [] and _visits(services, campaigns["survey"]) == []
    listed = api(who, "get", "").get_json()["items"]
    assert all(c["project"] != "sz-property-lyc" for c in listed)


@pytest.mark.parametrize(("kind", "body", "status", "field"), [
    ("opinion", {**PHONE, "household": "nowhere"}, 404, "household"),
    ("opinion", {**PHONE, "second_signer": "nobody"}, 404, "second_signer"),
    ("opinion", {**PHONE, "second_signer": "wang.fang"}, 409, "second_signer"),   # oneself
    ("opinion", {**PHONE, "day": "2027-01-05"}, 409, "day"),                       # after the period
    ("survey", {**PHONE, "satisfaction": "satisfied"}, 409, "method"),             # a survey is signed
    ("opinion", {**PHONE, "record": " "}, 422, "record"),
    ("opinion", {**PHONE, "method": "letter"}, 422, "method"),
    ("opinion", {k: v for k, v in PHONE.items() if k != "second_signer"}, 409, "second_signer"),
    ("survey", {**PHONE, "method": "signed_survey", "satisfaction": "satisfied",
                "signed_form": base64.b64encode(b"GIF89a").decode()}, 409, "signed_form"),  # not a form
    ("survey", {**PHONE, "method": "signed_survey", "satisfaction": "satisfied",
                "signed_form": "not base64!"}, 422, "signed_form"),
])
def test_bad_visits_are_named_and_nothing_is_written(api, services, campaigns, kind, body, status,
                                                     field) -> None:
    answer = api("wang.fang", "post", f"/{campaigns[kind]}/visits", json=body)
    assert answer.status_code == status, answer.get_json()
    assert field in answer.get_json()["error"].get("fields", {})
    assert _visits(services, campaigns[kind]) == []


def test_a_household_reached_twice_is_a_conflict_and_unknown_things_404(api, campaigns) -> None:
    assert api("wang.fang", "post", f"/{campaigns['opinion']}/visits", json=PHONE).status_code == 201
    assert api("wang.fang", "post", f"/{campaigns['opinion']}/visits", json=PHONE).status_code == 409
    assert api("wang.fang", "get", "/999999").status_code == 404
    assert api("wang.fang", "get", "?project=nowhere").status_code == 404
    assert api("wang.fang", "post", "/999999/visits", json=PHONE).status_code == 404


def test_the_document_has_the_operations(client) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    visits = doc["paths"]["/campaigns/{campaign_id}/visits"]["post"]
    assert set(visits["requestBody"]["content"]) == {"application/json"}
    assert {"listCampaigns", "campaignProgress", "recordVisit"} <= {
        op["operationId"] for path in doc["paths"].values() for op in path.values()}
