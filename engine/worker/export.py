"""The penalty ledger as files for HR and finance: CSV (UTF-8 with BOM, opens in Excel) and XLSX.

Everything people read is Chinese: the reason, the role, the detail (``detail.text``, written when
the line was booked), the person and unit by name; times are shown in the policy's time zone.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from engine.clock import local_minutes
from engine.errors import KefuError
from engine.spreadsheet import safe_row
from engine.store.worker_repo import PenaltyRecord
from engine.worker.templates import REASONS

__all__ = ["COLUMNS", "FORMATS", "ledger_rows", "write_ledger"]

FORMATS = ("csv", "xlsx")
COLUMNS = (
    ("month", "月份"), ("subsidiary", "单位"), ("staff", "责任人"), ("role", "责任类别"),
    ("kind", "扣罚事由"),
    ("amount", "扣罚金额（元）"), ("bonus_percent", "扣罚月度综合奖金（%）"), ("case_number", "投诉编号"),
    ("occurred_at", "发生时间"), ("detail", "说明"),
)
_ROLES = {"responsible": "投诉处理责任人", "leader": "分管领导"}
_ZONE_NAMES = {"Asia/Shanghai": "北京时间"}


def _named(code: str | None, names: Mapping[str, str]) -> str:
    if not code:
        return ""
    name = names.get(code)
    return f"{name}（{code}）" if name and name != code else code


def ledger_rows(lines: Sequence[PenaltyRecord], zone: tzinfo, staff: Mapping[str, str] | None = None,
                units: Mapping[str, str] | None = None) -> list[list[Any]]:
    """One row per ledger line, in the order of ``COLUMNS``; times in ``zone``, people and units named."""
    rows: list[list[Any]] = []
    for line in lines:
        bonus = (f"{line.bonus_percent_min}-{line.bonus_percent_max}"
                 if line.bonus_percent_min is not None else "")
        when = local_minutes(line.occurred_at, zone)
        rows.append([line.month, _named(line.subsidiary, units or {}), _named(line.staff, staff or {}),
                     _ROLES.get(line.role, line.role), REASONS.get(line.kind, (line.kind,))[0], line.amount,
                     bonus, line.case_number or "", when, str(line.detail.get("text", ""))])
    return rows


def write_ledger(lines: Sequence[PenaltyRecord], path: Path, fmt: str, zone: tzinfo | str = "Asia/Shanghai",
                 staff: Mapping[str, str] | None = None, units: Mapping[str, str] | None = None) -> Path:
    """Write the ledger lines to ``path`` as ``csv`` or ``xlsx`` with times in ``zone``; returns the path."""
    if fmt not in FORMATS:
        raise KefuError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    label = _ZONE_NAMES.get(str(getattr(zone, "key", zone)), str(getattr(zone, "key", zone)))
    header = [f"{title}（{label}）" if key == "occurred_at" else title for key, title in COLUMNS]
    rows = [safe_row(row) for row in ledger_rows(lines, zone, staff, units)]  # no cell is a formula
    total = sum(line.amount for line in lines)
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
            writer.writerow(["合计", "", "", "", "", total, "", "", "", ""])
        return path
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "扣罚台账"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet.append(["合计", "", "", "", "", total])
    book.save(path)
    return path
