"""``Tx``: the repository functions the runtime calls inside one store transaction."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from engine.store.authenticated import staff_changed, take_ahead
from engine.store.direct import DirectWrite
from engine.store.models import (
    AuditEvent,
    Case,
    InboxTask,
    NumberSequence,
    OrgUnit,
    PolicySnapshot,
    ProcessVersion,
    Staff,
)
from engine.store.records import StaffRecord, UnitRecord
from engine.store.repo_cases import CASE_FIELDS, TASK_CASE_FIELDS, TASK_FIELDS, CaseTx

__all__ = ["CASE_FIELDS", "TASK_CASE_FIELDS", "TASK_FIELDS", "Tx"]

NUMBERS: Table = NumberSequence.__table__  # type: ignore[assignment]
UNITS: Table = OrgUnit.__table__  # type: ignore[assignment]
_LEVELS = [UNITS.alias(f"u{i}") for i in range(4)]  # the staff member's unit and three above it


def _staff_joined() -> Any:
    """The staff table joined with their unit and three above it."""
    joined: Any = Staff.__table__.outerjoin(_LEVELS[0], _LEVELS[0].c.code == Staff.unit)
    for below, above in zip(_LEVELS, _LEVELS[1:], strict=False):
        joined = joined.outerjoin(above, above.c.code == below.c.parent)
    return joined


# The columns of a staff record, labelled so that they can sit beside another table's in one row: those
# ``staff_record`` uses (not the row's id, nor its password hash, which every request read with its
# session or token).
_RECORD_FIELDS = ("login", "name", "unit", "roles", "phone", "email", "active", "deputy")
STAFF_COLUMNS = [*[Staff.__table__.c[name].label(f"staff_{name}") for name in _RECORD_FIELDS],
                 _LEVELS[0].c.name.label("staff_unit_name"),
                 *[c.label(f"staff_u{i}_{c.name}") for i, u in enumerate(_LEVELS)
                   for c in (u.c.code, u.c.kind)]]
STAFF_JOINED = _staff_joined()
_STAFF = select(*STAFF_COLUMNS).select_from(STAFF_JOINED).where(Staff.login == bindparam("login"))


def staff_record(row: Any) -> StaffRecord | None:
    """The staff record in a row selected with ``STAFF_COLUMNS`` (None when it has no staff member)."""
    m = row._mapping
    if m["staff_login"] is None:
        return None
    chain = tuple((m[f"staff_u{i}_code"], m[f"staff_u{i}_kind"]) for i in range(len(_LEVELS))
                  if m[f"staff_u{i}_code"])
    return StaffRecord(m["staff_login"], m["staff_name"], m["staff_unit"], tuple(m["staff_roles"] or ()),
                       m["staff_phone"], m["staff_email"], m["staff_active"],
                       unit_kind=chain[0][1] if chain else None,
                       unit_parent=chain[1][0] if len(chain) > 1 else None, unit_chain=chain,
                       deputy=m["staff_deputy"], unit_name=m["staff_unit_name"])
_UNITS = select(UNITS)
# Two fixed parameters for the parents: an expanding IN would be rendered anew on every execution.
_DEPARTMENT_UNITS = select(UNITS.c.parent, UNITS.c.code).where(
    UNITS.c.kind == "department", UNITS.c.department == bindparam("department"),
    UNITS.c.parent.in_([bindparam("near"), bindparam("far")]))
_NEXT_NUMBER: dict[str, DirectWrite] = {}  # per dialect


class Tx(CaseTx):
    """One open transaction; every method runs inside it and returns plain records."""

    def __init__(self, conn: Connection, *, autocommit: bool = False, reading: bool = False) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self.autocommit = autocommit  # a PostgreSQL read: no transaction until ``set_local`` starts one
        self.reading = reading  # a read (``Store.read``): nothing in it changes a staff row
        self._known_staff: dict[str, StaffRecord] = {}
        self._session: Session | None = None
        self._on_commit: list[Callable[[], object]] = []
        self._ahead: dict[Hashable, list[Any]] = {}  # rows read ahead (``read_ahead``), by what asks them
        self._init_cases()

    def on_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once this transaction has committed (dropped if it rolls back): what a caller
        remembers about the database (e.g. "this version is stored") is remembered only when it is true."""
        self._on_commit.append(callback)

    def committed(self) -> None:
        """The transaction committed: run the ``on_commit`` callbacks (``Store.write`` calls this)."""
        callbacks, self._on_commit = self._on_commit, []
        for callback in callbacks:
            callback()

    @property
    def session(self) -> Session:
        """An ORM session on this transaction's connection, made on first use."""
        if self._session is None:
            self._session = Session(bind=self.conn, autoflush=False, expire_on_commit=False)
        return self._session

    def flush(self) -> None:
        """Write what is pending (case audit heads, ORM objects) before the transaction commits."""
        self.flush_cases()
        if self._session is not None:
            self._session.flush()

    def read_ahead(self, key: Hashable, rows: list[Any]) -> None:
        """Keep rows read ahead, with others in one statement, for the repository call that asks them
        by ``key`` (``ahead``) later in this transaction."""
        self._ahead[key] = rows

    def ahead(self, key: Hashable) -> list[Any] | None:
        """The rows read ahead for ``key`` in this transaction or, before it, with this web request's
        authenticating statement (``engine.store.authenticated.keep_ahead``); once: a second ask reads
        again. None when nothing was read ahead."""
        found = self._ahead.pop(key, None)
        return found if found is not None else take_ahead(key)

    def set_local(self, name: str, value: str) -> None:
        """PostgreSQL: the setting ``name`` is ``value`` for the rest of this transaction (``SET LOCAL``).
        A read runs in autocommit, where a local setting would end with its own statement: it begins
        a transaction first, which ``Store.read`` rolls back at its end like any read's."""
        if self.dialect != "postgresql":
            return
        if self.autocommit:
            self.conn.exec_driver_sql("BEGIN")
            self.autocommit = False
        self.conn.execute(select(func.set_config(name, value, True)))

    def close(self) -> None:
        """Let go of the ORM session, if one was made (the connection's transaction is not touched)."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def _insert(self, model: Any) -> Any:
        """A dialect insert that supports ``on_conflict_do_nothing()`` (PostgreSQL and SQLite)."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(model)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(model)

    # -- org ---------------------------------------------------------------------------------------
    def staff(self, login: str) -> StaffRecord | None:
        """The staff member with this login (with their unit's kind and parent), or None. A read that
        already had them in another row (a session's or token's, ``known_staff``) asks no more."""
        known = self._known_staff.get(login)
        if known is not None:
            return known
        found = self.conn.execute(_STAFF, {"login": login}).first()
        return None if found is None else staff_record(found)

    def known_staff(self, record: StaffRecord | None) -> None:
        """Remember a staff record read in this read transaction with another row (``Tx.staff`` returns
        it); a write transaction, which may change staff rows, always reads them again."""
        if record is not None and self.reading:
            self._known_staff[record.login] = record

    def staff_logins(self) -> list[str]:
        """Every login (for did-you-mean hints)."""
        return list(self.session.scalars(select(Staff.login)))

    def units(self) -> dict[str, UnitRecord]:
        """Every org unit by code."""
        rows = self.conn.execute(_UNITS)
        return {r.code: UnitRecord(r.code, r.name, r.kind, r.parent, r.department, r.position) for r in rows}

    def department_unit(self, department: str, parents: Sequence[str]) -> str | None:
        """The unit of ``department`` directly under the first of ``parents`` (one or two) that has one."""
        if not parents:
            return None
        near, far = parents[0], parents[-1]
        rows = self.conn.execute(_DEPARTMENT_UNITS, {"department": department, "near": near, "far": far})
        found = dict(rows.tuples().all())
        return next((found[p] for p in parents if p in found), None)

    def upsert_units(self, units: Iterable[UnitRecord]) -> int:
        """Insert or update units; returns how many changed."""
        existing = {u.code: u for u in self.session.scalars(select(OrgUnit))}
        changed = 0
        for unit in units:
            row = existing.get(unit.code)
            values = {"name": unit.name, "kind": unit.kind, "parent": unit.parent,
                      "department": unit.department, "position": unit.position}
            if row is None:
                self.session.add(OrgUnit(code=unit.code, **values))
                changed += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                changed += 1
        self.session.flush()
        if changed:
            staff_changed()  # a staff record carries its unit's chain and name
        return changed

    def upsert_staff(self, people: Iterable[StaffRecord]) -> int:
        """Insert or update staff (the password hash is left alone); returns how many changed."""
        existing = {s.login: s for s in self.session.scalars(select(Staff))}
        changed = 0
        for person in people:
            row = existing.get(person.login)
            values = {"name": person.name, "unit": person.unit, "roles": list(person.roles),
                      "phone": person.phone, "email": person.email, "active": person.active,
                      "deputy": person.deputy}
            if row is None:
                self.session.add(Staff(login=person.login, **values))
                changed += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                changed += 1
        self.session.flush()
        if changed:
            staff_changed()
        return changed

    def active_logins(self) -> set[str]:
        """Logins of every active staff member."""
        return set(self.conn.scalars(select(Staff.login).where(Staff.active.is_(True))))

    def deactivate_staff(self, logins: Iterable[str]) -> None:
        """Mark staff members inactive (they keep their rows: cases and audit events name them)."""
        names = list(logins)
        if names:
            self.conn.execute(update(Staff).where(Staff.login.in_(names)).values(active=False))
            staff_changed()

    # -- versions ----------------------------------------------------------------------------------
    def process_sources(self, process_id: str, version: str) -> dict[str, str] | None:
        """The stored sources of one process version, or None."""
        return self.session.scalars(
            select(ProcessVersion.sources).where(
                ProcessVersion.process_id == process_id, ProcessVersion.version == version
            )
        ).first()

    def policy_snapshot(self, fingerprint: str) -> dict[str, Any] | None:
        """A stored policy snapshot, or None."""
        return self.session.scalars(
            select(PolicySnapshot.snapshot).where(PolicySnapshot.fingerprint == fingerprint)
        ).first()

    def ensure_policy_snapshot(self, fingerprint: str, snapshot: dict[str, Any], now: datetime) -> bool:
        """Store a snapshot unless its fingerprint is known; True when it was new.

        Whether a row was inserted is read from ``RETURNING``: the rowcount of this statement through
        the session is -1 (unknown) on PostgreSQL, which made every process pin a known policy again
        (a ``policy.pinned`` event and the system chain's lock in an intake; bench/load.py)."""
        row = {"fingerprint": fingerprint, "snapshot": snapshot, "created_at": now}
        stmt = (self._insert(PolicySnapshot).values(**row).on_conflict_do_nothing()
                .returning(PolicySnapshot.fingerprint))
        return self.session.execute(stmt).first() is not None

    # -- numbers -----------------------------------------------------------------------------------
    def next_number(self, subsidiary: str, prefix: str, year: int) -> int:
        """Take the next number of a sequence (one upsert); the row stays locked until commit."""
        stmt = _NEXT_NUMBER.get(self.dialect)
        if stmt is None:
            values: dict[str, Any] = {"subsidiary": bindparam("s"), "prefix": bindparam("p"),
                                      "year": bindparam("y"), "last": bindparam("first")}
            ins = self._insert(NUMBERS).values(values)
            stmt = _NEXT_NUMBER[self.dialect] = DirectWrite(ins.on_conflict_do_update(
                index_elements=[NUMBERS.c.subsidiary, NUMBERS.c.prefix, NUMBERS.c.year],
                set_={"last": NUMBERS.c.last + bindparam("step")},
            ).returning(NUMBERS.c.last))
        row = {"s": subsidiary, "p": prefix, "y": year, "first": 1, "step": 1}
        return int(stmt.first_value(self.conn, row))

    def count_rows(self, table: str) -> int:
        """How many rows a table holds (tests and diagnostics)."""
        model = {m.__tablename__: m for m in (Case, InboxTask, AuditEvent, NumberSequence, Staff, OrgUnit,
                                               ProcessVersion, PolicySnapshot)}[table]
        return int(self.session.scalar(select(func.count()).select_from(model)) or 0)
