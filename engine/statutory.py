"""The statutory holidays of the law, for years that have no official calendar file yet.

The rules are data: ``policies/calendars/<region>-statutory.yaml`` (for ``cn``: 《全国年节及纪念日放假办法》
as revised from 2025-01-01, article 2 for the holidays, article 6 for a holiday on a weekend).
``StatutoryRules.holidays(year)`` gives the law's days of a year: each holiday from its anchor (a
Gregorian date, a lunar date from lunar-python, 除夕, or a solar term such as 清明) for its number
of days, plus one substitute day (补假) on the next free weekday after the holiday for each of its
days that falls on a weekend or on another holiday (holidays get theirs in the order they end).
There are never make-up workdays (调休): the State Council decides those each year, and only its
notice can add them.

Error codes: ``calendar.E040`` the rules file is malformed, ``calendar.E041`` a year outside the
range the rules cover.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from engine.errors import CalendarError

__all__ = ["HolidayRule", "RuleVersion", "StatutoryRules", "load_statutory_rules", "rules_path"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MMDD = re.compile(r"^(\d{2})-(\d{2})$")
_YEARS = re.compile(r"^(\d{4})\s*-\s*(\d{4})$")
_ANCHORS = ("date", "lunar", "solar_term")


def rules_path(calendars_dir: str | Path, region: str) -> Path:
    """Where the statutory rules of ``region`` live."""
    return Path(calendars_dir) / f"{region}-statutory.yaml"


@dataclass(frozen=True)
class HolidayRule:
    """One statutory holiday: its name, its anchor and how many days it lasts."""

    name: str
    anchor: str  # date | lunar | lunar_eve | solar_term
    month: int = 0
    day: int = 0
    term: str = ""
    days: int = 1

    def first_day(self, year: int) -> date:
        """The holiday's first day in ``year``."""
        if self.anchor == "date":
            return date(year, self.month, self.day)
        from lunar_python import Lunar, Solar

        if self.anchor == "lunar_eve":  # the day before the lunar new year that falls in ``year``
            solar = Lunar.fromYmd(year, 1, 1).getSolar()
            return date(solar.getYear(), solar.getMonth(), solar.getDay()) - timedelta(days=1)
        if self.anchor == "lunar":
            solar = Lunar.fromYmd(year, self.month, self.day).getSolar()
            return date(solar.getYear(), solar.getMonth(), solar.getDay())
        # A lunar year's table of solar terms runs from the 冬至 before it to the 大雪 at its end.
        for lunar_year in (year, year + 1):
            solar = Solar.fromYmd(lunar_year, 7, 1).getLunar().getJieQiTable()[self.term]
            found = date(solar.getYear(), solar.getMonth(), solar.getDay())
            if found.year == year:
                return found
        raise AssertionError("unreachable")  # pragma: no cover - one of the two tables holds it

    def dates(self, year: int) -> list[date]:
        """The law's days of this holiday in ``year``, in order."""
        first = self.first_day(year)
        return [first + timedelta(days=offset) for offset in range(self.days)]


@dataclass(frozen=True)
class RuleVersion:
    """The holidays a revision of the law sets, for the years it is used."""

    first_year: int
    last_year: int
    law: str
    holidays: tuple[HolidayRule, ...]


@dataclass(frozen=True)
class StatutoryRules:
    """The statutory holidays of one region, by revision of the law."""

    region: str
    weekend: frozenset[int]
    versions: tuple[RuleVersion, ...]
    path: Path

    @property
    def years(self) -> tuple[int, int]:
        """The first and the last year the rules cover."""
        return min(v.first_year for v in self.versions), max(v.last_year for v in self.versions)

    def version(self, year: int) -> RuleVersion:
        """The revision in force in ``year``; CalendarError (calendar.E041) outside the covered years."""
        for version in self.versions:
            if version.first_year <= year <= version.last_year:
                return version
        first, last = self.years
        raise CalendarError(
            f"the statutory rules in {self.path} cover {first}-{last}, not {year}",
            code="calendar.E041",
        )

    def rule(self, name: str, year: int) -> HolidayRule | None:
        """The rule of the holiday called ``name`` in ``year`` (None when the law has no such holiday)."""
        return next((h for h in self.version(year).holidays if h.name == name), None)

    def holidays(self, year: int) -> dict[date, str]:
        """The law's holidays of ``year`` with their substitute days (补假), by date."""
        blocks = [(rule.name, rule.dates(year)) for rule in self.version(year).holidays]
        days: dict[date, str] = {}
        owed: list[tuple[date, str, int]] = []  # (last day, holiday, substitute days owed)
        for name, dates in blocks:
            missing = 0
            for day in dates:
                if day in days or day.weekday() in self.weekend:
                    missing += 1
                days.setdefault(day, name)
            owed.append((dates[-1], name, missing))
        for last, name, missing in sorted(owed):
            candidate = last
            while missing:
                candidate += timedelta(days=1)
                if candidate.weekday() not in self.weekend and candidate not in days:
                    days[candidate] = name
                    missing -= 1
        return dict(sorted(days.items()))


def load_statutory_rules(calendars_dir: str | Path, region: str) -> StatutoryRules | None:
    """The rules in ``<calendars_dir>/<region>-statutory.yaml``; None when there is no such file."""
    path = rules_path(calendars_dir, region)
    if not path.is_file():
        return None
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CalendarError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", path=path,
                            line=mark.line + 1 if mark else None, code="calendar.E040") from None
    top = _mapping(root, path, "the rules file", ("region", "weekend", "versions"))
    if _scalar(top["region"], path, "region") != region:
        raise _error(top["region"], path, f"region is not {region!r} as the file name says")
    weekend = frozenset(_weekday(node, path) for node in _sequence(top["weekend"], path, "weekend"))
    versions = tuple(_version(node, path) for node in _sequence(top["versions"], path, "versions"))
    if not versions:
        raise _error(top["versions"], path, "versions is empty; give at least one revision of the law")
    return StatutoryRules(region, weekend, versions, path)


def _version(node: yaml.Node, path: Path) -> RuleVersion:
    fields = _mapping(node, path, "a version", ("years", "law", "holidays"))
    years = _YEARS.match(_scalar(fields["years"], path, "years"))
    if years is None or int(years.group(1)) > int(years.group(2)):
        raise _error(fields["years"], path, "years is a range FIRST-LAST such as 2025-2099")
    holidays = tuple(_holiday(item, path) for item in _sequence(fields["holidays"], path, "holidays"))
    return RuleVersion(int(years.group(1)), int(years.group(2)), _scalar(fields["law"], path, "law"),
                       holidays)


def _holiday(node: yaml.Node, path: Path) -> HolidayRule:
    if not isinstance(node, yaml.MappingNode):
        raise _error(node, path, "each holiday is {name, date|lunar|solar_term, days}")
    fields = {str(k.value): v for k, v in node.value}
    anchors = [a for a in _ANCHORS if a in fields]
    if "name" not in fields or "days" not in fields or len(anchors) != 1 or len(fields) != 3:
        raise _error(node, path, "each holiday is {name, date|lunar|solar_term, days} with exactly one "
                                 "anchor, e.g. {name: 中秋节, lunar: \"08-15\", days: 1}")
    name, value = _scalar(fields["name"], path, "name"), _scalar(fields[anchors[0]], path, anchors[0])
    days_text = _scalar(fields["days"], path, "days")
    if not days_text.isdigit() or not 1 <= int(days_text) <= 10:
        raise _error(fields["days"], path, f"days {days_text!r} is not a whole number of days (1-10)")
    days = int(days_text)
    if anchors[0] == "solar_term":
        from lunar_python import Lunar

        if value not in Lunar.JIE_QI:
            raise _error(fields["solar_term"], path, f"{value!r} is not a solar term (节气) such as 清明")
        return HolidayRule(name, "solar_term", term=value, days=days)
    if anchors[0] == "lunar" and value == "eve":
        return HolidayRule(name, "lunar_eve", days=days)
    match = _MMDD.match(value)
    limit = 30 if anchors[0] == "lunar" else 31
    if match is None or not (1 <= int(match.group(1)) <= 12 and 1 <= int(match.group(2)) <= limit):
        raise _error(fields[anchors[0]], path, f"{anchors[0]} {value!r} is not MM-DD"
                     + (" (or eve for 除夕)" if anchors[0] == "lunar" else ""))
    return HolidayRule(name, anchors[0], month=int(match.group(1)), day=int(match.group(2)), days=days)


def _mapping(node: Any, path: Path, what: str, keys: tuple[str, ...]) -> Mapping[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise _error(node, path, f"{what} is a mapping with keys {', '.join(keys)}")
    fields = {str(k.value): v for k, v in node.value}
    if set(fields) != set(keys):
        raise _error(node, path, f"{what} has exactly the keys {', '.join(keys)}, not "
                                 f"{', '.join(sorted(fields)) or 'none'}")
    return fields


def _sequence(node: yaml.Node, path: Path, what: str) -> list[yaml.Node]:
    if not isinstance(node, yaml.SequenceNode):
        raise _error(node, path, f"{what} is a list")
    return list(node.value)


def _scalar(node: yaml.Node, path: Path, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise _error(node, path, f"{what} is a single value")
    return str(node.value).strip()


def _weekday(node: yaml.Node, path: Path) -> int:
    text = _scalar(node, path, "a weekend day").lower()
    if text not in _WEEKDAYS:
        raise _error(node, path, f"{text!r} is not a weekday name (monday … sunday)")
    return _WEEKDAYS.index(text)


def _error(node: Any, path: Path, message: str) -> CalendarError:
    line = node.start_mark.line + 1 if node is not None else 1
    return CalendarError(message, path=path, line=line, code="calendar.E040")
