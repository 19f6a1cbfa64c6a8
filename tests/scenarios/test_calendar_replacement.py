"""Replacing the provisional 2027 by the State Council's notice recomputes open deadlines (issue 12).

The provisional 2027 has the law's holidays only: 春节 2027-02-05…02-10 and no make-up workdays. The
notice (tests/data/notices/notice-2027.txt) makes Sunday 01-31 a workday and extends 春节 to 02-13.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.cli import main
from engine.clock import FixedClock
from engine.notice import Notice
from engine.org import load_org
from engine.policy import load_policy_set
from engine.processes import ProcessRegistry
from engine.runtime import Runtime
from engine.runtime.recompute import replace_provisional_year
from engine.store import Store
from tests.conftest import ROOT, shanghai
from tests.scenarios.conftest import DEMO_ORG, Desk
from tests.scenarios.test_complaint import agree_plan, dispatch

NOTICE = ROOT / "tests" / "data" / "notices" / "notice-2027.txt"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The shipped policies (their own copy: the test writes cn-2027.yaml), the expert given 2 working
    days instead of 24 hours so that the expert's timer depends on the calendar."""
    tree = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", tree)
    group = tree / "group.yaml"
    text = group.read_text(encoding="utf-8")
    assert "    expert_answer: 24 hours" in text
    group.write_text(text.replace("    expert_answer: 24 hours", "    expert_answer: 2 working days"),
                     encoding="utf-8")
    return tree


@pytest.fixture
def desk(tree: Path, tmp_path: Path) -> Desk:
    """The scenario desk on that tree, at Saturday 2027-01-30 10:00 (2027 is provisional)."""
    clock = FixedClock(shanghai("2027-01-30 10:00"))
    store = Store(f"sqlite:///{tmp_path / 'kefu.db'}")
    store.migrate()
    policies = load_policy_set(tree)
    runtime = Runtime(store, policies, ProcessRegistry.load(ROOT / "processes"), clock,
                      calendars_dir=policies.calendars_dir)
    runtime.register_processes()
    org = load_org(DEMO_ORG)
    runtime.import_org(org)
    yield Desk(runtime, clock, org)
    store.dispose()


def recomputed(desk: Desk, number: str) -> dict[str, dict[str, object]]:
    """The case's deadline.recomputed events by policy key."""
    return {e.data["key"]: e.data for e in desk.case(number).timeline if e.action == "deadline.recomputed"}


def test_a_task_due_time_and_the_case_data_move_to_the_official_calendar(desk: Desk) -> None:
    number = desk.open(actor="wang.fang").number  # Saturday: off hours; Monday 02-01 is the next workday
    assert desk.due(number, "raise_order") == shanghai("2027-02-01 09:00")
    assert desk.data(number)["dispatch_due"] == "2027-02-01T09:30:00+08:00"
    assert desk.case(number).provisional_year == 2027
    desk.at("2027-01-30 11:00")
    _path, _read, report = replace_provisional_year(desk.runtime, 2027, [Notice.from_file(NOTICE)])
    assert (report.years, report.cases, report.failed) == ([2027], 1, [])
    assert report.changed == report.deadlines >= 2
    # Sunday 01-31 is a make-up workday in the notice: work starts there.
    assert desk.due(number, "raise_order") == shanghai("2027-01-31 09:00")
    assert desk.data(number)["dispatch_due"] == "2027-01-31T09:30:00+08:00"
    case = desk.case(number)
    assert case.provisional_year is None and desk.task(number, "raise_order").provisional_year is None
    events = recomputed(desk, number)
    dispatch_event = events["complaint.deadlines.dispatch"]
    assert dispatch_event["old_due"] == "2027-02-01T09:30:00+08:00"
    assert dispatch_event["new_due"] == "2027-01-31T09:30:00+08:00"
    assert dispatch_event["changed"] is True and dispatch_event["years"] == [2027]
    assert str(dispatch_event["source"]).startswith("2027: notice 国务院办公厅关于2027年部分节假日安排的通知")
    raise_event = events["complaint.deadlines.order_raise"]
    assert raise_event["for"] == ["录入督办令 raise the supervision order"]
    assert raise_event["reason"] == ("2027-02-01 09:00 → 2027-01-31 09:00 录入督办令 raise the "
                                     "supervision order · 2027年节假日安排已导入 / the official 2027 "
                                     "calendar replaced the provisional one")
    assert desk.runtime.recompute_provisional().cases == 0  # done once: nothing flagged any more
    desk.runtime.verify_audit_chain()


def test_a_waiting_timer_is_recomputed_and_fires_at_its_new_time(desk: Desk) -> None:
    desk.at("2027-02-01 10:00")
    number = desk.open(category="real_estate").number
    dispatch(desk, number)
    desk.at("2027-02-04 10:00")  # Thursday before 春节
    agree_plan(desk, number, needs_expert=True)
    # 2 working days on the law's days: 02-05…02-10 off, so Thursday 02-11 and Friday 02-12.
    assert desk.due(number, "expert_answer") == shanghai("2027-02-12 10:00")
    assert desk.case(number).next_timer_at == shanghai("2027-02-12 10:00")
    desk.at("2027-02-05 09:00")
    replace_provisional_year(desk.runtime, 2027, [Notice.from_file(NOTICE)])
    # The notice's 春节 runs to Saturday 02-13: Monday 02-15 and Tuesday 02-16.
    assert desk.due(number, "expert_answer") == shanghai("2027-02-16 10:00")
    assert desk.case(number).next_timer_at == shanghai("2027-02-16 10:00")
    event = recomputed(desk, number)["complaint.deadlines.expert_answer"]
    assert (event["old_due"], event["new_due"]) == ("2027-02-12T10:00:00+08:00", "2027-02-16T10:00:00+08:00")
    assert "顾问逾期 adviser unreachable" in event["for"]  # the boundary timer
    assert "专业顾问书面答复 expert answers in writing" in event["for"]  # and the task's due time
    desk.at("2027-02-12 10:01")
    desk.wait(minutes=0)
    assert "expert_answer" in desk.open_tasks(number)  # the old due time passed: nothing fires
    desk.at("2027-02-16 10:01")
    desk.wait(minutes=0)
    assert "expert_answer" not in desk.open_tasks(number)
    assert "assign_temporary_adviser" in desk.open_tasks(number)


def test_a_file_written_by_hand_is_picked_up_by_the_next_worker_sweep(desk: Desk, tree: Path) -> None:
    number = desk.open().number
    (tree / "calendars" / "cn-2027.yaml").write_text(
        "region: cn\nyear: 2027\nsource: manual\nholidays:\n  - {date: 2027-01-01, name: 元旦}\n"
        "workdays:\n  - {date: 2027-01-31, name: 春节}\n", encoding="utf-8")
    from engine.calendar import forget_year

    forget_year(tree / "calendars", "cn", 2027)  # what the 30-second re-check does in a long-running worker
    desk.wait(minutes=1)  # fire_due_timers: recomputes first
    assert desk.due(number, "raise_order") == shanghai("2027-01-31 09:00")
    assert desk.case(number).provisional_year is None


def test_kefu_calendar_import_recomputes_the_open_cases(
    desk: Desk, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number = desk.open().number
    url = desk.runtime.store.url
    code = main(["--db", url, "--now", "2027-01-30T12:00:00+08:00", "--policies", str(tree), "calendar",
                 "import", "2027", "--notice", str(NOTICE)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "recomputed 2 deadline(s) of 1 open case(s) that rested on the provisional 2027: 2 changed" in out
    assert desk.due(number, "raise_order") == shanghai("2027-01-31 09:00")
