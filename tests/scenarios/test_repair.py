"""The repair process (R3, processes/repair.bpmn) end to end, with an injected clock.

丽雅苑 (sz-property-lyc) dispatches within 3 minutes (its overlay), 锦华园 (sz-property-jhy) within the
group's 5 minutes; sz-property prices drain clearing at 80 yuan.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import FormError
from tests.conftest import shanghai
from tests.scenarios.conftest import Desk

ALL_STAGES = ["before", "during", "after"]  # repair.photo_stages of the group policy


def open_repair(desk: Desk, actor: str = "zhang.wei", **overrides: Any) -> str:
    """Open a repair at 丽雅苑 (zhang.wei's project); returns its number."""
    data: dict[str, Any] = {"customer_name": "李女士", "customer_phone": "13612345678",
                            "room": "5栋2单元801", "location": "in_home", "location_detail": "主卫",
                            "description": "卫生间水龙头漏水", "channel": "phone"}
    data.update(overrides)
    return desk.runtime.open_case("repair", data, actor).number


def work_the_order(desk: Desk, n: str, **repair: Any) -> None:
    """Issue the order, accept it and finish the repair with photos of every stage."""
    desk.complete(n, "issue_order", order_items="更换主卫水龙头")
    desk.complete(n, "accept_order", engineer_name="邓海涛", planned_visit_at="2026-11-23T11:00:00+08:00")
    desk.photograph(n, *ALL_STAGES)
    data = {"repair_record": "已更换水龙头", "photo_stages": ["before", "during", "after"],
            "repair_result": "finished"}
    data.update(repair)
    desk.complete(n, "carry_out_repair", **data)


def visit(desk: Desk, n: str, agrees: bool = True) -> Any:
    """The first receiver's return visit, reached at once, on site."""
    desk.complete(n, "contact_customer", reached=True, attempt_note="接通")
    return desk.complete(n, "record_return_visit", visit_method="on_site",
                         satisfaction="satisfied" if agrees else "dissatisfied",
                         return_visit_record="业主确认", customer_agrees=agrees)


def test_a_repair_runs_from_intake_through_dispatch_work_reply_and_return_visit(desk: Desk) -> None:
    n = open_repair(desk)  # Monday 10:00
    assert n.startswith("BX-SZP-2026-")
    assert desk.due(n, "issue_order") == shanghai("2026-11-23 10:03")  # R3.1 (丽雅苑 overlay: 3 minutes)
    assert desk.task(n, "issue_order").role == "cs_specialist"
    desk.complete(n, "issue_order", order_items="更换主卫水龙头")
    accept = desk.task(n, "accept_order")
    assert accept.role == "engineer"
    assert desk.worker_for(accept) == "deng.haitao"
    desk.complete(n, "accept_order", engineer_name="邓海涛", planned_visit_at="2026-11-23T11:00:00+08:00")
    desk.photograph(n, *ALL_STAGES)
    desk.complete(n, "carry_out_repair", repair_record="已更换水龙头", photo_stages=ALL_STAGES,
                  repair_result="finished")
    desk.complete(n, "reply_owner", reply_content="已修好,请检查", owner_confirmed=True)
    assert desk.task(n, "contact_customer").assignee == "zhang.wei"  # R6.1 the first receiver
    case = visit(desk, n)
    assert case.status == "closed"
    assert case.outcome == "resolved"


def test_the_group_dispatch_deadline_applies_where_no_overlay_shortens_it(desk: Desk) -> None:
    n = open_repair(desk, actor="liu.yang")  # 锦华园: sz-property, no dispatch override
    assert desk.due(n, "issue_order") == shanghai("2026-11-23 10:05")  # group: 5 minutes


def test_a_repair_cannot_be_finished_without_the_photos_the_policy_requires(desk: Desk) -> None:
    n = open_repair(desk)
    work_the_order(desk, n, photo_stages=["before", "after"])
    assert "carry_out_repair" in desk.open_tasks(n)  # 'during' is missing
    assert desk.data(n)["missing_photo_stages"] == ["during"]
    desk.complete(n, "carry_out_repair", repair_record="补拍维修中照片", photo_stages=ALL_STAGES,
                  repair_result="finished")
    assert "reply_owner" in desk.open_tasks(n)


def test_a_stage_ticked_without_its_photo_refuses_the_whole_step(desk: Desk) -> None:
    n = open_repair(desk)
    desk.complete(n, "issue_order", order_items="更换主卫水龙头")
    desk.complete(n, "accept_order", engineer_name="邓海涛", planned_visit_at="2026-11-23T11:00:00+08:00")
    desk.photograph(n, "before", "after")
    before = desk.case(n)
    with pytest.raises(FormError) as refused:  # the diagram's repair.require_photos service task
        desk.complete(n, "carry_out_repair", repair_record="已更换水龙头", photo_stages=ALL_STAGES,
                      repair_result="finished")
    assert refused.value.errors == {"photo_stages": "no photo uploaded yet for: during"}
    assert refused.value.errors_zh == {"photo_stages": "还没有上传这些节点的照片：维修中"}  # type: ignore[attr-defined]
    after = desk.case(n)  # rolled back: the task is open, the case and its audit log are as they were
    assert [t.task_id for t in after.tasks] == [t.task_id for t in before.tasks]
    assert len(after.timeline) == len(before.timeline)
    assert "repair_record" not in desk.data(n)


def test_an_emergency_is_dispatched_at_once_and_the_leaders_are_notified(desk: Desk) -> None:
    n = open_repair(desk, emergency="flooding", location="public_area", description="地下车库水浸")
    tasks = desk.open_tasks(n)
    assert set(tasks) == {"issue_order", "notify_leaders"}
    assert desk.due(n, "issue_order") == shanghai("2026-11-23 10:00")  # immediate
    assert desk.due(n, "notify_leaders") == shanghai("2026-11-23 10:00")
    assert desk.case(n).urgency == "emergency"  # the leaders are told by kefu: tests/engine/worker
    desk.complete(n, "notify_leaders", emergency_actions="关闭总阀,抽水")
    work_the_order(desk, n)
    desk.complete(n, "reply_owner", reply_content="已处理", owner_confirmed=True)
    # An emergency counts as a difficult issue: a supervisor visits (R6.2).
    assert "supervisor_contact_customer" in desk.open_tasks(n)


def test_a_municipal_fault_is_explained_and_chased_with_the_utility_without_an_order(desk: Desk) -> None:
    n = open_repair(desk, municipal_fault="water", location="public_area", description="整栋楼停水")
    assert set(desk.open_tasks(n)) == {"explain_municipal_fault"}
    desk.complete(n, "explain_municipal_fault", explanation="市政管网抢修,预计下午恢复",
                  utility_contacted="深圳水务集团", utility_reference="SW-20261123-01")
    desk.complete(n, "chase_utility", utility_status="pending", chase_note="12:00 水务称仍在抢修")
    desk.complete(n, "chase_utility", utility_status="restored", chase_note="15:00 已恢复供水")
    desk.complete(n, "reply_owner", reply_content="已恢复供水", owner_confirmed=True)
    case = visit(desk, n)
    assert case.status == "closed"
    assert "issue_order" not in [e.data.get("task") for e in desk.case(n).timeline]


def test_a_paid_special_service_is_priced_from_the_fee_schedule(desk: Desk) -> None:
    n = open_repair(desk, paid_service="drain_clearing", description="厨房下水道堵塞")
    work_the_order(desk, n, service_quantity=2)
    assert desk.data(n)["fee_amount"] == 160  # sz-property: 80 yuan per clearing
    desk.complete(n, "collect_fee", fee_collected=True, receipt_number="SF-0001")
    assert "reply_owner" in desk.open_tasks(n)


def test_an_owner_who_does_not_confirm_the_repair_sends_it_back_to_the_engineers(desk: Desk) -> None:
    n = open_repair(desk)
    work_the_order(desk, n)
    desk.complete(n, "reply_owner", reply_content="已修好", owner_confirmed=False)
    assert "carry_out_repair" in desk.open_tasks(n)


def test_a_dissatisfied_return_visit_reopens_the_repair(desk: Desk) -> None:
    n = open_repair(desk)
    work_the_order(desk, n)
    desk.complete(n, "reply_owner", reply_content="已修好", owner_confirmed=True)
    visit(desk, n, agrees=False)
    assert "carry_out_repair" in desk.open_tasks(n)


def test_an_unreachable_owner_closes_the_repair_as_unreachable_after_the_attempts(desk: Desk) -> None:
    n = open_repair(desk)
    work_the_order(desk, n)
    desk.complete(n, "reply_owner", reply_content="已修好", owner_confirmed=True)
    for note in ("无人接听", "无人接听", "关机"):
        case = desk.complete(n, "contact_customer", reached=False, attempt_note=note)
    assert case.status == "closed"
    assert case.outcome == "unreachable"


def test_a_municipal_fault_the_owner_still_reports_goes_back_to_chasing_the_utility(desk: Desk) -> None:
    n = open_repair(desk, municipal_fault="power", location="public_area", description="整栋楼停电")
    desk.complete(n, "explain_municipal_fault", explanation="供电局线路检修", utility_contacted="供电局")
    desk.complete(n, "chase_utility", utility_status="restored", chase_note="供电局称已恢复")
    desk.complete(n, "reply_owner", reply_content="已恢复供电", owner_confirmed=False)
    assert set(desk.open_tasks(n)) == {"chase_utility"}  # no engineer is sent for a utility's fault
