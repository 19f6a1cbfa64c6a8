"""Cases, inbox rows and audit events: the hot path of every transition, in SQLAlchemy Core.

The runtime writes a case once per transition: the row is read (and on PostgreSQL locked with
``SELECT … FOR UPDATE``), then written with one ``UPDATE … SET version = version + 1 WHERE id = :id
AND version = :seen`` — the same optimistic check the ORM mapping declares with ``version_id_col`` —
so a concurrent change surfaces as ``ConflictError``. Core statements keep the per-transition cost
small (the ORM's unit of work was most of the time spent per transition).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from engine.errors import ConflictError
from engine.store.audit import GENESIS, SYSTEM_CHAIN, case_chain, event_hash
from engine.store.direct import DirectWrite
from engine.store.models import AuditChain, AuditEvent, Case, InboxTask
from engine.store.records import AuditRecord, CaseRecord, TaskRecord

__all__ = ["CASE_FIELDS", "TASK_CASE_FIELDS", "TASK_FIELDS", "CaseTx", "live_tasks"]

CASES: Table = Case.__table__  # type: ignore[assignment]
TASKS: Table = InboxTask.__table__  # type: ignore[assignment]


def live_tasks(now: datetime, interruptible: Iterable[str]) -> ColumnElement[bool] | None:
    """Open rows a due timer has not already cancelled: lists hide a task whose diagram gives it an
    interrupting deadline timer (``interruptible``: its task specs) while its case has a timer due
    and not yet fired by the worker. None when no diagram has such a timer."""
    specs = sorted(interruptible)
    if not specs:
        return None
    due = select(CASES.c.id).where(CASES.c.id == TASKS.c.case_id, CASES.c.next_timer_at <= now).exists()
    return or_(TASKS.c.task_spec.not_in(specs), ~due)
EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
_CHAIN_EVENTS = select(EVENTS).where(EVENTS.c.chain == bindparam("chain")).order_by(EVENTS.c.seq)
CASE_FIELDS = tuple(c.key for c in CASES.columns)
_CASE_COLUMNS = [c for c in CASES.columns if c.key != "workflow"]
TASK_FIELDS = tuple(c.key for c in TASKS.columns)
TASK_CASE_FIELDS = ("number", "category", "room", "customer_name", "customer_phone", "subsidiary",
                    "project", "status")


# Statements built once: SQLAlchemy then skips construction and cache-key work on every call.
_LOCK_CASE = {
    False: select(CASES).where(CASES.c.id == bindparam("id")),
    True: select(CASES).where(CASES.c.id == bindparam("id")).with_for_update(),
}
_LOCK_CASE_SKIP = select(CASES).where(CASES.c.id == bindparam("id")).with_for_update(skip_locked=True)
_CASE_BY_NUMBER = {
    False: select(CASES).where(CASES.c.number == bindparam("number")),
    True: select(CASES).where(CASES.c.number == bindparam("number")).with_for_update(),
}
# The case of a task, on SQLite with all of the case's open rows in the same statement (the outer
# join keeps the case row when it has no other open task). SQLite's BEGIN IMMEDIATE has already
# serialized writers, so these rows are current. On PostgreSQL a statement that waited for a row
# lock sees the joined rows as they were before the wait, hence the check below.
_PROBE = TASKS.alias("probe")
_CASE_WITH_TASKS = (select(*CASES.c, *TASKS.c)
                    .select_from(_PROBE.join(CASES, CASES.c.id == _PROBE.c.case_id)
                                 .outerjoin(TASKS, TASKS.c.case_id == CASES.c.id))
                    .where(_PROBE.c.task_id == bindparam("task_id"))
                    .order_by(TASKS.c.created_at))
# PostgreSQL: the case locked and its open rows read in one statement, with the case's version as the
# statement's snapshot had it (``snap``, not locked). When the lock waited for, or found, a newer
# version (another writer committed meanwhile), the locked row is that newer version but the joined
# rows are still the snapshot's: the versions differ and the rows are read again. Every writer of a
# case's inbox rows holds the case's lock and writes its row (a new version), so equal versions mean
# the rows are current.
_SNAP = CASES.alias("snap")
_LOCK_CASE_WITH_TASKS = (select(*CASES.c, _SNAP.c.version, *TASKS.c)
                         .select_from(_PROBE.join(CASES, CASES.c.id == _PROBE.c.case_id)
                                      .join(_SNAP, _SNAP.c.id == CASES.c.id)
                                      .outerjoin(TASKS, TASKS.c.case_id == CASES.c.id))
                         .where(_PROBE.c.task_id == bindparam("task_id"))
                         .order_by(TASKS.c.created_at).with_for_update(of=CASES))
_N_CASE = len(CASES.columns)
_INSERT_CASE = insert(CASES)
_UPDATABLE = [c.key for c in CASES.columns if c.key not in {"id", "version"}]
# The writes of every transition run on the driver (engine.store.direct); their SQL is still Core.
_UPDATE_CASE = DirectWrite(
    update(CASES)
    .where(CASES.c.id == bindparam("_id"), CASES.c.version == bindparam("_seen"))
    .values({**{k: bindparam(k) for k in _UPDATABLE}, "version": bindparam("_next")})
)
# A case row whose columns are as read but its audit head (events appended: a claim, a handover, a
# comment): the head, the count and the version, not the whole row with its workflow's JSON.
_TOUCH_CASE = DirectWrite(
    update(CASES)
    .where(CASES.c.id == bindparam("_id"), CASES.c.version == bindparam("_seen"))
    .values(audit_head=bindparam("audit_head"), audit_count=bindparam("audit_count"),
            version=bindparam("_next"))
)
_SET_ASSIGNEE = DirectWrite(update(TASKS).where(TASKS.c.task_id == bindparam("_task")).values(
    assignee=bindparam("assignee"), claimed_at=bindparam("claimed_at")))
_SELECT_TASK = select(TASKS).where(TASKS.c.task_id == bindparam("task_id"))
_CASE_TASKS = select(TASKS).where(TASKS.c.case_id == bindparam("case_id")).order_by(TASKS.c.created_at)
_INSERT_TASKS = DirectWrite(insert(TASKS).values({k: bindparam(k) for k in TASK_FIELDS}))
_DELETE_TASK = DirectWrite(delete(TASKS).where(TASKS.c.task_id == bindparam("task_id")))
_EVENT_FIELDS = [c.key for c in EVENTS.columns if c.key != "id"]
_INSERT_EVENTS = DirectWrite(insert(EVENTS).values({k: bindparam(k) for k in _EVENT_FIELDS}))


def _audit_record(row: Any) -> AuditRecord:
    m = row._mapping
    return AuditRecord(id=m["id"], chain=m["chain"], seq=m["seq"], case_id=m["case_id"], task_id=m["task_id"],
                       actor=m["actor"], action=m["action"], at=m["at"], data=dict(m["data"] or {}),
                       prev_hash=m["prev_hash"], hash=m["hash"])


class CaseTx:
    """Case, inbox and audit repository functions of ``Tx``."""

    conn: Connection
    dialect: str

    @property
    def session(self) -> Session:
        """The transaction's ORM session (``Tx`` makes it on first use)."""
        raise NotImplementedError

    def _init_cases(self) -> None:
        self._cases: dict[str, dict[str, Any]] = {}  # locked or new cases: their current column values
        self._prefetched: dict[str, list[TaskRecord]] = {}  # open rows read with the case lock
        self._new: set[str] = set()
        self._dirty: set[str] = set()  # audit head moved but the row is not written yet
        # Inside case_writes() on PostgreSQL: what to check once the pipeline has synced.
        self._after_sync: list[Callable[[], object]] | None = None

    @contextmanager
    def case_writes(self) -> Iterator[None]:
        """A step's writes of its case — the audit events, the case row, its inbox rows — sent in one
        psycopg pipeline on PostgreSQL: one round trip instead of one per statement, the same
        statements in the same order and transaction (SQLite: unchanged, each as it comes). A write
        whose result matters (the case row's version check) is checked after the pipeline synced."""
        if self.dialect != "postgresql" or self._after_sync is not None:
            yield
            return
        driver: Any = self.conn.connection.driver_connection
        checks: list[Callable[[], object]] = []
        self._after_sync = checks
        try:
            with driver.pipeline():
                yield
        finally:
            self._after_sync = None
        for check in checks:
            check()

    def _send(self, write: DirectWrite, rows: Sequence[Mapping[str, Any]]) -> Callable[[], int] | None:
        """Run ``write`` now, or queue it in the open ``case_writes`` pipeline (its cursor closed after)."""
        if not rows:
            return None
        if self._after_sync is None:
            write.run(self.conn, rows)
            return None
        affected = write.send(self.conn, rows)
        self._after_sync.append(affected)
        return affected

    # -- cases -------------------------------------------------------------------------------------
    def insert_case(self, **values: Any) -> None:
        """Start a new case row; it is written (one INSERT with every value) by ``update_case``."""
        self._cases[values["id"]] = {**dict.fromkeys(CASE_FIELDS), "audit_head": GENESIS, "audit_count": 0,
                                     "version": 0, **values}
        self._new.add(values["id"])

    def lock_case(self, *, case_id: str | None = None, number: str | None = None,
                  skip_locked: bool = False, lock: bool = True) -> CaseRecord | None:
        """Load a case with its workflow and lock its row for this transaction (None if absent/skipped).

        ``lock=False`` reads it without a row lock (for read-only use).
        """
        pg = self.dialect == "postgresql" and lock
        if case_id is not None:
            stmt = _LOCK_CASE_SKIP if pg and skip_locked else _LOCK_CASE[pg]
            row = self.conn.execute(stmt, {"id": case_id}).first()
        else:
            row = self.conn.execute(_CASE_BY_NUMBER[pg], {"number": number}).first()
        if row is None:
            return None
        values = dict(row._mapping)
        self._cases[values["id"]] = values
        return CaseRecord(**values)

    def lock_case_of_task(self, task_id: str) -> CaseRecord | None:
        """Load and lock the case of an open task (None when the task is not open).

        The same statement reads the case's open rows; the next ``case_tasks`` gets them (on
        PostgreSQL unless the case changed between the statement's snapshot and its lock: then
        ``case_tasks`` reads them again, after the lock).
        """
        if self.dialect == "postgresql":
            rows = self.conn.execute(_LOCK_CASE_WITH_TASKS, {"task_id": task_id}).all()
            if not rows:
                return None
            values = dict(zip(CASE_FIELDS, rows[0][:_N_CASE], strict=True))
            if rows[0][_N_CASE] == values["version"]:
                self._prefetched[values["id"]] = [
                    TaskRecord(**dict(zip(TASK_FIELDS, r[_N_CASE + 1:], strict=True)))
                    for r in rows if r[_N_CASE + 1] is not None]
        else:
            rows = self.conn.execute(_CASE_WITH_TASKS, {"task_id": task_id}).all()
            if not rows:
                return None
            values = dict(zip(CASE_FIELDS, rows[0][:_N_CASE], strict=True))
            self._prefetched[values["id"]] = [TaskRecord(**dict(zip(TASK_FIELDS, r[_N_CASE:], strict=True)))
                                              for r in rows if r[_N_CASE] is not None]
        self._cases[values["id"]] = values
        return CaseRecord(**values)

    def find_case(self, number: str) -> CaseRecord | None:
        """A case by number, without its workflow."""
        row = self.conn.execute(select(*_CASE_COLUMNS).where(CASES.c.number == number)).first()
        return None if row is None else CaseRecord(**row._mapping)

    def case_numbers(self, *, subsidiary: str | None = None, first_receiver: str | None = None) -> list[str]:
        """Case numbers for did-you-mean hints: every case, or (``subsidiary`` given) those of that
        subsidiary and those ``first_receiver`` received."""
        stmt = select(CASES.c.number)
        if subsidiary is not None:
            stmt = stmt.where(or_(CASES.c.subsidiary == subsidiary, CASES.c.first_receiver == first_receiver))
        return list(self.conn.scalars(stmt.order_by(CASES.c.number).limit(5000)))

    def update_case(self, case_id: str, **values: Any) -> CaseRecord:
        """Write a locked (or new) case with ``values``; ConflictError if someone changed it meanwhile.
        Without ``values`` only its audit head, count and version are written (``_TOUCH_CASE``)."""
        current = self._cases[case_id]
        current.update(values)
        self._dirty.discard(case_id)
        if case_id in self._new:
            self._new.discard(case_id)
            current["version"] = 1
            self.conn.execute(_INSERT_CASE, current)
        else:
            seen = current["version"]
            if values:
                write, params = _UPDATE_CASE, {k: current[k] for k in _UPDATABLE}
            else:  # only the audit head moved (append_audit); every other column is as read
                write, params = _TOUCH_CASE, {"audit_head": current["audit_head"],
                                              "audit_count": current["audit_count"]}
            params.update(_id=case_id, _seen=seen, _next=seen + 1)
            number = current["number"]

            def changed_meanwhile() -> ConflictError:
                return ConflictError(
                    f"case {number} was changed by someone else meanwhile; reload it and retry")

            if self._after_sync is None:
                if write.run(self.conn, [params]) != 1:
                    raise changed_meanwhile()
            else:  # in the step's pipeline: checked once it synced (the transaction then rolls back)
                affected = write.send(self.conn, [params])

                def check() -> None:
                    if affected() != 1:
                        raise changed_meanwhile()

                self._after_sync.append(check)
            current["version"] = seen + 1
        return CaseRecord(**current)

    def flush_cases(self) -> None:
        """Write the audit heads of cases that got events but no ``update_case`` (called before commit)."""
        for case_id in list(self._dirty):
            self.update_case(case_id)

    def due_cases(self, now: datetime, limit: int, case_ids: Sequence[str] | None = None) -> list[str]:
        """Ids of cases with a timer due at ``now`` (uses the ``next_timer_at`` index)."""
        stmt = select(CASES.c.id).where(CASES.c.next_timer_at <= now)
        if case_ids is not None:
            stmt = stmt.where(CASES.c.id.in_(list(case_ids)))
        return list(self.conn.scalars(stmt.order_by(CASES.c.next_timer_at).limit(limit)))

    def provisional_years(self) -> list[int]:
        """The provisional calendar years open cases' deadlines rest on (index only)."""
        stmt = select(CASES.c.provisional_year).where(CASES.c.provisional_year.is_not(None)).distinct()
        return sorted(int(y) for y in self.conn.scalars(stmt))

    def provisional_cases(self, years: Sequence[int]) -> list[str]:
        """Ids of the open cases whose deadlines rest on one of ``years`` (first: the earliest)."""
        stmt = select(CASES.c.id).where(CASES.c.provisional_year.in_(list(years)))
        return list(self.conn.scalars(stmt.order_by(CASES.c.provisional_year, CASES.c.id)))

    # -- inbox -------------------------------------------------------------------------------------
    def task(self, task_id: str) -> TaskRecord | None:
        """An open task by full id."""
        row = self.conn.execute(_SELECT_TASK, {"task_id": task_id}).first()
        return None if row is None else TaskRecord(**row._mapping)

    def task_ids_starting(self, prefix: str, limit: int = 5) -> list[str]:
        """Ids of open tasks that start with ``prefix``."""
        stmt = select(TASKS.c.task_id).where(TASKS.c.task_id.startswith(prefix, autoescape=True))
        return list(self.conn.scalars(stmt.limit(limit)))

    def audited_task_ids_starting(self, prefix: str, limit: int = 5) -> list[str]:
        """Ids of closed tasks (known from the audit log) that start with ``prefix``."""
        stmt = select(EVENTS.c.task_id).where(EVENTS.c.task_id.startswith(prefix, autoescape=True))
        return [t for t in self.conn.scalars(stmt.distinct().limit(limit)) if t]

    def case_tasks(self, case_id: str) -> list[TaskRecord]:
        """Open tasks of one case, oldest first."""
        prefetched = self._prefetched.pop(case_id, None)
        if prefetched is not None:
            return prefetched
        return [TaskRecord(**r._mapping) for r in self.conn.execute(_CASE_TASKS, {"case_id": case_id})]

    def renumber_opened(self, case_id: str, placeholder: str, number: str, *, notified: bool) -> None:
        """An opening case's number, taken after its facts (and their report cells) and its
        notifications were written with the placeholder: put it into the facts row and, when the step
        told anyone (``notified``), into the messages and notifications it queued. Plain updates of
        rows no one else writes, so the sequence row's lock does not wait on the cells' upsert."""
        from engine.store.report_models import CaseStats
        from engine.store.worker_models import Notification, OutboxMessage

        stats: Table = CaseStats.__table__  # type: ignore[assignment]
        self.conn.execute(update(stats).where(stats.c.case_id == case_id).values(number=number))
        if not notified:
            return
        outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]
        notes: Table = Notification.__table__  # type: ignore[assignment]
        self.conn.execute(update(outbox).where(outbox.c.case_id == case_id).values(
            subject=func.replace(outbox.c.subject, placeholder, number),
            body=func.replace(outbox.c.body, placeholder, number)))
        self.conn.execute(update(notes).where(notes.c.case_number == placeholder).values(
            case_number=number, title=func.replace(notes.c.title, placeholder, number),
            body=func.replace(notes.c.body, placeholder, number)))

    def add_tasks(self, tasks: Iterable[TaskRecord]) -> None:
        """Insert inbox rows (one executemany)."""
        self._prefetched.clear()
        rows = [{k: getattr(t, k) for k in TASK_FIELDS} for t in tasks]
        self._send(_INSERT_TASKS, rows)

    def delete_tasks(self, task_ids: Sequence[str]) -> None:
        """Remove inbox rows."""
        self._prefetched.clear()
        self._send(_DELETE_TASK, [{"task_id": task_id} for task_id in task_ids])

    def update_task(self, task_id: str, **values: Any) -> None:
        """Change one inbox row."""
        self._prefetched.clear()
        self.conn.execute(update(TASKS).where(TASKS.c.task_id == task_id).values(**values))

    def set_assignee(self, task_id: str, assignee: str | None, claimed_at: datetime | None) -> None:
        """Claim or release one inbox row: in the open ``case_writes`` pipeline with the case's other
        writes (PostgreSQL), else at once."""
        self._prefetched.clear()
        self._send(_SET_ASSIGNEE, [{"_task": task_id, "assignee": assignee, "claimed_at": claimed_at}])

    def update_case_tasks(self, case_id: str, **values: Any) -> None:
        """Copy changed case fields onto every open row of the case."""
        self._prefetched.clear()
        if values:
            self.conn.execute(update(TASKS).where(TASKS.c.case_id == case_id).values(**values))

    def inbox(self, *, assignee: str | None = None, groups: Sequence[str] | None = None,
              subsidiary: str | None = None, everything: bool = False, due_before: datetime | None = None,
              limit: int = 500, live: ColumnElement[bool] | None = None) -> list[TaskRecord]:
        """Open tasks assigned to ``assignee`` or unassigned in ``groups`` (or a whole subsidiary);
        ``live`` (``live_tasks``) leaves out those a due timer has cancelled."""
        stmt = select(TASKS)
        if live is not None:
            stmt = stmt.where(live)
        if not everything:
            conds = []
            if assignee is not None:
                conds.append(TASKS.c.assignee == assignee)
            if groups:
                conds.append(TASKS.c.assignee.is_(None) & TASKS.c.candidate_group.in_(list(groups)))
            if subsidiary is not None:
                conds.append(TASKS.c.subsidiary == subsidiary)
            if not conds:
                return []
            stmt = stmt.where(or_(*conds))
        if due_before is not None:
            stmt = stmt.where(TASKS.c.due_at < due_before)
        stmt = stmt.order_by(TASKS.c.due_at.is_(None), TASKS.c.due_at, TASKS.c.created_at).limit(limit)
        return [TaskRecord(**r._mapping) for r in self.conn.execute(stmt)]

    # -- audit -------------------------------------------------------------------------------------
    def append_audit(self, case_id: str | None, events: Sequence[dict[str, Any]], at: datetime) -> None:
        """Append events (actor, action, task_id?, data?) to a locked case's chain or the system chain.

        The events are inserted at once; a case's new head hash and count are written with the case
        row (by ``update_case``, or just before commit).
        """
        if not events:
            return
        holder: AuditChain | None = None
        if case_id is not None:
            case = self._cases[case_id]
            chain, head, count = case_chain(case_id), case["audit_head"], case["audit_count"]
        else:
            chain = SYSTEM_CHAIN
            stmt = select(AuditChain).where(AuditChain.chain == chain)
            if self.dialect == "postgresql":
                stmt = stmt.with_for_update()
            holder = self.session.scalars(stmt).first()
            if holder is None:
                holder = AuditChain(chain=chain, head=GENESIS, count=0)
                self.session.add(holder)
            head, count = holder.head, holder.count
        rows = []
        for ev in events:
            count += 1
            fields = {"chain": chain, "seq": count, "case_id": case_id, "task_id": ev.get("task_id"),
                      "actor": ev["actor"], "action": ev["action"], "at": at,
                      "data": dict(ev.get("data") or {})}
            digest = event_hash(prev_hash=head, **fields)
            rows.append({**fields, "prev_hash": head, "hash": digest})
            head = digest
        if holder is not None:
            _INSERT_EVENTS.run(self.conn, rows)
        else:
            self._send(_INSERT_EVENTS, rows)
        if holder is not None:
            holder.head, holder.count = head, count
            self.session.flush()
        elif case_id is not None:
            case["audit_head"], case["audit_count"] = head, count
            self._dirty.add(case_id)

    def case_audit(self, case_id: str) -> list[AuditRecord]:
        """A case's audit events in order."""
        return self.chain_events(case_chain(case_id))

    def task_completers(self, task_ids: Iterable[str]) -> dict[str, str]:
        """Who completed each of the tasks ``task_ids`` (their ``task.completed`` audit events): task id →
        login; a task nobody completed is absent."""
        ids = sorted(set(task_ids))
        if not ids:
            return {}
        stmt = (select(EVENTS.c.task_id, EVENTS.c.actor)
                .where(EVENTS.c.task_id.in_(ids), EVENTS.c.action == "task.completed").order_by(EVENTS.c.id))
        return {str(task_id): str(actor) for task_id, actor in self.conn.execute(stmt)}

    def task_events(self, task_id: str) -> list[AuditRecord]:
        """Audit events about one task, oldest first."""
        stmt = select(EVENTS).where(EVENTS.c.task_id == task_id).order_by(EVENTS.c.id)
        return [_audit_record(r) for r in self.conn.execute(stmt)]

    def audit_chains(self) -> list[tuple[str, str | None, int | None]]:
        """(chain, recorded head, recorded count) of every chain: cases, the system chain, and orphans."""
        out: list[tuple[str, str | None, int | None]] = []
        for case_id, head, count in self.conn.execute(select(CASES.c.id, CASES.c.audit_head,
                                                             CASES.c.audit_count)):
            out.append((case_chain(case_id), head, count))
        holders = select(AuditChain.chain, AuditChain.head, AuditChain.count)
        for chain, head, count in self.conn.execute(holders):
            out.append((chain, head, count))
        known = {c for c, _, _ in out}
        for (chain,) in self.conn.execute(select(EVENTS.c.chain).distinct()):
            if chain not in known:
                out.append((chain, None, None))
        return out

    def chain_events(self, chain: str) -> list[AuditRecord]:
        """All events of a chain in order."""
        return [_audit_record(r) for r in self.conn.execute(_CHAIN_EVENTS, {"chain": chain})]
