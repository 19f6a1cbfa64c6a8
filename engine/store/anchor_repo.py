"""SQL of the audit anchor: chains that moved since the last checkpoint, and the checkpoint rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, literal, select, text

from engine.store.anchor_models import AuditAnchor, AuditCheckpoint
from engine.store.models import AuditChain, Case
from engine.store.repo import Tx

__all__ = ["AnchorRepo", "ChainHead", "CheckpointRow"]

ANCHORS: Table = AuditAnchor.__table__  # type: ignore[assignment]
CHECKPOINTS: Table = AuditCheckpoint.__table__  # type: ignore[assignment]
CASES: Table = Case.__table__  # type: ignore[assignment]
HOLDERS: Table = AuditChain.__table__  # type: ignore[assignment]
_LOCK_KEY = 0x6B656675_0001  # pg_try_advisory_xact_lock: one checkpoint writer at a time


@dataclass(frozen=True)
class ChainHead:
    """One chain's length and head hash (``number``: the case number, for messages)."""

    chain: str
    count: int
    head: str
    number: str | None = None


@dataclass(frozen=True)
class CheckpointRow:
    """A checkpoint the database records as written."""

    seq: int
    at: datetime
    digest: str
    file: str
    chains: int
    changed: int


class AnchorRepo:
    """Anchor queries on an open ``Tx``."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.conn = tx.conn

    def try_lock(self) -> bool:
        """Become the only checkpoint writer for this transaction (PostgreSQL); SQLite's
        ``BEGIN IMMEDIATE`` already serializes writers."""
        if self.tx.dialect != "postgresql":
            return True
        locked = self.conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        return bool(locked.scalar())

    def last_checkpoint(self) -> CheckpointRow | None:
        """The newest recorded checkpoint."""
        row = self.conn.execute(select(CHECKPOINTS).order_by(CHECKPOINTS.c.seq.desc()).limit(1)).first()
        return None if row is None else CheckpointRow(**row._mapping)

    def checkpoints(self) -> list[CheckpointRow]:
        """Every recorded checkpoint, oldest first."""
        rows = self.conn.execute(select(CHECKPOINTS).order_by(CHECKPOINTS.c.seq))
        return [CheckpointRow(**r._mapping) for r in rows]

    def moved_chains(self) -> list[ChainHead]:
        """Case chains and other chains whose length differs from their anchor (or have none)."""
        a = ANCHORS
        cases = (select(CASES.c.id, CASES.c.number, CASES.c.audit_count, CASES.c.audit_head)
                 .select_from(CASES.outerjoin(a, a.c.chain == literal("case:").concat(CASES.c.id)))
                 .where(CASES.c.audit_count > 0)
                 .where((a.c.chain.is_(None)) | (a.c.count != CASES.c.audit_count)))
        out = [ChainHead(f"case:{r[0]}", r[2], r[3], r[1]) for r in self.conn.execute(cases)]
        holders = (select(HOLDERS.c.chain, HOLDERS.c.count, HOLDERS.c.head)
                   .select_from(HOLDERS.outerjoin(a, a.c.chain == HOLDERS.c.chain))
                   .where((a.c.chain.is_(None)) | (a.c.count != HOLDERS.c.count)))
        out += [ChainHead(r[0], r[1], r[2]) for r in self.conn.execute(holders)]
        return sorted(out, key=lambda h: h.chain)

    def save_anchors(self, heads: Iterable[ChainHead], seq: int) -> None:
        """Record ``heads`` as anchored by checkpoint ``seq``."""
        rows = [{"chain": h.chain, "count": h.count, "head": h.head, "checkpoint": seq} for h in heads]
        for start in range(0, len(rows), 500):  # SQLite allows some 32,000 parameters per statement
            stmt: Any = self.tx._insert(AuditAnchor).values(rows[start:start + 500])
            self.conn.execute(stmt.on_conflict_do_update(
                index_elements=[ANCHORS.c.chain],
                set_={"count": stmt.excluded.count, "head": stmt.excluded.head,
                      "checkpoint": stmt.excluded.checkpoint}))

    def anchors(self) -> Iterator[tuple[str, int, str]]:
        """(chain, count, head) of every anchored chain, ordered by chain."""
        stmt = select(ANCHORS.c.chain, ANCHORS.c.count, ANCHORS.c.head).order_by(ANCHORS.c.chain)
        for row in self.conn.execute(stmt):
            yield row[0], row[1], row[2]

    def add_checkpoint(self, row: CheckpointRow) -> None:
        """Record a written checkpoint."""
        self.conn.execute(CHECKPOINTS.insert().values(**row.__dict__))
