"""Statutory holidays computed from the law (《全国年节及纪念日放假办法》 from 2025) for provisional years."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from chinese_calendar import constants

from engine.calendar import _ZH_NAMES, CalendarDays
from engine.errors import CalendarError
from engine.statutory import StatutoryRules, load_statutory_rules

INVALID = Path(__file__).resolve().parent.parent / "data" / "calendars" / "statutory"
LAW_DAYS = {"元旦": 1, "春节": 4, "清明节": 1, "劳动节": 2, "端午节": 1, "中秋节": 1, "国庆节": 3}


@pytest.fixture
def rules(policies_dir: Path) -> StatutoryRules:
    """The shipped rules (policies/calendars/cn-statutory.yaml)."""
    found = load_statutory_rules(policies_dir / "calendars", "cn")
    assert found is not None
    return found


# The law's days that fell on a weekend in the published years (art. 6 gives a weekday 补假 for each).
WEEKEND_LAW_DAYS = {
    2025: {date(2025, 5, 31)},  # 端午节, Saturday → Monday 06-02
    2026: {date(2026, 4, 5), date(2026, 5, 2), date(2026, 10, 3)},  # 清明 Sunday, 劳动 and 国庆 Saturdays
}


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_computed_holidays_are_exactly_the_legal_days_chinesecalendar_marks(
    rules: StatutoryRules, year: int
) -> None:
    computed = rules.holidays(year)
    published = {d: _ZH_NAMES[n] for d, n in constants.holidays.items() if d.year == year}
    # Every computed day is a published holiday of the same name, and none is a 调休 day off.
    assert {d: published.get(d) for d in computed} == computed
    assert not set(computed) & set(constants.in_lieu_days)
    # Every published weekday off that is not 调休 is a legal day (or its 补假).
    legal_weekdays = {d for d in published if d.weekday() < 5 and d not in constants.in_lieu_days}
    assert {d for d in computed if d.weekday() < 5} == legal_weekdays
    assert {d for d in computed if d.weekday() >= 5} == WEEKEND_LAW_DAYS[year]


def test_2027_follows_the_law_holiday_by_holiday(rules: StatutoryRules) -> None:
    days = rules.holidays(2027)
    by_name: dict[str, list[str]] = {}
    for day, name in days.items():
        by_name.setdefault(name, []).append(day.strftime("%m-%d"))
    assert by_name == {
        "元旦": ["01-01"],  # Friday
        "春节": ["02-05", "02-06", "02-07", "02-08", "02-09", "02-10"],  # 除夕 Fri … 初三 Mon, 2 补假
        "清明节": ["04-05"],  # Monday: the solar term 清明 falls on 04-05 in 2027
        "劳动节": ["05-01", "05-02", "05-03", "05-04"],  # Saturday and Sunday, 2 补假
        "端午节": ["06-09"],  # lunar 5/5
        "中秋节": ["09-15"],  # lunar 8/15
        "国庆节": ["10-01", "10-02", "10-03", "10-04", "10-05"],  # Fri-Sun, 2 补假
    }


@pytest.mark.parametrize("year", range(2025, 2100))
def test_every_covered_year_has_the_laws_thirteen_days_on_their_anchors(
    rules: StatutoryRules, year: int
) -> None:
    days = rules.holidays(year)
    for rule in rules.version(year).holidays:
        law_days = rule.dates(year)
        assert len(law_days) == LAW_DAYS[rule.name]
        assert all(day.year == year for day in law_days)
        owed = sum(1 for d in law_days if d.weekday() >= 5 or days.get(d) != rule.name)
        extra = [d for d, n in days.items() if n == rule.name and d not in law_days]
        assert len(extra) == owed  # one 补假 per law day on a weekend (or on another holiday)
        assert all(d.weekday() < 5 and d > law_days[-1] for d in extra)
    eve = rules.rule("春节", year)
    assert eve is not None
    assert eve.first_day(year) + timedelta(days=1) == rules.rule("春节", year).dates(year)[1]  # type: ignore[union-attr]
    assert date(year, 4, 4) <= rules.rule("清明节", year).first_day(year) <= date(year, 4, 6)  # type: ignore[union-attr]


def test_a_holiday_on_another_holiday_gets_the_next_free_weekday(tmp_path: Path) -> None:
    (tmp_path / "cn-statutory.yaml").write_text(
        "region: cn\nweekend: [saturday, sunday]\nversions:\n  - years: 2020-2020\n    law: test\n"
        "    holidays:\n      - {name: 国庆节, date: \"10-01\", days: 3}\n"
        "      - {name: 中秋节, lunar: \"08-15\", days: 1}\n", encoding="utf-8")
    rules = load_statutory_rules(tmp_path, "cn")
    assert rules is not None
    # 2020: 中秋 (lunar 8/15) was 10-01, a Thursday, the first day of 国庆.
    assert {d.strftime("%m-%d"): n for d, n in rules.holidays(2020).items()} == {
        "10-01": "国庆节", "10-02": "国庆节", "10-03": "国庆节",  # Thu, Fri, Sat
        "10-05": "中秋节",  # 中秋 coincided with 国庆 on 10-01: its day off is the next free weekday …
        "10-06": "国庆节",  # … then the 补假 for Saturday 10-03 (holidays get theirs in the order they end)
    }


def test_without_a_rules_file_there_are_no_rules(tmp_path: Path) -> None:
    assert load_statutory_rules(tmp_path, "cn") is None
    assert CalendarDays.load(tmp_path, "cn").status(2027) == "missing"


@pytest.mark.parametrize(
    ("region", "line", "fragment"),
    [
        ("syntax", 3, "not valid YAML"),
        ("nomapping", 1, "the rules file is a mapping with keys region, weekend, versions"),
        ("region", 1, "region is not 'region' as the file name says"),
        ("weekend", 2, "'sundy' is not a weekday name"),
        ("years", 4, "years is a range FIRST-LAST such as 2025-2099"),
        ("anchor", 8, "exactly one anchor"),
        ("term", 7, "'清明节' is not a solar term (节气) such as 清明"),
        ("lunar", 7, "lunar '12-31' is not MM-DD (or eve for 除夕)"),
        ("days", 7, "days 'three' is not a whole number of days (1-10)"),
    ],
)
def test_a_malformed_rules_file_is_reported_with_path_and_line(region: str, line: int, fragment: str) -> None:
    with pytest.raises(CalendarError) as caught:
        load_statutory_rules(INVALID, region)
    error = caught.value
    assert (error.path, error.line, error.code) == (str(INVALID / f"{region}-statutory.yaml"), line,
                                                    "calendar.E040")
    assert fragment in error.message


def test_a_year_outside_the_versions_is_refused_by_the_rules(rules: StatutoryRules) -> None:
    with pytest.raises(CalendarError) as caught:
        rules.version(2100)
    assert caught.value.code == "calendar.E041"
    assert "cover 2025-2099, not 2100" in caught.value.message
