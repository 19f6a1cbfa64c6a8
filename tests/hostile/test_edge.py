"""Issue 13 item 7: each input that used to give a 500 gets a 4xx with a clear message (Chinese on the
web) and writes nothing. One regression test each; the fuzz test (test_fuzz.py) sends them everywhere."""

from __future__ import annotations

import json

import pytest

from tests.hostile.inputs import deep_json
from tests.hostile.world import counts
from tests.webui.conftest import INTAKE, PASSWORD


@pytest.fixture
def api(client, services):  # type: ignore[no-untyped-def]
    token = services.issue_token("wang.fang", "edge")

    def call(method: str, path: str, body: bytes | None = None, **kw):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        return client.open(path, method=method, headers=headers, data=body, **kw)

    return call


def complaint(**changes: object) -> bytes:
    data = {k: v for k, v in INTAKE.items() if v != ""} | {"read_back_confirmed": True} | changes
    return json.dumps({"process": "complaint", "data": data}, ensure_ascii=False).encode()


def error_of(response) -> dict:  # type: ignore[no-untyped-def]
    return response.get_json()["error"]


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_a_nul_in_a_query_parameter_is_a_422_in_chinese(login):
    response = login("wang.fang").get("/inbox?q=%00")
    assert response.status_code == 422
    assert "含有空字符（NUL）" in page_text(response)


def test_a_nul_in_a_form_field_is_refused_and_nothing_is_written(login, services):
    before = counts(services, "cases", "audit_events")
    browser = login("wang.fang")
    browser.get("/cases/new")
    response = browser.post("/cases/new", {**INTAKE, "customer_name": "刘\x00先生"})
    assert response.status_code == 422 and "customer_name：含有空字符" in page_text(response)
    assert counts(services, "cases", "audit_events") == before


def test_a_nul_in_a_path_segment_is_a_404(login):
    response = login("wang.fang").get("/cases/TS-SZP-2026-000001%00")
    assert response.status_code == 404 and "空字符" in page_text(response)


def test_a_lone_surrogate_in_json_is_a_422_naming_the_field(api, services):
    before = counts(services, "cases")
    response = api("POST", "/api/v1/cases", complaint().replace("刘先生".encode(), b"\\ud800"))
    assert response.status_code == 422
    assert "data.customer_name" in error_of(response)["fields"]
    assert "surrogate" in error_of(response)["message"]
    assert counts(services, "cases") == before


@pytest.mark.parametrize("data", [b"[]", b'"x"', b"7", b"null"])
def test_data_that_is_not_an_object_is_a_422(api, data):
    body = b'{"process": "complaint", "data": ' + data + b"}"
    response = api("POST", "/api/v1/cases", body)
    assert response.status_code == 422 and "is not of type 'object'" in json.dumps(error_of(response))


@pytest.mark.parametrize("project", [7, ["sz-property-lyc"], {"a": 1}, True])
def test_a_project_that_is_not_a_string_is_a_422(api, project):
    response = api("POST", "/api/v1/cases", complaint(project=project))
    assert response.status_code == 422 and "project" in json.dumps(error_of(response)["fields"])


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00"])
def test_a_date_time_that_overflows_when_shifted_is_refused_on_the_web_in_chinese(login, services, moment):
    before = counts(services, "cases")
    browser = login("wang.fang")
    browser.get("/cases/new")
    response = browser.post("/cases/new", {**INTAKE, "event_time": moment})
    assert response.status_code == 422 and "超出可记录的日期范围" in page_text(response)
    assert counts(services, "cases") == before


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00"])
def test_a_date_time_that_overflows_when_shifted_is_a_422_on_the_api(api, moment):
    response = api("POST", "/api/v1/cases", complaint(event_time=moment))
    assert response.status_code == 422 and "event_time" in json.dumps(error_of(response)["fields"])


def test_a_5000_digit_integer_in_json_is_a_422(api):
    body = complaint().replace(b'"13800138000"', b"9" * 5000)
    response = api("POST", "/api/v1/cases", body)
    assert response.status_code == 422 and "not valid JSON" in error_of(response)["message"]
    small = complaint().replace(b'"13800138000"', b"9" * 30)  # parses, but fits no column
    response = api("POST", "/api/v1/cases", small)
    assert response.status_code == 422 and "too large" in error_of(response)["message"]


def test_a_5000_digit_form_counter_is_a_422_in_chinese(login, services):
    services.set_password("he.jing", PASSWORD)
    browser = login("he.jing")
    response = browser.post("/faq/1/retire", {"version": "9" * 5000})
    assert response.status_code == 422 and "版本号：须为 0 到 2147483647 之间的整数" in page_text(response)


@pytest.mark.parametrize("page", ["99999999999999999999", "0", "-3", "x"])
def test_a_page_out_of_range_is_a_422(login, api, page):
    response = login("wang.fang").get(f"/inbox?page={page}")
    assert response.status_code == 422 and "页码：须为 1 到 100000 之间的整数" in page_text(response)
    assert api("GET", f"/api/v1/tasks?page={page}").status_code == 422
    assert api("GET", f"/api/v1/cases?page={page}").status_code == 422


@pytest.mark.parametrize("path", ["/faq/2147483648", "/faq/99999999999999999999/edit",
                                  "/archives/document/9223372036854775808",
                                  "/cases/X/attachments/2147483648"])
def test_a_path_integer_of_2_31_or_more_is_a_404(login, services, path):
    services.set_password("he.jing", PASSWORD)
    assert login("he.jing").get(path).status_code == 404


def test_a_path_integer_below_2_31_still_reaches_its_page(login, services):
    services.set_password("he.jing", PASSWORD)
    assert login("he.jing").get("/faq/2147483647").status_code == 404  # no such entry: the engine says so
    assert login("he.jing").get("/faq/1").status_code in (200, 404)


@pytest.mark.parametrize("depth", [100_000, 33])
def test_json_nested_too_deep_is_a_422(api, depth):
    response = api("POST", "/api/v1/cases", deep_json(depth))
    assert response.status_code == 422 and "nested more than 32 levels" in error_of(response)["message"]


def test_json_nested_within_the_limit_reaches_the_schema_check(api):
    response = api("POST", "/api/v1/cases", deep_json(32))
    assert response.status_code == 422 and "JSON object" in error_of(response)["message"]


def test_a_disposal_record_longer_than_its_column_is_a_422_in_chinese(login, services):
    services.set_password("he.jing", PASSWORD)
    response = login("he.jing").post("/archives/disposal", {"record": "case:" + "X" * 10_000,
                                                            "action": "dispose"})
    assert response.status_code == 422 and "不超过 120 字" in page_text(response)
    assert set(counts(services, "disposal_decisions", "legal_holds").values()) == {0}


def test_an_empty_page_is_the_first_page(login):
    browser = login("wang.fang")
    assert browser.get("/inbox?page=").status_code == 200
    assert browser.get("/cases?page=&q=").status_code == 200
