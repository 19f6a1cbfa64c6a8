"""The return visit (R6.1–R6.2, processes/return_visit.bpmn) on its own and as the call activity of a case.

The group policy: 3 contact attempts before "unreachable", a supervisor within 24 hours for difficult
issues, phone records signed by 2 staff.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow import TaskState
from SpiffWorkflow.spiff.specs.defaults import UserTask

from engine.runtime.transition import ready_user_tasks
from tests.conftest import shanghai
from tests.scenarios.conftest import Desk


def open_visit(desk: Desk, actor: str = "zhang.wei", **overrides: Any) -> str:
    """Open a stand-alone return visit at 丽雅苑; returns its number."""
    data: dict[str, Any] = {"customer_name": "周先生", "customer_phone": "13912345678",
                            "room": "3栋1单元1202", "visit_subject": "上周报修的卫生间漏水是否已修好"}
    data.update(overrides)
    return desk.runtime.open_case("return_visit", data, actor).number


def test_the_first_receiver_visits_and_records_satisfaction(desk: Desk) -> None:
    n = open_visit(desk, actor="wang.fang")
    task = desk.task(n, "contact_customer")
    assert task.assignee == "wang.fang"  # R0.5 / R6.1 the first receiver
    desk.complete(n, "contact_customer", reached=True, attempt_note="上门,业主在家")
    case = desk.complete(n, "record_return_visit", visit_method="on_site", satisfaction="satisfied",
                         return_visit_record="业主确认已修好,无渗水", customer_agrees=True)
    assert case.status == "closed"
    data = desk.data(n)
    assert data["return_visit_outcome"] == "visited"
    assert data["satisfaction"] == "satisfied"


def test_a_phone_visit_needs_the_signature_of_a_second_staff_member(desk: Desk) -> None:
    n = open_visit(desk)
    desk.complete(n, "contact_customer", reached=True, attempt_note="电话接通")
    desk.complete(n, "record_return_visit", visit_method="phone", satisfaction="basically_satisfied",
                  return_visit_record="10:05 致电业主,业主表示基本满意,希望维修人员下次提前联系",
                  customer_agrees=True)
    sign = desk.task(n, "countersign_phone_record")
    assert sign.role == "cs_supervisor"
    case = desk.complete(n, "countersign_phone_record", countersign_confirmed=True)
    assert case.status == "closed"
    assert desk.data(n)["rv_signatures"] == 2  # return_visit.phone_record_signers


def test_a_refused_countersignature_asks_for_it_again(desk: Desk) -> None:
    n = open_visit(desk)
    desk.complete(n, "contact_customer", reached=True, attempt_note="电话接通")
    desk.complete(n, "record_return_visit", visit_method="phone", satisfaction="satisfied",
                  return_visit_record="业主满意", customer_agrees=True)
    desk.complete(n, "countersign_phone_record", countersign_confirmed=False,
                  countersign_note="记录过简,请补充")
    assert "countersign_phone_record" in desk.open_tasks(n)


def test_after_the_policy_number_of_failed_attempts_the_visit_closes_as_unreachable(desk: Desk) -> None:
    n = open_visit(desk)
    reasons = ["无人接听", "关机", "上门无人"]
    for i, reason in enumerate(reasons):
        assert "contact_customer" in desk.open_tasks(n), f"attempt {i + 1} should be asked for"
        case = desk.complete(n, "contact_customer", reached=False, attempt_note=reason)
    assert case.status == "closed"
    data = desk.data(n)
    assert data["return_visit_outcome"] == "unreachable"
    assert data["return_visit_unreachable_reason"] == "上门无人"
    assert [a["note"] for a in data["rv_attempt_notes"]] == reasons  # every failed attempt is recorded


def test_a_customer_reached_on_the_second_attempt_is_visited(desk: Desk) -> None:
    n = open_visit(desk)
    desk.complete(n, "contact_customer", reached=False, attempt_note="无人接听")
    desk.complete(n, "contact_customer", reached=True, attempt_note="接通")
    desk.complete(n, "record_return_visit", visit_method="on_site", satisfaction="satisfied",
                  return_visit_record="满意", customer_agrees=True)
    assert desk.data(n)["rv_attempts"] == 2


def test_a_difficult_issue_is_visited_by_a_supervisor_within_24_hours(desk: Desk) -> None:
    n = open_visit(desk, difficult_issue=True)  # Monday 10:00
    task = desk.task(n, "supervisor_contact_customer")
    assert task.role == "cs_supervisor"
    assert desk.due(n, "supervisor_contact_customer") == shanghai("2026-11-24 10:00")  # R6.2
    assert "contact_customer" not in desk.open_tasks(n)
    desk.complete(n, "supervisor_contact_customer", reached=True, attempt_note="接通")
    assert desk.due(n, "supervisor_record_return_visit") == shanghai("2026-11-24 10:00")
    desk.complete(n, "supervisor_record_return_visit", visit_method="phone", satisfaction="satisfied",
                  return_visit_record="主管致电,业主满意", customer_agrees=True)
    # The supervisor visited, so the manager countersigns the phone record.
    assert desk.task(n, "manager_countersign_phone_record").role == "cs_manager"
    case = desk.complete(n, "manager_countersign_phone_record", countersign_confirmed=True)
    assert case.status == "closed"


def test_a_complaint_calls_the_return_visit_and_a_major_complaint_counts_as_difficult(desk: Desk) -> None:
    seen: list[set[str]] = []

    def same_tasks_as_spiff(_tx: Any, t: Any) -> None:
        # The runtime's scan of the task maps finds exactly what SpiffWorkflow's tree walk finds,
        # inside the call activity too.
        walked = {str(task.id) for task in t.wf.get_tasks(state=TaskState.READY, spec_class=UserTask)}
        scanned = {str(task.id) for task in ready_user_tasks(t.wf)}
        assert scanned == walked
        seen.append({task.task_spec.name for task in ready_user_tasks(t.wf)})

    desk.runtime.after_transition = same_tasks_as_spiff
    n = desk.open(severity="major").number
    desk.complete(n, "raise_order", order_summary="请物业部处理",
                  required_completion="2026-11-27T17:00:00+08:00")
    desk.complete(n, "sign_order", order_decision="sign")
    desk.complete(n, "chairman_takes_charge", chairman_instructions="限期处理")
    desk.visit_photo(n)
    desk.complete(n, "visit_customer", contact_result="agreed", visit_record="已上门", plan="修复",
                  agreed_completion="2026-11-26T17:00:00+08:00", customer_confirmed_plan=True)
    desk.complete(n, "reply_customer", reply_method="phone", reply_content="已安排",
                  done_within_reply_window=True)
    desk.complete(n, "carry_out_work", progress="完成", work_result="finished")
    desk.complete(n, "apply_closure", completion_record="客户签字", customer_signed=True)
    desk.complete(n, "check_closure", check_result="accept", return_visit_needed=True)
    assert "supervisor_contact_customer" in desk.open_tasks(n)  # R6.2 through the call activity
    assert "supervisor_contact_customer" in seen[-1]


def test_a_customer_reached_on_the_last_allowed_attempt_is_still_visited(desk: Desk) -> None:
    n = open_visit(desk)
    desk.complete(n, "contact_customer", reached=False, attempt_note="无人接听")
    desk.complete(n, "contact_customer", reached=False, attempt_note="关机")
    desk.complete(n, "contact_customer", reached=True, attempt_note="接通")
    assert "record_return_visit" in desk.open_tasks(n)
