"""In-app notifications for the web UI: list a staff member's notices and mark them read."""

from __future__ import annotations

from collections.abc import Sequence

from engine.clock import Clock
from engine.store import Store
from engine.store.worker_repo import NotificationRecord, WorkerRepo

__all__ = ["mark_notifications_read", "notifications_for", "unread_count"]


def notifications_for(store: Store, login: str, *, unread_only: bool = False,
                      limit: int = 50) -> list[NotificationRecord]:
    """The staff member's notifications, newest first."""
    with store.read() as tx:
        return WorkerRepo(tx).notifications(login, unread_only=unread_only, limit=limit)


def unread_count(store: Store, login: str, limit: int = 100) -> int:
    """How many unread notifications the staff member has (counted up to ``limit``)."""
    return len(notifications_for(store, login, unread_only=True, limit=limit))


def mark_notifications_read(store: Store, login: str, ids: Sequence[int], clock: Clock) -> int:
    """Mark the staff member's notifications ``ids`` read (others' are left alone); how many changed."""
    with store.write() as tx:
        return WorkerRepo(tx).mark_read(login, ids, clock.now())
