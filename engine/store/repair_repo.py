"""``DispatchOrderRepo``: issued repair dispatch orders 派工单, inside one store transaction (R3.2, R0.6).

The number comes from ``Tx.next_number`` (the sequence row of the case numbers, under the order
prefix) in the same transaction that inserts the order, so a rolled-back issue gives its number
back. There is no update or delete: an issued order is never altered and its number never reused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select

from engine.store.faq_models import DispatchOrder
from engine.store.models import Attachment
from engine.store.repo import Tx

__all__ = ["DispatchOrderRecord", "DispatchOrderRepo"]

ORDERS: Table = DispatchOrder.__table__  # type: ignore[assignment]
ATTACHMENTS: Table = Attachment.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class DispatchOrderRecord:
    """One issued dispatch order."""

    number: str
    case_id: str
    case_number: str
    subsidiary: str
    year: int
    seq: int
    issued_by: str
    issued_at: datetime
    content: dict[str, Any]


def _record(row: Any) -> DispatchOrderRecord:
    return DispatchOrderRecord(row.number, row.case_id, row.case_number, row.subsidiary, row.year, row.seq,
                               row.issued_by, row.issued_at, dict(row.content))


class DispatchOrderRepo:
    """Dispatch-order reads and the one write (``insert_order``) on an open ``Tx``."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.conn = tx.conn

    def insert_order(self, *, number: str, case_id: str, case_number: str, subsidiary: str, year: int,
                     seq: int, issued_by: str, issued_at: datetime,
                     content: dict[str, Any]) -> DispatchOrderRecord:
        """Record an issued order (its number was just taken in this transaction)."""
        values: dict[str, Any] = {"number": number, "case_id": case_id, "case_number": case_number,
                                  "subsidiary": subsidiary, "year": year, "seq": seq, "issued_by": issued_by,
                                  "issued_at": issued_at, "content": content}
        self.conn.execute(insert(ORDERS).values(**values))
        return DispatchOrderRecord(**values)

    def order_for_case(self, case_id: str) -> DispatchOrderRecord | None:
        """The order issued for a case, or None."""
        row = self.conn.execute(select(ORDERS).where(ORDERS.c.case_id == case_id)).first()
        return _record(row) if row is not None else None

    def order(self, number: str) -> DispatchOrderRecord | None:
        """An order by its number, or None."""
        row = self.conn.execute(select(ORDERS).where(ORDERS.c.number == number)).first()
        return _record(row) if row is not None else None

    def orders(self, subsidiary: str | None = None, year: int | None = None) -> list[DispatchOrderRecord]:
        """Issued orders in number order (audits of the sequence)."""
        query = select(ORDERS).order_by(ORDERS.c.subsidiary, ORDERS.c.year, ORDERS.c.seq)
        if subsidiary is not None:
            query = query.where(ORDERS.c.subsidiary == subsidiary)
        if year is not None:
            query = query.where(ORDERS.c.year == year)
        return [_record(r) for r in self.conn.execute(query)]

    def photo_stages_present(self, case_id: str, stages: Sequence[str]) -> set[str]:
        """Which of ``stages`` have at least one image attached to the case with that stage (R3.3)."""
        query = (select(ATTACHMENTS.c.stage).distinct()
                 .where(ATTACHMENTS.c.case_id == case_id, ATTACHMENTS.c.stage.in_(list(stages)),
                        ATTACHMENTS.c.content_type.like("image/%")))
        return {str(s) for s in self.conn.scalars(query)}
