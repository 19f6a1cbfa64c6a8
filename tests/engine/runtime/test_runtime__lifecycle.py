"""Open, list, claim, complete, messages and closing — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import ConflictError, FormError, NotFoundError, PermissionDenied
from engine.runtime import Runtime
from tests.engine.runtime.conftest import dispatch, open_ticket


def test_open_case_numbers_it_and_puts_the_first_task_in_the_project_queue(rt: Runtime) -> None:
    case = open_ticket(rt)
    assert case.number == "T-SZP-2026-000001"
    assert case.first_receiver == "zhang.wei"
    assert (case.subsidiary, case.project) == ("sz-property", "sz-property-lyc")
    assert case.customer_name == "王先生" and case.category == "facilities"
    [task] = case.tasks
    assert (task.task_name, task.assignee) == ("intake", None)
    assert task.candidate_group == "cs_specialist@sz-property-lyc"
    assert task.due_at == case.opened_at + timedelta(minutes=30)
    assert case.next_timer_at == task.due_at
    assert open_ticket(rt).number == "T-SZP-2026-000002"


def test_queue_claim_mine_and_release(rt: Runtime) -> None:
    task = open_ticket(rt).tasks[0]
    assert [i.task_id for i in rt.inbox("wang.fang", "queue")] == [task.task_id]
    assert rt.inbox("wang.fang", "mine") == []
    claimed = rt.claim_task(task.task_id[:8], "wang.fang")
    assert claimed.assignee == "wang.fang" and claimed.claimed_at is not None
    assert [i.task_id for i in rt.inbox("wang.fang", "mine")] == [task.task_id]
    assert rt.inbox("zhang.wei", "queue") == []
    with pytest.raises(ConflictError) as err:
        rt.complete_task(task.task_id, "zhang.wei", {})
    assert "claimed by wang.fang" in str(err.value)
    rt.release_task(task.task_id, "wang.fang")
    assert [i.task_id for i in rt.inbox("zhang.wei", "queue")] == [task.task_id]


def test_complete_moves_the_case_to_the_responsible_department(rt: Runtime) -> None:
    case = dispatch(rt)
    assert case.status == "dispatched"
    assert case.responsible_department == "property"
    [task] = case.tasks
    assert task.task_name == "handle"
    assert task.candidate_group == "department_head@sz-property-property"
    assert [i.task_id for i in rt.inbox("yang.fan", "queue")] == [task.task_id]
    assert rt.inbox("zhang.wei", "queue") == []


def test_first_receiver_task_is_assigned_to_the_first_receiver_and_a_message_closes(rt: Runtime) -> None:
    case = dispatch(rt, actor="wang.fang")
    case = rt.complete_task(case.tasks[0].task_id, "yang.fan", {"result": "修好了"})
    [call_back] = case.tasks
    assert call_back.assignee == "wang.fang"
    assert [i.task_id for i in rt.inbox("wang.fang", "mine")] == [call_back.task_id]
    with pytest.raises(PermissionDenied, match="assigned to wang.fang"):
        rt.complete_task(call_back.task_id, "zhang.wei", {})
    case = rt.complete_task(call_back.task_id, "wang.fang", {"satisfied": True})
    assert case.tasks == () and case.status == "dispatched"
    with pytest.raises(ConflictError) as err:
        rt.send_message(case.number, "customer_withdrew", {}, "zhang.wei")
    assert "waits for: customer_reply" in str(err.value)
    case = rt.send_message(case.number, "customer_reply", {"verdict": "satisfied"}, "zhang.wei")
    assert (case.status, case.outcome) == ("closed", "satisfied")
    assert case.closed_at is not None and case.next_timer_at is None
    with pytest.raises(ConflictError, match="waits for no message"):
        rt.send_message(case.number, "customer_reply", {"verdict": "again"}, "zhang.wei")


def test_resolved_at_once_closes_with_the_diagrams_outcome(rt: Runtime) -> None:
    case = open_ticket(rt)
    case = rt.complete_task(case.tasks[0].task_id, "zhang.wei", {"resolved": True})
    assert (case.status, case.outcome, case.tasks) == ("closed", "resolved_at_once", ())
    view = rt.get_case(case.number, "zhang.wei")
    actions = [e.action for e in view.timeline]
    assert actions == ["case.opened", "task.opened", "task.completed", "case.closed"]


def test_get_case_shows_fields_tasks_and_timeline(rt: Runtime) -> None:
    number = dispatch(rt).number
    view = rt.get_case(number, "li.na")
    assert view.status == "dispatched" and len(view.tasks) == 1
    actions = [e.action for e in view.timeline]
    assert actions == ["case.opened", "task.opened", "task.completed", "task.opened"]
    assert view.timeline[2].actor == "zhang.wei" and view.timeline[2].data["form"]["resolved"] is False
    with pytest.raises(NotFoundError, match="did you mean"):
        rt.get_case(number[:-1] + "9", "zhang.wei")


def test_bad_form_input_is_a_form_error_and_changes_nothing(rt: Runtime) -> None:
    with pytest.raises(FormError) as err:
        rt.open_case("ticket", {"customer_name": "王"}, "zhang.wei")
    assert "category" in err.value.errors
    case = open_ticket(rt)
    assert case.number.endswith("000001")  # the failed open used no number
    with pytest.raises(FormError) as err:
        rt.complete_task(case.tasks[0].task_id, "zhang.wei", {"deadline": "x"})
    assert "deadline" in err.value.errors


def test_unknown_actor_process_and_task(rt: Runtime) -> None:
    with pytest.raises(NotFoundError, match="did you mean 'zhang.wei'"):
        open_ticket(rt, actor="zhang.we")
    with pytest.raises(NotFoundError, match="no process 'tickets'; did you mean 'ticket'"):
        rt.open_case("tickets", {}, "zhang.wei")
    with pytest.raises(NotFoundError, match="at least 8"):
        rt.complete_task("abc", "zhang.wei", {})
    with pytest.raises(NotFoundError, match="no open task"):
        rt.complete_task("0123456789", "zhang.wei", {})


def test_project_may_be_named_and_must_exist(rt: Runtime) -> None:
    case = open_ticket(rt, project="hn-region-bhw")
    assert (case.subsidiary, case.project, case.number) == ("hn-region", "hn-region-bhw", "T-HNR-2026-000001")
    assert case.first_receiver == "zhang.wei"  # R0.5: anyone may receive a case for any unit
    with pytest.raises(NotFoundError, match="did you mean 'sz-property-lyc'"):
        open_ticket(rt, project="sz-property-lyx")
