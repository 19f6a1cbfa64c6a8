"""The business calendar (R0.4): working days with holidays and 调休, working hours, holiday files."""

from __future__ import annotations

import shutil
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from chinese_calendar import constants

from engine.calendar import (
    BusinessCalendar,
    CalendarDays,
    YearDays,
    forget_year,
    import_year,
    parse_weekend,
    parse_working_hours,
    provisional_use,
)
from engine.errors import CalendarError
from tests.conftest import shanghai

INVALID = Path(__file__).resolve().parent.parent / "data" / "calendars" / "invalid"
GROUP_HOURS = ["08:30-12:00", "13:30-17:30"]


@pytest.fixture
def calendar(policies_dir: Path) -> BusinessCalendar:
    """The group calendar over the shipped holiday files."""
    return BusinessCalendar("Asia/Shanghai", GROUP_HOURS, ["Saturday", "Sunday"],
                            CalendarDays.load(policies_dir / "calendars", "cn"))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2025-12-31", True),   # Wednesday before New Year
        ("2026-01-01", False),  # 元旦
        ("2026-01-03", False),
        ("2026-01-04", True),   # Sunday, make-up workday
        ("2026-02-13", True),
        ("2026-02-14", True),   # Saturday, make-up workday before 春节
        ("2026-02-15", False),  # 春节 starts
        ("2026-02-18", False),
        ("2026-02-23", False),  # Monday, last day of 春节
        ("2026-02-24", True),
        ("2026-02-28", True),   # Saturday, make-up workday after 春节
        ("2026-03-01", False),  # ordinary Sunday
        ("2026-04-03", True),
        ("2026-04-04", False),  # 清明节
        ("2026-04-06", False),  # Monday, 清明节
        ("2026-04-07", True),
        ("2026-05-01", False),  # 劳动节
        ("2026-05-05", False),
        ("2026-05-06", True),
        ("2026-05-09", True),   # Saturday, make-up workday
        ("2026-09-20", True),   # Sunday, make-up workday for 国庆节
        ("2026-09-30", True),
        ("2026-10-01", False),  # 国庆节
        ("2026-10-07", False),
        ("2026-10-08", True),
        ("2026-10-10", True),   # Saturday, make-up workday
        ("2026-10-11", False),
        ("2026-11-21", False),  # ordinary Saturday
        ("2026-11-23", True),   # ordinary Monday
    ],
)
def test_working_days_follow_weekends_holidays_and_make_up_days(
    calendar: BusinessCalendar, day: str, working: bool
) -> None:
    assert calendar.is_working_day(date.fromisoformat(day)) is working


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        ("2026-11-23 08:29", False),
        ("2026-11-23 08:30", True),
        ("2026-11-23 11:59", True),
        ("2026-11-23 12:00", False),  # periods are half-open: lunch starts at 12:00
        ("2026-11-23 13:29", False),
        ("2026-11-23 13:30", True),
        ("2026-11-23 17:29", True),
        ("2026-11-23 17:30", False),
        ("2026-11-21 10:00", False),  # Saturday
        ("2026-02-14 10:00", True),   # make-up Saturday
        ("2026-10-02 10:00", False),  # 国庆节
    ],
)
def test_working_time_is_working_hours_on_working_days(
    calendar: BusinessCalendar, moment: str, working: bool
) -> None:
    assert calendar.is_working_time(shanghai(moment)) is working


def test_working_time_is_judged_in_the_calendar_zone_whatever_the_input_zone(
    calendar: BusinessCalendar,
) -> None:
    assert calendar.is_working_time(datetime(2026, 11, 23, 2, 0, tzinfo=ZoneInfo("UTC")))  # 10:00 Shanghai
    assert not calendar.is_working_time(datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("UTC")))  # 18:00


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-11-23 07:00", "2026-11-23 08:30"),
        ("2026-11-23 08:30", "2026-11-23 08:30"),
        ("2026-11-23 09:00", "2026-11-23 13:30"),
        ("2026-11-23 12:10", "2026-11-23 13:30"),
        ("2026-11-23 17:45", "2026-11-24 08:30"),
        ("2026-11-27 18:00", "2026-11-30 08:30"),  # Friday evening → Monday
        ("2026-09-30 17:50", "2026-10-08 08:30"),  # before 国庆节
        ("2026-02-13 18:00", "2026-02-14 08:30"),  # make-up Saturday
    ],
)
def test_next_work_start_is_the_next_working_period_start(
    calendar: BusinessCalendar, start: str, expected: str
) -> None:
    assert calendar.next_work_start(shanghai(start)) == shanghai(expected)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        ("2026-11-23 11:50", 30, "2026-11-23 13:50"),  # across lunch
        ("2026-11-23 11:30", 30, "2026-11-23 12:00"),  # ends exactly at the period end
        ("2026-11-23 17:00", 30, "2026-11-23 17:30"),
        ("2026-11-23 17:00", 31, "2026-11-24 08:31"),
        ("2026-11-23 12:10", 30, "2026-11-23 14:00"),  # lunch break counts from 13:30
        ("2026-11-23 07:00", 30, "2026-11-23 09:00"),  # before work
        ("2026-11-23 18:00", 0, "2026-11-24 08:30"),
        ("2026-11-27 17:00", 60, "2026-11-30 09:00"),  # over a weekend
        ("2025-12-31 17:00", 120, "2026-01-04 10:00"),  # over New Year into a make-up Sunday
        ("2026-02-13 17:00", 60, "2026-02-14 09:00"),  # make-up Saturday before 春节
        ("2026-02-14 17:00", 60, "2026-02-24 09:00"),  # over 春节
        ("2026-04-03 16:30", 120, "2026-04-07 09:30"),  # over 清明节
        ("2026-04-30 17:00", 480, "2026-05-06 17:30"),  # over 劳动节, ending at the day's end
        ("2026-09-30 17:00", 60, "2026-10-08 09:00"),  # over 国庆节
    ],
)
def test_adding_working_minutes_skips_lunch_nights_weekends_and_holidays(
    calendar: BusinessCalendar, start: str, minutes: int, expected: str
) -> None:
    assert calendar.add_working_minutes(shanghai(start), minutes) == shanghai(expected)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2026-11-23 10:00", 1, "2026-11-24 10:00"),
        ("2026-11-27 10:00", 1, "2026-11-30 10:00"),
        ("2026-11-23 18:00", 1, "2026-11-25 08:30"),  # off-hours start counts from the next work start
        ("2026-11-23 12:15", 1, "2026-11-24 13:30"),
        ("2026-09-30 10:00", 1, "2026-10-08 10:00"),
        ("2026-09-30 10:00", 3, "2026-10-10 10:00"),  # make-up Saturday counts
        ("2026-02-13 15:00", 1, "2026-02-14 15:00"),
        ("2026-02-13 15:00", 2, "2026-02-24 15:00"),
        ("2025-12-31 10:00", 1, "2026-01-04 10:00"),
        ("2026-11-23 10:00", 0, "2026-11-23 10:00"),
    ],
)
def test_adding_working_days_keeps_the_working_time_position(
    calendar: BusinessCalendar, start: str, days: int, expected: str
) -> None:
    assert calendar.add_working_days(shanghai(start), days) == shanghai(expected)


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        ("2026-11-23 08:00", "2026-11-23 18:00", 450),
        ("2026-11-23 11:50", "2026-11-23 13:50", 30),
        ("2026-11-23 13:50", "2026-11-23 11:50", -30),
        ("2026-11-23 00:00", "2026-11-30 00:00", 2250),
        ("2026-09-30 17:00", "2026-10-08 09:00", 60),
        ("2026-11-21 09:00", "2026-11-21 17:00", 0),
    ],
)
def test_working_minutes_between_counts_only_working_time(
    calendar: BusinessCalendar, start: str, end: str, minutes: int
) -> None:
    assert calendar.working_minutes_between(shanghai(start), shanghai(end)) == minutes


def test_results_are_in_the_calendar_zone_even_for_utc_input(calendar: BusinessCalendar) -> None:
    due = calendar.add_working_minutes(datetime(2026, 11, 23, 3, 50, tzinfo=ZoneInfo("UTC")), 30)
    assert due.tzinfo == ZoneInfo("Asia/Shanghai")
    assert due.isoformat() == "2026-11-23T13:50:00+08:00"


def test_a_subsidiary_may_have_its_own_hours_and_weekend(policies_dir: Path) -> None:
    days = CalendarDays.load(policies_dir / "calendars", "cn")
    six_days = BusinessCalendar("Asia/Shanghai", ["09:00-12:00", "13:00-18:00"], ["Sunday"], days)
    assert six_days.is_working_day(date(2026, 11, 28))  # Saturday
    assert six_days.add_working_minutes(shanghai("2026-11-28 17:30"), 60) == shanghai("2026-11-30 09:30")


def test_a_year_without_a_file_is_computed_from_the_law_and_says_so(calendar: BusinessCalendar) -> None:
    with provisional_use() as used:
        due = calendar.add_working_minutes(shanghai("2026-12-31 17:00"), 60)
    assert due == shanghai("2027-01-04 09:00")  # 2027-01-01 元旦 (Friday), then the weekend
    assert used == {2027}
    data = calendar.days.year(2027)
    assert data.provisional and data.path is None and data.workdays == {}
    assert data.source_kind == "provisional" and "全国年节及纪念日放假办法" in data.source


def test_a_computation_on_official_years_collects_no_provisional_year(calendar: BusinessCalendar) -> None:
    with provisional_use() as outer:
        with provisional_use() as inner:
            calendar.add_working_minutes(shanghai("2026-12-30 17:00"), 60)
        assert inner == set()
        calendar.add_working_days(shanghai("2026-12-30 10:00"), 5)
    assert outer == {2027}


def test_a_missing_year_in_a_directory_without_statutory_rules_is_never_guessed(tmp_path: Path) -> None:
    days = CalendarDays.load(tmp_path, "cn")
    with pytest.raises(CalendarError) as caught:
        days.year(2026)
    assert caught.value.code == "calendar.E001"
    assert str(tmp_path / "cn-2026.yaml") in caught.value.message
    assert "no statutory rules" in caught.value.message
    assert "kefu calendar import 2026" in caught.value.message


@pytest.mark.parametrize("year", [1999, 2023, 2100])
def test_a_year_outside_the_statutory_range_without_a_file_is_refused_with_the_range(
    calendar: BusinessCalendar, year: int
) -> None:
    with pytest.raises(CalendarError) as caught:
        calendar.is_working_day(date(year, 3, 2))
    assert caught.value.code == "calendar.E001"
    assert f"no holiday data for {year}" in caught.value.message
    assert "compute provisional years 2025-2099 only" in caught.value.message


def test_a_year_file_written_later_replaces_the_provisional_year(tmp_path: Path, policies_dir: Path) -> None:
    shutil.copy(policies_dir / "calendars" / "cn-statutory.yaml", tmp_path)
    days = CalendarDays.load(tmp_path, "cn")
    assert days.year(2027).provisional and days.status(2027) == "provisional"
    (tmp_path / "cn-2027.yaml").write_text(
        "region: cn\nyear: 2027\nsource: manual\nholidays: []\n"
        "workdays:\n  - {date: 2027-02-20, name: 春节}\n", encoding="utf-8")
    assert days.year(2027).provisional  # cached within the re-check interval …
    forget_year(tmp_path, "cn", 2027)  # … until the writer says so (kefu calendar import does)
    assert not days.year(2027).provisional and days.status(2027) == "file"
    assert days.workday_name(date(2027, 2, 20)) == "春节"


def test_another_process_writing_the_year_is_seen_after_the_recheck_interval(
    tmp_path: Path, policies_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(policies_dir / "calendars" / "cn-statutory.yaml", tmp_path)
    clock = [1000.0]
    monkeypatch.setattr("engine.calendar._time.monotonic", lambda: clock[0])
    days = CalendarDays.load(tmp_path, "cn")
    assert days.year(2027).provisional
    (tmp_path / "cn-2027.yaml").write_text("region: cn\nyear: 2027\nholidays: []\nworkdays: []\n",
                                           encoding="utf-8")
    clock[0] += 29
    assert days.year(2027).provisional
    clock[0] += 2
    data = days.year(2027)
    assert not data.provisional and data.source == "manual"


def test_years_ahead_lists_the_years_without_a_file(calendar: BusinessCalendar) -> None:
    assert calendar.days.years_ahead(date(2026, 10, 1)) == []
    assert calendar.days.years_ahead(date(2026, 11, 2)) == [(2027, "provisional")]
    assert calendar.days.years_ahead(date(2027, 6, 1)) == [(2027, "provisional")]


@pytest.mark.parametrize(
    ("region", "line", "code", "fragment"),
    [
        ("syntax", 5, "calendar.E002", "not valid YAML"),
        ("notmapping", 1, "calendar.E003", "mapping"),
        ("shape", 3, "calendar.E003", "unknown key 'holiday'"),
        ("missing", 1, "calendar.E003", "missing key(s) workdays"),
        ("notlist", 5, "calendar.E003", "workdays must be a list"),
        ("mismatch", 2, "calendar.E004", "year is '2025'"),
        ("baddate", 5, "calendar.E005", "'2026-02-30' in holidays is not a date"),
        ("otheryear", 4, "calendar.E005", "2025-12-31 in holidays is not in 2026"),
        ("noname", 6, "calendar.E005", "each entry of workdays"),
        ("twice", 6, "calendar.E006", "listed twice in holidays (first on line 4)"),
        ("both", 7, "calendar.E006", "both as a holiday and as a workday"),
        ("badsource", 3, "calendar.E007", "source 'chinese calendar' does not start with one of"),
    ],
)
def test_a_malformed_calendar_file_is_reported_with_path_line_and_code(
    region: str, line: int, code: str, fragment: str
) -> None:
    with pytest.raises(CalendarError) as caught:
        CalendarDays.load(INVALID, region).year(2026)
    error = caught.value
    assert (error.path, error.line, error.code) == (str(INVALID / f"{region}-2026.yaml"), line, code)
    assert fragment in error.message
    assert str(error).startswith(f"{INVALID / f'{region}-2026.yaml'}:{line}: {code} ")


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_shipped_holiday_files_load_and_match_chinesecalendar(policies_dir: Path, year: int) -> None:
    data = CalendarDays.load(policies_dir / "calendars", "cn").year(year)
    assert set(data.holidays) == {d for d in constants.holidays if d.year == year}
    assert set(data.workdays) == {d for d in constants.workdays if d.year == year}
    header = (policies_dir / "calendars" / f"cn-{year}.yaml").read_text(encoding="utf-8").splitlines()[:4]
    assert any(f"kefu calendar import {year}" in line and "chinesecalendar 1.11.0" in line for line in header)
    assert (data.source, data.source_kind, data.provisional) == ("chinesecalendar 1.11.0", "chinesecalendar",
                                                                 False)


@pytest.mark.parametrize(
    ("day", "holiday", "workday"),
    [
        ("2026-01-01", "元旦", None),
        ("2026-02-17", "春节", None),
        ("2026-02-14", None, "春节"),
        ("2026-04-05", "清明节", None),
        ("2026-05-01", "劳动节", None),
        ("2026-06-19", "端午节", None),
        ("2026-09-25", "中秋节", None),
        ("2026-10-01", "国庆节", None),
        ("2026-10-10", None, "国庆节"),
        ("2026-11-23", None, None),
    ],
)
def test_holiday_names_are_chinese(
    policies_dir: Path, day: str, holiday: str | None, workday: str | None
) -> None:
    days = CalendarDays.load(policies_dir / "calendars", "cn")
    assert days.holiday_name(date.fromisoformat(day)) == holiday
    assert days.workday_name(date.fromisoformat(day)) == workday


def test_in_memory_years_need_no_files() -> None:
    year = YearDays("test", 2030, holidays={date(2030, 1, 1): "元旦"}, workdays={date(2030, 1, 5): "元旦"})
    days = CalendarDays.from_years("test", [year])
    calendar = BusinessCalendar("Asia/Shanghai", GROUP_HOURS, ["sat", "sun"], days)
    assert not calendar.is_working_day(date(2030, 1, 1))
    assert calendar.is_working_day(date(2030, 1, 5))


def test_importing_a_year_writes_an_editable_file_that_loads(tmp_path: Path) -> None:
    path = import_year(2025, tmp_path)
    assert path == tmp_path / "cn-2025.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ")
    assert "{date: 2025-10-06, name: 中秋节}" in text
    data = CalendarDays.load(tmp_path, "cn").year(2025)
    assert data.workdays[date(2025, 9, 28)] == "国庆节"


def test_importing_refuses_to_overwrite_a_file_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / "cn-2026.yaml"
    path.write_text("# edited by hand\n", encoding="utf-8")
    with pytest.raises(CalendarError) as caught:
        import_year(2026, tmp_path)
    assert caught.value.code == "calendar.E021"
    assert "--force" in caught.value.message
    assert path.read_text(encoding="utf-8") == "# edited by hand\n"
    import_year(2026, tmp_path, force=True)
    assert "春节" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("year", "region", "fragment"),
    [
        (2027, "cn", "has no holiday data for 2027 (it knows 2004-2026); import the State Council's notice"),
        (1999, "cn", "has no holiday data for 1999"),
        (2026, "hk", "only has data for region 'cn'"),
    ],
)
def test_importing_what_chinesecalendar_does_not_know_fails_clearly(
    tmp_path: Path, year: int, region: str, fragment: str
) -> None:
    with pytest.raises(CalendarError) as caught:
        import_year(year, tmp_path, region)
    assert caught.value.code == "calendar.E020"
    assert fragment in caught.value.message
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["08:30-12:00", "13:30-17:30"], ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))),
        ("08:30-12:00, 13:30-17:30", ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))),
        ([("8:30", "12:00")], ((time(8, 30), time(12)),)),
        ([{"start": "09:00", "end": "18:00"}], ((time(9), time(18)),)),
        ([(time(9), time(17))], ((time(9), time(17)),)),
    ],
)
def test_working_hours_are_read_from_several_spellings(value: object, expected: object) -> None:
    assert parse_working_hours(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (["12:00-08:30"], "ends before it starts"),
        (["08:30-12:00", "11:00-17:00"], "must be in order and not overlap"),
        (["13:30-17:30", "08:30-12:00"], "must be in order and not overlap"),
        (["25:00-26:00"], "'25:00' in working period '25:00-26:00' is not a time HH:MM"),
        (["0830-1200"], "'0830' in working period '0830-1200' is not a time"),
        (["08:30"], "is not 'HH:MM-HH:MM'"),
        ([], "working hours are empty"),
    ],
)
def test_bad_working_hours_are_refused_with_the_value(value: list[str], fragment: str) -> None:
    with pytest.raises(CalendarError) as caught:
        parse_working_hours(value)
    assert caught.value.code == "calendar.E010"
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["Saturday", "Sunday"], {5, 6}),
        ("Sat+Sun", {5, 6}),
        (["周六", "星期日"], {5, 6}),
        ([6], {6}),
        ([], set()),
    ],
)
def test_weekend_days_are_read_from_names(value: object, expected: set[int]) -> None:
    assert parse_weekend(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (["Sonday"], "did you mean Sunday?"),
        (["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "leaves no working day"),
    ],
)
def test_a_bad_weekend_is_refused(value: list[str], fragment: str) -> None:
    with pytest.raises(CalendarError) as caught:
        parse_weekend(value)
    assert caught.value.code == "calendar.E011"
    assert fragment in caught.value.message


def test_an_unknown_time_zone_suggests_the_closest_name(tmp_path: Path) -> None:
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar("Asia/Shanghia", GROUP_HOURS, ["Sunday"], CalendarDays.load(tmp_path, "cn"))
    assert caught.value.code == "calendar.E012"
    assert "did you mean Asia/Shanghai?" in caught.value.message


def test_naive_times_are_refused(calendar: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="no time zone"):
        calendar.is_working_time(datetime(2026, 11, 23, 10, 0))
