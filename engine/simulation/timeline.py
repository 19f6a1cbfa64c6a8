"""What a simulated case went through, read back from the throw-away database.

``steps``: each step as it opened (who, due time), when it was done and whether late; ``events``:
the timeline in time order: received, each step's deadline and completion, timers that fired
(escalations), notifications about the case (digests that list it, overdue alerts to the holder and
the supervisor, fines told), the ledger lines and the end.
Bilingual task titles "中文 English" are kept whole; the pages pick the language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from engine.clock import local_minutes
from engine.org import OrgData
from engine.simulation.scripts import PathScript
from engine.store.worker_repo import WorkerRepo

__all__ = ["Event", "Fine", "Simulation", "Step", "read_simulation"]

_CASE_ACTIONS = ("case.opened", "task.opened", "task.completed", "task.cancelled", "timer.fired",
                 "case.closed", "deadline.provisional")


@dataclass(frozen=True)
class Step:
    """One step of the case: opened, due, done (or still open at the horizon)."""

    task: str
    title: str
    opened_at: datetime
    due_at: datetime | None
    holder: str  # a person's name, else the queue's role@unit
    done_at: datetime | None = None
    done_by: str | None = None
    late: bool = False
    cancelled: bool = False


@dataclass(frozen=True)
class Fine:
    """One line of the penalty ledger."""

    at: datetime
    person: str
    kind: str
    amount: int
    text: str


@dataclass(frozen=True)
class Event:
    """One entry of the timeline: ``kind`` is received, deadline, done, timer, cancelled, notice, fine
    or closed; ``text`` says it in Chinese."""

    at: datetime
    kind: str
    text: str
    task: str | None = None
    amount: int | None = None


@dataclass(frozen=True)
class Simulation:
    """The outcome of one simulated case."""

    process: str
    unit: str
    path: PathScript
    received_at: datetime
    label: str
    number: str
    status: str
    outcome: str | None
    steps: tuple[Step, ...]
    fines: tuple[Fine, ...]
    events: tuple[Event, ...]
    truncated: bool = False
    zone: tzinfo = UTC  # the case policy's: every time above is on its clock

    @property
    def total_fines(self) -> int:
        """The sum of the ledger lines, in yuan."""
        return sum(f.amount for f in self.fines)

    def deadlines(self) -> list[tuple[str, datetime | None]]:
        """(task, due time) of each step in the order they opened."""
        return [(s.task, s.due_at) for s in self.steps]


def _zh(title: str) -> str:
    head, sep, _ = title.partition(" ")
    return head if sep and not head.isascii() else title


def read_simulation(w: Any, org: OrgData, number: str, *, process: str, unit: str, path: PathScript,
                    received_at: datetime, label: str, truncated: bool) -> Simulation:
    """The simulation's steps, fines and timeline from the world's database, every time on the case's
    policy clock (whatever offset ``received_at`` was given in: ``--at 2026-12-31T16:00Z`` is read as
    2027-01-01 00:00 in Shanghai, as its due times are)."""
    from engine.reviews import case_policy_of

    zone: Any = None

    def local(moment: datetime) -> datetime:
        return moment.astimezone(zone)

    def name(login: str | None) -> str:
        person = org.staff.get(login or "")
        return person.name if person is not None else (login or "")

    roles = {r["code"]: r["name"] for r in w.policies.effective(None).get("roles")}

    def queue(group: str) -> str:
        role, _, code = group.partition("@")
        unit = org.units.get(code)
        return f"{unit.name if unit else code}{roles.get(role, role)}"

    with w.store.read() as tx:
        repo = WorkerRepo(tx)
        case = tx.find_case(number)
        zone = case_policy_of(tx, w.policies)(case).calendar.tz
        audit = repo.case_events([case.id], _CASE_ACTIONS)
        ledger = [p for p in repo.penalties() if p.case_number == number]
        notes = [n for s in repo.all_staff() for n in repo.notifications(s.login, limit=1000)]
    steps: dict[str, Step] = {}
    events: list[Event] = []
    for ev in audit:
        at, data = local(ev.at), ev.data
        if ev.action == "case.opened":
            events.append(Event(at, "received", f"{name(ev.actor)}受理，案件 {number}"))
        elif ev.action == "task.opened" and ev.task_id:
            due = datetime.fromisoformat(data["due_at"]) if data.get("due_at") else None
            assignee = data.get("assignee")
            holder = name(assignee) if assignee else queue(str(data.get("candidate_group")))
            steps[ev.task_id] = Step(data["task"], data["title"], at, due, holder)
            if due is not None:
                text = f"{_zh(data['title'])}：{holder}，时限 {local_minutes(due, zone)}"
                events.append(Event(at, "deadline", text, data["task"]))
        elif ev.action == "task.completed" and ev.task_id in steps:
            late = bool(data.get("late"))
            old = steps[ev.task_id]
            steps[ev.task_id] = Step(old.task, old.title, old.opened_at, old.due_at, old.holder, at,
                                     name(ev.actor), late)
            text = f"{_zh(old.title)}：{name(ev.actor)}{'超时' if late else '按时'}完成"
            events.append(Event(at, "done", text, old.task))
        elif ev.action == "task.cancelled" and ev.task_id in steps:
            old = steps[ev.task_id]
            steps[ev.task_id] = Step(old.task, old.title, old.opened_at, old.due_at, old.holder,
                                     cancelled=True)
            text = f"{_zh(old.title)}：已撤销（{data.get('reason') or ''}）"
            events.append(Event(at, "cancelled", text, old.task))
        elif ev.action == "timer.fired":
            fired = str(data.get("due_at") or "")
            try:
                fired = local_minutes(datetime.fromisoformat(fired), zone)
            except ValueError:
                fired = fired[:16]
            text = f"时限到：{_zh(str(data.get('name')))}（{fired}）"
            events.append(Event(at, "timer", text))
        elif ev.action == "deadline.provisional":
            events.append(Event(at, "notice", f"暂定日历：{data.get('reason', '')}"))
        elif ev.action == "case.closed":
            events.append(Event(at, "closed", "结案"))
    told: dict[tuple[datetime, str, str], list[str]] = {}
    for note in notes:  # about this case: its own, and digests that list it (not the other units' reports)
        if note.case_number != number and number not in note.body:
            continue
        told.setdefault((local(note.created_at), note.kind, note.title), []).append(name(note.recipient))
    for (at, _kind, title), people in told.items():
        events.append(Event(at, "notice", f"{'、'.join(sorted(people))}：{title}"))
    fines = tuple(Fine(local(p.occurred_at), name(p.staff), p.kind, p.amount, str(p.detail.get("text", "")))
                  for p in ledger)
    for fine in fines:
        # a share of the monthly bonus (a missed return visit, R2.15) has no amount: its text says the share
        money = f" {fine.amount}元" if fine.amount or "奖金" not in fine.text else ""
        events.append(Event(fine.at, "fine", f"{fine.person}{money}：{fine.text}", amount=fine.amount))
    events.sort(key=lambda e: e.at)  # stable: the audit log's order first, then what the worker told
    return Simulation(process, unit, path, received_at, label, number, case.status, case.outcome,
                      tuple(steps.values()), fines, tuple(events), truncated, zone)

