"""Penalties (R2.5, R2.10, R2.15): missed progress, late 督办令, overdue day bands, the monthly close."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.cli import main
from engine.store.worker_repo import PenaltyRecord, WorkerRepo
from engine.worker.loop import Worker
from tests.engine.worker.conftest import REQUIRED_BY, make_worker, progress, to_work
from tests.scenarios.conftest import Desk


def _ledger(worker: Worker, month: str | None = None) -> list[PenaltyRecord]:
    with worker.store.read() as tx:
        return WorkerRepo(tx).penalties(month)


def _started(desk: Desk, tmp_path: Path) -> tuple[Worker, str]:
    worker = make_worker(desk, tmp_path)
    worker.run_once()
    n = desk.open().number  # Monday 2026-11-23 10:00
    to_work(desk, n)
    return worker, n


def test_a_day_without_a_progress_update_before_1800_is_fined_the_policy_amount(
        desk: Desk, tmp_path: Path) -> None:
    worker, n = _started(desk, tmp_path)
    desk.at("2026-11-24 17:59")
    progress(desk, n)  # Tuesday's update is in time
    desk.at("2026-11-25 18:00")
    worker.run_once()  # Wednesday: nothing entered since Tuesday 17:59
    lines = _ledger(worker)
    assert [(p.kind, p.staff, p.amount, p.month) for p in lines] == [
        ("progress_not_updated", "yang.fan", 200, "2026-11")]  # complaint.penalties.progress_not_updated
    assert lines[0].case_number == n


def test_a_case_entering_the_work_step_today_is_not_fined_at_todays_check(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk  # SQLite only: PostgreSQL adds time, not coverage
    worker, _ = _started(desk, tmp_path)
    desk.at("2026-11-23 18:01")
    worker.run_once()
    assert _ledger(worker) == []


def test_a_late_supervision_order_costs_100_yuan_per_started_5_minutes(desk: Desk, tmp_path: Path) -> None:
    worker = make_worker(desk, tmp_path)
    worker.run_once()
    n = desk.open().number  # raise due 10:30
    desk.at("2026-11-23 10:42")  # 12 minutes late → 3 steps
    desk.complete(n, "raise_order", order_summary="请物业部处理", required_completion=REQUIRED_BY)
    # Sign due 10:30 (the dispatch deadline), but the order reached the GM at 10:42: her own hour
    # runs to 11:42, so signing at 11:43 is one minute late → 1 step. (This test booked 1,500 yuan
    # for the specialist's lateness before issue 12 item 2.)
    desk.at("2026-11-23 11:43")
    desk.complete(n, "sign_order", order_decision="sign")
    desk.at("2026-11-23 18:05")
    worker.run_once()
    worker.run_once()
    lines = sorted(_ledger(worker), key=lambda p: p.kind)
    assert [(p.kind, p.staff, p.amount) for p in lines] == [
        ("late_order_entry", "zhang.wei", 300), ("late_order_sign", "lin.lihua", 100)]
    assert [p.detail["text"] for p in lines] == [
        "时限2026-11-23 10:30；2026-11-23 10:42完成，迟延12分钟（工作时间）；每5分钟100元，计3次",
        "时限2026-11-23 10:30；2026-11-23 10:42到达本人，本人时限至2026-11-23 11:42；"
        "2026-11-23 11:43完成，迟延1分钟（工作时间）；每5分钟100元，计1次"]


def test_a_plan_entered_after_the_visit_deadline_is_fined_the_pinned_policys_amount(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk
    worker = make_worker(desk, tmp_path)
    worker.run_once()
    n = desk.open().number
    desk.complete(n, "raise_order", order_summary="请物业部处理", required_completion=REQUIRED_BY)
    desk.complete(n, "sign_order", order_decision="sign")  # visit due 11:00
    desk.at("2026-11-23 13:40")
    desk.visit_photo(n)
    desk.complete(n, "visit_customer", contact_result="agreed", visit_record="已上门", plan="修复",
                  agreed_completion="2026-11-26T17:00:00+08:00", customer_confirmed_plan=True)
    desk.at("2026-11-23 18:01")
    worker.run_once()
    # 丽雅苑 pins sz-property's stricter 500 yuan (group: 300)
    assert [(p.kind, p.staff, p.amount) for p in _ledger(worker)] == [("plan_not_entered", "yang.fan", 500)]


def test_a_difficult_return_visit_done_after_24_hours_costs_the_policys_bonus_share_once(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk
    worker = make_worker(desk, tmp_path)
    worker.run_once()
    n = desk.open(severity="major").number  # major: a supervisor return-visits within 24 hours (R6.2)
    desk.complete(n, "raise_order", order_summary="请物业部处理", required_completion=REQUIRED_BY)
    desk.complete(n, "sign_order", order_decision="sign")
    desk.complete(n, "chairman_takes_charge", chairman_instructions="限期处理")
    to_work_done = {"contact_result": "agreed", "visit_record": "已上门", "plan": "修复",
                    "agreed_completion": "2026-11-26T17:00:00+08:00", "customer_confirmed_plan": True}
    desk.visit_photo(n)
    desk.complete(n, "visit_customer", **to_work_done)
    desk.complete(n, "reply_customer", reply_method="phone", reply_content="已安排",
                  done_within_reply_window=True)
    desk.complete(n, "carry_out_work", progress="完成", work_result="finished")
    desk.complete(n, "apply_closure", completion_record="客户签字", customer_signed=True)
    desk.complete(n, "check_closure", check_result="accept", return_visit_needed=True)  # Mon 10:00
    desk.at("2026-11-24 12:00")  # due Tue 10:00: two hours late
    desk.complete(n, "supervisor_contact_customer", reached=True, attempt_note="接通")
    desk.at("2026-11-24 18:01")
    worker.run_once()
    worker.run_once()
    [line] = [p for p in _ledger(worker) if p.kind == "missed_return_visit"]
    assert (line.staff, line.amount, line.bonus_percent_min, line.bonus_percent_max) == ("li.na", 0, 20, 20)
    assert line.case_number == n


def test_overdue_days_are_fined_by_band_and_severe_delay_once_with_the_bonus_range(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk  # SQLite only: PostgreSQL adds time, not coverage
    worker, n = _started(desk, tmp_path)  # completion due 2026-11-26 17:00
    for day in range(23, 31):
        desk.at(f"2026-11-{day} 17:00")
        progress(desk, n)  # updates every day: only the overdue bands fine
    desk.at("2026-12-13 18:01")  # day 18 past the due time
    worker.run_once()
    lines = [p for p in _ledger(worker) if p.kind.startswith("overdue")]
    per_day = Counter((p.role, p.amount) for p in lines if p.kind == "overdue")
    assert per_day == {("responsible", 100): 7, ("leader", 50): 7,  # days 1–7
                       ("responsible", 200): 8, ("leader", 100): 8}  # days 8–15
    severe = sorted((p.role, p.staff, p.bonus_percent_min, p.bonus_percent_max) for p in lines
                    if p.kind == "overdue_severe")
    assert severe == [("leader", "huang.zhiqiang", 20, 50), ("responsible", "yang.fan", 50, 100)]
    before = len(_ledger(worker))
    worker.run_once()
    assert len(_ledger(worker)) == before


def test_slow_cases_reach_the_deputy_gm_and_severely_slow_ones_start_one_task_force(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk  # SQLite only: PostgreSQL adds time, not coverage
    worker, n = _started(desk, tmp_path)
    desk.at("2026-11-27 18:31")
    worker.run_once()
    with worker.store.read() as tx:
        repo = WorkerRepo(tx)
        # due Thursday 17:00: listed on Thursday's and Friday's 18:30 runs
        assert [x.title for x in repo.notifications("wu.jianping")] == ["【超期投诉日报】1宗超期"] * 2
        assert repo.alerts("task_force") == []
    desk.at("2026-12-11 18:31")  # 15 days past the due time
    worker.run_once()
    worker.run_once()
    with worker.store.read() as tx:
        repo = WorkerRepo(tx)
        assert [a["data"]["number"] for a in repo.alerts("task_force")] == [n]
        for login in ("lin.lihua", "chen.guodong"):  # the CS-centre GM and the chairman
            assert [x.kind for x in repo.notifications(login)].count("task_force") == 1


def test_the_month_is_closed_on_the_1st_and_exported_as_csv_and_excel(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk  # SQLite only: PostgreSQL adds time, not coverage
    worker, n = _started(desk, tmp_path)
    desk.at("2026-11-30 18:01")
    worker.run_once()
    november = _ledger(worker, "2026-11")
    assert november
    desk.at("2026-12-01 00:01")
    report = worker.run_once()
    [close] = [r for j, u, _, r in report.runs if j == "penalty_close" and u == "sz-property"]
    assert close["month"] == "2026-11" and close["lines"] == len(november)
    folder = tmp_path / "exports" / "penalties"
    with (folder / "penalties-sz-property-2026-11.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["月份", "单位", "责任人"]
    assert rows[-1][0] == "合计" and int(rows[-1][5]) == sum(p.amount for p in november)
    # issue 19 (R2.15): Chinese throughout, times in the policy's zone, people and units by name
    assert rows[0][8] == "发生时间（北京时间）"
    first = rows[1]
    assert first[1:5] == ["深圳物业公司（sz-property）", "杨帆（yang.fan）", "投诉处理责任人",
                          "未按要求更新处理进展"]
    assert first[8] == "2026-11-24 18:00"
    assert first[9] == "2026-11-23 18:00至2026-11-24 18:00未更新处理进展（每次200元）"
    sheet = load_workbook(folder / "penalties-sz-property-2026-11.xlsx").active
    assert sheet is not None and sheet.max_row == len(november) + 2


def test_kefu_worker_once_and_penalties_export_from_the_command_line(
        sqlite_desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    desk = sqlite_desk  # SQLite only: PostgreSQL adds time, not coverage
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path))
    worker, _ = _started(desk, tmp_path)
    from engine.cli import cli
    from engine.cli.worker import register

    if "penalties" not in cli.commands:  # until engine.cli lists engine.cli.worker
        register(cli)
    url = worker.store.url
    assert main(["--db", url, "--now", "2026-11-26T18:01:00+08:00", "worker", "--once"]) == 0
    printed = capsys.readouterr().out
    assert "ran progress_check sz-property 2026-11-24: progress_not_updated=1" in printed
    assert printed.splitlines()[-1].startswith("timers fired: 0; jobs run: ")
    out = tmp_path / "nov.xlsx"
    assert main(["--db", url, "penalties", "export", "--month", "2026-11", "--format", "xlsx",
                 "--out", str(out)]) == 0
    assert out.exists()
    assert main(["--db", url, "penalties", "export", "--month", "2026-13", "--out", str(out)]) == 1
    assert main(["--db", url, "outbox", "list", "--limit", "3"]) == 0
