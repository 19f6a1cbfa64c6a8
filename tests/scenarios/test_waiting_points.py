"""Where a case waits (``Runtime.waiting_points``, engine/runtime/waits.py): a visitor whose host has not
answered waits at 等候住户答复 inside 受访人接待 for the host's answer or the 10-minute timer; a complaint
whose closure was checked without a return visit waits a week for a repeat complaint; a case at a user
task (whose deadline timers are only that step's clock) waits nowhere, and neither does a closed case."""

from __future__ import annotations

import json
from datetime import UTC

import pytest

from engine import visitors
from engine.errors import NotFoundError, PermissionDenied
from engine.runtime.serializer import upgrade_workflow_dict
from engine.runtime.waits import may_wait
from tests.conftest import ROOT
from tests.scenarios.conftest import Desk
from tests.scenarios.test_migration import walk_to
from tests.scenarios.test_visitor_reception import GUARD, register

READER = "zheng.xiaoyan"  # the group CS manager reads every case


def test_a_visitor_waits_in_the_host_stage_for_the_answer_or_the_timer(desk: Desk) -> None:
    visitors.import_households(desk.runtime, ROOT / "engine" / "demo" / "households.yaml")
    visit = register(desk)
    registered = desk.clock.now()
    (point,) = desk.runtime.waiting_points(visit.number, GUARD)
    assert (point.element, point.process) == ("await_host", "visitor_host")
    assert point.name == "等候住户答复 wait for the host"
    assert [(e.element, e.kind) for e in point.events] == [
        ("host_accepted", "message"), ("host_declined", "message"), ("host_timeout", "timer")]
    timer = point.events[2]
    assert timer.name == "住户未答复 no answer"
    waited = (timer.due_at - registered).total_seconds() if timer.due_at else None
    assert waited is not None and 0 < waited <= 10 * 60  # visitor.host_answer_wait: 10 minutes
    assert point.due_at is not None and point.due_at == timer.due_at and point.due_at.tzinfo is not None
    assert point.elements == ["await_host", "host_accepted", "host_declined", "host_timeout"]
    visitors.answer_host(desk.runtime, "accepted", number=visit.number, actor=GUARD)
    assert desk.runtime.waiting_points(visit.number, GUARD) == []  # at check_out: a user task


def test_a_checked_complaint_waits_a_week_for_a_repeat_and_a_user_task_waits_nowhere(desk: Desk) -> None:
    number = walk_to(desk, "check_closure")
    assert desk.runtime.waiting_points(number, READER) == []  # its deadline timers decorate the open step
    desk.complete(number, "check_closure", check_result="accept", return_visit_needed=False)
    checked = desk.clock.now()
    (point,) = desk.runtime.waiting_points(number, READER)
    assert (point.element, point.process) == ("await_repeat", "complaint_closure")
    assert point.name == "一周内是否重复投诉 repeat within a week?"
    kinds = {e.element: e.kind for e in point.events}
    assert kinds == {"silence_elapsed": "timer", "repeat_received": "message"}
    assert point.due_at is not None and point.due_at > checked
    assert 6 <= (point.due_at - checked).days <= 8  # complaint.deadlines.silence_close: one week
    desk.clock.set(point.due_at.astimezone(UTC))
    desk.wait(seconds=1)  # the week ran out without a repeat complaint: closed, waiting nowhere
    assert desk.case(number).closed_at is not None
    assert desk.runtime.waiting_points(number, READER) == []


def test_a_reader_of_another_subsidiary_is_refused(desk: Desk) -> None:
    number = walk_to(desk, "raise_order")
    with pytest.raises((PermissionDenied, NotFoundError)):
        desk.runtime.waiting_points(number, "tian.tian")  # a specialist of 华南区域


def test_the_json_check_rebuilds_only_a_workflow_that_may_wait(desk: Desk) -> None:
    """``may_wait`` reads the stored JSON: a complaint at its user tasks (their deadline timers WAITING
    beside them) needs no rebuild; the week after 结案核查 does, and finds the wait."""
    rt = desk.runtime

    def stored(number: str) -> bool:
        with rt.store.read() as tx:
            case = tx.lock_case(number=number, lock=False)
            assert case is not None
            definition = rt._definition(tx, case.process_id, case.process_version)
            dct = upgrade_workflow_dict(json.loads(case.workflow or "{}"), case.serializer_version)
            return may_wait(dct, definition.spec, definition.subprocess_specs)

    for task in ("raise_order", "sign_order", "visit_customer", "check_closure"):
        assert not stored(walk_to(desk, task)), task
    number = walk_to(desk, "check_closure")
    desk.complete(number, "check_closure", check_result="accept", return_visit_needed=False)
    assert stored(number) and desk.runtime.waiting_points(number, READER)
