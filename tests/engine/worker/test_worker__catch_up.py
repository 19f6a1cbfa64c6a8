"""Catch-up (issue 12 item 4): the ledger depends only on what happened, not on when the worker ran.

One case history (R2.5 orders raised late and on time across National Day, R2.10 missed progress,
R2.15 overdue days) is replayed on a fresh database per worker schedule: daily, a first run days
later, weekly, twice at the same moment, two workers at once. Every variant must book the same
ledger, line for line (person, role, kind, amount, month, time, detail, key), and send the same
reminders.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.clock import FixedClock
from engine.store import Store
from engine.store.worker_repo import WorkerRepo
from engine.worker import Worker
from tests.conftest import shanghai
from tests.engine.worker.conftest import make_desk, make_worker
from tests.scenarios.conftest import Desk

REQUIRED_BY = "2026-10-30T17:00:00+08:00"
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")


def _raise(number: str, specialist: str) -> Callable[[Desk], None]:
    return lambda desk: desk.complete(number, "raise_order", specialist, order_summary="请物业部处理",
                                      required_completion=REQUIRED_BY)


def _sign(number: str) -> Callable[[Desk], None]:
    return lambda desk: desk.complete(number, "sign_order", "lin.lihua", order_decision="sign")


def _plan(number: str, agreed: str) -> Callable[[Desk], None]:
    def act(desk: Desk) -> None:
        desk.visit_photo(number)
        desk.complete(number, "visit_customer", contact_result="agreed", visit_record="已上门", plan="修复",
                      agreed_completion=agreed, customer_confirmed_plan=True)
        desk.complete(number, "reply_customer", reply_method="phone", reply_content="已安排",
                      done_within_reply_window=True)
    return act


def _progress(number: str) -> Callable[[Desk], None]:
    return lambda desk: desk.complete(number, "carry_out_work", progress="今日进展",
                                      work_result="in_progress")


def _open(actor: str) -> Callable[[Desk], None]:
    def act(desk: Desk) -> None:
        desk.open(actor=actor)
    return act


# Case numbers are gapless per subsidiary and year, so every database numbers the cases alike.
B, A, C = "TS-SZP-2026-000001", "TS-SZP-2026-000002", "TS-SZP-2026-000003"
HISTORY: list[tuple[str, Callable[[Desk], None]]] = [
    ("2026-09-28 10:00", _open("wang.fang")),               # B: Monday, raise due 10:30
    ("2026-09-28 11:00", _raise(B, "wang.fang")),           # 30 working minutes late: 600 yuan
    ("2026-09-28 11:05", _sign(B)),                         # the GM's own hour runs to 12:00
    ("2026-09-28 11:30", _plan(B, "2026-10-09T17:00:00+08:00")),
    ("2026-09-30 17:50", _open("zhang.wei")),               # A: the eve of National Day
    ("2026-10-08 09:00", _raise(A, "zhang.wei")),           # on time: work starts 08:30
    ("2026-10-08 09:10", _sign(A)),
    ("2026-10-08 10:00", _open("zhang.wei")),               # C
    ("2026-10-09 10:00", _raise(C, "zhang.wei")),           # a day late: 420 working minutes
    ("2026-10-09 10:10", _sign(C)),
    ("2026-10-12 17:00", _progress(B)),                     # B's only progress entry
]
END = "2026-10-16 20:00"


def _days(first: str, last: str, at: str = "20:00") -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [f"{start + timedelta(days=i)} {at}" for i in range((end - start).days + 1)]


DAILY = _days("2026-09-27", "2026-10-16")
SCHEDULES: dict[str, tuple[list[str], int, int]] = {  # runs, sweeps per run, workers per sweep
    "daily": (DAILY, 1, 1),
    "first run on 10-09": (["2026-10-09 20:00", END], 1, 1),  # never ran before: issue 12 item 4
    "weekly": (["2026-09-27 20:00", "2026-10-04 20:00", "2026-10-11 20:00", END], 1, 1),
    "twice at once": (DAILY, 2, 1),
    "two workers at once": (DAILY, 1, 2),
}


def _sweep(desk: Desk, tmp_path: Path, workers: int) -> None:
    if workers == 1:
        make_worker(desk, tmp_path).run_once()
        return
    barrier, errors = threading.Barrier(workers), []
    stores: list[Store] = []

    def sweep(name: str) -> None:
        try:
            store = Store(desk.runtime.store.url)
            stores.append(store)
            rt = desk.runtime
            worker = Worker(store, rt, rt.policies, desk.clock, data_dir=tmp_path, name=name)
            barrier.wait()
            worker.run_once()
        except BaseException as exc:  # re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=sweep, args=(f"w{i}",)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.dispose()
    if errors:
        raise errors[0]


def _replay(tmp_path: Path, name: str) -> tuple[list[tuple[Any, ...]], list[str]]:
    """The history on a fresh database with one worker schedule: (ledger, reminder keys)."""
    runs, sweeps, workers = SCHEDULES[name]
    folder = tmp_path / re.sub(r"\W+", "_", name)
    folder.mkdir()
    store = Store(f"sqlite:///{folder / 'kefu.db'}")
    store.migrate()
    try:
        desk = make_desk(store, FixedClock(shanghai("2026-09-27 09:00")))
        moments = sorted([(t, 0, None) for t in runs] + [(t, 1, a) for t, a in HISTORY],
                         key=lambda m: (shanghai(m[0]), m[1]))
        for moment, _order, action in moments:
            desk.at(moment)
            if action is not None:
                action(desk)
                continue
            for _ in range(sweeps):
                _sweep(desk, folder, workers)
        return _ledger(store), _reminders(store)
    finally:
        store.dispose()


def _ledger(store: Store) -> list[tuple[Any, ...]]:
    """Every ledger line with its ids (case and task uuids) named as case number and task."""
    with store.read() as tx:
        repo = WorkerRepo(tx)
        lines = repo.penalties()
        cases = {c.id: c.number for c in repo.cases_active_between(
            "complaint", "sz-property", shanghai("2026-01-01 00:00"), shanghai("2027-01-01 00:00"))}
        names = dict(cases)
        for ev in repo.case_events(list(cases), ["task.opened"]):
            names[ev.task_id or ""] = f"{cases[ev.case_id or '']}/{ev.data['task']}@{ev.at.isoformat()}"
    return sorted((_ID.sub(lambda m: names.get(m.group(0), "?"), p.key), p.case_number, p.staff, p.role,
                   p.kind, p.amount, p.bonus_percent_min, p.bonus_percent_max, p.month,
                   p.occurred_at.isoformat(), p.detail.get("text")) for p in lines)


def _reminders(store: Store) -> list[str]:
    with store.read() as tx:
        repo = WorkerRepo(tx)
        return sorted(n.key for login in ("yang.fan", "huang.zhiqiang", "chen.guodong")
                      for n in repo.notifications(login, limit=10_000) if n.kind == "reminder")


@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[tuple[Any, ...]], list[str]]:
    """The history with the worker run every evening: the reference."""
    return _replay(tmp_path_factory.mktemp("daily"), "daily")


def test_the_daily_ledger_books_each_persons_own_lateness_once(
        daily: tuple[list[tuple[Any, ...]], list[str]]) -> None:
    ledger, reminders = daily
    by_kind: dict[str, list[tuple[str, int]]] = {}
    for line in ledger:
        by_kind.setdefault(line[4], []).append((line[2], line[5]))
    assert sorted(by_kind["late_order_entry"]) == [("wang.fang", 600), ("zhang.wei", 8400)]
    assert "late_order_sign" not in by_kind  # both GMs signed within their own hour
    # B: the 18:00 checks of working days without an entry since the previous check: 09-29, 09-30,
    # 10-08, 10-09, 10-10 (make-up Saturday), then 10-13 … 10-16 (Monday's entry was in time)
    assert len(by_kind["progress_not_updated"]) == 9
    # B: due 10-09 17:00; by 10-16 18:00 day 8 has started (calendar days): 7 × 100/50, 1 × 200/100
    assert sorted(by_kind["overdue"]) == sorted(
        [("yang.fan", 100), ("huang.zhiqiang", 50)] * 7 + [("yang.fan", 200), ("huang.zhiqiang", 100)])
    assert reminders


@pytest.mark.parametrize("schedule", [s for s in SCHEDULES if s != "daily"])
def test_the_ledger_does_not_depend_on_when_the_worker_ran(
        schedule: str, tmp_path: Path, daily: tuple[list[tuple[Any, ...]], list[str]]) -> None:
    ledger, reminders = _replay(tmp_path, schedule)
    assert ledger == daily[0]
    assert reminders == daily[1]


def test_a_first_run_reaches_back_no_further_than_the_policy_allows(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk
    desk.at("2026-07-01 10:00")
    desk.open()  # still open 100 days later; never handled
    desk.at("2026-10-09 20:00")
    worker = make_worker(desk, tmp_path)
    worker.run_once()
    with worker.store.read() as tx:
        runs = WorkerRepo(tx).runs("progress_check", limit=10_000)
    periods = sorted(r["period"] for r in runs if r["unit"] == "sz-property")
    # complaint.schedules.first_run_lookback: 62 days before 10-09 20:00 is 08-08 20:00, whose
    # period is that day's 18:00 check; every check since runs once
    assert periods[0] == "2026-08-08" and periods[-1] == "2026-10-09" and len(periods) == 63
    # hn-region has no complaint: its first run is its latest period
    assert [r["period"] for r in runs if r["unit"] == "hn-region"] == ["2026-10-09"]


def test_a_long_catch_up_runs_in_batches_and_closes_a_month_only_after_its_last_check(
        sqlite_desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    desk = sqlite_desk
    desk.at("2026-11-20 10:00")
    worker = make_worker(desk, tmp_path)
    worker.run_once()
    desk.at("2026-12-01 00:30")  # 11 days and a month close missed
    monkeypatch.setattr("engine.worker.loop.MAX_CATCH_UP", 4)
    closed_after: list[str] = []
    for _ in range(5):
        report = worker.run_once()
        done = [(job, period) for job, _unit, period, _ in report.runs]
        if ("penalty_close", "2026-12") in done:
            closed_after = [p for j, p in done if j == "progress_check"]
            break
        assert all(job != "penalty_close" for job, _ in done)
    with worker.store.read() as tx:
        checks = {r["period"] for r in WorkerRepo(tx).runs("progress_check", limit=10_000)
                  if r["unit"] == "sz-property"}
    assert {f"2026-11-{d}" for d in range(21, 31)} <= checks  # every missed 18:00 check ran …
    assert closed_after is not None and all(p <= "2026-11-30" for p in closed_after)  # … before the close
    assert worker.run_once().runs == []
