"""Read queries the web inbox needs beyond the runtime: filters, search, sort, pages, tab counts.

They read only the ``inbox_tasks``, ``staff``, ``attachments`` and ``audit_events`` tables (never a
serialized workflow). Visibility is an :class:`InboxScope` the caller derives from the actor; every
query applies it, so a page can only show rows its reader may see.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    Text,
    and_,
    bindparam,
    cast,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

from engine.store.db import Store
from engine.store.models import Attachment, AuditEvent, Case, InboxTask, OrgUnit, Staff
from engine.store.records import TaskRecord
from engine.store.repo_cases import CASES, TASKS
from engine.store.worker_repo import NOTES, UNREAD_CAP

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
    "names_and_holders",
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
    unread: int | None = None  # the reader's unread notifications (up to UNREAD_CAP + 1), when asked


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


# The inbox's statements are built once per shape (who reads: the kinds of the units in scope, the
# group-wide and supervisor flags; the view; the filters present; the sort; the tabs) and run with bound
# parameters: the login, groups, unit codes, search text, now, the interruptible specs and the page are
# values, not part of the statement, so a request neither builds the statements nor cache-keys them
# again (SQLAlchemy memoizes a statement's cache key on the statement object). The SQL is the one the
# per-request construction produced, with other parameter names.
_STATEMENTS: dict[tuple[Any, ...], Any] = {}
_STATEMENT_SHAPES = 512  # a bound on the shapes kept; more distinct shapes empty the dict and start again
_ESCAPE = "/"  # ``contains(..., autoescape=True)``'s escape character


def _statement(key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        if len(_STATEMENTS) >= _STATEMENT_SHAPES:
            _STATEMENTS.clear()
        stmt = _STATEMENTS[key] = build()
    return stmt


def _scope_shape(scope: InboxScope) -> tuple[Any, ...]:
    return (scope.everything, scope.supervisor, tuple(kind == "subsidiary" for kind, _code in scope.units))


def _unit_clause(scope_shape: tuple[Any, ...]) -> ColumnElement[bool]:
    everything, _supervisor, kinds = scope_shape
    if everything:
        return true()
    parts: list[ColumnElement[bool]] = []
    for i, subsidiary in enumerate(kinds):
        column = TASKS.c.subsidiary if subsidiary else TASKS.c.project
        parts.append(column == bindparam(f"unit_{i}"))
    return or_(*parts) if parts else false()


def _view_clause(view: str, scope_shape: tuple[Any, ...]) -> ColumnElement[bool]:
    mine = TASKS.c.assignee == bindparam("login")
    queue = and_(TASKS.c.assignee.is_(None),
                 TASKS.c.candidate_group.in_(bindparam("groups", expanding=True)))
    if view == "mine":
        return mine
    if view == "queue":
        return queue
    if view == "overdue":
        return and_(or_(mine, queue), TASKS.c.due_at < bindparam("now"))
    if view == "all":
        return _unit_clause(scope_shape) if scope_shape[1] else false()
    raise ValueError(f"unknown inbox view {view!r}; use one of {', '.join(VIEWS)}")


def _live_clause() -> ColumnElement[bool]:
    """``repo_cases.live_tasks`` with the time and the interruptible specs bound."""
    due = (select(CASES.c.id)
           .where(CASES.c.id == TASKS.c.case_id, CASES.c.next_timer_at <= bindparam("timer_now")).exists())
    return or_(TASKS.c.task_spec.not_in(bindparam("live_specs", expanding=True)), ~due)


def _filter_shape(flt: InboxFilter) -> tuple[bool, bool]:
    return bool(flt.category), bool(flt.q.strip())


def _filter_clauses(filter_shape: tuple[bool, bool]) -> list[ColumnElement[bool]]:
    category, text = filter_shape
    out: list[ColumnElement[bool]] = []
    if category:
        out.append(TASKS.c.category == bindparam("category"))
    if text:
        out.append(
            or_(
                TASKS.c.number.contains(bindparam("q_escaped"), escape=_ESCAPE),
                TASKS.c.room.like(bindparam("q_like")),
                TASKS.c.customer_phone.contains(bindparam("q_escaped"), escape=_ESCAPE),
                TASKS.c.customer_name.like(bindparam("q_like")),
            )
        )
    return out


def _params(scope: InboxScope, flt: InboxFilter, now: datetime, specs: Sequence[str]) -> dict[str, Any]:
    """Every value the inbox's statements bind (a statement takes the ones it has)."""
    params: dict[str, Any] = {"login": scope.login, "groups": list(scope.groups) or [""], "now": now,
                              "timer_now": now, "live_specs": list(specs)}
    for i, (_kind, code) in enumerate(scope.units):
        params[f"unit_{i}"] = code
    if flt.category:
        params["category"] = flt.category
    text = flt.q.strip()
    if text:  # as ``contains(text, autoescape=True)`` escapes it
        params["q_escaped"] = (text.replace(_ESCAPE, _ESCAPE + _ESCAPE)
                               .replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_"))
        params["q_like"] = f"%{text}%"
    return params


def _where(view: str, scope_shape: tuple[Any, ...], live: bool,
           filter_shape: tuple[bool, bool]) -> list[ColumnElement[bool]]:
    alive = [_live_clause()] if live else []
    return [_view_clause(view, scope_shape), *alive, *_filter_clauses(filter_shape)]


_TASK_COLUMNS = [TASKS.c[k] for k in _TASK_FIELDS]
_ORDER = {  # SORTS in Core columns
    "due": (TASKS.c.due_at,),
    "-due": (TASKS.c.due_at.desc(),),
    "created": (TASKS.c.created_at, TASKS.c.task_id),
    "-created": (TASKS.c.created_at.desc(), TASKS.c.task_id),
    "number": (TASKS.c.number, TASKS.c.task_id),
    "-number": (TASKS.c.number.desc(), TASKS.c.task_id),
}


def _rows(conn: Any, stmt: Any, params: dict[str, Any]) -> list[TaskRecord]:
    return [TaskRecord(**dict(zip(_TASK_FIELDS, r, strict=True))) for r in conn.execute(stmt, params)]


class _Tabs:
    """The tab counts (and the bell's) of an inbox page, read as extra columns of its first rows'
    statement: uncorrelated scalar subqueries, which the database evaluates once for the statement, not
    per row. A statement that brings no row brings no counts: the next one carries them, or they are read
    alone (``_tab_counts``)."""

    def __init__(self, tabs: tuple[str, ...], scope_shape: tuple[Any, ...], live: bool, unread: bool) -> None:
        self.tabs, self.scope_shape, self.live, self.unread = tabs, scope_shape, live, unread
        self.values: list[Any] | None = None

    def rows(self, conn: Any, key: tuple[Any, ...], build: Callable[[], Any],
             params: dict[str, Any], *, last: bool = False) -> list[TaskRecord]:
        """The rows of the statement ``build`` makes (kept by ``key``), with the counts until read;
        ``last``: no rows statement follows this one, so the counts come with it even when it brings no
        row (``_with_counts``), not in a statement of their own."""
        if self.values is not None:
            return _rows(conn, _statement(key, build), params)
        def counters() -> list[Any]:  # built with the statement, once per shape
            return _tab_counters(self.tabs, self.scope_shape, self.live, self.unread)

        stmt = _statement((*key, "tabs", self.tabs, self.unread, last),
                          (lambda: _with_counts(build(), counters())) if last
                          else (lambda: build().add_columns(*counters())))
        width, out = len(_TASK_FIELDS), []
        for r in conn.execute(stmt, params):
            if self.values is None:
                self.values = list(r[width:])
            if r[0] is not None:  # the task id: None only in ``_with_counts``' row for no row
                out.append(TaskRecord(**dict(zip(_TASK_FIELDS, r[:width], strict=True))))
        return out

    def counts(self, conn: Any, params: dict[str, Any]) -> tuple[dict[str, int], int | None]:
        """(each tab's count, the unread notifications' or None): as read with the rows, else alone."""
        if self.values is None:
            return _tab_counts(conn, self.tabs, self.scope_shape, self.live, params, self.unread)
        return _tab_values(list(self.values), self.tabs, self.unread)


def _with_counts(page: Any, counters: Sequence[Any]) -> Any:
    """The rows of ``page`` (a ``_select``: ordered, limited) with ``counters`` as columns of every row, and
    one row of NULL task columns with the counters when ``page`` has none: the page is outer-joined to a
    single row and ordered again by its own keys outside (a task's id is never NULL)."""
    inner = page.subquery("page")
    one = select(literal_column("1").label("one")).subquery("one")
    order = []
    for clause in page._order_by_clauses:
        column = inner.c[clause.element.key] if isinstance(clause, UnaryExpression) else inner.c[clause.key]
        descending = isinstance(clause, UnaryExpression) and clause.modifier is operators.desc_op
        order.append(column.desc() if descending else column)
    return (select(*(inner.c[k] for k in _TASK_FIELDS), *counters)
            .select_from(one.outerjoin(inner, true())).order_by(*order))


def _select(where: Sequence[Any], order: Sequence[Any]) -> Any:
    return (select(*_TASK_COLUMNS).where(*where).order_by(*order)
            .limit(bindparam("limit")).offset(bindparam("offset")))


def _soonest_first(conn: Any, shape: tuple[Any, ...], params: dict[str, Any],
                   limit: int, offset: int, tabs: _Tabs) -> list[TaskRecord]:
    """Tasks with a deadline by deadline (an index range), then those without; same on every database.
    The tab counts ride with the first statement that brings rows (``tabs``)."""
    def dated_where() -> list[Any]:
        return [*_where(*shape), TASKS.c.due_at.is_not(None)]

    rows = tabs.rows(conn, ("dated", *shape), lambda: _select(dated_where(), (TASKS.c.due_at,)),
                     {**params, "limit": limit, "offset": offset})
    if len(rows) == limit:
        return rows
    # how many dated rows come before this page: on the first page none is skipped, no count needed
    if rows or not offset:
        skipped = offset + len(rows)
    else:
        skipped = _count(conn, _statement(("dated count", *shape), lambda: _count_of(dated_where(), None)),
                         params)
    rest = tabs.rows(conn, ("undated", *shape), lambda: _select(
        [*_where(*shape), TASKS.c.due_at.is_(None)], (TASKS.c.created_at,)),
        {**params, "limit": limit - len(rows), "offset": max(0, offset - skipped)}, last=True)
    return rows + rest


def _counter(where: Sequence[ColumnElement[bool]], cap: int | None = COUNT_CAP) -> Any:
    """A scalar subquery counting the matching rows, at most ``cap + 1`` of them, from the index alone."""
    rows: Select[Any] = select(literal_column("1")).select_from(TASKS).where(*where)
    if cap is not None:
        rows = rows.limit(cap + 1)
    return select(func.count()).select_from(rows.subquery()).scalar_subquery()


def _count_of(where: Sequence[ColumnElement[bool]], cap: int | None = COUNT_CAP) -> Any:
    return select(_counter(where, cap))


def _count(conn: Any, stmt: Any, params: dict[str, Any]) -> int:
    """How many rows match (``_count_of``: counting at most ``cap + 1`` of them)."""
    return int(conn.execute(stmt, params).scalar() or 0)


def _tab_counts_of(tabs: Sequence[str], scope_shape: tuple[Any, ...], live: bool, unread: bool) -> Any:
    """Every tab's count in one statement (``_tab_counters``)."""
    return select(*_tab_counters(tabs, scope_shape, live, unread))


def _tab_counters(tabs: Sequence[str], scope_shape: tuple[Any, ...], live: bool, unread: bool) -> list[Any]:
    """Every tab's count, a scalar subquery each; overdue as two index-friendly disjoint halves instead of
    an OR; with ``unread`` the reader's unread notifications last (``WorkerRepo.unread_count``'s count)."""
    alive = [_live_clause()] if live else []
    counters: list[Any] = []
    for tab in tabs:
        if tab == "overdue":
            counters.append(_counter([_view_clause("mine", scope_shape), TASKS.c.due_at < bindparam("now"),
                                      *alive]))
            counters.append(_counter([_view_clause("queue", scope_shape), TASKS.c.due_at < bindparam("now"),
                                      *alive]))
        else:
            counters.append(_counter([_view_clause(tab, scope_shape), *alive]))
    if unread:
        notes = (select(NOTES.c.id).where(NOTES.c.recipient == bindparam("login"), NOTES.c.read_at.is_(None))
                 .limit(UNREAD_CAP + 1).subquery())
        counters.append(select(func.count()).select_from(notes).scalar_subquery())
    return counters


def _tab_counts(conn: Any, tabs: Sequence[str], scope_shape: tuple[Any, ...], live: bool,
                params: dict[str, Any], unread: bool = False) -> tuple[dict[str, int], int | None]:
    stmt = _statement(("tabs", tuple(tabs), scope_shape, live, unread),
                      lambda: _tab_counts_of(tabs, scope_shape, live, unread))
    return _tab_values(list(conn.execute(stmt, params).one()), tabs, unread)


def _tab_values(values: list[Any], tabs: Sequence[str], unread: bool) -> tuple[dict[str, int], int | None]:
    notes = int(values.pop() or 0) if unread else None
    counts = dict.fromkeys(tabs, 0)
    halves = [tab for tab in tabs for _ in range(2 if tab == "overdue" else 1)]
    for tab, value in zip(halves, values, strict=True):
        counts[tab] += int(value or 0)
    return counts, notes


def inbox_page(store: Store, scope: InboxScope, view: str, flt: InboxFilter, now: datetime,
               interruptible: Iterable[str] = (), *, unread: bool = False) -> InboxResult:
    """One page of an inbox view, its filtered total and the (unfiltered) count of every tab;
    ``interruptible`` (the task specs a diagram gives an interrupting deadline timer) leaves out the
    tasks a due timer has cancelled, as ``repo_cases.live_tasks`` does; ``unread``: also the reader's
    unread notifications (the bell's count), in the tab counts' statement.

    Totals and counts stop at COUNT_CAP + 1 (shown as "1000+"), so a page costs the same on a large backlog.
    """
    if view not in VIEWS:
        raise ValueError(f"unknown inbox view {view!r}; use one of {', '.join(VIEWS)}")
    specs = sorted(interruptible)
    live = bool(specs)
    scope_shape = _scope_shape(scope)
    filter_shape = _filter_shape(flt)
    shape = (view, scope_shape, live, filter_shape)
    params = _params(scope, flt, now, specs)
    per_page = max(1, min(flt.per_page, 200))
    offset = (max(flt.page, 1) - 1) * per_page
    tabs = _Tabs(tuple(t for t in VIEWS if t != "all" or scope.supervisor), scope_shape, live, unread)
    with store.read() as tx:
        conn = tx.conn
        if flt.sort in ("due", ""):
            rows = _soonest_first(conn, shape, params, per_page, offset, tabs)
        else:
            sort = flt.sort if flt.sort in SORTS else "due"
            rows = tabs.rows(conn, ("sorted", sort, *shape), lambda: _select(_where(*shape), _ORDER[sort]),
                             {**params, "limit": per_page, "offset": offset}, last=True)
        counts, notes = tabs.counts(conn, params)
        filtered = any(filter_shape)
        if filtered or view not in counts:
            total = _count(conn, _statement(("count", *shape), lambda: _count_of(_where(*shape))), params)
        else:
            total = counts[view]
    return InboxResult(rows=rows, total=total, counts=counts, unread=notes)


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
    if org is not None:
        parent = _departments_in(org, units)
    else:
        parent = {str(code): str(up) for code, up in session.execute(
            select(OrgUnit.code, OrgUnit.parent)
            .where(OrgUnit.parent.in_(units), OrgUnit.kind == "department")).all()}
    holding = _holding(wanted)
    stmt = (select(Staff.login, Staff.name, Staff.unit, Staff.roles)
            .where(Staff.active.is_(True), Staff.unit.in_(units | set(parent))))
    if holding is not None:
        stmt = stmt.where(or_(*(cast(Staff.roles, Text).like(p) for p in holding)))
    rows = session.execute(stmt.order_by(Staff.login)).all()
    return _holders(wanted, parent, rows)


_PLAIN_CODE = re.compile(r"[A-Za-z0-9_.@-]+")


def _holding(wanted: set[str]) -> list[str] | None:
    """LIKE patterns on the text of ``staff.roles`` (a JSON list of codes) that every staff member who
    holds one of the groups ``wanted`` (``role@unit``) in those units matches: the role's code or the
    group itself, quoted as JSON writes them, so the units' other staff (most of a project's) are not
    read. None (read them all, as before) when a code is not plain ASCII letters, digits and ``_.@-``,
    which a JSON writer might escape; ``_`` matching any character only lets more rows through, and
    ``_holders`` keeps the exact answer."""
    codes = sorted({g.split("@", 1)[0] for g in wanted} | wanted)
    if not all(_PLAIN_CODE.fullmatch(code) for code in codes):
        return None
    return [f'%"{code}"%' for code in codes]


def _departments_in(org: Mapping[str, Any], units: set[str]) -> dict[str, str]:
    """department code → its parent, of the departments of ``units`` among the org units ``org``."""
    return {str(code): str(u.parent) for code, u in org.items()
            if u.parent in units and u.kind == "department"}


def _holders(wanted: set[str], parent: Mapping[str, str],
             rows: Sequence[Any]) -> dict[str, list[tuple[str, str]]]:
    """``group_holders_in``'s answer from the active staff rows (login, name, unit, roles) of the units,
    by login."""
    out: dict[str, list[tuple[str, str]]] = {g: [] for g in wanted}
    for login, name, unit, roles in rows:
        for role in roles or []:
            homes = [role] if "@" in role else [f"{role}@{unit}"] + (
                [f"{role}@{parent[unit]}"] if unit in parent else [])
            for group in homes:
                if group in out and (login, name) not in out[group]:
                    out[group].append((login, name))
    return out


_NAMES_AND_HOLDERS = (  # built once (the case page's)
    select(Staff.login, Staff.name, Staff.unit, Staff.roles, Staff.active)
    .where(or_(Staff.login.in_(bindparam("logins", expanding=True)),
               and_(Staff.active.is_(True), Staff.unit.in_(bindparam("homes", expanding=True)))))
    .order_by(Staff.login))
_NAMES_AND_HOLDING: dict[int, Any] = {}  # built once per number of patterns (``_holding``)


def _names_and_holding(patterns: int) -> Any:
    """``_NAMES_AND_HOLDERS`` with the units' staff narrowed to those whose roles match one of
    ``patterns`` LIKE patterns (bound as ``p0``, ``p1``, ...)."""
    stmt = _NAMES_AND_HOLDING.get(patterns)
    if stmt is None:
        roles = cast(Staff.roles, Text)
        stmt = _NAMES_AND_HOLDING[patterns] = (
            select(Staff.login, Staff.name, Staff.unit, Staff.roles, Staff.active)
            .where(or_(Staff.login.in_(bindparam("logins", expanding=True)),
                       and_(Staff.active.is_(True), Staff.unit.in_(bindparam("homes", expanding=True)),
                            or_(*(roles.like(bindparam(f"p{i}")) for i in range(patterns))))))
            .order_by(Staff.login))
    return stmt


def names_and_holders(store: Store, logins: Sequence[str], groups: Sequence[str],
                      org: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """``staff_names(logins)`` and ``group_holders(groups, org)`` in one read of ``staff``: the rows of
    the logins and those of the active staff of the groups' units and their departments, by login (the
    case page read the names, then the holders)."""
    wanted = {g for g in groups if "@" in g}
    if not wanted or not logins:
        return staff_names(store, logins), group_holders(store, groups, org)
    units = {g.split("@", 1)[1] for g in wanted}
    parent = _departments_in(org, units)
    homes = units | set(parent)
    params: dict[str, Any] = {"logins": list(logins), "homes": sorted(homes)}
    holding = _holding(wanted)
    if holding is None:
        stmt = _NAMES_AND_HOLDERS
    else:
        stmt = _names_and_holding(len(holding))
        params.update((f"p{i}", pattern) for i, pattern in enumerate(holding))
    with store.read() as tx:
        rows = tx.conn.execute(stmt, params).all()
    named = set(logins)
    names = {login: name for login, name, _unit, _roles, _active in rows if login in named}
    held = [(login, name, unit, roles) for login, name, unit, roles, active in rows
            if active and unit in homes]
    return names, _holders(wanted, parent, held)


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


_NAMED_ATTACHMENTS = (  # built once (the case page's)
    select(*[getattr(Attachment, name) for name in _ATTACHMENT_FIELDS], Staff.name)
    .outerjoin(Staff, Staff.login == Attachment.uploaded_by)
    .where(Attachment.case_id == bindparam("case_id")).order_by(Attachment.id))


def named_attachments(store: Store, case_id: str) -> list[tuple[AttachmentRow, str]]:
    """A case's attachments, oldest first, each with its uploader's name (the login when no staff row
    has it), in one statement: the case page read the attachments, then their uploaders' names."""
    with store.read() as tx:
        out = []
        for row in tx.conn.execute(_NAMED_ATTACHMENTS, {"case_id": case_id}):
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
