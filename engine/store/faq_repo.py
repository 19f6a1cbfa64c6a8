"""``FaqRepo``: what the FAQ book reads and writes inside one store transaction (R1.1)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, delete, func, insert, select, update

from engine.store.faq_models import FaqEntry, FaqRevision, FaqTerm
from engine.store.repo import Tx

__all__ = ["FaqEntryRecord", "FaqRepo", "FaqRevisionRecord"]

ENTRIES: Table = FaqEntry.__table__  # type: ignore[assignment]
REVISIONS: Table = FaqRevision.__table__  # type: ignore[assignment]
TERMS: Table = FaqTerm.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class FaqEntryRecord:
    """One FAQ entry as stored."""

    id: int
    line: str
    question: str
    answer: str
    keywords: str
    active: bool
    version: int
    source_case: str | None
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class FaqRevisionRecord:
    """One wording an entry had."""

    version: int
    line: str
    question: str
    answer: str
    active: bool
    by: str
    at: datetime


def _entry(row: object) -> FaqEntryRecord:
    return FaqEntryRecord(**{c.key: getattr(row, c.key) for c in ENTRIES.columns})


class FaqRepo:
    """FAQ queries and writes on an open ``Tx``."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.conn = tx.conn

    def insert_entry(self, *, line: str, question: str, answer: str, keywords: str, source_case: str | None,
                     by: str, at: datetime) -> int:
        """Insert an entry (version 1) and its first revision; returns its id."""
        result = self.conn.execute(insert(ENTRIES).values(
            line=line, question=question, answer=answer, keywords=keywords, active=True, version=1,
            source_case=source_case, created_by=by, created_at=at, updated_by=by, updated_at=at,
        ).returning(ENTRIES.c.id))
        entry_id = int(result.scalar_one())
        self._revision(entry_id, 1, line, question, answer, True, by, at)
        return entry_id

    def update_entry(self, entry_id: int, *, expected_version: int, line: str, question: str, answer: str,
                     keywords: str, active: bool, by: str, at: datetime) -> int | None:
        """Write a new version if the entry is still at ``expected_version``; the new version or None."""
        version = expected_version + 1
        result = self.conn.execute(update(ENTRIES).where(
            ENTRIES.c.id == entry_id, ENTRIES.c.version == expected_version,
        ).values(line=line, question=question, answer=answer, keywords=keywords, active=active,
                 version=version, updated_by=by, updated_at=at))
        if result.rowcount != 1:
            return None
        self._revision(entry_id, version, line, question, answer, active, by, at)
        return version

    def _revision(self, entry_id: int, version: int, line: str, question: str, answer: str, active: bool,
                  by: str, at: datetime) -> None:
        self.conn.execute(insert(REVISIONS).values(entry_id=entry_id, version=version, line=line,
                                                   question=question, answer=answer, active=active, by=by,
                                                   at=at))

    def entry(self, entry_id: int) -> FaqEntryRecord | None:
        """The entry with this id, or None."""
        row = self.conn.execute(select(ENTRIES).where(ENTRIES.c.id == entry_id)).first()
        return _entry(row) if row is not None else None

    def entry_for_case(self, case_number: str) -> FaqEntryRecord | None:
        """The entry added from a consultation case, or None."""
        row = self.conn.execute(select(ENTRIES).where(ENTRIES.c.source_case == case_number)).first()
        return _entry(row) if row is not None else None

    def entries(self, *, line: str | None = None, include_retired: bool = False,
                ids: Sequence[int] | None = None) -> list[FaqEntryRecord]:
        """Entries by line then id."""
        query = select(ENTRIES).order_by(ENTRIES.c.line, ENTRIES.c.id)
        if line is not None:
            query = query.where(ENTRIES.c.line == line)
        if not include_retired:
            query = query.where(ENTRIES.c.active.is_(True))
        if ids is not None:
            query = query.where(ENTRIES.c.id.in_(list(ids)))
        return [_entry(r) for r in self.conn.execute(query)]

    def revisions(self, entry_id: int) -> list[FaqRevisionRecord]:
        """Every wording of an entry, oldest first."""
        rows = self.conn.execute(select(REVISIONS).where(REVISIONS.c.entry_id == entry_id)
                                 .order_by(REVISIONS.c.version))
        return [FaqRevisionRecord(r.version, r.line, r.question, r.answer, r.active, r.by, r.at)
                for r in rows]

    def replace_terms(self, entry_id: int, terms: Mapping[str, int]) -> None:
        """Make the entry's index terms exactly ``terms`` (term → weight)."""
        self.conn.execute(delete(TERMS).where(TERMS.c.entry_id == entry_id))
        if terms:
            self.conn.execute(insert(TERMS), [{"entry_id": entry_id, "term": t, "weight": w}
                                              for t, w in terms.items()])

    def matches(self, terms: Iterable[str]) -> list[tuple[int, str, int]]:
        """(entry id, term, weight) of every active entry holding one of ``terms``."""
        wanted = sorted(set(terms))
        if not wanted:
            return []
        query = (select(TERMS.c.entry_id, TERMS.c.term, TERMS.c.weight)
                 .join(ENTRIES, ENTRIES.c.id == TERMS.c.entry_id)
                 .where(TERMS.c.term.in_(wanted), ENTRIES.c.active.is_(True)))
        return [(int(r[0]), str(r[1]), int(r[2])) for r in self.conn.execute(query)]

    def document_frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        """How many active entries hold each term."""
        wanted = sorted(set(terms))
        if not wanted:
            return {}
        query = (select(TERMS.c.term, func.count())
                 .join(ENTRIES, ENTRIES.c.id == TERMS.c.entry_id)
                 .where(TERMS.c.term.in_(wanted), ENTRIES.c.active.is_(True)).group_by(TERMS.c.term))
        return {str(r[0]): int(r[1]) for r in self.conn.execute(query)}

    def active_count(self) -> int:
        """How many active entries the book has."""
        return int(self.conn.execute(select(func.count()).select_from(ENTRIES)
                                     .where(ENTRIES.c.active.is_(True))).scalar_one())
