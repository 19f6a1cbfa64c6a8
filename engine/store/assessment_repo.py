"""``AssessmentRepo``: what the staff assessment (R8) reads and writes inside one store transaction.

The month's figures are ``GROUP BY`` statements over ``(subsidiary, month)`` and ``(person, month)``;
the money is computed from those sums (``engine.assessment``), never from a loop over notices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Integer, Table, case, func, insert, or_, select, update

from engine.store.assessment_models import NoticeAppeal, ViolationNotice
from engine.store.repo import Tx

__all__ = ["AppealRecord", "AssessmentRepo", "IssueSum", "NoticeRecord"]

NOTICES: Table = ViolationNotice.__table__  # type: ignore[assignment]
APPEALS: Table = NoticeAppeal.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class NoticeRecord:
    """A violation notice as stored."""

    id: int
    subsidiary: str | None
    project: str | None
    person: str
    supervisor: str | None
    issue: str
    points: int
    issued_points: int
    occurred_on: date
    month: str
    text: str
    supervisor_liable: bool
    status: str
    appeals: int
    issued_by: str
    issued_at: datetime
    version: int


@dataclass(frozen=True)
class AppealRecord:
    """An appeal of a notice at one level, decided or pending."""

    id: int
    notice_id: int
    level: int
    role: str
    reason: str
    appealed_by: str
    appealed_at: datetime
    decision: str | None
    points_after: int | None
    answer: str | None
    decided_by: str | None
    decided_at: datetime | None


@dataclass(frozen=True)
class IssueSum:
    """One person's notices in force of one issue and supervisor in a month: how many, their points."""

    person: str
    supervisor: str | None
    issue: str
    notices: int
    points: int
    liable_points: int  # points of notices the issuer marked 经查实 (the supervisor shares them)


def _notice(row: object) -> NoticeRecord:
    return NoticeRecord(**{c.key: getattr(row, c.key) for c in NOTICES.columns})


def _appeal(row: object) -> AppealRecord:
    return AppealRecord(**{c.key: getattr(row, c.key) for c in APPEALS.columns})


class AssessmentRepo:
    """Violation notices and appeals on an open ``Tx``."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.conn = tx.conn

    def insert_notice(self, **values: object) -> int:
        """Insert a notice (in force, version 1); returns its id."""
        result = self.conn.execute(insert(NOTICES).values(status="in_force", appeals=0, version=1, **values)
                                   .returning(NOTICES.c.id))
        return int(result.scalar_one())

    def notice(self, notice_id: int) -> NoticeRecord | None:
        """The notice with this id, or None."""
        row = self.conn.execute(select(NOTICES).where(NOTICES.c.id == notice_id)).first()
        return _notice(row) if row is not None else None

    def update_notice(self, notice_id: int, expected_version: int, **values: object) -> bool:
        """Change a notice still at ``expected_version``; False when someone changed it first."""
        result = self.conn.execute(update(NOTICES).where(
            NOTICES.c.id == notice_id, NOTICES.c.version == expected_version,
        ).values(version=expected_version + 1, **values))
        return result.rowcount == 1

    def notices(self, month: str, *, subsidiary: str | None = None, project: str | None = None,
                person: str | None = None, involving: str | None = None) -> list[NoticeRecord]:
        """The month's notices (every status), by date then id; ``involving``: as person or supervisor."""
        query = select(NOTICES).where(NOTICES.c.month == month)
        if subsidiary is not None:
            query = query.where(NOTICES.c.subsidiary == subsidiary)
        if project is not None:
            query = query.where(NOTICES.c.project == project)
        if person is not None:
            query = query.where(NOTICES.c.person == person)
        if involving is not None:
            query = query.where(or_(NOTICES.c.person == involving, NOTICES.c.supervisor == involving))
        return [_notice(r) for r in self.conn.execute(query.order_by(NOTICES.c.occurred_on, NOTICES.c.id))]

    def issue_sums(self, month: str, *, subsidiary: str | None = None, project: str | None = None,
                   people: Sequence[str] | None = None) -> list[IssueSum]:
        """Per person, supervisor and issue: notices in force and their points (one ``GROUP BY``).

        ``people`` selects the notices of those people and those where they are the supervisor.
        """
        liable = func.sum(case((NOTICES.c.supervisor_liable.is_(True), NOTICES.c.points), else_=0))
        query = (select(NOTICES.c.person, NOTICES.c.supervisor, NOTICES.c.issue, func.count(),
                        func.sum(NOTICES.c.points), liable.cast(Integer))
                 .where(NOTICES.c.month == month, NOTICES.c.status != "cancelled")
                 .group_by(NOTICES.c.person, NOTICES.c.supervisor, NOTICES.c.issue)
                 .order_by(NOTICES.c.person, NOTICES.c.issue))
        if subsidiary is not None:
            query = query.where(NOTICES.c.subsidiary == subsidiary)
        if project is not None:
            query = query.where(NOTICES.c.project == project)
        if people is not None:
            who = list(people)
            query = query.where(or_(NOTICES.c.person.in_(who), NOTICES.c.supervisor.in_(who)))
        return [IssueSum(str(r[0]), r[1], str(r[2]), int(r[3]), int(r[4] or 0), int(r[5] or 0))
                for r in self.conn.execute(query)]

    def add_appeal(self, **values: object) -> int:
        """Insert an appeal (pending); returns its id."""
        return int(self.conn.execute(insert(APPEALS).values(**values).returning(APPEALS.c.id)).scalar_one())

    def decide_appeal(self, appeal_id: int, **values: object) -> bool:
        """Record the decision of a pending appeal; False when it was decided already."""
        result = self.conn.execute(update(APPEALS).where(APPEALS.c.id == appeal_id,
                                                         APPEALS.c.decision.is_(None)).values(**values))
        return result.rowcount == 1

    def appeals(self, notice_id: int) -> list[AppealRecord]:
        """Every appeal of a notice, lowest level first."""
        rows = self.conn.execute(select(APPEALS).where(APPEALS.c.notice_id == notice_id)
                                 .order_by(APPEALS.c.level))
        return [_appeal(r) for r in rows]

    def pending_appeals(self, roles: Sequence[str], subsidiary: str | None) -> list[tuple[AppealRecord,
                                                                                         NoticeRecord]]:
        """Undecided appeals for one of ``roles`` (of a subsidiary, or every one when None)."""
        query = (select(APPEALS, NOTICES).join(NOTICES, NOTICES.c.id == APPEALS.c.notice_id)
                 .where(APPEALS.c.decision.is_(None), APPEALS.c.role.in_(list(roles)))
                 .order_by(APPEALS.c.appealed_at))
        if subsidiary is not None:
            query = query.where(NOTICES.c.subsidiary == subsidiary)
        out = []
        for row in self.conn.execute(query):
            mapping = row._mapping
            appeal = AppealRecord(**{c.key: mapping[APPEALS.c[c.key]] for c in APPEALS.columns})
            notice = NoticeRecord(**{c.key: mapping[NOTICES.c[c.key]] for c in NOTICES.columns})
            out.append((appeal, notice))
        return out
