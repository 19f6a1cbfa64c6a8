"""The effective policy of one unit: merged values, where each came from, and typed accessors."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from engine.calendar import BusinessCalendar, CalendarDays
from engine.clock import ensure_aware
from engine.durations import Capped, Duration, Schedule, parse_duration, parse_schedule
from engine.errors import NotFoundError, PolicyError
from engine.policy.problems import did_you_mean

__all__ = ["SNAPSHOT_FORMAT", "EffectivePolicy", "Provenance"]

SNAPSHOT_FORMAT = 1


@dataclass(frozen=True, order=True)
class Provenance:
    """Where a value was written: file path and 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


def _fingerprint(code: str, chain: tuple[str, ...], values: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        {"code": code, "chain": list(chain), "values": values},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _walk_keys(values: Any, prefix: str = "") -> list[str]:
    keys: list[str] = []
    if isinstance(values, dict):
        for name, value in values.items():
            key = f"{prefix}{name}"
            keys.append(key)
            if isinstance(value, dict):
                keys.extend(_walk_keys(value, key + "."))
    return keys


@dataclass(frozen=True, eq=False)
class EffectivePolicy:
    """The rules in force for one unit (group, subsidiary or project); immutable, JSON-snapshottable."""

    code: str
    chain: tuple[str, ...]
    _values: dict[str, Any] = field(repr=False, compare=False)
    _provenance: dict[str, Provenance] = field(repr=False, compare=False)
    calendars_dir: Path | None = field(default=None, repr=False, compare=False)

    def get(self, key: str) -> Any:
        """The plain (JSON-able) value of dotted ``key``; a subtree key gives a mapping."""
        return copy.deepcopy(self._node(key))

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of every value as one nested mapping."""
        return copy.deepcopy(self._values)

    def has(self, key: str) -> bool:
        """Whether dotted ``key`` has a value."""
        try:
            self._node(key)
        except NotFoundError:
            return False
        return True

    def _node(self, key: str) -> Any:
        node: Any = self._values
        for name in key.split("."):
            if not isinstance(node, dict) or name not in node:
                hint = did_you_mean(key, _walk_keys(self._values))
                raise NotFoundError(f"unknown policy key {key!r} in {self.code}{hint}")
            node = node[name]
        return node

    def keys(self) -> list[str]:
        """Every dotted key (branches and leaves) in document order."""
        return _walk_keys(self._values)

    def provenance(self, key: str) -> Provenance:
        """The file and line that set ``key`` (or a record path like ``complaint.categories[leasing]``)."""
        found = self._provenance.get(key)
        if found is None:
            hint = did_you_mean(key, self._provenance)
            raise NotFoundError(f"unknown policy key {key!r} in {self.code}{hint}")
        return found

    def provenances(self) -> dict[str, Provenance]:
        """Every recorded provenance (key -> file:line)."""
        return dict(self._provenance)

    def duration(self, key: str) -> Duration:
        """The value of ``key`` parsed as a duration."""
        return parse_duration(self._node(key))

    def schedule(self, key: str) -> Schedule:
        """The value of ``key`` parsed as a schedule."""
        return parse_schedule(self._node(key))

    @cached_property
    def calendar(self) -> BusinessCalendar:
        """The business calendar of the unit, from ``calendar.*`` and the holiday files."""
        calendars_dir = self.calendars_dir if self.calendars_dir is not None else Path("policies/calendars")
        days = CalendarDays.load(calendars_dir, self._node("calendar.region"))
        return BusinessCalendar(
            self._node("calendar.timezone"),
            self._node("calendar.working_hours"),
            self._node("calendar.weekend"),
            days,
        )

    def deadline(self, key: str, start: datetime, origin: datetime | None = None) -> datetime:
        """When the duration ``key`` counted from ``start`` ends (aware, in the policy time zone).

        A duration that is ``never_after`` another key ends no later than that key's deadline counted
        from ``origin``, the moment the case's clocks count from (``start`` when not given).
        """
        duration = self.duration(key)
        end = duration.apply(ensure_aware(start), self.calendar)
        if isinstance(duration, Capped):
            limit = self.duration(duration.never_after)  # the load check refuses a capped cap
            begin = ensure_aware(origin if origin is not None else start)
            end = min(end, limit.apply(begin, self.calendar))
        return end

    def record(self, key: str, code: str) -> dict[str, Any]:
        """The entry with ``code`` of the list ``key`` (e.g. a category); NotFoundError with a hint."""
        items = self._node(key)
        for item in items:
            if item.get("code") == code:
                return copy.deepcopy(item)
        hint = did_you_mean(code, [i.get("code", "") for i in items])
        raise NotFoundError(f"unknown {key.rpartition('.')[2]} code {code!r} in {self.code}{hint}")

    def responsible_department(self, category: str) -> str:
        """The first responsible department of a complaint category (R2.4)."""
        return str(self.record("complaint.categories", category)["department"])

    def cooperating_departments(self, category: str) -> list[str]:
        """The departments that cooperate on a complaint category (R2.4)."""
        return list(self.record("complaint.categories", category).get("cooperating", []))

    def lane(self, name: str) -> dict[str, str]:
        """``{role, scope}`` of a diagram lane."""
        lanes = self._node("lanes")
        if name not in lanes:
            raise NotFoundError(f"unknown lane {name!r} in policy {self.code}{did_you_mean(name, lanes)}")
        return dict(lanes[name])

    def name_of(self, key: str, code: str) -> str:
        """The Chinese name of ``code`` in list ``key`` (e.g. a department), or the code itself."""
        for item in self._node(key) if self.has(key) else []:
            if item.get("code") == code:
                return str(item.get("name", code))
        return code

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the unit code, chain and values (the same policy gives the same fingerprint)."""
        return _fingerprint(self.code, self.chain, self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EffectivePolicy) and other.fingerprint == self.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able copy a case pins: values, unit chain, provenance and fingerprint."""
        return {
            "format": SNAPSHOT_FORMAT,
            "code": self.code,
            "chain": list(self.chain),
            "values": copy.deepcopy(self._values),
            "provenance": {k: [p.path, p.line] for k, p in self._provenance.items()},
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_snapshot(cls, snapshot: Mapping[str, Any], calendars_dir: str | Path | None) -> EffectivePolicy:
        """Rebuild a pinned policy; PolicyError (policy.E025) when the snapshot was altered."""
        if snapshot.get("format", SNAPSHOT_FORMAT) != SNAPSHOT_FORMAT:
            raise PolicyError(
                f"policy snapshot format {snapshot.get('format')!r} is not {SNAPSHOT_FORMAT}; "
                "upgrade it with a named migration before loading",
                code="policy.E025",
            )
        try:
            code = str(snapshot["code"])
            chain = tuple(str(c) for c in snapshot["chain"])
            values = copy.deepcopy(dict(snapshot["values"]))
            provenance = {
                k: Provenance(str(p[0]), int(p[1])) for k, p in snapshot.get("provenance", {}).items()
            }
            expected = snapshot["fingerprint"]
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise PolicyError(
                f"policy snapshot is incomplete ({exc!r}); re-pin it from the policy set", code="policy.E025"
            ) from None
        if _fingerprint(code, chain, values) != expected:
            raise PolicyError(
                f"policy snapshot of {code} does not match its fingerprint {str(expected)[:12]}…; "
                "it was altered after it was pinned",
                code="policy.E025",
            )
        return cls(
            code, chain, values, provenance, Path(calendars_dir) if calendars_dir is not None else None
        )
