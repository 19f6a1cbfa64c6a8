"""The facts a case contributes to the statistics: validity, texts and deadline kinds from events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.reports.facts import facts_of, is_valid
from engine.reports.monthly import month_range, parse_month
from tests.conftest import SHANGHAI

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(("status", "data", "valid"), [
    ("in_progress", {}, True),
    ("closed", {}, True),
    ("withdrawn", {}, False),  # R7.1: withdrawn complaints are not valid
    ("cancelled", {}, False),
    ("closed", {"merged_into": "TS-SZP-2026-000001"}, False),  # a merged duplicate (issue 15's field)
    ("closed", {"duplicate_of": "TS-SZP-2026-000001"}, False),
])
def test_a_complaint_is_valid_unless_withdrawn_cancelled_or_merged(
        status: str, data: dict, valid: bool) -> None:
    assert is_valid(status, data) is valid


def test_a_task_opened_sets_its_kinds_deadline_and_a_completion_meets_it() -> None:
    case = {"id": "c1", "number": "TS-1", "process_id": "complaint", "status": "dispatched"}
    events = [
        {"action": "task.opened", "data": {"task": "sign_order", "statistic": {
            "kind": "dispatch", "due_at": "2026-11-23T10:30:00+08:00"}}},
        {"action": "task.completed", "at": NOW, "data": {"task": "sign_order", "statistic": "dispatch",
                                                         "form": {}}},
        {"action": "task.completed", "data": {"task": "record_return_visit",
                                              "form": {"satisfaction": "basically_satisfied"}}},
    ]
    data = {"description": " 楼上漏水 ", "plan": "修复", "completion_record": "", "received_at":
            "2026-11-23T09:50:00+08:00"}
    facts = facts_of(case, data, events, NOW, opened_at=NOW)
    assert facts["dispatch_due"] == datetime(2026, 11, 23, 10, 30, tzinfo=SHANGHAI)
    assert facts["dispatch_done"] == NOW
    assert facts["satisfaction"] == "basically_satisfied" and facts["visited_at"] == NOW
    assert facts["content"] == "楼上漏水" and facts["corrective"] == "修复"
    assert facts["opened_at"] == datetime(2026, 11, 23, 9, 50, tzinfo=SHANGHAI)  # received, not entered
    assert "visit_due" not in facts  # kinds no event touched are left as they are


def test_a_reopened_task_clears_the_kinds_completion() -> None:
    case = {"id": "c1", "status": "dispatched"}
    events = [{"action": "task.opened", "data": {"statistic": {"kind": "completion",
                                                               "due_at": "2026-11-26T17:00:00+08:00"}}}]
    assert facts_of(case, {}, events, NOW)["completion_done"] is None


def test_a_month_is_counted_in_the_units_time_zone() -> None:
    start, end = month_range(*parse_month("2026-12"), SHANGHAI)
    assert start == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(("received", "closed", "minutes"), [
    # Friday 17:00 → Monday 09:30: half an hour each side of the weekend and the nights.
    ("2026-11-27T17:00", "2026-11-30T09:30", 30 + 60),
    # The eve of National Day → the day after it: 1–7 October are not counted, 8 October is.
    ("2026-09-30T17:00", "2026-10-09T09:00", 30 + 450 + 30),
    # Friday 9 October 17:00 → Monday 12 October 09:00: Saturday the 10th is a make-up workday (调休).
    ("2026-10-09T17:00", "2026-10-12T09:00", 30 + 450 + 30),
    # Over the lunch break and into the night: 11:30–12:00 and 13:30–17:30.
    ("2026-11-24T11:30", "2026-11-24T22:00", 30 + 240),
    # New Year's Eve 17:00 → 4 January 2027 09:00 on the provisional 2027 year (1 January off).
    ("2026-12-31T17:00", "2027-01-04T09:00", 30 + 30),
])
def test_handling_time_counts_working_minutes_only(received: str, closed: str, minutes: int) -> None:
    """R7.1's average handling time is in working hours: nights, weekends, holidays and the lunch break
    are left out, make-up Saturdays are counted (the group calendar, in Shanghai time)."""
    from engine.policy import load_policy_set
    from engine.reports.facts import _working_minutes
    from tests.conftest import ROOT

    policy = load_policy_set(ROOT / "policies").effective(None)
    start = datetime.fromisoformat(received).replace(tzinfo=SHANGHAI)
    end = datetime.fromisoformat(closed).replace(tzinfo=SHANGHAI)
    assert _working_minutes(policy, start, end) == minutes
    assert _working_minutes(policy, end, start) == 0
