"""Sticky lanes (issue 15): the next step goes to whoever completed the last one when they may do it.

``lanes.<lane>.sticky`` in the policy decides per lane; the queue stays for everyone else.
"""

from __future__ import annotations

from pathlib import Path

from tests.scenarios.conftest import Desk, desk_with_overlay
from tests.scenarios.test_complaint import REQUIRED_BY, agree_plan, dispatch, reply_by_phone


def _opened(desk: Desk, number: str, task: str) -> dict:
    with desk.runtime.store.read() as tx:
        case_id = tx.find_case(number).id
        events = [e for e in tx.case_audit(case_id) if e.action == "task.opened" and e.data["task"] == task]
    return events[-1].data


def test_the_department_head_goes_on_without_claiming_again(desk: Desk) -> None:
    n = desk.open().number
    raise_order = desk.task(n, "raise_order")
    assert raise_order.assignee is None  # intake is not a step of a lane: the desk's queue has it
    specialist = desk.worker_for(raise_order)
    desk.complete(n, "raise_order", specialist, order_summary="请物业部处理楼上漏水",
                  required_completion=REQUIRED_BY)
    assert desk.task(n, "sign_order").assignee is None  # the GM's lane is another role: their queue
    desk.complete(n, "sign_order", order_decision="sign")
    visit = desk.task(n, "visit_customer")
    assert visit.assignee is None  # the GM does not hold the department's role
    head = desk.worker_for(visit)
    agree_plan(desk, n)
    reply = desk.task(n, "reply_customer")
    assert reply.assignee == head  # sticky: straight to the head who just agreed the plan
    reply_by_phone(desk, n)
    work = desk.task(n, "carry_out_work")
    assert work.assignee == head
    assert _opened(desk, n, "carry_out_work")["sticky"] is True
    desk.runtime.release_task(work.task_id, head)  # it can go back to the queue for the others
    assert desk.task(n, "carry_out_work").assignee is None


def test_a_lane_that_is_not_sticky_leaves_the_next_step_in_the_queue(tmp_path: Path) -> None:
    group = (Path(__file__).resolve().parents[2] / "policies" / "group.yaml").read_text(encoding="utf-8")
    text = group.replace("responsible_department: {role: department_head, scope: responsible_department, "
                         "sticky: true}", "responsible_department: {role: department_head, "
                         "scope: responsible_department}")
    assert text != group
    desk = desk_with_overlay(tmp_path, "group.yaml", text)
    try:
        n = desk.open().number
        dispatch(desk, n)
        agree_plan(desk, n)
        assert desk.task(n, "reply_customer").assignee is None
        assert "sticky" not in _opened(desk, n, "reply_customer")
    finally:
        desk.runtime.store.dispose()
