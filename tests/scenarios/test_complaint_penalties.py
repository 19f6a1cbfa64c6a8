"""Deadlines and fines right on every day of the year (issue 12; R2.5, R2.10, R2.15).

Whole complaints run through the engine with an injected clock and the worker run as a cron job
would; each test asserts the penalty ledger line by line (person, kind, amount, the Chinese detail).
Calendar: the shipped 2026 holiday file (National Day 10-01..10-07, make-up workdays Sunday 09-20 and
Saturday 10-10; 2027 on the provisional calendar); working hours 08:30-12:00 and 13:30-17:30
(hn-region: 09:00-12:00, 14:00-18:00).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from engine.store.worker_repo import WorkerRepo
from engine.worker import Worker
from tests.conftest import shanghai
from tests.scenarios.conftest import Desk

REQUIRED_BY = "2026-12-31T17:00:00+08:00"
Line = tuple[str, str, int, str]


@pytest.fixture
def worker(desk: Desk, tmp_path: Path) -> Worker:
    """The worker on the desk's database and clock."""
    rt = desk.runtime
    return Worker(rt.store, rt, rt.policies, desk.clock, data_dir=tmp_path)


def ledger(worker: Worker) -> list[Line]:
    """Every ledger line as (person, kind, amount, detail text), in booking order."""
    with worker.store.read() as tx:
        return [(p.staff, p.kind, p.amount, str(p.detail.get("text"))) for p in WorkerRepo(tx).penalties()]


def daily(desk: Desk, worker: Worker, *days: str, at: str = "20:00") -> None:
    """Run the worker once on each day (``MM-DD`` of 2026) at ``at``, as a nightly cron job."""
    for day in days:
        desk.at(f"2026-{day} {at}")
        worker.run_once()


def days(first: str, last: str) -> list[str]:
    """Every day ``MM-DD`` of 2026 from ``first`` to ``last``, both included."""
    start, end = (date.fromisoformat(f"2026-{d}") for d in (first, last))
    return [(start + timedelta(days=i)).strftime("%m-%d") for i in range((end - start).days + 1)]


def raise_and_sign(desk: Desk, n: str, raised: str, signed: str, specialist: str = "wang.fang",
                   gm: str = "lin.lihua") -> None:
    """The specialist raises the 督办令 and the CS-centre GM signs it (R2.5)."""
    desk.at(raised)
    desk.complete(n, "raise_order", specialist, order_summary="请物业部处理楼上漏水",
                  required_completion=REQUIRED_BY)
    desk.at(signed)
    desk.complete(n, "sign_order", gm, order_decision="sign")


def to_work(desk: Desk, n: str, at: str, agreed: str) -> None:
    """The department visits and agrees ``agreed``, replies by phone: the case waits at the work step."""
    desk.at(at)
    desk.visit_photo(n)
    desk.complete(n, "visit_customer", contact_result="agreed", visit_record="已上门", plan="修复防水层",
                  agreed_completion=agreed, customer_confirmed_plan=True)
    desk.complete(n, "reply_customer", reply_method="phone", reply_content="已安排",
                  done_within_reply_window=True)


def test_item_1_an_off_hours_complaint_worked_on_time_books_nothing(desk: Desk, worker: Worker) -> None:
    daily(desk, worker, "09-29")
    desk.at("2026-09-30 17:50")  # a phone complaint on the eve of National Day, after work
    n = desk.open(actor="wang.fang").number
    daily(desk, worker, *days("09-30", "10-07"))
    # work starts 10-08 08:30: raise by 09:00, sign by 09:30 (the dispatch deadline)
    raise_and_sign(desk, n, "2026-10-08 09:00", "2026-10-08 09:10")
    daily(desk, worker, "10-08", "10-09")
    assert ledger(worker) == []  # was 219,300 yuan for wang.fang


def test_item_2_and_3_each_is_fined_for_their_own_lateness_in_working_minutes(
        desk: Desk, worker: Worker) -> None:
    daily(desk, worker, "11-23")
    desk.at("2026-11-24 10:00")  # Tuesday: raise due 10:30, dispatch due 10:30
    n = desk.open(actor="wang.fang").number
    daily(desk, worker, "11-24")
    # raised a day late; the GM signs 10 minutes after the order reached her (her own hour: 11:00)
    raise_and_sign(desk, n, "2026-11-25 10:00", "2026-11-25 10:10")
    daily(desk, worker, "11-25", "11-26")
    # 10:30-12:00, 13:30-17:30, 08:30-10:00: 420 working minutes = 84 started 5-minute steps
    assert ledger(worker) == [
        ("wang.fang", "late_order_entry", 8400,
         "时限2026-11-24 10:30；2026-11-25 10:00完成，迟延420分钟（工作时间）；每5分钟100元，计84次")]


def test_item_3_progress_is_a_working_days_duty_and_overdue_days_are_calendar_days(
        desk: Desk, worker: Worker) -> None:
    daily(desk, worker, "11-23")
    desk.at("2026-11-24 10:00")
    n = desk.open(actor="wang.fang").number
    raise_and_sign(desk, n, "2026-11-24 10:10", "2026-11-24 10:20")
    to_work(desk, n, "2026-11-24 10:40", agreed="2026-11-27T17:00:00+08:00")  # Friday 17:00
    daily(desk, worker, *days("11-24", "12-01"))
    progress = [line for line in ledger(worker) if line[1] == "progress_not_updated"]
    # no entry since the work began (11-24 10:40): fined at the 18:00 checks of working days only,
    # none on Saturday 11-28 or Sunday 11-29 (R2.10, 003 第26条)
    assert progress == [
        ("yang.fan", "progress_not_updated", 200, f"{a}至{b}未更新处理进展（每次200元）")
        for a, b in (("2026-11-24 18:00", "2026-11-25 18:00"), ("2026-11-25 18:00", "2026-11-26 18:00"),
                     ("2026-11-26 18:00", "2026-11-27 18:00"), ("2026-11-29 18:00", "2026-11-30 18:00"),
                     ("2026-11-30 18:00", "2026-12-01 18:00"))]
    overdue = [line for line in ledger(worker) if line[1] == "overdue"]
    # due Friday 17:00; 003 第36条 counts days (天), weekend included: days 1-5 by Tuesday 18:00
    assert overdue == [
        (person, "overdue", amount, f"完成时限2026-11-27 17:00，超期第{day}天，每天{amount}元")
        for day in range(1, 6) for person, amount in (("yang.fan", 100), ("huang.zhiqiang", 50))]


def test_progress_is_fined_on_a_make_up_saturday_and_not_on_national_day(desk: Desk, worker: Worker) -> None:
    daily(desk, worker, "09-27")
    desk.at("2026-09-28 10:00")  # Monday
    n = desk.open(actor="wang.fang").number
    raise_and_sign(desk, n, "2026-09-28 10:10", "2026-09-28 10:20")
    to_work(desk, n, "2026-09-28 10:40", agreed="2026-10-16T17:00:00+08:00")
    daily(desk, worker, *days("09-28", "10-12"))
    fined = [text.split("至")[1][:10] for _, kind, _, text in ledger(worker)
             if kind == "progress_not_updated"]
    # 10-01..10-07 are holidays and 10-11 a Sunday; Saturday 10-10 is a make-up workday (调休)
    assert fined == ["2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12"]


def test_the_lunch_break_is_no_lateness(desk: Desk, worker: Worker) -> None:
    daily(desk, worker, "11-22")
    desk.at("2026-11-23 11:50")  # working time: raise in 30 minutes, by 12:20 (in the lunch break)
    n = desk.open(actor="wang.fang").number
    assert desk.due(n, "raise_order") == shanghai("2026-11-23 12:20")
    raise_and_sign(desk, n, "2026-11-23 13:40", "2026-11-23 13:45")  # 10 working minutes late
    daily(desk, worker, "11-23")
    assert ledger(worker) == [
        ("wang.fang", "late_order_entry", 200,
         "时限2026-11-23 12:20；2026-11-23 13:40完成，迟延10分钟（工作时间）；每5分钟100元，计2次")]


def test_lateness_runs_on_the_working_hours_of_the_cases_own_unit(desk: Desk, worker: Worker) -> None:
    daily(desk, worker, "11-22")
    desk.at("2026-11-23 17:40")  # hn-region works until 18:00: working time there, raise by 18:10
    n = desk.open(actor="tian.tian", project="hn-region-bhw").number
    assert desk.due(n, "raise_order") == shanghai("2026-11-23 18:10")
    # raised at 09:10 next morning: late only for 09:00-09:10 of hn-region's day (08:30 elsewhere)
    raise_and_sign(desk, n, "2026-11-24 09:10", "2026-11-24 09:20", specialist="tian.tian", gm="han.xue")
    daily(desk, worker, "11-23", "11-24")
    assert ledger(worker) == [
        ("tian.tian", "late_order_entry", 200,
         "时限2026-11-23 18:10；2026-11-24 09:10完成，迟延10分钟（工作时间）；每5分钟100元，计2次")]


def _told(worker: Worker, kind: str) -> list[tuple[str, str]]:
    """(recipient, channel) of every in-app notice and outbox message of ``kind``."""
    with worker.store.read() as tx:
        repo = WorkerRepo(tx)
        messages = [(m.recipient, m.channel) for m in repo.messages(limit=10_000) if m.kind == kind]
        people = ("zhang.wei", "wang.fang", "li.na", "lin.lihua", "chen.guodong", "yang.fan",
                  "huang.zhiqiang")
        notes = [(login, "in_app") for login in people
                 for n in repo.notifications(login, limit=10_000) if n.kind == kind]
    return sorted(messages + notes)


def test_item_6_an_overdue_order_is_told_at_once_and_its_holder_gets_the_digest(
        desk: Desk, worker: Worker) -> None:
    daily(desk, worker, "11-22")
    desk.at("2026-11-23 10:00")
    n = desk.open(actor="wang.fang").number
    desk.at("2026-11-23 10:10")
    desk.complete(n, "raise_order", "wang.fang", order_summary="请物业部处理",
                  required_completion=REQUIRED_BY)
    desk.at("2026-11-23 10:29")
    worker.run_once()
    assert _told(worker, "overdue_task") == []  # not overdue yet
    desk.at("2026-11-23 10:31")  # the sign deadline 10:30 has passed: the next sweep tells
    worker.run_once()
    worker.run_once()  # once per task and deadline
    # the GM who holds it, and her supervisor (roles: cs_centre_gm → chairman), in the app, by SMS
    # and WeCom (notifications.templates.overdue_task.channels)
    assert _told(worker, "overdue_task") == sorted(
        (login, channel) for login in ("lin.lihua", "chen.guodong") for channel in ("in_app", "sms", "wecom"))
    with worker.store.read() as tx:
        [note] = WorkerRepo(tx).notifications("lin.lihua", limit=10)
    assert note.title == "【逾期提醒】投诉" + n + "“签发督办令”已逾期"
    assert "时限为2026-11-23 10:30，现已逾期，由林丽华办理；迟延自2026-11-23 11:10起" in note.body
    # the 09:30 digest of the next day reaches the person actually late, beside the escalation chain
    desk.at("2026-11-24 09:35")
    worker.run_once()
    assert {login for login, channel in _told(worker, "reminder") if channel == "in_app"} == {
        "lin.lihua", "yang.fan", "huang.zhiqiang", "chen.guodong"}


def test_the_year_end_counts_on_the_provisional_calendar_of_the_new_year(desk: Desk, worker: Worker) -> None:
    daily(desk, worker, "12-30")
    desk.at("2026-12-31 17:50")  # Thursday evening; 2027 has no official file: its provisional calendar
    n = desk.open(actor="wang.fang").number  # (元旦 on Friday 01-01, no make-up days) says work starts 01-04
    assert desk.due(n, "raise_order") == shanghai("2027-01-04 09:00")
    daily(desk, worker, "12-31")
    for day in ("2027-01-01", "2027-01-02", "2027-01-03"):
        desk.at(f"{day} 20:00")
        worker.run_once()
    raise_and_sign(desk, n, "2027-01-04 09:20", "2027-01-04 09:25")  # the GM's own hour runs to 10:20
    desk.at("2027-01-04 20:00")
    worker.run_once()
    with worker.store.read() as tx:
        [line] = WorkerRepo(tx).penalties()
    assert (line.staff, line.kind, line.amount, line.month) == (
        "wang.fang", "late_order_entry", 400, "2027-01")
    assert line.detail["text"] == (
        "时限2027-01-04 09:00；2027-01-04 09:20完成，迟延20分钟（工作时间）；每5分钟100元，计4次")
