"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from engine.clock import FixedClock

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")


def skip_or_fail(reason: str) -> None:
    """Skip with a visible reason on a bare machine; under CI (CI=true) a missing service is a failure."""
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


def shanghai(text: str) -> datetime:
    """A Shanghai wall-clock time from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing at Monday 2026-11-23 10:00 Shanghai time; tests move it."""
    return FixedClock(shanghai("2026-11-23 10:00"))


@pytest.fixture
def policies_dir() -> Path:
    """The shipped policy tree."""
    return ROOT / "policies"


@pytest.fixture
def processes_dir() -> Path:
    """The shipped diagrams."""
    return ROOT / "processes"
