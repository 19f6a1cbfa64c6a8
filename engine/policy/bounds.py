"""What overlays may change: the ``bounds:`` section of group.yaml and the check of an overlay against it.

``bounds.by_kind`` gives the default rule of each kind of value, ``bounds.keys`` per-key exceptions.
Rules: ``free``; ``fixed`` (no change); ``shorten`` / ``lower`` (not above the group value); ``raise``
(not below the group value); ``add_only`` (lists: every group entry stays); or a mapping
``{min: …, max: …}`` of absolute limits written in the key's own kind (``{max: 24 hours}``).
Every overlay, subsidiary or project, is compared with the group value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.durations import Capped, compare_durations, parse_duration
from engine.policy.catalogue import ENTRIES, KINDS
from engine.policy.catalogue import entry as catalogue_entry
from engine.policy.loader import PolicyFile
from engine.policy.problems import Problems, did_you_mean
from engine.policy.schema import check_scalar, leaves

__all__ = ["Bound", "Bounds", "check_overlay", "compare_values", "lookup", "parse_bounds"]

ORDERED_KINDS = ("duration", "count", "money", "percent", "years")
LIST_KINDS = ("records", "texts", "roles", "departments")
_RULES = ("free", "fixed", "shorten", "lower", "raise", "add_only")


@dataclass(frozen=True)
class Bound:
    """One rule: ``rule`` plus explicit ``minimum``/``maximum`` for ``limits``; ``line`` in group.yaml."""

    rule: str = "free"
    minimum: Any = None
    maximum: Any = None
    line: int | None = None

    def describe(self) -> str:
        """Short text for people: ``shorten``, ``max 24 hours`` …"""
        if self.rule != "limits":
            return self.rule
        parts = [f"min {self.minimum}"] if self.minimum is not None else []
        parts += [f"max {self.maximum}"] if self.maximum is not None else []
        return ", ".join(parts)


@dataclass(frozen=True)
class Bounds:
    """The parsed ``bounds:`` section: defaults by kind and per-key exceptions."""

    by_kind: dict[str, Bound]
    keys: dict[str, Bound]

    def for_key(self, key: str) -> Bound:
        """The rule that applies to ``key`` (exception, else its kind's default, else free)."""
        if key in self.keys:
            return self.keys[key]
        spec = catalogue_entry(key)
        return self.by_kind.get(spec.kind, Bound()) if spec else Bound()


def lookup(values: Any, key: str) -> Any:
    """The value at dotted ``key`` in nested ``values``; KeyError when absent."""
    node = values
    for name in key.split("."):
        if not isinstance(node, dict) or name not in node:
            raise KeyError(key)
        node = node[name]
    return node


def _cap_of(value: Any) -> str | None:
    """The key a duration is ``never_after``, or None."""
    duration = parse_duration(value)
    return duration.never_after if isinstance(duration, Capped) else None


def compare_values(kind: str, a: Any, b: Any) -> int | None:
    """-1/0/1 ordering two values of an ordered kind; None when they cannot be compared."""
    if kind == "duration":
        return compare_durations(parse_duration(a), parse_duration(b))
    if kind == "years":
        a, b = (float("inf") if v == "permanent" else v for v in (a, b))
    return (a > b) - (a < b)


def _allowed(rule: str, kind: str) -> bool:
    if rule in ("free", "fixed"):
        return True
    if rule == "add_only":
        return kind in LIST_KINDS
    return kind in ORDERED_KINDS


def _parse_rule(
    raw: Any, kind: str, where: str, line: int, group: PolicyFile, problems: Problems
) -> Bound | None:
    def bad(message: str) -> None:
        problems.add("policy.E021", f"bounds {where}: {message}", group.path, line)

    if isinstance(raw, str):
        if raw not in _RULES:
            bad(f"unknown rule {raw!r}{did_you_mean(raw, _RULES)}")
        elif not _allowed(raw, kind):
            bad(f"rule {raw!r} does not apply to a {kind} value")
        else:
            return Bound(raw, line=line)
        return None
    if isinstance(raw, dict) and raw and set(raw) <= {"min", "max"}:
        if kind not in ORDERED_KINDS:
            bad(f"min/max limits need an ordered value (duration, count, money, percent, years), not {kind}")
            return None
        for name, limit in raw.items():
            found = check_scalar(kind, limit)
            if found:
                bad(f"{name}: {found[1]}")
                return None
        return Bound("limits", raw.get("min"), raw.get("max"), line)
    bad(f"{raw!r} is not a rule; write one of {', '.join(_RULES)} or {{min: …, max: …}}")
    return None


def parse_bounds(group: PolicyFile, problems: Problems) -> Bounds:
    """Read group.yaml's ``bounds:``; mistakes go to ``problems`` (policy.E021)."""
    raw = group.values.get("bounds") or {}
    by_kind: dict[str, Bound] = {}
    keys: dict[str, Bound] = {}
    if not isinstance(raw, dict):
        problems.add(
            "policy.E021",
            "bounds must be a mapping with by_kind: and keys:",
            group.path,
            group.line("bounds"),
        )
        return Bounds(by_kind, keys)
    for name in raw:
        if name not in ("by_kind", "keys"):
            problems.add(
                "policy.E021",
                f"unknown bounds section {name!r}{did_you_mean(name, ('by_kind', 'keys'))}",
                group.path,
                group.line(f"bounds.{name}"),
            )
    for kind, rule in (raw.get("by_kind") or {}).items():
        line = group.line(f"bounds.by_kind.{kind}")
        if kind not in KINDS:
            problems.add(
                "policy.E021",
                f"bounds.by_kind: unknown kind {kind!r}{did_you_mean(kind, KINDS)}",
                group.path,
                line,
            )
            continue
        bound = _parse_rule(rule, kind, f"by_kind.{kind}", line, group, problems)
        if bound:
            by_kind[kind] = bound
    known = [e.key for e in ENTRIES]
    for key, rule in (raw.get("keys") or {}).items():
        line = group.line(f"bounds.keys.{key}")
        spec = catalogue_entry(key)
        if spec is None:
            problems.add(
                "policy.E021", f"bounds.keys: unknown key {key!r}{did_you_mean(key, known)}", group.path, line
            )
            continue
        bound = _parse_rule(rule, spec.kind, key, line, group, problems)
        if bound:
            keys[key] = bound
    return Bounds(by_kind, keys)


def _check_limit(
    kind: str, key: str, value: Any, limit: Any, upper: bool, origin: str
) -> tuple[str, str] | None:
    order = compare_values(kind, value, limit)
    if order is None and kind == "duration" and _cap_of(value) != _cap_of(limit):
        return "policy.E017", (
            f"{key}: cannot compare {value!r} with {limit!r} ({origin}): they are capped by different "
            f"deadlines ({_cap_of(value) or 'none'} against {_cap_of(limit) or 'none'}); keep the group's "
            "never_after"
        )
    if order is None:
        return "policy.E017", (
            f"{key}: cannot compare {value!r} with {limit!r} ({origin}): the two durations are of "
            "different kinds (e.g. working time against wall-clock time), so which ends first depends "
            "on the start; both values must be of the same kind, so write yours like the group's"
        )
    if upper and order > 0:
        what = "longer" if kind == "duration" else "higher"
        return "policy.E016", (
            f"{key}: {value!r} is {what} than {limit!r} ({origin}); use at most {limit!r}, or ask the "
            "group to declare an exception under bounds.keys"
        )
    if not upper and order < 0:
        what = "shorter" if kind == "duration" else "lower"
        return "policy.E018", (
            f"{key}: {value!r} is {what} than {limit!r} ({origin}); use at least {limit!r}, or ask the "
            "group to declare an exception under bounds.keys"
        )
    return None


def check_overlay(
    overlay: PolicyFile, group_values: dict[str, Any], bounds: Bounds, group_path: str, problems: Problems
) -> None:
    """Record in ``problems`` every value of ``overlay`` that breaks a group bound."""
    for key, value in leaves(overlay.values).items():
        bound = bounds.for_key(key)
        spec = catalogue_entry(key)
        if bound.rule == "free" or spec is None:
            continue
        try:
            group_value = lookup(group_values, key)
        except KeyError:
            continue
        where = f"{group_path}:{bound.line}" if bound.line else group_path
        line = overlay.line(key)
        found: tuple[str, str] | None = None
        if bound.rule == "fixed" and value != group_value:
            found = (
                "policy.E020",
                f"{key} is fixed by the group ({group_value!r}, bound at {where}); remove it",
            )
        elif bound.rule == "add_only" and spec.kind != "records" and isinstance(value, list):
            missing = [item for item in group_value if item not in value]
            if missing:
                found = (
                    "policy.E019",
                    (
                        f"{key}: removes {', '.join(map(str, missing))} from the group list "
                        f"(add-only, bound at {where}); keep every group entry and add yours"
                    ),
                )
        elif bound.rule in ("shorten", "lower"):
            found = _check_limit(
                spec.kind, key, value, group_value, True, f"the group value, bound {bound.rule} at {where}"
            )
        elif bound.rule == "raise":
            found = _check_limit(
                spec.kind, key, value, group_value, False, f"the group value, bound raise at {where}"
            )
        elif bound.rule == "limits":
            if bound.maximum is not None:
                found = _check_limit(
                    spec.kind, key, value, bound.maximum, True, f"the group's maximum at {where}"
                )
            if found is None and bound.minimum is not None:
                found = _check_limit(
                    spec.kind, key, value, bound.minimum, False, f"the group's minimum at {where}"
                )
        if found:
            problems.add(found[0], found[1], overlay.path, line)
