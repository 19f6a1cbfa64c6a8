"""What a row may hold: text lengths read from the table definitions, checked before anything is written.

A value longer than its column fails on PostgreSQL only when the row is flushed, which may be after
other rows of the same step were written; a NUL character fails there too. Domain code checks the
values of a row first (``check_row``) and gets a ``FormError`` naming each field, in both languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import String

from engine.errors import FormError
from engine.store.models import Base

__all__ = ["check_row", "text_limits"]


@cache
def text_limits(table: str) -> dict[str, int]:
    """column → maximum length of every length-bounded text column of ``table``."""
    columns = Base.metadata.tables[table].columns
    return {c.key: int(c.type.length) for c in columns if isinstance(c.type, String) and c.type.length}


def check_row(table: str, values: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> None:
    """FormError when a text value is longer than its column or holds a NUL (``labels``: column → field)."""
    limits = text_limits(table)
    en: dict[str, str] = {}
    zh: dict[str, str] = {}
    for column, value in values.items():
        if not isinstance(value, str):
            continue
        field = (labels or {}).get(column, column)
        if "\x00" in value:
            en[field], zh[field] = "contains a NUL character", "含有非法的空字符"
        elif column in limits and len(value) > limits[column]:
            en[field] = f"is {len(value)} characters long; at most {limits[column]} are allowed"
            zh[field] = f"长度为 {len(value)} 字，最多 {limits[column]} 字"
    if en:
        error = FormError("some values do not fit: " + ", ".join(sorted(en)), en,
                          zh="部分内容过长或含非法字符：" + "、".join(sorted(zh)))
        error.errors_zh = zh  # type: ignore[attr-defined]
        raise error
