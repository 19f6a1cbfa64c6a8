"""Parallel branches of the shipped complaint keep each other's fields (engine.runtime.branches): the
claim, the emergency plan and the cooperating departments' confirmations run beside the handling, each
on its own copy of the case's data taken when the complaint forked. A step completed on one of them
must not bring back its copy of a field the handling changed meanwhile (the plan's category, the
status, the outcome), in either order. On an injected clock (Monday 2026-11-23 10:00 Shanghai time).
"""

from __future__ import annotations

import pytest

from tests.scenarios.conftest import Desk
from tests.scenarios.test_complaint import agree_plan, dispatch, finish_work, reply_by_phone


def _fields(desk: Desk, number: str) -> tuple[str | None, str | None, str | None]:
    case = desk.case(number)
    data = desk.data(number)
    assert (data.get("category"), data.get("status")) == (case.category, case.status)  # one answer
    return case.category, case.status, case.outcome


def _to_the_silent_week(desk: Desk, number: str) -> None:
    """Plan (the cause changes to 环境管理), reply, work, closure check: the handling then waits a week
    for a repeat complaint with no step open."""
    agree_plan(desk, number, plan_category="environment")
    reply_by_phone(desk, number)
    finish_work(desk, number)
    desk.complete(number, "check_closure", "zhang.wei", check_result="accept", return_visit_needed=False)


def test_a_claim_still_running_when_the_handling_closes_keeps_the_closed_fields(desk: Desk) -> None:
    n = desk.open(claim_requested=True).number
    dispatch(desk, n)
    _to_the_silent_week(desk, n)
    desk.wait(days=8)  # the handling closes (no repeat complaint); the claim is still to be filed
    assert _fields(desk, n) == ("environment", "closed", "resolved")
    desk.complete(n, "file_claim_report", claim_amount="3500", claim_report="天花板及家具受损")
    # the claim's branch holds the intake's copy: 房屋设备管理, received, no outcome
    assert _fields(desk, n) == ("environment", "closed", "resolved")
    desk.complete(n, "approve_claim_gm", claim_decision="approve")
    desk.complete(n, "report_claim_to_cs", claim_cs_record="已报备客服中心")
    case = desk.case(n)
    assert case.closed_at is not None and desk.open_tasks(n) == {}
    assert _fields(desk, n) == ("environment", "closed", "resolved")
    assert desk.data(n)["claim_cs_record"] == "已报备客服中心"  # the claim's own fields are kept too
    assert not [e for e in case.timeline
                if e.action == "case.category_changed" and e.data["to"] == "facilities"]


def test_the_emergency_plan_recorded_in_the_silent_week_does_not_reopen_the_old_fields(desk: Desk) -> None:
    n = desk.open(urgency="emergency", description="地下车库水浸").number
    dispatch(desk, n)
    _to_the_silent_week(desk, n)
    assert _fields(desk, n) == ("environment", "closing", None)
    desk.complete(n, "start_emergency_plan", actions_taken="关闭总阀，抽水")  # recorded late
    assert _fields(desk, n) == ("environment", "closing", None)
    assert desk.data(n)["actions_taken"] == "关闭总阀，抽水"
    desk.wait(days=8)
    assert _fields(desk, n) == ("environment", "closed", "resolved")


@pytest.mark.parametrize("confirmed", ["before_the_plan", "after_the_plan", "in_the_silent_week"])
def test_a_cooperation_confirmation_in_any_order_keeps_the_handlings_fields(desk: Desk,
                                                                            confirmed: str) -> None:
    n = desk.open().number  # 房屋设备管理: engineering cooperates
    dispatch(desk, n)

    def confirm() -> None:
        desk.complete(n, "confirm_cooperation", "liu.qiang", cooperation_part="派工程部检修楼上防水层",
                      cooperation_contact="刘强 13800000007")

    if confirmed == "before_the_plan":
        confirm()
        assert _fields(desk, n) == ("facilities", "dispatched", None)
    agree_plan(desk, n, plan_category="environment")
    if confirmed == "after_the_plan":
        confirm()
    assert _fields(desk, n) == ("environment", "in_progress", None)
    reply_by_phone(desk, n)
    finish_work(desk, n)
    desk.complete(n, "check_closure", "zhang.wei", check_result="accept", return_visit_needed=False)
    if confirmed == "in_the_silent_week":
        confirm()
    assert _fields(desk, n) == ("environment", "closing", None)
    desk.wait(days=8)
    assert _fields(desk, n) == ("environment", "closed", "resolved")
