"""Tables of the worker: job runs, the outbox, in-app notifications, the penalty ledger and alerts.

Every row that must exist once carries a natural key with a UNIQUE constraint (``job_runs``:
job + unit + period; the others: ``key``), so a rerun after a crash or a second worker inserting
the same fact finds it there instead of writing it twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base

__all__ = ["Alert", "JobRun", "Notification", "OutboxMessage", "Penalty"]


class JobRun(Base):
    """One period of one scheduled job for one unit: ``pending`` until the run commits as ``done``."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "unit", "period", name="uq_job_runs_job_unit_period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(32))
    occurrence_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    worker: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]


class OutboxMessage(Base):
    """A message to deliver (e-mail, SMS, WeCom), written with the event that causes it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Held to the working time of ``unit``'s calendar (reminders, escalations); False for messages
    # that cannot wait (a visitor at the gate at night), or when the unit's clock runs 24x7.
    working_time_only: Mapped[bool] = mapped_column(Boolean, server_default=true())
    unit: Mapped[str | None] = mapped_column(String(64))
    attachment: Mapped[str | None] = mapped_column(String(500))  # a file an e-mail carries (migration 0014)


class Notification(Base):
    """An in-app notification shown to one staff member in the web UI."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    case_number: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class Penalty(Base):
    """One line of the penalty ledger (R2.5, R2.15): who, why, how much, for which month."""

    __tablename__ = "penalties"
    __table_args__ = (Index("ix_penalties_month", "month", "subsidiary"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    month: Mapped[str] = mapped_column(String(7))
    occurred_at: Mapped[datetime]
    subsidiary: Mapped[str | None] = mapped_column(String(64))
    staff: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int] = mapped_column(Integer)
    bonus_percent_min: Mapped[int | None] = mapped_column(Integer)
    bonus_percent_max: Mapped[int | None] = mapped_column(Integer)
    case_id: Mapped[str | None] = mapped_column(String(32))
    case_number: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class Alert(Base):
    """An escalation the worker raised (volume, slow list, task force, reviews), kept to act once."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_kind_unit", "kind", "unit", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    unit: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime]
    data: Mapped[dict[str, Any]]
