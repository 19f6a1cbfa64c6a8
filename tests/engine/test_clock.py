"""``engine.clock.local_minutes``: the one way a time is printed for people (``YYYY-MM-DD HH:MM``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from engine.clock import local_minutes

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_utc_time_is_printed_on_the_zones_wall_clock_and_the_date_flips_at_the_year_end() -> None:
    assert local_minutes(datetime(2026, 12, 31, 16, 0, tzinfo=UTC), SHANGHAI) == "2027-01-01 00:00"
    assert local_minutes(datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC), SHANGHAI) == "2026-12-31 23:59"


def test_the_offset_a_time_arrives_in_does_not_matter() -> None:
    moment = datetime(2027, 1, 1, 0, 0, tzinfo=SHANGHAI)
    for given in (moment, moment.astimezone(UTC), moment.astimezone(timezone(timedelta(hours=-5)))):
        assert local_minutes(given, SHANGHAI) == "2027-01-01 00:00"
    assert local_minutes(moment, UTC) == "2026-12-31 16:00"  # the audit CLI's "… UTC" lines


def test_a_naive_time_is_a_programming_error_not_a_guess() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        local_minutes(datetime(2026, 12, 31, 16, 0), SHANGHAI)
