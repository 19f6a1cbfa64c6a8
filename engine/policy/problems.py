"""Policy error codes and the aggregate error that carries every finding of a policy tree."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches
from pathlib import Path

from engine.errors import PolicyError

__all__ = ["CODES", "PolicyErrors", "Problems", "did_you_mean"]

# The stable codes; the package docstring prints the same table and a test keeps both honest.
CODES: dict[str, str] = {
    "policy.E001": "the file is not valid YAML",
    "policy.E002": "the file is empty or its top level is not a mapping",
    "policy.E003": "a key appears twice in one mapping",
    "policy.E004": "unknown key or record field",
    "policy.E005": "wrong type of value",
    "policy.E006": "bad duration text",
    "policy.E007": "bad schedule text",
    "policy.E008": "value out of range or not allowed",
    "policy.E009": "record without a code, or a code listed twice",
    "policy.E010": "unknown department or role",
    "policy.E011": "extends missing in an overlay, or present in group.yaml",
    "policy.E012": "extends names an unknown unit",
    "policy.E013": "extends forms a cycle",
    "policy.E014": "bounds in an overlay (only group.yaml may bound)",
    "policy.E015": "a required key or record field is missing",
    "policy.E016": "bound: value above the allowed maximum (e.g. a lengthened deadline)",
    "policy.E017": "bound: durations of different kinds cannot be compared",
    "policy.E018": "bound: value below the allowed minimum (e.g. a lowered fine or coverage)",
    "policy.E019": "bound: an entry of an add-only list is removed",
    "policy.E020": "bound: a fixed key is changed",
    "policy.E021": "bad bounds section",
    "policy.E022": "bad unit code or file name, or a unit defined twice",
    "policy.E023": "extends names a unit of the wrong level",
    "policy.E024": "policy directory or group.yaml missing",
    "policy.E025": "snapshot is damaged (fingerprint does not match)",
    "policy.E026": "a reference to another key is wrong (e.g. never_after names no deadline)",
    "policy.E027": "the policy and the diagrams disagree (a lane, choices_from or required_from)",
}


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` when a choice is close to ``name``, else the list of choices (short)."""
    options = sorted(set(choices))
    close = get_close_matches(name, options, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    if options and len(options) <= 12:
        return f"; known: {', '.join(options)}"
    return ""


class PolicyErrors(PolicyError):
    """Every error found in a policy tree; ``errors`` lists them, the first gives path, line and code."""

    def __init__(self, errors: list[PolicyError]) -> None:
        first = errors[0]
        super().__init__(first.message, path=first.path, line=first.line, code=first.code)
        self.errors = list(errors)

    def __str__(self) -> str:
        if len(self.errors) == 1:
            return str(self.errors[0])
        lines = [f"{len(self.errors)} policy errors:"]
        lines.extend(str(error) for error in self.errors)
        return "\n".join(lines)


class Problems:
    """Collects PolicyErrors while a tree is checked; ``raise_if_any`` raises them together."""

    def __init__(self) -> None:
        self.errors: list[PolicyError] = []

    def add(self, code: str, message: str, path: str | Path | None, line: int | None) -> None:
        """Record one finding (``code`` must be in CODES)."""
        assert code in CODES, code
        self.errors.append(PolicyError(message, path=path, line=line, code=code))

    def extend(self, errors: Iterable[PolicyError]) -> None:
        """Record findings made elsewhere."""
        self.errors.extend(errors)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        """Raise PolicyErrors (sorted by file and line) when anything was recorded."""
        if self.errors:
            ordered = sorted(self.errors, key=lambda e: (e.path or "", e.line or 0))
            raise PolicyErrors(ordered)
