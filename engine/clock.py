"""Clocks: kefu never calls ``datetime.now()`` directly; a clock is passed in so tests move time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol

__all__ = ["Clock", "FixedClock", "SystemClock", "ensure_aware", "local_minutes"]


def ensure_aware(moment: datetime) -> datetime:
    """Return ``moment`` if it carries a time zone, else raise ValueError (naive times are ambiguous)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"time {moment.isoformat()} has no time zone; give an offset such as +08:00")
    return moment


def local_minutes(moment: datetime, zone: tzinfo) -> str:
    """``moment`` as people read it, ``YYYY-MM-DD HH:MM`` on the wall clock of ``zone`` (the policy's
    ``calendar.timezone``: ``policy.calendar.tz``, ``RunContext.zone``, ``Transition.zone``): every
    message, notice, export and CLI line prints a time through this. 2026-12-31 16:00 UTC is
    "2027-01-01 00:00" in Asia/Shanghai. A naive ``moment`` is a programming error (whose clock is it
    on?): ValueError, never a guess."""
    return ensure_aware(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M")


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """The current moment, time-zone aware, in UTC."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """The current moment in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, moment: datetime) -> None:
        self._now = ensure_aware(moment).astimezone(UTC)

    def now(self) -> datetime:
        """The clock's current moment in UTC."""
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to ``moment`` (aware)."""
        self._now = ensure_aware(moment).astimezone(UTC)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta`` or by timedelta keyword arguments; returns the new time."""
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now
