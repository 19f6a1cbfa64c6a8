"""Cells of the files kefu writes for spreadsheet programs (CSV and XLSX) from people's text.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some programs
skip before looking) is read as a formula by Excel, WPS and LibreOffice: ``=HYPERLINK(…)`` in a
visitor's name becomes a live link in the exported log, ``=cmd|…`` worse. Every export written from
user text passes its rows through :func:`safe_row`: such a cell gets a leading apostrophe, so the
program shows the text as typed. Numbers (int, float, Decimal) stay numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["FORMULA_STARTS", "safe_cell", "safe_row"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a cell that no spreadsheet program evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row of :func:`safe_cell` values."""
    return [safe_cell(v) for v in values]
