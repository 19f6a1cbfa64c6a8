"""The duration and schedule language (R0.4, R2.5, R2.10) against the group calendar."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.calendar import BusinessCalendar, CalendarDays
from engine.durations import (
    AfterWorkStarts,
    Capped,
    Composite,
    Duration,
    Schedule,
    WallClock,
    WorkingDays,
    WorkingTime,
    compare_durations,
    parse_duration,
    parse_schedule,
)
from engine.errors import DurationError
from tests.conftest import shanghai

DISPATCH = {"in_working_time": "30 minutes", "otherwise": "1 hour after work starts"}
SIGN = {"in_working_time": "1 hour", "otherwise": "1 hour after work starts",
        "never_after": "complaint.deadlines.dispatch"}


@pytest.fixture
def calendar(policies_dir: Path) -> BusinessCalendar:
    """The group calendar over the shipped holiday files."""
    return BusinessCalendar("Asia/Shanghai", ["08:30-12:00", "13:30-17:30"], ["Saturday", "Sunday"],
                            CalendarDays.load(policies_dir / "calendars", "cn"))


@pytest.mark.parametrize(
    ("value", "expected", "text"),
    [
        ("30 minutes", WallClock(30, "minute"), "30 minutes"),
        ("1 minute", WallClock(1, "minute"), "1 minute"),
        ("1 hour", WallClock(1, "hour"), "1 hour"),
        ("24  Hours", WallClock(24, "hour"), "24 hours"),
        ("3 days", WallClock(3, "day"), "3 days"),
        ("1 day", WallClock(1, "day"), "1 day"),
        ("1 week", WallClock(7, "day"), "7 days"),
        ("2 weeks", WallClock(14, "day"), "14 days"),
        ("30 working minutes", WorkingTime(30, "minute"), "30 working minutes"),
        ("2 working hours", WorkingTime(2, "hour"), "2 working hours"),
        ("1 working hour", WorkingTime(1, "hour"), "1 working hour"),
        ("5 working days", WorkingDays(5), "5 working days"),
        ("1 working day", WorkingDays(1), "1 working day"),
        ("1 hour after work starts", AfterWorkStarts(1, "hour"), "1 hour after work starts"),
        ("30 minutes after work starts", AfterWorkStarts(30, "minute"), "30 minutes after work starts"),
        (
            "30 minutes in working time, otherwise 1 hour after work starts",
            Composite(WallClock(30, "minute"), AfterWorkStarts(1, "hour")),
            "30 minutes in working time, otherwise 1 hour after work starts",
        ),
        (
            DISPATCH,
            Composite(WallClock(30, "minute"), AfterWorkStarts(1, "hour")),
            "30 minutes in working time, otherwise 1 hour after work starts",
        ),
        (
            SIGN,
            Capped(Composite(WallClock(1, "hour"), AfterWorkStarts(1, "hour")),
                   "complaint.deadlines.dispatch"),
            "1 hour in working time, otherwise 1 hour after work starts, "
            "never after complaint.deadlines.dispatch",
        ),
        (
            {"duration": "1 hour", "never_after": "complaint.deadlines.dispatch"},
            Capped(WallClock(1, "hour"), "complaint.deadlines.dispatch"),
            "1 hour, never after complaint.deadlines.dispatch",
        ),
        (
            "1 hour never after complaint.deadlines.dispatch",
            Capped(WallClock(1, "hour"), "complaint.deadlines.dispatch"),
            "1 hour, never after complaint.deadlines.dispatch",
        ),
    ],
)
def test_durations_parse_to_frozen_values_with_a_canonical_text(
    value: Any, expected: Duration, text: str
) -> None:
    duration = parse_duration(value)
    assert duration == expected
    assert duration.text == text == str(duration)
    assert parse_duration(duration.text) == duration


def test_durations_are_frozen() -> None:
    duration = parse_duration("30 minutes")
    with pytest.raises(AttributeError):
        duration.amount = 10  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "cannot read duration ''"),
        ("soon", "cannot read duration 'soon'"),
        ("3 dayz", "did you mean 'days'?"),
        ("1.5 hours", "write 90 minutes, not 1.5 hours"),
        ("-3 days", "cannot read duration '-3 days'"),
        ("30 working weeks", "cannot read duration '30 working weeks'"),
        (30, "duration 30 is not a text"),
        ({"in_working_time": "30 minutes"}, "has the keys in_working_time and otherwise"),
        ({"duration": "1 hour"}, "or duration and never_after; not duration"),
        ({"duration": "1 hour", "never_after": "dispatch"}, "never_after names a policy key"),
        ("1 hour, never after a.b, never after c.d", "is capped twice"),
        ({"in_working_time": DISPATCH, "otherwise": "1 hour"}, "is not a text"),
        ({"in_working_time": "30 minutes", "otherwise": "later"}, "cannot read duration 'later'"),
    ],
)
def test_bad_durations_quote_the_text_and_list_the_accepted_forms(value: Any, fragment: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(value)
    assert fragment in caught.value.message
    assert caught.value.code == "duration.E001"
    if not isinstance(value, dict) or "otherwise" in value:
        assert '"30 working minutes"' in caught.value.message
        assert "1 hour after work starts" in caught.value.message


@pytest.mark.parametrize(
    ("value", "start", "expected"),
    [
        ("30 working minutes", "2026-11-23 11:50", "2026-11-23 13:50"),
        ("2 working hours", "2025-12-31 17:00", "2026-01-04 10:00"),
        ("5 working days", "2026-09-28 10:00", "2026-10-10 10:00"),
        ("1 working day", "2026-02-13 18:00", "2026-02-24 08:30"),
        ("24 hours", "2026-09-30 17:50", "2026-10-01 17:50"),  # wall clock ignores holidays
        ("3 days", "2026-11-23 10:00", "2026-11-26 10:00"),
        ("1 week", "2026-11-23 10:00", "2026-11-30 10:00"),
        ("30 minutes", "2026-11-23 11:50", "2026-11-23 12:20"),
        ("1 hour after work starts", "2026-11-23 07:00", "2026-11-23 09:30"),
        ("1 hour after work starts", "2026-11-23 08:30", "2026-11-23 09:30"),
        ("1 hour after work starts", "2026-11-23 10:00", "2026-11-23 14:30"),  # the next period start
        ("1 hour after work starts", "2026-11-23 12:10", "2026-11-23 14:30"),
        ("1 hour after work starts", "2026-11-23 18:00", "2026-11-24 09:30"),
        ("30 minutes after work starts", "2026-05-01 09:00", "2026-05-06 09:00"),
        # R2.5: in working hours within 30 minutes, off-hours within 1 hour after work starts
        (DISPATCH, "2026-11-23 10:00", "2026-11-23 10:30"),
        (DISPATCH, "2026-11-23 11:50", "2026-11-23 12:20"),
        (DISPATCH, "2026-11-23 12:10", "2026-11-23 14:30"),
        (DISPATCH, "2026-11-23 18:00", "2026-11-24 09:30"),
        (DISPATCH, "2026-11-27 18:00", "2026-11-30 09:30"),
        (DISPATCH, "2026-09-30 17:50", "2026-10-08 09:30"),
        (DISPATCH, "2026-02-14 07:00", "2026-02-14 09:30"),  # make-up Saturday
        (DISPATCH, "2026-02-15 10:00", "2026-02-24 09:30"),  # 春节
    ],
)
def test_durations_apply_against_the_business_calendar(
    calendar: BusinessCalendar, value: Any, start: str, expected: str
) -> None:
    due = parse_duration(value).apply(shanghai(start), calendar)
    assert due == shanghai(expected)
    assert due.tzinfo == ZoneInfo("Asia/Shanghai")


def test_a_dispatch_deadline_for_a_complaint_received_before_national_day_is_after_the_holiday(
    calendar: BusinessCalendar,
) -> None:
    due = parse_duration(DISPATCH).apply(shanghai("2026-09-30 17:50"), calendar)
    assert due.isoformat() == "2026-10-08T09:30:00+08:00"


def test_durations_accept_any_zone_and_answer_in_the_calendar_zone(calendar: BusinessCalendar) -> None:
    start = datetime(2026, 11, 23, 3, 50, tzinfo=ZoneInfo("UTC"))
    due = parse_duration("30 working minutes").apply(start, calendar)
    assert due.isoformat() == "2026-11-23T13:50:00+08:00"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("30 minutes", "1 hour", -1),
        ("24 hours", "1 day", 0),
        ("2 days", "24 hours", 1),
        ("1 week", "7 days", 0),
        ("30 working minutes", "1 working hour", -1),
        ("60 working minutes", "1 working hour", 0),
        ("5 working days", "3 working days", 1),
        ("30 minutes", "30 working minutes", -1),  # a wall amount never exceeds the same working amount
        ("30 working minutes", "30 minutes", 1),
        ("20 minutes", "1 working hour", -1),
        ("1 hour", "30 working minutes", None),
        ("3 days", "3 working days", -1),
        ("4 days", "3 working days", None),
        ("1 hour after work starts", "30 minutes after work starts", 1),
        ("1 hour after work starts", "60 minutes after work starts", 0),
        ("30 minutes", "1 hour after work starts", -1),
        ("2 hours", "1 hour after work starts", None),
        ("2 working hours", "1 working day", None),
        ("30 working minutes", "1 hour after work starts", None),
        ("1 working day", "1 hour after work starts", None),
        (DISPATCH, DISPATCH, 0),
        ({"in_working_time": "20 minutes", "otherwise": "1 hour after work starts"}, DISPATCH, -1),
        ({"in_working_time": "40 minutes", "otherwise": "2 hours after work starts"}, DISPATCH, 1),
        ({"in_working_time": "20 minutes", "otherwise": "2 hours after work starts"}, DISPATCH, None),
        ({"in_working_time": "30 minutes", "otherwise": "30 working minutes"}, DISPATCH, None),
        ("30 minutes", DISPATCH, -1),
        (DISPATCH, "30 minutes", 1),
        ("1 day", DISPATCH, None),
        (SIGN, SIGN, 0),  # the same cap: compared as the uncapped durations
        (SIGN, {**SIGN, "in_working_time": "2 hours"}, -1),
        (SIGN, "1 hour in working time, otherwise 1 hour after work starts", -1),  # a cap only shortens
        ("1 hour, never after complaint.deadlines.dispatch", "30 minutes", None),
        ("1 hour, never after complaint.deadlines.dispatch", "1 hour, never after complaint.deadlines.visit",
         None),
    ],
)
def test_compare_durations_orders_only_what_is_certain(a: Any, b: Any, expected: int | None) -> None:
    assert compare_durations(parse_duration(a), parse_duration(b)) == expected
    flipped = None if expected is None else -expected
    assert compare_durations(parse_duration(b), parse_duration(a)) == flipped


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("daily at 09:30", Schedule("daily", "at", at=time(9, 30))),
        ("Daily  at 09:30 on working days", Schedule("daily", "at", at=time(9, 30), working_days_only=True)),
        ("daily before 18:00", Schedule("daily", "before", at=time(18))),
        ("weekly on Monday", Schedule("weekly", "on", weekday=0)),
        ("weekly on friday at 16:00 on working days",
         Schedule("weekly", "on", at=time(16), weekday=4, working_days_only=True)),
        ("monthly on the 1st", Schedule("monthly", "on", day=1)),
        ("monthly by the 3rd", Schedule("monthly", "by", day=3)),
        ("monthly by the 3rd on working days", Schedule("monthly", "by", day=3, working_days_only=True)),
        ("monthly on the 21st at 09:00", Schedule("monthly", "on", at=time(9), day=21)),
    ],
)
def test_schedules_parse_to_frozen_values_with_a_canonical_text(text: str, expected: Schedule) -> None:
    schedule = parse_schedule(text)
    assert schedule == expected
    assert parse_schedule(schedule.text) == schedule
    assert schedule.working_days_only is expected.working_days_only


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("daily at 09:30 on working days", "daily at 09:30 on working days"),
        ("monthly by the 3th", "monthly by the 3rd"),
        ("weekly on MONDAY", "weekly on Monday"),
        ("monthly on the 22th at 08:00", "monthly on the 22nd at 08:00"),
    ],
)
def test_schedule_texts_are_canonical(text: str, canonical: str) -> None:
    assert parse_schedule(text).text == canonical


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("hourly", "cannot read schedule 'hourly'"),
        ("daily at 25:00", "cannot read schedule 'daily at 25:00'"),
        ("weekly on Sonday", "did you mean Sunday?"),
        ("monthly on the 32nd", "day 32 in schedule 'monthly on the 32nd' is not a day of the month"),
        ("before 18:00 daily", '"daily before 18:00"'),
    ],
)
def test_bad_schedules_quote_the_text_and_list_the_accepted_forms(text: str, fragment: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_schedule(text)
    assert fragment in caught.value.message
    assert caught.value.code == "duration.E002"


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        (
            "daily at 09:30 on working days", "2026-09-28 00:00", "2026-10-13 00:00",
            ["09-28 09:30", "09-29 09:30", "09-30 09:30", "10-08 09:30", "10-09 09:30", "10-10 09:30",
             "10-12 09:30"],
        ),
        (
            "daily before 18:00", "2026-09-30 12:00", "2026-10-03 00:00",
            ["09-30 18:00", "10-01 18:00", "10-02 18:00"],
        ),
        (
            "weekly on Monday on working days", "2026-02-09 00:00", "2026-03-03 00:00",
            ["02-09 00:00", "02-24 00:00", "03-02 00:00"],  # the two holiday Mondays meet on 2/24
        ),
        (
            "weekly on Monday", "2026-02-09 00:00", "2026-03-03 00:00",
            ["02-09 00:00", "02-16 00:00", "02-23 00:00", "03-02 00:00"],
        ),
        (
            "monthly on the 1st on working days", "2026-01-01 00:00", "2026-12-31 00:00",
            ["01-04 00:00", "02-02 00:00", "03-02 00:00", "04-01 00:00", "05-06 00:00", "06-01 00:00",
             "07-01 00:00", "08-03 00:00", "09-01 00:00", "10-08 00:00", "11-02 00:00", "12-01 00:00"],
        ),
        (
            "monthly by the 3rd on working days", "2026-01-01 00:00", "2026-06-01 00:00",
            ["01-01 00:00", "02-04 00:00", "03-04 00:00", "04-04 00:00", "05-01 00:00"],
        ),
        ("monthly by the 3rd", "2026-10-01 00:00", "2026-12-01 00:00", ["10-04 00:00", "11-04 00:00"]),
        ("monthly on the 31st", "2026-02-01 00:00", "2026-04-01 00:00", ["02-28 00:00", "03-31 00:00"]),
    ],
)
def test_schedule_occurrences_across_holidays(
    calendar: BusinessCalendar, text: str, start: str, end: str, expected: list[str]
) -> None:
    found = parse_schedule(text).occurrences(shanghai(start), shanghai(end), calendar)
    assert [moment.strftime("%m-%d %H:%M") for moment in found] == expected


@pytest.mark.parametrize(
    ("text", "moment", "expected"),
    [
        ("daily at 09:30", "2026-11-23 09:29", "2026-11-23 09:30"),
        ("daily at 09:30", "2026-11-23 09:30", "2026-11-24 09:30"),  # strictly after
        ("daily at 09:30 on working days", "2026-09-30 10:00", "2026-10-08 09:30"),
        ("daily before 18:00", "2026-11-23 18:00", "2026-11-24 18:00"),
        ("weekly on Monday on working days", "2026-02-10 00:00", "2026-02-24 00:00"),
        ("monthly by the 3rd on working days", "2026-09-15 00:00", "2026-10-01 00:00"),
        ("monthly on the 1st", "2026-12-15 00:00", "2027-01-01 00:00"),
    ],
)
def test_next_occurrence_is_strictly_after_the_moment(
    calendar: BusinessCalendar, text: str, moment: str, expected: str
) -> None:
    assert parse_schedule(text).next_after(shanghai(moment), calendar) == shanghai(expected)


@pytest.mark.parametrize(
    ("text", "moment", "key"),
    [
        ("daily at 09:30", "2026-11-23 10:00", "2026-11-23"),
        ("daily at 09:30", "2026-11-23 09:00", "2026-11-22"),  # today's run is not due yet
        ("daily at 09:30 on working days", "2026-11-23 09:00", "2026-11-20"),
        ("weekly on Monday", "2026-11-23 10:00", "2026-W48"),
        ("weekly on Monday on working days", "2026-02-20 10:00", "2026-W07"),
        ("weekly on Monday on working days", "2026-02-24 10:00", "2026-W08"),
        ("monthly on the 1st", "2026-11-23 10:00", "2026-11"),
        ("monthly by the 3rd on working days", "2026-10-01 08:00", "2026-10"),
        ("monthly by the 3rd on working days", "2026-09-30 23:00", "2026-09"),
    ],
)
def test_period_key_names_the_period_of_the_last_occurrence(
    calendar: BusinessCalendar, text: str, moment: str, key: str
) -> None:
    assert parse_schedule(text).period_key(shanghai(moment), calendar) == key
