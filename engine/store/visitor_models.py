"""Tables of visitor reception (R4): households and their residents (the hosts), and the visit log.

Residents are not staff: they have no login; a host answers through a one-visit link
(``visits.answer_token``) or by phone to the guard. ``visits.id_number`` is the only place a full ID
number is kept (R0.8); the workflow and every list or export carry the masked number.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base, UTCDateTime

__all__ = ["Household", "Resident", "Visit"]


class Household(Base):
    """One household 住户 of a project: its room and the code its archive is filed under."""

    __tablename__ = "households"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    project: Mapped[str] = mapped_column(String(64), index=True)
    room: Mapped[str] = mapped_column(String(100))
    owner_name: Mapped[str] = mapped_column(String(50))


class Resident(Base):
    """A person living in a household (owner, family member or tenant): a possible host."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household: Mapped[str] = mapped_column(String(60), ForeignKey("households.code"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)


class Visit(Base):
    """One visit: the registration facts, the host's answer, the check-out and a linked complaint."""

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_project_arrived", "project", "arrived_at"),)

    number: Mapped[str] = mapped_column(String(40), primary_key=True)  # the case number (LF-…)
    case_id: Mapped[str] = mapped_column(String(32), unique=True)
    subsidiary: Mapped[str | None] = mapped_column(String(64))
    project: Mapped[str | None] = mapped_column(String(64))
    visitor_name: Mapped[str] = mapped_column(String(50), index=True)
    visitor_phone: Mapped[str | None] = mapped_column(String(20))
    id_type: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(40))
    id_number_masked: Mapped[str | None] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(40))
    household: Mapped[str | None] = mapped_column(String(60), ForeignKey("households.code"))
    host_name: Mapped[str | None] = mapped_column(String(50))
    registered_by: Mapped[str] = mapped_column(String(64))
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_token: Mapped[str] = mapped_column(String(64), unique=True)
    host_answer: Mapped[str | None] = mapped_column(String(20))
    host_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    host_answer_via: Mapped[str | None] = mapped_column(String(40))
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    complaint_number: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
