"""One moment per transition: an opening, a step's completion and a worker's timer firing read the clock
once (``Transition.now``) and everything the transition records uses that moment — the case row's
``opened_at``, the number's year, the audit events' times, the inbox rows' ``created_at``, the diagram's
``now()`` (``received_at``, which the statistics count the receipt by, ``order_raised_at``), the deadlines
counted from it, ``case_stats`` and the month's report cells, the notifications — even when the clock
passes midnight, a month end or a deadline boundary while the transition runs ("time is adversarial").

The clock here moves one second forward on every read, from the last second of a month, so that every
read after the first falls in the next day, month (and year); SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from engine.store.worker_repo import WorkerRepo
from tests.conftest import SHANGHAI, shanghai
from tests.engine.runtime.test_runtime__workflow_cache import (  # noqa: F401 - fixtures used by name
    _desk,
    db_backend,
)
from tests.scenarios.conftest import Desk

BY_0108 = "2027-01-08T17:00:00+08:00"


@pytest.fixture
def moment_desk(database_factory: Any, db_backend: str) -> Iterator[Desk]:  # noqa: F811
    """A desk (shipped diagrams and policies, the demo org, the outbox installed) on a fresh database."""
    desk = _desk(database_factory.fresh(db_backend), 0)
    yield desk
    desk.runtime.store.dispose()


class ticking:  # noqa: N801 - reads as a sentence in a with
    """Inside the block the desk's clock moves one second forward after every read, from ``start``
    (Shanghai wall-clock ``YYYY-MM-DD HH:MM:SS``); ``reads`` counts them."""

    def __init__(self, desk: Desk, start: str) -> None:
        self.clock = desk.clock
        self.start = shanghai(start[:16]).replace(second=int(start[17:19]))
        self.reads = 0

    def __enter__(self) -> ticking:
        self.clock.set(self.start)
        original = type(self.clock).now

        def now() -> datetime:
            moment = original(self.clock)
            self.reads += 1
            self.clock.advance(timedelta(seconds=1))
            return moment

        self.clock.now = now  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        del self.clock.now


def _moment(value: Any) -> datetime:
    """A stored time (SQLite: text or a naive UTC time) as an aware one."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _local(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat()


def _case_rows(desk: Desk, number: str) -> dict[str, Any]:
    """What the store holds of the case: its row, audit events, open inbox rows, facts, notifications."""
    with desk.runtime.store.read() as tx:
        case = tx.find_case(number)
        assert case is not None
        events = tx.case_audit(case.id)
        tasks = tx.case_tasks(case.id)
        stats = tx.conn.execute(text("SELECT opened_at FROM case_stats WHERE case_id = :c"),
                                {"c": case.id}).one()
        notes = [n for login in ("huang.zhiqiang", "lin.lihua", "yang.fan", "liu.qiang", "zhang.wei")
                 for n in WorkerRepo(tx).notifications(login, limit=100) if n.case_number == number]
        outbox = [m for m in WorkerRepo(tx).messages() if m.case_id == case.id]
        cells = tx.conn.execute(text("SELECT DISTINCT month_start FROM report_cells WHERE process_id = "
                                     "'complaint'")).scalars().all()
    return {"case": case, "events": events, "tasks": tasks, "stats": stats, "notes": notes,
            "outbox": outbox, "cells": cells}


@pytest.mark.parametrize("start", ["2026-12-31 23:59:59", "2026-11-30 23:59:59"])
def test_an_opening_straddling_midnight_records_one_moment_everywhere(moment_desk: Desk, start: str) -> None:
    desk = moment_desk
    with ticking(desk, start):
        number = desk.open(urgency="emergency").number  # the leaders are told at once (R2.3)
    t0 = shanghai(start[:16]).replace(second=59)
    year = t0.year
    assert number == f"TS-SZP-{year}-000001"
    got = _case_rows(desk, number)
    assert got["case"].opened_at == t0
    assert {e.action for e in got["events"]} >= {"case.opened", "task.opened"}
    assert [e.at for e in got["events"] if e.at != t0] == []
    assert [r.created_at for r in got["tasks"] if r.created_at != t0] == []
    assert _moment(got["stats"][0]) == t0  # the receipt the statistics count by
    # counted in the month it was received (the report cells, where the store keeps them)
    assert {f"{_moment(m).astimezone(SHANGHAI):%Y-%m}" for m in got["cells"]} <= {start[:7]}
    assert got["notes"] and [n.created_at for n in got["notes"] if n.created_at != t0] == []
    assert got["outbox"] and [m.created_at for m in got["outbox"] if m.created_at != t0] == []
    data = desk.data(number)
    assert data["received_at"] == _local(t0)  # the diagram's now(): no call_ended_at given
    policy = desk.runtime.policies.effective("sz-property-lyc")
    assert data["dispatch_due"] == _local(policy.deadline("complaint.deadlines.dispatch", t0))
    [raise_order] = [r for r in got["tasks"] if r.task_spec == "raise_order"]
    assert raise_order.due_at == policy.deadline("complaint.deadlines.order_raise", t0, t0)
    # a call's end the intake typed is data, not the clock: it stays the receipt (R2.5)
    with ticking(desk, start):
        typed = desk.open(room="2栋1单元502", call_ended_at=f"{start[:10]}T23:50:00+08:00").number
    assert desk.data(typed)["received_at"] == f"{start[:10]}T23:50:00+08:00"
    got = _case_rows(desk, typed)
    assert _moment(got["stats"][0]) == shanghai(f"{start[:10]} 23:50")
    assert got["case"].opened_at == t0 and typed == f"TS-SZP-{year}-000002"
    assert [e.at for e in got["events"] if e.at != t0] == []


@pytest.mark.parametrize("start", ["2026-12-31 23:59:59", "2026-11-30 23:59:59"])
def test_a_completion_straddling_midnight_records_one_moment_everywhere(moment_desk: Desk,
                                                                        start: str) -> None:
    desk = moment_desk
    desk.at(start[:10] + " 23:50")
    number = desk.open().number
    with ticking(desk, start):
        desk.complete(number, "raise_order", order_summary="请物业部处理", required_completion=BY_0108)
    t1 = shanghai(start[:16]).replace(second=59)
    got = _case_rows(desk, number)
    step = [e for e in got["events"] if e.at > shanghai(start[:10] + " 23:50")]
    assert {e.action for e in step} >= {"task.completed", "task.opened"}
    assert [e.at for e in step if e.at != t1] == []
    [sign] = [r for r in got["tasks"] if r.task_spec == "sign_order"]
    assert sign.created_at == t1
    data = desk.data(number)
    assert data["order_raised_at"] == _local(t1)  # the diagram's now()
    policy = desk.runtime.policies.effective("sz-property-lyc")
    received = datetime.fromisoformat(data["received_at"])
    assert sign.due_at == policy.deadline("complaint.deadlines.order_sign", t1, received)


def test_a_hosts_answer_in_the_last_second_of_the_wait_is_taken(moment_desk: Desk) -> None:
    """A walk-in's host answers one second before ``visitor.host_answer_wait`` runs out, as midnight
    passes: the step's moment is before the wait's end, so its timer has not fired and the answer is
    taken, with that moment (SpiffWorkflow's timers read the step's moment, not a later one)."""
    from engine import visitors

    desk = moment_desk
    desk.at("2026-12-31 23:49")
    visit = visitors.register_visit(desk.runtime, "peng.jun", {
        "customer_name": "李明", "id_type": "resident_id", "id_number": "440305199003071236",
        "purpose": "visit_resident", "household": "lyc-3-1-1202", "host_name": "周建国"})
    with desk.runtime.store.read() as tx:
        case = tx.find_case(visit.number)
        assert case is not None and case.next_timer_at is not None
    due = case.next_timer_at.astimezone(SHANGHAI)
    assert due == shanghai("2026-12-31 23:59")  # visitor.host_answer_wait: 10 minutes
    last = due - timedelta(seconds=1)
    with ticking(desk, last.strftime("%Y-%m-%d %H:%M:%S")):
        visit = visitors.answer_host(desk.runtime, "accepted", token=visit.answer_token)
    assert visit.status == "admitted" and visit.host_answer == "accepted"
    data = desk.data(visit.number)
    assert data["admitted_at"] == _local(last)
    got = _case_rows(desk, visit.number)
    assert "timer.fired" not in {e.action for e in got["events"]}
    assert [e.at for e in got["events"] if e.at > shanghai("2026-12-31 23:50") and e.at != last] == []
    with desk.runtime.store.read() as tx:
        answered = tx.conn.execute(text("SELECT host_answer_at FROM visits WHERE number = :n"),
                                   {"n": visit.number}).scalar_one()
    assert _moment(answered) == last  # the visit's row, written in the step's transaction
    # the visitor leaves as 2027 begins: the visit's row, the form's time and the step's audit agree
    with ticking(desk, "2026-12-31 23:59:59"):
        visit = visitors.check_out(desk.runtime, visit.number, "peng.jun")
    left = shanghai("2026-12-31 23:59").replace(second=59)
    assert visit.checked_out_at == left
    assert desk.data(visit.number)["checked_out_at"] == _local(left)
    got = _case_rows(desk, visit.number)
    assert [e.at for e in got["events"] if e.at > last and e.at != left] == []
