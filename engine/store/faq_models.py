"""Tables of the FAQ book 《答客户100问》 (R1.1) and of repair dispatch orders 派工单 (R3.2).

``faq_entries`` holds the current agreed wording of each entry, ``faq_revisions`` every wording it ever
had (an edit adds a revision, nothing is overwritten without a trace) and ``faq_terms`` the n-gram
index the Chinese search reads. ``dispatch_orders`` holds one row per issued order: its number is
taken from ``number_sequences`` in the transaction that inserts the row, and rows are never updated
or deleted, so numbers are gapless and never reused (R0.6).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base, UTCDateTime

__all__ = ["DispatchOrder", "FaqEntry", "FaqRevision", "FaqTerm"]


class FaqEntry(Base):
    """One question of the FAQ book with its one agreed answer."""

    __tablename__ = "faq_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    line: Mapped[str] = mapped_column(String(40), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(String(400), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    source_case: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FaqRevision(Base):
    """A wording an entry had: version 1 is the original, each edit adds one."""

    __tablename__ = "faq_revisions"
    __table_args__ = (UniqueConstraint("entry_id", "version", name="uq_faq_revisions_entry_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer)
    line: Mapped[str] = mapped_column(String(40))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class FaqTerm(Base):
    """One search term (a character n-gram or a Latin word) of an entry, with its weight."""

    __tablename__ = "faq_terms"
    __table_args__ = (Index("ix_faq_terms_term", "term", "entry_id"),)
    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(40), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer)


class DispatchOrder(Base):
    """An issued dispatch order 派工单: gapless number per subsidiary and year, never changed."""

    __tablename__ = "dispatch_orders"
    __table_args__ = (UniqueConstraint("number", name="uq_dispatch_orders_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str] = mapped_column(String(32), unique=True)
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    subsidiary: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
