"""Tables of the reviews (R2.18, 003 第31条、第32条、第42条).

``reviews`` holds one list per kind, subsidiary and period: the weekly ``leftover`` list (ISO week),
the monthly ``major`` list (month) and the quarterly ``systemic`` analysis (quarter). ``review_items``
are the complaints of a list as they stood when it was generated, each with the reviewer's note;
a signed-off list (``status`` ``signed``) is frozen. ``review_tasks`` are the systemic analysis's
tasks, one per responsible department, with their due time and answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base

__all__ = ["Review", "ReviewItem", "ReviewTask"]


class Review(Base):
    """A review list of one subsidiary for one period."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("kind", "unit", "period", name="uq_reviews_kind_unit_period"),
        Index("ix_reviews_unit", "unit", "kind"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))  # leftover, major, systemic
    unit: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(32))  # 2026-W49, 2026-12, 2026Q3
    occurrence_at: Mapped[datetime]  # the moment the list stands at (the schedule's occurrence)
    reviewer_role: Mapped[str | None] = mapped_column(String(64))
    generated_by: Mapped[str] = mapped_column(String(64))  # "worker" or the login asking for it
    generated_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))  # open, signed
    signed_by: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None]
    summary: Mapped[dict[str, Any]]


class ReviewItem(Base):
    """One complaint of a list, as it stood, with the reviewer's note."""

    __tablename__ = "review_items"
    __table_args__ = (Index("ix_review_items_review", "review_id", "position", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[str] = mapped_column(String(32))
    case_number: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    note: Mapped[str | None] = mapped_column(Text)
    noted_by: Mapped[str | None] = mapped_column(String(64))
    noted_at: Mapped[datetime | None]


class ReviewTask(Base):
    """A department's task of the quarterly systemic analysis: answer by ``due_at``."""

    __tablename__ = "review_tasks"
    __table_args__ = (
        UniqueConstraint("review_id", "department", name="uq_review_tasks_department"),
        Index("ix_review_tasks_group", "candidate_group", "answered_at"),
        Index("ix_review_tasks_subsidiary", "subsidiary", "due_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[int] = mapped_column(Integer)
    subsidiary: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(64))
    candidate_group: Mapped[str] = mapped_column(String(140))  # role@department unit
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime]
    data: Mapped[dict[str, Any]]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None]
