"""Policy drafts and published policy versions (issue 17): a unit's overlay as edited in the browser.

One row per draft. A draft is edited by a policy editor of its unit, submitted, reviewed by the
group's policy reviewer and published with an effective time; a published row is a version of
the unit's overlay, in force from ``effective_at`` until a later version takes over
(``engine.policy_versions``). Rows are never deleted: earlier versions stay readable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base

__all__ = ["PolicyDraft"]


class PolicyDraft(Base):
    """A unit's overlay text with its review state; status draft → submitted → approved → published."""

    __tablename__ = "policy_drafts"
    __table_args__ = (Index("ix_policy_drafts_unit_status", "unit", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit: Mapped[str] = mapped_column(String(64))
    subsidiary: Mapped[str] = mapped_column(String(64))
    project: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    base_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    findings: Mapped[list[Any]]
    clean: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime | None]
    reviewer: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None]
    effective_at: Mapped[datetime | None]
