"""Case numbers people quote: ``<prefix>-<subsidiary>-<year>-<6 digits>``, gapless per sequence.

The subsidiary part is the org unit code's first word and the initials of the rest
(``sz-property`` → ``SZP``, ``hn-region`` → ``HNR``): ``TS-SZP-2026-000001``.

The prefix comes from the policy key ``numbering.prefix.<process_id>`` (e.g. complaint → TS 投诉,
repair → BX 报修, consultation → ZX 咨询, visitor_reception → LF 来访, archive_access → DA 档案);
without it, the upper-case initials of the process id's words. The sequence row (subsidiary, prefix,
year) is locked and incremented inside the transaction that creates the case, so a rolled-back case
gives its number back and no two cases share one. It is taken as late as possible (after the
SpiffWorkflow run, just before the case's rows are written; ``Transition.take_number``): the row lock
lasts from there to the commit, so intakes of one subsidiary do not queue behind each other's runs.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["format_number", "number_prefix", "unit_short_code"]

DEFAULT_PREFIXES = {"complaint": "TS", "repair": "BX", "consultation": "ZX", "visitor_reception": "LF",
                    "visit": "LF", "archive_access": "DA", "archive": "DA"}


def number_prefix(policy: Any, process_id: str) -> str:
    """The number prefix of a process: policy ``numbering.prefix.<id>``, else the id's initials."""
    key = f"numbering.prefix.{process_id}"
    value = None
    has = getattr(policy, "has", None)
    if has is None or has(key):
        try:
            value = policy.get(key)
        except Exception:  # a missing optional key: any policy implementation's "not found"
            value = None
    if value:
        return str(value).upper()
    if process_id in DEFAULT_PREFIXES:
        return DEFAULT_PREFIXES[process_id]
    words = [w for w in re.split(r"[^A-Za-z0-9]+", process_id) if w]
    return "".join(w[0] for w in words).upper() or "C"


def unit_short_code(code: str | None) -> str:
    """The subsidiary's code in numbers: its first word whole, then initials (``sz-property`` → SZP)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", code or "") if w]
    if not words:
        return "GRP"
    return (words[0] + "".join(w[0] for w in words[1:])).upper()


def format_number(prefix: str, subsidiary: str | None, year: int, seq: int) -> str:
    """E.g. ``TS-SZP-2026-000001``."""
    return f"{prefix}-{unit_short_code(subsidiary)}-{year}-{seq:06d}"
