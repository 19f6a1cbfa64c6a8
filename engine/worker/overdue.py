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

from engine.complaints import CONFIRM_COOPERATION
from engine.errors import NotFoundError
from engine.store.records import CaseRecord, TaskRecord
from engine.worker.context import COMPLAINT, RunContext
from engine.worker.lateness import FINED_TASKS
from engine.worker.penalties import WORK
from engine.worker.templates import title_values

__all__ = ["COOPERATION_OVERDUE", "fined_kind", "overdue_alerts", "supervisor_role"]

COOPERATION_OVERDUE = "cooperation_overdue"  # R2.4 a cooperating department's part not confirmed in time


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
    rows = [r for r in ctx.repo.overdue_tasks(COMPLAINT, ctx.unit, now)
            if fined_kind(r.task_spec) or r.task_spec == CONFIRM_COOPERATION]
    cases = {c.id: c for c in ctx.repo.cases_by_id([r.case_id for r in rows])}
    for row in rows:
        case = cases.get(row.case_id)
        if row.task_spec == CONFIRM_COOPERATION:
            if case is not None and row.due_at is not None:
                _cooperation_overdue(ctx, case, row)
            continue
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


def _cooperation_overdue(ctx: RunContext, case: CaseRecord, row: TaskRecord) -> None:
    """R2.4 a cooperating department's part past its due time, told once (no fine: the seeds set none).

    Its holders (the cooperating department's head), the responsible department's head (003 第4条 处分权)
    and the holders of ``complaint.cooperation.overdue_to`` nearest the case (the CS centre) who may
    read the case. A part nobody holds (the department has no head) says so in the message.
    """
    assert row.due_at is not None
    ref = f"{row.task_id}:{row.due_at.isoformat()}"
    unit = ctx.directory.units.get(row.unit or "")
    department = unit.department if unit is not None and unit.department else None
    if not ctx.repo.add_alert(key=f"overdue_task:{ref}", kind=COOPERATION_OVERDUE, unit=ctx.unit,
                              case_id=case.id, at=ctx.occurrence,
                              data={"number": case.number, "task": row.task_spec, "department": department,
                                    "due_at": row.due_at.isoformat()}):
        return
    policy = ctx.case_policy(case)
    holders = ctx.directory.of_task(row.candidate_group, row.assignee)
    lead = ctx.directory.for_case("department_head", case) if case.responsible_department else []
    centre = [p for role in ctx.rules(case).get("complaint.cooperation.overdue_to")
              for p in ctx.directory.for_case(str(role), case)]
    people = list({p.login: p for p in ctx.directory.may_read([*holders, *lead, *centre], case)}.values())
    name = policy.name_of("departments", department) if department else (unit.name if unit else "配合部门")
    nobody = f"无人可办（{unit.name if unit else name}无部门一把手，须由组织管理员补设）"
    holder = "、".join(p.name for p in holders) or nobody
    ctx.notifier.tell(people, COOPERATION_OVERDUE, ref, case_id=case.id, case_number=case.number,
                      case=case.number, room=case.room or "-", due=ctx.text(row.due_at), holder=holder,
                      cooperating=name,
                      lead=policy.name_of("departments", case.responsible_department or "") or "-")
    ctx.count(COOPERATION_OVERDUE)
