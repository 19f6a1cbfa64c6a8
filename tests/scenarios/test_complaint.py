"""The complaint process (R2) end to end through the engine, with an injected clock.

Each test is one path of processes/complaint.bpmn; deadlines are checked against the group policy
(policies/group.yaml) and the 2026 holiday calendar.
"""

from __future__ import annotations

import pytest

from engine.errors import ConflictError, FormError, PermissionDenied
from tests.conftest import shanghai
from tests.scenarios.conftest import Desk

REQUIRED_BY = "2026-11-27T17:00:00+08:00"


def dispatch(desk: Desk, number: str) -> None:
    """Raise and sign the supervision order (R2.5)."""
    desk.complete(number, "raise_order", order_summary="请物业部处理楼上漏水",
                  required_completion=REQUIRED_BY)
    desk.complete(number, "sign_order", order_decision="sign")


def agree_plan(desk: Desk, number: str, **extra: object) -> None:
    """The responsible department visits and agrees a plan (R2.7)."""
    data = {"contact_result": "agreed", "visit_record": "已上门查看，确认为楼上防水层破损",
            "plan": "修复楼上防水层并重新粉刷天花板", "agreed_completion": "2026-11-26T17:00:00+08:00",
            "customer_confirmed_plan": True}
    data.update(extra)
    desk.visit_photo(number)
    desk.complete(number, "visit_customer", **data)


def reply_by_phone(desk: Desk, number: str) -> None:
    """Reply within the window by phone (R2.9)."""
    desk.complete(number, "reply_customer", reply_method="phone", reply_content="已安排维修，周四前完成",
                  done_within_reply_window=True)


def finish_work(desk: Desk, number: str) -> None:
    """Finish the work and apply for closure with the customer's signature (R2.12)."""
    desk.complete(number, "carry_out_work", progress="防水层修复完成，天花板已粉刷", work_result="finished")
    desk.complete(number, "apply_closure", completion_record="客户验收合格并签字", customer_signed=True)


def test_solved_on_the_spot_closes_at_once_with_the_customers_confirmation(desk: Desk) -> None:
    case = desk.open(solved_on_spot=True, on_spot_resolution="当场为客户更换门禁卡", customer_confirmed=True)
    assert case.status == "closed"
    assert case.outcome == "resolved"
    assert case.closed_at is not None
    assert case.tasks == ()


def test_solved_on_the_spot_without_confirmation_is_handled_as_a_normal_complaint(desk: Desk) -> None:
    case = desk.open(solved_on_spot=True, on_spot_resolution="已解释", customer_confirmed=False)
    assert case.status == "received"
    assert "raise_order" in desk.open_tasks(case.number)


def test_intake_records_the_first_receiver_and_the_responsible_department(desk: Desk) -> None:
    case = desk.open(actor="wang.fang", category="facilities")
    assert case.first_receiver == "wang.fang"  # R0.5
    assert case.responsible_department == "property"  # R2.4 category matrix
    assert case.number.startswith("TS-")
    assert case.project == "sz-property-lyc"


def test_a_complaint_in_working_hours_runs_from_intake_to_approved_closure(desk: Desk) -> None:
    case = desk.open()  # Monday 2026-11-23 10:00
    n = case.number
    assert desk.due(n, "raise_order") == shanghai("2026-11-23 10:30")  # R2.5 30 minutes
    desk.at("2026-11-23 10:10")
    desk.complete(n, "raise_order", order_summary="请物业部处理楼上漏水", required_completion=REQUIRED_BY)
    # Signed within 1 hour, but the dispatch deadline (30 minutes from receipt) is sooner.
    assert desk.due(n, "sign_order") == shanghai("2026-11-23 10:30")
    assert desk.task(n, "sign_order").role == "cs_centre_gm"
    desk.at("2026-11-23 10:20")
    desk.complete(n, "sign_order", order_decision="sign")
    visit = desk.task(n, "visit_customer")
    assert visit.role == "department_head"
    assert visit.unit is not None and visit.unit.endswith("property")
    assert desk.due(n, "visit_customer") == shanghai("2026-11-23 11:20")  # R2.7 1 hour
    agree_plan(desk, n)
    assert desk.due(n, "reply_customer") == shanghai("2026-11-24 10:20")  # R2.9 24 hours
    reply_by_phone(desk, n)
    # R2.8: the agreed time (26th) is shorter than the order's (27th), so it counts.
    assert desk.due(n, "carry_out_work") == shanghai("2026-11-26 17:00")
    desk.complete(n, "carry_out_work", progress="已联系防水班组", work_result="in_progress")
    assert "carry_out_work" in desk.open_tasks(n)  # R2.10 progress loop
    desk.at("2026-11-25 15:00")
    finish_work(desk, n)
    assert desk.due(n, "check_closure") == shanghai("2026-11-25 15:30")  # R2.12 30 minutes
    desk.complete(n, "check_closure", check_result="accept", return_visit_needed=True)
    visit_task = desk.task(n, "contact_customer")  # R6 the return visit is a call activity
    assert visit_task.assignee == "zhang.wei"  # R6.1 the first receiver visits
    desk.complete(n, "contact_customer", reached=True, attempt_note="电话接通")
    desk.complete(n, "record_return_visit", visit_method="on_site", satisfaction="satisfied",
                  return_visit_record="上门回访,客户表示满意", customer_agrees=True)
    review = desk.task(n, "deputy_gm_review")  # R2.12 003 第29条: 副总经理审核 (lanes.closure_reviewer)
    assert (review.role, review.unit) == ("cs_centre_deputy_gm", "sz-property")
    desk.complete(n, "deputy_gm_review", deputy_decision="approve")
    approve = desk.task(n, "gm_approve")  # 总经理审批 (lanes.closure_approver)
    assert (approve.role, approve.unit) == ("cs_centre_gm", "sz-property")
    case = desk.complete(n, "gm_approve", gm_decision="approve", final_outcome="resolved")
    assert case.status == "closed"
    assert case.outcome == "resolved"
    assert case.tasks == ()
    actions = [e.action for e in desk.case(n).timeline]
    assert actions[0] == "case.opened"
    assert len([a for a in actions if a == "task.completed"]) == 12


def test_a_complaint_received_on_the_eve_of_national_day_is_dispatched_after_the_holiday(desk: Desk) -> None:
    desk.at("2026-09-30 17:50")  # Wednesday, after 17:30; 10-01..10-07 are holidays
    n = desk.open().number
    # R2.5: off-hours → 1 hour after work starts on the first working day after the holiday.
    assert desk.data(n)["dispatch_due"] == "2026-10-08T09:30:00+08:00"
    # The order's clocks start when work starts (08:30): raised in 30 minutes …
    assert desk.due(n, "raise_order") == shanghai("2026-10-08 09:00")
    desk.at("2026-09-30 17:55")
    desk.complete(n, "raise_order", order_summary="请物业部处理", required_completion=REQUIRED_BY)
    # … signed within the hour after work starts, and never after the dispatch deadline.
    assert desk.due(n, "sign_order") == shanghai("2026-10-08 09:30")


@pytest.mark.parametrize(
    ("received", "raise_due", "raised", "sign_due"),
    [
        # working time: today's clocks (30 minutes, 1 hour), capped by the 30-minute dispatch
        ("2026-11-23 10:00", "2026-11-23 10:30", "2026-11-23 10:10", "2026-11-23 10:30"),
        ("2026-11-23 17:20", "2026-11-23 17:50", "2026-11-23 17:45", "2026-11-23 17:50"),
        # the lunch break is off-hours: the clocks start at 13:30
        ("2026-11-23 12:10", "2026-11-23 14:00", "2026-11-23 13:40", "2026-11-23 14:30"),
        # a night: the next morning
        ("2026-11-23 22:00", "2026-11-24 09:00", "2026-11-24 08:40", "2026-11-24 09:30"),
        # Saturday 2026-10-10 is a make-up workday (调休): working time, today's clocks
        ("2026-10-10 09:00", "2026-10-10 09:30", "2026-10-10 09:20", "2026-10-10 09:30"),
        # Friday evening before the make-up Sunday 2026-09-20: work starts on that Sunday
        ("2026-09-18 19:00", "2026-09-20 09:00", "2026-09-20 08:50", "2026-09-20 09:30"),
    ],
)
def test_the_order_clocks_run_on_the_policys_clock_and_end_by_the_dispatch_deadline(
        desk: Desk, received: str, raise_due: str, raised: str, sign_due: str) -> None:
    desk.at(received)
    n = desk.open().number
    assert desk.due(n, "raise_order") == shanghai(raise_due)
    desk.at(raised)
    desk.complete(n, "raise_order", order_summary="请物业部处理", required_completion=REQUIRED_BY)
    assert desk.due(n, "sign_order") == shanghai(sign_due)


def test_the_gm_returning_the_order_sends_it_back_to_the_cs_desk(desk: Desk) -> None:
    n = desk.open().number
    desk.complete(n, "raise_order", order_summary="草稿", required_completion=REQUIRED_BY)
    desk.complete(n, "sign_order", order_decision="return", order_comment="要求完成时间不合理")
    assert "raise_order" in desk.open_tasks(n)


def test_an_emergency_starts_the_emergency_plan_at_once_beside_the_normal_flow(desk: Desk) -> None:
    n = desk.open(urgency="emergency", description="地下车库水浸").number
    tasks = desk.open_tasks(n)
    assert {"start_emergency_plan", "raise_order"} <= set(tasks)
    assert desk.due(n, "start_emergency_plan") == shanghai("2026-11-23 10:00")
    assert tasks["start_emergency_plan"].role == "cs_supervisor"
    desk.complete(n, "start_emergency_plan", actions_taken="关闭总阀，抽水")
    assert "start_emergency_plan" not in desk.open_tasks(n)


def test_a_major_complaint_goes_up_to_the_chairman(desk: Desk) -> None:
    n = desk.open(severity="collective", scope="community").number
    item = desk.task(n, "chairman_takes_charge")
    assert item.role == "chairman"
    assert desk.worker_for(item) == "chen.guodong"


def test_the_chairman_files_the_special_meetings_minutes_within_24_hours(desk: Desk) -> None:
    n = desk.open(severity="major").number
    desk.at("2026-11-23 16:00")
    desk.complete(n, "chairman_takes_charge", chairman_instructions="成立专项小组，三日内修复",
                  meeting_ended_at="2026-11-23T15:00:00+08:00")
    # R2.3 003 第33条2: minutes within complaint.deadlines.meeting_minutes of the meeting's end
    minutes = desk.task(n, "file_meeting_minutes")
    assert (minutes.role, minutes.due_at) == ("chairman", shanghai("2026-11-24 15:00"))
    desk.complete(n, "file_meeting_minutes", minutes_responsible="物业部 杨帆", minutes_plan="更换主管道",
                  minutes_completion="2026-11-26T17:00:00+08:00")
    assert not {"chairman_takes_charge", "file_meeting_minutes"} & set(desk.open_tasks(n))


def test_an_unreachable_customer_is_recorded_in_an_hour_and_called_back_in_30_minutes(desk: Desk) -> None:
    n = desk.open().number
    dispatch(desk, n)
    desk.at("2026-11-23 11:00")
    desk.complete(n, "visit_customer", contact_result="unreachable", visit_record="电话三次未接")
    # R2.7 003 第23条: the department records the failed visit within complaint.deadlines.unreachable_record
    record = desk.task(n, "record_unreachable")
    assert (record.role, record.due_at) == ("department_head", shanghai("2026-11-23 12:00"))
    assert "cs_callback" not in desk.open_tasks(n)
    desk.at("2026-11-23 11:40")
    desk.complete(n, "record_unreachable", unreachable_materials="上门两次无人，邻居称业主出差")
    assert desk.due(n, "cs_callback") == shanghai("2026-11-23 12:10")  # then the CS centre within 30 minutes
    desk.complete(n, "cs_callback", callback_result="reached", callback_record="已约明早上门")
    assert "visit_customer" in desk.open_tasks(n)


def test_an_unresolvable_complaint_closes_as_unresolvable_after_gm_approval(desk: Desk) -> None:
    n = desk.open().number
    dispatch(desk, n)
    agree_plan(desk, n)
    reply_by_phone(desk, n)
    desk.complete(n, "carry_out_work", progress="超出物业处理能力", work_result="unresolvable")
    case = desk.complete(n, "approve_unresolvable", unresolvable_decision="approve",
                         unresolvable_reason="涉及市政规划，已专项分析")
    assert case.status == "closed"
    assert case.outcome == "unresolvable"  # R2.16 stays in the statistics


def test_a_written_reply_is_reviewed_by_the_cs_centre_before_it_goes_out(desk: Desk) -> None:
    n = desk.open().number
    dispatch(desk, n)
    agree_plan(desk, n)
    desk.complete(n, "reply_customer", reply_method="written", reply_content="初稿",
            done_within_reply_window=True)
    desk.complete(n, "review_written_reply", reply_approved=False, review_comment="措辞不当")
    assert "reply_customer" in desk.open_tasks(n)
    desk.complete(n, "reply_customer", reply_method="written", reply_content="修改稿",
            done_within_reply_window=True)
    desk.complete(n, "review_written_reply", reply_approved=True)
    assert "carry_out_work" in desk.open_tasks(n)


def test_work_that_cannot_finish_within_24_hours_is_reported_to_the_cs_centre(desk: Desk) -> None:
    n = desk.open().number
    dispatch(desk, n)
    agree_plan(desk, n)
    desk.complete(n, "reply_customer", reply_method="phone", reply_content="需订购材料",
                  done_within_reply_window=False, delay_reason="防水材料需三天到货")
    item = desk.task(n, "acknowledge_delay")
    assert item.role == "cs_supervisor"
    desk.complete(n, "acknowledge_delay", delay_note="每日跟进材料到货")
    assert "carry_out_work" in desk.open_tasks(n)


def test_a_dissatisfied_customer_sends_the_case_back_to_negotiation(desk: Desk) -> None:
    n = desk.open().number
    dispatch(desk, n)
    agree_plan(desk, n)
    reply_by_phone(desk, n)
    finish_work(desk, n)
    desk.complete(n, "check_closure", check_result="accept", return_visit_needed=True)
    desk.complete(n, "contact_customer", reached=True, attempt_note="电话接通")
    desk.complete(n, "record_return_visit", visit_method="on_site", satisfaction="dissatisfied",
                  return_visit_record="客户认为赔偿不足", customer_agrees=False)
    assert "carry_out_work" in desk.open_tasks(n)  # R2.11 negotiate again


def test_a_complaint_without_a_return_visit_closes_after_a_silent_week(desk: Desk) -> None:
    n = desk.open().number
    dispatch(desk, n)
    agree_plan(desk, n)
    reply_by_phone(desk, n)
    finish_work(desk, n)
    desk.at("2026-11-25 09:00")
    desk.complete(n, "check_closure", check_result="accept", return_visit_needed=False)
    assert desk.wait(days=6, hours=23) == 0
    assert desk.case(n).status != "closed"
    assert desk.wait(hours=2) == 1
    case = desk.case(n)
    assert case.status == "closed"
    assert case.outcome == "resolved"


def test_a_repeat_complaint_within_the_week_reopens_the_case(desk: Desk) -> None:
    n = desk.open().number
    dispatch(desk, n)
    agree_plan(desk, n)
    reply_by_phone(desk, n)
    finish_work(desk, n)
    desk.complete(n, "check_closure", check_result="accept", return_visit_needed=False)
    desk.wait(days=2)
    desk.runtime.send_message(n, "repeat_complaint", {"note": "又漏水了"}, "zhang.wei")
    assert "carry_out_work" in desk.open_tasks(n)
    assert desk.case(n).status == "in_progress"


def test_an_expert_who_does_not_answer_in_24_hours_is_replaced_by_a_temporary_adviser(desk: Desk) -> None:
    n = desk.open(category="real_estate").number
    dispatch(desk, n)
    agree_plan(desk, n, needs_expert=True)
    assert desk.task(n, "expert_answer").role == "expert_adviser"
    desk.wait(hours=23)
    assert "expert_answer" in desk.open_tasks(n)
    desk.wait(hours=2)  # R2.17: unanswered after 24 hours
    tasks = desk.open_tasks(n)
    assert "expert_answer" not in tasks
    assign = desk.task(n, "assign_temporary_adviser")  # 000 顾问支持1: 总经理 (lanes.adviser_assigner)
    assert (assign.role, assign.unit) == ("general_manager", "sz-property")
    with pytest.raises(PermissionDenied):
        desk.complete(n, "assign_temporary_adviser", "lin.lihua", temporary_adviser="sun.lei")
    desk.complete(n, "assign_temporary_adviser", "guo.zhenhua", temporary_adviser="sun.lei")
    assert desk.task(n, "temporary_expert_answer").assignee == "sun.lei"
    desk.complete(n, "temporary_expert_answer", expert_opinion="按设计规范整改")
    assert "reply_customer" in desk.open_tasks(n)


def test_a_claim_is_reported_in_3_days_approved_by_level_and_filed_with_the_cs_centre(desk: Desk) -> None:
    n = desk.open(claim_requested=True).number
    assert desk.due(n, "file_claim_report") == shanghai("2026-11-26 10:00")  # R2.14 3 days
    desk.at("2026-11-24 09:00")
    desk.complete(n, "file_claim_report", claim_amount="3500", claim_report="天花板及家具受损",
                  claim_major=True)
    assert desk.task(n, "approve_claim_chairman").role == "chairman"
    desk.complete(n, "approve_claim_chairman", claim_decision="approve")
    assert desk.due(n, "report_claim_to_cs") == shanghai("2026-11-25 09:00")  # 24 hours after filing
    desk.complete(n, "report_claim_to_cs", claim_cs_record="已报备客服中心")
    assert not any(t.startswith(("file_claim", "approve_claim", "report_claim")) for t in desk.open_tasks(n))


def test_a_form_field_the_task_does_not_declare_is_refused_and_nothing_changes(desk: Desk) -> None:
    n = desk.open().number
    with pytest.raises(FormError) as caught:
        desk.complete(n, "raise_order", order_summary="x", required_completion=REQUIRED_BY, status="closed",
                      deadline="now")
    assert set(caught.value.errors) >= {"status", "deadline"}
    assert desk.case(n).status == "received"
    assert "raise_order" in desk.open_tasks(n)


def test_a_missing_required_field_names_the_field(desk: Desk) -> None:
    with pytest.raises(FormError) as caught:
        desk.open(customer_phone="", description="")
    assert {"customer_phone", "description"} <= set(caught.value.errors)


def test_someone_outside_the_lane_may_not_sign_the_order(desk: Desk) -> None:
    n = desk.open().number
    desk.complete(n, "raise_order", order_summary="x", required_completion=REQUIRED_BY)
    with pytest.raises(PermissionDenied):
        desk.complete(n, "sign_order", actor="zhang.wei", order_decision="sign")


def test_the_second_person_completing_the_same_task_is_told_who_did_it(desk: Desk) -> None:
    n = desk.open().number
    item = desk.task(n, "raise_order")
    desk.runtime.complete_task(item.task_id, "zhang.wei", {"order_summary": "x",
            "required_completion": REQUIRED_BY})
    with pytest.raises(ConflictError) as caught:
        desk.runtime.complete_task(item.task_id, "wang.fang", {"order_summary": "y",
                                                              "required_completion": REQUIRED_BY})
    assert "zhang.wei" in str(caught.value)
