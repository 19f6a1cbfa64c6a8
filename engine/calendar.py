"""The business calendar: working hours, weekends, statutory holidays and make-up workdays (调休).

Holiday data is editable YAML in ``policies/calendars/<region>-<year>.yaml``, one file per year,
read lazily and cached by ``CalendarDays``; each file records its ``source`` (``chinesecalendar``,
``notice`` for a State Council notice read by ``kefu calendar import YEAR --notice FILE``, or
``manual``). ``import_year`` writes such a file from the ``chinesecalendar`` package. A year with
no file is *provisional*: computed from the statutory rules of ``<region>-statutory.yaml``
(``engine.statutory``: the law's holidays, no make-up workdays) so that a calendar never stops the
service. Computations inside ``provisional_use()`` learn which provisional years they rested on; the
runtime marks such deadlines and recomputes them when the year's file arrives. A year outside the
rules' range and without a file raises ``CalendarError`` naming the year and the file to add.

Working time is counted in the calendar's local wall clock: a working day has the same periods,
each half-open ``[start, end)``, so 12:00 is not working time when the morning ends at 12:00.

Error codes: ``calendar.E001`` no data for a year, ``E002`` not YAML, ``E003`` wrong file shape,
``E004`` region/year differ from the file name, ``E005`` bad entry, ``E006`` date listed twice,
``E007`` bad source, ``E010`` bad working hours, ``E011`` bad weekend, ``E012`` unknown time zone,
``E020`` nothing to import, ``E021`` file exists, ``E030`` no working day found; ``E040``/``E041``
the statutory rules (engine.statutory); ``E050``… a State Council notice (engine.notice).
"""

from __future__ import annotations

import re
import threading
import time as _time
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from difflib import get_close_matches
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml

from engine.clock import ensure_aware
from engine.errors import CalendarError
from engine.statutory import StatutoryRules, load_statutory_rules, rules_path

__all__ = [
    "PROVISIONAL_WARNING",
    "SOURCE_KINDS",
    "BusinessCalendar",
    "CalendarDays",
    "YearDays",
    "forget_year",
    "import_year",
    "parse_weekend",
    "parse_working_hours",
    "provisional_use",
    "read_year_file",
    "render_year",
    "render_year_days",
]

WorkingPeriod = tuple[time, time]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_SEARCH_DAYS = 400  # a calendar with no working day in this many days is a configuration error
_FILE_KEYS = ("region", "year", "holidays", "workdays")
_OPTIONAL_KEYS = ("source",)
SOURCE_KINDS = ("chinesecalendar", "notice", "manual")  # what a year file's ``source:`` starts with
# How long before a year without a file the administrators are warned (the fixed lead: the
# State Council publishes in November, deadlines of open cases reach weeks ahead). Not a group rule.
PROVISIONAL_WARNING = timedelta(days=60)
# Another process (the CLI importing a notice) may add a year's file while this one runs: a cached
# provisional year is looked for on disk again after this many seconds.
_RECHECK_SECONDS = 30.0
# chinesecalendar names holidays in English; calendar files and people use the Chinese names.
_ZH_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class YearDays:
    """One year of holiday data: holiday and make-up workday dates with their names.

    ``source`` says where the days come from: ``chinesecalendar …``, ``notice …``, ``manual`` (a
    file without a source line) or, for a year computed from the law, ``provisional …``.
    """

    region: str
    year: int
    holidays: Mapping[date, str] = field(default_factory=dict)
    workdays: Mapping[date, str] = field(default_factory=dict)
    path: Path | None = None
    source: str = "manual"
    provisional: bool = False

    @property
    def source_kind(self) -> str:
        """``chinesecalendar``, ``notice``, ``manual`` or ``provisional``."""
        return self.source.split(maxsplit=1)[0] if self.source else "manual"


_USE: ContextVar[set[int] | None] = ContextVar("kefu_provisional_use", default=None)


@contextmanager
def provisional_use() -> Iterator[set[int]]:
    """Collect the provisional years that calendar look-ups inside the block rested on.

    Blocks nest: what an inner block collects is also added to the enclosing one.
    """
    outer = _USE.get()
    used: set[int] = set()
    token = _USE.set(used)
    try:
        yield used
    finally:
        _USE.reset(token)
        if outer is not None:
            outer.update(used)


_INSTANCES: weakref.WeakSet[CalendarDays] = weakref.WeakSet()


def forget_year(calendars_dir: str | Path, region: str, year: int) -> None:
    """Drop ``year`` from every cache of ``region`` in ``calendars_dir`` (its file was just written)."""
    target = Path(calendars_dir).resolve()
    for days in list(_INSTANCES):
        if days.region == region and days.calendars_dir.resolve() == target:
            days.forget(year)


class CalendarDays:
    """Holiday data of one region, read lazily per year from ``<dir>/<region>-<year>.yaml``.

    A year without a file is computed from ``<dir>/<region>-statutory.yaml`` (provisional).
    """

    def __init__(self, calendars_dir: str | Path, region: str) -> None:
        self.calendars_dir = Path(calendars_dir)
        self.region = region
        self._years: dict[int, YearDays] = {}
        self._checked: dict[int, float] = {}  # provisional year -> when its file was last looked for
        self._rules: StatutoryRules | None | bool = False  # False: not read yet
        self._lock = threading.Lock()
        _INSTANCES.add(self)

    @classmethod
    def load(cls, calendars_dir: str | Path, region: str) -> CalendarDays:
        """Holiday data of ``region`` in ``calendars_dir``; files are read when a year is first needed."""
        return cls(calendars_dir, region)

    @classmethod
    def from_years(
        cls, region: str, years: Iterable[YearDays], calendars_dir: str | Path = "policies/calendars"
    ) -> CalendarDays:
        """Holiday data held in memory (tests, snapshots); other years are read from ``calendars_dir``."""
        days = cls(calendars_dir, region)
        for year_days in years:
            days._years[year_days.year] = year_days
        return days

    def path_for(self, year: int) -> Path:
        """The file that holds (or should hold) ``year``."""
        return self.calendars_dir / f"{self.region}-{year}.yaml"

    @property
    def rules(self) -> StatutoryRules | None:
        """The statutory rules of the region (None when ``<region>-statutory.yaml`` does not exist)."""
        if self._rules is False:
            self._rules = load_statutory_rules(self.calendars_dir, self.region)
        return self._rules if isinstance(self._rules, StatutoryRules) else None

    def year(self, year: int) -> YearDays:
        """The data of ``year``: its file, else computed from the statutory rules (provisional).

        CalendarError (calendar.E001) when there is neither a file nor a rule covering the year.
        """
        cached = self._years.get(year)
        if cached is not None and not cached.provisional:
            return cached
        if cached is not None and _time.monotonic() - self._checked.get(year, 0.0) < _RECHECK_SECONDS:
            used = _USE.get()
            if used is not None:
                used.add(year)
            return cached
        with self._lock:
            found = self._years.get(year)
            if found is None or (found.provisional and self.path_for(year).is_file()):
                found = self._years[year] = self._load(year)
            self._checked[year] = _time.monotonic()
        if found.provisional:
            used = _USE.get()
            if used is not None:
                used.add(year)
        return found

    def forget(self, year: int) -> None:
        """Read ``year`` again on its next use (its file was written or removed)."""
        with self._lock:
            self._years.pop(year, None)
            self._checked.pop(year, None)

    def status(self, year: int) -> str:
        """``file`` (official data), ``provisional`` (computed from the law) or ``missing`` (neither)."""
        if self.path_for(year).is_file():
            return "file"
        rules = self.rules
        return "provisional" if rules is not None and rules.years[0] <= year <= rules.years[1] else "missing"

    def years_ahead(self, today: date, ahead: timedelta = PROVISIONAL_WARNING) -> list[tuple[int, str]]:
        """``(year, status)`` of the years from ``today`` to ``today + ahead`` that have no file."""
        years = range(today.year, (today + ahead).year + 1)
        return [(y, status) for y in years if (status := self.status(y)) != "file"]

    def _load(self, year: int) -> YearDays:
        path = self.path_for(year)
        if path.is_file():
            return read_year_file(path, self.region, year)
        rules = self.rules
        if rules is not None:
            first, last = rules.years
            if first <= year <= last:
                version = rules.version(year)
                return YearDays(self.region, year, rules.holidays(year), {}, None,
                                f"provisional {version.law}", provisional=True)
            reach = (f"the statutory rules in {rules.path} compute provisional years {first}-{last} "
                     "only")
        else:
            reach = f"there are no statutory rules ({rules_path(self.calendars_dir, self.region)})"
        raise CalendarError(
            f"no holiday data for {year}: add {path} (run `kefu calendar import {year}` with the "
            f"State Council's notice, or write it by hand); {reach}",
            code="calendar.E001",
        )

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name when ``day`` is a statutory holiday, else None."""
        return self.year(day.year).holidays.get(day)

    def workday_name(self, day: date) -> str | None:
        """The holiday's name when ``day`` is a make-up workday (调休), else None."""
        return self.year(day.year).workdays.get(day)


def parse_working_hours(values: Iterable[Any]) -> tuple[WorkingPeriod, ...]:
    """Working periods from ``["08:30-12:00", ...]``, ``[("08:30", "12:00")]`` or ``{start, end}`` maps."""
    if isinstance(values, str):
        values = re.split(r"[,;]\s*|\s+", values.strip())
    periods: list[WorkingPeriod] = []
    for value in values:
        if isinstance(value, str):
            parts = re.split(r"\s*[-–~]\s*", value.strip())
        elif isinstance(value, Mapping):
            parts = [value.get("start"), value.get("end")]
        else:
            parts = list(value) if isinstance(value, Sequence) else [value]
        if len(parts) != 2:
            raise CalendarError(
                f"working period {value!r} is not 'HH:MM-HH:MM' (e.g. '08:30-12:00')", code="calendar.E010"
            )
        periods.append((_as_time(parts[0], value), _as_time(parts[1], value)))
    if not periods:
        raise CalendarError("working hours are empty; give at least one period such as '08:30-12:00'",
                            code="calendar.E010")
    for start, end in periods:
        if start >= end:
            raise CalendarError(
                f"working period {_fmt(start)}-{_fmt(end)} ends before it starts; write it as 'start-end'",
                code="calendar.E010",
            )
    for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
        if start < end:
            raise CalendarError(
                f"working periods must be in order and not overlap: {_fmt(start)} starts before {_fmt(end)}",
                code="calendar.E010",
            )
    return tuple(periods)


def parse_weekend(values: Iterable[Any] | str) -> frozenset[int]:
    """Weekend weekdays (``date.weekday()`` numbers) from names ('Saturday', 'sat', '周六') or numbers."""
    if isinstance(values, str):
        values = [v for v in re.split(r"[+,;\s]+", values.strip()) if v]
    days: set[int] = set()
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
            days.add(value)
            continue
        days.add(_weekday_number(value))
    if len(days) == 7:
        raise CalendarError("a weekend of all seven days leaves no working day", code="calendar.E011")
    return frozenset(days)


def _weekday_number(value: Any) -> int:
    text = str(value).strip().lower()
    for number, name in enumerate(_WEEKDAYS):
        if text in (name, name[:3]) or text in (_WEEKDAYS_ZH[number], "星期" + _WEEKDAYS_ZH[number][1]):
            return number
    hint = get_close_matches(text, _WEEKDAYS, n=1)
    tip = f"; did you mean {hint[0].title()}?" if hint else " (use Monday … Sunday)"
    raise CalendarError(f"{value!r} is not a weekday{tip}", code="calendar.E011")


def _as_time(value: Any, whole: Any) -> time:
    if isinstance(value, time):
        return value
    match = _HHMM.match(str(value).strip()) if value is not None else None
    if match is None:
        raise CalendarError(
            f"{value!r} in working period {whole!r} is not a time HH:MM (00:00-23:59)", code="calendar.E010"
        )
    return time(int(match.group(1)), int(match.group(2)))


def _fmt(moment: time) -> str:
    return moment.strftime("%H:%M")


def _zone(name: str | ZoneInfo) -> ZoneInfo:
    if isinstance(name, ZoneInfo):
        return name
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        hint = get_close_matches(str(name), sorted(available_timezones()), n=1)
        tip = f"; did you mean {hint[0]}?" if hint else " (use an IANA name such as Asia/Shanghai)"
        raise CalendarError(f"unknown time zone {name!r}{tip}", code="calendar.E012") from None


class BusinessCalendar:
    """Working days and working hours in one time zone; all results are aware times in that zone."""

    def __init__(
        self,
        timezone: str | ZoneInfo,
        working_hours: Iterable[Any],
        weekend: Iterable[Any] | str,
        days: CalendarDays,
    ) -> None:
        self.tz = _zone(timezone)
        self.timezone = self.tz.key
        self.working_hours = parse_working_hours(working_hours)
        self.weekend = parse_weekend(weekend)
        self.days = days

    @property
    def region(self) -> str:
        """The holiday region (e.g. ``cn``)."""
        return self.days.region

    def describe(self) -> str:
        """One line for people: zone, region, working hours and weekend."""
        hours = ", ".join(f"{_fmt(s)}-{_fmt(e)}" for s, e in self.working_hours)
        weekend = ", ".join(_WEEKDAYS[d].title()[:3] for d in sorted(self.weekend))
        return f"{self.timezone}, region {self.region}, working hours {hours}, weekend {weekend}"

    def localize(self, moment: datetime) -> datetime:
        """``moment`` (aware) shown in the calendar's zone."""
        return ensure_aware(moment).astimezone(self.tz)

    def is_working_day(self, day: date) -> bool:
        """True on a working day: not a holiday, and a weekday or a make-up workday."""
        data = self.days.year(day.year)
        if day in data.holidays:
            return False
        return day in data.workdays or day.weekday() not in self.weekend

    def is_working_time(self, moment: datetime) -> bool:
        """True when ``moment`` falls in a working period of a working day."""
        local = self.localize(moment)
        clock = local.time().replace(tzinfo=None)
        in_period = any(start <= clock < end for start, end in self.working_hours)
        return in_period and self.is_working_day(local.date())

    def next_work_start(self, moment: datetime) -> datetime:
        """The start of the first working period that begins at or after ``moment``."""
        local = self.localize(moment)
        for start, _end in self._periods_from(local.date()):
            if start >= local:
                return start
        raise AssertionError("unreachable")  # pragma: no cover - _periods_from raises first

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself when it is working time, else the next working period's start."""
        local = self.localize(moment)
        return local if self.is_working_time(local) else self.next_work_start(local)

    def add_working_minutes(self, moment: datetime, minutes: int) -> datetime:
        """The moment ``minutes`` of working time after ``moment`` (counted from the next working time)."""
        if minutes < 0:
            raise ValueError(f"working minutes must not be negative, got {minutes}")
        local = self.localize(moment)
        remaining = timedelta(minutes=minutes)
        for start, end in self._periods_from(local.date()):
            if end <= local:
                continue
            begin = max(start, local)
            if remaining <= end - begin:
                return self.localize(begin + remaining)
            remaining -= end - begin
        raise AssertionError("unreachable")  # pragma: no cover

    def add_working_days(self, moment: datetime, days: int) -> datetime:
        """The same working-time position ``days`` working days later (from the next working time)."""
        if days < 0:
            raise ValueError(f"working days must not be negative, got {days}")
        position = self.next_working_moment(moment)
        day = position.date()
        for _ in range(days):
            day = self.next_working_day(day)
        clock = position.time().replace(tzinfo=None)
        return self.localize(datetime.combine(day, clock, tzinfo=self.tz))

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        for offset in range(1, _SEARCH_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise self._no_working_day(day)

    def previous_working_day(self, day: date, *, inclusive: bool = False) -> date:
        """The last working day before ``day`` (or on it when ``inclusive``)."""
        for offset in range(0 if inclusive else 1, _SEARCH_DAYS):
            candidate = day - timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise self._no_working_day(day)

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """Whole minutes of working time in ``[start, end)``; negative when ``end`` is before ``start``."""
        if end < start:
            return -self.working_minutes_between(end, start)
        a, b = self.localize(start), self.localize(end)
        total = timedelta()
        day = a.date()
        while day <= b.date():
            if self.is_working_day(day):
                for period_start, period_end in self._periods_on(day):
                    low, high = max(period_start, a), min(period_end, b)
                    if high > low:
                        total += high - low
            day += timedelta(days=1)
        return int(total.total_seconds() // 60)

    def _periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        return [
            (datetime.combine(day, s, tzinfo=self.tz), datetime.combine(day, e, tzinfo=self.tz))
            for s, e in self.working_hours
        ]

    def _periods_from(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """Working periods of working days from ``day`` on, in order, without end."""
        idle = 0
        while True:
            if self.is_working_day(day):
                idle = 0
                yield from self._periods_on(day)
            else:
                idle += 1
                if idle >= _SEARCH_DAYS:
                    raise self._no_working_day(day)
            day += timedelta(days=1)

    def _no_working_day(self, day: date) -> CalendarError:
        return CalendarError(
            f"no working day within {_SEARCH_DAYS} days of {day.isoformat()}; check the weekend and "
            f"the holiday files in {self.days.calendars_dir}",
            code="calendar.E030",
        )


def read_year_file(path: Path, region: str, year: int) -> YearDays:
    """Read and check one calendar file; errors carry its path, the line and a ``calendar.E0xx`` code."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise CalendarError(f"not valid YAML: {problem}", path=path, line=mark.line + 1 if mark else None,
                            code="calendar.E002") from None
    if not isinstance(root, yaml.MappingNode):
        line = root.start_mark.line + 1 if root is not None else 1
        raise CalendarError(f"a calendar file is a mapping with keys {', '.join(_FILE_KEYS)}",
                            path=path, line=line, code="calendar.E003")
    nodes: dict[str, yaml.Node] = {}
    for key_node, value_node in root.value:
        key = str(key_node.value)
        if key not in _FILE_KEYS + _OPTIONAL_KEYS or key in nodes:
            what = "repeated key" if key in nodes else "unknown key"
            raise CalendarError(f"{what} {key!r}; a calendar file has {', '.join(_FILE_KEYS)} "
                                f"(and optionally {', '.join(_OPTIONAL_KEYS)})",
                                path=path, line=key_node.start_mark.line + 1, code="calendar.E003")
        nodes[key] = value_node
    missing = [key for key in _FILE_KEYS if key not in nodes]
    if missing:
        raise CalendarError(f"missing key(s) {', '.join(missing)}", path=path, line=1, code="calendar.E003")
    for key, expected in (("region", region), ("year", str(year))):
        node = nodes[key]
        if not isinstance(node, yaml.ScalarNode) or str(node.value).strip() != expected:
            raise CalendarError(
                f"{key} is {_node_text(node)!r} but the file name {path.name} says {expected!r}",
                path=path, line=node.start_mark.line + 1, code="calendar.E004",
            )
    holidays = _read_entries(nodes["holidays"], "holidays", path, year)
    workdays = _read_entries(nodes["workdays"], "workdays", path, year)
    for day, line in workdays.items():
        if day in holidays:
            raise CalendarError(f"{day.isoformat()} is listed both as a holiday and as a workday; keep one",
                                path=path, line=line[1], code="calendar.E006")
    source = "manual"
    if "source" in nodes:
        node = nodes["source"]
        source = _node_text(node).strip() if isinstance(node, yaml.ScalarNode) else ""
        if source.split(maxsplit=1)[:1] not in ([kind] for kind in SOURCE_KINDS):
            raise CalendarError(
                f"source {source!r} does not start with one of {', '.join(SOURCE_KINDS)} "
                "(e.g. 'notice 国务院办公厅关于2027年部分节假日安排的通知')",
                path=path, line=node.start_mark.line + 1, code="calendar.E007",
            )
    return YearDays(region, year, {d: n for d, (n, _) in holidays.items()},
                    {d: n for d, (n, _) in workdays.items()}, path, source)


def _node_text(node: yaml.Node) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else "a list or mapping"


def _read_entries(node: yaml.Node, key: str, path: Path, year: int) -> dict[date, tuple[str, int]]:
    """``{date: (name, line)}`` from a list of ``{date, name}`` entries."""
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return {}
    if not isinstance(node, yaml.SequenceNode):
        raise CalendarError(f"{key} must be a list of {{date, name}} entries",
                            path=path, line=node.start_mark.line + 1, code="calendar.E003")
    entries: dict[date, tuple[str, int]] = {}
    for item in node.value:
        line = item.start_mark.line + 1
        fields = {}
        if isinstance(item, yaml.MappingNode):
            fields = {str(k.value): v for k, v in item.value if isinstance(v, yaml.ScalarNode)}
        if set(fields) != {"date", "name"} or len(item.value) != 2:
            raise CalendarError(f"each entry of {key} is {{date: YYYY-MM-DD, name: 名称}}",
                                path=path, line=line, code="calendar.E005")
        text, name = str(fields["date"].value).strip(), str(fields["name"].value).strip()
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise CalendarError(f"{text!r} in {key} is not a date YYYY-MM-DD",
                                path=path, line=line, code="calendar.E005") from None
        if day.year != year:
            raise CalendarError(f"{text} in {key} is not in {year}; move it to the file of {day.year}",
                                path=path, line=line, code="calendar.E005")
        if not name:
            raise CalendarError(f"{text} in {key} has no name", path=path, line=line, code="calendar.E005")
        if day in entries:
            raise CalendarError(f"{text} is listed twice in {key} (first on line {entries[day][1]})",
                                path=path, line=line, code="calendar.E006")
        entries[day] = (name, line)
    return entries


def render_year_days(data: YearDays, header: Sequence[str]) -> str:
    """The text of a calendar file holding ``data``, under the comment lines ``header``."""
    lines = [f"# {line}" if line else "#" for line in header]
    lines += [f"region: {data.region}", f"year: {data.year}", f"source: {_yaml_text(data.source)}"]
    for key, table in (("holidays", data.holidays), ("workdays", data.workdays)):
        entries = sorted(table.items())
        lines.append(f"{key}:" if entries else f"{key}: []")
        lines += [f"  - {{date: {d.isoformat()}, name: {_yaml_text(n)}}}" for d, n in entries]
    return "\n".join(lines) + "\n"


def _yaml_text(text: str) -> str:
    """``text`` as a YAML flow scalar (quoted when it would not read back as the same string)."""
    dumped = yaml.safe_dump(text, allow_unicode=True, default_flow_style=True, width=10_000)
    return dumped.removesuffix("\n...\n").strip()


def render_year(year: int, region: str = "cn", *, target: str | Path | None = None) -> str:
    """The text of ``<region>-<year>.yaml`` from chinesecalendar; CalendarError when it has no data."""
    from importlib.metadata import version

    from chinese_calendar import constants

    known = sorted({day.year for day in constants.holidays})
    target = target or f"{region}-{year}.yaml"
    if region != "cn":
        raise CalendarError(f"chinesecalendar only has data for region 'cn', not {region!r}; "
                            f"write {target} by hand", code="calendar.E020")
    if year not in known:
        raise CalendarError(
            f"chinesecalendar {version('chinesecalendar')} has no holiday data for {year} (it knows "
            f"{known[0]}-{known[-1]}); import the State Council's notice with "
            f"`kefu calendar import {year} --notice FILE`, or write {target} by hand",
            code="calendar.E020",
        )
    tables = [{d: _ZH_NAMES.get(n, n) for d, n in table.items() if d.year == year}
              for table in (constants.holidays, constants.workdays)]
    package = f"chinesecalendar {version('chinesecalendar')}"
    data = YearDays(region, year, tables[0], tables[1], source=package)
    return render_year_days(data, [
        f"Statutory holidays and make-up workdays (调休) of {year}, region {region}.",
        f"Generated by `kefu calendar import {year}` from {package};",
        "you may edit this file (e.g. after a late State Council notice). Each name is the holiday",
        "a date belongs to; a make-up workday carries the name of the holiday it makes up for.",
    ])


def import_year(year: int, calendars_dir: str | Path, region: str = "cn", *, force: bool = False) -> Path:
    """Write ``<calendars_dir>/<region>-<year>.yaml`` from chinesecalendar; overwrites only with ``force``."""
    path = Path(calendars_dir) / f"{region}-{year}.yaml"
    text = render_year(year, region, target=path)
    if path.exists() and not force:
        raise CalendarError(f"{path} already exists and may have been edited by hand; "
                            "pass --force to overwrite it", code="calendar.E021")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
