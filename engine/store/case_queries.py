"""The case list of the API (``GET /api/v1/cases``): filters, scope and pages over the ``cases`` table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, true

from engine.store.db import Store
from engine.store.models import Case
from engine.store.web_queries import COUNT_CAP, InboxScope

__all__ = ["CaseFilter", "CaseRow", "case_list"]


@dataclass(frozen=True)
class CaseFilter:
    """What to list: process, status, open/closed, a unit, search text, an opening window, a page."""

    process: str = ""
    status: str = ""
    state: str = ""  # open | closed | "" (both)
    unit: str = ""  # a subsidiary or project code
    q: str = ""  # case number, room, phone or customer name
    opened_from: datetime | None = None
    opened_before: datetime | None = None
    page: int = 1
    per_page: int = 25


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list."""

    number: str
    process_id: str
    status: str
    subsidiary: str | None
    project: str | None
    room: str | None
    customer_name: str | None
    opened_at: datetime
    closed_at: datetime | None


_COLUMNS = (Case.number, Case.process_id, Case.status, Case.subsidiary, Case.project, Case.room,
            Case.customer_name, Case.opened_at, Case.closed_at)


def _where(scope: InboxScope, flt: CaseFilter) -> list[Any]:
    if scope.everything:
        seen: Any = true()
    else:  # the reader's subsidiary, and the cases they received themselves (R0.5)
        subsidiaries = [code for kind, code in scope.units if kind == "subsidiary"]
        seen = or_(Case.subsidiary.in_(subsidiaries or [""]), Case.first_receiver == scope.login)
    where = [seen]
    if flt.process:
        where.append(Case.process_id == flt.process)
    if flt.status:
        where.append(Case.status == flt.status)
    if flt.state == "open":
        where.append(Case.closed_at.is_(None))
    elif flt.state == "closed":
        where.append(Case.closed_at.is_not(None))
    if flt.unit:
        where.append(or_(Case.subsidiary == flt.unit, Case.project == flt.unit))
    if flt.q:
        text = flt.q.strip()
        where.append(or_(*(column.contains(text, autoescape=True) for column in (
            Case.number, Case.room, Case.customer_phone, Case.customer_name))))
    if flt.opened_from is not None:
        where.append(Case.opened_at >= flt.opened_from)
    if flt.opened_before is not None:
        where.append(Case.opened_at < flt.opened_before)
    return where


def case_list(store: Store, scope: InboxScope, flt: CaseFilter) -> tuple[list[CaseRow], int]:
    """One page of the cases ``scope`` may see, newest first, and the filtered total (capped)."""
    where = _where(scope, flt)
    per_page = max(1, min(flt.per_page, 200))
    offset = (max(flt.page, 1) - 1) * per_page
    with store.read() as tx:
        stmt = (select(*_COLUMNS).where(*where).order_by(Case.opened_at.desc(), Case.number.desc())
                .limit(per_page).offset(offset))
        rows = [CaseRow(*r) for r in tx.conn.execute(stmt)]
        capped = select(Case.id).where(*where).limit(COUNT_CAP + 1).subquery()
        total = int(tx.conn.execute(select(func.count()).select_from(capped)).scalar() or 0)
    return rows, total
