"""Issue 13, defect 5: a case and its domain rows are written in one transaction, or not at all.

A visit is a ``visitor_reception`` case plus its ``visits`` row and the host's SMS; before the fix the
case and its audit events were committed first, and a value the ``visits`` table could not hold
(a phone of more than 20 raw characters, a NUL) left the case without its visit. The API opened the
same orphans.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from engine import visitors
from engine.errors import FormError
from tests.conftest import ROOT
from tests.webui.conftest import PASSWORD, Browser
from webui.services import Services

WALK_IN = {"purpose": "visit_resident", "customer_name": "李明", "id_type": "passport",
           "id_number": "E12345678", "household": "lyc-3-1-1202", "host_name": "周建国"}
TABLES = ("cases", "visits", "inbox_tasks", "audit_events", "outbox_messages")


@pytest.fixture
def guard(services: Services, login: Callable[[str], Browser]) -> Browser:
    visitors.import_households(services.runtime, ROOT / "engine" / "demo" / "households.yaml")
    services.set_password("peng.jun", PASSWORD)
    return login("peng.jun")


def counts(services: Services) -> dict[str, int]:
    with services.store.read() as tx:
        return {t: int(tx.session.execute(text(f"select count(*) from {t}")).scalar() or 0) for t in TABLES}


def orphans(services: Services) -> int:
    """Visit cases without their visit row, and visit rows without their case."""
    with services.store.read() as tx:
        return int(tx.session.execute(text(
            "select (select count(*) from cases c where c.process_id = 'visitor_reception' and not exists "
            "(select 1 from visits v where v.case_id = c.id)) + (select count(*) from visits v "
            "where not exists (select 1 from cases c where c.id = v.case_id))")).scalar() or 0)


def test_a_long_but_valid_phone_is_stored_as_its_normal_form(guard: Browser, services: Services) -> None:
    response = guard.post("/visitors/desk", {**WALK_IN, "visitor_phone": "0086-(138)(0013)(8000)"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    number = response.headers["Location"].rsplit("/", 1)[1]
    with services.store.read() as tx:
        phone = tx.session.execute(text("select visitor_phone from visits where number = :n"), {"n": number})
        assert phone.scalar() == "13800138000"
    assert orphans(services) == 0 and counts(services)["outbox_messages"] == 1  # the host's SMS went out


@pytest.mark.parametrize("field", ["host_name", "note", "customer_name"])
def test_a_nul_is_refused_before_anything_is_written(guard: Browser, services: Services, field: str) -> None:
    before = counts(services)
    response = guard.post("/visitors/desk", {**WALK_IN, field: "周\x00建国"})
    assert response.status_code in (400, 422)
    assert counts(services) == before and orphans(services) == 0


def test_a_failure_after_the_case_step_rolls_the_case_back_too(guard: Browser, services: Services) -> None:
    before = counts(services)

    def fail(point: str) -> None:
        raise FormError("injected after the case step")

    services.runtime.before_commit = fail
    with pytest.raises(FormError, match="injected"):
        visitors.register_visit(services.runtime, "peng.jun", WALK_IN)
    services.runtime.before_commit = None
    assert counts(services) == before and orphans(services) == 0


def test_the_api_opens_a_visit_with_its_row_and_sms(services: Services, client, guard: Browser) -> None:
    token = services.issue_token("peng.jun", "test")
    body = {"process": "visitor_reception", "data": {**WALK_IN, "visitor_phone": "0086-(138)(0013)(8000)"}}
    response = client.post("/api/v1/cases", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_data(as_text=True)
    number = response.get_json()["number"]
    assert visitors.get_visit(services.runtime, number, "peng.jun").host_name == "周建国"
    assert orphans(services) == 0 and counts(services)["outbox_messages"] == 1
    bad = {**body, "data": {**WALK_IN, "note": "\x00"}}
    before = counts(services)
    refused = client.post("/api/v1/cases", json=bad, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code in (400, 422) and counts(services) == before


def test_the_api_files_an_archive_request_only_for_a_household_it_may_ask_about(services: Services, client,
                                                                              guard: Browser) -> None:
    body = {"process": "archive_access",
            "data": {"household": "lyc-3-1-1202", "request_purpose": "联系车主", "question": "车牌"}}
    mine = client.post("/api/v1/cases", json=body,
                       headers={"Authorization": f"Bearer {services.issue_token('peng.jun', 't')}"})
    assert mine.status_code == 201 and mine.get_json()["number"].startswith("DA-SZP-")
    before = counts(services)
    other = client.post("/api/v1/cases", json=body,
                        headers={"Authorization": f"Bearer {services.issue_token('fan.ming', 't')}"})
    assert other.status_code == 403 and counts(services) == before


def test_a_consultation_takes_its_wording_from_the_book_never_from_the_caller(services: Services, client,
                                                                            guard: Browser) -> None:
    data = {"customer_name": "刘女士", "customer_phone": "13800138000", "question": "阳台能封吗",
            "channel": "phone", "faq_answer": "可以随便封"}
    token = services.issue_token("wang.fang", "t")
    response = client.post("/api/v1/cases", json={"process": "consultation", "data": data},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_data(as_text=True)
    number = response.get_json()["number"]
    assert services.runtime.case_data(number, "wang.fang").get("faq_answer") is None
