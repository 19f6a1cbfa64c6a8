"""The scheduled jobs of the worker and the volume watch; ``JOBS`` names each with its policy schedule.

========================  =========================================  ==================================
job                       schedule (policy key)                      does
========================  =========================================  ==================================
reminders                 complaint.schedules.reminders              R2.10 digest of unfinished cases to
                                                                     each role of the escalation chain
progress_check            complaint.schedules.progress_entry         R2.10/R2.15 fine a missed update
late_orders               complaint.schedules.progress_entry         R2.5 fine a late 督办令;
                                                                     R2.15 a plan entered late
overdue_ledger            complaint.schedules.progress_entry         R2.15 overdue fines by day band
slow_cases                complaint.schedules.slow_cases             R2.10 overdue list → deputy GM;
                                                                     severely slow → GM task force
leftover_review           complaint.schedules.leftover_review        R2.18 weekly leftover list
                                                                     (engine.reviews: noted, signed)
major_review              complaint.schedules.major_review           R2.18 monthly major-case list
systemic_analysis         complaint.schedules.systemic_analysis      R2.18 quarterly: a task per
                                                                     responsible department
systemic_late             complaint.schedules.progress_entry         R2.18 fine a late answer once
penalty_close             complaint.penalties.report                 R2.15 month closed and exported,
                                                                     R8.1 with the staff statements
assessment_summary        assessment.summary                         R8.1 last month's final statements,
                                                                     the public notice list
========================  =========================================  ==================================

The volume watch (R2.13) is not periodic: every sweep counts each project's valid complaints in
the policy's window and raises a report at ``report_at`` and an on-site investigation at
``investigate_at``, at most once per level, project and window (the alert row's unique key). Each alert
tells the group CS manager (``complaint.escalation.volume_notify``) and opens a case of
``volume_escalation`` for the project, received by that manager: the project's report to write and
the manager's review of it, or the manager's on-site investigation, each due by the policy
(``complaint.escalation.volume.*_due``). The case is opened after the alert's transaction commits
(``Tx.on_commit``): a sweep that rolls back opens nothing, and the next sweep finds the alert missing
and raises it again, so the case opens exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from engine.policy.rules import zh_duration
from engine.reviews import book_late_answers, make_list, make_systemic
from engine.store import CaseRecord
from engine.worker.assessment import assessment_summary
from engine.worker.context import COMPLAINT, RunContext, span, tasks_at
from engine.worker.overdue import fined_kind
from engine.worker.penalties import close_month, late_orders, open_work, overdue_ledger, progress_check

__all__ = ["ESCALATION", "JOBS", "Job", "volume_check"]

ESCALATION = "volume_escalation"  # the process of the report, its review and the on-site investigation
_INVALID = frozenset({"cancelled", "withdrawn", "merged"})  # not valid complaints (R2.13)


@dataclass(frozen=True)
class Job:
    """A scheduled job: its name, the policy key of its schedule and what it does."""

    name: str
    schedule_key: str
    run: Callable[[RunContext], dict[str, Any]]
    closes: bool = False  # reads what earlier periods of every job wrote (runs after all of them)


def _numbers(cases: list[CaseRecord]) -> str:
    return "、".join(c.number for c in cases)


def _when(ctx: RunContext) -> str:
    return ctx.text(ctx.occurrence)


def reminders(ctx: RunContext) -> dict[str, Any]:
    """09:30: each person of the escalation chain gets one digest of their unfinished complaints, and so
    does whoever holds a task of one that carries a fine and is overdue (the person actually late)."""
    cases = ctx.repo.cases_open_at(COMPLAINT, ctx.unit, ctx.occurrence)
    events = ctx.events_by_case(cases)
    per_person: dict[str, tuple[Any, list[CaseRecord]]] = {}
    for case in cases:
        people = [p for role in ctx.case_policy(case).get("complaint.escalation.chain")
                  for p in ctx.directory.for_case(str(role), case)]
        for task in tasks_at(events[case.id], ctx.occurrence):
            late = task.due_at is not None and task.due_at < ctx.occurrence
            if late and task.open_at(ctx.occurrence) and fined_kind(task.spec):
                people += ctx.directory.of_task(task.candidate_group, task.assignee)
        for person in ctx.directory.may_read(people, case):
            mine = per_person.setdefault(person.login, (person, []))[1]
            if case not in mine:
                mine.append(case)
    for _login, (person, mine) in sorted(per_person.items()):
        ctx.notifier.tell([person], "reminder", f"{ctx.unit}:{ctx.period}", count=len(mine),
                          cases=_numbers(mine), when=_when(ctx))
        ctx.count("reminded")
    return {"cases": len(cases), **ctx.counts}


def _overdue(ctx: RunContext) -> list[tuple[CaseRecord, datetime]]:
    cases = ctx.repo.cases_open_at(COMPLAINT, ctx.unit, ctx.occurrence)
    events = ctx.events_by_case(cases)
    out = []
    for case in cases:
        task = open_work(ctx, events[case.id], ctx.occurrence)
        if task is not None and task.due_at is not None and task.due_at < ctx.occurrence:
            out.append((case, task.due_at))
    return out


def slow_cases(ctx: RunContext) -> dict[str, Any]:
    """Daily: overdue complaints listed for the deputy GM; severely slow ones start a GM task force."""
    overdue = _overdue(ctx)
    unit_name = ctx.directory.units[ctx.unit].name if ctx.unit in ctx.directory.units else ctx.unit
    if overdue:
        to = ctx.directory.in_unit(str(ctx.policy.get("complaint.escalation.slow_cases_to")), ctx.unit)
        ctx.notifier.tell(to, "slow_cases", f"{ctx.unit}:{ctx.period}", count=len(overdue),
                          cases=_numbers([c for c, _ in overdue]), when=_when(ctx), unit=unit_name)
        ctx.count("slow", len(overdue))
    for case, due in overdue:
        policy = ctx.case_policy(case)
        after = span(policy.duration("complaint.escalation.task_force_after"), due, policy.calendar)
        if ctx.occurrence - due < after:
            continue
        days = (ctx.occurrence - due).days
        if not ctx.repo.add_alert(key=f"task_force:{case.id}", kind="task_force", unit=ctx.unit,
                                  case_id=case.id, at=ctx.occurrence,
                                  data={"number": case.number, "days": days}):
            continue
        chain = list(policy.get("complaint.escalation.chain"))
        people = ctx.directory.for_case(str(policy.get("complaint.escalation.task_force_by")), case)
        people += ctx.directory.for_case(str(chain[-1]), case) if chain else []
        ctx.notifier.tell(ctx.directory.may_read(people, case), "task_force", case.id, case_id=case.id,
                          case_number=case.number, case=case.number, days=days)
        ctx.count("task_force")
    return dict(ctx.counts)


def leftover_review(ctx: RunContext) -> dict[str, Any]:
    """Weekly: the list of complaints still open from before this week, for the review (R2.18)."""
    return _review(ctx, "leftover", "leftover_review", "complaint.escalation.leftover_review_to")


def major_review(ctx: RunContext) -> dict[str, Any]:
    """Monthly: the list of major, collective and common-issue complaints left over (R2.18)."""
    return _review(ctx, "major", "major_review", "complaint.escalation.major_review_to")


def _review(ctx: RunContext, list_kind: str, kind: str, role_key: str) -> dict[str, Any]:
    """Generate the list (``engine.reviews``) and tell the reviewer, once per period."""
    review_id, cases = make_list(ctx.repo.tx, ctx.repo, list_kind, ctx.unit, ctx.period, ctx.occurrence,
                                 by="worker", now=ctx.now, policy=ctx.policy, case_policy=ctx.case_policy)
    ctx.repo.add_alert(key=f"{kind}:{ctx.unit}:{ctx.period}", kind=kind, unit=ctx.unit, case_id=None,
                       at=ctx.occurrence, data={"cases": [c.number for c in cases], "review": review_id})
    if cases:
        to = ctx.directory.in_unit(str(ctx.policy.get(role_key)), ctx.unit)
        unit_name = ctx.directory.units[ctx.unit].name if ctx.unit in ctx.directory.units else ctx.unit
        ctx.notifier.tell(to, kind, f"{ctx.unit}:{ctx.period}", count=len(cases), cases=_numbers(cases),
                          when=_when(ctx), unit=unit_name)
    ctx.count("cases", len(cases))
    return dict(ctx.counts)


def volume_check(ctx: RunContext) -> dict[str, Any]:
    """R2.13: per project, valid complaints in the window → a report at one count, a visit at another."""
    policy = ctx.policy
    window = policy.duration("complaint.escalation.volume.window")
    start = ctx.occurrence - span(window, ctx.occurrence, policy.calendar)
    cases = [c for c in ctx.repo.cases_opened_between(COMPLAINT, ctx.unit, start, ctx.occurrence)
             if c.status not in _INVALID]
    by_project: dict[str, list[CaseRecord]] = {}
    for case in cases:
        by_project.setdefault(case.project or ctx.unit, []).append(case)
    group = ctx.directory.group_unit()
    notify = ctx.directory.nearest(str(policy.get("complaint.escalation.volume_notify")), group)
    # the window in the message's language: "30天" in a Chinese message, "30 days" in an English one
    words = zh_duration(window.text) if ctx.notifier.locale == "zh" else window.text
    for project, found in sorted(by_project.items()):
        for level, key in (("volume_report", "report_at"), ("volume_investigate", "investigate_at")):
            threshold = int(policy.get(f"complaint.escalation.volume.{key}"))
            if len(found) < threshold or ctx.repo.alert_since(level, project, start):
                continue
            crossing = found[threshold - 1]  # the complaint that reached the threshold names the alert
            if not ctx.repo.add_alert(key=f"{level}:{project}:{crossing.id}", kind=level, unit=project,
                                      case_id=crossing.id, at=ctx.occurrence,
                                      data={"count": len(found), "threshold": threshold,
                                            "window": window.text}):
                continue
            name = ctx.directory.units[project].name if project in ctx.directory.units else project
            ctx.notifier.tell(notify, level, f"{project}:{crossing.id}", unit=name, count=len(found),
                              threshold=threshold, window=words)
            ctx.count(level)
            if ctx.escalate is not None and notify:
                form = {"level": "investigate" if level == "volume_investigate" else "report",
                        "valid_count": len(found), "threshold": threshold,
                        "window_text": zh_duration(window.text), "complaint_numbers": _numbers(found)}
                receiver = min(p.login for p in notify)
                ctx.repo.tx.on_commit(partial(ctx.escalate, ESCALATION, form, project, receiver))
    return dict(ctx.counts)


JOBS: tuple[Job, ...] = (
    Job("reminders", "complaint.schedules.reminders", reminders),
    Job("progress_check", "complaint.schedules.progress_entry", progress_check),
    Job("late_orders", "complaint.schedules.progress_entry", late_orders),
    Job("overdue_ledger", "complaint.schedules.progress_entry", overdue_ledger),
    Job("slow_cases", "complaint.schedules.slow_cases", slow_cases),
    Job("leftover_review", "complaint.schedules.leftover_review", leftover_review),
    Job("major_review", "complaint.schedules.major_review", major_review),
    Job("systemic_analysis", "complaint.schedules.systemic_analysis", make_systemic),
    Job("systemic_late", "complaint.schedules.progress_entry", book_late_answers),
    Job("penalty_close", "complaint.penalties.report", close_month, closes=True),
    Job("assessment_summary", "assessment.summary", assessment_summary),
)
