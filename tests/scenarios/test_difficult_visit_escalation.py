"""R6.2 疑难问题 24小时内必须由主管级以上领导亲自回访 (001 篇3 三、2): a difficult issue's return visit goes
to the project's 客服主管; when the project has no active one it goes up the company's CS line
(``lanes.difficult_issue_visitor.escalate_to``: 客服经理, then 售后服务中心副总经理, then 总经理), with the
same 24-hour due time, and never to another subsidiary."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from engine.errors import NotFoundError, PermissionDenied
from engine.store.models import Staff
from tests.conftest import shanghai
from tests.scenarios.conftest import Desk


def deactivate(desk: Desk, login: str) -> None:
    with desk.runtime.store.write() as tx:
        tx.session.execute(update(Staff).where(Staff.login == login).values(active=False))


def closed_for_a_visit(desk: Desk, at: str, before_check: str | None = None) -> str:
    """A major complaint of 丽雅苑 (a difficult issue, R2.16) worked to its closure check, which the desk
    accepts at ``at`` (Shanghai) asking for a return visit; ``before_check`` is deactivated just before."""
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
    if before_check:
        deactivate(desk, before_check)
    desk.at(at)
    desk.complete(n, "check_closure", check_result="accept", return_visit_needed=True)
    return n


def opened(desk: Desk, number: str, task: str) -> dict[str, object]:
    return [e.data for e in desk.case(number).timeline
            if e.action == "task.opened" and e.data.get("task") == task][-1]


def test_without_an_active_supervisor_the_cs_manager_visits_within_24_hours_over_the_new_year(
    desk: Desk,
) -> None:
    # 丽雅苑's only 客服主管 李娜 has left; the closure check is accepted on New Year's Eve at 20:00
    n = closed_for_a_visit(desk, "2026-12-31 20:00", before_check="li.na")
    task = desk.task(n, "supervisor_contact_customer")
    assert (task.role, task.unit) == ("cs_manager", "sz-property")
    assert desk.due(n, "supervisor_contact_customer") == shanghai("2027-01-01 20:00")  # 24 h, the holiday too
    assert opened(desk, n, "supervisor_contact_customer")["escalated"] == {
        "from": "cs_supervisor@sz-property-lyc", "passed": ["cs_supervisor@sz-property-lyc"], "why": "nobody"}
    # 华南区域's 客服经理 and the desk that received the complaint may not; the supervisor who left is nobody
    for other in ("feng.tingting", "wang.fang"):
        with pytest.raises(PermissionDenied):
            desk.complete(n, "supervisor_contact_customer", other, reached=True, attempt_note="接通")
    with pytest.raises(NotFoundError, match="inactive staff login 'li.na'"):
        desk.complete(n, "supervisor_contact_customer", "li.na", reached=True, attempt_note="接通")
    desk.at("2027-01-01 10:00")
    desk.complete(n, "supervisor_contact_customer", "he.jing", reached=True, attempt_note="经理致电业主")
    record = desk.task(n, "supervisor_record_return_visit")
    assert (record.candidate_group, record.assignee) == ("cs_manager@sz-property", "he.jing")  # sticky
    assert desk.due(n, "supervisor_record_return_visit") == shanghai("2027-01-01 20:00")
    case = desk.complete(n, "supervisor_record_return_visit", "he.jing", visit_method="on_site",
                         satisfaction="satisfied", return_visit_record="经理上门，业主满意",
                         customer_agrees=True)
    assert "supervisor_record_return_visit" not in {t.task_name for t in case.tasks}
    assert desk.data(n)["return_visit_outcome"] == "visited"
    completed = [e for e in desk.case(n).timeline
                 if e.action == "task.completed" and e.data.get("task") == "supervisor_record_return_visit"]
    assert [(e.actor, e.data.get("late")) for e in completed] == [("he.jing", False)]


def test_with_a_supervisor_the_visit_stays_with_the_supervisor(desk: Desk) -> None:
    n = closed_for_a_visit(desk, "2026-12-31 20:00")
    task = desk.task(n, "supervisor_contact_customer")
    assert task.candidate_group == "cs_supervisor@sz-property-lyc"
    assert "escalated" not in opened(desk, n, "supervisor_contact_customer")
    assert desk.due(n, "supervisor_contact_customer") == shanghai("2027-01-01 20:00")
    with pytest.raises(PermissionDenied):  # the company's 客服经理 does not take it from the project
        desk.complete(n, "supervisor_contact_customer", "he.jing", reached=True, attempt_note="接通")
    desk.complete(n, "supervisor_contact_customer", "li.na", reached=True, attempt_note="接通")
    assert desk.task(n, "supervisor_record_return_visit").assignee == "li.na"
