"""A calendar never stops the service (issue 12): intake, tasks and the worker across a year end.

2027 has no holiday file (chinesecalendar 1.11.0 has no 2027 data): deadlines that reach it are
computed on the provisional calendar (the law's holidays, no make-up workdays). A step that fails
for a calendar reason anyway (a tree without statutory rules) is a typed error, never a traceback.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.cli import main
from engine.errors import StepError
from engine.policy import load_policy_set
from engine.processes import ProcessRegistry
from engine.runtime import Runtime
from engine.store import Store
from tests.conftest import ROOT, shanghai
from tests.scenarios.conftest import DEMO_ORG, Desk


def test_a_complaint_received_on_new_years_eve_evening_is_opened(desk: Desk) -> None:
    desk.at("2026-12-31 17:50")  # Thursday, after work; 2027-01-01 元旦 (Friday), then the weekend
    case = desk.open()
    assert case.status == "received"
    # R2.5 dispatch: 1 hour after work starts, on the provisional 2027 (Monday 01-04 08:30 + 1 hour)
    assert desk.data(case.number)["dispatch_due"] == "2027-01-04T09:30:00+08:00"
    assert "raise_order" in desk.open_tasks(case.number)


def test_a_task_completed_in_the_provisional_year_gets_its_deadlines(desk: Desk) -> None:
    desk.at("2026-12-31 17:50")
    number = desk.open().number
    desk.at("2027-01-04 09:00")
    desk.complete(number, "raise_order", order_summary="请物业部处理楼上漏水",
                  required_completion="2027-01-08T17:00:00+08:00")
    assert desk.due(number, "sign_order").year == 2027


def test_the_worker_runs_in_the_provisional_year_and_exits_zero(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    desk.at("2026-12-31 17:50")
    desk.open()
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path))
    url = desk.runtime.store.url
    assert main(["--db", url, "--now", "2027-01-04T10:00:00+08:00", "worker", "--once"]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert out.splitlines()[-1].startswith("timers fired: ")


@pytest.fixture
def lawless_policies(tmp_path: Path) -> Path:
    """The shipped policy tree without the statutory rules: 2027 cannot be computed at all."""
    tree = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", tree)
    (tree / "calendars" / "cn-statutory.yaml").unlink()
    return tree


def test_a_step_that_fails_on_the_calendar_is_a_typed_error_and_stores_nothing(
    lawless_policies: Path, tmp_path: Path
) -> None:
    from engine.clock import FixedClock
    from engine.org import load_org

    store = Store(f"sqlite:///{tmp_path / 'kefu.db'}")
    store.migrate()
    policies = load_policy_set(lawless_policies)
    clock = FixedClock(shanghai("2026-12-31 17:50"))
    runtime = Runtime(store, policies, ProcessRegistry.load(ROOT / "processes"), clock,
                      calendars_dir=policies.calendars_dir)
    runtime.register_processes()
    runtime.import_org(load_org(DEMO_ORG))
    data = {"customer_name": "周先生", "customer_phone": "13912345678", "room": "3栋1单元1202",
            "description": "楼上漏水", "customer_request": "尽快维修", "channel": "phone",
            "category": "facilities", "urgency": "normal", "scope": "household", "severity": "general",
            "read_back_confirmed": True}
    with pytest.raises(StepError) as caught:
        runtime.open_case("complaint", data, "wang.fang")
    error = caught.value
    assert error.code == "calendar.E001"
    assert error.message.startswith("流程步骤「")
    assert "process complaint" in error.message and "no holiday data for 2027" in error.message
    with store.read() as tx:
        assert tx.case_numbers() == []
    store.dispose()


def test_the_cli_prints_one_line_for_a_failed_step(
    lawless_policies: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))
    base = ["--db", f"sqlite:///{tmp_path / 'kefu.db'}", "--policies", str(lawless_policies)]
    assert main([*base, "init", "--demo"]) == 0
    capsys.readouterr()
    form = tmp_path / "form.json"
    form.write_text(json.dumps({"customer_name": "周先生", "customer_phone": "13912345678",
                                "room": "3栋1单元1202", "description": "楼上漏水", "customer_request": "维修",
                                "channel": "phone", "category": "facilities", "urgency": "normal",
                                "scope": "household", "severity": "general",
                                "read_back_confirmed": True}), encoding="utf-8")
    code = main([*base, "--now", "2026-12-31T17:50:00+08:00", "--as", "wang.fang", "case", "open",
                 "complaint", "--data", f"@{form}"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err
    [line] = err.strip().splitlines()
    assert line.startswith("error: 流程步骤「") and "no holiday data for 2027" in line


def test_deadlines_on_the_provisional_year_are_marked_in_the_case_the_inbox_and_the_audit(
    desk: Desk,
) -> None:
    desk.at("2026-12-31 17:50")
    number = desk.open().number
    case = desk.case(number)
    assert case.provisional_year == 2027
    raise_order = desk.task(number, "raise_order")
    assert raise_order.due_at is not None and raise_order.due_at.year == 2027
    assert raise_order.provisional_year == 2027
    events = [e for e in case.timeline if e.action == "deadline.provisional"]
    keys = {e.data["key"] for e in events}
    assert {"complaint.deadlines.dispatch", "complaint.deadlines.order_raise"} <= keys
    dispatch = next(e for e in events if e.data["key"] == "complaint.deadlines.dispatch")
    assert dispatch.data["years"] == [2027] and dispatch.data["due_at"] == "2027-01-04T09:30:00+08:00"
    assert dispatch.data["from"] == "2026-12-31T17:50:00+08:00"
    assert dispatch.data["reason"] == ("2027-01-04 09:30 complaint.deadlines.dispatch · "
                                       "按2027年暂定日历计算 / computed on the provisional 2027 calendar")
    [opened] = [e for e in case.timeline if e.action == "task.opened"]
    assert opened.data["provisional"] == [2027]


def test_deadlines_on_official_years_carry_no_mark(desk: Desk) -> None:
    number = desk.open().number  # Monday 2026-11-23 10:00
    case = desk.case(number)
    assert case.provisional_year is None
    assert all(t.provisional_year is None for t in case.tasks)
    assert not [e for e in case.timeline if e.action == "deadline.provisional"]
    assert "provisional" not in next(e for e in case.timeline if e.action == "task.opened").data
