"""Timers and the 09:30 reminders over days, weekends and holidays (R2.10); catch-up after a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import engine.runtime.cases as cases_module
from engine.store.worker_repo import WorkerRepo
from engine.worker.loop import Worker
from tests.conftest import shanghai
from tests.engine.worker.conftest import make_worker, progress, to_work
from tests.scenarios.conftest import Desk


def _runs(worker: Worker, job: str, unit: str = "sz-property") -> list[str]:
    with worker.store.read() as tx:
        runs = WorkerRepo(tx).runs(job)
    return sorted(r["period"] for r in runs if r["unit"] == unit and r["status"] == "done")


def _notes(worker: Worker, login: str) -> list[str]:
    with worker.store.read() as tx:
        return [n.title for n in WorkerRepo(tx).notifications(login)]


def test_the_worker_fires_a_due_bpmn_timer_and_closes_the_silent_case(desk: Desk, tmp_path: Path) -> None:
    worker = make_worker(desk, tmp_path)
    n = desk.open().number
    to_work(desk, n)
    desk.complete(n, "carry_out_work", progress="完成", work_result="finished")
    desk.complete(n, "apply_closure", completion_record="客户签字", customer_signed=True)
    desk.complete(n, "check_closure", check_result="accept", return_visit_needed=False)
    desk.clock.advance(days=6)
    assert worker.run_once().timers_fired == 0
    desk.clock.advance(days=1, minutes=1)
    assert worker.run_once().timers_fired == 1
    assert desk.case(n).status == "closed"


def test_the_timer_sweep_loads_only_cases_whose_timer_is_due(sqlite_desk: Desk, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    desk = sqlite_desk
    worker = make_worker(desk, tmp_path)
    numbers = []
    for day in ("2026-11-23 10:00", "2026-11-25 10:00"):
        desk.at(day)
        n = desk.open().number
        to_work(desk, n)
        desk.complete(n, "carry_out_work", progress="完成", work_result="finished")
        desk.complete(n, "apply_closure", completion_record="客户签字", customer_signed=True)
        desk.complete(n, "check_closure", check_result="accept", return_visit_needed=False)
        numbers.append(n)
    desk.open()  # a third case, waiting on nothing
    begun: list[str] = []  # cases whose workflow the sweep takes up (loaded, or kept by the workflow cache)
    real = cases_module.Runtime._begin

    def begin(self: cases_module.Runtime, tx: Any, case: Any, *a: Any, **k: Any) -> Any:
        begun.append(case.number)
        return real(self, tx, case, *a, **k)
    monkeypatch.setattr(cases_module.Runtime, "_begin", begin)
    desk.at("2026-11-30 10:01")  # only the first case's week is over
    assert worker.fire_timers() == 1
    assert begun == [numbers[0]]


def test_unfinished_complaints_remind_the_responsible_person_leader_and_chairman_at_0930(
        desk: Desk, tmp_path: Path) -> None:
    worker = make_worker(desk, tmp_path)
    worker.run_once()  # Monday 10:00: the first sweep starts every job at its latest period
    n = desk.open().number
    to_work(desk, n)
    desk.complete(n, "confirm_cooperation", "liu.qiang", cooperation_part="已安排")  # in time (R2.4)
    desk.at("2026-11-24 09:29")
    worker.run_once()
    assert "2026-11-24" not in _runs(worker, "reminders")
    desk.at("2026-11-24 09:30")
    worker.run_once()
    assert _runs(worker, "reminders")[-1] == "2026-11-24"
    for login in ("yang.fan", "huang.zhiqiang", "chen.guodong"):  # department head, leader, chairman
        assert _notes(worker, login) == ["【投诉提醒】1宗投诉未完成"]
    with worker.store.read() as tx:
        sent = [(m.channel, m.address) for m in WorkerRepo(tx).messages() if m.recipient == "yang.fan"]
    assert sorted(sent) == [("email", "yang.fan@huajin.example"), ("sms", "13800000008")]
    worker.run_once()  # the same period again: nothing new
    assert _notes(worker, "yang.fan") == ["【投诉提醒】1宗投诉未完成"]


def test_no_reminder_runs_on_a_weekend_and_messages_wait_for_working_time(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk  # SQLite only: PostgreSQL adds time, not coverage
    worker = make_worker(desk, tmp_path)
    worker.run_once()
    n = desk.open().number
    to_work(desk, n)
    desk.at("2026-11-27 17:00")  # Friday
    progress(desk, n)
    for day in ("2026-11-27 18:05", "2026-11-28 09:35", "2026-11-29 09:35", "2026-11-30 09:35"):
        desk.at(day)
        worker.run_once()
    assert _runs(worker, "reminders") == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26",
                                          "2026-11-27", "2026-11-30"]
    with worker.store.read() as tx:
        repo = WorkerRepo(tx)
        fines = [p.occurred_at.astimezone(shanghai("2026-01-01 00:00").tzinfo).date().isoformat()
                 for p in repo.penalties() if p.kind == "progress_not_updated"]
        friday_list = [m for m in repo.messages() if m.kind == "slow_cases" and m.created_at.day == 27]
    # Progress is a working day's duty (issue 12 item 3): Friday's update was in time, and Saturday
    # and Sunday book nothing although the case waited unupdated.
    assert fines == ["2026-11-24", "2026-11-25", "2026-11-26"]
    # The Friday 18:30 overdue list is written at once but not sent before Monday 08:30.
    assert friday_list and all(m.next_attempt_at == shanghai("2026-11-30 08:30") for m in friday_list)


def test_national_day_holidays_have_no_reminders_and_hold_every_message(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk  # SQLite only: PostgreSQL adds time, not coverage
    desk.at("2026-09-30 10:00")
    worker = make_worker(desk, tmp_path)
    worker.run_once()
    n = desk.open().number
    to_work(desk, n, agreed="2026-10-15T17:00:00+08:00")
    desk.complete(n, "confirm_cooperation", "liu.qiang", cooperation_part="已安排")  # in time (R2.4)
    desk.at("2026-10-04 03:00")  # the middle of the night on a holiday
    for _ in range(4):
        desk.open()  # the 5th complaint in the window: the group CS manager must be told
    worker.run_once()
    with worker.store.read() as tx:  # what the holiday's run queued (the first run sent August's ledger)
        held = [m for m in WorkerRepo(tx).messages() if m.created_at >= shanghai("2026-10-04 03:00")]
    # the volume report, September's statistics (R7.1, due by the 8th, after the holiday) and September's
    # penalty ledger for HR and finance (R2.15, closed on the 1st)
    assert {m.kind for m in held} == {"volume_report", "monthly_report", "penalty_ledger"}
    assert all(m.next_attempt_at == shanghai("2026-10-08 08:30") for m in held if m.kind == "volume_report")
    # each message waits for the working time of its own unit (hn-region starts at 09:00)
    assert {m.next_attempt_at for m in held} == {shanghai("2026-10-08 08:30"), shanghai("2026-10-08 09:00")}
    desk.at("2026-10-08 09:31")
    worker.run_once()
    assert _runs(worker, "reminders") == ["2026-09-30", "2026-10-08"]


def test_a_restarted_worker_catches_up_each_missed_period_once_oldest_first(
        desk: Desk, tmp_path: Path) -> None:
    worker = make_worker(desk, tmp_path)
    worker.run_once()
    n = desk.open().number
    to_work(desk, n)
    desk.at("2026-11-26 20:00")  # down Tuesday to Thursday evening
    report = worker.run_once()
    ran = [(job, period) for job, unit, period, _ in report.runs if unit == "sz-property"]
    assert [p for j, p in ran if j == "reminders"] == ["2026-11-24", "2026-11-25", "2026-11-26"]
    assert [p for j, p in ran if j == "progress_check"] == ["2026-11-23", "2026-11-24", "2026-11-25",
                                                            "2026-11-26"]
    occurrences = [p for _, p in ran]
    assert occurrences.index("2026-11-24") < occurrences.index("2026-11-25")
    again = worker.run_once()
    assert again.runs == []
    assert _notes(worker, "chen.guodong").count("【投诉提醒】1宗投诉未完成") == 3
