"""SQL expressions that read the same on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["digits_of", "sqlite_digits"]


class digits_of(FunctionElement[str]):  # noqa: N801 (an SQL function, named like one)
    """The digits of a text column, everything else left out (``3栋1单元1202`` → ``311202``)."""

    type = String()
    inherit_cache = True
    name = "digits_of"


@compiles(digits_of)
def _digits_sqlite(element: digits_of, compiler: Any, **kw: Any) -> str:
    # registered on every SQLite connection (engine/store/db.py: kefu_digits = sqlite_digits)
    return f"kefu_digits({compiler.process(element.clauses, **kw)})"


@compiles(digits_of, "postgresql")
def _digits_postgresql(element: digits_of, compiler: Any, **kw: Any) -> str:
    return f"regexp_replace({compiler.process(element.clauses, **kw)}, '[^0-9]+', '', 'g')"


def sqlite_digits(value: str | None) -> str | None:
    """SQLite's ``kefu_digits``: the digits of ``value`` (NULL stays NULL)."""
    return None if value is None else "".join(ch for ch in value if "0" <= ch <= "9")
