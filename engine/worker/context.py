"""What a job run works with: ``RunContext`` and the case history read from the audit log.

Jobs judge a case as it stood at the job's occurrence, not as it stands when the worker gets to
it (a worker catching up yesterday's 18:00 check must not see today's progress entries): the
task history comes from the audit events (``task.opened`` carries the due time, candidate group
and assignee; ``task.completed``/``task.cancelled`` end a task; ``task.claimed``/``task.released``
move it; ``deadline.recomputed`` moves the due time of open tasks when an official calendar year
replaces a provisional one), filtered to events at or before the occurrence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from engine.clock import local_minutes
from engine.durations import Duration, WallClock
from engine.store import AuditRecord, CaseRecord, StaffRecord
from engine.store.worker_repo import WorkerRepo
from engine.worker.lateness import CaseRules
from engine.worker.outbox import Notifier
from engine.worker.people import Directory

__all__ = ["COMPLAINT", "TASK_ACTIONS", "RunContext", "WorkTask", "penalty_words", "span", "tasks_at"]

COMPLAINT = "complaint"
TASK_ACTIONS = ("task.opened", "task.completed", "task.cancelled", "task.claimed", "task.released",
                "deadline.recomputed")


def span(duration: Duration, start: datetime, calendar: Any) -> timedelta:
    """The length of ``duration`` (exact for wall-clock amounts, else as counted from ``start``)."""
    if isinstance(duration, WallClock):
        return timedelta(minutes=duration.minutes)
    return duration.apply(start, calendar) - start


@dataclass
class WorkTask:
    """One user task of a case as the audit log tells it."""

    task_id: str
    spec: str
    opened_at: datetime
    due_at: datetime | None
    candidate_group: str | None
    assignee: str | None
    closed_at: datetime | None = None
    completed_by: str | None = None

    def open_at(self, moment: datetime) -> bool:
        """True when the task was open at ``moment``."""
        return self.opened_at <= moment and (self.closed_at is None or self.closed_at > moment)


def penalty_words(amount: int, bonus: tuple[int, int] | None) -> dict[str, Any]:
    """What a ledger line costs, in words for its notice: yuan, or a share of the monthly bonus (a
    missed return visit, R2.15; a severe delay's range) instead of "0元"."""
    if bonus is None or amount:
        return {"penalty": f"{amount}元", "penalty_en": f"{amount} yuan"}
    share = f"{bonus[0]}%" if bonus[0] == bonus[1] else f"{bonus[0]}–{bonus[1]}%"
    return {"penalty": f"月度综合奖金{share}", "penalty_en": f"{share} of the monthly bonus"}


def tasks_at(events: Iterable[AuditRecord], moment: datetime) -> list[WorkTask]:
    """Every task of one case's events at or before ``moment``, in the order they opened."""
    tasks: dict[str, WorkTask] = {}
    for ev in events:
        if ev.at > moment:
            continue
        data = ev.data
        if ev.action == "deadline.recomputed" and data.get("changed"):
            # an official calendar year replaced a provisional one: open tasks due at the old time
            # are due at the new one (engine/runtime/recompute.py changes their inbox rows alike)
            old, new = (datetime.fromisoformat(str(data[k])) for k in ("old_due", "new_due"))
            for known in tasks.values():
                if known.due_at == old and known.open_at(ev.at):
                    known.due_at = new
            continue
        if ev.task_id is None:
            continue
        if ev.action == "task.opened":
            due = data.get("due_at")
            tasks[ev.task_id] = WorkTask(ev.task_id, str(data.get("task")), ev.at,
                                         datetime.fromisoformat(due) if due else None,
                                         data.get("candidate_group"), data.get("assignee"))
            continue
        task = tasks.get(ev.task_id)
        if task is None:
            continue
        if ev.action == "task.claimed":
            task.assignee = ev.actor
        elif ev.action == "task.released":
            task.assignee = None
        else:
            task.closed_at = ev.at
            task.completed_by = ev.actor if ev.action == "task.completed" else None
    return list(tasks.values())


@dataclass
class RunContext:
    """One job run: the unit, its policy, the occurrence and the previous one, and where to write."""

    repo: WorkerRepo
    unit: str
    policy: Any
    occurrence: datetime
    previous: datetime | None
    period: str
    now: datetime
    directory: Directory
    notifier: Notifier
    case_policy: Callable[[CaseRecord], Any]
    data_dir: Path
    on_row: Callable[[str], None] | None = None
    counts: dict[str, int] = field(default_factory=dict)
    # R2.13 opens the volume escalation's case (process, start form, project, first receiver); the volume
    # watch calls it once the transaction that recorded the alert has committed (``Tx.on_commit``)
    escalate: Callable[[str, dict[str, Any], str, str], Any] | None = None

    @property
    def calendar(self) -> Any:
        """The unit's business calendar."""
        return self.policy.calendar

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the unit's time zone."""
        return self.calendar.localize(moment)

    def text(self, moment: datetime) -> str:
        """``moment`` as ``YYYY-MM-DD HH:MM`` in the unit's time zone (ledger and message texts)."""
        return local_minutes(moment, self.calendar.tz)

    def rules(self, case: CaseRecord) -> CaseRules:
        """The penalty rules of ``case``: its pinned policy, the unit's for keys added since."""
        return CaseRules(self.case_policy(case), self.policy)

    @property
    def month(self) -> str:
        """The ledger month this run books into (the occurrence's local month)."""
        return self.local(self.occurrence).strftime("%Y-%m")

    def count(self, what: str, n: int = 1) -> None:
        """Add to the run's result counters (and let a test hook interrupt between rows)."""
        self.counts[what] = self.counts.get(what, 0) + n
        if self.on_row is not None:
            self.on_row(what)

    def events_by_case(self, cases: Sequence[CaseRecord], actions: Sequence[str] = TASK_ACTIONS,
                       ) -> dict[str, list[AuditRecord]]:
        """Audit events of ``cases`` up to the occurrence, per case."""
        out: dict[str, list[AuditRecord]] = {c.id: [] for c in cases}
        for ev in self.repo.case_events([c.id for c in cases], actions, before=self.occurrence):
            if ev.case_id in out:
                out[ev.case_id].append(ev)
        return out

    def book(self, case: CaseRecord, person: StaffRecord, *, key: str, role: str, kind: str, amount: int,
             occurred_at: datetime, detail: dict[str, Any], bonus: tuple[int, int] | None = None) -> bool:
        """Add one ledger line (once per key) and tell the person; True when it was new."""
        new = self.repo.add_penalty(
            key=key, month=self.month, occurred_at=occurred_at, subsidiary=case.subsidiary,
            staff=person.login, role=role, kind=kind, amount=amount,
            bonus_percent_min=bonus[0] if bonus else None, bonus_percent_max=bonus[1] if bonus else None,
            case_id=case.id, case_number=case.number,
            detail=detail, created_at=self.now)
        if new:
            text = detail.get("text", "")
            # One notice per ledger line in the web UI only: a catch-up may book many lines at once,
            # and HR and finance get the month's ledger anyway.
            self.notifier.tell([person], "penalty", key, case_id=case.id, case_number=case.number,
                               channels=["in_app"], case=case.number, reason=kind, amount=amount,
                               **penalty_words(amount, bonus),
                               detail=text, detail_en=detail.get("text_en", text), month=self.month)
            self.count(kind)
        return new
