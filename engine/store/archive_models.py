"""Tables of owner archives (R5): stored documents with checksums, legal holds, disposal decisions.

Nothing here is ever deleted by kefu (R5.3): a newer upload of the same document type adds a row,
a lifted legal hold keeps its row with ``lifted_at``, and a disposal decision only records what a
person decided about an expired record.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base, UTCDateTime

__all__ = ["ArchiveDocument", "DisposalDecision", "LegalHold"]


class ArchiveDocument(Base):
    """One stored file of a household's archive, identified by its SHA-256."""

    __tablename__ = "archive_documents"
    __table_args__ = (Index("ix_archive_documents_household_type", "household", "doc_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household: Mapped[str] = mapped_column(String(60))
    project: Mapped[str] = mapped_column(String(64))
    doc_type: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    stored_path: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LegalHold(Base):
    """A legal hold on a record (``kind:ref``): while not lifted it keeps the record off disposal review."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record: Mapped[str] = mapped_column(String(120), index=True)
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(String(64))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(64))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DisposalDecision(Base):
    """A person's decision on an expired record (keep or dispose); kefu itself deletes nothing."""

    __tablename__ = "disposal_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record: Mapped[str] = mapped_column(String(120), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
