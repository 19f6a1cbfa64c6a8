"""Volume escalation (R2.13) and the weekly and monthly review lists (R2.18)."""

from __future__ import annotations

from pathlib import Path

from engine.store.worker_repo import WorkerRepo
from engine.worker.loop import Worker
from tests.engine.worker.conftest import make_worker
from tests.scenarios.conftest import Desk


def _kinds(worker: Worker, login: str) -> list[str]:
    with worker.store.read() as tx:
        return [n.kind for n in reversed(WorkerRepo(tx).notifications(login))]


def test_five_valid_complaints_ask_for_a_report_and_eight_for_an_on_site_investigation(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk  # SQLite only: PostgreSQL adds time, not coverage
    worker = make_worker(desk, tmp_path)
    for _ in range(4):
        desk.open()
    assert worker.run_once().volume == {}
    desk.open()  # the 5th in 30 days at 丽雅苑
    assert worker.run_once().volume == {"volume_report": 1}
    assert _kinds(worker, "zheng.xiaoyan") == ["volume_report"]  # the group CS manager
    for _ in range(3):
        desk.open()
    worker.run_once()
    desk.open()
    worker.run_once()
    assert _kinds(worker, "zheng.xiaoyan") == ["volume_report", "volume_investigate"]
    with worker.store.read() as tx:
        [alert] = WorkerRepo(tx).alerts("volume_investigate")
    assert alert["unit"] == "sz-property-lyc" and alert["data"]["count"] == 8
    desk.clock.advance(days=31)  # a new window: the old complaints no longer count
    assert worker.run_once().volume == {}


def test_the_weekly_review_lists_leftovers_and_the_monthly_review_the_major_ones(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk  # SQLite only: PostgreSQL adds time, not coverage
    worker = make_worker(desk, tmp_path)
    worker.run_once()
    desk.open()
    desk.open(severity="collective", scope="community")
    desk.at("2026-11-30 08:00")  # Monday: the week's leftovers (the run is at 00:00)
    worker.run_once()
    with worker.store.read() as tx:
        [week] = [a for a in WorkerRepo(tx).alerts("leftover_review")
                  if a["key"] == "leftover_review:sz-property:2026-W49"]
    assert len(week["data"]["cases"]) == 2
    assert _kinds(worker, "lin.lihua").count("leftover_review") == 1  # the CS-centre GM
    desk.at("2026-12-01 09:00")
    worker.run_once()
    with worker.store.read() as tx:
        [month] = [a for a in WorkerRepo(tx).alerts("major_review")
                   if a["key"] == "major_review:sz-property:2026-12"]
    assert len(month["data"]["cases"]) == 1
    assert "major_review" in _kinds(worker, "chen.guodong")  # the chairman
