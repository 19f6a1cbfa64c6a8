"""The inbox's statements (issue 18): built once per shape and run with bound parameters, they give the
rows, totals and tab counts the statements built on every request gave, on both databases; the
reference below is the per-request construction as it was (web_queries at 19edeea)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Select, and_, event, false, func, insert, literal_column, or_, select, true, update
from sqlalchemy.sql.elements import ColumnElement

from engine.store import web_queries as wq
from engine.store.models import Case, InboxTask
from engine.store.records import TaskRecord
from engine.store.repo_cases import live_tasks
from engine.store.web_queries import COUNT_CAP, SORTS, VIEWS, InboxFilter, InboxResult, InboxScope

COMPLAINT = {"customer_name": "张先生", "customer_phone": "13812345678", "room": "3-1-1202",
             "description": "卫生间漏水", "customer_request": "尽快维修", "channel": "phone",
             "category": "facilities", "urgency": "normal", "scope": "household", "severity": "general",
             "read_back_confirmed": True}
_TASK_FIELDS = tuple(c.key for c in InboxTask.__table__.columns)


# -- the reference: the statements as inbox_page built them on every request -------------------------
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


def reference_inbox_page(store: Any, scope: InboxScope, view: str, flt: InboxFilter, now: datetime,
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



# -- the data: a few real cases and many inbox rows in every combination the clauses tell apart --------
SPECS = ("A", "B")


@pytest.fixture
def inbox(runtime, store, clock):  # type: ignore[no-untyped-def]
    numbers = [runtime.open_case("complaint", {**COMPLAINT, "project": project}, "wang.fang").number
               for project in ("sz-property-lyc", "sz-property-lyc", "hn-region-bhw")]
    now = clock.now()
    with store.write() as tx:
        cases = [tx.session.scalar(select(Case.id).where(Case.number == n)) for n in numbers]
        # the first case has a timer due: its rows of spec "A" are hidden where the timer applies
        tx.session.execute(update(Case).where(Case.id == cases[0]).values(next_timer_at=now - timedelta(1)))
        tx.session.execute(update(Case).where(Case.id == cases[1]).values(next_timer_at=now + timedelta(1)))
        rows = []
        combos = itertools.product(
            (None, "wang.fang", "li.na"),
            ("cs-desk@sz-property-lyc", "other@sz-property", None),
            (None, -30, 5, 90),  # due: none, overdue, soon, later (hours)
            range(3),
        )
        for i, (assignee, group, due, case) in enumerate(combos):
            rows.append({
                "task_id": f"t{i:04d}", "case_id": cases[case], "task_spec": SPECS[i % 2], "title": "step",
                "lane": None, "role": None, "unit": None, "candidate_group": group, "assignee": assignee,
                "default_assignee": None, "claimed_at": None,
                "due_at": None if due is None else now + timedelta(hours=due, minutes=i % 7),
                "created_at": now - timedelta(minutes=i % 11, seconds=i),
                "number": ("TS-100%_" if i % 5 == 0 else "TS-") + f"{i % 13:03d}", "process_id": "complaint",
                "category": ("facilities", "service", None)[i % 3], "room": f"{i % 4}-1-120{i % 2}",
                "customer_name": ("张先生", "李_女士", "王%")[i % 3], "customer_phone": f"1380000{i % 6:04d}",
                "subsidiary": ("sz-property", "hn-region")[case // 2],
                "project": ("sz-property-lyc", "sz-property-lyc", "hn-region-bhw")[case],
                "status": "open", "provisional_year": None})
        tx.session.execute(insert(InboxTask), rows)
    return now


SCOPES = (
    InboxScope(login="wang.fang", groups=("cs-desk@sz-property-lyc",),
               units=(("project", "sz-property-lyc"),)),
    InboxScope(login="li.na", groups=("cs-desk@sz-property-lyc", "other@sz-property"),
               units=(("subsidiary", "sz-property"), ("project", "hn-region-bhw")), supervisor=True),
    InboxScope(login="zheng.xiaoyan", everything=True, supervisor=True),
    InboxScope(login="nobody"),
    InboxScope(login="li.na", groups=("other@sz-property",), supervisor=True),
)
FILTERS = (
    InboxFilter(),
    InboxFilter(per_page=4, page=3),
    InboxFilter(per_page=5, page=9),
    InboxFilter(q="100%_", per_page=3, page=2),
    InboxFilter(q="李_", category="facilities"),
    InboxFilter(q="王%"),
    InboxFilter(q=" 1-120 ", sort="-created", per_page=7, page=2),
    InboxFilter(category="service", sort="number", per_page=6, page=3),
    InboxFilter(sort="-due", per_page=10, page=2),
    InboxFilter(sort="created"),
    InboxFilter(sort="-number", q="0000"),
    InboxFilter(sort="nonsense", per_page=8, page=2),
)


def test_the_built_once_statements_give_what_the_per_request_ones_gave(store, inbox):  # type: ignore[no-untyped-def]
    compared = 0
    for scope, flt, view, interruptible in itertools.product(SCOPES, FILTERS, VIEWS, ((), SPECS[:1])):
        for now in (inbox, inbox + timedelta(hours=6)) if view == "overdue" else (inbox,):
            got = wq.inbox_page(store, scope, view, flt, now, interruptible)
            want = reference_inbox_page(store, scope, view, flt, now, live_tasks(now, interruptible))
            assert got == want, (scope, flt, view, interruptible, now)
            compared += bool(got.rows)
    assert compared >= 250  # of 600 combinations, these show rows


def test_the_inbox_statements_are_built_once(store, inbox):  # type: ignore[no-untyped-def]
    """Two pages of the same shape for other readers, searches and times run the very same statement
    objects (their cache keys are memoized on them): nothing is built or cache-keyed per request."""
    executed: list[list[int]] = [[], []]
    current: list[int] = []

    def record(_conn, clauseelement, _multiparams, _params, _options) -> None:  # type: ignore[no-untyped-def]
        current.append(id(clauseelement))

    event.listen(store.engine, "before_execute", record)
    try:
        for run, (scope, flt, now) in enumerate((
                (SCOPES[1], InboxFilter(q="李_", per_page=4, page=9), inbox),
                (InboxScope(login="wang.fang", groups=("x@y", "cs-desk@sz-property-lyc"),
                            units=(("subsidiary", "hn-region"), ("project", "sz-property-lyc")),
                            supervisor=True),
                 InboxFilter(q="张", per_page=4, page=9), inbox + timedelta(hours=3)))):
            current.clear()
            result = wq.inbox_page(store, scope, "overdue", flt, now, SPECS[:1])
            executed[run] = list(current)
            assert result.counts
    finally:
        event.remove(store.engine, "before_execute", record)
    # dated, count before, undated with the tabs (item 55: the tabs alone before), total
    assert len(executed[0]) == 4 and executed[0] == executed[1]


def test_the_bells_count_comes_with_the_tab_counts(store, inbox):  # type: ignore[no-untyped-def]
    """``unread=True`` adds the reader's unread notifications to the tab counts' statement: the count
    ``WorkerRepo.unread_count`` gives (read ones and other people's left out, stopping after 99)."""
    from engine.store.worker_repo import NOTES, WorkerRepo

    scope = SCOPES[0]

    def unread() -> tuple[int | None, int]:
        executed: list[str] = []

        def record(*args: Any) -> None:
            executed.append(str(args[2]))

        event.listen(store.engine, "before_cursor_execute", record)
        try:
            page = wq.inbox_page(store, scope, "queue", InboxFilter(), inbox, SPECS[:1], unread=True)
        finally:
            event.remove(store.engine, "before_cursor_execute", record)
        assert sum("FROM notifications" in s for s in executed) == 1
        assert not [s for s in executed if s.lstrip().startswith("SELECT count(*) AS count_1 FROM (SELECT")]
        with store.read() as tx:
            return page.unread, WorkerRepo(tx).unread_count(scope.login)

    assert unread() == (0, 0)
    assert wq.inbox_page(store, scope, "queue", InboxFilter(), inbox).unread is None
    rows = [{"key": f"n{i}", "recipient": who, "kind": "info", "title": "t", "body": "b", "case_number": None,
             "created_at": inbox, "read_at": inbox if i % 4 == 0 else None}
            for i, who in enumerate(["wang.fang"] * 9 + ["li.na"] * 3)]
    with store.write() as tx:
        tx.conn.execute(insert(NOTES), rows)
    assert unread() == (6, 6)
    with store.write() as tx:
        tx.conn.execute(insert(NOTES), [{**rows[1], "key": f"m{i}"} for i in range(120)])
    assert unread() == (100, 100)


def test_the_tab_counts_come_with_the_last_rows_statement_even_without_rows(  # type: ignore[no-untyped-def]
        store, inbox):
    """The tab counts (and the bell's) ride with the last rows statement of a page even when it brings no
    row (docs/scaling.md item 55): a view with no task runs its dated and undated rows statements and no
    counts statement of its own (three statements before), for every view and sort, and the rows, counts,
    total and unread count are the reference's; a page with rows reads as many statements as before."""
    empty = InboxScope(login="nobody.here", groups=("none@nowhere",))
    executed: list[str] = []

    def record(*args: Any) -> None:
        executed.append(str(args[2]))

    for view, sort in itertools.product(VIEWS, ["due", "-due", "created", "number"]):
        for scope in (empty, SCOPES[0]):
            flt = InboxFilter(sort=sort)
            executed.clear()
            event.listen(store.engine, "before_cursor_execute", record)
            try:
                got = wq.inbox_page(store, scope, view, flt, inbox, SPECS[:1], unread=True)
            finally:
                event.remove(store.engine, "before_cursor_execute", record)
            want = reference_inbox_page(store, scope, view, flt, inbox, live_tasks(inbox, SPECS[:1]))
            assert (got.rows, got.total, got.counts) == (want.rows, want.total, want.counts), (view, sort)
            assert got.unread == 0
            # the tab counts' statement alone: several counters and no task row (a filtered view's or the
            # "all" view's total, one counter, is read alone as before)
            alone = [s for s in executed if "count_2" in s and "task_id" not in s]
            assert not alone, (view, sort, scope.login, executed)
            if scope is empty:
                assert not got.rows
                total = 0 if view in got.counts else 1
                assert len(executed) == (2 if sort == "due" else 1) + total, (view, sort, executed)
