"""``WorkerRepo``: what the worker reads and writes inside one store transaction.

Claiming: a job run is inserted once per (job, unit, period) with ``ON CONFLICT DO NOTHING`` and
then taken with ``SELECT … FOR UPDATE SKIP LOCKED`` in the transaction that does the job's work, so
of several workers exactly one does it and a crash rolls the work back with the claim. Outbox rows
are leased the same way (``status = 'sending'`` until ``next_attempt_at``) so that no lock is held
while a message travels. On SQLite ``FOR UPDATE`` is not rendered; ``BEGIN IMMEDIATE`` serializes
the writers instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, Text, and_, bindparam, cast, func, or_, select, text, update
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.base import SQLiteDialect

from engine.store.audit import case_chain
from engine.store.models import AuditEvent, Case, InboxTask, OrgUnit, Staff
from engine.store.records import AuditRecord, CaseRecord, StaffRecord, TaskRecord
from engine.store.repo import Tx
from engine.store.worker_models import Alert, JobRun, Notification, OutboxMessage, Penalty

__all__ = ["MessageRecord", "NotificationRecord", "PenaltyRecord", "WorkerRepo"]

CASES: Table = Case.__table__  # type: ignore[assignment]
TASKS: Table = InboxTask.__table__  # type: ignore[assignment]
EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
RUNS: Table = JobRun.__table__  # type: ignore[assignment]
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
NOTES: Table = Notification.__table__  # type: ignore[assignment]
UNREAD_CAP = 99  # the bell counts unread notifications up to here (and shows 99+ above)
_UNREAD_COUNT = select(func.count()).select_from(  # built once: the bell asks on every page
    select(NOTES.c.id).where(NOTES.c.recipient == bindparam("recipient"), NOTES.c.read_at.is_(None))
    .limit(bindparam("limit")).subquery())
PENALTIES: Table = Penalty.__table__  # type: ignore[assignment]
ALERTS: Table = Alert.__table__  # type: ignore[assignment]
_CASE_COLUMNS = [c for c in CASES.columns if c.key != "workflow"]
_ACTIVE_STAFF = (select(Staff.__table__, OrgUnit.kind, OrgUnit.parent)  # with their unit's kind and parent
                 .outerjoin(OrgUnit, OrgUnit.code == Staff.unit).where(Staff.active.is_(True)))
_CHUNK = 500
_INSERT_ONCE: dict[tuple[str, str, int], Any] = {}
_MANY = 20  # rows per statement of _insert_new


@dataclass(frozen=True)
class MessageRecord:
    """One outbox message."""

    id: int
    key: str
    channel: str
    recipient: str
    address: str
    subject: str
    body: str
    kind: str
    case_id: str | None
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    working_time_only: bool = True
    unit: str | None = None
    attachment: str | None = None


@dataclass(frozen=True)
class NotificationRecord:
    """One in-app notification."""

    id: int
    key: str
    recipient: str
    kind: str
    title: str
    body: str
    case_number: str | None
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class PenaltyRecord:
    """One line of the penalty ledger."""

    id: int
    key: str
    month: str
    occurred_at: datetime
    subsidiary: str | None
    staff: str
    role: str
    kind: str
    amount: int
    bonus_percent_min: int | None
    bonus_percent_max: int | None
    case_id: str | None
    case_number: str | None
    detail: dict[str, Any]
    created_at: datetime


def _audit(row: Any) -> AuditRecord:
    m = row._mapping
    return AuditRecord(id=m["id"], chain=m["chain"], seq=m["seq"], case_id=m["case_id"], task_id=m["task_id"],
                       actor=m["actor"], action=m["action"], at=m["at"], data=dict(m["data"] or {}),
                       prev_hash=m["prev_hash"], hash=m["hash"])


def _chunks(values: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start:start + _CHUNK])


class WorkerRepo:
    """Worker queries and writes on an open ``Tx``."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.conn = tx.conn
        self.pg = tx.dialect == "postgresql"

    def _insert_once(self, table: Table, values: dict[str, Any]) -> bool:
        """Insert unless the unique key exists; True when the row is new."""
        return self._insert_new(table, [values]) == 1

    def _insert_new(self, table: Table, rows: Sequence[dict[str, Any]]) -> int:
        """Insert each row unless its unique key exists, in one statement per ``_MANY`` rows (one round
        trip, where a notice to several people and channels sent one each); how many rows were new."""
        new = 0
        for start in range(0, len(rows), _MANY):
            part = rows[start:start + _MANY]
            cache_key = (self.tx.dialect, table.name, len(part))
            stmt = _INSERT_ONCE.get(cache_key)
            columns = [c for c in table.columns if c.key != "id"]
            if stmt is None:
                # ``ON CONFLICT DO NOTHING`` statements are not cached by SQLAlchemy (each call compiled
                # again); as a typed text() statement built once per dialect and row count they are.
                named = PGDialect(paramstyle="named") if self.pg else SQLiteDialect(paramstyle="named")
                values: list[dict[str, Any]] = [{c.key: bindparam(f"{c.key}_{i}") for c in columns}
                                                for i in range(len(part))]
                insert = self.tx._insert(table).values(values)
                sql = str(insert.on_conflict_do_nothing().compile(dialect=named))
                sql = re.sub(r":(\w+)::(\w+)", r"CAST(:\1 AS \2)", sql)  # text() reads "::" as no parameter
                stmt = text(sql).bindparams(*[bindparam(f"{c.key}_{i}", type_=c.type)
                                              for i in range(len(part)) for c in columns])
                _INSERT_ONCE[cache_key] = stmt
            params = {f"{c.key}_{i}": row.get(c.key) for i, row in enumerate(part) for c in columns}
            new += int(self.conn.execute(stmt, params).rowcount)
        return new

    # -- job runs ----------------------------------------------------------------------------------
    def last_done(self, job: str, unit: str) -> datetime | None:
        """The occurrence time of the newest finished run of ``job`` for ``unit``."""
        stmt = select(func.max(RUNS.c.occurrence_at)).where(RUNS.c.job == job, RUNS.c.unit == unit,
                                                            RUNS.c.status == "done")
        value: datetime | None = self.conn.execute(stmt).scalar()
        return value

    def last_done_period(self, job: str, unit: str) -> str | None:
        """The latest period key of ``job`` done for ``unit`` (keys of one job sort in time order)."""
        stmt = select(func.max(RUNS.c.period)).where(RUNS.c.job == job, RUNS.c.unit == unit,
                                                     RUNS.c.status == "done")
        value: str | None = self.conn.execute(stmt).scalar()
        return value

    def ensure_run(self, job: str, unit: str, period: str, occurrence_at: datetime, now: datetime) -> None:
        """Record that a period is due (a no-op when it is recorded already)."""
        self._insert_once(RUNS, {"job": job, "unit": unit, "period": period, "occurrence_at": occurrence_at,
                                 "status": "pending", "created_at": now})

    def claim_run(self, job: str, unit: str, period: str) -> int | None:
        """Lock the pending run of a period for this transaction; None if done or held by another worker."""
        stmt = select(RUNS.c.id).where(RUNS.c.job == job, RUNS.c.unit == unit, RUNS.c.period == period,
                                       RUNS.c.status == "pending")
        if self.pg:
            stmt = stmt.with_for_update(skip_locked=True)
        return self.conn.execute(stmt).scalar()

    def run_status(self, job: str, unit: str, period: str) -> str | None:
        """The status of one period's run, or None when it is not recorded."""
        stmt = select(RUNS.c.status).where(RUNS.c.job == job, RUNS.c.unit == unit, RUNS.c.period == period)
        status: str | None = self.conn.execute(stmt).scalar()
        return status

    def pending_runs(self, job: str, unit: str) -> list[tuple[str, datetime]]:
        """(period, occurrence) of runs recorded but not done (a crashed or failed run), oldest first."""
        stmt = (select(RUNS.c.period, RUNS.c.occurrence_at)
                .where(RUNS.c.job == job, RUNS.c.unit == unit, RUNS.c.status == "pending")
                .order_by(RUNS.c.occurrence_at))
        return [(r[0], r[1]) for r in self.conn.execute(stmt)]

    def finish_run(self, run_id: int, now: datetime, worker: str, result: dict[str, Any]) -> None:
        """Mark a claimed run done (commits with the run's effects)."""
        self.conn.execute(update(RUNS).where(RUNS.c.id == run_id).values(
            status="done", finished_at=now, worker=worker, result=result))

    def runs(self, job: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Recent job runs, newest first."""
        stmt = select(RUNS)
        if job is not None:
            stmt = stmt.where(RUNS.c.job == job)
        stmt = stmt.order_by(RUNS.c.occurrence_at.desc(), RUNS.c.id.desc()).limit(limit)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    # -- outbox ------------------------------------------------------------------------------------
    def add_message(self, **values: Any) -> bool:
        """Queue a message unless its key is queued already; True when new."""
        return self.add_messages([values]) == 1

    def add_messages(self, rows: Sequence[dict[str, Any]]) -> int:
        """``add_message`` of each row, in one statement; how many were new."""
        if not rows:
            return 0
        defaults = {"status": "pending", "attempts": 0, "working_time_only": True, "unit": None,
                    "sent_at": None, "last_error": None, "attachment": None}
        return self._insert_new(OUTBOX, [{**defaults, **values} for values in rows])

    def claim_messages(self, now: datetime, channels: Sequence[str], lease: timedelta,
                       limit: int = 50) -> list[MessageRecord]:
        """Lease due messages of ``channels`` to this worker (others skip them until the lease ends)."""
        if not channels:
            return []
        stmt = (select(OUTBOX.c.id).where(OUTBOX.c.status.in_(["pending", "sending"]),
                                          OUTBOX.c.next_attempt_at <= now,
                                          OUTBOX.c.channel.in_(list(channels)))
                .order_by(OUTBOX.c.next_attempt_at, OUTBOX.c.id).limit(limit))
        if self.pg:
            stmt = stmt.with_for_update(skip_locked=True)
        ids = list(self.conn.scalars(stmt))
        if not ids:
            return []
        self.conn.execute(update(OUTBOX).where(OUTBOX.c.id.in_(ids)).values(
            status="sending", attempts=OUTBOX.c.attempts + 1, next_attempt_at=now + lease))
        rows = self.conn.execute(select(OUTBOX).where(OUTBOX.c.id.in_(ids)).order_by(OUTBOX.c.id))
        return [MessageRecord(**r._mapping) for r in rows]

    def message_sent(self, message_id: int, now: datetime) -> None:
        """The message went out."""
        self.conn.execute(update(OUTBOX).where(OUTBOX.c.id == message_id).values(
            status="sent", sent_at=now, last_error=None))

    def message_held(self, message_id: int, until: datetime) -> None:
        """Claimed outside its working time: back to the queue until ``until``, the attempt not counted."""
        self.conn.execute(update(OUTBOX).where(OUTBOX.c.id == message_id).values(
            status="pending", attempts=OUTBOX.c.attempts - 1, next_attempt_at=until))

    def message_failed(self, message_id: int, error: str, retry_at: datetime | None) -> None:
        """Delivery failed: try again at ``retry_at``, or give up (``dead``) when it is None."""
        values: dict[str, Any] = {"last_error": error[:2000]}
        if retry_at is None:
            values["status"] = "dead"
        else:
            values.update(status="pending", next_attempt_at=retry_at)
        self.conn.execute(update(OUTBOX).where(OUTBOX.c.id == message_id).values(**values))

    def messages(self, status: str | None = None, limit: int = 200) -> list[MessageRecord]:
        """Outbox messages, newest first."""
        stmt = select(OUTBOX)
        if status is not None:
            stmt = stmt.where(OUTBOX.c.status == status)
        rows = self.conn.execute(stmt.order_by(OUTBOX.c.id.desc()).limit(limit))
        return [MessageRecord(**r._mapping) for r in rows]

    # -- in-app notifications ----------------------------------------------------------------------
    def add_notification(self, **values: Any) -> bool:
        """Show a notification in the web UI unless its key exists; True when new."""
        return self._insert_once(NOTES, values)

    def add_notifications(self, rows: Sequence[dict[str, Any]]) -> int:
        """``add_notification`` of each row, in one statement; how many were new."""
        return self._insert_new(NOTES, rows) if rows else 0

    def notifications(self, recipient: str, *, unread_only: bool = False,
                      limit: int = 50) -> list[NotificationRecord]:
        """A staff member's notifications, newest first."""
        stmt = select(NOTES).where(NOTES.c.recipient == recipient)
        if unread_only:
            stmt = stmt.where(NOTES.c.read_at.is_(None))
        rows = self.conn.execute(stmt.order_by(NOTES.c.id.desc()).limit(limit))
        return [NotificationRecord(**r._mapping) for r in rows]

    def unread_count(self, recipient: str, cap: int = UNREAD_CAP) -> int:
        """How many of a staff member's notifications are unread (counting stops after ``cap``)."""
        return int(self.conn.execute(_UNREAD_COUNT, {"recipient": recipient, "limit": cap + 1}).scalar() or 0)

    def mark_all_read(self, recipient: str, now: datetime) -> int:
        """Mark every unread notification of a staff member read; returns how many changed."""
        unread = (NOTES.c.recipient == recipient, NOTES.c.read_at.is_(None))
        stmt = update(NOTES).where(*unread).values(read_at=now)
        return int(self.conn.execute(stmt).rowcount or 0)

    def mark_read(self, recipient: str, ids: Sequence[int], now: datetime) -> int:
        """Mark some of a staff member's notifications read; returns how many changed."""
        stmt = update(NOTES).where(NOTES.c.recipient == recipient, NOTES.c.id.in_(list(ids)),
                                   NOTES.c.read_at.is_(None)).values(read_at=now)
        return int(self.conn.execute(stmt).rowcount or 0)

    # -- penalties and alerts ----------------------------------------------------------------------
    def add_penalty(self, **values: Any) -> bool:
        """Add a ledger line unless its key exists; True when new."""
        return self._insert_once(PENALTIES, values)

    def penalties(self, month: str | None = None, subsidiary: str | None = None) -> list[PenaltyRecord]:
        """Ledger lines of a month (all when None), in order of occurrence."""
        stmt = select(PENALTIES)
        if month is not None:
            stmt = stmt.where(PENALTIES.c.month == month)
        if subsidiary is not None:
            stmt = stmt.where(PENALTIES.c.subsidiary == subsidiary)
        rows = self.conn.execute(stmt.order_by(PENALTIES.c.occurred_at, PENALTIES.c.id))
        return [PenaltyRecord(**r._mapping) for r in rows]

    def add_alert(self, **values: Any) -> bool:
        """Record an escalation unless its key exists; True when new."""
        return self._insert_once(ALERTS, values)

    def alert_keys(self, keys: Sequence[str]) -> set[str]:
        """Those of ``keys`` already raised."""
        found: set[str] = set()
        for chunk in _chunks(sorted(set(keys))):
            found.update(self.conn.execute(select(ALERTS.c.key).where(ALERTS.c.key.in_(chunk))).scalars())
        return found

    def alert_since(self, kind: str, unit: str, since: datetime) -> bool:
        """True when an alert of ``kind`` for ``unit`` was raised at or after ``since``."""
        stmt = select(ALERTS.c.id).where(ALERTS.c.kind == kind, ALERTS.c.unit == unit, ALERTS.c.at >= since)
        return self.conn.execute(stmt.limit(1)).first() is not None

    def alerts(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Alerts, oldest first."""
        stmt = select(ALERTS)
        if kind is not None:
            stmt = stmt.where(ALERTS.c.kind == kind)
        return [dict(r._mapping) for r in self.conn.execute(stmt.order_by(ALERTS.c.at, ALERTS.c.id))]

    # -- what the jobs read ------------------------------------------------------------------------
    def cases_open_at(self, process_id: str, subsidiary: str, moment: datetime) -> list[CaseRecord]:
        """Cases of a process and subsidiary opened by ``moment`` and not closed by then."""
        stmt = select(*_CASE_COLUMNS).where(
            CASES.c.process_id == process_id, CASES.c.subsidiary == subsidiary, CASES.c.opened_at <= moment,
            or_(CASES.c.closed_at.is_(None), CASES.c.closed_at > moment))
        return [CaseRecord(**r._mapping) for r in self.conn.execute(stmt.order_by(CASES.c.opened_at))]

    def earliest_opened(self, process_id: str, subsidiary: str, since: datetime) -> datetime | None:
        """When the earliest case of a process and subsidiary still open, or closed at or after
        ``since``, was opened (None when there is none)."""
        stmt = select(func.min(CASES.c.opened_at)).where(
            CASES.c.process_id == process_id, CASES.c.subsidiary == subsidiary,
            or_(CASES.c.closed_at.is_(None), CASES.c.closed_at >= since))
        value: datetime | None = self.conn.execute(stmt).scalar()
        return value

    def cases_active_between(self, process_id: str, subsidiary: str, start: datetime,
                             end: datetime) -> list[CaseRecord]:
        """Cases of a process and subsidiary open at some moment of ``(start, end]``."""
        stmt = select(*_CASE_COLUMNS).where(
            CASES.c.process_id == process_id, CASES.c.subsidiary == subsidiary, CASES.c.opened_at <= end,
            or_(CASES.c.closed_at.is_(None), CASES.c.closed_at > start))
        return [CaseRecord(**r._mapping) for r in self.conn.execute(stmt.order_by(CASES.c.opened_at))]

    def cases_opened_between(self, process_id: str, subsidiary: str, start: datetime,
                             end: datetime) -> list[CaseRecord]:
        """Cases of a process and subsidiary opened in ``[start, end]``."""
        stmt = select(*_CASE_COLUMNS).where(
            CASES.c.process_id == process_id, CASES.c.subsidiary == subsidiary,
            and_(CASES.c.opened_at >= start, CASES.c.opened_at <= end))
        return [CaseRecord(**r._mapping) for r in self.conn.execute(stmt.order_by(CASES.c.opened_at))]

    def case_events(self, case_ids: Sequence[str], actions: Sequence[str],
                    before: datetime | None = None) -> list[AuditRecord]:
        """Audit events of some cases with one of ``actions`` (before ``before``), in order."""
        out: list[AuditRecord] = []
        for chunk in _chunks([case_chain(c) for c in case_ids]):  # (chain, seq) is indexed; case_id is not
            stmt = select(EVENTS).where(EVENTS.c.chain.in_(chunk), EVENTS.c.action.in_(list(actions)))
            if before is not None:
                stmt = stmt.where(EVENTS.c.at <= before)
            out.extend(_audit(r) for r in self.conn.execute(stmt.order_by(EVENTS.c.id)))
        out.sort(key=lambda e: e.id)
        return out

    def overdue_tasks(self, process_id: str, subsidiary: str, moment: datetime) -> list[TaskRecord]:
        """Open inbox rows of a process and subsidiary due before ``moment``, the longest overdue first."""
        stmt = (select(TASKS).where(TASKS.c.process_id == process_id, TASKS.c.subsidiary == subsidiary,
                                    TASKS.c.due_at < moment)
                .order_by(TASKS.c.due_at, TASKS.c.task_id))
        return [TaskRecord(**r._mapping) for r in self.conn.execute(stmt)]

    def cases_by_id(self, case_ids: Sequence[str]) -> list[CaseRecord]:
        """The case rows of ``case_ids`` (without their workflow)."""
        out: list[CaseRecord] = []
        for chunk in _chunks(sorted(set(case_ids))):
            rows = self.conn.execute(select(*_CASE_COLUMNS).where(CASES.c.id.in_(chunk)))
            out.extend(CaseRecord(**r._mapping) for r in rows)
        return out

    def open_tasks(self, case_ids: Sequence[str]) -> list[TaskRecord]:
        """Open inbox rows of some cases."""
        out: list[TaskRecord] = []
        for chunk in _chunks(list(case_ids)):
            rows = self.conn.execute(select(TASKS).where(TASKS.c.case_id.in_(chunk)))
            out.extend(TaskRecord(**r._mapping) for r in rows)
        return out

    def all_staff(self) -> list[StaffRecord]:
        """Every active staff member with their unit's kind and parent."""
        return self._active_staff(_ACTIVE_STAFF.order_by(Staff.login))

    def active_staff(self, homes: Sequence[str] = (), logins: Sequence[str] = (),
                     named: bool = False) -> list[StaffRecord]:
        """The active staff of the units ``homes``, those of ``logins`` and, with ``named``, everyone who
        holds a role named with its unit (``role@unit``, held wherever they work), as :meth:`all_staff`
        gives them and in its order (by login): one statement whose rows are bounded by what is asked,
        not by the organisation's size."""
        wanted = []
        if homes:
            wanted.append(Staff.unit.in_(sorted(set(homes))))
        if logins:
            wanted.append(Staff.login.in_(sorted(set(logins))))
        if named:
            wanted.append(cast(Staff.roles, Text).like("%@%"))
        if not wanted:
            return []
        return self._active_staff(_ACTIVE_STAFF.where(or_(*wanted)).order_by(Staff.login))

    def _active_staff(self, stmt: Any) -> list[StaffRecord]:
        out = []
        for found in self.conn.execute(stmt):
            row = found._mapping
            out.append(StaffRecord(row["login"], row["name"], row["unit"], tuple(row["roles"] or ()),
                                   row["phone"], row["email"], row["active"], unit_kind=row["kind"],
                                   unit_parent=row["parent"]))
        return out
