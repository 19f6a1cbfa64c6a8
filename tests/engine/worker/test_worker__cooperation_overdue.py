"""R2.4 a cooperating department's part not confirmed in time (task coop, gap 2): the seeds set no fine
for it (003 第4条 gives the responsible department 处分权 over a department that refuses to cooperate,
第37条 the CS centre's 查处, both case by case), so the worker books nothing and tells, once per part and
due time, the part's holder, the responsible department's head and complaint.cooperation.overdue_to
(the CS centre). The worker runs on time, twice, late and not for a week; on an injected clock."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import update

from engine.policy import PolicyErrors, load_policy_set
from engine.store.models import Staff
from engine.store.worker_repo import MessageRecord, WorkerRepo
from engine.worker.loop import Worker
from tests.conftest import ROOT, shanghai
from tests.engine.worker.conftest import make_worker
from tests.scenarios.conftest import Desk
from tests.scenarios.test_complaint import dispatch

KIND = "cooperation_overdue"


def _messages(worker: Worker) -> list[MessageRecord]:
    with worker.store.read() as tx:
        return sorted((m for m in WorkerRepo(tx).messages(limit=5000) if m.kind == KIND),
                      key=lambda m: (m.recipient, m.channel))


def _notes(worker: Worker, login: str) -> list[tuple[str, str]]:
    with worker.store.read() as tx:
        return [(n.title, n.body) for n in WorkerRepo(tx).notifications(login) if n.kind == KIND]


def _told(worker: Worker) -> list[str]:
    return sorted({m.recipient for m in _messages(worker)})


def _ledger(worker: Worker, number: str) -> list[tuple[str, str]]:
    with worker.store.read() as tx:
        return [(p.kind, p.staff) for p in WorkerRepo(tx).penalties() if p.case_number == number]


def _body(n: str, due: str) -> str:
    return (f"{{name}}您好：投诉{n}（3栋1单元1202）的督办令要求工程部无条件配合第一责任部门物业公司，"
            f"应于{due}前确认本部门的配合事项，至今未确认。办理人：刘强。请立即确认；"
            "拒不配合的，第一责任部门有权处分（管理办法第4条）。")


def test_a_late_part_tells_its_holder_the_responsible_head_and_the_cs_centre_once_and_fines_nobody(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk
    worker = make_worker(desk, tmp_path)
    n = desk.open().number  # 房屋设备管理: 物业 leads, 工程部 cooperates
    dispatch(desk, n)  # Monday 10:00: the engineering part is due 11:00
    desk.at("2026-11-23 10:59")
    worker.run_once()
    assert _messages(worker) == []  # not yet due
    desk.at("2026-11-23 11:01")
    report = worker.run_once()
    assert report.overdue.get(KIND) == 1
    # 刘强 heads engineering (the part), 杨帆 the responsible 物业 department, 何静 is the CS manager
    assert _told(worker) == ["he.jing", "liu.qiang", "yang.fan"]
    assert {m.channel for m in _messages(worker)} == {"sms", "wecom"}
    assert {m.next_attempt_at for m in _messages(worker)} == {shanghai("2026-11-23 11:01")}  # working time
    [(title, body)] = _notes(worker, "he.jing")
    assert title == f"【配合逾期】投诉{n}：工程部未确认配合事项"
    assert body == _body(n, "2026-11-23 11:00").format(name="何静")
    desk.at("2026-11-23 11:30")
    worker.run_once()  # the worker runs twice: nobody hears of it twice
    desk.at("2026-11-23 14:00")
    worker.run_once()
    assert len(_notes(worker, "he.jing")) == 1 and len(_messages(worker)) == 6
    desk.complete(n, "confirm_cooperation", "liu.qiang", cooperation_part="派工程部检修防水层")
    # the visit (plan) and the 工程部 part both late: the visit's plan_not_entered is booked when it is
    # entered late, the part's lateness never (the seeds set no fine for it)
    desk.visit_photo(n)
    desk.complete(n, "visit_customer", "yang.fan", contact_result="agreed", visit_record="已上门",
                  plan="修复防水层", agreed_completion="2026-11-26T17:00:00+08:00",
                  customer_confirmed_plan=True)
    desk.at("2026-12-01 10:00")  # the month closes (R2.15)
    worker.run_once()
    assert _ledger(worker, n) == [("plan_not_entered", "yang.fan")]


def test_a_part_due_after_a_weekend_is_told_once_when_the_late_worker_runs_and_sms_waits_for_work(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk
    worker = make_worker(desk, tmp_path)
    desk.at("2026-11-27 17:50")  # Friday after work: the order is signed and reaches the departments
    n = desk.open().number
    dispatch(desk, n)
    desk.at("2026-11-28 12:00")  # Saturday: the part (1 working hour) is not due before Monday 09:30
    worker.run_once()
    assert _messages(worker) == []
    desk.at("2026-11-30 18:40")  # the worker was down all Monday; it runs after work ends
    worker.run_once()
    assert _told(worker) == ["he.jing", "liu.qiang", "yang.fan"]
    assert {m.next_attempt_at for m in _messages(worker)} == {shanghai("2026-12-01 08:30")}  # held
    [(_, body)] = _notes(worker, "yang.fan")
    assert body == _body(n, "2026-11-30 09:30").format(name="杨帆")
    desk.at("2026-11-30 18:41")
    worker.run_once()
    assert len(_messages(worker)) == 6


def test_a_worker_down_for_a_week_tells_once_and_a_part_confirmed_meanwhile_is_not_chased(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk
    worker = make_worker(desk, tmp_path)
    worker.run_once()  # Monday 10:00: the worker's last run before a week's outage
    open_part = desk.open().number
    dispatch(desk, open_part)
    confirmed = desk.open(room="5栋2单元0301").number
    dispatch(desk, confirmed)
    desk.at("2026-11-25 09:00")  # confirmed late, while the worker is down
    desk.complete(confirmed, "confirm_cooperation", "liu.qiang", cooperation_part="已安排")
    desk.at("2026-11-30 10:00")  # a week later the worker comes back
    worker.run_once()
    assert {m.case_id for m in _messages(worker)} == {desk.case(open_part).id}
    assert len(_notes(worker, "he.jing")) == 1
    worker.run_once()
    desk.at("2026-11-30 11:00")
    worker.run_once()
    assert len(_notes(worker, "he.jing")) == 1


def test_a_part_nobody_holds_says_so_and_still_reaches_the_cs_centre(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk
    with desk.runtime.store.write() as tx:  # the engineering head leaves: nobody holds the part
        tx.conn.execute(update(Staff.__table__).where(Staff.__table__.c.login == "liu.qiang")
                        .values(active=False))
    worker = make_worker(desk, tmp_path)
    n = desk.open().number
    dispatch(desk, n)
    desk.at("2026-11-23 11:05")
    worker.run_once()
    assert _told(worker) == ["he.jing", "yang.fan"]
    [(_, body)] = _notes(worker, "he.jing")
    assert "至今未确认。办理人：无人可办（工程部无部门一把手，须由组织管理员补设）。请立即确认" in body


def _overlay(tmp_path: Path, roles: str) -> Path:
    tree = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", tree)
    overlay = tree / "subsidiaries" / "sz-property.yaml"
    text = overlay.read_text(encoding="utf-8")
    assert text.count("\ncomplaint:\n") == 1
    added = f"\ncomplaint:\n  cooperation:\n    overdue_to: {roles}\n"
    overlay.write_text(text.replace("\ncomplaint:\n", added), encoding="utf-8")
    return tree


def test_an_overlay_may_add_to_whom_a_late_part_is_told_but_never_drop_the_cs_centre(tmp_path: Path) -> None:
    with pytest.raises(PolicyErrors) as caught:
        load_policy_set(_overlay(tmp_path / "drop", "[cs_centre_deputy_gm]"))
    assert "complaint.cooperation.overdue_to" in str(caught.value)
    added = load_policy_set(_overlay(tmp_path / "add", "[cs_manager, cs_centre_deputy_gm]"))
    assert added.effective("sz-property").get("complaint.cooperation.overdue_to") == [
        "cs_manager", "cs_centre_deputy_gm"]
    assert added.effective("hn-region").get("complaint.cooperation.overdue_to") == ["cs_manager"]
