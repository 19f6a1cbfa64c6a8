"""Tables of the statistics (R7.1): one row of facts per case, and the stored monthly reports.

``case_stats`` is written inside every transition of a case (``engine.reports.facts``), so a
report is a handful of ``GROUP BY`` statements over an indexed range of ``opened_at`` and never
reads the workflow or the audit log. ``monthly_reports`` keeps every generated version of a unit's
month (``version`` 1, 2, …): regenerating adds a version, a closed month's versions are frozen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from engine.store.models import Base

__all__ = ["CELL_COUNTERS", "CELL_DIMENSIONS", "CELL_SHARDS", "DEADLINE_KINDS", "CaseStats",
           "CooperationPart", "MonthlyReport", "ReportCell", "ReportCellZone"]

# The deadline kinds a diagram's user task may count for (``statistic`` property, R7.1).
# ``cooperation`` (R2.4) is the cooperating departments' confirmations: due with the step, met when the
# last of them is confirmed (a multi-instance step: one per department).
DEADLINE_KINDS = ("dispatch", "visit", "reply", "completion", "cooperation")
# The counters of a month's cell (``report_cells``): what each case adds to its receipt month's figures
# as at that month's end. ``done`` is closed regardless of validity (the repairs' and consultations').
CELL_COUNTERS = ("received", "valid", "closed", "done", "unresolvable", "visited", "handling_minutes",
                 "handled", *[f"{kind}_{part}" for kind in DEADLINE_KINDS for part in ("on_time", "late")])
# The breakdowns a cell row can stand for ('' is the totals' row); a breakdown row counts ``valid``
# (``visited`` for the satisfaction).
CELL_DIMENSIONS = ("", "category", "channel", "urgency", "responsible_department", "satisfaction")
CELL_SHARDS = 4  # a month's totals row per unit is split in 4 by case, so concurrent transitions rarely wait
_BREAKDOWN = ("valid", "closed_at", "category", "channel", "urgency", "responsible_department")


class CaseStats(Base):
    """The facts of one case that the monthly statistics count (copied at each transition)."""

    __tablename__ = "case_stats"
    # The range indexes a report reads a month through; on PostgreSQL they also carry the columns the
    # breakdowns and the totals of other processes read, so those are index-only scans (migration 0022).
    __table_args__ = (
        Index("ix_case_stats_subsidiary_opened", "subsidiary", "process_id", "opened_at",
              postgresql_include=["project", *_BREAKDOWN]),
        Index("ix_case_stats_project_opened", "project", "process_id", "opened_at",
              postgresql_include=list(_BREAKDOWN)),
        Index("ix_case_stats_process_opened", "process_id", "opened_at",
              postgresql_include=["project", *_BREAKDOWN]),
    )
    case_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    number: Mapped[str] = mapped_column(String(64))
    process_id: Mapped[str] = mapped_column(String(64))
    subsidiary: Mapped[str | None] = mapped_column(String(64))
    project: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime]  # received (the call's end when given, R2.5)
    closed_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str | None] = mapped_column(String(64))
    valid: Mapped[bool] = mapped_column(Boolean)  # not withdrawn, cancelled or merged into another
    category: Mapped[str | None] = mapped_column(String(64))  # the final cause
    channel: Mapped[str | None] = mapped_column(String(40))
    urgency: Mapped[str | None] = mapped_column(String(40))
    responsible_department: Mapped[str | None] = mapped_column(String(64))
    first_receiver: Mapped[str | None] = mapped_column(String(64))  # the CS specialist rated (R7.2)
    content: Mapped[str | None] = mapped_column(Text)
    corrective: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[str | None] = mapped_column(String(40))
    visited_at: Mapped[datetime | None]  # the return visit recorded
    handling_minutes: Mapped[int | None] = mapped_column(Integer)  # working minutes received → closed
    dispatch_due: Mapped[datetime | None]
    dispatch_done: Mapped[datetime | None]
    visit_due: Mapped[datetime | None]
    visit_done: Mapped[datetime | None]
    reply_due: Mapped[datetime | None]
    reply_done: Mapped[datetime | None]
    completion_due: Mapped[datetime | None]
    completion_done: Mapped[datetime | None]
    cooperation_due: Mapped[datetime | None]  # R2.4 (migration 0024)
    cooperation_done: Mapped[datetime | None]  # the last part confirmed; NULL while one is open


class CooperationPart(Base):
    """One cooperating department's step to confirm its part of a complaint (R2.4), kept by the same
    transitions as ``case_stats`` (migration 0026): the monthly report's on-time figure per cooperating
    department, so the CS centre sees which department confirms late (``case_stats.cooperation_*``
    says only whether the complaint's last part was in time)."""

    __tablename__ = "cooperation_parts"
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the step's instance
    case_id: Mapped[str] = mapped_column(String(32), index=True)
    department: Mapped[str] = mapped_column(String(64))  # the policy's department code
    due_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]  # confirmed; NULL while open, and for good when it ended unconfirmed


class MonthlyReport(Base):
    """One generated version of a unit's monthly report: the figures and the Excel file sent."""

    __tablename__ = "monthly_reports"
    __table_args__ = (UniqueConstraint("unit", "month", "version", name="uq_monthly_reports_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))
    version: Mapped[int] = mapped_column(Integer)
    generated_at: Mapped[datetime]
    generated_by: Mapped[str] = mapped_column(String(64))
    frozen: Mapped[bool] = mapped_column(Boolean)  # the month had ended when it was generated
    figures: Mapped[dict[str, Any]]
    xlsx: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    note: Mapped[str | None] = mapped_column(Text)


class ReportCellZone(Base):
    """A time zone whose months ``report_cells`` is kept for (PostgreSQL; built on first use)."""

    __tablename__ = "report_cell_zones"
    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    built_at: Mapped[datetime]


class ReportCell(Base):
    """The summed facts of one receipt month of a process and unit (PostgreSQL), kept by every write of
    ``case_stats`` in the same statement: what a closed month's report reads instead of its rows.

    One row per (zone, month, process, subsidiary, project, dimension, value, shard); NULL subsidiary,
    project or value are ''. Dimension '' carries every counter; the breakdowns' rows ``valid`` (and the
    satisfaction's ``visited``). The counters are each case's contribution as at the end of its
    receipt month, so they change only when a case's facts do, never with the passing of time.
    """

    __tablename__ = "report_cells"
    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    month_start: Mapped[datetime] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    subsidiary: Mapped[str] = mapped_column(String(64), primary_key=True)
    project: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    received: Mapped[int] = mapped_column(Integer, default=0)
    valid: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    unresolvable: Mapped[int] = mapped_column(Integer, default=0)
    visited: Mapped[int] = mapped_column(Integer, default=0)
    handling_minutes: Mapped[int] = mapped_column(BigInteger, default=0)
    handled: Mapped[int] = mapped_column(Integer, default=0)
    dispatch_on_time: Mapped[int] = mapped_column(Integer, default=0)
    dispatch_late: Mapped[int] = mapped_column(Integer, default=0)
    visit_on_time: Mapped[int] = mapped_column(Integer, default=0)
    visit_late: Mapped[int] = mapped_column(Integer, default=0)
    reply_on_time: Mapped[int] = mapped_column(Integer, default=0)
    reply_late: Mapped[int] = mapped_column(Integer, default=0)
    completion_on_time: Mapped[int] = mapped_column(Integer, default=0)
    completion_late: Mapped[int] = mapped_column(Integer, default=0)
    cooperation_on_time: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # R2.4 (0024)
    cooperation_late: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
