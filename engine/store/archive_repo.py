"""Repository of owner archives: documents, legal holds, disposal decisions (``ArchiveRepo(tx)``).

Only inserts and the ``lifted_*`` columns of a hold are ever written: kefu deletes nothing (R5.3).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.store.archive_models import ArchiveDocument, DisposalDecision, LegalHold
from engine.store.models import AuditEvent, Case
from engine.store.repo import Tx

__all__ = ["RECORD_LENGTH", "ArchiveRepo"]

DOCUMENT_FIELDS = tuple(c.key for c in ArchiveDocument.__table__.columns)
RECORD_LENGTH: int = LegalHold.__table__.c.record.type.length  # type: ignore[attr-defined]


class ArchiveRepo:
    """Archive tables inside one store transaction."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.session = tx.session

    def add_document(self, **values: Any) -> int:
        """Insert a stored document row; its id."""
        row = ArchiveDocument(**values)
        self.session.add(row)
        self.session.flush()
        return row.id

    def documents(self, household: str) -> list[dict[str, Any]]:
        """Every stored document of a household, oldest first."""
        stmt = (
            select(ArchiveDocument).where(ArchiveDocument.household == household).order_by(ArchiveDocument.id)
        )
        return [{f: getattr(d, f) for f in DOCUMENT_FIELDS} for d in self.session.scalars(stmt)]

    def document(self, document_id: int) -> dict[str, Any] | None:
        """One document row."""
        d = self.session.get(ArchiveDocument, document_id)
        return None if d is None else {f: getattr(d, f) for f in DOCUMENT_FIELDS}

    # -- legal holds and disposal -----------------------------------------------------------------
    def place_hold(self, record: str, reason: str, actor: str, now: datetime) -> int:
        """Insert a legal hold; its id."""
        row = LegalHold(record=record, reason=reason, placed_by=actor, placed_at=now)
        self.session.add(row)
        self.session.flush()
        return row.id

    def lift_hold(self, record: str, actor: str, now: datetime) -> int:
        """Mark the active holds of a record lifted; how many."""
        rows = self.session.scalars(
            select(LegalHold).where(LegalHold.record == record, LegalHold.lifted_at.is_(None))
        ).all()
        for row in rows:
            row.lifted_by, row.lifted_at = actor, now
        self.session.flush()
        return len(rows)

    def held_records(self) -> set[str]:
        """Records under an active legal hold."""
        return set(self.session.scalars(select(LegalHold.record).where(LegalHold.lifted_at.is_(None))))

    def decide(self, record: str, decision: str, note: str | None, actor: str, now: datetime) -> None:
        """Record a disposal decision."""
        self.session.add(
            DisposalDecision(record=record, decision=decision, note=note, decided_by=actor, decided_at=now)
        )
        self.session.flush()

    def decided_records(self) -> dict[str, str]:
        """record -> latest decision."""
        stmt = select(DisposalDecision.record, DisposalDecision.decision).order_by(DisposalDecision.id)
        return {r: d for r, d in self.session.execute(stmt)}

    def open_requests(self, requester: str, status: str) -> list[str]:
        """Numbers of archive-access requests of a requester in a status."""
        stmt = select(Case.number).where(
            Case.process_id == "archive_access", Case.first_receiver == requester, Case.status == status
        )
        return list(self.session.scalars(stmt))

    # -- what retention is counted from ------------------------------------------------------------
    def closed_cases(self, process_id: str) -> list[tuple[str, str | None, str | None, datetime]]:
        """(number, subsidiary, project, closed_at) of closed cases of a process."""
        stmt = select(Case.number, Case.subsidiary, Case.project, Case.closed_at).where(
            Case.process_id == process_id, Case.closed_at.is_not(None)
        )
        return [(n, s, p, c) for n, s, p, c in self.session.execute(stmt)]

    def system_events(self, action_prefix: str) -> list[dict[str, Any]]:
        """System-chain audit events whose action starts with the prefix, oldest first."""
        stmt = (
            select(AuditEvent)
            .where(AuditEvent.chain == "system", AuditEvent.action.like(f"{action_prefix}%"))
            .order_by(AuditEvent.seq)
        )
        return [
            {"actor": e.actor, "action": e.action, "at": e.at, "data": dict(e.data or {})}
            for e in self.session.scalars(stmt)
        ]
