"""Overdue alerts as they happen (R2.10, R2.15): a task that carries a fine goes overdue → its holder
and their supervisor hear of it within one sweep, once per task and deadline.

The tasks that carry a fine are ``engine.worker.lateness.FINED_TASKS`` and the work step (days
overdue). The holder is the task's assignee, else the holders of its queue (candidate group); their
supervisor is the ``supervisor`` of the task's role in the policy's ``roles`` (直属上级), found for
the case like any role (nearest from the case's project up). Only people who may read the case are
told. The words and channels are ``notifications.templates.overdue_task``; outside working time the
SMS and WeCom messages wait for work to start unless ``notifications.around_the_clock``. An alert is
keyed by task and due time (``alerts.key``), so a second sweep or worker tells nobody twice, and a
due time that moves (a recomputed calendar) is a new deadline with a new alert.
"""

from __future__ import annotations

from typing import Any

from engine.errors import NotFoundError
from engine.worker.context import COMPLAINT, RunContext
from engine.worker.lateness import FINED_TASKS
from engine.worker.penalties import WORK
from engine.worker.templates import title_values

__all__ = ["fined_kind", "overdue_alerts", "supervisor_role"]


def fined_kind(task_spec: str) -> str | None:
    """The fine a task carries when it is late (``overdue`` for the work step), or None."""
    return "overdue" if task_spec == WORK else FINED_TASKS.get(task_spec)


def supervisor_role(policy: Any, role: str | None) -> str | None:
    """The role that supervises ``role`` (``roles[].supervisor``), or None."""
    if not role:
        return None
    try:
        found = policy.record("roles", role).get("supervisor")
    except NotFoundError:
        return None
    return str(found) if found else None


def overdue_alerts(ctx: RunContext) -> dict[str, Any]:
    """Every open task of the unit's complaints that carries a fine and is past its due time, told once."""
    now = ctx.occurrence
    rows = [r for r in ctx.repo.overdue_tasks(COMPLAINT, ctx.unit, now) if fined_kind(r.task_spec)]
    cases = {c.id: c for c in ctx.repo.cases_by_id([r.case_id for r in rows])}
    for row in rows:
        case = cases.get(row.case_id)
        kind = fined_kind(row.task_spec)
        if case is None or kind is None or row.due_at is None:
            continue
        ref = f"{row.task_id}:{row.due_at.isoformat()}"
        if not ctx.repo.add_alert(key=f"overdue_task:{ref}", kind="overdue_task", unit=ctx.unit,
                                  case_id=case.id, at=now,
                                  data={"number": case.number, "task": row.task_spec,
                                        "due_at": row.due_at.isoformat()}):
            continue
        holders = ctx.directory.of_task(row.candidate_group, row.assignee)
        above = supervisor_role(ctx.policy, row.role)
        supervisors = ctx.directory.for_case(above, case) if above else []
        people = ctx.directory.may_read([*holders, *supervisors], case)
        fine_from = ctx.rules(case).fine_from(kind, row.due_at, row.created_at)
        holder = "、".join(p.name for p in holders) or ctx.policy.name_of("roles", row.role or "")
        ctx.notifier.tell(people, "overdue_task", ref, case_id=case.id, case_number=case.number,
                          case=case.number, room=case.room or "-", due=ctx.text(row.due_at),
                          holder=holder, fine_from=ctx.text(fine_from), **title_values(row.title))
        ctx.count("overdue_task")
    return dict(ctx.counts)
