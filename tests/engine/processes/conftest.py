"""Fixtures for the process tests: a small fake policy and the test diagrams."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.errors import NotFoundError

DATA = Path(__file__).resolve().parents[2] / "data"


class FakePolicy:
    """Just enough of EffectivePolicy for the process tests: durations are 'N minutes|hours|days'."""

    def __init__(self, **overrides: Any) -> None:
        self.values: dict[str, Any] = {
            "calendar.timezone": "Asia/Shanghai",
            "complaint.deadlines.visit": "1 hour",
            "complaint.deadlines.reply": "24 hours",
            "complaint.categories": [
                {
                    "code": "facilities",
                    "name": "房屋设备",
                    "department": "engineering",
                    "cooperating": ["property"],
                },
                {"code": "attitude", "name": "服务态度", "department": "property", "cooperating": []},
            ],
            "channels": [{"code": "phone", "name": "电话"}, {"code": "wechat", "name": "微信"}],
        }
        self.values.update(overrides)
        self.calendar = None

    def get(self, key: str) -> Any:
        """The value at ``key``."""
        if key not in self.values:
            raise NotFoundError(f"no policy key {key!r}")
        return self.values[key]

    def deadline(self, key: str, start: datetime, origin: datetime | None = None) -> datetime:
        """``start`` plus the wall-clock duration at ``key`` (no caps: ``origin`` is not used)."""
        amount, unit = str(self.get(key)).split()
        return start + timedelta(**{unit.rstrip("s") + "s": int(amount)})

    def responsible_department(self, category: str) -> str:
        """The category's department."""
        return str(self._category(category)["department"])

    def cooperating_departments(self, category: str) -> list[str]:
        """The category's cooperating departments."""
        return list(self._category(category)["cooperating"])

    def _category(self, code: str) -> dict[str, Any]:
        for item in self.values["complaint.categories"]:
            if item["code"] == code:
                return dict(item)
        raise NotFoundError(f"no complaint category {code!r}")


@pytest.fixture
def policy() -> FakePolicy:
    """A fake effective policy in Asia/Shanghai."""
    return FakePolicy()


@pytest.fixture
def valid_dir() -> Path:
    """The directory of valid test diagrams."""
    return DATA / "valid"


@pytest.fixture
def invalid_dir() -> Path:
    """The directory of refused test diagrams and forms."""
    return DATA / "invalid"
