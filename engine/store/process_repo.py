"""``ProcessRepo``: deployed process versions inside one store transaction.

Each process has versions v1, v2 … (``seq``), one of them current: new cases open on it. A version
row keeps the texts of every file the process needs (its diagram, the diagrams it calls, their
forms), so a case pinned to an old version keeps loading it. ``source`` says where a version came
from: ``init`` (the files under ``processes/``, registered by ``kefu init``) or ``deploy`` (a
process owner deployed it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, false, func, select, update

from engine.errors import ConflictError
from engine.store.models import Case, ProcessVersion
from engine.store.policy_repo import HEADS_AHEAD, PUBLISHED_HEADS
from engine.store.repo import Tx

__all__ = ["CURRENT_VERSION", "FINAL_STATUSES", "ProcessRepo", "VersionRecord", "current_ahead"]

VERSIONS: Table = ProcessVersion.__table__  # type: ignore[assignment]
CASES: Table = Case.__table__  # type: ignore[assignment]
FINAL_STATUSES = ("closed", "cancelled", "withdrawn", "merged")
_COLUMNS = (VERSIONS.c.process_id, VERSIONS.c.version, VERSIONS.c.seq, VERSIONS.c.current, VERSIONS.c.source,
            VERSIONS.c.created_at, VERSIONS.c.deployed_by, VERSIONS.c.deployed_at)
# A process's current version; ``Tx.read_ahead`` may send it with other reads (key: ``current_ahead``).
CURRENT_VERSION = select(*_COLUMNS).where(VERSIONS.c.process_id == bindparam("process_id"),
                                          VERSIONS.c.current.is_(True))


def current_ahead(process_id: str) -> tuple[str, str]:
    """The ``Tx.read_ahead`` key of ``process_id``'s current version (``ProcessRepo.current``)."""
    return ("process.current", process_id)


_V, _H = CURRENT_VERSION.subquery("v"), PUBLISHED_HEADS.subquery("h")
# An opening's two reads in one statement: FULL JOIN ON false returns each side's rows, the other
# side's columns NULL (the version's process_id is never NULL, nor a published head's id).
_OPENING_READS = select(_V, _H).select_from(_V.join(_H, false(), full=True))


@dataclass(frozen=True)
class VersionRecord:
    """One stored version of a process (without its file texts)."""

    process_id: str
    version: str
    seq: int
    current: bool
    source: str
    created_at: datetime
    deployed_by: str | None
    deployed_at: datetime | None

    @property
    def label(self) -> str:
        """``v3``: how people name the version."""
        return f"v{self.seq}"

    def as_dict(self) -> dict[str, Any]:
        """Plain data (times as ISO text)."""
        return {"process": self.process_id, "version": self.version, "seq": self.seq, "label": self.label,
                "current": self.current, "source": self.source, "created_at": self.created_at.isoformat(),
                "deployed_by": self.deployed_by,
                "deployed_at": self.deployed_at.isoformat() if self.deployed_at else None}


def _record(row: Any) -> VersionRecord:
    return VersionRecord(row.process_id, row.version, int(row.seq), bool(row.current), row.source,
                         row.created_at, row.deployed_by, row.deployed_at)


class ProcessRepo:
    """Reads and writes of ``process_versions`` on an open ``Tx``."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.conn = tx.conn

    def read_opening(self, process_id: str) -> None:
        """Read ``process_id``'s current version and the published policy heads (the versions in force)
        in one statement, kept for ``current`` and ``PolicyRepo.published_heads`` in this transaction
        (PostgreSQL; each is asked once, as before, only sooner)."""
        rows = self.conn.execute(_OPENING_READS, {"process_id": process_id}).all()
        self.tx.read_ahead(current_ahead(process_id), [r for r in rows if r.process_id is not None])
        self.tx.read_ahead(HEADS_AHEAD, [r for r in rows if r.id is not None])

    def versions(self, process_id: str | None = None) -> list[VersionRecord]:
        """Versions of one process (or all), by process and number."""
        query = select(*_COLUMNS).order_by(VERSIONS.c.process_id, VERSIONS.c.seq)
        if process_id is not None:
            query = query.where(VERSIONS.c.process_id == process_id)
        return [_record(r) for r in self.conn.execute(query)]

    def version(self, process_id: str, version: str) -> VersionRecord | None:
        """One version by its hash, or None."""
        row = self.conn.execute(select(*_COLUMNS).where(VERSIONS.c.process_id == process_id,
                                                        VERSIONS.c.version == version)).first()
        return _record(row) if row is not None else None

    def current(self, process_id: str, *, lock: bool = False) -> VersionRecord | None:
        """The current version of a process (locked for this transaction on PostgreSQL), or None."""
        rows = None if lock else self.tx.ahead(current_ahead(process_id))
        if rows is not None:
            row = rows[0] if rows else None
        else:
            query = CURRENT_VERSION
            if lock and self.tx.dialect == "postgresql":
                query = query.with_for_update()
            row = self.conn.execute(query, {"process_id": process_id}).first()
        return _record(row) if row is not None else None

    def current_versions(self) -> dict[str, VersionRecord]:
        """The current version of every process."""
        rows = self.conn.execute(select(*_COLUMNS).where(VERSIONS.c.current.is_(True)))
        return {r.process_id: _record(r) for r in rows}

    def sources(self, process_id: str, version: str) -> dict[str, str] | None:
        """The file texts of a version, or None."""
        return self.tx.process_sources(process_id, version)

    def add(self, process_id: str, version: str, sources: dict[str, str], *, source: str, now: datetime,
            by: str | None = None) -> tuple[VersionRecord, bool]:
        """Store a version (the next number of its process), not current yet, unless it is stored
        already (by a concurrent transaction too); (the record, whether this call stored it)."""
        seq = int(self.conn.execute(select(func.coalesce(func.max(VERSIONS.c.seq), 0))
                                    .where(VERSIONS.c.process_id == process_id)).scalar_one()) + 1
        stmt = self.tx._insert(ProcessVersion).values(
            process_id=process_id, version=version, sources=sources, created_at=now, seq=seq, current=False,
            source=source, deployed_by=by, deployed_at=None)
        inserted = bool(self.conn.execute(stmt.on_conflict_do_nothing()).rowcount)
        found = self.version(process_id, version)
        if found is None:  # another version took the number meanwhile
            raise ConflictError(f"process {process_id}: someone else stored version v{seq} meanwhile; list "
                                "the versions and try again")
        return found, inserted

    def make_current(self, process_id: str, version: str, *, now: datetime, by: str | None) -> VersionRecord:
        """Make a stored version the current one of its process."""
        self.conn.execute(update(VERSIONS).where(VERSIONS.c.process_id == process_id,
                                                 VERSIONS.c.current.is_(True)).values(current=False))
        self.conn.execute(update(VERSIONS).where(VERSIONS.c.process_id == process_id,
                                                 VERSIONS.c.version == version)
                          .values(current=True, deployed_at=now, deployed_by=by))
        found = self.version(process_id, version)
        assert found is not None
        return found

    def open_case_counts(self) -> dict[tuple[str, str], int]:
        """(process, version) → how many cases pinned to it are still open."""
        query = (select(CASES.c.process_id, CASES.c.process_version, func.count())
                 .where(CASES.c.status.not_in(FINAL_STATUSES))
                 .group_by(CASES.c.process_id, CASES.c.process_version))
        return {(r[0], r[1]): int(r[2]) for r in self.conn.execute(query)}

    def open_cases(self, process_id: str, numbers: Sequence[str] | None = None) -> list[tuple[str, str, str]]:
        """(case id, number, version) of the open cases of a process (or of the given numbers), by number."""
        query = (select(CASES.c.id, CASES.c.number, CASES.c.process_version)
                 .where(CASES.c.process_id == process_id, CASES.c.status.not_in(FINAL_STATUSES))
                 .order_by(CASES.c.number))
        if numbers is not None:
            query = query.where(CASES.c.number.in_(list(numbers)))
        return [(r[0], r[1], r[2]) for r in self.conn.execute(query)]
