"""engine.calendar_publish: each year's source, and a notice previewed against the provisional year."""

from __future__ import annotations

from datetime import date

from engine.calendar_publish import by_holiday, calendar_regions, calendar_years
from engine.policy import load_policy_set
from tests.conftest import ROOT


def test_each_year_says_where_its_days_come_from():
    years = {y.year: y for y in calendar_years(ROOT / "policies" / "calendars", "cn", date(2026, 11, 23))}
    assert {y: (s.status, s.source_kind) for y, s in years.items()} == {
        2024: ("file", "chinesecalendar"), 2025: ("file", "chinesecalendar"),
        2026: ("file", "chinesecalendar"), 2027: ("provisional", "provisional")}
    assert years[2027].workdays == 0 and years[2027].holidays > 0
    assert years[2026].source == "chinesecalendar 1.11.0"


def test_the_regions_are_those_of_the_policies_and_the_files():
    assert calendar_regions(load_policy_set(ROOT / "policies")) == ["cn"]


def test_days_are_grouped_by_holiday_in_calendar_order():
    groups = by_holiday({date(2027, 2, 6): "春节", date(2027, 1, 1): "元旦", date(2027, 2, 5): "春节"},
                        {date(2027, 1, 31): "春节"})
    assert groups == [("元旦", [date(2027, 1, 1)], []),
                      ("春节", [date(2027, 2, 5), date(2027, 2, 6)], [date(2027, 1, 31)])]
