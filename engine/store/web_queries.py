"""Read queries the web inbox needs beyond the runtime: filters, search, sort, pages, tab counts.

They read only the ``inbox_tasks``, ``staff``, ``attachments`` and ``audit_events`` tables (never a
serialized workflow). Visibility is an :class:`InboxScope` the caller derives from the actor; every
query applies it, so a page can only show rows its reader may see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, false, func, insert, literal_column, or_, select, true, update
from sqlalchemy.sql.elements import ColumnElement

from engine.store.db import Store
from engine.store.models import Attachment, AuditEvent, Case, InboxTask, OrgUnit, Staff
from engine.store.records import TaskRecord

__all__ = [
    "COUNT_CAP",
    "SORTS",
    "VIEWS",
    "AttachmentRow",
    "InboxFilter",
    "InboxResult",
    "InboxScope",
    "add_attachment",
    "add_case_event",
    "transfer_task",
    "attachments",
    "group_holders",
    "group_holders_in",
    "first_receivers",
    "inbox_page",
    "password_hash",
    "set_password_hash",
    "staff_names",
    "task_finished_by",
]

VIEWS = ("mine", "queue", "overdue", "all")
COUNT_CAP = 1000  # counts stop here ("1000+"): counting a whole subsidiary's backlog would cost a scan
SORTS = {  # "due" is special-cased in inbox_page: tasks with a deadline first, index order, then the rest
    "due": (InboxTask.due_at,),
    "-due": (InboxTask.due_at.desc(),),
    "created": (InboxTask.created_at, InboxTask.task_id),
    "-created": (InboxTask.created_at.desc(), InboxTask.task_id),
    "number": (InboxTask.number, InboxTask.task_id),
    "-number": (InboxTask.number.desc(), InboxTask.task_id),
}
_TASK_FIELDS = tuple(c.key for c in InboxTask.__table__.columns)


@dataclass(frozen=True)
class InboxScope:
    """Who is reading: login, candidate groups, and the units whose open tasks "all" shows.

    ``units`` holds ``("subsidiary", code)`` / ``("project", code)`` pairs; ``everything`` is the
    group CS centre; ``supervisor`` unlocks the "all" view.
    """

    login: str
    groups: tuple[str, ...] = ()
    units: tuple[tuple[str, str], ...] = ()
    everything: bool = False
    supervisor: bool = False


@dataclass(frozen=True)
class InboxFilter:
    """Search text (number, room, phone, customer name), category, sort key and page."""

    q: str = ""
    category: str = ""
    sort: str = "due"
    page: int = 1
    per_page: int = 25


@dataclass(frozen=True)
class InboxResult:
    """One page of rows, the total of the filtered view and the count of every tab."""

    rows: list[TaskRecord]
    total: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AttachmentRow:
    """An attachment's metadata."""

    id: int
    case_id: str
    task_id: str | None
    filename: str
    content_type: str
    size: int
    sha256: str
    storage_path: str
    uploaded_by: str
    uploaded_at: datetime
    stage: str | None = None


def _unit_clause(scope: InboxScope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    parts: list[ColumnElement[bool]] = []
    for kind, code in scope.units:
        column = InboxTask.subsidiary if kind == "subsidiary" else InboxTask.project
        parts.append(column == code)
    return or_(*parts) if parts else false()


def _view_clause(view: str, scope: InboxScope, now: datetime) -> ColumnElement[bool]:
    mine = InboxTask.assignee == scope.login
    queue = and_(InboxTask.assignee.is_(None), InboxTask.candidate_group.in_(list(scope.groups) or [""]))
    if view == "mine":
        return mine
    if view == "queue":
        return queue
    if view == "overdue":
        return and_(or_(mine, queue), InboxTask.due_at < now)
    if view == "all":
        return _unit_clause(scope) if scope.supervisor else false()
    raise ValueError(f"unknown inbox view {view!r}; use one of {', '.join(VIEWS)}")


def _filter_clauses(flt: InboxFilter) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if flt.category:
        out.append(InboxTask.category == flt.category)
    text = flt.q.strip()
    if text:
        like = f"%{text}%"
        out.append(
            or_(
                InboxTask.number.contains(text, autoescape=True),
                InboxTask.room.like(like),
                InboxTask.customer_phone.contains(text, autoescape=True),
                InboxTask.customer_name.like(like),
            )
        )
    return out


def _select(
    session: Any, where: Sequence[Any], order: Sequence[Any], limit: int, offset: int
) -> list[TaskRecord]:
    cols = [getattr(InboxTask, k) for k in _TASK_FIELDS]
    stmt = select(*cols).where(*where).order_by(*order).limit(limit).offset(offset)
    return [TaskRecord(**dict(zip(_TASK_FIELDS, r, strict=True))) for r in session.execute(stmt)]


def _soonest_first(session: Any, where: Sequence[Any], limit: int, offset: int) -> list[TaskRecord]:
    """Tasks with a deadline by deadline (an index range), then those without; same on every database."""
    dated = [*where, InboxTask.due_at.is_not(None)]
    rows = _select(session, dated, (InboxTask.due_at,), limit, offset)
    if len(rows) == limit:
        return rows
    # how many dated rows come before this page: on the first page none is skipped, no count needed
    skipped = offset + len(rows) if rows or not offset else _count(session, dated, cap=None)
    rest = _select(
        session,
        [*where, InboxTask.due_at.is_(None)],
        (InboxTask.created_at,),
        limit - len(rows),
        max(0, offset - skipped),
    )
    return rows + rest


def _counter(where: Sequence[ColumnElement[bool]], cap: int | None = COUNT_CAP) -> Any:
    """A scalar subquery counting the matching rows, at most ``cap + 1`` of them, from the index alone."""
    rows: Select[Any] = select(literal_column("1")).select_from(InboxTask).where(*where)
    if cap is not None:
        rows = rows.limit(cap + 1)
    return select(func.count()).select_from(rows.subquery()).scalar_subquery()


def _count(session: Any, where: Sequence[ColumnElement[bool]], cap: int | None = COUNT_CAP) -> int:
    """How many rows match, counting at most ``cap + 1`` of them."""
    return int(session.scalar(select(_counter(where, cap))) or 0)


def _tab_counts(session: Any, tabs: Sequence[str], scope: InboxScope, now: datetime,
                alive: Sequence[ColumnElement[bool]] = ()) -> dict[str, int]:
    """Every tab's count in one statement; overdue as two index-friendly disjoint halves instead of an OR."""
    parts: list[tuple[str, Any]] = []
    for tab in tabs:
        if tab == "overdue":
            parts.append((tab, _counter([_view_clause("mine", scope, now), InboxTask.due_at < now, *alive])))
            parts.append((tab, _counter([_view_clause("queue", scope, now), InboxTask.due_at < now, *alive])))
        else:
            parts.append((tab, _counter([_view_clause(tab, scope, now), *alive])))
    values = session.execute(select(*(counter for _, counter in parts))).one()
    counts = dict.fromkeys(tabs, 0)
    for (tab, _), value in zip(parts, values, strict=True):
        counts[tab] += int(value or 0)
    return counts


def inbox_page(store: Store, scope: InboxScope, view: str, flt: InboxFilter, now: datetime,
               live: ColumnElement[bool] | None = None) -> InboxResult:
    """One page of an inbox view, its filtered total and the (unfiltered) count of every tab;
    ``live`` (``repo_cases.live_tasks``) leaves out the tasks a due timer has cancelled.

    Totals and counts stop at COUNT_CAP + 1 (shown as "1000+"), so a page costs the same on a large backlog.
    """
    filters = _filter_clauses(flt)
    alive = [live] if live is not None else []
    where = [_view_clause(view, scope, now), *alive, *filters]
    order = SORTS.get(flt.sort, SORTS["due"])
    per_page = max(1, min(flt.per_page, 200))
    offset = (max(flt.page, 1) - 1) * per_page
    with store.read() as tx:
        session = tx.session
        if flt.sort in ("due", ""):
            rows = _soonest_first(session, where, per_page, offset)
        else:
            rows = _select(session, where, order, per_page, offset)
        tabs = [t for t in VIEWS if t != "all" or scope.supervisor]
        counts = _tab_counts(session, tabs, scope, now, alive)
        filtered = bool(filters)
        total = _count(session, where) if filtered or view not in counts else counts[view]
    return InboxResult(rows=rows, total=total, counts=counts)


def staff_names(store: Store, logins: Sequence[str] | None = None) -> dict[str, str]:
    """login → name of the given staff members (all of them when ``logins`` is None)."""
    stmt = select(Staff.login, Staff.name)
    if logins is not None:
        if not logins:  # nobody to name (an inbox of unclaimed tasks): no statement
            return {}
        stmt = stmt.where(Staff.login.in_(list(logins)))
    with store.read() as tx:
        return {login: name for login, name in tx.session.execute(stmt)}


def group_holders(store: Store, groups: Sequence[str],
                  org: Mapping[str, Any] | None = None) -> dict[str, list[tuple[str, str]]]:
    """``role@unit`` → [(login, name)] of the active staff who hold it (``group_holders_in``)."""
    if not any("@" in g for g in groups):
        return {}
    with store.read() as tx:
        return group_holders_in(tx.session, groups, org)


def group_holders_in(session: Any, groups: Sequence[str],
                     org: Mapping[str, Any] | None = None) -> dict[str, list[tuple[str, str]]]:
    """``role@unit`` → [(login, name)] of the active staff who hold it: the role in that unit or in one of
    its departments (whose staff hold their roles in the parent too). Staff of other units who hold a
    named ``role@unit`` are not listed (their rows would all have to be read). ``session``: an open one;
    ``org``: every org unit by code (``Tx.units()``) when the caller has read them (the departments
    are then found there, not read again)."""
    wanted = {g for g in groups if "@" in g}
    if not wanted:
        return {}
    units = {g.split("@", 1)[1] for g in wanted}
    out: dict[str, list[tuple[str, str]]] = {g: [] for g in wanted}
    if org is not None:
        parent = {str(code): str(u.parent) for code, u in org.items()
                  if u.parent in units and u.kind == "department"}
    else:
        parent = {str(code): str(up) for code, up in session.execute(
            select(OrgUnit.code, OrgUnit.parent)
            .where(OrgUnit.parent.in_(units), OrgUnit.kind == "department")).all()}
    rows = session.execute(
        select(Staff.login, Staff.name, Staff.unit, Staff.roles)
        .where(Staff.active.is_(True), Staff.unit.in_(units | set(parent))).order_by(Staff.login)).all()
    for login, name, unit, roles in rows:
        for role in roles or []:
            homes = [role] if "@" in role else [f"{role}@{unit}"] + (
                [f"{role}@{parent[unit]}"] if unit in parent else [])
            for group in homes:
                if group in out and (login, name) not in out[group]:
                    out[group].append((login, name))
    return out


def first_receivers(store: Store, case_ids: Sequence[str]) -> dict[str, str]:
    """case id → login of its first receiver."""
    if not case_ids:
        return {}
    with store.read() as tx:
        return {str(i): str(login) for i, login in tx.session.execute(
            select(Case.id, Case.first_receiver).where(Case.id.in_(list(set(case_ids)))))}


def password_hash(store: Store, login: str) -> str | None:
    """The stored password hash of an active staff member, or None."""
    with store.read() as tx:
        return tx.session.scalar(
            select(Staff.password_hash).where(Staff.login == login, Staff.active.is_(True))
        )


def set_password_hash(store: Store, login: str, hashed: str) -> bool:
    """Store a password hash (already hashed by the caller); False when the login is unknown."""
    with store.write() as tx:
        result: Any = tx.session.execute(
            update(Staff).where(Staff.login == login).values(password_hash=hashed)
        )
        return bool(result.rowcount)


def task_finished_by(store: Store, task_id: str) -> tuple[str, str, datetime] | None:
    """(actor login, action, time) of the last event that ended a task, or None."""
    ending = ("task.completed", "task.cancelled")
    with store.read() as tx:
        stmt = (
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.at)
            .where(AuditEvent.task_id == task_id, AuditEvent.action.in_(ending))
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        row = tx.session.execute(stmt).first()
    return None if row is None else (row[0], row[1], row[2])


_INSERT_ATTACHMENT = insert(Attachment).returning(Attachment.id)


def add_attachment(
    store: Store,
    *,
    case_id: str,
    task_id: str | None,
    filename: str,
    content_type: str,
    size: int,
    sha256: str,
    storage_path: str,
    uploaded_by: str,
    at: datetime,
    stage: str | None = None,
) -> int:
    """Record an attachment's metadata; returns its id.

    The case is locked first (as every writer of its audit chain does), the row inserted (its id is the
    event's), then the event and the case's audit head go in one round trip (``case_writes``); it was
    the ORM session's insert, then the lock, the event and the case row one by one."""
    with store.write() as tx:
        if tx.lock_case(case_id=case_id) is None:
            raise LookupError(f"case {case_id} does not exist")
        ident = int(tx.conn.execute(_INSERT_ATTACHMENT, {
            "case_id": case_id, "task_id": task_id, "filename": filename, "content_type": content_type,
            "size": size, "sha256": sha256, "storage_path": storage_path, "uploaded_by": uploaded_by,
            "uploaded_at": at, "stage": stage}).scalar_one())
        data = {"attachment": ident, "filename": filename, "sha256": sha256, "size": size,
                **({"stage": stage} if stage else {})}
        with tx.case_writes():
            tx.append_audit(case_id, [{"actor": uploaded_by, "action": "attachment.added", "task_id": task_id,
                                       "data": data}], at)
            tx.update_case(case_id)
        return ident


def transfer_task(
    store: Store,
    task_id: str,
    actor: str,
    *,
    expected_assignee: str | None,
    values: dict[str, Any],
    data: dict[str, Any],
    at: datetime,
) -> None:
    """Re-point an open task (assignee or candidate group) and log ``task.transferred``.

    The caller has checked the actor may work the task; ``expected_assignee`` guards against a race.
    """
    from engine.errors import ConflictError, NotFoundError

    with store.write() as tx:
        row = tx.task(task_id)
        if row is None:
            raise NotFoundError(f"task {task_id[:8]} is no longer open")
        _audit(tx, row.case_id, actor, "task.transferred", data, at, task_id)
        row = tx.task(task_id)
        if row is None or row.assignee != expected_assignee:
            raise ConflictError(f"task {task_id[:8]} changed hands meanwhile; reload the case")
        tx.update_task(task_id, **values)


def add_case_event(
    store: Store, case_id: str, actor: str, action: str, data: dict[str, Any], at: datetime
) -> None:
    """Append one event (a comment, say) to a case's audit chain."""
    with store.write() as tx:
        _audit(tx, case_id, actor, action, data, at, None)


def _audit(
    tx: Any, case_id: str, actor: str, action: str, data: dict[str, Any], at: datetime, task_id: str | None
) -> None:
    if tx.lock_case(case_id=case_id) is None:
        raise LookupError(f"case {case_id} does not exist")
    tx.append_audit(case_id, [{"actor": actor, "action": action, "task_id": task_id, "data": data}], at)


_ATTACHMENT_FIELDS = ("id", "case_id", "task_id", "filename", "content_type", "size", "sha256",
                      "storage_path", "uploaded_by", "uploaded_at", "stage")


def named_attachments(store: Store, case_id: str) -> list[tuple[AttachmentRow, str]]:
    """A case's attachments, oldest first, each with its uploader's name (the login when no staff row
    has it), in one statement: the case page read the attachments, then their uploaders' names."""
    cols = [getattr(Attachment, name) for name in _ATTACHMENT_FIELDS]
    stmt = (select(*cols, Staff.name).outerjoin(Staff, Staff.login == Attachment.uploaded_by)
            .where(Attachment.case_id == case_id).order_by(Attachment.id))
    with store.read() as tx:
        out = []
        for row in tx.session.execute(stmt):
            record = AttachmentRow(**dict(zip(_ATTACHMENT_FIELDS, row[:-1], strict=True)))
            out.append((record, row[-1] or record.uploaded_by))
        return out


def attachments(store: Store, case_ids: Sequence[str]) -> list[AttachmentRow]:
    """Attachments of some cases, oldest first."""
    with store.read() as tx:
        stmt = select(Attachment).where(Attachment.case_id.in_(list(case_ids))).order_by(Attachment.id)
        return [
            AttachmentRow(
                r.id,
                r.case_id,
                r.task_id,
                r.filename,
                r.content_type,
                r.size,
                r.sha256,
                r.storage_path,
                r.uploaded_by,
                r.uploaded_at,
                r.stage,
            )
            for r in tx.session.scalars(stmt)
        ]
