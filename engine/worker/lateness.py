"""Who is late, from when, and by how much on the policy's clock (R2.5, R2.15).

Each person is fined only for their own lateness. A fined task's holder is late from the later of
two moments: the task's due time, and the moment the task reached them plus the time the policy
gives them (``complaint.penalties.allowance``: fine kind → the deadline key whose duration they
have, without its ``never_after`` cap, which belongs to the case and not to the person). So the
CS-centre GM who gets an order at 10:00 whose sign deadline passed at 10:30 the day before is late
only after 11:00.

Lateness is counted on ``complaint.penalties.lateness_clock``: ``working time`` counts only the
working periods of working days of the case's calendar (nights, lunch breaks, weekends and holidays
are no lateness), ``wall clock`` counts everything. Days overdue (R2.15 bands) are counted as
``complaint.penalties.overdue_days`` says: ``calendar days`` or ``working days``.

Values come from the case's pinned policy; a key added to the policy after the case was pinned
comes from the unit's current policy (``CaseRules.get``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.durations import WallClock, WorkingTime

__all__ = ["FINED_TASKS", "CaseRules", "Lateness", "started_steps", "working_span"]

# Task (BPMN id) → the fine kind of doing it late. The plan is agreed and entered at the visit
# (R2.7); the return-visit tasks with a due time are the first receiver's visit of a complaint
# (complaint.deadlines.return_visit, R2.12, 003 第35条) and the supervisor's visit of a difficult issue
# (return_visit.difficult_issue, R6.2), both in processes/return_visit.bpmn, called by the complaint.
FINED_TASKS = {
    "raise_order": "late_order_entry",
    "sign_order": "late_order_sign",
    "visit_customer": "plan_not_entered",
    "contact_customer": "missed_return_visit",
    "record_return_visit": "missed_return_visit",
    "supervisor_contact_customer": "missed_return_visit",
    "supervisor_record_return_visit": "missed_return_visit",
}
_DAY = timedelta(days=1)


def started_steps(late: timedelta, step: timedelta) -> int:
    """How many started ``step``s fit in ``late`` (a second late is one step)."""
    return max(1, math.ceil(late / step)) if late > timedelta(0) else 0


def working_span(calendar: Any, start: datetime, end: datetime) -> timedelta:
    """The working time in ``[start, end)`` on ``calendar`` (zero when ``end`` is not after ``start``)."""
    if end <= start:
        return timedelta(0)
    a, b = calendar.localize(start), calendar.localize(end)
    total = timedelta(0)
    day = a.date()
    while day <= b.date():
        if calendar.is_working_day(day):
            for period_start, period_end in calendar.working_hours:
                low = max(datetime.combine(day, period_start, tzinfo=calendar.tz), a)
                high = min(datetime.combine(day, period_end, tzinfo=calendar.tz), b)
                if high > low:
                    total += high - low
        day += _DAY
    return total


@dataclass(frozen=True)
class Lateness:
    """One task done late (or still open): from when its holder was late and by how much."""

    kind: str
    due: datetime
    reached: datetime | None
    fine_from: datetime
    done: datetime
    late: timedelta
    working: bool

    @property
    def minutes(self) -> int:
        """Whole minutes late on the policy's clock."""
        return int(self.late.total_seconds() // 60)


@dataclass(frozen=True)
class CaseRules:
    """The penalty rules of one case: its pinned policy, with the unit's for keys added since."""

    pinned: Any
    unit: Any

    def get(self, key: str) -> Any:
        """The pinned value of ``key``, else the unit's current one."""
        return self.pinned.get(key) if self.pinned.has(key) else self.unit.get(key)

    @property
    def calendar(self) -> Any:
        """The case's calendar (its project's or subsidiary's working hours and holidays)."""
        return self.pinned.calendar

    @property
    def working_time(self) -> bool:
        """True when lateness is counted in working time."""
        return self.get("complaint.penalties.lateness_clock") == "working time"

    @property
    def working_days(self) -> bool:
        """True when days overdue are working days."""
        return self.get("complaint.penalties.overdue_days") == "working days"

    def fine_from(self, kind: str, due: datetime, reached: datetime | None) -> datetime:
        """The later of ``due`` and ``reached`` plus the person's own time for ``kind`` (if any)."""
        allowance = self.get("complaint.penalties.allowance")
        key = allowance.get(kind) if isinstance(allowance, dict) else None
        if key is None or reached is None:
            return due
        own = self.pinned.duration(key) if self.pinned.has(key) else self.unit.duration(key)
        return max(due, own.apply(reached, self.calendar))  # apply() leaves a never_after cap out

    def lateness(self, kind: str, due: datetime, reached: datetime | None, done: datetime) -> Lateness:
        """How late ``done`` is for the holder of a ``kind`` task due at ``due`` that reached them."""
        start = self.fine_from(kind, due, reached)
        working = self.working_time
        late = working_span(self.calendar, start, done) if working else max(done - start, timedelta(0))
        return Lateness(kind, due, reached, start, done, late, working)

    def step(self, key: str) -> timedelta:
        """The length of a fine's counting step (``5 minutes``: five minutes on the lateness clock)."""
        duration = self.pinned.duration(key) if self.pinned.has(key) else self.unit.duration(key)
        if isinstance(duration, WallClock | WorkingTime):
            return timedelta(minutes=duration.minutes)
        raise ValueError(f"{key} must be minutes or hours (e.g. 5 minutes), not {duration.text!r}")

    def days_overdue(self, due: datetime, moment: datetime, limit: int) -> int:
        """Started days past ``due`` at ``moment`` (a second late starts day 1), at most ``limit``."""
        if moment <= due:
            return 0
        if not self.working_days:
            return min(limit, started_steps(moment - due, _DAY))
        days = 0
        while days < limit and self.calendar.add_working_days(due, days) < moment:
            days += 1  # day k starts once k-1 working days past the due time have gone by
        return days
