"""The case list and search (``/cases``, ``GET /api/v1/cases``): filters, scope and pages over ``cases``.

Scope is the one of ``case.read`` in ``engine.permissions``: the reader's subsidiary (group-level
staff: every case) and the cases they received themselves (R0.5). Search text goes through
``engine.search.plan_query``: on PostgreSQL the GIN index over the case's n-grams finds the
candidates and the substring test on ``search_text`` runs on those rows only; SQLite runs the
substring test alone (bench/search_bench.py measures both ways on PostgreSQL).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Select, Text, and_, bindparam, exists, func, literal_column, or_, select, true

from engine.errors import FormError
from engine.search import SearchPlan, plan_query
from engine.store.db import Store
from engine.store.models import Case, InboxTask
from engine.store.web_queries import COUNT_CAP, InboxScope

__all__ = ["EXPORT_CAP", "CaseFilter", "CaseRow", "OpenTask", "case_list", "cases_by_number", "earlier_cases",
           "open_tasks", "search_clause"]

EXPORT_CAP = 10_000  # rows of one Excel export (the page says when a filter would give more)
_WINDOWS = (20_000, 200_000)  # the newest cases a broad search looks among first (PostgreSQL)


@dataclass(frozen=True)
class CaseFilter:
    """What to list: search text, process, status, open/closed, category, a unit, an opening window,
    overdue cases, the person holding an open task, a page."""

    process: str = ""
    status: str = ""
    state: str = ""  # open | closed | "" (both)
    unit: str = ""  # a subsidiary or project code
    q: str = ""  # case number, customer name, phone (or its last digits), room, household, free text
    category: str = ""
    opened_from: datetime | None = None
    opened_before: datetime | None = None
    overdue: bool = False  # an open task past its due time
    assignee: str = ""  # login of the person holding one of its open tasks
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
    category: str | None = None
    customer_phone: str | None = None


@dataclass(frozen=True)
class OpenTask:
    """An open task of a listed case: who holds it (or which queue) and when it is due."""

    number: str
    title: str
    assignee: str | None
    role: str | None
    due_at: datetime | None


_COLUMNS = (Case.number, Case.process_id, Case.status, Case.subsidiary, Case.project, Case.room,
            Case.customer_name, Case.opened_at, Case.closed_at, Case.category, Case.customer_phone)
_TERMS: Any = literal_column("string_to_array(cases.search_terms, ' ')")


def _seen(scope: InboxScope) -> Any:
    if scope.everything:
        return true()
    subsidiaries = [code for kind, code in scope.units if kind == "subsidiary"]
    return or_(Case.subsidiary.in_(subsidiaries or [""]), Case.first_receiver == scope.login)


def search_clause(plan: SearchPlan, dialect: str) -> list[Any]:
    """The conditions a search adds: every word a substring of ``search_text`` (PostgreSQL: the
    candidates first from the GIN index by their n-grams)."""
    where: list[Any] = []
    grams = list(plan.grams) + (["^" + plan.surname] if plan.surname else [])
    if dialect == "postgresql" and grams:
        where.append(_TERMS.op("@>")(bindparam("search_grams", grams, type_=ARRAY(Text))))
    for word in plan.words:
        where.append(Case.search_text.contains(word, autoescape=True))
    if plan.surname:
        where.append(Case.search_terms.contains("^" + plan.surname, autoescape=True))
    return where


def _plan(q: str) -> SearchPlan | None:
    if not q.strip():
        return None
    plan = plan_query(q)
    if plan.empty:
        return None
    if not plan.searchable:
        shown = "、".join(plan.too_short)
        error = FormError(
            f"the search {q.strip()!r} is too short: type at least one Chinese character (a surname), "
            "two characters of a name, or three letters or digits (a phone's last four digits, a room)",
            {"q": "too short: at least 3 letters or digits, or a Chinese character"},
            zh=f"搜索词“{shown}”太短：请至少输入一个汉字（姓氏）、两个字的姓名，或三位以上的字母或数字"
               "（如电话尾号四位、房号）")
        error.errors_zh = {"q": "太短：请至少输入三位字母或数字，或一个汉字"}  # type: ignore[attr-defined]
        raise error
    return plan


# A whole case number (TS-SZP-2026-000008): found by the unique index on ``number`` at once.
_NUMBER = re.compile(r"[A-Za-z]{1,8}-[A-Za-z0-9]{1,8}-[0-9]{4}-[0-9]{4,9}")


def _where(scope: InboxScope, flt: CaseFilter, now: datetime | None, dialect: str) -> list[Any]:
    where = [_seen(scope)]
    q = flt.q.strip()
    if _NUMBER.fullmatch(q) and dialect != "none":  # "none": the benchmark's baseline, LIKE only
        where.append(Case.number == q.upper())
    elif (plan := _plan(q)) is not None:
        where.extend(search_clause(plan, dialect))
    if flt.process:
        where.append(Case.process_id == flt.process)
    if flt.status:
        where.append(Case.status == flt.status)
    if flt.category:
        where.append(Case.category == flt.category)
    if flt.state == "open":
        where.append(Case.closed_at.is_(None))
    elif flt.state == "closed":
        where.append(Case.closed_at.is_not(None))
    if flt.unit:
        where.append(or_(Case.subsidiary == flt.unit, Case.project == flt.unit))
    if flt.opened_from is not None:
        where.append(Case.opened_at >= flt.opened_from)
    if flt.opened_before is not None:
        where.append(Case.opened_at < flt.opened_before)
    if flt.overdue and now is not None:
        where.append(exists().where(InboxTask.case_id == Case.id, InboxTask.due_at < now))
    if flt.assignee:
        where.append(exists().where(InboxTask.case_id == Case.id, InboxTask.assignee == flt.assignee))
    return where


def case_list(store: Store, scope: InboxScope, flt: CaseFilter, now: datetime | None = None,
              *, cap: int | None = None, index: bool = True) -> tuple[list[CaseRow], int]:
    """One page of the cases ``scope`` may see, newest first, and the filtered total (capped at
    ``COUNT_CAP``). ``cap``: every matching row up to that many instead of a page (the export).
    ``index=False``: the substring test alone, as on SQLite (the benchmark's baseline)."""
    where = _where(scope, flt, now, store.dialect if index else "none")
    if cap is not None:
        per_page, offset = cap, 0
    else:
        per_page = max(1, min(flt.per_page, 200))
        offset = (max(flt.page, 1) - 1) * per_page
    with store.read() as tx:
        limit = (cap if cap is not None else COUNT_CAP) + 1
        capped = select(Case.id).where(*where).limit(limit).subquery()
        total = int(tx.conn.execute(select(func.count()).select_from(capped)).scalar() or 0)

        def page(conditions: list[Any]) -> list[CaseRow]:
            stmt = (select(*_COLUMNS).where(*conditions).order_by(Case.opened_at.desc(), Case.number.desc())
                    .limit(per_page).offset(offset))
            return [CaseRow(*r) for r in tx.conn.execute(stmt)]

        if store.dialect == "postgresql" and index and flt.q.strip() and total >= limit:
            # Very many cases match (a common surname, a word in every tenth case): the GIN index would
            # fetch every match to sort it. Look among the newest cases first — a window bounded by
            # ix_cases_opened_at — and widen it until the page is full; every case newer than the
            # bound is in the window, so a full page from it is the right page (bench/search_bench.py).
            for window in _WINDOWS:
                bound = tx.conn.execute(select(Case.opened_at).order_by(Case.opened_at.desc())
                                        .offset(window).limit(1)).scalar()
                if bound is None:
                    break
                found = page([*where, Case.opened_at >= bound])
                if len(found) == per_page:
                    return found, total
        return page(where), total


def cases_by_number(store: Store, scope: InboxScope, numbers: Sequence[str]) -> dict[str, CaseRow]:
    """The cases among ``numbers`` that ``scope`` may see (the case list's rule), by number; a number
    the reader may not see, or that does not exist, is missing (e.g. the complaints an R2.13 volume
    escalation counted, linked from its case page)."""
    wanted = sorted({n for n in numbers if n})[:500]
    if not wanted:
        return {}
    with store.read() as tx:
        rows = tx.conn.execute(select(*_COLUMNS).where(_seen(scope), Case.number.in_(wanted)))
        return {str(r.number): CaseRow(*r) for r in rows}


def open_tasks_query(numbers: Sequence[str]) -> Select[Any]:
    """The query of :func:`open_tasks` (by ``inbox_tasks.number``'s index, migration 0025)."""
    columns = (InboxTask.number, InboxTask.title, InboxTask.assignee, InboxTask.role, InboxTask.due_at)
    return (select(*columns)
            .where(InboxTask.number.in_(list(numbers)))
            .order_by(InboxTask.number, InboxTask.due_at.is_(None), InboxTask.due_at))


def open_tasks(store: Store, numbers: Sequence[str]) -> dict[str, list[OpenTask]]:
    """The open tasks of the listed cases, by case number (soonest due first)."""
    if not numbers:
        return {}
    out: dict[str, list[OpenTask]] = {}
    with store.read() as tx:
        for row in tx.conn.execute(open_tasks_query(numbers)):
            out.setdefault(row[0], []).append(OpenTask(*row))
    return out


def earlier_cases(store: Store, scope: InboxScope, *, phone: str = "", project: str = "", room: str = "",
                  exclude: str = "", limit: int = 10) -> dict[str, list[CaseRow]]:
    """The customer's (same phone) and the household's (same project and room) other cases that
    ``scope`` may see, newest first: ``{"customer": [...], "household": [...]}``."""
    found: dict[str, list[CaseRow]] = {"customer": [], "household": []}
    seen = _seen(scope)
    queries: list[tuple[str, Any]] = []
    if phone.strip():
        queries.append(("customer", Case.customer_phone == phone.strip()))
    if room.strip() and project.strip():
        queries.append(("household", and_(Case.project == project.strip(), Case.room == room.strip())))
    with store.read() as tx:
        for key, condition in queries:
            stmt = (select(*_COLUMNS).where(seen, condition, Case.number != exclude)
                    .order_by(Case.opened_at.desc()).limit(limit))
            found[key] = [CaseRow(*r) for r in tx.conn.execute(stmt)]
    return found
