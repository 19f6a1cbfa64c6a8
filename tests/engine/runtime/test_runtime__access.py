"""Who may claim, complete and see: roles in units, assignees, claimers, supervisors."""

from __future__ import annotations

import pytest

from engine.clock import FixedClock
from engine.errors import ConflictError, PermissionDenied
from engine.runtime import Runtime
from tests.engine.runtime.conftest import dispatch, open_ticket


def test_someone_without_the_role_in_the_unit_may_not_claim_or_complete(rt: Runtime) -> None:
    task = open_ticket(rt).tasks[0]
    for action in (lambda: rt.claim_task(task.task_id, "liu.yang"),
                   lambda: rt.complete_task(task.task_id, "liu.yang", {})):
        with pytest.raises(PermissionDenied) as err:
            action()
        assert "'cs_specialist' in unit 'sz-property-lyc'" in str(err.value)
    with pytest.raises(PermissionDenied, match="department_head"):
        rt.complete_task(dispatch(rt).tasks[0].task_id, "liu.qiang", {"result": "x"})


def test_only_the_claimer_may_release(rt: Runtime) -> None:
    task = open_ticket(rt).tasks[0]
    rt.claim_task(task.task_id, "zhang.wei")
    with pytest.raises(ConflictError, match="claimed by zhang.wei"):
        rt.release_task(task.task_id, "wang.fang")
    with pytest.raises(ConflictError, match="claimed by zhang.wei"):
        rt.claim_task(task.task_id, "wang.fang")
    with pytest.raises(ConflictError, match="already yours"):
        rt.claim_task(task.task_id, "zhang.wei")


def test_all_view_is_for_supervisors_in_their_subsidiary_and_group_staff_everywhere(rt: Runtime) -> None:
    here = open_ticket(rt)
    there = open_ticket(rt, project="hn-region-bhw")
    assert {i.case_number for i in rt.inbox("li.na", "all")} == {here.number}
    assert {i.case_number for i in rt.inbox("shi.lei", "all")} == {there.number}
    assert {i.case_number for i in rt.inbox("zheng.xiaoyan", "all")} == {here.number, there.number}
    with pytest.raises(PermissionDenied, match="supervisors and managers"):
        rt.inbox("zhang.wei", "all")


def test_staff_of_another_subsidiary_may_not_see_a_case(rt: Runtime) -> None:
    number = open_ticket(rt).number
    with pytest.raises(PermissionDenied, match="belongs to another subsidiary") as refused:
        rt.get_case(number, "shi.lei")
    assert number not in str(refused.value) and "sz-property" not in str(refused.value)
    assert refused.value.zh and "其他公司" in refused.value.zh
    assert rt.get_case(number, "zheng.xiaoyan").number == number


def test_an_assignee_expression_overrides_the_lane(rt: Runtime, clock: FixedClock) -> None:
    plain = dispatch(rt)
    chosen = open_ticket(rt)
    form = {"resolved": False, "escalate_to": "li.na"}
    chosen = rt.complete_task(chosen.tasks[0].task_id, "zhang.wei", form)
    clock.advance(hours=25)
    assert rt.fire_due_timers() == 2
    [by_lane] = rt.get_case(plain.number, "he.jing").tasks
    [by_expr] = rt.get_case(chosen.number, "he.jing").tasks
    assert (by_lane.assignee, by_lane.candidate_group) == (None, "cs_manager@sz-property")
    assert by_expr.assignee == "li.na"
    assert [i.task_id for i in rt.inbox("li.na", "mine")] == [by_expr.task_id]
    with pytest.raises(PermissionDenied, match="assigned to li.na"):
        rt.complete_task(by_expr.task_id, "he.jing", {})


def test_the_department_lookup_finds_what_a_search_of_every_unit_finds(rt: Runtime) -> None:
    """A responsible-department lane resolves to the same unit by query as by a search of all units."""
    from engine.runtime.access import resolve_lane

    binding = {"role": "department_head", "scope": "responsible_department"}
    with rt.store.read() as tx:
        units = tx.units()
        departments = {u.department for u in units.values() if u.department} | {"no_such_department"}
        places = [(u.code, u.parent) for u in units.values() if u.kind == "project"]
        places += [(None, u.code) for u in units.values() if u.kind == "subsidiary"]
        resolved = set()
        for department in departments:
            for project, subsidiary in places:
                case = {"project": project, "subsidiary": subsidiary, "responsible_department": department}
                by_query = resolve_lane(binding, case, lambda: units, tx.department_unit)
                assert by_query == resolve_lane(binding, case, lambda: units), (department, project)
                resolved.add(by_query[1])
    assert len(resolved) > len(places)  # departments under projects and subsidiaries were found
