"""Penalty jobs (R2.5, R2.10, R2.15): missed progress, late 督办令, overdue day bands, the monthly close.

Every amount and band comes from the case's pinned policy (``complaint.penalties.*``); the ledger
line's key names the fact it fines (a task, a case and day of overdue, a case and check period),
so a rerun or a second worker never books it twice. People: the responsible person is whoever
worked the task (its assignee, else the holders of its candidate group); the leader in charge is
the second role of ``complaint.escalation.chain`` for the case. Who is late from when, and on which
clock, is ``engine.worker.lateness``. Each line's ``detail.text`` says in Chinese, in the policy's
time zone, what was late and how the amount was counted (``text_en`` in English).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from engine.actions import ActionContext, ActionRegistry, Param
from engine.errors import ActionError
from engine.store.worker_repo import WorkerRepo
from engine.worker.assessment import month_statements
from engine.worker.context import COMPLAINT, RunContext, WorkTask, penalty_words, tasks_at
from engine.worker.export import write_ledger
from engine.worker.lateness import FINED_TASKS, CaseRules, Lateness, started_steps
from engine.worker.outbox import Notifier
from engine.worker.templates import REASONS

__all__ = ["book_penalty_action", "close_month", "late_orders", "overdue_ledger", "progress_check",
           "register_actions"]

WORK = "carry_out_work"
_DAY = timedelta(days=1)
_CLOCK = {True: ("工作时间", "working time"), False: ("自然时间", "wall clock")}


def progress_check(ctx: RunContext) -> dict[str, Any]:
    """18:00 check: a case whose work task stayed open, unupdated, since the previous check is fined.

    Only on working days of the case's own calendar (its project's or subsidiary's): the duty to
    enter progress by 18:00 is a working day's.
    """
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
        rules = ctx.rules(case)
        day = rules.calendar.localize(end).date()
        if not rules.calendar.is_working_day(day):
            ctx.count("rest_day")
            continue
        task = stale[-1]
        amount = int(rules.get("complaint.penalties.progress_not_updated"))
        text = f"{ctx.text(start)}至{ctx.text(end)}未更新处理进展（每次{amount}元）"
        text_en = f"no progress entered {ctx.text(start)} – {ctx.text(end)} ({amount} yuan each time)"
        for person in ctx.directory.of_task(task.candidate_group, task.assignee):
            ctx.book(case, person, key=f"progress:{case.id}:{ctx.period}:{person.login}", role="responsible",
                     kind="progress_not_updated", amount=amount, occurred_at=end,
                     detail={"task_id": task.task_id, "since": start.isoformat(), "until": end.isoformat(),
                             "text": text, "text_en": text_en})
    return dict(ctx.counts)


def _late_texts(ctx: RunContext, judged: Lateness) -> tuple[str, str]:
    """What was late and from when, in Chinese and English."""
    zh, en = f"时限{ctx.text(judged.due)}", f"due {ctx.text(judged.due)}"
    if judged.fine_from != judged.due and judged.reached is not None:
        zh += f"；{ctx.text(judged.reached)}到达本人，本人时限至{ctx.text(judged.fine_from)}"
        en += (f"; reached the person at {ctx.text(judged.reached)}, their own time ran to "
               f"{ctx.text(judged.fine_from)}")
    clock_zh, clock_en = _CLOCK[judged.working]
    zh += f"；{ctx.text(judged.done)}完成，迟延{judged.minutes}分钟（{clock_zh}）"
    en += f"; done {ctx.text(judged.done)}, {judged.minutes} min late ({clock_en})"
    return zh, en


def late_orders(ctx: RunContext) -> dict[str, Any]:
    """Late 督办令 (R2.5: a fine per started step), late plans and missed return visits (R2.15: once),
    to the completer, each for their own lateness only."""
    start = ctx.previous or ctx.occurrence - _DAY
    cases = ctx.repo.cases_active_between(COMPLAINT, ctx.unit, start, ctx.occurrence)
    events = ctx.repo.case_events([c.id for c in cases], ["task.opened", "task.completed"],
                                  before=ctx.occurrence)
    reached = {ev.task_id: ev.at for ev in events if ev.action == "task.opened"}
    by_id = {c.id: c for c in cases}
    for ev in events:
        kind = FINED_TASKS.get(str(ev.data.get("task")))
        case = by_id.get(ev.case_id or "")
        if ev.action != "task.completed" or kind is None or case is None or not ev.data.get("due_at"):
            continue
        if not start < ev.at <= ctx.occurrence:
            continue
        rules = ctx.rules(case)
        due = datetime.fromisoformat(str(ev.data["due_at"]))
        judged = rules.lateness(kind, due, reached.get(ev.task_id or ""), ev.at)
        person = ctx.directory.person(ev.actor)
        if judged.late <= timedelta(0) or person is None:
            continue
        text, text_en = _late_texts(ctx, judged)
        detail: dict[str, Any] = {"task_id": ev.task_id, "due_at": due.isoformat(),
                                  "fine_from": judged.fine_from.isoformat(), "minutes": judged.minutes,
                                  "clock": "working time" if judged.working else "wall clock"}
        if kind == "missed_return_visit":
            share = int(rules.get("complaint.penalties.missed_visit_bonus_percent"))
            ctx.book(case, person, key=f"missed_visit:{case.id}", role="responsible", kind=kind, amount=0,
                     occurred_at=ev.at, bonus=(share, share),
                     detail={**detail, "text": f"{text}；扣罚月度综合奖金{share}%",
                             "text_en": f"{text_en}; {share}% of the monthly bonus"})
            continue
        if kind == "plan_not_entered":
            amount = int(rules.get("complaint.penalties.plan_not_entered"))
            ctx.book(case, person, key=f"late_order:{ev.task_id}", role="responsible", kind=kind,
                     amount=amount, occurred_at=ev.at,
                     detail={**detail, "steps": 1, "text": f"{text}；每次{amount}元",
                             "text_en": f"{text_en}; {amount} yuan each time"})
            continue
        step = rules.step("complaint.penalties.late_order_step")
        fine = int(rules.get("complaint.penalties.late_order_fine"))
        steps = started_steps(judged.late, step)
        every = int(step.total_seconds() // 60)
        ctx.book(case, person, key=f"late_order:{ev.task_id}", role="responsible", kind=kind,
                 amount=steps * fine, occurred_at=ev.at,
                 detail={**detail, "steps": steps,
                         "text": f"{text}；每{every}分钟{fine}元，计{steps}次",
                         "text_en": f"{text_en}; {fine} yuan per {every} minutes, {steps} step(s)"})
    return dict(ctx.counts)


def _day_texts(rules: CaseRules, due: str, day: int, amount: int) -> dict[str, str]:
    if rules.working_days:
        return {"text": f"完成时限{due}，超期第{day}个工作日，每个工作日{amount}元",
                "text_en": f"due {due}, working day {day} overdue, {amount} yuan a working day"}
    return {"text": f"完成时限{due}，超期第{day}天，每天{amount}元",
            "text_en": f"due {due}, day {day} overdue, {amount} yuan a day"}


def _severe_texts(rules: CaseRules, due: str, days: int, bonus: tuple[int, int],
                  demotion: bool) -> dict[str, str]:
    unit_zh, unit_en = ("个工作日", "working days") if rules.working_days else ("天", "days")
    return {"text": f"完成时限{due}，超期{days}{unit_zh}以上；扣罚月度综合奖金{bonus[0]}–{bonus[1]}%"
                    + ("，可降薪、降职" if demotion else ""),
            "text_en": f"due {due}, over {days} {unit_en} overdue; {bonus[0]}–{bonus[1]}% of the monthly "
                       "bonus" + ("; demotion possible" if demotion else "")}


def open_work(ctx: RunContext, events: list[Any], moment: datetime) -> WorkTask | None:
    """The work task open at ``moment`` (the last one opened), or None."""
    open_now = [t for t in tasks_at(events, moment) if t.spec == WORK and t.open_at(moment)]
    return open_now[-1] if open_now else None


def overdue_ledger(ctx: RunContext) -> dict[str, Any]:
    """Daily: each started day past the completion due is fined by its band; beyond the bands, once.

    Days are counted as ``complaint.penalties.overdue_days`` says (the group: calendar days).
    """
    end = ctx.occurrence
    cases = ctx.repo.cases_open_at(COMPLAINT, ctx.unit, end)
    events = ctx.events_by_case(cases)
    for case in cases:
        task = open_work(ctx, events[case.id], end)
        if task is None or task.due_at is None or task.due_at >= end:
            continue
        rules = ctx.rules(case)
        short = rules.get("complaint.penalties.overdue_short")
        long = rules.get("complaint.penalties.overdue_long")
        severe = rules.get("complaint.penalties.overdue_severe")
        days = rules.days_overdue(task.due_at, end, int(long["up_to_days"]) + 1)
        chain = list(rules.get("complaint.escalation.chain"))
        people = [("responsible", p) for p in ctx.directory.of_task(task.candidate_group, task.assignee)]
        if len(chain) > 1:
            people += [("leader", p) for p in ctx.directory.for_case(str(chain[1]), case)]
        due = ctx.text(task.due_at)
        for day in range(1, days + 1):
            band = (short if day <= int(short["up_to_days"])
                    else long if day <= int(long["up_to_days"]) else None)
            for role, person in people:
                detail: dict[str, Any] = {"day": day, "due_at": task.due_at.isoformat()}
                if band is not None:
                    amount = int(band[f"{role}_per_day"])
                    ctx.book(case, person, key=f"overdue:{case.id}:{day}:{role}:{person.login}", role=role,
                             kind="overdue", amount=amount, occurred_at=end,
                             detail={**detail, **_day_texts(rules, due, day, amount)})
                    continue
                bonus = (int(severe[f"{role}_bonus_min_percent"]), int(severe[f"{role}_bonus_max_percent"]))
                demotion = bool(severe.get("demotion")) and role == "responsible"
                ctx.book(case, person, key=f"overdue_severe:{case.id}:{role}:{person.login}", role=role,
                         kind="overdue_severe", amount=0, occurred_at=end, bonus=bonus,
                         detail={**detail, "demotion": demotion,
                                 **_severe_texts(rules, due, int(long["up_to_days"]), bonus, demotion)})
            if band is None:
                break
    return dict(ctx.counts)


def close_month(ctx: RunContext) -> dict[str, Any]:
    """Close the month before the occurrence: export its ledger (CSV and Excel) and the staff statements
    (R8.1), and deliver them to HR and finance: an e-mail with both Excel files attached and an in-app
    notice (``notifications.templates.penalty_ledger``)."""
    month = ctx.local(ctx.occurrence - timedelta(microseconds=1)).strftime("%Y-%m")
    lines = ctx.repo.penalties(month, ctx.unit)
    folder = ctx.data_dir / "exports" / "penalties"
    staff = {login: person.name for login, person in ctx.directory.staff.items()}
    units = {code: unit.name for code, unit in ctx.directory.units.items()}
    files = [write_ledger(lines, folder / f"penalties-{ctx.unit}-{month}.{fmt}", fmt, ctx.calendar.tz, staff,
                          units) for fmt in ("csv", "xlsx")]
    files.append(month_statements(ctx, month)[0])  # R8.1 the staff statements go with the ledger
    total = sum(line.amount for line in lines)
    report_to = [str(x) for x in ctx.policy.get("complaint.penalties.report_to")]
    people = _ledger_recipients(ctx)
    ctx.repo.add_alert(key=f"penalty_close:{ctx.unit}:{month}", kind="penalty_close", unit=ctx.unit,
                       case_id=None, at=ctx.occurrence,
                       data={"month": month, "lines": len(lines), "total": total,
                             "files": [str(f) for f in files], "report_to": report_to,
                             "sent_to": sorted(p.login for p in people)})
    unit = ctx.directory.units[ctx.unit].name if ctx.unit in ctx.directory.units else ctx.unit
    ledger_xlsx, statements = files[1], files[2]  # the e-mail carries the ledger and the R8.1 statements
    ctx.notifier.tell(people, "penalty_ledger", f"{ctx.unit}:{month}",
                      attachment=[str(ledger_xlsx), str(statements)], unit=unit,
                      month=month, lines=len(lines), total=total,
                      bonus_lines=sum(1 for line in lines if line.bonus_percent_min is not None))
    ctx.count("lines", len(lines))
    return {"month": month, "lines": len(lines), "total": total, "files": [f.name for f in files],
            "sent_to": sorted(p.login for p in people)}


def _ledger_recipients(ctx: RunContext) -> list[Any]:
    """Holders of ``complaint.penalties.report_roles`` nearest the unit (its own, else above): HR and
    finance (R2.15, 003 第36条)."""
    units = ctx.directory.units
    chain, at = [], ctx.unit
    while at in units:
        chain.append(at)
        at = units[at].parent or ""
    return [p for role in ctx.policy.get("complaint.penalties.report_roles")
            for p in ctx.directory.nearest(str(role), *chain)]


def book_penalty_action(ctx: ActionContext, person: str, kind: str, amount: int, detail: str | None = None,
                        role: str | None = None) -> dict[str, Any]:
    """Book one ledger line for ``person`` in the month of the step (once per service-task instance)."""
    if kind not in REASONS:
        raise ActionError(f"penalty.book: unknown kind {kind!r}; use one of {', '.join(sorted(REASONS))}",
                          code="action.E002")
    if amount < 0:
        raise ActionError(f"penalty.book: amount {amount} is negative", code="action.E002")
    staff = ctx.tx.staff(person)
    if staff is None:
        raise ActionError(f"penalty.book: no staff member {person!r}", code="action.E002")
    case = ctx.case
    month = ctx.now.astimezone(ctx.zone).strftime("%Y-%m")
    key = f"action:{ctx.ref}:{person}"
    repo = WorkerRepo(ctx.tx)
    new = repo.add_penalty(key=key, month=month, occurred_at=ctx.now, subsidiary=case.get("subsidiary"),
                           staff=person, role=role or "responsible", kind=kind, amount=amount,
                           bonus_percent_min=None, bonus_percent_max=None, case_id=case["id"],
                           case_number=case["number"], detail={"text": detail or "", "task": ctx.task_name},
                           created_at=ctx.now)
    if new:
        Notifier(repo, ctx.policy, ctx.now).tell(
            [staff], "penalty", key, case_id=str(case["id"]), case_number=str(case["number"]),
            channels=["in_app"], case=case["number"], reason=kind, amount=amount,
            **penalty_words(amount, None), detail=detail or "", month=month)
        ctx.audit("penalty.booked", {"person": person, "kind": kind, "amount": amount, "month": month})
    return {"booked": new, "month": month}


def register_actions(registry: ActionRegistry) -> None:
    """The penalty actions diagrams may call."""
    registry.action(
        "penalty.book", "记扣罚", label_en="Book a penalty",
        params=[Param("person", "str", "被扣罚人（登录名）", label_en="Person (login)"),
                Param("kind", "str", "扣罚原因", label_en="Reason", help="、".join(sorted(REASONS))),
                Param("amount", "int", "金额（元）", label_en="Amount (yuan)",
                      help="取自政策，如 policy(\"complaint.penalties.plan_not_entered\")"),
                Param("detail", "str", "说明", required=False, label_en="Detail"),
                Param("role", "str", "责任类别", required=False, label_en="Role",
                      help="responsible（责任人，默认）或 leader（分管领导）")],
        result="{booked, month}: booked is false when this step booked it already",
    )(book_penalty_action)
