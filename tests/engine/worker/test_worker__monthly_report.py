"""R7.1 delivery by the 3rd: each unit's month produced once, stored, sent in-app and by e-mail with
the Excel attached; late and failed runs are alerts; regenerating keeps the earlier version."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from engine.reports import delivery
from engine.reports.delivery import report_deadline, store_report
from engine.store.report_repo import ReportRepo
from engine.store.worker_repo import WorkerRepo
from engine.worker.delivery import SmtpTransport
from tests.conftest import shanghai
from tests.engine.worker.conftest import make_worker, shipped_policies
from tests.engine.worker.test_worker__delivery import _free_port, _start_smtp
from tests.scenarios.conftest import Desk


@pytest.fixture
def smtp_port() -> int:
    """A free port for the test's SMTP server."""
    return _free_port()


def _stored(desk: Desk) -> dict[tuple[str, str], list[Any]]:
    with desk.runtime.store.read() as tx:
        found: dict[tuple[str, str], list[Any]] = {}
        for r in ReportRepo(tx).reports():
            found.setdefault((r.unit, r.month), []).append(r)
        return found


def _alerts(desk: Desk, kind: str) -> list[dict[str, Any]]:
    with desk.runtime.store.read() as tx:
        return WorkerRepo(tx).alerts(kind)


def test_the_deadline_is_the_end_of_the_3rd_or_of_the_next_working_day() -> None:
    policy = shipped_policies().effective("sz-property")
    assert report_deadline(policy, "2026-11") == shanghai("2026-12-04 00:00")  # Thursday the 3rd
    assert report_deadline(policy, "2026-09") == shanghai("2026-10-09 00:00")  # 国庆 1–7: Thursday the 8th
    assert report_deadline(policy, "2026-12") == shanghai("2027-01-05 00:00")  # 元旦, Sunday: Monday the 4th


def test_each_units_month_is_delivered_once_after_it_ends_in_app_and_by_email_with_the_excel(
        sqlite_desk: Desk, tmp_path: Path, smtp_port: int) -> None:
    desk = sqlite_desk
    n = desk.open().number  # Monday 2026-11-23 at 丽雅苑
    worker = make_worker(desk, tmp_path, transports={
        "email": SmtpTransport(f"smtp://127.0.0.1:{smtp_port}", "kefu@huajin.example")})
    desk.at("2026-11-30 17:00")
    assert worker.run_once().reports.runs == []  # November has not ended
    controller, inbox = _start_smtp(smtp_port)
    try:
        desk.at("2026-12-01 09:00")
        report = worker.run_once()
    finally:
        controller.stop()
    assert sorted((root, month) for root, month, _ in report.reports.runs) == [
        ("group", "2026-11"), ("hn-region", "2026-11"), ("sz-property", "2026-11")]
    assert report.reports.late == [] and report.reports.failures == []
    stored = _stored(desk)
    units = ("group", "sz-property", "sz-property-lyc", "sz-property-jhy", "hn-region", "hn-region-bhw")
    assert set(stored) == {(u, "2026-11") for u in units}
    [lyc] = stored[("sz-property-lyc", "2026-11")]
    assert (lyc.version, lyc.frozen, lyc.generated_by) == (1, True, "worker")
    assert lyc.figures["complaints"]["received"] == 1 and lyc.figures["items"][0]["number"] == n
    # he.jing (客户经理) and lin.lihua (售后服务中心总经理) of 深圳物业 get 深圳物业's and its projects'
    with desk.runtime.store.read() as tx:
        repo = WorkerRepo(tx)
        notes = [(x.recipient, x.title) for x in repo.notifications("he.jing")]
        mails = [m for m in repo.messages() if m.kind == "monthly_report"]
    assert ("he.jing", "【月度投诉统计】深圳物业公司 2026-11") in notes
    assert ("he.jing", "【月度投诉统计】丽雅苑管理处 2026-11") in notes
    mine = [m for m in mails if m.recipient == "lin.lihua"]
    assert len(mine) == 3 and all(m.status == "sent" and m.attachment for m in mine)
    received = [m for m in inbox.received if m["To"] == "lin.lihua@huajin.example"
                and "月度投诉统计" in m["Subject"]]
    assert len(received) == 3
    [lyc_mail] = [m for m in received if "丽雅苑" in m["Subject"]]
    [excel] = list(lyc_mail.iter_attachments())
    assert excel.get_filename() == "report-sz-property-lyc-2026-11-v1.xlsx"
    sheet = load_workbook(BytesIO(excel.get_content()))["月度统计"]
    assert sheet["A1"].value == "丽雅苑管理处 2026年11月 客户投诉月度统计"
    # exactly once: later sweeps send nothing more
    desk.at("2026-12-02 10:00")
    assert worker.run_once().reports.runs == []
    assert {k: len(v) for k, v in _stored(desk).items()} == {k: 1 for k in stored}


def test_a_delivery_after_the_3rd_is_late_and_an_alert(sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk
    desk.open()
    worker = make_worker(desk, tmp_path)
    desk.at("2026-12-07 09:00")  # the worker was down over the deadline (Friday 4th 00:00)
    report = worker.run_once()
    assert ("sz-property", "2026-11") in report.reports.late
    [alert] = [a for a in _alerts(desk, "report_late") if a["unit"] == "sz-property"]
    assert alert["data"]["month"] == "2026-11"
    with desk.runtime.store.read() as tx:
        titles = [x.title for x in WorkerRepo(tx).notifications("he.jing")]
    assert "【月度统计告警】深圳物业公司 2026-11" in titles


def test_a_failed_run_is_an_alert_and_is_retried_until_it_succeeds(
        sqlite_desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    desk = sqlite_desk
    desk.open()
    worker = make_worker(desk, tmp_path)
    real = delivery.report_xlsx

    def broken(figures: dict[str, Any]) -> bytes:
        raise OSError("disk full")

    monkeypatch.setattr(delivery, "report_xlsx", broken)
    desk.at("2026-12-01 09:00")
    report = worker.run_once()
    assert {(u, m) for u, m, _ in report.reports.failures} >= {("sz-property", "2026-11")}
    assert ("monthly_report", "sz-property", "2026-11", "OSError: disk full") in report.failures
    assert _stored(desk) == {}  # nothing half-stored
    [failed] = [a for a in _alerts(desk, "report_failed") if a["unit"] == "sz-property"]
    assert failed["data"]["error"] == "disk full"
    monkeypatch.setattr(delivery, "report_xlsx", real)
    desk.at("2026-12-01 09:10")
    again = worker.run_once()
    sent = ["sz-property", "sz-property-jhy", "sz-property-lyc"]
    assert ("sz-property", "2026-11", sent) in again.reports.runs
    assert len(_alerts(desk, "report_failed")) == len(report.reports.failures)  # told once, not per sweep


def test_regenerating_a_closed_month_adds_a_version_and_keeps_the_earlier(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk
    desk.open()
    worker = make_worker(desk, tmp_path)
    desk.at("2026-12-01 09:00")
    worker.run_once()
    desk.at("2026-12-10 09:00")
    desk.open()  # received in December: November's figures stay the same
    again = store_report(desk.runtime.store, desk.runtime.policies, "sz-property", "2026-11",
                         desk.clock.now(), by="he.jing", data_dir=tmp_path, note="复核")
    assert again["version"] == 2
    versions = _stored(desk)[("sz-property", "2026-11")]
    assert [v.version for v in versions] == [2, 1]
    assert versions[0].figures["complaints"] == versions[1].figures["complaints"]
    assert versions[0].generated_by == "he.jing" and versions[1].generated_by == "worker"


def test_after_december_each_unit_gets_the_year_end_analysis_of_its_bad_debts(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk
    desk.at("2026-12-01 09:00")
    n = desk.open(event_time="2026-12-01T08:30:00+08:00", description="地下室返潮").number
    desk.complete(n, "raise_order", order_summary="请处理", required_completion="2026-12-04T17:00:00+08:00")
    desk.complete(n, "sign_order", order_decision="sign")
    desk.visit_photo(n)
    desk.complete(n, "visit_customer", contact_result="agreed", visit_record="已上门", plan="市政排查",
                  agreed_completion="2026-12-03T17:00:00+08:00", customer_confirmed_plan=True)
    desk.complete(n, "reply_customer", reply_method="phone", reply_content="已安排",
                  done_within_reply_window=True)
    desk.at("2026-12-01 11:00")
    desk.complete(n, "carry_out_work", progress="需市政处理", work_result="unresolvable")
    desk.complete(n, "approve_unresolvable", unresolvable_decision="approve", unresolvable_reason="市政管网")
    worker = make_worker(desk, tmp_path)
    desk.at("2027-01-04 09:00")
    report = worker.run_once()
    sent = ["sz-property", "sz-property-jhy", "sz-property-lyc"]
    assert ("sz-property", "2026-12", sent) in report.reports.runs
    with desk.runtime.store.read() as tx:
        notes = {x.title: x.body for x in WorkerRepo(tx).notifications("he.jing")}
        mails = [m for m in WorkerRepo(tx).messages()
                 if m.kind == "bad_debt_report" and m.recipient == "he.jing"]
    body = notes["【坏账专项分析】深圳物业公司 2026年度"]
    assert "无法解决1宗" in body and "含坏账1宗、不含坏账0宗" in body
    assert {"【坏账专项分析】丽雅苑管理处 2026年度", "【坏账专项分析】锦华园管理处 2026年度"} <= set(notes)
    assert len(mails) == 3 and all(m.attachment for m in mails)
    sheet = load_workbook(tmp_path / "exports" / "reports" / "bad-debt-sz-property-2026.xlsx")
    rows = [[c.value for c in row] for row in sheet["无法解决投诉明细"].iter_rows()]
    assert [r[0] for r in rows[2:]] == [n]
