"""Visitor reception (R4) end to end: every path of processes/visitor_reception.bpmn via engine.visitors."""

from __future__ import annotations

from typing import Any

import pytest

from engine import visitors
from engine.errors import FormError, PermissionDenied
from tests.conftest import ROOT
from tests.scenarios.conftest import Desk

GUARD = "peng.jun"  # 彭军, security guard at 丽雅苑
VALID_ID = "440305199003071236"


@pytest.fixture
def gate(desk: Desk) -> Desk:
    """The desk with the demo households (hosts) loaded."""
    visitors.import_households(desk.runtime, ROOT / "engine" / "demo" / "households.yaml")
    return desk


def register(desk: Desk, **overrides: Any) -> visitors.VisitRow:
    """A walk-in visiting 周建国 at 3栋1单元1202, registered by the guard."""
    form: dict[str, Any] = {
        "customer_name": "李明",
        "id_type": "resident_id",
        "id_number": VALID_ID,
        "purpose": "visit_resident",
        "household": "lyc-3-1-1202",
        "host_name": "周建国",
    }
    form.update(overrides)
    return visitors.register_visit(desk.runtime, GUARD, form)


def outbox(desk: Desk) -> list[dict[str, Any]]:
    with desk.runtime.store.read() as tx:
        from engine.store.worker_repo import WorkerRepo

        return [m.__dict__ for m in WorkerRepo(tx).messages()]


def test_a_walk_in_accepted_by_the_host_gets_a_badge_and_checks_out(gate: Desk) -> None:
    visit = register(gate)
    assert visit.number.startswith("LF-SZP-2026-")
    assert visit.status == "awaiting_host"
    assert visit.id_number_masked == "4403**********1236"
    sms = [m for m in outbox(gate) if m["kind"] == "visitor.host"]
    assert [m["address"] for m in sms] == ["13900001202"]  # only the person visited
    assert visit.answer_token in sms[0]["body"]
    visit = visitors.answer_host(gate.runtime, "accepted", token=visit.answer_token)
    assert visit.status == "admitted"
    assert visit.host_answer == "accepted"
    data = gate.data(visit.number)
    assert data["badge_number"] == visit.number
    assert "id_number" not in data and data["id_number_masked"] == "4403**********1236"  # R0.8
    gate.wait(minutes=40)
    visit = visitors.check_out(gate.runtime, visit.number, GUARD)
    assert visit.status == "closed" and visit.outcome == "visited"
    assert visit.checked_out_at is not None


def test_the_host_answer_by_link_is_audited_under_the_guard_with_how_it_came(gate: Desk) -> None:
    visit = register(gate)
    visitors.answer_host(gate.runtime, "accepted", token=visit.answer_token)
    event = next(e for e in gate.case(visit.number).timeline if e.action == "message.received")
    assert event.actor == GUARD
    assert event.data["payload"] == {"answer": "accepted", "via": "host_link"}


def test_an_escort_is_provided_when_asked(gate: Desk) -> None:
    visit = register(gate, escort_requested=True)
    visitors.answer_host(gate.runtime, "accepted", number=visit.number, actor=GUARD)
    gate.complete(visit.number, "escort", escorted_to="3栋1单元1202门口")
    assert "check_out" in gate.open_tasks(visit.number)


def test_a_declining_host_leads_to_a_polite_refusal_with_another_appointment(gate: Desk) -> None:
    visit = register(gate)
    visit = visitors.answer_host(gate.runtime, "declined", token=visit.answer_token)
    assert visit.host_answer == "declined"
    task = gate.task(visit.number, "polite_refusal")
    assert task.assignee == GUARD  # the first receiver follows it to the end (R0.5)
    gate.complete(
        visit.number,
        "polite_refusal",
        explained=True,
        appointment_offered=True,
        new_appointment_at="2026-11-24T15:00:00+08:00",
    )
    case = gate.case(visit.number)
    assert (case.status, case.outcome) == ("closed", "not_received")


def test_a_host_who_does_not_answer_in_time_counts_as_absent(gate: Desk) -> None:
    visit = register(gate)
    gate.wait(minutes=9)
    assert "polite_refusal" not in gate.open_tasks(visit.number)
    gate.wait(minutes=1, seconds=1)  # visitor.host_answer_wait: 10 minutes
    assert "polite_refusal" in gate.open_tasks(visit.number)
    assert gate.data(visit.number)["host_answer"] == "absent"


def test_a_booked_visit_is_prepared_then_checked_in_and_the_host_fetched(gate: Desk) -> None:
    visit = visitors.register_visit(
        gate.runtime,
        "zhang.wei",
        {
            "customer_name": "王强",
            "purpose": "visit_resident",
            "household": "lyc-5-2-0801",
            "booked": True,
            "expected_at": "2026-11-23T15:00:00+08:00",
        },
    )
    assert visit.status == "booked"
    assert gate.due(visit.number, "check_in").isoformat() == "2026-11-23T15:00:00+08:00"
    gate.at("2026-11-23 14:55")
    visit = visitors.check_in(
        gate.runtime, visit.number, GUARD, {"id_type": "resident_id", "id_number": "11010519491231002X"}
    )
    assert visit.id_number_masked == "1101**********002X"
    gate.complete(visit.number, "fetch_host", host_present=True)
    assert gate.data(visit.number)["host_answer"] == "booked"
    assert "check_out" in gate.open_tasks(visit.number)


def test_the_hosts_sms_prints_the_booked_time_as_other_messages_do(gate: Desk) -> None:
    """The expected arrival in local time to the minute, not the form's ISO text."""
    visitors.register_visit(
        gate.runtime,
        "zhang.wei",
        {
            "customer_name": "王强",
            "purpose": "visit_resident",
            "household": "lyc-5-2-0801",
            "booked": True,
            "expected_at": "2026-11-23T07:00:00+00:00",
        },
    )
    [sms] = [m for m in outbox(gate) if m["kind"] == "visitor.host"]
    assert "访客王强来访（预约2026-11-23 15:00），" in sms["body"], sms["body"]


def test_a_booked_host_who_is_not_there_leads_to_a_polite_refusal(gate: Desk) -> None:
    visit = visitors.register_visit(
        gate.runtime,
        GUARD,
        {"customer_name": "王强", "purpose": "visit_resident", "household": "lyc-5-2-0801", "booked": True},
    )
    visitors.check_in(gate.runtime, visit.number, GUARD, {"id_type": "passport", "id_number": "E12345678"})
    gate.complete(visit.number, "fetch_host", host_present=False)
    assert "polite_refusal" in gate.open_tasks(visit.number)


def test_a_safety_risk_goes_to_security_who_may_still_admit(gate: Desk) -> None:
    visit = register(gate, abnormal="safety_risk", abnormal_note="携带大量易燃物品")
    task = gate.task(visit.number, "security_response")
    assert task.role == "security_guard"
    with gate.runtime.store.read() as tx:
        from engine.store.worker_repo import WorkerRepo

        told = WorkerRepo(tx).notifications("peng.jun")
    assert [n.kind for n in told] == ["visitor.abnormal"]
    gate.complete(
        visit.number, "security_response", security_measures="物品已暂存保安室", security_decision="admit"
    )
    assert gate.case(visit.number).status == "awaiting_host"


def test_a_safety_risk_security_refuses_is_recorded_as_a_refusal(gate: Desk) -> None:
    visit = register(gate, abnormal="safety_risk")
    gate.complete(visit.number, "security_response", security_measures="劝离", security_decision="refuse")
    gate.complete(visit.number, "record_refusal", refusal_reason="拒绝暂存危险物品", security_informed=True)
    assert gate.case(visit.number).outcome == "refused"


def test_a_serious_violation_is_refused_and_recorded(gate: Desk) -> None:
    visit = register(gate, abnormal="serious_violation", abnormal_note="强行闯入")
    gate.complete(visit.number, "record_refusal", refusal_reason="强行闯入，拒绝接待", security_informed=True)
    case = gate.case(visit.number)
    assert (case.status, case.outcome) == ("closed", "refused")


def test_crime_or_danger_calls_the_police_and_records_it(gate: Desk) -> None:
    visit = register(gate, abnormal="crime", abnormal_note="持械威胁")
    gate.complete(
        visit.number,
        "call_police",
        police_called_at="2026-11-23T10:02:00+08:00",
        police_reference="110-20261123-0042",
        assistance="配合民警控制现场",
    )
    case = gate.case(visit.number)
    assert (case.status, case.outcome) == ("closed", "police")
    assert gate.data(visit.number)["police_reference"] == "110-20261123-0042"


def test_a_visitor_who_comes_to_complain_starts_a_linked_complaint(gate: Desk) -> None:
    visit = register(gate, purpose="complaint", household=None, host_name=None, visitor_phone="13712345678")
    complaint = visitors.open_complaint_from_visit(
        gate.runtime,
        visit.number,
        GUARD,
        {
            "room": "3栋1单元1202",
            "description": "电梯经常停运",
            "customer_request": "尽快修复",
            "category": "facilities",
            "urgency": "normal",
            "scope": "area",
            "severity": "general",
            "read_back_confirmed": True,
        },
    )
    assert complaint.number.startswith("TS-")
    assert complaint.first_receiver == GUARD  # R0.5: the guard received it
    assert gate.data(complaint.number)["channel"] == "visit"
    assert gate.data(complaint.number)["customer_phone"] == "13712345678"
    visit = visitors.get_visit(gate.runtime, visit.number, GUARD)
    assert visit.complaint_number == complaint.number
    assert (visit.status, visit.outcome) == ("closed", "complaint_opened")


@pytest.mark.parametrize(
    ("purpose", "desk_code"),
    [
        ("fees", "finance"),
        ("renting", "property"),
        ("renovation_permit", "engineering"),
        ("moving_in", "property"),
    ],
)
def test_other_purposes_are_routed_to_their_desk(gate: Desk, purpose: str, desk_code: str) -> None:
    visit = register(gate, purpose=purpose, household=None, host_name=None)
    assert gate.data(visit.number)["routed_desk"] == desk_code
    gate.complete(visit.number, "route_to_desk", handed_over=True)
    assert gate.case(visit.number).outcome == "routed"


def test_a_walk_in_without_an_id_document_is_refused_with_a_clear_message(gate: Desk) -> None:
    with pytest.raises(FormError) as caught:
        register(gate, id_number=None)
    assert "ID document is required" in str(caught.value)


def test_a_mistyped_id_number_names_the_expected_check_digit(gate: Desk) -> None:
    with pytest.raises(FormError) as caught:
        register(gate, id_number="440305199003071234")
    assert "check digit should be 6" in str(caught.value)


def test_the_visit_log_masks_id_numbers_in_lists_and_exports(gate: Desk) -> None:
    register(gate)
    register(gate, customer_name="陈红", id_number="11010519491231002X", purpose="fees", household=None)
    rows = visitors.search_visits(gate.runtime, GUARD)
    assert [r.visitor_name for r in rows] == ["陈红", "李明"] or len(rows) == 2
    assert {r.id_number_masked for r in rows} == {"4403**********1236", "1101**********002X"}
    assert not any(hasattr(r, "id_number") for r in rows)
    text = visitors.export_visits_csv(gate.runtime, GUARD)
    assert VALID_ID not in text and "11010519491231002X" not in text
    assert "4403**********1236" in text
    assert [r.visitor_name for r in visitors.search_visits(gate.runtime, GUARD, text="陈")] == ["陈红"]
    assert [r.purpose for r in visitors.search_visits(gate.runtime, GUARD, purpose="fees")] == ["fees"]


def test_the_visit_log_of_one_project_is_not_shown_to_another_project_or_subsidiary(gate: Desk) -> None:
    register(gate)
    assert visitors.search_visits(gate.runtime, "luo.yong") == []  # guard at 锦华园
    assert visitors.search_visits(gate.runtime, "tian.tian") == []  # 华南区域 滨海湾
    assert len(visitors.search_visits(gate.runtime, "he.jing")) == 1  # sz-property CS manager
    assert len(visitors.search_visits(gate.runtime, "zheng.xiaoyan")) == 1  # group CS manager


def test_another_subsidiary_cannot_open_a_visit(gate: Desk) -> None:
    visit = register(gate)
    with pytest.raises(PermissionDenied):
        visitors.get_visit(gate.runtime, visit.number, "tian.tian")
