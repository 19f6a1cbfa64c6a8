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
        json={"task": queue["items"][0]["form"],
              "data": {"order_summary": "上门", "required_completion": "2026-11-25T17:00"}},
    )
    assert done.status_code == 200 and done.get_json()["case"] == number
    case = api("GET", f"/cases/{number}").get_json()
    assert case["number"] == number and case["tasks"][0]["spec"] == "sign_order"
    assert case["summary"]["customer_name"] == "刘先生"
    events = api("GET", f"/cases/{number}/timeline").get_json()["events"]
    assert [e["action"] for e in events][:2] == ["case.opened", "task.opened"]


def test_release(api):
    number = api("POST", "/cases", json={"process": "complaint", "data": DATA}).get_json()["number"]
    task = api("GET", "/tasks?view=queue").get_json()["items"][0]["task_id"]
    api("POST", f"/tasks/{task}/claim")
    assert api("POST", f"/tasks/{task}/release").get_json()["assignee"] is None
    assert number


def test_attach_a_photo(api):
    number = api("POST", "/cases", json={"process": "complaint", "data": DATA}).get_json()["number"]
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
    response = api("POST", "/cases", json={"process": "complaint", "data": {**DATA, "customer_phone": "12"}})
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
    assert api("POST", "/cases", json={"process": "complaint", "data": DATA}).status_code == 201


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


def test_the_document_describes_each_start_form_and_task_form(client, services):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    opens = schemas["OpenCase"]
    assert opens["discriminator"]["propertyName"] == "process"
    assert set(opens["discriminator"]["mapping"]) == {d.process_id for d in services.registry.startable()}
    complaint = schemas["Open_complaint"]["properties"]["data"]
    assert complaint["additionalProperties"] is False and "customer_phone" in complaint["required"]
    categories = complaint["properties"]["category"]["enum"]
    assert "facilities" in categories
    completes = schemas["CompleteTask"]
    assert "complaint.raise_order" in completes["discriminator"]["mapping"]
    assert "consultation.reply_customer" in completes["discriminator"]["mapping"]  # same task id, own form
    tasks = doc["paths"]["/tasks"]["get"]
    view = next(p for p in tasks["parameters"] if p["name"] == "view")
    assert view["schema"]["enum"] == ["mine", "queue", "overdue", "all"]
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            if path != "/openapi.json":
                assert "401" in op["responses"] and op["operationId"], (method, path)
    assert "ClaimFirst" in tasks["responses"]["200"]["links"]


def test_a_wrong_method_gets_405_with_allow(client):
    for path in ("/api/v1/cases", "/api/v1/tasks/x/claim", "/inbox"):
        response = client.open(path, method="DELETE")
        assert response.status_code == 405 and response.headers["Allow"], path


@pytest.mark.parametrize("query, field", [("view=everything", "view"), ("page=0", "page"),
                                          ("page=99999999999999999999", "page"), ("sort=sideways", "sort"),
                                          ("q=%00", "q")])
def test_bad_query_parameters_are_422_naming_them(api, query, field):
    response = api("GET", f"/tasks?{query}")
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("body, field", [
    ({"data": DATA}, "process"),
    ({"process": "complaint"}, "data"),
    ({"process": "complaint", "data": {**DATA, "colour": "red"}}, "body"),
    ({"process": "complaint", "data": {**DATA, "urgency": "whenever"}}, "urgency"),
    ({"process": "complaint", "data": {**DATA, "customer_name": "  "}}, "customer_name"),
    ({"process": "complaint", "data": "text"}, "body"),
    ({"process": "complaint", "data": DATA, "extra": 1}, "extra"),
])
def test_a_body_outside_the_start_form_schema_is_422_naming_the_field(api, body, field):
    response = api("POST", "/cases", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_completing_names_the_form_and_a_wrong_one_is_a_conflict(api):
    api("POST", "/cases", json={"process": "complaint", "data": DATA})
    item = api("GET", "/tasks?view=queue").get_json()["items"][0]
    assert item["form"] == "complaint.raise_order"
    wrong = api("POST", f"/tasks/{item['task_id']}/complete",
                json={"task": "complaint.sign_order", "data": {"order_decision": "sign"}})
    assert wrong.status_code == 409 and "complaint.raise_order" in wrong.get_json()["error"]["message"]
    unnamed = api("POST", f"/tasks/{item['task_id']}/complete", json={"data": {}})
    assert unnamed.status_code == 422 and "task" in unnamed.get_json()["error"]["fields"]
    gone = api("POST", "/tasks/00000000-0000-0000-0000-000000000000/complete",
               json={"task": "complaint.raise_order", "data": {"order_summary": "上门",
                                                                "required_completion": "2026-11-25T17:00"}})
    assert gone.status_code == 404


def test_an_unknown_faq_entry_is_404_through_the_api(api):
    data = {"customer_name": "钱先生", "customer_phone": "13800138000", "channel": "phone",
            "question": "能养鸡吗", "faq_entry_id": "99999"}
    body = {"process": "consultation", "data": data}
    response = api("POST", "/cases", json=body)
    assert response.status_code == 404 and "faq_entry_id" in response.get_json()["error"]["fields"]


def test_the_case_list_filters_and_stays_within_the_callers_subsidiary(api, client, services):
    mine = api("POST", "/cases", json={"process": "complaint", "data": DATA}).get_json()["number"]
    repair = {"customer_name": "周女士", "customer_phone": "13900139000", "room": "5栋2单元803",
              "location": "in_home", "description": "水龙头漏水", "channel": "phone"}
    other = api("POST", "/cases", json={"process": "repair", "data": repair}).get_json()["number"]
    listed = api("GET", "/cases").get_json()
    assert {c["number"] for c in listed["items"]} == {other, mine} and listed["total"] == 2
    assert [c["number"] for c in api("GET", "/cases?process=repair").get_json()["items"]] == [other]
    assert api("GET", "/cases?q=刘先生").get_json()["items"][0]["number"] == mine
    assert api("GET", "/cases?state=closed").get_json()["total"] == 0
    assert api("GET", "/cases?from=2026-11-23&to=2026-11-23").get_json()["total"] == 2
    assert api("GET", "/cases?from=2026-11-24").get_json()["total"] == 0
    assert api("GET", "/cases?unit=sz-property").get_json()["total"] == 2
    assert api("GET", "/cases?process=nothing").status_code == 422
    assert api("GET", "/cases?from=2026-02-30").status_code == 422
    foreign = services.issue_token("fan.ming", "other subsidiary")
    theirs = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {foreign}"}).get_json()
    assert theirs["total"] == 0 and theirs["items"] == []


def test_an_upload_with_parts_the_document_does_not_name_is_refused(api):
    number = api("POST", "/cases", json={"process": "complaint", "data": DATA}).get_json()["number"]
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 10
    response = api("POST", f"/cases/{number}/attachments", content_type="multipart/form-data",
                   data={"file": (BytesIO(png), "a.png", "image/png"), "caption": "x"})
    assert response.status_code == 422 and "caption" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("query", ["to=null", "from=2026-02-30", "to=2026-11-23&to=null", "state=maybe"])
def test_bad_case_list_parameters_are_422(api, query):
    response = api("GET", f"/cases?{query}")
    assert response.status_code == 422, response.get_data(as_text=True)


def test_a_stage_is_no_process_to_open_and_the_document_offers_none(api, client, services):
    """The complaint's stages (``called_only`` call activities) open no case: no start schema in the
    document, and POST /cases naming one is a 422 that says which process to open instead."""
    stages = services.registry.stages()
    assert stages["complaint_plan"] == "complaint_handling" and stages["complaint_handling"] == "complaint"
    doc = client.get("/api/v1/openapi.json").get_json()
    mapping = doc["components"]["schemas"]["OpenCase"]["discriminator"]["mapping"]
    assert {"complaint", "repair", "consultation"} <= set(mapping)
    assert not set(mapping) & set(stages)
    assert not any(f"Open_{s}" in doc["components"]["schemas"] for s in stages)
    assert "Complete_complaint__raise_order" in doc["components"]["schemas"]  # its tasks stay completable
    response = api("POST", "/cases", json={"process": "complaint_plan", "data": DATA})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "'complaint_plan' is a stage of complaint_handling" in error["message"]
    assert "open 'complaint'" in error["message"] and error["fields"]["process"] == "a stage; open complaint"
    assert api("GET", "/cases?process=complaint_plan").status_code == 422  # not a process of any case
    with services.store.read() as tx:
        assert tx.count_rows("cases") == 0


def test_the_task_list_gives_every_field_of_each_inbox_row(login, services):
    """An item of ``GET /tasks`` is its inbox row's fields as JSON (times in ISO form) and its form's
    name, as ``dataclasses.asdict`` of the row gave them."""
    from dataclasses import asdict

    from engine.store.web_queries import InboxFilter
    from tests.webui.conftest import open_complaint
    from webui.api import _plain

    wang = login("wang.fang")
    open_complaint(wang)
    open_complaint(wang, customer_phone="13800138001")
    token = services.issue_token("wang.fang", "test")
    body = wang.client.get("/api/v1/tasks?view=queue", headers={"Authorization": f"Bearer {token}"}).json
    rows = services.inbox(services.actor_for_token(token), "queue", InboxFilter()).rows
    assert len(rows) == 2 and body["items"] == [
        {**_plain(asdict(row)), "form": f"{row.process_id}.{row.spec}"} for row in rows]
    assert all(isinstance(item["due_at"], str) and item["can_claim"] for item in body["items"])
