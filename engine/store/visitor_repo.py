"""Repository of visitor reception: households, residents and the visit log (``VisitorRepo(tx)``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from engine.store.models import Case
from engine.store.repo import Tx
from engine.store.sql import digits_of
from engine.store.visitor_models import Household, Resident, Visit

__all__ = ["VisitorRepo"]

VISIT_FIELDS = tuple(c.key for c in Visit.__table__.columns)


def _plain(row: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(row, f) for f in fields}


class VisitorRepo:
    """Visitor tables inside one store transaction."""

    def __init__(self, tx: Tx) -> None:
        self.session = tx.session

    # -- households -------------------------------------------------------------------------------
    def upsert_household(
        self,
        code: str,
        project: str,
        room: str,
        owner_name: str,
        residents: Sequence[tuple[str, str | None, bool]] = (),
    ) -> bool:
        """Insert a household (and its residents) unless it exists; True when new."""
        if self.session.get(Household, code) is not None:
            return False
        self.session.add(Household(code=code, project=project, room=room, owner_name=owner_name))
        self.session.flush()
        for name, phone, is_owner in residents:
            self.session.add(Resident(household=code, name=name, phone=phone, is_owner=is_owner))
        self.session.flush()
        return True

    def household(self, code: str) -> dict[str, Any] | None:
        """One household as a dict, with ``residents`` (list of dicts)."""
        row = self.session.get(Household, code)
        if row is None:
            return None
        people = self.session.scalars(
            select(Resident).where(Resident.household == code).order_by(Resident.id)
        )
        return {
            "code": row.code,
            "project": row.project,
            "room": row.room,
            "owner_name": row.owner_name,
            "residents": [{"name": p.name, "phone": p.phone, "is_owner": p.is_owner} for p in people],
        }

    def households(self, project: str | None = None, room: str | None = None) -> list[dict[str, Any]]:
        """Households of a project (all when None), optionally those whose room contains ``room``."""
        stmt = select(Household).order_by(Household.project, Household.room)
        if project:
            stmt = stmt.where(Household.project == project)
        if room:
            stmt = stmt.where(Household.room.contains(room))
        return [
            {"code": h.code, "project": h.project, "room": h.room, "owner_name": h.owner_name}
            for h in self.session.scalars(stmt)
        ]

    def find_households(self, projects: list[str] | None, typed: str, limit: int = 8) -> list[dict[str, Any]]:
        """Households of ``projects`` (all when None) found by what a guard types: part of the room (its
        digits also match in another notation: 3-1-1202 finds 3栋1单元1202), a resident's or the owner's
        name, or part of a resident's phone. Each with its residents' names and masked phones.

        One SQL statement: the first ``limit`` matching households (by project and room) with their
        residents; nothing else of the projects is read."""
        text = typed.strip()
        if not text:
            return []
        digits = "".join(ch for ch in text if ch.isdigit())
        only_digits = digits == text.replace("-", "").replace(" ", "")
        own = [Household.room.contains(text, autoescape=True),
               Household.owner_name.contains(text, autoescape=True)]
        if len(digits) >= 3 and only_digits:
            own.append(digits_of(Household.room).contains(digits, autoescape=True))
        theirs = [Resident.name.contains(text, autoescape=True)]
        if len(digits) >= 4:
            theirs.append(Resident.phone.contains(digits, autoescape=True))
        people = select(Resident.id).where(Resident.household == Household.code, or_(*theirs))
        hits = select(Household.code).where(or_(*own, people.exists()))
        if projects is not None:
            hits = hits.where(Household.project.in_(projects))
        hits = hits.order_by(Household.project, Household.room, Household.code).limit(limit)
        stmt = (select(Household.code, Household.project, Household.room, Household.owner_name,
                       Resident.name, Resident.phone)
                .outerjoin(Resident, Resident.household == Household.code)
                .where(Household.code.in_(hits))
                .order_by(Household.project, Household.room, Household.code, Resident.id))
        found: dict[str, dict[str, Any]] = {}
        for code, project, room, owner_name, name, phone in self.session.execute(stmt):
            entry = found.setdefault(code, {"code": code, "project": project, "room": room,
                                            "owner_name": owner_name, "residents": []})
            if name is not None:
                phone = phone or ""
                masked = phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else ""
                entry["residents"].append({"name": name, "phone": masked})
        return list(found.values())

    def household_codes(self) -> list[str]:
        """Every household code (for did-you-mean hints)."""
        return list(self.session.scalars(select(Household.code)))

    # -- visits -----------------------------------------------------------------------------------
    def add_visit(self, **values: Any) -> None:
        """Insert a visit row."""
        self.session.add(Visit(**values))
        self.session.flush()

    def visit(self, number: str) -> dict[str, Any] | None:
        """One visit with the status, outcome and room of its case."""
        row = self.session.execute(
            select(Visit, Case.status, Case.outcome, Case.room)
            .join(Case, Case.id == Visit.case_id)
            .where(Visit.number == number)
        ).first()
        if row is None:
            return None
        return {**_plain(row[0], VISIT_FIELDS), "status": row[1], "outcome": row[2], "room": row[3]}

    def visit_by_token(self, token: str) -> dict[str, Any] | None:
        """The visit a host-answer link belongs to."""
        number = self.session.scalar(select(Visit.number).where(Visit.answer_token == token))
        return None if number is None else self.visit(number)

    def update_visit(self, number: str, **values: Any) -> None:
        """Set fields of a visit row."""
        row = self.session.get(Visit, number)
        assert row is not None, number
        for key, value in values.items():
            setattr(row, key, value)
        self.session.flush()

    def search_visits(
        self,
        *,
        projects: Sequence[str] | None,
        text: str | None = None,
        purpose: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 500,
    ) -> list[dict[str, Any]]:
        """Visits newest first; ``projects`` None = all; ``text`` matches name, number, host, room."""
        stmt = (
            select(Visit, Case.status, Case.outcome, Case.room)
            .join(Case, Case.id == Visit.case_id)
            .order_by(Visit.arrived_at.desc())
            .limit(limit)
        )
        if projects is not None:
            stmt = stmt.where(Visit.project.in_(list(projects)))
        if text:
            like = f"%{text}%"
            stmt = stmt.where(
                or_(
                    Visit.visitor_name.like(like),
                    Visit.number.like(like),
                    Visit.host_name.like(like),
                    Case.room.like(like),
                    Visit.complaint_number.like(like),
                )
            )
        if purpose:
            stmt = stmt.where(Visit.purpose == purpose)
        if since is not None:
            stmt = stmt.where(Visit.arrived_at >= since)
        if until is not None:
            stmt = stmt.where(Visit.arrived_at < until)
        return [
            {**_plain(r[0], VISIT_FIELDS), "status": r[1], "outcome": r[2], "room": r[3]}
            for r in self.session.execute(stmt)
        ]
