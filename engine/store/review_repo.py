"""``ReviewRepo``: what the reviews (R2.18) read and write inside one store transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.store.repo import Tx
from engine.store.report_models import CaseStats
from engine.store.review_models import Review, ReviewItem, ReviewTask

__all__ = ["ReviewRepo"]

REVIEWS: Table = Review.__table__  # type: ignore[assignment]
ITEMS: Table = ReviewItem.__table__  # type: ignore[assignment]
TASKS: Table = ReviewTask.__table__  # type: ignore[assignment]
STATS: Table = CaseStats.__table__  # type: ignore[assignment]


def _row(row: Any) -> dict[str, Any] | None:
    return dict(row._mapping) if row is not None else None


_OPEN_TASKS_OF_GROUPS = (select(TASKS).order_by(TASKS.c.due_at, TASKS.c.id)
                         .where(TASKS.c.candidate_group.in_(bindparam("groups", expanding=True)))
                         .where(TASKS.c.answered_at.is_(None)))


class ReviewRepo:
    """Review lists, their items and the systemic tasks on an open ``Tx``."""

    def __init__(self, tx: Tx) -> None:
        self.conn = tx.conn

    def find(self, kind: str, unit: str, period: str) -> dict[str, Any] | None:
        """The list of a kind, unit and period, or None."""
        return _row(self.conn.execute(select(REVIEWS).where(
            REVIEWS.c.kind == kind, REVIEWS.c.unit == unit, REVIEWS.c.period == period)).first())

    def review(self, review_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        """The list with this id, or None (``lock``: FOR UPDATE, so two sign-offs queue)."""
        stmt = select(REVIEWS).where(REVIEWS.c.id == review_id)
        if lock and self.conn.dialect.name != "sqlite":
            stmt = stmt.with_for_update()
        return _row(self.conn.execute(stmt).first())

    def add(self, values: dict[str, Any], items: list[dict[str, Any]]) -> int | None:
        """Insert a list and its items unless the kind, unit and period exist; its id, or None.

        ``ON CONFLICT DO NOTHING`` on the UNIQUE kind, unit and period: a worker and a manager asking
        for the same list at once write it once.
        """
        dialect = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        stmt = dialect(REVIEWS).values(**values).on_conflict_do_nothing().returning(REVIEWS.c.id)
        found = self.conn.execute(stmt).scalar()
        if found is None:
            return None
        review_id = int(found)
        if items:
            self.conn.execute(insert(ITEMS), [{**item, "review_id": review_id, "position": n}
                                              for n, item in enumerate(items, 1)])
        return review_id

    def reviews(self, *, kind: str | None = None, unit: str | None = None, limit: int = 100,
                ) -> list[dict[str, Any]]:
        """Lists, newest first, with the number of items and of notes."""
        # counted per list by the (review_id, position) index; no GROUP BY over the JSON summary
        # (PostgreSQL has no equality for json)
        mine = ITEMS.c.review_id == REVIEWS.c.id
        items = select(func.count()).select_from(ITEMS).where(mine).scalar_subquery()
        noted = select(func.count()).select_from(ITEMS).where(mine, ITEMS.c.noted_at.is_not(None))
        stmt = (select(REVIEWS, items.label("items"), noted.scalar_subquery().label("noted"))
                .order_by(REVIEWS.c.occurrence_at.desc(), REVIEWS.c.id.desc()).limit(limit))
        if kind is not None:
            stmt = stmt.where(REVIEWS.c.kind == kind)
        if unit is not None:
            stmt = stmt.where(REVIEWS.c.unit == unit)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def items(self, review_id: int) -> list[dict[str, Any]]:
        """The items of a list, in order."""
        stmt = select(ITEMS).where(ITEMS.c.review_id == review_id).order_by(ITEMS.c.position)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def item(self, review_id: int, item_id: int) -> dict[str, Any] | None:
        """One item of a list, or None."""
        return _row(self.conn.execute(select(ITEMS).where(
            ITEMS.c.review_id == review_id, ITEMS.c.id == item_id)).first())

    def note(self, item_id: int, note: str, by: str, at: datetime) -> None:
        """Write an item's note."""
        self.conn.execute(update(ITEMS).where(ITEMS.c.id == item_id)
                          .values(note=note, noted_by=by, noted_at=at))

    def unnoted(self, review_id: int) -> int:
        """How many items of a list have no note yet."""
        return int(self.conn.execute(select(func.count()).select_from(ITEMS).where(
            ITEMS.c.review_id == review_id, ITEMS.c.noted_at.is_(None))).scalar_one())

    def sign(self, review_id: int, by: str, at: datetime) -> bool:
        """Sign off an open list; False when it was signed already."""
        result = self.conn.execute(
            update(REVIEWS).where(REVIEWS.c.id == review_id, REVIEWS.c.status == "open")
            .values(status="signed", signed_by=by, signed_at=at))
        return bool(result.rowcount)

    # -- the quarterly systemic analysis ---------------------------------------------------------
    def departments(self, subsidiary: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Valid complaints received in ``[start, end)`` per responsible department and final cause."""
        stmt = (select(STATS.c.responsible_department, STATS.c.category, func.count())
                .where(STATS.c.subsidiary == subsidiary, STATS.c.process_id == "complaint",
                       STATS.c.opened_at >= start, STATS.c.opened_at < end, STATS.c.valid.is_(True),
                       STATS.c.responsible_department.is_not(None))
                .group_by(STATS.c.responsible_department, STATS.c.category)
                .order_by(STATS.c.responsible_department, STATS.c.category))
        return [{"department": r[0], "category": r[1], "count": int(r[2])} for r in self.conn.execute(stmt)]

    def add_task(self, values: dict[str, Any]) -> int:
        """Insert a department's task; its id."""
        return int(self.conn.execute(insert(TASKS).values(**values).returning(TASKS.c.id)).scalar_one())

    def tasks(self, *, review_id: int | None = None, groups: Any = None, subsidiary: str | None = None,
              open_only: bool = False) -> list[dict[str, Any]]:
        """Systemic tasks, by due time."""
        if open_only and groups is not None and review_id is None and subsidiary is None:
            # a person's open tasks (every inbox page asks): built once
            rows = self.conn.execute(_OPEN_TASKS_OF_GROUPS, {"groups": list(groups)})
            return [dict(r._mapping) for r in rows]
        stmt = select(TASKS).order_by(TASKS.c.due_at, TASKS.c.id)
        if review_id is not None:
            stmt = stmt.where(TASKS.c.review_id == review_id)
        if groups is not None:
            stmt = stmt.where(TASKS.c.candidate_group.in_(list(groups)))
        if subsidiary is not None:
            stmt = stmt.where(TASKS.c.subsidiary == subsidiary)
        if open_only:
            stmt = stmt.where(TASKS.c.answered_at.is_(None))
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def task(self, task_id: int) -> dict[str, Any] | None:
        """A systemic task, or None."""
        return _row(self.conn.execute(select(TASKS).where(TASKS.c.id == task_id)).first())

    def answer(self, task_id: int, answer: str, by: str, at: datetime) -> bool:
        """Record the department's answer; False when it was answered already."""
        result = self.conn.execute(update(TASKS).where(TASKS.c.id == task_id, TASKS.c.answered_at.is_(None))
                                   .values(answer=answer, answered_by=by, answered_at=at))
        return bool(result.rowcount)

    def late_tasks(self, subsidiary: str, moment: datetime) -> list[dict[str, Any]]:
        """Tasks due before ``moment`` that were answered after their due time or not by ``moment``."""
        stmt = select(TASKS).where(TASKS.c.subsidiary == subsidiary, TASKS.c.due_at < moment).order_by(
            TASKS.c.due_at, TASKS.c.id)
        return [dict(r._mapping) for r in self.conn.execute(stmt)
                if r.answered_at is None or r.answered_at > r.due_at]
