"""A contact change the CS centre has not acknowledged in time (R0.3, issue 17) is escalated once, to the
roles of ``interfaces.overdue_to`` nearest the unit, in the policy's words; whenever and however often the
worker runs, around weekends, holidays and make-up working days."""

from __future__ import annotations

import shutil
from datetime import UTC
from pathlib import Path

import pytest

from engine.contacts import Contacts
from engine.policy import load_policy_set
from engine.store.worker_repo import WorkerRepo
from engine.worker.loop import Worker
from tests.conftest import ROOT, shanghai
from tests.engine.worker.conftest import make_worker
from tests.scenarios.conftest import Desk

HOTLINE = {"hotline": "400-888-1234"}
KIND = "contact_change_overdue"
TOLD = ["he.jing", "wu.jianping"]  # 深圳物业's CS manager and CS-centre deputy GM (interfaces.overdue_to)


def _alerts(worker: Worker) -> list[dict]:
    with worker.store.read() as tx:
        return WorkerRepo(tx).alerts(KIND)


def _notices(worker: Worker, login: str) -> list[tuple[str, str]]:
    with worker.store.read() as tx:
        return [(n.title, n.body) for n in WorkerRepo(tx).notifications(login) if n.kind == KIND]


def _messages(worker: Worker) -> list[tuple[str, str]]:
    with worker.store.read() as tx:
        return sorted((m.recipient, m.channel) for m in WorkerRepo(tx).messages(limit=1000) if m.kind == KIND)


def _change(desk: Desk, at: str, unit: str = "sz-property", values: dict | None = None) -> int:
    desk.at(at)
    change = Contacts.of(desk.runtime).save("xu.lan", unit, values or HOTLINE)
    assert change is not None
    return change.id


@pytest.mark.parametrize(("changed", "due", "before", "after", "week_later"), [
    # Friday 17:00: one working day is Monday 17:00 (the weekend does not count)
    ("2026-11-27 17:00", "2026-11-30 17:00", "2026-11-30 16:59", "2026-11-30 17:05", "2026-12-07 09:00"),
    # the eve of National Day: the holiday (10-01…10-07) does not count, Thursday 10-08 17:00
    ("2026-09-30 17:00", "2026-10-08 17:00", "2026-10-05 10:00", "2026-10-08 17:05", "2026-10-15 09:00"),
    # Friday before the make-up Saturday 10-10 (调休): that Saturday is a working day
    ("2026-10-09 17:00", "2026-10-10 17:00", "2026-10-10 16:59", "2026-10-10 17:05", "2026-10-17 09:00"),
])
def test_an_unacknowledged_change_is_escalated_once_after_its_due_time(
        sqlite_desk: Desk, tmp_path: Path, changed: str, due: str, before: str, after: str,
        week_later: str) -> None:
    desk = sqlite_desk
    worker = make_worker(desk, tmp_path)
    change = _change(desk, changed)
    desk.at(before)
    assert KIND not in worker.run_once().overdue
    assert _alerts(worker) == [] and _notices(worker, "he.jing") == []
    desk.at(after)
    assert worker.run_once().overdue[KIND] == 1
    [alert] = _alerts(worker)
    assert alert["key"] == f"{KIND}:{change}:{shanghai(due).astimezone(UTC).isoformat()}"
    assert alert["unit"] == "sz-property" and alert["data"]["change"] == change
    for login in TOLD:
        [(title, body)] = _notices(worker, login)
        assert title == "【对接信息变更逾期未确认】深圳物业公司"
        assert f"徐岚于{changed}修改了深圳物业公司的对接信息（400客服电话：（无） → 400-888-1234）" in body
        assert f"应在{due}前由客服中心确认，至今未确认" in body
    assert _notices(worker, "li.na") == []  # she acknowledges, she is not the escalation
    assert _notices(worker, "feng.tingting") == [] and _notices(worker, "tang.lei") == []  # 华南区域
    sent = _messages(worker)
    assert {r for r, _ in sent} == set(TOLD)
    # run again at once, and after a week without anyone acknowledging: nobody is told twice
    assert KIND not in worker.run_once().overdue
    desk.at(week_later)
    assert KIND not in worker.run_once().overdue
    assert len(_alerts(worker)) == 1 and _messages(worker) == sent
    assert all(len(_notices(worker, login)) == 1 for login in TOLD)


def test_a_worker_that_was_down_escalates_each_late_change_once(desk: Desk, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL."""
    first = _change(desk, "2026-11-27 17:00")
    second = _change(desk, "2026-11-27 17:10", "sz-property-property", {"person": "杨帆"})
    third = _change(desk, "2026-11-27 17:20", values={"hotline": "400-111-2222"})
    Contacts.of(desk.runtime).acknowledge("he.jing", third)  # acknowledged in time: not escalated
    desk.at("2026-12-04 10:00")  # the worker comes back a week later
    worker = make_worker(desk, tmp_path)
    assert worker.run_once().overdue[KIND] == 2
    assert sorted(a["data"]["change"] for a in _alerts(worker)) == [first, second]
    assert len(_notices(worker, "wu.jianping")) == 2
    assert KIND not in make_worker(desk, tmp_path).run_once().overdue  # a second worker: nothing new


def test_an_acknowledged_change_is_not_escalated(sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk
    worker = make_worker(desk, tmp_path)
    change = _change(desk, "2026-11-27 17:00")
    desk.at("2026-11-30 16:00")
    Contacts.of(desk.runtime).acknowledge("he.jing", change)
    desk.at("2026-11-30 18:00")
    assert KIND not in worker.run_once().overdue
    assert _alerts(worker) == []


def test_a_group_units_change_goes_to_the_groups_cs_manager(sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk
    worker = make_worker(desk, tmp_path)
    desk.at("2026-11-27 17:00")
    change = Contacts.of(desk.runtime).save("gu.yan", "group-cs", {"person": "郑晓燕"})
    assert change is not None and change.subsidiary is None
    desk.at("2026-11-30 17:05")
    assert worker.run_once().overdue[KIND] == 1
    [alert] = _alerts(worker)
    assert alert["unit"] == "group"
    assert len(_notices(worker, "zheng.xiaoyan")) == 1
    assert _notices(worker, "he.jing") == [] and _notices(worker, "wu.jianping") == []


def test_a_subsidiary_names_its_own_roles_and_words_in_its_overlay(sqlite_desk: Desk, tmp_path: Path) -> None:
    tree = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", tree)
    overlay = tree / "subsidiaries" / "sz-property.yaml"
    overlay.write_text(overlay.read_text(encoding="utf-8") + """
interfaces:
  overdue_to: [cs_centre_gm]
""", encoding="utf-8")
    desk = sqlite_desk
    rt = desk.runtime
    worker = Worker(rt.store, rt, load_policy_set(tree), desk.clock, data_dir=tmp_path)
    _change(desk, "2026-11-27 17:00")
    desk.at("2026-11-30 17:05")
    assert worker.run_once().overdue[KIND] == 1
    assert len(_notices(worker, "lin.lihua")) == 1  # 深圳物业's 售后服务中心总经理
    assert _notices(worker, "he.jing") == [] and _notices(worker, "wu.jianping") == []


def test_kefu_worker_once_says_how_many_changes_it_escalated(
        sqlite_desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.cli import main

    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path))
    _change(sqlite_desk, "2026-11-27 17:00")
    url = sqlite_desk.runtime.store.url
    assert main(["--db", url, "--now", "2026-11-30T17:05:00+08:00", "worker", "--once"]) == 0
    assert "contact changes escalated: 1" in capsys.readouterr().out
    assert main(["--db", url, "--now", "2026-11-30T17:10:00+08:00", "worker", "--once"]) == 0
    assert "contact changes escalated" not in capsys.readouterr().out
