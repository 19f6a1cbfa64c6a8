"""``DraftRepo``: process owners' drafts (``process_drafts``) inside one store transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, insert, select, update

from engine.store.draft_models import ProcessDraft
from engine.store.repo import Tx

__all__ = ["DraftRecord", "DraftRepo"]

DRAFTS: Table = ProcessDraft.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class DraftRecord:
    """One owner's saved draft of one process."""

    owner: str
    process_id: str
    bpmn_name: str
    bpmn_text: str
    forms_name: str
    forms_text: str
    base_version: str | None
    findings: list[dict[str, Any]]
    clean: bool
    saved_at: datetime


def _record(row: Any) -> DraftRecord:
    return DraftRecord(row.owner, row.process_id, row.bpmn_name, row.bpmn_text, row.forms_name,
                       row.forms_text, row.base_version, list(row.findings or []), bool(row.clean),
                       row.saved_at)


class DraftRepo:
    """Reads and writes of ``process_drafts`` on an open ``Tx``."""

    def __init__(self, tx: Tx) -> None:
        self.conn = tx.conn

    def draft(self, owner: str, process_id: str) -> DraftRecord | None:
        """The owner's draft of the process, or None."""
        row = self.conn.execute(select(DRAFTS).where(DRAFTS.c.owner == owner,
                                                     DRAFTS.c.process_id == process_id)).first()
        return None if row is None else _record(row)

    def drafts_of(self, owner: str) -> list[DraftRecord]:
        """Every draft of an owner, by process."""
        rows = self.conn.execute(select(DRAFTS).where(DRAFTS.c.owner == owner).order_by(DRAFTS.c.process_id))
        return [_record(r) for r in rows]

    def save(self, record: DraftRecord) -> None:
        """Insert or replace the owner's draft of the process."""
        values = {"bpmn_name": record.bpmn_name, "bpmn_text": record.bpmn_text,
                  "forms_name": record.forms_name, "forms_text": record.forms_text,
                  "base_version": record.base_version,
                  "findings": list(record.findings), "clean": record.clean, "saved_at": record.saved_at}
        mine = (DRAFTS.c.owner == record.owner) & (DRAFTS.c.process_id == record.process_id)
        done = self.conn.execute(update(DRAFTS).where(mine).values(**values))
        if not done.rowcount:
            self.conn.execute(insert(DRAFTS).values(owner=record.owner, process_id=record.process_id,
                                                    **values))

    def discard(self, owner: str, process_id: str) -> bool:
        """Delete the owner's draft; True when there was one."""
        mine = (DRAFTS.c.owner == owner) & (DRAFTS.c.process_id == process_id)
        done = self.conn.execute(delete(DRAFTS).where(mine))
        return bool(done.rowcount)
