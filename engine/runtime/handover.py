"""Hand open tasks to someone else without a step of their case: deactivation, absence, org import.

A task handed over keeps its place in the process; only its inbox row changes (``assignee``,
``claimed_at``) and its case's audit chain gets a ``task.transferred`` event that names the holder
before and after (``from``, ``assignee``, ``candidate_group``), why (``reason``: ``deactivated``,
``absence`` …) and who did it. The worker reads those events to know who held a task when
(``engine.worker.context.tasks_at``): reminders and fines follow the task to its new holder.

"Back to the queue" clears the assignee: the task waits in its candidate group (``role@unit``)
for anyone holding that role to claim it. A task without a candidate group cannot go back to a
queue and must be given to a person. A person receiving a task must be active and may read its
case (``task.receive``): tasks never cross to another subsidiary. A task whose row bars the receiver
(``excluded``: they did a step its ``not_completed_by`` names, R6.3) goes back to its queue instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.errors import FormError
from engine.permissions import Target, can, subject_of
from engine.store import StaffRecord, TaskRecord, Tx, UnitRecord
from engine.store.records import barred_logins

__all__ = ["HandedOver", "hand_over"]


@dataclass(frozen=True)
class HandedOver:
    """One task handed over: its case number, title, and the holder before and after (None: queue)."""

    task_id: str
    number: str
    title: str
    before: str | None
    after: str | None


def hand_over(tx: Tx, rows: Iterable[TaskRecord], *, to: StaffRecord | None, units: Mapping[str, UnitRecord],
              actor: str, reason: str, at: datetime, extra: Mapping[str, Any] | None = None,
              ) -> list[HandedOver]:
    """Give ``rows`` to ``to`` (None: back to their queues) inside ``tx``; each case audited.

    A row that changed hands since it was read (another transaction claimed or completed it) is
    left alone. FormError (nothing written: the caller's transaction rolls back) when ``to`` may not
    receive a task or a task has no queue to go back to.
    """
    done: list[HandedOver] = []
    receiver = subject_of(to, units) if to is not None else None
    for row in sorted(rows, key=lambda r: (r.case_id, r.task_id)):  # one lock order for every caller
        case = tx.lock_case(case_id=row.case_id)
        current = tx.task(row.task_id)
        if case is None or current is None or current.assignee != row.assignee:
            continue
        if to is None:
            if current.candidate_group is None:
                raise FormError(
                    f"task {row.task_id[:8]} ({row.title}, {row.number}) has no queue to go back to; "
                    "give it to a named person",
                    {"handover": "name a person: a task has no queue"},
                    zh=f"任务“{row.title}”（{row.number}）没有所属任务组，请指定接手人")
            values: dict[str, Any] = {"assignee": None, "claimed_at": None}
        else:
            assert receiver is not None
            if not to.active:
                raise FormError(f"{to.login} is not active and cannot receive tasks",
                                {"handover": f"{to.login} is inactive"}, zh=f"{to.name} 已停用，不能接手任务")
            if not can(receiver, "task.receive", Target.of_case(case)):
                raise FormError(
                    f"{to.login} works outside the subsidiary of case {row.number} and may not receive "
                    "its task",
                    {"handover": f"{to.login} is outside this subsidiary"},
                    zh=f"{to.name} 不属于案件 {row.number} 所在公司，不能接手其任务")
            barred = to.login in barred_logins(current.excluded)
            if barred and current.candidate_group is None:
                raise FormError(
                    f"{to.login} did an earlier step of case {row.number} that its task {row.title!r} must "
                    "be done apart from (R6.3 two signatures, two people); give it to someone else",
                    {"handover": f"{to.login} may not take {row.title}"},
                    zh=f"{to.name} 已办理案件 {row.number} 的前一环节，“{row.title}”须由另一人办理，"
                       "请另选接手人")
            # a task they may not take (R6.3) goes back to its queue instead
            values = {"assignee": None, "claimed_at": None} if barred else {"assignee": to.login,
                                                                          "claimed_at": at}
        data = {"to": values["assignee"] or "queue", "from": current.assignee, "assignee": values["assignee"],
                "candidate_group": current.candidate_group, "reason": reason, "title": current.title,
                **(extra or {})}
        tx.append_audit(case.id, [{"actor": actor, "action": "task.transferred", "task_id": row.task_id,
                                   "data": data}], at)
        tx.update_task(row.task_id, **values)
        tx.update_case(case.id)
        done.append(HandedOver(row.task_id, row.number, row.title, current.assignee, values["assignee"]))
    return done
