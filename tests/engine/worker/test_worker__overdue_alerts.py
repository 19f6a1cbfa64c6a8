"""Overdue alerts as they happen (R2.10, R2.15; issue 12 item 6): holder and supervisor, once, in the
policy's words, SMS held outside working time."""

from __future__ import annotations

import shutil
from pathlib import Path

from engine.policy import load_policy_set
from engine.store.worker_repo import MessageRecord, WorkerRepo
from engine.worker.loop import Worker
from tests.conftest import ROOT, shanghai
from tests.engine.worker.conftest import make_worker, to_work
from tests.scenarios.conftest import Desk

REQUIRED_BY = "2026-11-27T17:00:00+08:00"


def _alerts(worker: Worker) -> list[MessageRecord]:
    with worker.store.read() as tx:
        return sorted((m for m in WorkerRepo(tx).messages(limit=1000) if m.kind == "overdue_task"),
                      key=lambda m: (m.recipient, m.channel))


def test_the_specialists_queue_and_their_supervisor_hear_of_a_late_order_sms_at_work_start(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk
    worker = make_worker(desk, tmp_path)
    desk.at("2026-11-23 17:20")  # working time: the order is due 17:50, after work ends at 17:30
    desk.open()
    desk.at("2026-11-23 18:00")
    report = worker.run_once()
    assert report.overdue == {"overdue_task": 1}
    messages = _alerts(worker)
    # the cs_desk queue of 丽雅苑 (two specialists) and their supervisor (roles: cs_specialist's
    # supervisor is cs_supervisor)
    assert sorted({m.recipient for m in messages}) == ["li.na", "wang.fang", "zhang.wei"]
    assert {m.channel for m in messages} == {"sms", "wecom"}
    # outside working time SMS and WeCom wait for work to start (notifications.around_the_clock: false)
    assert {m.next_attempt_at for m in messages} == {shanghai("2026-11-24 08:30")}
    with worker.store.read() as tx:
        [note] = WorkerRepo(tx).notifications("li.na")
    assert note.title.startswith("【逾期提醒】") and "由王芳、张伟办理" in note.body
    assert "迟延自2026-11-23 17:50起" in note.body
    desk.at("2026-11-23 18:30")
    assert worker.run_once().overdue == {}  # once per task and deadline


def test_an_overdue_work_step_tells_the_department_head_and_the_leader_in_charge(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk
    worker = make_worker(desk, tmp_path)
    n = desk.open().number
    to_work(desk, n)  # the agreed completion, Thursday 17:00, counts (R2.8)
    desk.at("2026-11-26 17:01")
    worker.run_once()
    assert sorted({m.recipient for m in _alerts(worker)}) == ["huang.zhiqiang", "yang.fan"]


def test_a_subsidiary_adapts_the_alert_in_its_overlay(sqlite_desk: Desk, tmp_path: Path) -> None:
    tree = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", tree)
    overlay = tree / "subsidiaries" / "sz-property.yaml"
    overlay.write_text(overlay.read_text(encoding="utf-8") + """
notifications:
  templates:
    overdue_task:
      channels: [in_app]
      zh: ["【超时】{case}", "{name}：{task}已超时（{due}），请{holder}立即办理。"]
      en: ["[Late] {case}", "{name}: {task_en} is late ({due}); {holder}, please act now."]
""", encoding="utf-8")
    desk = sqlite_desk
    rt = desk.runtime
    worker = Worker(rt.store, rt, load_policy_set(tree), desk.clock, data_dir=tmp_path)
    n = desk.open().number
    desk.at("2026-11-23 10:31")
    worker.run_once()
    assert _alerts(worker) == []  # in the app only, as the overlay says
    with worker.store.read() as tx:
        [note] = WorkerRepo(tx).notifications("li.na")
    assert note.title == f"【超时】{n}"
    assert note.body == "李娜：录入督办令已超时（2026-11-23 10:30），请王芳、张伟立即办理。"
