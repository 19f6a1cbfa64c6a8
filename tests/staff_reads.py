"""Counting the staff rows a read brings back: every ``StaffRecord`` the given repository modules build.

The bounded-read tests of issue 18 (docs/scaling.md items 49–51) add staff elsewhere and assert that a
notice, a transfer picker or an abnormal visit reads none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from engine.store import StaffRecord


class StaffReads:
    """``seen`` holds ``key(record)`` of every ``StaffRecord`` built by ``modules`` while counting is on
    (from the start; ``off()`` and ``on()`` pause and resume it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *modules: ModuleType,
                 key: Callable[[StaffRecord], str]) -> None:
        self.monkeypatch, self.key = monkeypatch, key
        self.originals = {module: module.StaffRecord for module in modules}
        self.seen: list[str] = []
        self.on()

    def on(self) -> None:
        for module, original in self.originals.items():
            self.monkeypatch.setattr(module, "StaffRecord", self._counting(original))

    def off(self) -> None:
        for module, original in self.originals.items():
            self.monkeypatch.setattr(module, "StaffRecord", original)

    def _counting(self, original: Callable[..., StaffRecord]) -> Callable[..., StaffRecord]:
        def counted(*args: Any, **kwargs: Any) -> StaffRecord:
            person = original(*args, **kwargs)
            self.seen.append(self.key(person))
            return person

        return counted
