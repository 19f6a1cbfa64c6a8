"""Organisation administration in SQL: units and staff one at a time, absences, published contacts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, func, insert, or_, select, update

from engine.store.authenticated import staff_changed
from engine.store.models import OrgUnit, Staff
from engine.store.org_models import Contact, ContactChange, StaffAbsence
from engine.store.records import StaffRecord, UnitRecord
from engine.store.repo import Tx

__all__ = ["AbsenceRecord", "ContactChangeRecord", "ContactRecord", "OrgRepo"]

UNITS: Table = OrgUnit.__table__  # type: ignore[assignment]
STAFF: Table = Staff.__table__  # type: ignore[assignment]
ABSENCES: Table = StaffAbsence.__table__  # type: ignore[assignment]
CONTACTS: Table = Contact.__table__  # type: ignore[assignment]
CHANGES: Table = ContactChange.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class AbsenceRecord:
    """An absence row: who, from when until when, their deputy, why, and whether it was cancelled."""

    id: int
    login: str
    deputy: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None
    cancelled_by: str | None

    def covers(self, moment: datetime) -> bool:
        """True when the absence is in force at ``moment``."""
        return self.cancelled_at is None and self.starts_at <= moment < self.ends_at


@dataclass(frozen=True)
class ContactRecord:
    """One published contact of a unit (an external channel of an area, or a department's contact)."""

    unit: str
    channel: str
    value: str
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class ContactChangeRecord:
    """One change of a unit's contacts and its acknowledgement by the CS centre."""

    id: int
    unit: str
    subsidiary: str | None
    changes: dict[str, Any]
    changed_by: str
    changed_at: datetime
    due_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None


def _staff(row: Any) -> StaffRecord:
    m = row._mapping
    return StaffRecord(m["login"], m["name"], m["unit"], tuple(m["roles"] or ()), m["phone"], m["email"],
                       bool(m["active"]), deputy=m["deputy"])


_OPEN_CONTACT_CHANGES = (select(CHANGES).where(CHANGES.c.acknowledged_at.is_(None))
                         .order_by(CHANGES.c.due_at, CHANGES.c.id).limit(bindparam("limit")))


class OrgRepo:
    """Repository functions of organisation administration inside one store transaction."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.conn = tx.conn

    # -- units and staff ---------------------------------------------------------------------------
    def unit(self, code: str) -> UnitRecord | None:
        """One unit by code."""
        r = self.conn.execute(select(UNITS).where(UNITS.c.code == code)).first()
        return None if r is None else UnitRecord(r.code, r.name, r.kind, r.parent, r.department, r.position)

    def add_unit(self, unit: UnitRecord) -> None:
        """Insert a unit, after its siblings of its kind in the organisation's order."""
        last = self.conn.execute(select(func.max(UNITS.c.position)).where(
            UNITS.c.parent == unit.parent, UNITS.c.kind == unit.kind)).scalar()
        self.conn.execute(insert(UNITS).values(code=unit.code, name=unit.name, kind=unit.kind,
                                               parent=unit.parent, department=unit.department,
                                               position=(last or 0) + 1))

    def update_unit(self, code: str, **values: Any) -> None:
        """Change a unit's name (or department code)."""
        self.conn.execute(update(UNITS).where(UNITS.c.code == code).values(**values))
        staff_changed()  # a staff record carries its unit's chain and name

    def all_staff(self, logins: Sequence[str] | None = None) -> list[StaffRecord]:
        """Staff members, active or not (of ``logins`` when given), by login."""
        stmt = select(STAFF)
        if logins is not None:
            stmt = stmt.where(STAFF.c.login.in_(list(logins)))
        return [_staff(r) for r in self.conn.execute(stmt.order_by(STAFF.c.login))]

    def staff_in(self, units: Iterable[str]) -> list[StaffRecord]:
        """Staff whose unit is one of ``units``, active first, then by name."""
        stmt = select(STAFF).where(STAFF.c.unit.in_(list(units)))
        return [_staff(r) for r in self.conn.execute(stmt.order_by(STAFF.c.active.desc(), STAFF.c.login))]

    def add_staff(self, person: StaffRecord) -> None:
        """Insert a staff member (no password yet)."""
        self.conn.execute(insert(STAFF).values(
            login=person.login, name=person.name, unit=person.unit, roles=list(person.roles),
            phone=person.phone, email=person.email, active=person.active, deputy=person.deputy))

    def update_staff(self, login: str, **values: Any) -> None:
        """Change a staff member's columns (``roles`` as a list)."""
        if "roles" in values:
            values["roles"] = list(values["roles"])
        self.conn.execute(update(STAFF).where(STAFF.c.login == login).values(**values))
        staff_changed()

    def deputies_of(self, login: str) -> list[str]:
        """Logins of the active staff whose standing deputy is ``login``."""
        stmt = select(STAFF.c.login).where(STAFF.c.deputy == login, STAFF.c.active.is_(True))
        return list(self.conn.scalars(stmt.order_by(STAFF.c.login)))

    # -- absences ----------------------------------------------------------------------------------
    def add_absence(self, **values: Any) -> int:
        """Insert an absence; its id."""
        result = self.conn.execute(insert(ABSENCES).values(**values, cancelled_at=None, cancelled_by=None)
                                   .returning(ABSENCES.c.id))
        return int(result.scalar_one())

    def absence(self, absence_id: int) -> AbsenceRecord | None:
        """One absence by id."""
        r = self.conn.execute(select(ABSENCES).where(ABSENCES.c.id == absence_id)).first()
        return None if r is None else AbsenceRecord(**r._mapping)

    def absences_of(self, login: str, *, since: datetime | None = None) -> list[AbsenceRecord]:
        """A staff member's absences (ending after ``since``), latest start first."""
        stmt = select(ABSENCES).where(ABSENCES.c.login == login)
        if since is not None:
            stmt = stmt.where(ABSENCES.c.ends_at > since)
        rows = self.conn.execute(stmt.order_by(ABSENCES.c.starts_at.desc()))
        return [AbsenceRecord(**r._mapping) for r in rows]

    def absences_between(self, start: datetime, end: datetime) -> list[AbsenceRecord]:
        """Absences not cancelled that overlap ``[start, end)`` (uses the ``ends_at`` index)."""
        stmt = select(ABSENCES).where(ABSENCES.c.ends_at > start, ABSENCES.c.starts_at < end,
                                      ABSENCES.c.cancelled_at.is_(None))
        return [AbsenceRecord(**r._mapping) for r in self.conn.execute(stmt.order_by(ABSENCES.c.starts_at))]

    def absences_at(self, moment: datetime) -> list[AbsenceRecord]:
        """Absences in force at ``moment`` (not cancelled; ``starts_at <= moment < ends_at``)."""
        stmt = select(ABSENCES).where(ABSENCES.c.ends_at > moment, ABSENCES.c.starts_at <= moment,
                                      ABSENCES.c.cancelled_at.is_(None))
        return [AbsenceRecord(**r._mapping) for r in self.conn.execute(stmt.order_by(ABSENCES.c.id))]

    def cancel_absence(self, absence_id: int, at: datetime, by: str) -> None:
        """Mark an absence cancelled."""
        self.conn.execute(update(ABSENCES).where(ABSENCES.c.id == absence_id)
                          .values(cancelled_at=at, cancelled_by=by))

    # -- contacts ----------------------------------------------------------------------------------
    def contacts(self, units: Iterable[str] | None = None) -> list[ContactRecord]:
        """Published contacts (of ``units`` when given), by unit and channel."""
        stmt = select(CONTACTS)
        if units is not None:
            stmt = stmt.where(CONTACTS.c.unit.in_(list(units)))
        rows = self.conn.execute(stmt.order_by(CONTACTS.c.unit, CONTACTS.c.channel))
        return [ContactRecord(**r._mapping) for r in rows]

    def search_contacts(self, text: str, limit: int = 200) -> list[str]:
        """Units with a contact whose value contains ``text`` (a phone, an e-mail, a person's name).
        A query of digits (separators allowed: 888 12, 888-12) compares digits only, so 88812 finds
        400-888-1234."""
        match = CONTACTS.c.value.contains(text, autoescape=True)
        digits = re.sub(r"[\s\-()+.]", "", text)
        if digits.isdigit():
            bare: Any = CONTACTS.c.value
            for separator in (" ", "-", "(", ")", "+", "."):
                bare = func.replace(bare, separator, "")
            match = or_(match, bare.contains(digits, autoescape=True))
        stmt = select(CONTACTS.c.unit).where(match).distinct().limit(limit)
        return list(self.conn.scalars(stmt))

    def set_contacts(self, unit: str, values: dict[str, str | None], at: datetime, by: str) -> None:
        """Write a unit's contacts: a channel with a value is stored, one with None removed."""
        for channel, value in values.items():
            where = and_(CONTACTS.c.unit == unit, CONTACTS.c.channel == channel)
            self.conn.execute(delete(CONTACTS).where(where))
            if value is not None:
                self.conn.execute(insert(CONTACTS).values(unit=unit, channel=channel, value=value,
                                                          updated_at=at, updated_by=by))

    def add_contact_change(self, **values: Any) -> int:
        """Record a change of a unit's contacts; returns its id."""
        key = self.conn.execute(insert(CHANGES).values(**values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def contact_change(self, change_id: int) -> ContactChangeRecord | None:
        """One change by id."""
        row = self.conn.execute(select(CHANGES).where(CHANGES.c.id == change_id)).first()
        return ContactChangeRecord(**row._mapping) if row is not None else None

    def contact_changes(self, *, subsidiaries: Sequence[str | None] | None = None, open_only: bool = True,
                        limit: int = 200) -> list[ContactChangeRecord]:
        """Changes (of units in ``subsidiaries``; ``None`` in it: group-level units), oldest due first."""
        if open_only and subsidiaries is None:  # every inbox page asks this one: built once
            rows = self.conn.execute(_OPEN_CONTACT_CHANGES, {"limit": limit})
            return [ContactChangeRecord(**r._mapping) for r in rows]
        stmt = select(CHANGES)
        if open_only:
            stmt = stmt.where(CHANGES.c.acknowledged_at.is_(None))
        if subsidiaries is not None:
            named = [s for s in subsidiaries if s is not None]
            where = CHANGES.c.subsidiary.in_(named)
            stmt = stmt.where(or_(where, CHANGES.c.subsidiary.is_(None)) if None in subsidiaries else where)
        rows = self.conn.execute(stmt.order_by(CHANGES.c.due_at, CHANGES.c.id).limit(limit))
        return [ContactChangeRecord(**r._mapping) for r in rows]

    def overdue_contact_changes(self, moment: datetime) -> list[ContactChangeRecord]:
        """Every change not acknowledged and due before ``moment``, the longest overdue first."""
        stmt = (select(CHANGES).where(CHANGES.c.acknowledged_at.is_(None), CHANGES.c.due_at < moment)
                .order_by(CHANGES.c.due_at, CHANGES.c.id))
        return [ContactChangeRecord(**r._mapping) for r in self.conn.execute(stmt)]

    def acknowledge_contact_change(self, change_id: int, by: str, at: datetime) -> bool:
        """Mark a change acknowledged unless it already is; True when this call did it."""
        done = self.conn.execute(update(CHANGES).where(CHANGES.c.id == change_id,
                                                       CHANGES.c.acknowledged_at.is_(None))
                                 .values(acknowledged_by=by, acknowledged_at=at))
        return bool(done.rowcount)

    def units_matching(self, text: str, limit: int = 200) -> list[str]:
        """Codes of units whose name or code contains ``text``."""
        like = or_(UNITS.c.name.contains(text, autoescape=True), UNITS.c.code.contains(text, autoescape=True))
        return list(self.conn.scalars(select(UNITS.c.code).where(like).limit(limit)))
