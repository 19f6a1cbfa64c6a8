"""The year end with the workflow cache on (docs/scaling.md item 38: an opening's workflow is kept, its
number put in after the commit by ``wfcache.renumber``), on an injected clock, SQLite and PostgreSQL.

A complaint opened at 2026-12-31 23:59:59 (Asia/Shanghai) and worked at 2027-01-01 00:00:01 from the
cache keeps 2026's number everywhere; its working-time deadlines move over 元旦 and the weekend to
Monday 2027-01-04 on the provisional 2027 calendar (policies/calendars has no cn-2027.yaml); the first
case opened in 2027 is 2027's number 1.

Which year a number carries (R0.6, DESIGN "Numbers … gapless per subsidiary and year, allocated inside
the transaction that creates the record"; 001 篇3 二.7 orders are bound by number): the year of the
moment the record is opened (the case row's ``opened_at``), read once when the opening starts, never
the moment the sequence row is locked (``Transition.take_number``, after the SpiffWorkflow run) nor a
time the form gives (``call_ended_at``, which the statistics count the receipt by): a year's sequence
is closed when the year ends, and an opening that straddles midnight takes the number of the year it
was opened in. A repair's dispatch order is a record of its own, numbered by the year it is issued in.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from engine.runtime.transition import Transition
from engine.store.repair_repo import DispatchOrderRepo
from engine.store.worker_repo import WorkerRepo
from engine.worker import Worker
from tests.conftest import SHANGHAI, shanghai
from tests.engine.runtime.test_runtime__workflow_cache import (  # noqa: F401 - fixtures used by name
    TABLES,
    _desk,
    _rows,
    db_backend,
    deterministic,
)
from tests.scenarios.conftest import Desk

LAST_SECOND = "2026-12-31 23:59:59"
NEW_YEAR = "2027-01-01 00:00:01"
OLD, NEW = "TS-SZP-2026-000001", "TS-SZP-2027-000001"
REPAIR = {"customer_name": "李女士", "customer_phone": "13612345678", "room": "5栋2单元801",
          "location": "in_home", "location_detail": "主卫", "description": "卫生间水龙头漏水",
          "channel": "phone"}
BY_0108 = "2027-01-08T17:00:00+08:00"  # the order's required completion
# what the comparison with the cache off reads besides the cache test's tables
MORE = {"notifications": "kind, recipient, title, body, case_number, key",
        "number_sequences": "subsidiary, prefix, year, last",
        "dispatch_orders": "number, case_number, subsidiary, year, seq, issued_at"}


def _at(desk: Desk, moment: str) -> None:
    desk.clock.set(shanghai(moment[:16]).replace(second=int(moment[17:19] or 0)))


def _all_rows(desk: Desk) -> dict[str, list[str]]:
    out = _rows(desk.runtime.store)
    with desk.runtime.store.read() as tx:
        for table, columns in MORE.items():
            rows = tx.conn.execute(text(f"SELECT {columns} FROM {table}")).all()
            out[table] = sorted(json.dumps([str(v) for v in row], ensure_ascii=False) for row in rows)
    return out


def _stored_text(desk: Desk) -> str:
    """Every row a year end writes about cases, as one text (numbers are looked for in it)."""
    return json.dumps(_all_rows(desk), ensure_ascii=False)


@pytest.fixture
def year_end(database_factory: Any, db_backend: str) -> Iterator[Callable[[int], Desk]]:  # noqa: F811
    """A desk (shipped diagrams and policies, the demo org, the outbox installed) with a workflow cache of
    the given size, on a fresh database of the backend."""
    desks: list[Desk] = []

    def make(cache: int) -> Desk:
        desk = _desk(database_factory.fresh(db_backend), cache)
        desks.append(desk)
        return desk

    yield make
    for desk in desks:
        desk.runtime.store.dispose()


# -- the scenario, step by step ----------------------------------------------------------------------
def year_end_steps(desk: Desk) -> Iterator[str]:
    """An emergency complaint (its opening tells the leaders at once) and a repair opened in the last
    second of 2026, a complaint whose number is taken after midnight, their next steps in 2027, the
    first 2027 complaint; yields a label after every step."""
    _at(desk, LAST_SECOND)
    desk.open(urgency="emergency")
    yield "complaint opened"
    desk.runtime.open_case("repair", REPAIR, "zhang.wei")
    yield "repair opened"
    with clock_passes_midnight_before_the_number(desk):
        desk.open(room="2栋1单元502")
    yield "complaint opened, its number taken after midnight"
    _at(desk, NEW_YEAR)
    desk.complete(OLD, "raise_order", order_summary="请物业部处理", required_completion=BY_0108)
    yield "order raised"
    desk.complete(OLD, "sign_order", order_decision="sign")
    yield "order signed"
    desk.complete("BX-SZP-2026-000001", "issue_order", order_items="更换主卫水龙头")
    yield "repair order issued"
    desk.complete("TS-SZP-2026-000002", "raise_order", order_summary="请工程部处理",
                  required_completion=BY_0108)
    yield "second order raised"
    desk.open(room="1栋1单元101")
    yield "first 2027 complaint"


class clock_passes_midnight_before_the_number:  # noqa: N801 - reads as a sentence in a with
    """The opening's SpiffWorkflow run happens before midnight, its number is allocated after it."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.original = Transition.take_number
        self.moments: list[Any] = []

    def __enter__(self) -> None:
        clock, moments, original = self.desk.clock, self.moments, self.original

        def take_number(t: Transition, **kwargs: Any) -> Any:
            if t.pending_number is not None:
                clock.advance(timedelta(seconds=2))  # 23:59:59 → 2027-01-01 00:00:01
                moments.append(clock.now().astimezone(SHANGHAI))
            return original(t, **kwargs)

        Transition.take_number = take_number  # type: ignore[method-assign, assignment]

    def __exit__(self, kind: object, *exc: object) -> None:
        Transition.take_number = self.original  # type: ignore[method-assign]
        if kind is None:
            assert [m.year for m in self.moments] == [2027], "the number was not taken after midnight"


# -- the tests -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("cache", [50, 0])
def test_a_complaint_opened_in_the_last_second_of_2026_keeps_its_number_into_2027(
        year_end: Callable[[int], Desk], cache: int) -> None:
    desk = year_end(cache)
    rt = desk.runtime
    steps = year_end_steps(desk)
    assert next(steps) == "complaint opened"
    assert next(steps) == "repair opened"
    assert next(steps).startswith("complaint opened, its number")
    hits = rt.workflows.hits
    assert next(steps) == "order raised"
    assert next(steps) == "order signed"
    assert rt.workflows.hits - hits == (2 if cache else 0)  # the opening's workflow, then the step's
    list(steps)

    case = desk.case(OLD)
    assert case.number == OLD
    data = desk.data(OLD)
    assert data["case_number"] == OLD and data["received_at"] == "2026-12-31T23:59:59+08:00"
    assert {t.case_number for t in case.tasks} == {OLD}
    [opened] = [e for e in case.timeline if e.action == "case.opened"]
    assert opened.data["number"] == OLD and opened.at == shanghai("2026-12-31 23:59").replace(second=59)
    # R2.5 off-hours: "1 hour after work starts"; 01-01 元旦 (Friday), the weekend, then Monday 08:30
    assert data["dispatch_due"] == "2027-01-04T09:30:00+08:00"
    done = {e.data["task"]: e.data for e in case.timeline if e.action == "task.completed"}
    assert done["raise_order"]["due_at"] == "2027-01-04T09:00:00+08:00" and not done["raise_order"]["late"]
    assert done["sign_order"]["due_at"] == "2027-01-04T09:30:00+08:00"
    assert desk.due(OLD, "confirm_cooperation") == shanghai("2027-01-04 09:30")  # 1 working hour
    assert desk.due(OLD, "visit_customer") == shanghai("2027-01-01 01:00").replace(second=1)  # calendar hour
    assert case.provisional_year == 2027
    provisional = {e.data["key"]: e.data for e in case.timeline if e.action == "deadline.provisional"}
    assert {k: v["years"] for k, v in provisional.items()} == {
        f"complaint.deadlines.{k}": [2027] for k in ("dispatch", "order_raise", "order_sign", "cooperation")}

    with rt.store.read() as tx:
        notes = [n for login in ("huang.zhiqiang", "lin.lihua", "yang.fan", "liu.qiang")
                 for n in WorkerRepo(tx).notifications(login, limit=100)]
        outbox = tx.conn.execute(text("SELECT kind, subject, body FROM outbox_messages")).all()
        numbers = tx.conn.execute(text("SELECT number, opened_at FROM cases ORDER BY number")).all()
        sequences = tx.conn.execute(text(
            "SELECT prefix, year, last FROM number_sequences ORDER BY prefix, year")).all()
        order = DispatchOrderRepo(tx).orders()
    # the leaders told at the opening (R2.3), the order's people (R2.10, R2.4), in-app, e-mail and SMS
    assert {n.kind for n in notes} == {"step_notice", "order_signed", "cooperation_order"}
    assert all(n.case_number == OLD and OLD in n.title and OLD in n.body for n in notes)
    assert {k for k, _, _ in outbox} == {"step_notice", "order_signed", "cooperation_order"}
    assert all(OLD in subject and OLD in body for _, subject, body in outbox)
    stored = _stored_text(desk)
    assert "<number:" not in stored
    assert [n for n, _ in numbers] == ["BX-SZP-2026-000001", OLD, "TS-SZP-2026-000002", NEW]
    assert sequences == [("BX", 2026, 1), ("PG", 2027, 1), ("TS", 2026, 2), ("TS", 2027, 1)]
    # the repair's dispatch order, issued in 2027 from the kept workflow: its own 2027 number, the
    # case's 2026 one on it
    [issued] = order
    assert (issued.number, issued.case_number, issued.year) == ("PG-SZP-2027-000001", "BX-SZP-2026-000001",
                                                               2027)
    assert rt.verify_audit_chain() == []


def test_an_opening_whose_number_is_taken_after_midnight_gets_the_year_it_was_opened_in(
        year_end: Callable[[int], Desk]) -> None:
    """The clock passes midnight between the SpiffWorkflow run and the sequence row's lock: the number
    is 2026's next one, as the case row's ``opened_at``, its audit, its facts and its receipt say; the
    2027 sequence is untouched by it, and the kept workflow (its number put in after the commit) serves
    the next step."""
    desk = year_end(50)
    rt = desk.runtime
    _at(desk, LAST_SECOND)
    assert desk.open().number == OLD
    with clock_passes_midnight_before_the_number(desk):
        number = desk.open(room="2栋1单元502").number
    assert number == "TS-SZP-2026-000002"
    assert desk.open(room="1栋1单元101").number == NEW  # opened at 00:00:01: 2027's first
    with rt.store.read() as tx:
        opened_at, stats_number, received = tx.conn.execute(text(
            "SELECT c.opened_at, s.number, s.opened_at FROM cases c JOIN case_stats s ON s.case_id = c.id "
            "WHERE c.number = :n"), {"n": number}).one()
    assert str(stats_number) == number
    assert all(str(moment).startswith("2026-12-31 15:59:59") for moment in (opened_at, received))  # UTC
    case = desk.case(number)
    assert desk.data(number)["case_number"] == number
    assert [e.data["number"] for e in case.timeline if e.action == "case.opened"] == [number]
    assert {t.case_number for t in case.tasks} == {number}
    hits = rt.workflows.hits
    desk.complete(number, "raise_order", order_summary="请工程部处理", required_completion=BY_0108)
    assert rt.workflows.hits == hits + 1
    assert desk.data(number)["case_number"] == number
    assert rt.verify_audit_chain() == []


def test_the_year_end_stores_the_same_with_the_cache_as_without(
        year_end: Callable[[int], Desk], deterministic: Callable[[], None]) -> None:  # noqa: F811
    without = year_end(0)
    before = [(label, _all_rows(without)) for label in year_end_steps(without)]
    deterministic()
    cached = year_end(50)
    after = [(label, _all_rows(cached)) for label in year_end_steps(cached)]
    assert cached.runtime.workflows.hits >= 4, "nothing came from the cache: the test proves nothing"
    assert [label for label, _ in after] == [label for label, _ in before]
    for (label, a), (_, b) in zip(before, after, strict=True):
        for table in (*TABLES, *MORE):
            assert a[table] == b[table], f"after '{label}': {table} differs with the cache"


# -- the worker, run late over the year end ------------------------------------------------------------
ON_TIME = ["2026-12-31 23:00:00", "2027-01-01 00:30:00", "2027-01-01 09:40:00", "2027-01-01 18:10:00",
           "2027-01-01 18:40:00", "2027-01-02 10:00:00", "2027-01-03 10:00:00", "2027-01-04 09:40:00",
           "2027-01-04 18:40:00"]
# nothing from 12-31 23:00 to 01-02 10:00, then on time again (the overdue alerts are live: each sweep's)
LATE = ["2026-12-31 23:00:00", "2027-01-02 10:00:00", "2027-01-04 09:40:00", "2027-01-04 18:40:00"]


def _late_steps(desk: Desk) -> Iterator[None]:
    """Monday 2027-01-04 10:00: the year end's second order signed 30 minutes late (R2.5), 2027's first
    order raised an hour late."""
    _at(desk, "2027-01-04 10:00:00")
    desk.complete("TS-SZP-2026-000002", "sign_order", order_decision="sign")
    yield
    desk.complete(NEW, "raise_order", order_summary="请物业部处理", required_completion=BY_0108)
    yield


def _worked(desk: Desk, sweeps: list[str], tmp_path: Path) -> dict[str, Any]:
    """The scenario's steps, then ``_late_steps``, with the worker swept at ``sweeps``; what it booked,
    told and left waiting."""
    worker = Worker(desk.runtime.store, desk.runtime, desk.runtime.policies, desk.clock, data_dir=tmp_path)
    steps = [LAST_SECOND] * 3 + [NEW_YEAR] * 5 + ["2027-01-04 10:00:00"] * 2  # when each step happens
    moments = sorted([(m, 0) for m in sweeps] + [(m, 1) for m in steps])
    scenario = itertools.chain(year_end_steps(desk), _late_steps(desk))
    failures: list[Any] = []
    for moment, is_step in moments:
        if is_step:
            next(scenario)  # each step sets its own clock
            continue
        _at(desk, moment)
        failures += worker.run_once().failures
    assert next(scenario, None) is None
    with desk.runtime.store.read() as tx:
        ledger = sorted((p.case_number, p.staff, p.kind, p.amount, p.month, p.occurred_at.isoformat())
                        for p in WorkerRepo(tx).penalties())
        told = sorted(tuple(map(str, row)) for row in tx.conn.execute(text(
            "SELECT kind, recipient, title, body, case_number FROM notifications")).all())
        cases = tx.conn.execute(text("SELECT number, next_timer_at, status FROM cases ORDER BY number")).all()
    return {"failures": failures, "ledger": ledger, "told": told,
            "cases": [tuple(map(str, row)) for row in cases]}


@pytest.mark.parametrize("cache", [50, 0])
def test_a_worker_that_did_not_run_over_the_year_end_books_and_tells_what_one_on_time_does(
        year_end: Callable[[int], Desk], cache: int, tmp_path: Path) -> None:
    """Catch-up (engine/worker/loop.py) over 12-31 → 01-04: December's month closed, its statistics and
    2026's bad-debt analysis made with the year end's two complaints counted in December, no reminder on
    元旦 or the weekend, the fines of Monday's late orders; the same whether the worker ran every few
    hours or not at all from 12-31 23:00 to 01-02 10:00."""
    on_time = _worked(year_end(cache), ON_TIME, tmp_path / "on_time")
    late = _worked(year_end(cache), LATE, tmp_path / "late")
    assert on_time["failures"] == [] and late["failures"] == []
    assert late == on_time
    told = late["told"]
    numbers = {n for t in told for n in re.findall(r"[A-Z]{2}-SZP-\d{4}-\d{6}", t[2] + t[3])}
    assert numbers == {OLD, "TS-SZP-2026-000002", NEW}  # the repair tells nobody here
    reminders = [t for t in told if t[0] == "reminder"]
    assert reminders and all("截至2027-01-04 09:30" in t[3] for t in reminders)  # working days only
    assert any(OLD in t[3] and "TS-SZP-2026-000002" in t[3] and NEW in t[3] for t in reminders)
    december = [t for t in told if t[0] == "monthly_report" and "深圳物业公司 2026-12" in t[2]]
    assert december and all("受理2宗" in t[3] for t in december)  # both year-end complaints, not the third
    fines = {(line[0], line[2], line[4]) for line in late["ledger"]}
    assert fines == {("TS-SZP-2026-000002", "late_order_sign", "2027-01"),
                     (NEW, "late_order_entry", "2027-01")}
    assert [c[2] for c in late["cases"]] == ["dispatched", "dispatched", "dispatched", "order_raised"]
