"""The JSON API /api/v1: tokens, the OpenAPI document, cases, tasks, attachments, JSON errors."""

from __future__ import annotations

from io import BytesIO

import pytest

from tests.webui.conftest import INTAKE

DATA = {k: v for k, v in INTAKE.items() if v != ""}


@pytest.fixture
def api(client, services):
    token = services.issue_token("wang.fang", "hotline")

    def call(method, path, **kw):
        headers = {"Authorization": f"Bearer {token}", **kw.pop("headers", {})}
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kw)

    return call


def test_openapi_document_lists_every_route(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    for path in (
        "/cases",
        "/cases/{number}",
        "/cases/{number}/timeline",
        "/cases/{number}/attachments",
        "/tasks",
        "/tasks/{task_id}/claim",
        "/tasks/{task_id}/release",
        "/tasks/{task_id}/complete",
    ):
        assert path in doc["paths"], path
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc"])
def test_missing_or_unknown_token_is_401_json(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/tasks", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "api.E401"


def test_tokens_are_stored_hashed_in_the_database(services, settings):
    from sqlalchemy import text

    token = services.issue_token("wang.fang", "app")
    with services.store.read() as tx:
        rows = [tuple(r) for r in tx.conn.execute(text("SELECT * FROM api_tokens"))]
    assert len(rows) == 1 and token not in repr(rows) and "wang.fang" in repr(rows)
    assert not (settings.data_dir / "api_tokens.json").exists()


def test_open_list_claim_complete_read_and_timeline(api):
    opened = api("POST", "/cases", json={"process": "complaint", "data": DATA})
    assert opened.status_code == 201
    number = opened.get_json()["number"]
    assert opened.headers["Location"].endswith(number) and opened.get_json()["dispatch_due"]
    queue = api("GET", "/tasks?view=queue").get_json()
    assert queue["counts"]["queue"] == 1
    task = queue["items"][0]["task_id"]
    assert queue["items"][0]["phone"] == "138****8000"
    assert api("POST", f"/tasks/{task}/claim").status_code == 200
    assert api("GET", "/tasks").get_json()["total"] == 1
    done = api(
        "POST",
        f"/tasks/{task}/complete",
        json={"data": {"order_summary": "上门", "required_completion": "2026-11-25T17:00"}},
    )
    assert done.status_code == 200 and done.get_json()["case"] == number
    case = api("GET", f"/cases/{number}").get_json()
    assert case["number"] == number and case["tasks"][0]["spec"] == "sign_order"
    assert case["summary"]["customer_name"] == "刘先生"
    events = api("GET", f"/cases/{number}/timeline").get_json()["events"]
    assert [e["action"] for e in events][:2] == ["case.opened", "task.opened"]


def test_release(api):
    number = api("POST", "/cases", json={"data": DATA}).get_json()["number"]
    task = api("GET", "/tasks?view=queue").get_json()["items"][0]["task_id"]
    api("POST", f"/tasks/{task}/claim")
    assert api("POST", f"/tasks/{task}/release").get_json()["assignee"] is None
    assert number


def test_attach_a_photo(api):
    number = api("POST", "/cases", json={"data": DATA}).get_json()["number"]
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 10
    response = api(
        "POST",
        f"/cases/{number}/attachments",
        data={"file": (BytesIO(png), "a.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201 and response.get_json()["content_type"] == "image/png"
    missing = api("POST", f"/cases/{number}/attachments", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422


def test_form_errors_are_422_with_fields(api):
    response = api("POST", "/cases", json={"data": {**DATA, "customer_phone": "12"}})
    body = response.get_json()
    assert response.status_code == 422
    assert body["error"]["code"] == "form.E001" and "customer_phone" in body["error"]["fields"]


@pytest.mark.parametrize("body", [None, [], "text"])
def test_body_must_be_a_json_object(api, body):
    response = api("POST", "/cases", json=body) if body is not None else api("POST", "/cases")
    assert response.status_code == 422


def test_unknown_case_and_task_are_404_json(api):
    assert api("GET", "/cases/TS-X").get_json()["error"]["code"] == "kefu.E404"
    assert api("POST", "/tasks/00000000-0000-0000-0000-000000000000/claim").status_code == 404


def test_api_needs_no_csrf_token_but_pages_do(api, client):
    assert api("POST", "/cases", json={"data": DATA}).status_code == 201


def test_a_repair_photo_is_attached_with_its_stage(api):
    repair = {"customer_name": "周女士", "customer_phone": "13900139000", "room": "5栋2单元803",
              "location": "in_home", "description": "水龙头漏水", "channel": "phone"}
    number = api("POST", "/cases", json={"process": "repair", "data": repair}).get_json()["number"]
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 10

    def attach(stage):  # type: ignore[no-untyped-def]
        return api("POST", f"/cases/{number}/attachments", content_type="multipart/form-data",
                   data={"file": (BytesIO(png), "before.png", "image/png"), "stage": stage})

    saved = attach("before")
    assert saved.status_code == 201 and saved.get_json()["stage"] == "before"
    refused = attach("sideways")
    assert refused.status_code == 422
    assert "unknown photo stage 'sideways'" in refused.get_json()["error"]["message"]
