"""Notifications caused by a case transition, written in the transition's own transaction (R2.10).

When the supervision order 督办令 is signed (the case becomes ``dispatched``), the people who must
act on it — the holders of the new responsible-department task, or its assignee — are told at once
on every channel of ``notifications.channels`` (003 第19条: 签发后自动短信提醒责任人). The runtime
calls ``on_transition(tx, transition)`` just before it commits; ``install(runtime)`` sets that up.
"""

from __future__ import annotations

from typing import Any

from engine.store import Tx
from engine.store.worker_repo import WorkerRepo
from engine.worker.outbox import Notifier
from engine.worker.people import Directory

__all__ = ["install", "on_transition"]

DISPATCHED = "dispatched"


def on_transition(tx: Tx, transition: Any) -> int:
    """Queue what this transition tells people; returns how many rows were written."""
    case = transition.case
    if case.get("status") != DISPATCHED or transition.original.get("status") == DISPATCHED:
        return 0
    rows = [r for r in transition.new_rows if r.candidate_group or r.assignee]
    if not rows:
        return 0
    repo = WorkerRepo(tx)
    directory = Directory(repo.all_staff(), transition.units())
    notifier = Notifier(repo, transition.policy, transition.now)
    written = 0
    for row in rows:
        due = transition.local(row.due_at) or "-"
        written += notifier.tell(directory.of_task(row.candidate_group, row.assignee), "order_signed",
                                 row.task_id, case_id=case["id"], case_number=case["number"],
                                 case=case["number"], task=row.title, due=due, room=case.get("room") or "")
    return written


def install(runtime: Any) -> None:
    """Have ``runtime`` call ``on_transition`` inside each transition's transaction."""
    runtime.after_transition = on_transition
