"""Each job period runs once: two workers on one database, and a worker killed in the middle of a run."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from engine.clock import FixedClock
from engine.runtime import Runtime
from engine.store import Store
from engine.store.worker_repo import WorkerRepo
from engine.worker.loop import SweepReport, Worker
from tests.conftest import shanghai
from tests.engine.worker.conftest import make_desk, make_worker, shipped_policies, shipped_processes, to_work
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


def _race(desk: Desk, tmp_path: Path, url: str) -> list[SweepReport]:
    """Two workers, each with its own store and runtime, sweeping the same moment at once."""
    barrier = threading.Barrier(2)
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

    threads = [threading.Thread(target=sweep, args=(f"w{i}",)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for store in stores:
        store.dispose()
    if errors:
        raise errors[0]
    return reports


def test_two_workers_on_one_database_run_each_job_period_once(desk: Desk, tmp_path: Path,
                                                              store: Store) -> None:
    worker = _setup(desk, tmp_path)
    reports = _race(desk, tmp_path, store.url)
    ran = Counter(label[:3] for r in reports for label in r.runs)
    assert ran and max(ran.values()) == 1
    assert all(not r.failures for r in reports)
    ledger, outbox, notes, done = _world(worker)
    assert max(ledger.values()) == 1 and max(outbox.values()) == 1 and max(notes.values()) == 1
    if store.dialect == "postgresql":  # both took part: periods were split, not serialized on one lock
        assert all(r.runs for r in reports)
    assert worker.run_once().runs == []
