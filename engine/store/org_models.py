"""Tables of organisation administration: absences with a deputy, and the published contacts (R0.3).

Units and staff themselves are ``org_units`` and ``staff`` (``engine.store.models``); their changes
are audited on the system chain by ``engine.org_admin``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base

__all__ = ["Contact", "ContactChange", "StaffAbsence"]


class StaffAbsence(Base):
    """A staff member's absence (leave): from, until, and the deputy who takes their tasks meanwhile."""

    __tablename__ = "staff_absences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(64), index=True)
    deputy: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime] = mapped_column(index=True)  # the sweep reads absences not ended yet
    reason: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(64))


class Contact(Base):
    """One published contact of a unit: an area's external channel (400 hotline, e-mail) or a
    department's internal contact (person, phone, e-mail); the channels are the policy's lists
    ``interfaces.external`` and ``interfaces.internal``."""

    __tablename__ = "contacts"
    unit: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))


class ContactChange(Base):
    """One change of a unit's contacts (channel → [before, after]), to be acknowledged by the CS centre
    by ``due_at`` (``interfaces.change_notice``, R0.3)."""

    __tablename__ = "contact_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit: Mapped[str] = mapped_column(String(64))
    subsidiary: Mapped[str | None] = mapped_column(String(64), index=True)
    changes: Mapped[dict[str, Any]]
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]
    due_at: Mapped[datetime]
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None]
