"""``ReportRepo``: the statistics' writes (``case_stats`` in each transition, stored reports) and the
monthly figures as SQL aggregates over an indexed range of ``case_stats.opened_at``.

Every figure is a ``COUNT``/``SUM``/``AVG`` grouped in the database; Python receives grouped rows,
never one row per case (except the list of complaints the report prints, fetched in one statement).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Table,
    and_,
    case,
    func,
    insert,
    literal,
    not_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from engine.store.repo import Tx
from engine.store.report_models import DEADLINE_KINDS, CaseStats, MonthlyReport

__all__ = ["ReportRepo", "Scope", "StoredReport"]

STATS: Table = CaseStats.__table__  # type: ignore[assignment]
REPORTS: Table = MonthlyReport.__table__  # type: ignore[assignment]


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


def _deadline(kind: str, at: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """A valid complaint's deadline of ``kind`` met in time, and fallen due by ``at`` and missed."""
    c = STATS.c
    valid = c.valid.is_(True)
    due, done = c[f"{kind}_due"], c[f"{kind}_done"]
    on_time = and_(valid, done.is_not(None), done < at, due.is_not(None), done <= due)
    # A case closed before the deadline without the step (closed as unresolvable while the
    # work was under way) no longer had that deadline: neither in time nor late.
    moot = and_(done.is_(None), c.closed_at.is_not(None), c.closed_at <= due)
    late = and_(valid, due.is_not(None), due < at, not_(on_time), not_(moot))
    return on_time, late


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


class ReportRepo:
    """Statistics queries and writes on an open ``Tx``."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.conn = tx.conn

    # -- facts -------------------------------------------------------------------------------------
    def insert_facts(self, values: dict[str, Any]) -> None:
        """The first row of a case's facts (when it is opened)."""
        self.conn.execute(insert(STATS).values(**values))

    def update_facts(self, case_id: str, values: dict[str, Any]) -> None:
        """The facts a later transition changes."""
        if values:
            self.conn.execute(update(STATS).where(STATS.c.case_id == case_id).values(**values))

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
        c, at = STATS.c, scope.as_of
        valid = c.valid.is_(True)
        closed = and_(valid, c.closed_at.is_not(None), c.closed_at < at)
        visited = and_(closed, c.visited_at.is_not(None), c.visited_at < at)
        columns = [
            func.count().label("received"),
            _count(valid).label("valid"),
            _count(closed).label("closed"),
            _count(and_(closed, c.outcome == "unresolvable")).label("unresolvable"),
            _count(visited).label("visited"),
            func.sum(c.handling_minutes).filter(closed).label("handling_minutes"),
            _count(and_(closed, c.handling_minutes.is_not(None))).label("handled"),
            *[_count(and_(visited, c.satisfaction == code)).label(f"satisfaction_{i}")
              for i, code in enumerate(satisfaction)],
        ]
        for kind in DEADLINE_KINDS:
            on_time, late = _deadline(kind, at)
            columns += [_count(on_time).label(f"{kind}_on_time"), _count(late).label(f"{kind}_late")]
        row = self.conn.execute(select(*columns).where(*self._where(scope))).one()._mapping
        out: dict[str, Any] = {k: int(row[k] or 0) for k in
                               ("received", "valid", "closed", "unresolvable", "visited", "handling_minutes",
                                "handled")}
        out["satisfaction"] = {code: int(row[f"satisfaction_{i}"]) for i, code in enumerate(satisfaction)}
        out["deadlines"] = {kind: {"on_time": int(row[f"{kind}_on_time"]), "late": int(row[f"{kind}_late"])}
                            for kind in DEADLINE_KINDS}
        return out

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
