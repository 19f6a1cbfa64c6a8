"""Timers fire only at the injected time; the late-form rule for both kinds of deadline timers."""

from __future__ import annotations

from datetime import timedelta

import pytest

import engine.runtime.cases as cases_module
from engine.clock import FixedClock
from engine.errors import ConflictError, StepError
from engine.runtime import Runtime
from tests.engine.runtime.conftest import dispatch, open_ticket


def test_fire_due_timers_fires_nothing_before_the_due_time_and_everything_after(rt: Runtime,
                                                                               clock: FixedClock) -> None:
    case = dispatch(rt)
    due = case.tasks[0].due_at
    assert due is not None and case.next_timer_at == due
    clock.set(due)
    assert rt.fire_due_timers() == 0  # a timer fires strictly after its due time
    clock.advance(seconds=1)
    assert rt.fire_due_timers() == 1
    view = rt.get_case(case.number, "he.jing")
    assert view.status == "escalated"
    assert [t.task_name for t in view.tasks] == ["escalation"]
    assert view.tasks[0].candidate_group == "cs_manager@sz-property"
    assert [e.action for e in view.timeline][-3:] == ["timer.fired", "task.cancelled", "task.opened"]
    assert rt.fire_due_timers() == 0


def test_fire_due_timers_loads_only_cases_whose_timer_is_due(rt: Runtime, clock: FixedClock,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    early = open_ticket(rt)
    clock.advance(minutes=20)
    open_ticket(rt)
    open_ticket(rt)
    loads: list[str] = []
    real = cases_module.load_workflow
    monkeypatch.setattr(cases_module, "load_workflow", lambda *a, **k: loads.append("x") or real(*a, **k))
    clock.set(early.opened_at + timedelta(minutes=31))
    hits = rt.workflows.hits
    assert rt.fire_due_timers() == 1
    assert len(loads) + rt.workflows.hits - hits == 1  # openings are kept (item 38): loaded or taken


def test_late_form_on_a_non_interrupting_deadline_is_accepted_and_marked_late(rt: Runtime,
                                                                            clock: FixedClock) -> None:
    case = open_ticket(rt)
    task = case.tasks[0]
    clock.advance(minutes=45)
    case = rt.complete_task(task.task_id, "zhang.wei", {"resolved": False, "note": "迟到"})
    assert case.status == "dispatched"
    timeline = rt.get_case(case.number, "zhang.wei").timeline
    fired = [e for e in timeline if e.action == "timer.fired"]
    assert fired and fired[0].data["interrupting"] is False
    [done] = [e for e in timeline if e.action == "task.completed"]
    assert done.data["late"] is True
    assert done.data["due_at"] == "2026-11-23T10:30:00+08:00"


def test_form_after_an_interrupting_deadline_is_refused_and_the_timer_path_is_kept(rt: Runtime,
                                                                                 clock: FixedClock) -> None:
    case = dispatch(rt)
    handle = case.tasks[0]
    clock.advance(hours=25)
    with pytest.raises(ConflictError) as err:
        rt.complete_task(handle.task_id, "yang.fan", {"result": "晚了"})
    assert "处理超时" in str(err.value) and "2026-11-24T10:00:00+08:00" in str(err.value)
    assert "not saved" in str(err.value)
    view = rt.get_case(case.number, "yang.fan")
    assert view.status == "escalated" and [t.task_name for t in view.tasks] == ["escalation"]
    with pytest.raises(ConflictError, match="was cancelled"):
        rt.complete_task(handle.task_id, "yang.fan", {"result": "再试"})


def test_a_list_never_offers_a_task_its_due_deadline_cancelled_and_never_fires_it(
        rt: Runtime, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: listing writes nothing (the worker fires due timers); until it does, the task an
    interrupting timer cancels is left out of every view, and what the timer adds comes with the sweep."""
    case = dispatch(rt)
    other = open_ticket(rt)  # its intake deadline is non-interrupting: it stays listed when due
    assert [i.task_name for i in rt.inbox("yang.fan", "queue")] == ["handle"]
    clock.advance(hours=25)
    loads: list[str] = []
    real = cases_module.load_workflow
    monkeypatch.setattr(cases_module, "load_workflow", lambda *a, **k: loads.append("x") or real(*a, **k))
    assert rt.inbox("yang.fan", "queue") == []
    assert [i.task_name for i in rt.inbox("he.jing", "all")] == ["intake"]  # not handle, no escalation yet
    assert [i.case_number for i in rt.inbox("zhang.wei", "overdue")] == [other.number]
    assert loads == []  # no workflow was loaded, nothing fired, nothing written
    assert rt.fire_due_timers() == 2  # the worker's sweep
    assert [i.task_name for i in rt.inbox("he.jing", "queue")] == ["escalation"]
    assert rt.get_case(case.number, "he.jing").status == "escalated"
    assert rt.inbox("yang.fan", "queue") == []


def test_overdue_view_lists_tasks_past_due(rt: Runtime, clock: FixedClock) -> None:
    task = open_ticket(rt).tasks[0]
    assert rt.inbox("zhang.wei", "overdue") == []
    clock.advance(minutes=31)
    [late] = rt.inbox("zhang.wei", "overdue")
    assert late.task_id == task.task_id and late.is_overdue(clock.now())


def _called_back(rt: Runtime) -> str:
    case = dispatch(rt)
    case = rt.complete_task(case.tasks[0].task_id, "yang.fan", {"result": "修好了"})
    return rt.complete_task(case.tasks[0].task_id, "zhang.wei", {"satisfied": True}).number


def test_event_based_gateway_waits_for_the_message_or_its_timer(rt: Runtime, clock: FixedClock) -> None:
    number = _called_back(rt)
    view = rt.get_case(number, "zhang.wei")
    assert view.tasks == () and view.next_timer_at == clock.now() + timedelta(days=7)
    clock.advance(days=6)
    assert rt.fire_due_timers() == 0
    case = rt.send_message(number, "customer_reply", {"verdict": "satisfied"}, "zhang.wei")
    assert case.outcome == "satisfied"
    silent = _called_back(rt)
    clock.advance(days=7, seconds=1)
    assert rt.fire_due_timers() == 1
    view = rt.get_case(silent, "zhang.wei")
    assert (view.status, view.outcome, view.next_timer_at) == ("closed", "no_reply", None)
    with pytest.raises(ConflictError, match="waits for no message"):
        rt.send_message(silent, "customer_reply", {"verdict": "late"}, "zhang.wei")


def test_a_case_whose_step_fails_does_not_stop_the_other_cases_timers(
        rt: Runtime, clock: FixedClock, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    broken, fine = dispatch(rt), dispatch(rt)
    due = fine.tasks[0].due_at
    assert due is not None
    clock.set(due + timedelta(seconds=1))
    real = rt._advance

    def advance(case_id: str) -> int:
        if case_id == broken.id:
            raise StepError("流程步骤「x」无法执行 / the step could not run: test", code="calendar.E001")
        return real(case_id)

    monkeypatch.setattr(rt, "_advance", advance)
    assert rt.fire_due_timers() == 1
    assert rt.get_case(fine.number, "he.jing").status == "escalated"
    assert rt.get_case(broken.number, "he.jing").status != "escalated"  # shown, left for the next sweep
    assert f"timers of case {broken.id} could not fire" in caplog.text
    assert [i.case_number for i in rt.inbox("he.jing", "all")] == [fine.number]  # listing still works:
    # the broken case's cancelled task stays out of lists while its timer is due; its page shows it
