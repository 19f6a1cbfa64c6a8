"""Each timer fires and each job period runs once: three workers on one database racing on the same due
timers and jobs (issue 18), and a worker killed in the middle of a run."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.clock import FixedClock
from engine.runtime import Runtime
from engine.store import Store
from engine.store.worker_repo import WorkerRepo
from engine.worker.loop import SweepReport, Worker
from tests.conftest import shanghai
from tests.engine.worker.conftest import (
    REQUIRED_BY,
    make_desk,
    make_worker,
    shipped_policies,
    shipped_processes,
    to_work,
)
from tests.scenarios.conftest import Desk


class Killed(BaseException):
    """Stands for the worker process dying (not an error a sweep would catch)."""


def _world(worker: Worker) -> tuple[Counter[str], Counter[str], Counter[str], int]:
    """(ledger keys, outbox keys, notification keys, done runs) — every key must be there once."""
    with worker.store.read() as tx:
        repo = WorkerRepo(tx)
        ledger = Counter(p.key for p in repo.penalties())
        outbox = Counter(m.key for m in repo.messages(limit=100_000))
        notes = Counter(n.key for login in ("yang.fan", "huang.zhiqiang", "chen.guodong", "wu.jianping")
                        for n in repo.notifications(login, limit=100_000))
        done = sum(1 for r in repo.runs(limit=100_000) if r["status"] == "done")
    return ledger, outbox, notes, done


def _setup(desk: Desk, tmp_path: Path) -> Worker:
    worker = make_worker(desk, tmp_path, name="first")
    worker.run_once()
    for _ in range(2):
        to_work(desk, desk.open().number)
    desk.at("2026-11-30 18:40")  # a week of reminders, checks, overdue days and slow lists to catch up
    return worker


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(desk: Desk, tmp_path: Path) -> None:
    worker = _setup(desk, tmp_path)
    rows = {"n": 0}

    def die_after_some_rows(what: str) -> None:
        rows["n"] += 1
        if rows["n"] == 7:
            raise Killed

    dying = make_worker(desk, tmp_path, name="dying", on_row=die_after_some_rows)
    with pytest.raises(Killed):
        dying.run_once()
    partial = _world(worker)
    worker.run_once()  # the restarted worker
    ledger, outbox, notes, done = _world(worker)
    assert max(ledger.values()) == 1 and max(outbox.values()) == 1 and max(notes.values()) == 1
    assert done > partial[3]
    with worker.store.read() as tx:
        assert all(r["status"] == "done" for r in WorkerRepo(tx).runs(limit=100_000))
    # The same week run on another database by a worker that never died gives the same ledger.
    reference_store = Store(f"sqlite:///{tmp_path / 'reference.db'}")
    reference_store.migrate()
    reference = _setup(make_desk(reference_store, FixedClock(shanghai("2026-11-23 10:00"))), tmp_path)
    reference.run_once()
    assert _lines(reference) == _lines(worker)
    # per case: 5 missed updates (Tue–Fri and Monday; none on the weekend), 5 days overdue × 2 roles
    assert sum(_lines(worker).values()) == 2 * (5 + 5 * 2)
    reference_store.dispose()


def _lines(worker: Worker) -> Counter[tuple[object, ...]]:
    with worker.store.read() as tx:
        return Counter((p.case_number, p.kind, p.staff, p.role, p.amount, p.detail.get("day"))
                       for p in WorkerRepo(tx).penalties())


def _race(desk: Desk, tmp_path: Path, url: str, count: int = 3) -> list[SweepReport]:
    """``count`` workers, each with its own store and runtime, sweeping the same moment at once."""
    barrier = threading.Barrier(count)
    reports: list[SweepReport] = []
    errors: list[BaseException] = []
    stores = []

    def slow_rows(_what: str) -> None:
        time.sleep(0.002)  # widen the window in which the other worker could take the same period

    def sweep(name: str) -> None:
        try:
            store = Store(url)
            stores.append(store)
            policies = shipped_policies()
            runtime = Runtime(store, policies, shipped_processes(), desk.clock, policies.calendars_dir)
            worker = Worker(store, runtime, policies, desk.clock, data_dir=tmp_path, name=name,
                            on_row=slow_rows)
            barrier.wait()
            reports.append(worker.run_once())
        except BaseException as exc:  # re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=sweep, args=(f"w{i}",)) for i in range(1, count + 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for store in stores:
        store.dispose()
    if errors:
        raise errors[0]
    return reports


def _to_the_adviser(desk: Desk) -> None:
    n = desk.open(category="real_estate").number
    desk.complete(n, "raise_order", order_summary="地产相关投诉", required_completion=REQUIRED_BY)
    desk.complete(n, "sign_order", order_decision="sign")
    desk.visit_photo(n)
    desk.complete(n, "visit_customer", contact_result="agreed", visit_record="已上门", plan="请顾问出具意见",
                  agreed_completion="2026-11-26T17:00:00+08:00", customer_confirmed_plan=True,
                  needs_expert=True)


def _fired(worker: Worker) -> Counter[tuple[str, str, str]]:
    """(case, timer, due time) of every timer.fired event: each must be there once."""
    with worker.store.engine.connect() as conn:
        rows = conn.execute(text("SELECT case_id, data FROM audit_events WHERE action = 'timer.fired'")).all()
    events = [(case_id, data if isinstance(data, dict) else json.loads(data)) for case_id, data in rows]
    return Counter((case_id, d["timer"], d["due_at"]) for case_id, d in events)


def test_three_workers_on_one_database_fire_each_timer_and_run_each_job_period_once(
        desk: Desk, tmp_path: Path, store: Store) -> None:
    """Issue 18: three workers race on the same due timers and scheduled jobs; every effect once."""
    worker = _setup(desk, tmp_path)
    desk.at("2026-11-23 10:00")
    for _ in range(3):  # cases waiting for the adviser: the 24-hour timer (R2.17) will be long due
        _to_the_adviser(desk)
    desk.at("2026-11-30 18:40")
    reports = _race(desk, tmp_path, store.url)
    ran = Counter(label[:3] for r in reports for label in r.runs)
    assert ran and max(ran.values()) == 1
    assert all(not r.failures for r in reports)
    fired = _fired(worker)
    assert fired and max(fired.values()) == 1
    assert sum(r.timers_fired for r in reports) == sum(fired.values())
    ledger, outbox, notes, done = _world(worker)
    assert max(ledger.values()) == 1 and max(outbox.values()) == 1 and max(notes.values()) == 1
    if store.dialect == "postgresql":  # all took part: periods were split, not serialized on one lock
        assert sum(1 for r in reports if r.runs) >= 2
    again = worker.run_once()
    assert again.runs == [] and again.timers_fired == 0
    assert _fired(worker) == fired
