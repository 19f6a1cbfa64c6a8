"""Tables of the audit anchor: what the last checkpoint anchored, and the checkpoints written.

These rows only let the worker write the next checkpoint as a delta. ``kefu audit verify`` trusts
the signed checkpoint files, not these rows: an attacker who edits them gains nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base

__all__ = ["AuditAnchor", "AuditCheckpoint"]


class AuditAnchor(Base):
    """The length and head hash of one audit chain as the latest checkpoint recorded it."""

    __tablename__ = "audit_anchors"
    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    checkpoint: Mapped[int] = mapped_column(Integer)


class AuditCheckpoint(Base):
    """One signed checkpoint the worker wrote (its file lives outside the database)."""

    __tablename__ = "audit_checkpoints"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    digest: Mapped[str] = mapped_column(String(64))
    file: Mapped[str] = mapped_column(String(300))
    chains: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
