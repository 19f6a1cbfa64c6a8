"""The one duration and schedule language of kefu policies, applied against a ``BusinessCalendar``.

Durations (``parse_duration``):

* ``30 minutes``, ``24 hours``, ``3 days``, ``1 week`` (= ``7 days``): wall-clock, elapsed time.
* ``30 working minutes``, ``2 working hours``, ``5 working days``: working time only; a start
  outside working time counts from the next working time. Periods are half-open, so a count that
  ends exactly at a period's end ends there (11:30 + 30 working minutes = 12:00).
* ``1 hour after work starts``: the start of the next working period (at or after the start, so
  today's afternoon session if it has not begun) plus the amount in wall-clock time. "Work starts"
  means the start of a working period, not of the working day: a complaint at 12:10 on a working
  day is due 14:30 (the afternoon starts 13:30), one at 18:00 the next working day at 09:30. A
  start inside working time still uses the *next* period start: the form is meant for off-hours.
* ``{in_working_time: 30 minutes, otherwise: 1 hour after work starts}`` or the text
  ``30 minutes in working time, otherwise 1 hour after work starts``: picks the branch by whether
  the start is working time (R2.5). So ``{in_working_time: 1 hour, otherwise: 1 hour after work
  starts}`` says "1 hour, and off-hours the clock starts when work starts".
* ``…, never after complaint.deadlines.dispatch`` (text) or ``never_after: <key>`` beside the
  branches of a mapping (``{duration: 1 hour, never_after: <key>}`` for a single duration): the
  deadline ends no later than the duration at policy ``<key>`` counted from the case's origin (the
  moment its clocks count from, e.g. the end of the call). ``apply`` gives the uncapped end; the
  cap needs the origin, which ``EffectivePolicy.deadline(key, start, origin)`` applies.

``compare_durations(a, b)`` is -1 when ``a`` never ends later than ``b`` whatever the start (and
the two are not the same rule), 0 when they always end together, 1 the other way round, and None
when the order depends on the start or on the calendar.

Schedules (``parse_schedule``): ``daily at 09:30``, ``daily before 18:00``, ``weekly on Monday``,
``monthly on the 1st``, ``monthly by the 3rd``, optionally with ``at HH:MM`` (weekly, monthly on)
and ``on working days``. ``before`` and ``by`` are deadlines: the occurrence is the deadline moment,
18:00 that day, or the end of the day named (00:00 of the next day, so ``by the 3rd`` is due at
00:00 on the 4th). With ``on working days`` a daily schedule skips non-working days, ``on`` moves
to the next working day and ``by`` to the last working day on or before the day named. A day past
the month's end (``on the 31st``) means the month's last day. ``period_key`` names the period
(day, ISO week, month) whose occurrence is the latest at or before a moment, so a worker that runs
a job when that key has not run yet runs it exactly once per period, even when a holiday moves it.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from difflib import get_close_matches
from typing import Any, Literal

from engine.calendar import BusinessCalendar
from engine.errors import DurationError

__all__ = [
    "AfterWorkStarts",
    "Capped",
    "Composite",
    "Duration",
    "Schedule",
    "WallClock",
    "WorkingDays",
    "WorkingTime",
    "compare_durations",
    "parse_duration",
    "parse_schedule",
]

_MINUTES = {"minute": 1, "hour": 60, "day": 1440}
_UNITS = {"min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute", "hour": "hour",
          "hours": "hour", "day": "day", "days": "day", "week": "week", "weeks": "week"}
_FORMS = ('"30 minutes", "24 hours", "3 days", "1 week", "30 working minutes", "2 working hours", '
          '"5 working days", "1 hour after work starts", "30 minutes in working time, otherwise 1 hour '
          'after work starts" or a mapping {in_working_time: …, otherwise: …}, each optionally followed by '
          '", never after <policy key>" (never_after: <key> in a mapping)')
_WALL = re.compile(r"^(\d+) ([a-z]+)$")
_WORKING = re.compile(r"^(\d+) working (minutes?|hours?|days?)$")
_AFTER = re.compile(r"^(\d+) (minutes?|hours?) after work starts$")
_COMPOSITE = re.compile(r"^(.+?) in working time, ?otherwise (.+)$")
_CAPPED = re.compile(r"^(.+?),? never after ([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$")


def _plural(amount: int, unit: str) -> str:
    return f"{amount} {unit}" if amount == 1 else f"{amount} {unit}s"


class Duration(ABC):
    """A parsed duration: canonical ``text`` and ``apply(start, calendar)``."""

    @property
    @abstractmethod
    def text(self) -> str:
        """The canonical text; ``parse_duration(d.text) == d``."""

    @abstractmethod
    def apply(self, start: datetime, calendar: BusinessCalendar) -> datetime:
        """The moment this duration after ``start`` ends, aware, in the calendar's zone."""

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class WallClock(Duration):
    """Elapsed wall-clock time: ``30 minutes``, ``24 hours``, ``3 days``."""

    amount: int
    unit: Literal["minute", "hour", "day"]

    @property
    def minutes(self) -> int:
        """The length in minutes (a day is 1440)."""
        return self.amount * _MINUTES[self.unit]

    @property
    def text(self) -> str:
        """E.g. ``24 hours``."""
        return _plural(self.amount, self.unit)

    def apply(self, start: datetime, calendar: BusinessCalendar) -> datetime:
        """``start`` plus the elapsed time."""
        return calendar.localize(calendar.localize(start).astimezone(UTC) + timedelta(minutes=self.minutes))


@dataclass(frozen=True)
class WorkingTime(Duration):
    """Working minutes or hours: ``30 working minutes``, ``2 working hours``."""

    amount: int
    unit: Literal["minute", "hour"]

    @property
    def minutes(self) -> int:
        """The length in working minutes."""
        return self.amount * _MINUTES[self.unit]

    @property
    def text(self) -> str:
        """E.g. ``2 working hours``."""
        return f"{self.amount} working {self.unit}" + ("" if self.amount == 1 else "s")

    def apply(self, start: datetime, calendar: BusinessCalendar) -> datetime:
        """``start`` plus this much working time."""
        return calendar.add_working_minutes(start, self.minutes)


@dataclass(frozen=True)
class WorkingDays(Duration):
    """Whole working days: ``5 working days`` lands at the same working-time position."""

    days: int

    @property
    def text(self) -> str:
        """E.g. ``5 working days``."""
        return f"{self.days} working day" + ("" if self.days == 1 else "s")

    def apply(self, start: datetime, calendar: BusinessCalendar) -> datetime:
        """The same working-time position ``days`` working days later."""
        return calendar.add_working_days(start, self.days)


@dataclass(frozen=True)
class AfterWorkStarts(Duration):
    """``1 hour after work starts``: the next working period's start plus an amount."""

    amount: int
    unit: Literal["minute", "hour"]

    @property
    def minutes(self) -> int:
        """The amount in minutes after the period start."""
        return self.amount * _MINUTES[self.unit]

    @property
    def text(self) -> str:
        """E.g. ``1 hour after work starts``."""
        return f"{_plural(self.amount, self.unit)} after work starts"

    def apply(self, start: datetime, calendar: BusinessCalendar) -> datetime:
        """The next period start at or after ``start``, plus the amount."""
        return calendar.localize(calendar.next_work_start(start) + timedelta(minutes=self.minutes))


@dataclass(frozen=True)
class Composite(Duration):
    """One duration for starts in working time, another otherwise (R2.5)."""

    in_working_time: Duration
    otherwise: Duration

    @property
    def text(self) -> str:
        """E.g. ``30 minutes in working time, otherwise 1 hour after work starts``."""
        return f"{self.in_working_time.text} in working time, otherwise {self.otherwise.text}"

    def apply(self, start: datetime, calendar: BusinessCalendar) -> datetime:
        """Apply the branch chosen by ``calendar.is_working_time(start)``."""
        branch = self.in_working_time if calendar.is_working_time(start) else self.otherwise
        return branch.apply(start, calendar)


@dataclass(frozen=True)
class Capped(Duration):
    """A duration that never ends after another policy deadline counted from the case's origin (R2.5)."""

    inner: Duration
    never_after: str  # the dotted policy key of the deadline that caps this one

    @property
    def text(self) -> str:
        """E.g. ``1 hour in working time, otherwise 1 hour after work starts, never after complaint.…``."""
        return f"{self.inner.text}, never after {self.never_after}"

    def apply(self, start: datetime, calendar: BusinessCalendar) -> datetime:
        """The uncapped end (the cap counts from the case's origin: ``EffectivePolicy.deadline``)."""
        return self.inner.apply(start, calendar)


def parse_duration(value: str | Mapping[str, Any] | Duration) -> Duration:
    """Parse a duration text, or a ``{in_working_time, otherwise[, never_after]}`` mapping.

    DurationError when invalid.
    """
    if isinstance(value, Duration):
        return value
    if isinstance(value, Mapping):
        return _mapping(value)
    if not isinstance(value, str):
        raise DurationError(f"duration {value!r} is not a text; write one of {_FORMS}")
    text = " ".join(value.lower().split())
    if match := _CAPPED.match(text):
        inner = parse_duration(match.group(1))
        if isinstance(inner, Capped):
            raise DurationError(f"duration {value!r} is capped twice; keep one 'never after'; "
                                f"write one of {_FORMS}")
        return Capped(inner, match.group(2))
    match = _COMPOSITE.match(text)
    if match:
        return Composite(_simple(match.group(1)), _simple(match.group(2)))
    return _simple(value)


def _mapping(value: Mapping[str, Any]) -> Duration:
    keys = set(map(str, value))
    cap = value.get("never_after")
    rest = keys - {"never_after"}
    if rest == {"in_working_time", "otherwise"}:
        inner: Duration = Composite(_simple(value["in_working_time"]), _simple(value["otherwise"]))
    elif rest == {"duration"} and "never_after" in keys:
        inner = parse_duration(value["duration"])
        if isinstance(inner, Capped):
            raise DurationError(f"duration {value['duration']!r} is capped twice; keep one never_after")
    else:
        raise DurationError(f"a duration mapping has the keys in_working_time and otherwise (and may add "
                            f"never_after), or duration and never_after; not {', '.join(sorted(keys))}; "
                            "e.g. {in_working_time: 30 minutes, otherwise: 1 hour after work starts}")
    if "never_after" not in keys:
        return inner
    if not isinstance(cap, str) or not _KEY.match(cap.strip()):
        raise DurationError(f"never_after names a policy key such as complaint.deadlines.dispatch, "
                            f"not {cap!r}")
    return Capped(inner, cap.strip())


def _simple(value: Any) -> Duration:
    if not isinstance(value, str):
        raise DurationError(f"duration {value!r} is not a text; write one of {_FORMS}")
    text = " ".join(value.lower().split())
    if match := _WORKING.match(text):
        amount, unit = int(match.group(1)), match.group(2).rstrip("s")
        if unit == "day":
            return WorkingDays(amount)
        return WorkingTime(amount, "minute" if unit == "minute" else "hour")
    if match := _AFTER.match(text):
        unit = match.group(2).rstrip("s")
        return AfterWorkStarts(int(match.group(1)), "minute" if unit == "minute" else "hour")
    if (match := _WALL.match(text)) and match.group(2) in _UNITS:
        amount, unit = int(match.group(1)), _UNITS[match.group(2)]
        if unit == "week":
            return WallClock(amount * 7, "day")
        return WallClock(amount, "minute" if unit == "minute" else "hour" if unit == "hour" else "day")
    hint = ""
    if match := re.match(r"^\d+ ([a-z]+)$", text):
        close = get_close_matches(match.group(1), ["minutes", "hours", "days", "weeks"], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
    if re.match(r"^\d+[.,]\d", text):
        hint = " (amounts are whole numbers: write 90 minutes, not 1.5 hours)"
    raise DurationError(f"cannot read duration {value!r}{hint}; write one of {_FORMS}")


def _combine(first: int | None, second: int | None) -> int | None:
    """Order of two rules that must hold together: both agree (or tie), else unknown."""
    if first is None or second is None:
        return None
    if first == second:
        return first
    return first or second if 0 in (first, second) else None


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def compare_durations(a: Duration, b: Duration) -> int | None:
    """-1 / 0 / 1 when ``a`` always ends before / with / after ``b`` whatever the start, else None.

    A cap only ever ends a deadline sooner: a capped duration never ends after its uncapped self, and
    two durations capped by the same key compare as their uncapped selves.
    """
    if isinstance(a, Capped) and isinstance(b, Capped):
        return compare_durations(a.inner, b.inner) if a.never_after == b.never_after else None
    if isinstance(a, Capped):
        inner = compare_durations(a.inner, b)
        return -1 if inner in (-1, 0) else None
    if isinstance(b, Capped):
        flipped = compare_durations(b, a)
        return None if flipped is None else -flipped
    if isinstance(a, Composite) and isinstance(b, Composite):
        return _combine(compare_durations(a.in_working_time, b.in_working_time),
                        compare_durations(a.otherwise, b.otherwise))
    if isinstance(b, Composite):
        return _combine(compare_durations(a, b.in_working_time), compare_durations(a, b.otherwise))
    if isinstance(a, Composite):
        flipped = compare_durations(b, a)
        return None if flipped is None else -flipped
    if (
        (isinstance(a, WallClock) and isinstance(b, WallClock))
        or (isinstance(a, WorkingTime) and isinstance(b, WorkingTime))
        or (isinstance(a, AfterWorkStarts) and isinstance(b, AfterWorkStarts))
    ):
        return _sign(a.minutes - b.minutes)
    if isinstance(a, WorkingDays) and isinstance(b, WorkingDays):
        return _sign(a.days - b.days)
    if isinstance(a, WallClock):
        # Working time, working days and "after work starts" all take at least their wall length.
        if isinstance(b, WorkingTime | AfterWorkStarts):
            return -1 if a.minutes <= b.minutes else None
        if isinstance(b, WorkingDays):
            return -1 if a.minutes <= b.days * _MINUTES["day"] else None
        return None
    if isinstance(b, WallClock):
        flipped = compare_durations(b, a)
        return None if flipped is None else -flipped
    return None


_TIME = r"([01]\d|2[0-3]):([0-5]\d)"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SCHEDULE = re.compile(
    rf"^(?:daily (?P<daily>at|before) {_TIME}"
    rf"|weekly on (?P<weekday>[a-z]+)(?: at {_TIME})?"
    rf"|monthly (?P<monthly>on|by) the (?P<day>\d{{1,2}})(?:st|nd|rd|th)(?: at {_TIME})?)"
    r"(?P<working> on working days)?$"
)
_SCHEDULE_FORMS = ('"daily at 09:30", "daily before 18:00", "weekly on Monday", "monthly on the 1st", '
                   '"monthly by the 3rd", with "at HH:MM" after weekly/monthly and "on working days" '
                   "at the end when wanted")
_MAX_MOVE_BACK = 15  # days; the longest run of non-working days in China is 9
_LOOKAHEAD = {"daily": 1, "weekly": 3, "monthly": 2}  # periods whose occurrence may move past another's


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


@dataclass(frozen=True)
class Schedule:
    """A repeating moment (job run or deadline) per day, ISO week or month."""

    frequency: Literal["daily", "weekly", "monthly"]
    mode: Literal["at", "before", "on", "by"]
    at: time | None = None
    weekday: int | None = None
    day: int | None = None
    working_days_only: bool = False

    @property
    def text(self) -> str:
        """The canonical text, e.g. ``daily at 09:30 on working days``."""
        at = f" at {self.at:%H:%M}" if self.at is not None else ""
        if self.frequency == "daily":
            text = f"daily {self.mode} {self.at or time(0):%H:%M}"
        elif self.frequency == "weekly":
            text = f"weekly on {_WEEKDAYS[self.weekday or 0].title()}{at}"
        else:
            text = f"monthly {self.mode} the {_ordinal(self.day or 1)}{at}"
        return text + (" on working days" if self.working_days_only else "")

    def __str__(self) -> str:
        return self.text

    def next_after(self, moment: datetime, calendar: BusinessCalendar) -> datetime:
        """The first occurrence strictly after ``moment``."""
        local = calendar.localize(moment)
        start = self._shift(self._period_of(local.date()), -_LOOKAHEAD[self.frequency])
        for _key, occurrence in self._from_period(start, calendar):
            if occurrence > local:
                return occurrence
        raise AssertionError("unreachable")  # pragma: no cover - the generator never ends

    def occurrences(self, start: datetime, end: datetime, calendar: BusinessCalendar) -> Iterator[datetime]:
        """Occurrences in ``[start, end)``, in order, each once."""
        local = calendar.localize(start)
        first = self._shift(self._period_of(local.date()), -_LOOKAHEAD[self.frequency])
        previous: datetime | None = None
        for _key, occurrence in self._from_period(first, calendar, until=calendar.localize(end)):
            if occurrence >= end:
                return
            if occurrence >= local and occurrence != previous:
                yield occurrence
            previous = occurrence

    def last_at_or_before(self, moment: datetime, calendar: BusinessCalendar) -> tuple[str, datetime]:
        """The latest occurrence at or before ``moment`` with its period key."""
        local = calendar.localize(moment)
        period = self._shift(self._period_of(local.date()), _LOOKAHEAD[self.frequency])
        found: tuple[str, datetime] | None = None
        for _ in range(800):
            occurrence = self._occurrence(period, calendar)
            if occurrence is not None:
                if found is not None and occurrence != found[1]:
                    return found
                if occurrence <= local:
                    found = (self._key(period), occurrence)
            period = self._shift(period, -1)
        if found is not None:
            return found
        raise DurationError(f"schedule {self.text!r} has no occurrence before {local.isoformat()}")

    def period_key(self, moment: datetime, calendar: BusinessCalendar) -> str:
        """Key of the last occurrence's period by ``moment``: ``2026-11-23``, ``2026-W48``, ``2026-11``."""
        return self.last_at_or_before(moment, calendar)[0]

    def _period_of(self, day: date) -> date:
        if self.frequency == "weekly":
            return day - timedelta(days=day.weekday())
        if self.frequency == "monthly":
            return day.replace(day=1)
        return day

    def _shift(self, period: date, count: int) -> date:
        if self.frequency == "daily":
            return period + timedelta(days=count)
        if self.frequency == "weekly":
            return period + timedelta(weeks=count)
        months = period.year * 12 + period.month - 1 + count
        return date(months // 12, months % 12 + 1, 1)

    def _key(self, period: date) -> str:
        if self.frequency == "weekly":
            year, week, _ = period.isocalendar()
            return f"{year}-W{week:02d}"
        return period.isoformat() if self.frequency == "daily" else period.strftime("%Y-%m")

    def _from_period(
        self, period: date, calendar: BusinessCalendar, until: datetime | None = None
    ) -> Iterator[tuple[str, datetime]]:
        """Occurrences from ``period`` on; stops before periods that cannot occur before ``until``."""
        while True:
            # Only "by … on working days" moves an occurrence back, and never by a fortnight: so a
            # later period needs no holiday data (which may not exist yet) to know it is too late.
            earliest = period - timedelta(days=_MAX_MOVE_BACK if self.mode == "by" else 0)
            if until is not None and datetime.combine(earliest, time(0), tzinfo=calendar.tz) >= until:
                return
            occurrence = self._occurrence(period, calendar)
            if occurrence is not None:
                yield self._key(period), occurrence
            period = self._shift(period, 1)

    def _occurrence(self, period: date, calendar: BusinessCalendar) -> datetime | None:
        """The occurrence that belongs to ``period`` (None when a daily schedule skips the day)."""
        day = period
        if self.frequency == "weekly":
            day = period + timedelta(days=self.weekday or 0)
        elif self.frequency == "monthly":
            last = (self._shift(period, 1) - timedelta(days=1)).day
            day = period.replace(day=min(self.day or 1, last))
        if self.working_days_only and not calendar.is_working_day(day):
            if self.frequency == "daily":
                return None
            if self.mode == "by":
                day = calendar.previous_working_day(day)
            else:
                day = calendar.next_working_day(day)
        if self.mode == "by" and self.at is None:
            return datetime.combine(day + timedelta(days=1), time(0), tzinfo=calendar.tz)
        return datetime.combine(day, self.at or time(0), tzinfo=calendar.tz)


def parse_schedule(text: str) -> Schedule:
    """Parse a schedule text such as ``daily at 09:30 on working days``; DurationError when invalid."""
    if not isinstance(text, str):
        raise DurationError(f"schedule {text!r} is not a text; write one of {_SCHEDULE_FORMS}",
                            code="duration.E002")
    normal = " ".join(text.lower().split())
    match = _SCHEDULE.match(normal)
    if match is None:
        raise DurationError(f"cannot read schedule {text!r}; write one of {_SCHEDULE_FORMS}",
                            code="duration.E002")
    working = match.group("working") is not None
    if match.group("daily"):
        return Schedule("daily", "at" if match.group("daily") == "at" else "before",
                        at=time(int(match.group(2)), int(match.group(3))), working_days_only=working)
    at = _optional_time(match, 5, 6) if match.group("weekday") else _optional_time(match, 9, 10)
    if match.group("weekday"):
        name = match.group("weekday")
        if name not in _WEEKDAYS:
            close = get_close_matches(name, _WEEKDAYS, n=1)
            tip = f"; did you mean {close[0].title()}?" if close else ""
            raise DurationError(f"{name!r} in schedule {text!r} is not a weekday{tip}", code="duration.E002")
        return Schedule("weekly", "on", at=at, weekday=_WEEKDAYS.index(name), working_days_only=working)
    day = int(match.group("day"))
    if not 1 <= day <= 31:
        raise DurationError(f"day {day} in schedule {text!r} is not a day of the month (1-31)",
                            code="duration.E002")
    return Schedule("monthly", "on" if match.group("monthly") == "on" else "by", at=at, day=day,
                    working_days_only=working)


def _optional_time(match: re.Match[str], hour: int, minute: int) -> time | None:
    if match.group(hour) is None:
        return None
    return time(int(match.group(hour)), int(match.group(minute)))
