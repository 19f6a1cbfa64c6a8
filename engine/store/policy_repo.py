"""``PolicyRepo``: policy drafts and published versions (``policy_drafts``) inside one store transaction."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update

from engine.store.policy_models import PolicyDraft
from engine.store.repo import Tx

__all__ = ["HEADS_AHEAD", "PUBLISHED_HEADS", "PolicyDraftRecord", "PolicyRepo"]

DRAFTS: Table = PolicyDraft.__table__  # type: ignore[assignment]
# The versions in force are asked of these rows (``published_heads``); ``Tx.read_ahead`` may send it
# with other reads under the key HEADS_AHEAD (an intake, with its process's current version).
PUBLISHED_HEADS = select(DRAFTS.c.id, DRAFTS.c.unit, DRAFTS.c.effective_at).where(
    DRAFTS.c.status == bindparam("status", "published"))
HEADS_AHEAD = "policy.published_heads"


@dataclass(frozen=True)
class PolicyDraftRecord:
    """One draft or published version of a unit's overlay."""

    id: int
    unit: str
    subsidiary: str
    project: str | None
    path: str
    text: str
    base_text: str
    status: str
    author: str
    created_at: datetime
    updated_at: datetime
    findings: list[dict[str, Any]]
    clean: bool
    submitted_at: datetime | None
    reviewer: str | None
    reviewed_at: datetime | None
    review_note: str | None
    publisher: str | None
    published_at: datetime | None
    effective_at: datetime | None


_COLUMNS = [f.name for f in fields(PolicyDraftRecord)]


def _record(row: Any) -> PolicyDraftRecord:
    values = {name: getattr(row, name) for name in _COLUMNS}
    values["findings"] = list(values["findings"] or [])
    values["clean"] = bool(values["clean"])
    return PolicyDraftRecord(**values)


class PolicyRepo:
    """Reads and writes of ``policy_drafts`` on an open ``Tx``."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.conn = tx.conn

    def get(self, draft_id: int) -> PolicyDraftRecord | None:
        """The draft or version ``draft_id``, or None."""
        row = self.conn.execute(select(DRAFTS).where(DRAFTS.c.id == draft_id)).first()
        return None if row is None else _record(row)

    def lock(self, draft_id: int) -> PolicyDraftRecord | None:
        """As ``get``, locking the row on PostgreSQL (two reviewers: one decides)."""
        stmt = select(DRAFTS).where(DRAFTS.c.id == draft_id)
        if self.conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        row = self.conn.execute(stmt).first()
        return None if row is None else _record(row)

    def listing(self, *, units: list[str] | None = None,
                statuses: list[str] | None = None) -> list[PolicyDraftRecord]:
        """Drafts and versions, newest first, of ``units`` and ``statuses`` (None: all)."""
        stmt = select(DRAFTS).order_by(DRAFTS.c.id.desc())
        if units is not None:
            stmt = stmt.where(DRAFTS.c.unit.in_(units))
        if statuses is not None:
            stmt = stmt.where(DRAFTS.c.status.in_(statuses))
        return [_record(r) for r in self.conn.execute(stmt)]

    def published_heads(self) -> list[tuple[int, str, datetime]]:
        """(id, unit, effective_at) of every published version: the cheap question asked per policy use."""
        rows = self.tx.ahead(HEADS_AHEAD)
        if rows is None:
            rows = list(self.conn.execute(PUBLISHED_HEADS))
        return [(int(r.id), str(r.unit), r.effective_at) for r in rows]

    def texts(self, ids: list[int]) -> dict[int, tuple[str, str]]:
        """id → (path, text) of the given versions."""
        if not ids:
            return {}
        stmt = select(DRAFTS.c.id, DRAFTS.c.path, DRAFTS.c.text).where(DRAFTS.c.id.in_(ids))
        rows = self.conn.execute(stmt)
        return {int(r.id): (str(r.path), str(r.text)) for r in rows}

    def insert(self, **values: Any) -> int:
        """A new row; its id."""
        done = self.conn.execute(insert(DRAFTS).values(**values).returning(DRAFTS.c.id))
        return int(done.scalar_one())

    def update(self, draft_id: int, expected_status: str, **values: Any) -> bool:
        """Change a row still in ``expected_status``; False when someone changed it first."""
        done = self.conn.execute(update(DRAFTS).where(DRAFTS.c.id == draft_id,
                                                      DRAFTS.c.status == expected_status).values(**values))
        return bool(done.rowcount)
