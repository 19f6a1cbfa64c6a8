"""Penalty jobs (R2.5, R2.10, R2.15): missed progress, late 督办令, overdue day bands, the monthly close.

Every amount and band comes from the case's pinned policy (``complaint.penalties.*``); the ledger
line's key names the fact it fines (a task, a case and day of overdue, a case and check period),
so a rerun or a second worker never books it twice. People: the responsible person is whoever
worked the task (its assignee, else the holders of its candidate group); the leader in charge is
the second role of ``complaint.escalation.chain`` for the case.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from engine.worker.context import COMPLAINT, RunContext, WorkTask, span, started_steps, tasks_at
from engine.worker.export import write_ledger

__all__ = ["close_month", "late_orders", "overdue_ledger", "progress_check"]

WORK = "carry_out_work"
ORDER_TASKS = {"raise_order": "late_order_entry", "sign_order": "late_order_sign"}
PLAN_TASK = "visit_customer"  # the plan is agreed and entered at the visit (R2.7)
# The return-visit tasks (processes/return_visit.bpmn, called by the complaint) that carry a due time:
# the supervisor's visit of a difficult issue within 24 hours (R6.2). Done late = a missed return
# visit (R2.15: a share of the monthly bonus), booked once per case.
RETURN_VISIT_TASKS = frozenset({"supervisor_contact_customer", "supervisor_record_return_visit"})
_DAY = timedelta(days=1)


def _local_text(ctx: RunContext, moment: datetime) -> str:
    return ctx.local(moment).strftime("%Y-%m-%d %H:%M")


def progress_check(ctx: RunContext) -> dict[str, Any]:
    """18:00 check: a case whose work task stayed open, unupdated, since the previous check is fined."""
    if ctx.previous is None:
        return {"skipped": "no previous check"}
    start, end = ctx.previous, ctx.occurrence
    cases = [c for c in ctx.repo.cases_active_between(COMPLAINT, ctx.unit, start, end)
             if c.closed_at is None or c.closed_at > end]
    events = ctx.events_by_case(cases)
    for case in cases:
        stale = [t for t in tasks_at(events[case.id], end)
                 if t.spec == WORK and t.opened_at <= start and (t.closed_at is None or t.closed_at > end)]
        if not stale:
            continue
        task = stale[-1]
        amount = int(ctx.case_policy(case).get("complaint.penalties.progress_not_updated"))
        text = f"{_local_text(ctx, start)} – {_local_text(ctx, end)}"
        for person in ctx.directory.of_task(task.candidate_group, task.assignee):
            ctx.book(case, person, key=f"progress:{case.id}:{ctx.period}:{person.login}", role="responsible",
                     kind="progress_not_updated", amount=amount, occurred_at=end,
                     detail={"task_id": task.task_id, "since": start.isoformat(), "until": end.isoformat(),
                             "text": text})
    return dict(ctx.counts)


def late_orders(ctx: RunContext) -> dict[str, Any]:
    """Late 督办令 (R2.5: a fine per started step), late plans and missed return visits (R2.15: once),
    to the completer."""
    start = ctx.previous or ctx.occurrence - _DAY
    cases = ctx.repo.cases_active_between(COMPLAINT, ctx.unit, start, ctx.occurrence)
    events = ctx.repo.case_events([c.id for c in cases], ["task.completed"], before=ctx.occurrence)
    by_id = {c.id: c for c in cases}
    for ev in events:
        spec = str(ev.data.get("task"))
        kind = ("plan_not_entered" if spec == PLAN_TASK else
                "missed_return_visit" if spec in RETURN_VISIT_TASKS else ORDER_TASKS.get(spec))
        case = by_id.get(ev.case_id or "")
        if kind is None or case is None or not ev.data.get("late") or not ev.data.get("due_at"):
            continue
        if not start < ev.at <= ctx.occurrence:
            continue
        policy = ctx.case_policy(case)
        due = datetime.fromisoformat(str(ev.data["due_at"]))
        step = span(policy.duration("complaint.penalties.late_order_step"), due, policy.calendar)
        steps = started_steps(ev.at - due, step)
        person = ctx.directory.person(ev.actor)
        if steps == 0 or person is None:
            continue
        minutes = int((ev.at - due).total_seconds() // 60)
        if kind == "missed_return_visit":
            share = int(policy.get("complaint.penalties.missed_visit_bonus_percent"))
            ctx.book(case, person, key=f"missed_visit:{case.id}", role="responsible", kind=kind, amount=0,
                     occurred_at=ev.at, bonus=(share, share),
                     detail={"task_id": ev.task_id, "due_at": due.isoformat(),
                             "text": f"due {_local_text(ctx, due)}, {minutes} min late; bonus {share}%"})
            continue
        if kind == "plan_not_entered":
            steps, amount = 1, int(policy.get("complaint.penalties.plan_not_entered"))
        else:
            amount = steps * int(policy.get("complaint.penalties.late_order_fine"))
        ctx.book(case, person, key=f"late_order:{ev.task_id}", role="responsible", kind=kind, amount=amount,
                 occurred_at=ev.at, detail={"task_id": ev.task_id, "due_at": due.isoformat(), "steps": steps,
                                            "text": f"due {_local_text(ctx, due)}, {minutes} min late"})
    return dict(ctx.counts)


def open_work(ctx: RunContext, events: list[Any], moment: datetime) -> WorkTask | None:
    """The work task open at ``moment`` (the last one opened), or None."""
    open_now = [t for t in tasks_at(events, moment) if t.spec == WORK and t.open_at(moment)]
    return open_now[-1] if open_now else None


def overdue_ledger(ctx: RunContext) -> dict[str, Any]:
    """Daily: each started day past the completion due is fined by its band; beyond the bands, once."""
    end = ctx.occurrence
    cases = ctx.repo.cases_open_at(COMPLAINT, ctx.unit, end)
    events = ctx.events_by_case(cases)
    for case in cases:
        task = open_work(ctx, events[case.id], end)
        if task is None or task.due_at is None or task.due_at >= end:
            continue
        policy = ctx.case_policy(case)
        days = started_steps(end - task.due_at, _DAY)
        chain = list(policy.get("complaint.escalation.chain"))
        people = [("responsible", p) for p in ctx.directory.of_task(task.candidate_group, task.assignee)]
        if len(chain) > 1:
            people += [("leader", p) for p in ctx.directory.for_case(str(chain[1]), case)]
        short = policy.get("complaint.penalties.overdue_short")
        long = policy.get("complaint.penalties.overdue_long")
        severe = policy.get("complaint.penalties.overdue_severe")
        for day in range(1, days + 1):
            band = (short if day <= int(short["up_to_days"])
                    else long if day <= int(long["up_to_days"]) else None)
            for role, person in people:
                if band is not None:
                    amount = int(band[f"{role}_per_day"])
                    ctx.book(case, person, key=f"overdue:{case.id}:{day}:{role}:{person.login}", role=role,
                             kind="overdue", amount=amount, occurred_at=end,
                             detail={"day": day, "due_at": task.due_at.isoformat(),
                                     "text": f"day {day} past {_local_text(ctx, task.due_at)}"})
                else:
                    bonus = (int(severe[f"{role}_bonus_min_percent"]),
                             int(severe[f"{role}_bonus_max_percent"]))
                    ctx.book(case, person, key=f"overdue_severe:{case.id}:{role}:{person.login}", role=role,
                             kind="overdue_severe", amount=0, occurred_at=end, bonus=bonus,
                             detail={"day": day, "due_at": task.due_at.isoformat(),
                                     "demotion": bool(severe.get("demotion")) and role == "responsible",
                                     "text": f"over {long['up_to_days']} days; bonus {bonus[0]}–{bonus[1]}%"})
            if band is None:
                break
    return dict(ctx.counts)


def close_month(ctx: RunContext) -> dict[str, Any]:
    """Close the month before the occurrence: export its ledger for HR and finance (CSV and Excel)."""
    month = ctx.local(ctx.occurrence - timedelta(microseconds=1)).strftime("%Y-%m")
    lines = ctx.repo.penalties(month, ctx.unit)
    folder = ctx.data_dir / "exports" / "penalties"
    files = [write_ledger(lines, folder / f"penalties-{ctx.unit}-{month}.{fmt}", fmt)
             for fmt in ("csv", "xlsx")]
    total = sum(line.amount for line in lines)
    report_to = [str(x) for x in ctx.policy.get("complaint.penalties.report_to")]
    ctx.repo.add_alert(key=f"penalty_close:{ctx.unit}:{month}", kind="penalty_close", unit=ctx.unit,
                       case_id=None, at=ctx.occurrence,
                       data={"month": month, "lines": len(lines), "total": total,
                             "files": [str(f) for f in files], "report_to": report_to})
    ctx.count("lines", len(lines))
    return {"month": month, "lines": len(lines), "total": total, "files": [f.name for f in files]}
