"""R2.4 the cooperating departments (issue 19): each department the category names 无条件配合 hears of
the signed order and confirms its part in a step of its own; the responsible department sees their
confirmations; a late one is overdue like any step; closing the complaint ends an unconfirmed one with
its reason in the timeline. On an injected clock (Monday 2026-11-23 10:00 Shanghai time).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.complaints import cooperation_parts
from engine.errors import PermissionDenied
from engine.store.worker_repo import WorkerRepo
from engine.worker.events import install
from tests.conftest import shanghai
from tests.scenarios.conftest import Desk
from tests.scenarios.test_complaint import agree_plan, dispatch, finish_work, reply_by_phone


def _notes(desk: Desk, login: str, kind: str) -> list[tuple[str, str]]:
    with desk.runtime.store.read() as tx:
        return [(x.title, x.body) for x in WorkerRepo(tx).notifications(login) if x.kind == kind]


def _coop_tasks(desk: Desk, number: str) -> list:
    return [t for t in desk.case(number).tasks if t.task_name == "confirm_cooperation"]


def test_each_cooperating_department_is_told_of_the_order_and_gets_a_step_to_confirm_its_part(
        desk: Desk) -> None:
    install(desk.runtime)  # the order-signed messages, as the web app and the CLI have them
    n = desk.open(category="sales_contract").number  # 营销签约: marketing leads; finance, treasury cooperate
    assert _coop_tasks(desk, n) == []  # nothing before the order reaches the departments
    desk.at("2026-11-23 10:20")
    dispatch(desk, n)
    tasks = sorted(_coop_tasks(desk, n), key=lambda t: t.candidate_group)
    assert [t.candidate_group for t in tasks] == ["department_head@sz-property-finance",
                                                  "department_head@sz-property-treasury"]
    # complaint.deadlines.cooperation: 1 hour after the order is dispatched
    assert {t.due_at for t in tasks} == {shanghai("2026-11-23 11:20")}
    [(title, body)] = _notes(desk, "ma.xiaoli", "cooperation_order")  # finance's head
    assert title == f"【督办令·配合】投诉{n}请财务部配合"
    assert "第一责任部门为营销部" in body and "督办事项：请物业部处理楼上漏水" in body
    assert "请于2026-11-23 11:20前在待办中确认本部门的配合事项" in body
    assert _notes(desk, "ma.xiaoli", "order_signed") == []  # told once, with the order, not twice
    assert _notes(desk, "zhao.min", "order_signed") != []  # the responsible department as before
    [told] = [e.data for e in desk.case(n).timeline if e.action == "cooperation.notified"]
    assert told["departments"] == ["finance", "treasury"]


def test_the_responsible_department_sees_the_confirmations_and_a_late_one_is_overdue(desk: Desk) -> None:
    n = desk.open().number  # 房屋设备管理: property leads, engineering cooperates
    dispatch(desk, n)
    [task] = _coop_tasks(desk, n)
    # the project's 工程维修组 has no head: the company's engineering department confirms
    assert (task.role, task.unit) == ("department_head", "sz-property-engineering")
    desk.at("2026-11-23 11:30")  # past its due time (11:00)
    assert task.is_overdue(desk.clock.now())
    overseen = {t.task_id for t in desk.runtime.inbox("lin.lihua", "all") if t.is_overdue(desk.clock.now())}
    assert task.task_id in overseen  # the CS centre's GM sees it late like any step
    assert task.task_id in {t.task_id for t in desk.runtime.inbox("liu.qiang", "overdue")}
    desk.complete(n, "confirm_cooperation", "liu.qiang", cooperation_part="派工程部检修楼上防水层",
                  cooperation_contact="刘强 13800000007")
    [part] = cooperation_parts(desk.case(n).timeline, desk.clock.now())
    assert (part["department"], part["state"], part["by"], part["late"]) == (
        "engineering", "confirmed", "liu.qiang", True)
    assert part["part"] == "派工程部检修楼上防水层"
    assert "visit_customer" in desk.open_tasks(n)  # the department's own work goes on unchanged
    assert desk.case(n).status == "dispatched"


def test_another_subsidiarys_department_head_cannot_confirm_the_part(desk: Desk) -> None:
    n = desk.open().number
    dispatch(desk, n)
    with pytest.raises(PermissionDenied):  # 许建国 heads engineering at hn-region
        desk.complete(n, "confirm_cooperation", "xu.jianguo", cooperation_part="不相干")
    with pytest.raises(PermissionDenied):  # the responsible department may not confirm another's part
        desk.complete(n, "confirm_cooperation", "yang.fan", cooperation_part="代为确认")
    [part] = cooperation_parts(desk.case(n).timeline, desk.clock.now())
    assert part["state"] == "open"


def test_closing_the_complaint_ends_an_unconfirmed_part_with_its_reason(desk: Desk) -> None:
    n = desk.open().number
    dispatch(desk, n)
    agree_plan(desk, n)
    reply_by_phone(desk, n)
    desk.at("2026-11-24 15:00")  # the engineering part, due Monday 11:00, still unconfirmed
    finish_work(desk, n)
    desk.complete(n, "check_closure", "zhang.wei", check_result="accept", return_visit_needed=False)
    assert _coop_tasks(desk, n) != []  # the week's watch for a repeat complaint: still open
    desk.wait(days=8)  # no repeat complaint within the week (silence_close): closed
    case = desk.case(n)
    assert case.status == "closed"
    assert _coop_tasks(desk, n) == []
    [ended] = [e.data for e in case.timeline
               if e.action == "task.cancelled" and e.data.get("task") == "confirm_cooperation"]
    assert ended["ended_by"] == "已结案(无重复投诉) closed, no repeat"
    assert ended["reason"] == "the process ended at '已结案(无重复投诉) closed, no repeat'"
    assert ended["late"] is True and ended["due_at"] == "2026-11-23T11:00:00+08:00"
    [part] = cooperation_parts(case.timeline, desk.clock.now())
    assert (part["state"], part["late"]) == ("ended", True)


@pytest.mark.parametrize(("dispatched", "due"), [
    ("2026-11-23 10:20", "2026-11-23 11:20"),  # working time: one hour
    ("2026-11-27 17:50", "2026-11-30 09:30"),  # Friday after work: Monday's first working hour
    ("2026-11-23 12:10", "2026-11-23 14:30"),  # lunch break: the afternoon's first hour (13:30)
    ("2026-11-23 11:40", "2026-11-23 14:10"),  # across the lunch break: 20 minutes before, 40 after
    ("2026-09-30 17:00", "2026-10-08 09:00"),  # eve of National Day: half an hour, then after the holiday
    ("2026-10-09 17:10", "2026-10-10 09:10"),  # a make-up Saturday (调休) is a working day
    ("2026-10-10 17:30", "2026-10-12 09:30"),  # end of the make-up Saturday: Monday
    ("2026-12-31 17:00", "2027-01-04 09:00"),  # year end: New Year's Day holiday, then the weekend
])
def test_the_hour_to_confirm_is_a_working_hour(desk: Desk, dispatched: str, due: str) -> None:
    # complaint.deadlines.cooperation: 1 working hour from the moment the order reaches the departments
    desk.at(dispatched)
    n = desk.open().number
    dispatch(desk, n)
    [task] = _coop_tasks(desk, n)
    assert task.due_at == shanghai(due)
    assert not task.is_overdue(shanghai(due)) and task.is_overdue(shanghai(due) + timedelta(minutes=1))
