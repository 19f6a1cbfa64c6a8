"""``ReportRepo``: the statistics' writes (``case_stats`` in each transition, stored reports) and the
monthly figures as SQL aggregates over an indexed range of ``case_stats.opened_at``.

Every figure is a ``COUNT``/``SUM``/``AVG`` grouped in the database; Python receives grouped rows,
never one row per case (except the list of complaints the report prints, fetched in one statement).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import RawCursor
from sqlalchemy import (
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    column,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    text,
    true,
    tuple_,
    union_all,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement

from engine.store.repo import Tx
from engine.store.report_models import (
    CELL_COUNTERS,
    CELL_DIMENSIONS,
    CELL_SHARDS,
    DEADLINE_KINDS,
    CaseStats,
    CooperationPart,
    MonthlyReport,
    ReportCell,
    ReportCellZone,
)

__all__ = ["ReportRepo", "Scope", "StoredReport"]

STATS: Table = CaseStats.__table__  # type: ignore[assignment]
REPORTS: Table = MonthlyReport.__table__  # type: ignore[assignment]
CELLS: Table = ReportCell.__table__  # type: ignore[assignment]
ZONES: Table = ReportCellZone.__table__  # type: ignore[assignment]
PARTS: Table = CooperationPart.__table__  # type: ignore[assignment]
_GENERIC_PLAN = ("SELECT set_config('kefu.plan_cache_mode', current_setting('plan_cache_mode'), true), "
                 "set_config('plan_cache_mode', 'force_generic_plan', true)")
_PLAN_BACK = "SELECT set_config('plan_cache_mode', current_setting('kefu.plan_cache_mode'), true)"
CELL_KEY = ("zone", "month_start", "process_id", "dimension", "subsidiary", "project", "value", "shard")


@dataclass(frozen=True)
class _CellsStatement:
    """A facts write with its cells' upkeep as PostgreSQL runs it: ``sql`` with ``$1``, ``$2``… for the
    facts' values only (``names``, in that order), the statement's constants written into the text."""

    sql: bytes
    names: tuple[str, ...]
    processors: Mapping[str, Callable[[Any], Any]]

    def parameters(self, given: Mapping[str, Any]) -> list[Any]:
        processors = self.processors
        return [processors[name](given[name]) if name in processors else given[name] for name in self.names]


_PLACEHOLDER = re.compile(r"%\(([^)]+)\)s")
_SAFE_TEXT = re.compile(r"[A-Za-z0-9_ ]*")


def _cells_statement(stmt: Any, dialect: Dialect) -> _CellsStatement:
    """Compile ``stmt`` once into ``_CellsStatement``. SQLAlchemy makes every constant of the statement a
    bound parameter (the dimensions' names, each ``''`` and ``0``, the signs: over 130 of them, 25,000
    characters of text); with them psycopg parsed the text again at every call (it caches statements of
    at most 4,096 characters and 50 parameters) and dumped every constant. Each constant is written in
    the text as a literal, keeping the type SQLAlchemy cast it to (``'category'::VARCHAR``); a parameter
    ``fact_*`` becomes ``$n``. A constant that is neither a plain word nor an integer is refused."""
    compiled = stmt.compile(dialect=dialect)
    assert dialect.paramstyle == "pyformat", dialect.paramstyle
    constants = compiled.params
    processors = compiled._bind_processors  # noqa: SLF001 - what SQLAlchemy applies itself
    order: dict[str, str] = {}

    def place(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("fact_"):
            return order.setdefault(name, f"${len(order) + 1}")
        value = constants[name]
        if name in processors:
            raise ValueError(f"constant {name!r} of the cells' statement has a bind processor")
        if type(value) is int:
            return f"({value})" if value < 0 else str(value)
        if type(value) is str and _SAFE_TEXT.fullmatch(value):
            return f"'{value}'"
        raise ValueError(f"constant {name!r} of the cells' statement: {value!r} is not written as a literal")

    sql = _PLACEHOLDER.sub(place, compiled.string)
    if "%" in sql.replace("%%", ""):
        raise ValueError("the cells' statement has a placeholder left")
    sql = sql.replace("%%", "%")
    return _CellsStatement(sql.encode(), tuple(order), {n: p for n, p in processors.items() if n in order})


_COMPILED: dict[tuple[str, tuple[str, ...]], _CellsStatement] = {}  # the facts' writes, made once


@dataclass(frozen=True)
class Scope:
    """Which cases a report counts: a process, a unit (group: all) and a half-open time range."""

    process_id: str
    level: str  # group | subsidiary | project
    unit: str
    start: datetime
    end: datetime
    as_of: datetime  # figures "as at": the month's end, or now for the running month


@dataclass(frozen=True)
class StoredReport:
    """One stored version of a unit's month (without its Excel bytes)."""

    id: int
    unit: str
    month: str
    version: int
    generated_at: datetime
    generated_by: str
    frozen: bool
    figures: dict[str, Any]
    note: str | None


def _count(condition: ColumnElement[bool]) -> Any:
    """``COUNT(*) FILTER (WHERE condition)``: no CASE evaluated per row (PostgreSQL and SQLite ≥ 3.30)."""
    return func.count().filter(condition)


def _deadline(kind: str, at: Any, c: Any = STATS.c) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """A valid complaint's deadline of ``kind`` met in time, and fallen due by ``at`` and missed
    (``c``: the columns of ``case_stats`` or of a row of it; ``at`` a moment or an SQL expression)."""
    valid = c.valid.is_(True)
    due, done = c[f"{kind}_due"], c[f"{kind}_done"]
    on_time = and_(valid, done.is_not(None), done < at, due.is_not(None), done <= due)
    # A case closed before the deadline without the step (closed as unresolvable while the
    # work was under way) no longer had that deadline: neither in time nor late.
    moot = and_(done.is_(None), c.closed_at.is_not(None), c.closed_at <= due)
    late = and_(valid, due.is_not(None), due < at, not_(on_time), not_(moot))
    return on_time, late


def _conditions(c: Any, at: Any) -> dict[str, ColumnElement[bool]]:
    """What a case counts for as at ``at``: the one definition of the figures, read by ``figures``
    over a range of rows and by the cells' contributions (``at`` = the end of the case's month)."""
    valid = c.valid.is_(True)
    done = and_(c.closed_at.is_not(None), c.closed_at < at)
    closed = and_(valid, done)
    visited = and_(closed, c.visited_at.is_not(None), c.visited_at < at)
    out = {"valid": valid, "closed": closed, "done": done,
           "unresolvable": and_(closed, c.outcome == "unresolvable"), "visited": visited,
           "handled": and_(closed, c.handling_minutes.is_not(None))}
    for kind in DEADLINE_KINDS:
        out[f"{kind}_on_time"], out[f"{kind}_late"] = _deadline(kind, at, c)
    return out


def _blank(column: Any) -> Any:
    """A key column of a cell: '' for NULL."""
    return func.coalesce(column, "")


_BREAKDOWNS = [d for d in CELL_DIMENSIONS if d not in ("", "satisfaction")]


def _contributions(c: Any, source: Any, sign: int) -> Select[Any]:
    """Per case row ``c`` of ``source`` (``case_stats`` or a CTE of it) and kept zone: the cell keys of
    its receipt month in that zone and what it adds to each counter as at that month's end (``sign``
    -1: what it takes away)."""
    zone = ZONES.c.zone
    local = func.date_trunc("month", func.timezone(zone, c.opened_at))
    end = func.timezone(zone, local + func.make_interval(0, 1))
    at = (select(*[c[col.key] for col in STATS.c], zone.label("zone"),
                 func.timezone(zone, local).label("month_start"), end.label("month_end"))
          .select_from(source).subquery("facts_at"))
    r = at.c
    conditions = _conditions(r, r.month_end)
    one = literal(sign, Integer)
    counters: dict[str, Any] = {name: case((conditions[name], one), else_=0)
                                for name in CELL_COUNTERS if name in conditions}
    counters["received"] = one
    counters["handling_minutes"] = case((conditions["closed"], func.coalesce(r.handling_minutes, 0) * one),
                                        else_=0)
    return select(r.zone, r.month_start, r.process_id, _blank(r.subsidiary).label("subsidiary"),
                  _blank(r.project).label("project"),
                  func.hashtext(r.case_id).op("&")(CELL_SHARDS - 1).label("shard"),
                  *[_blank(r[dim]).label(dim) for dim in CELL_DIMENSIONS if dim],
                  *[counters[name].label(name) for name in CELL_COUNTERS])


def _cell_rows(rows: Any) -> Any:
    """The cell rows of contributions ``rows`` (``_contributions``): each case's totals' row and one
    row per breakdown (its value; ``valid`` counted, ``visited`` for the satisfaction)."""
    dims = values(column("dimension", String), name="dims").data([(d,) for d in CELL_DIMENSIONS])
    dim = dims.c.dimension
    value = case(*[(dim == name, rows.c[name]) for name in CELL_DIMENSIONS if name], else_="")
    # (equalities, not IN: the statement is compiled once and run without SQLAlchemy's expanding lists)
    counted = {"valid": or_(*[dim == d for d in ("", *_BREAKDOWNS)]),
               "visited": or_(dim == "", dim == "satisfaction")}
    out = [case((counted.get(name, dim == ""), rows.c[name]), else_=0).label(name) for name in CELL_COUNTERS]
    return (select(rows.c.zone, rows.c.month_start, rows.c.process_id, dim.label("dimension"),
                   rows.c.subsidiary, rows.c.project, value.label("value"), rows.c.shard, *out)
            .select_from(rows.join(dims, true())).subquery("delta"))


def _page(stmt: Any, limit: int | None, offset: int) -> Any:
    """``stmt`` limited to one page (``LIMIT``/``OFFSET``), or whole when ``limit`` is None."""
    if limit is not None:
        stmt = stmt.limit(limit)
    return stmt.offset(offset) if offset else stmt


def _score(scores: dict[str, int]) -> Any:
    """The score of a case's recorded satisfaction (NULL when it has none of the scale's)."""
    c = STATS.c
    if not scores:
        return literal(None, Integer)
    return case(*[(c.satisfaction == code, value) for code, value in scores.items()], else_=None)


def _upsert_cells(delta: Any) -> Any:
    """Sum ``delta`` (rows of contributions) per cell and add the sums to ``report_cells``."""
    sums = [func.sum(delta.c[name]).label(name) for name in CELL_COUNTERS]
    key = [delta.c[name] for name in CELL_KEY]
    grouped = (select(*key, *sums).group_by(*key)
               .having(or_(*[func.sum(delta.c[name]) != 0 for name in CELL_COUNTERS])).order_by(*key))
    stmt = pg_insert(CELLS).from_select([*CELL_KEY, *CELL_COUNTERS], grouped)
    add = {name: CELLS.c[name] + stmt.excluded[name] for name in CELL_COUNTERS}
    return stmt.on_conflict_do_update(index_elements=list(CELL_KEY), set_=add)


_TOTALS = ("valid", "closed", "unresolvable", "visited", "handled")


def _figures(row: Any, satisfaction: dict[str, int]) -> dict[str, Any]:
    """The totals of ``figures`` from a row of sums (of the rows, or of the cells)."""
    out: dict[str, Any] = {k: int(row[k] or 0) for k in ("received", *_TOTALS, "handling_minutes")}
    out["satisfaction"] = satisfaction
    out["deadlines"] = {kind: {part: int(row[f"{kind}_{part}"] or 0) for part in ("on_time", "late")}
                        for kind in DEADLINE_KINDS}
    return out


class ReportRepo:
    """Statistics queries and writes on an open ``Tx``."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.conn = tx.conn
        self._kept: dict[str, bool] = {}  # zones whose cells are kept, as read in this transaction

    # -- facts -------------------------------------------------------------------------------------
    def insert_facts(self, values: dict[str, Any]) -> None:
        """The first row of a case's facts (when it is opened); on PostgreSQL the same statement adds
        it to its month's cells."""
        if self.tx.dialect != "postgresql":
            self.conn.execute(insert(STATS).values(**values))
            return
        self._execute_cells("insert", values)

    def update_facts(self, case_id: str, values: dict[str, Any]) -> None:
        """The facts a later transition changes; on PostgreSQL the same statement moves the case's
        contribution in the cells (old row out, new row in; only cells whose sums change are written)."""
        if not values:
            return
        if self.tx.dialect != "postgresql":
            self.conn.execute(update(STATS).where(STATS.c.case_id == case_id).values(**values))
            return
        self._execute_cells("update", values, case_id)

    def _execute_cells(self, kind: str, values: dict[str, Any], case_id: str | None = None) -> None:
        """Run the write of ``kind`` with the cells' upkeep. The statement (a few hundred lines of SQL
        that SQLAlchemy cannot cache: ``ON CONFLICT DO UPDATE``) is made once per kind and set of
        columns (``_cells_statement``): PostgreSQL's text with only the facts' values as parameters,
        sent as it is; each call passes the values through their columns' bind processing."""
        key = (kind, tuple(sorted(values)))
        statement = _COMPILED.get(key)
        if statement is None:
            binds = {name: bindparam(f"fact_{name}", type_=STATS.c[name].type) for name in key[1]}
            if kind == "insert":
                new = insert(STATS).values(binds).returning(*STATS.c).cte("new_facts")
                stmt = self._cell_delta([(new, 1)]).add_cte(new)
            else:
                # Every part of one statement reads the same snapshot: ``old_facts`` is the row before.
                where = STATS.c.case_id == bindparam("fact_key", type_=STATS.c.case_id.type)
                old = select(STATS).where(where).cte("old_facts")
                new = update(STATS).where(where).values(binds).returning(*STATS.c).cte("new_facts")
                stmt = self._cell_delta([(old, -1), (new, 1)]).add_cte(old, new)
            statement = _COMPILED[key] = _cells_statement(stmt, self.conn.dialect)
        given = {f"fact_{name}": value for name, value in values.items()}
        if case_id is not None:
            given["fact_key"] = case_id
        params = statement.parameters(given)
        # Prepared on the connection (psycopg) with one generic plan: planning it for each case's values
        # (which PostgreSQL kept doing) cost 3–5 ms a transition, running it 0.5–1 ms. The plan mode is
        # set for this statement only (the setting before is put back); all go in one round trip
        # (pipeline). An update first locks the row (a transition holds its case's lock already; any
        # other writer waits here), so the statement's snapshot, taken after, has the row as it
        # stands: the contribution taken out is the one that was added (with only the UPDATE waiting,
        # a concurrent writer's version would be updated but the older one taken out). Inside the
        # step's pipeline (``CaseTx.case_writes``) they join it: no round trip of their own.
        driver: Any = self.conn.connection.driver_connection
        with nullcontext() if driver._pipeline is not None else driver.pipeline():  # noqa: SLF001
            if case_id is not None:
                driver.execute("SELECT 1 FROM case_stats WHERE case_id = %s FOR UPDATE", [case_id],
                               prepare=True)
            driver.execute(_GENERIC_PLAN)
            # its text is PostgreSQL's own ($1, $2…): a raw cursor sends it without parsing it again
            RawCursor(driver).execute(statement.sql, params, prepare=True)
            driver.execute(_PLAN_BACK)

    @staticmethod
    def _cell_delta(rows: Sequence[tuple[Any, int]]) -> Any:
        """``INSERT … ON CONFLICT DO UPDATE`` adding to ``report_cells``, in every kept zone, the sums
        of the contributions of ``rows`` (CTEs of ``case_stats`` rows, each with its sign); cells whose
        sum does not change are left alone, the others are locked in key order."""
        parts = [_contributions(cte.c, cte.join(ZONES, true()), sign) for cte, sign in rows]
        return _upsert_cells(_cell_rows(union_all(*parts).subquery("facts_rows")))

    # -- cells -------------------------------------------------------------------------------------
    def cells_kept(self, zone: str) -> bool:
        """PostgreSQL: True when the cells are kept for ``zone`` (built, and written by every write)."""
        if self.tx.dialect != "postgresql":
            return False
        if zone not in self._kept:
            found = self.conn.execute(select(literal(1)).where(ZONES.c.zone == zone)).first()
            self._kept[zone] = found is not None
        return self._kept[zone]

    def build_cells(self, zone: str, now: datetime) -> bool:
        """PostgreSQL: start keeping the cells for ``zone``: register it and sum every case's
        contribution in one statement (seconds for a million cases). ``case_stats`` is locked against
        writes meanwhile (``SHARE``: a write waits until this commits, then keeps the zone's cells too;
        a write under way finishes first, so the sums include it). False when already kept."""
        if self.tx.dialect != "postgresql" or self.cells_kept(zone):
            return False  # (kept: no lock taken, so a kefu init on a running system stops no one)
        self.conn.execute(text("LOCK TABLE case_stats IN SHARE MODE"))
        self._kept.pop(zone, None)
        if self.cells_kept(zone):  # built meanwhile by another process
            return False
        self.conn.execute(insert(ZONES).values(zone=zone, built_at=now))
        self._kept[zone] = True
        source = STATS.join(ZONES, ZONES.c.zone == zone)
        rows = _contributions(STATS.c, source, 1).subquery("facts_rows")
        self.conn.execute(_upsert_cells(_cell_rows(rows)))
        self.conn.execute(text("ANALYZE report_cells"))
        return True

    def record_cooperation(self, case_id: str, opened: Sequence[tuple[str, str, datetime | None]],
                           confirmed: Sequence[tuple[str, datetime]]) -> None:
        """R2.4 the cooperating departments' steps this transition opened (task id, department, due
        time) and confirmed (task id, when): the rows of the per-department figures."""
        if opened:
            self.conn.execute(insert(PARTS), [
                {"task_id": task_id, "case_id": case_id, "department": department, "due_at": due,
                 "done_at": None} for task_id, department, due in opened])
        for task_id, at in confirmed:
            self.conn.execute(update(PARTS).where(PARTS.c.task_id == task_id).values(done_at=at))

    def cooperation_by_department(self, scope: Scope) -> list[tuple[str, int, int]]:
        """R2.4 per cooperating department, over the scope's valid complaints: the parts met in time
        and the parts late as at ``as_of`` (confirmed late, still open past their due time, or ended
        unconfirmed with the complaint after it), judged as the ``cooperation`` kind judges the last one;
        one grouped statement."""
        p, c, at = PARTS.c, STATS.c, scope.as_of
        on_time = and_(p.done_at.is_not(None), p.done_at < at, p.due_at.is_not(None), p.done_at <= p.due_at)
        moot = and_(p.done_at.is_(None), c.closed_at.is_not(None), c.closed_at <= p.due_at)
        late = and_(p.due_at.is_not(None), p.due_at < at, not_(on_time), not_(moot))
        stmt = (select(p.department, _count(on_time), _count(late))
                .select_from(PARTS.join(STATS, STATS.c.case_id == p.case_id))
                .where(*self._where(scope, valid_only=True)).group_by(p.department).order_by(p.department))
        return [(str(d), int(a), int(b)) for d, a, b in self.conn.execute(stmt)]

    def has_facts(self, case_id: str) -> bool:
        """True when the case has its row (``backfill`` skips it)."""
        return self.conn.execute(select(literal(1)).where(STATS.c.case_id == case_id)).first() is not None

    def cases_without_facts(self) -> list[str]:
        """Ids of cases that have no row yet (opened before migration 0014)."""
        from engine.store.models import Case

        cases: Table = Case.__table__  # type: ignore[assignment]
        stmt = (select(cases.c.id).select_from(cases.outerjoin(STATS, STATS.c.case_id == cases.c.id))
                .where(STATS.c.case_id.is_(None)).order_by(cases.c.opened_at))
        return [r[0] for r in self.conn.execute(stmt)]

    # -- figures -----------------------------------------------------------------------------------
    def serial(self) -> None:
        """PostgreSQL: no parallel workers for the rest of this transaction. A report reads one
        month's index range, thousands of rows at most; starting two workers for it (which the planner
        does for the repairs' and consultations' counts of a big month) cost about 8 ms of the 12 the
        statement took (issue 16, EXPLAIN ANALYZE over 1,000,000 cases)."""
        self.tx.set_local("max_parallel_workers_per_gather", "0")

    def _where(self, scope: Scope, process_id: str | None = None, *,
               valid_only: bool = False) -> list[ColumnElement[bool]]:
        out = [STATS.c.process_id == (process_id or scope.process_id), STATS.c.opened_at >= scope.start,
               STATS.c.opened_at < scope.end]
        if valid_only:
            out.append(STATS.c.valid.is_(True))
        if scope.level == "subsidiary":
            out.append(STATS.c.subsidiary == scope.unit)
        elif scope.level == "project":
            out.append(STATS.c.project == scope.unit)
        return out

    def figures(self, scope: Scope, satisfaction: Sequence[str]) -> dict[str, Any]:
        """One pass over the scope's complaints: the totals, each deadline kind's on-time and late
        counts, and the return visits by ``satisfaction`` code (of the valid ones closed by then)."""
        c = STATS.c
        conditions = _conditions(c, scope.as_of)
        columns = [
            func.count().label("received"),
            *[_count(conditions[name]).label(name) for name in _TOTALS if name in conditions],
            func.sum(c.handling_minutes).filter(conditions["closed"]).label("handling_minutes"),
            *[_count(and_(conditions["visited"], c.satisfaction == code)).label(f"satisfaction_{i}")
              for i, code in enumerate(satisfaction)],
            *[_count(conditions[f"{kind}_{part}"]).label(f"{kind}_{part}")
              for kind in DEADLINE_KINDS for part in ("on_time", "late")],
        ]
        row = self.conn.execute(select(*columns).where(*self._where(scope))).one()._mapping
        return _figures(row, {code: int(row[f"satisfaction_{i}"]) for i, code in enumerate(satisfaction)})

    def month_cells(self, scope: Scope, zone: str) -> bool:
        """True when the scope's figures can be read from the cells: PostgreSQL, a closed calendar
        month in ``zone`` (figures as at its end) and the cells kept for the zone."""
        return scope.as_of == scope.end and self.cells_kept(zone)

    def month_figures(self, scope: Scope, zone: str, satisfaction: Sequence[str]) -> dict[str, Any]:
        """``figures`` of a calendar month in ``zone``: from its cells when ``month_cells``, else from
        its rows."""
        if self.month_cells(scope, zone):
            return self.cell_figures(scope, zone, satisfaction)
        return self.figures(scope, satisfaction)

    def _cells(self, scope: Scope, zone: str, dimension: str, process_id: str | None = None) -> list[Any]:
        out = [CELLS.c.zone == zone, CELLS.c.month_start == scope.start,
               CELLS.c.process_id == (process_id or scope.process_id), CELLS.c.dimension == dimension]
        if scope.level in ("subsidiary", "project"):
            out.append(CELLS.c[scope.level] == scope.unit)
        return out

    def cell_month(self, scope: Scope, zone: str, satisfaction: Sequence[str],
                   process_ids: Sequence[str]) -> tuple[dict[str, Any], dict[str, list[tuple[Any, ...]]],
                                                        dict[str, dict[str, int]]]:
        """A closed month (``month_cells``) from its cells in two statements: ``figures``,
        ``breakdowns`` and ``process_totals`` of ``process_ids``, exactly as from its rows."""
        c = CELLS.c
        where = self._cells(scope, zone, "")
        sums = [func.sum(c[name]).label(name) for name in CELL_COUNTERS]
        stmt = (select(c.process_id, *sums)
                .where(*where[:2], c.process_id.in_([scope.process_id, *process_ids]), *where[3:])
                .group_by(c.process_id))
        rows = {r.process_id: r._mapping for r in self.conn.execute(stmt)}
        n = func.sum(case((c.dimension == "satisfaction", c.visited), else_=c.valid))
        project = case((c.dimension == "category", c.project), else_="")
        stmt = (select(c.dimension, project.label("project"), c.value, n)
                .where(*where[:3], c.dimension.in_([*_BREAKDOWNS, "satisfaction"]), *where[4:])
                .group_by(c.dimension, project, c.value).having(n > 0))
        breakdowns: dict[str, list[tuple[Any, ...]]] = {"project_category": [], "channel": [], "urgency": [],
                                                        "responsible_department": []}
        scored: dict[str, int] = {}
        for dim, place, value, count in self.conn.execute(stmt):
            if dim == "category":
                breakdowns["project_category"].append((place or None, value or None, int(count)))
            elif dim == "satisfaction":
                scored[value] = int(count)
            else:
                breakdowns[dim].append((value or None, int(count)))
        empty = dict.fromkeys(CELL_COUNTERS, 0)
        totals = _figures(rows.get(scope.process_id, empty),
                          {code: scored.get(code, 0) for code in satisfaction})
        others = {}
        for pid in process_ids:
            row = rows.get(pid, empty)
            received, done = int(row["received"] or 0), int(row["done"] or 0)
            others[pid] = {"received": received, "closed": done, "open": received - done}
        return totals, breakdowns, others

    def cell_figures(self, scope: Scope, zone: str, satisfaction: Sequence[str]) -> dict[str, Any]:
        """``figures`` of a closed month (``month_cells``) summed from its cells."""
        return self.cell_month(scope, zone, satisfaction, [])[0]

    def breakdowns(self, scope: Scope) -> dict[str, list[tuple[Any, ...]]]:
        """The valid complaints counted by project × category, channel, urgency and responsible
        department: one statement (PostgreSQL: ``GROUPING SETS``, one pass; SQLite, which has none: a
        ``UNION ALL`` of the four groupings)."""
        c = STATS.c
        where = self._where(scope, valid_only=True)
        out: dict[str, list[tuple[Any, ...]]] = {"project_category": [], "channel": [], "urgency": [],
                                                 "responsible_department": []}
        if self.tx.dialect == "postgresql":  # one pass over the month's rows: GROUPING SETS
            cols = (c.project, c.category, c.channel, c.urgency, c.responsible_department)
            sets = func.grouping_sets(tuple_(c.project, c.category), tuple_(c.channel), tuple_(c.urgency),
                                      tuple_(c.responsible_department))
            # GROUPING(…) has a 1 bit for each column a row is not grouped by (first column = highest bit)
            which = {0b00111: "project_category", 0b11011: "channel", 0b11101: "urgency",
                     0b11110: "responsible_department"}
            stmt = select(func.grouping(*cols), *cols, func.count()).where(*where).group_by(sets)
            for bits, project, category, channel, urgency, department, n in self.conn.execute(stmt):
                dim = which[int(bits)]
                if dim == "project_category":
                    out[dim].append((project, category, int(n)))
                else:
                    out[dim].append(({"channel": channel, "urgency": urgency}.get(dim, department), int(n)))
            return out
        blank = literal(None, String)
        parts = [
            select(literal("project_category").label("dim"), c.project.label("a"), c.category.label("b"),
                   func.count().label("n")).where(*where).group_by(c.project, c.category),
            *[select(literal(name).label("dim"), c[name].label("a"), blank.label("b"),
                     func.count().label("n")).where(*where).group_by(c[name])
              for name in ("channel", "urgency", "responsible_department")],
        ]
        for dim, a, b, n in self.conn.execute(union_all(*parts)):
            out[dim].append((a, b, int(n)) if dim == "project_category" else (a, int(n)))
        return out

    def unit_scores(self, scope: Scope, by: str, efficient_minutes: int,
                    scores: dict[str, int]) -> list[dict[str, Any]]:
        """Per ``by`` (``subsidiary`` or ``project``) within the scope, one grouped statement: valid
        complaints, completion deadlines fallen due and met, closed ones and those handled within
        ``efficient_minutes`` working minutes, return visits scored and the sum of their scores."""
        c, at = STATS.c, scope.as_of
        valid = c.valid.is_(True)
        closed = and_(valid, c.closed_at.is_not(None), c.closed_at < at)
        visited = and_(closed, c.visited_at.is_not(None), c.visited_at < at)
        score = _score(scores)
        on_time, late = _deadline("completion", at)
        column = c[by]
        stmt = (select(column.label("unit"), _count(valid).label("valid"), _count(on_time).label("on_time"),
                       _count(late).label("late"), _count(closed).label("closed"),
                       _count(and_(closed, c.handling_minutes <= efficient_minutes)).label("efficient"),
                       _count(and_(visited, score.is_not(None))).label("visited"),
                       func.coalesce(func.sum(case((visited, score), else_=None)), 0).label("score_sum"))
                .where(*self._where(scope), column.is_not(None)).group_by(column))
        return [{k: (int(v) if k != "unit" else v) for k, v in r._mapping.items()}
                for r in self.conn.execute(stmt)]

    def specialist_ratings(self, process_ids: Sequence[str], start: datetime, end: datetime, as_of: datetime,
                           scores: dict[str, int]) -> list[tuple[str, int, int]]:
        """(first receiver, rated cases, sum of scores) over every valid case received in
        [start, end) whose return visit was recorded by ``as_of`` with a scored satisfaction: the
        customers' rating of the CS specialist who received them (R7.2), grouped in the database."""
        c = STATS.c
        score = _score(scores)
        rated = and_(c.valid.is_(True), c.visited_at.is_not(None), c.visited_at < as_of, score.is_not(None),
                     c.first_receiver.is_not(None))
        stmt = (select(c.first_receiver, func.count(), func.sum(score))
                .where(c.process_id.in_(list(process_ids)), c.opened_at >= start, c.opened_at < end, rated)
                .group_by(c.first_receiver))
        return [(r[0], int(r[1]), int(r[2] or 0)) for r in self.conn.execute(stmt)]

    def process_totals(self, scope: Scope, process_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """Received, closed (by the report's moment) and open cases of other processes in the scope."""
        c = STATS.c
        closed = and_(c.closed_at.is_not(None), c.closed_at < scope.as_of)
        found = {pid: {"received": 0, "closed": 0, "open": 0} for pid in process_ids}
        # one indexed range per process, in one statement
        parts = [select(literal(pid).label("pid"), func.count().label("n"), _count(closed).label("done"))
                 .where(*self._where(scope, pid)) for pid in process_ids]
        for pid, received, done in self.conn.execute(union_all(*parts)):
            found[pid] = {"received": int(received), "closed": int(done), "open": int(received) - int(done)}
        return found

    def complaints(self, scope: Scope, limit: int | None = None, offset: int = 0) -> list[tuple[Any, ...]]:
        """The scope's complaints in receipt order: (number, project, category, opened_at, content,
        corrective, valid, closed by the report's moment, outcome); ``limit`` rows from ``offset``
        (every row when ``limit`` is None)."""
        c = STATS.c
        closed = and_(c.closed_at.is_not(None), c.closed_at < scope.as_of)
        stmt = (select(c.number, c.project, c.category, c.opened_at, c.content, c.corrective, c.valid,
                       case((closed, True), else_=False), c.outcome)
                .where(*self._where(scope)).order_by(c.opened_at, c.number))
        return [tuple(r) for r in self.conn.execute(_page(stmt, limit, offset))]

    def complaint_count(self, scope: Scope) -> int:
        """How many complaints the scope lists (valid or not): the total of the paginated list."""
        return int(self.conn.execute(select(func.count()).where(*self._where(scope))).scalar() or 0)

    def complaint_items(self, scope: Scope, zone: Any, limit: int | None = None,
                        offset: int = 0) -> list[dict[str, Any]]:
        """The report's list of the scope's complaints, in receipt order (received_at, then the case
        number: a stable order, so pages never overlap or skip), as JSON-ready dicts: number, project,
        category, received_at (ISO 8601 in ``zone``), content, corrective, valid, closed (by the
        report's moment), outcome; ``limit`` of them from ``offset`` (all when ``limit`` is None). On
        PostgreSQL the database formats each row (``to_char`` in the zone); elsewhere the rows are
        formatted here."""
        if limit == 0:
            return []
        c = STATS.c
        closed = and_(c.closed_at.is_not(None), c.closed_at < scope.as_of)
        if self.tx.dialect == "postgresql":
            # The database formats what Python would per row (the time in the zone, blanks for NULLs), so
            # the rows arrive as plain text and booleans and become dicts by name: no datetime decoded,
            # converted and formatted per complaint. to_char uses the session zone, set for this
            # transaction only.
            self.tx.set_local("TimeZone", str(zone))
            stmt = (select(c.number, c.project, c.category,
                           func.to_char(c.opened_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM').label("received_at"),
                           func.coalesce(c.content, "").label("content"),
                           func.coalesce(c.corrective, "").label("corrective"),
                           func.coalesce(c.valid, False).label("valid"), closed.label("closed"), c.outcome)
                    .where(*self._where(scope)).order_by(c.opened_at, c.number))
            result = self.conn.execute(_page(stmt, limit, offset))
            keys = list(result.keys())
            return [dict(zip(keys, row, strict=True)) for row in result]
        return [{"number": number, "project": project, "category": category,
                 "received_at": opened.astimezone(zone).isoformat(timespec="seconds"),
                 "content": content or "", "corrective": corrective or "", "valid": bool(valid),
                 "closed": bool(done), "outcome": outcome}
                for (number, project, category, opened, content, corrective, valid, done, outcome)
                in self.complaints(scope, limit, offset)]

    def unresolvable(self, scope: Scope) -> list[tuple[Any, ...]]:
        """The scope's valid complaints closed as unresolvable by the report's moment, in receipt order:
        (number, project, category, opened_at, closed_at, content, corrective)."""
        c = STATS.c
        stmt = (select(c.number, c.project, c.category, c.opened_at, c.closed_at, c.content, c.corrective)
                .where(*self._where(scope, valid_only=True), c.outcome == "unresolvable",
                       c.closed_at.is_not(None), c.closed_at < scope.as_of).order_by(c.opened_at, c.number))
        return [tuple(r) for r in self.conn.execute(stmt)]

    # -- stored reports ----------------------------------------------------------------------------
    def reports(self, unit: str | None = None, month: str | None = None) -> list[StoredReport]:
        """Stored versions, newest month and version first."""
        cols = [col for col in REPORTS.c if col.key != "xlsx"]
        stmt = select(*cols)
        if unit is not None:
            stmt = stmt.where(REPORTS.c.unit == unit)
        if month is not None:
            stmt = stmt.where(REPORTS.c.month == month)
        stmt = stmt.order_by(REPORTS.c.month.desc(), REPORTS.c.unit, REPORTS.c.version.desc())
        return [StoredReport(**r._mapping) for r in self.conn.execute(stmt)]

    def units_with_reports(self, units: Sequence[str]) -> list[tuple[str, str]]:
        """(unit, month) pairs stored for ``units``."""
        stmt = select(REPORTS.c.unit, REPORTS.c.month).where(REPORTS.c.unit.in_(list(units))).distinct()
        return [(r[0], r[1]) for r in self.conn.execute(stmt)]

    def add_report(self, *, unit: str, month: str, generated_at: datetime, generated_by: str, frozen: bool,
                   figures: dict[str, Any], xlsx: bytes, note: str | None = None) -> int:
        """Store a new version of a unit's month; returns its version number."""
        latest = self.conn.execute(select(func.max(REPORTS.c.version)).where(
            REPORTS.c.unit == unit, REPORTS.c.month == month)).scalar()
        version = int(latest or 0) + 1
        self.conn.execute(insert(REPORTS).values(unit=unit, month=month, version=version,
                                                 generated_at=generated_at, generated_by=generated_by,
                                                 frozen=frozen, figures=figures, xlsx=xlsx, note=note))
        return version

    def report_xlsx(self, unit: str, month: str, version: int) -> bytes | None:
        """The Excel file of one stored version."""
        value = self.conn.execute(select(REPORTS.c.xlsx).where(
            REPORTS.c.unit == unit, REPORTS.c.month == month, REPORTS.c.version == version)).scalar()
        return bytes(value) if value is not None else None
