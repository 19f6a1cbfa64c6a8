"""What the runtime hands out: frozen views of cases, inbox items and timeline entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.store import AuditRecord, CaseRecord, TaskRecord

__all__ = ["CasePageReads", "CaseView", "InboxItem", "TimelineEntry"]


@dataclass(frozen=True)
class InboxItem:
    """One open task as the inbox shows it."""

    task_id: str
    case_id: str
    case_number: str
    process_id: str
    task_name: str
    title: str
    lane: str | None
    role: str | None
    unit: str | None
    candidate_group: str | None
    assignee: str | None
    claimed_at: datetime | None
    due_at: datetime | None
    created_at: datetime
    category: str | None = None
    room: str | None = None
    customer_name: str | None = None
    customer_phone: str | None = None
    subsidiary: str | None = None
    project: str | None = None
    status: str | None = None
    provisional_year: int | None = None  # the due time rests on this provisional calendar year
    excluded: str | None = None  # logins who may not take it (``not_completed_by``, R6.3), space-separated

    def is_overdue(self, now: datetime) -> bool:
        """True when the task has a due time and ``now`` is past it."""
        return self.due_at is not None and now > self.due_at

    @classmethod
    def from_record(cls, row: TaskRecord) -> InboxItem:
        """Build from a store record."""
        return cls(
            task_id=row.task_id, case_id=row.case_id, case_number=row.number, process_id=row.process_id,
            task_name=row.task_spec, title=row.title, lane=row.lane, role=row.role, unit=row.unit,
            candidate_group=row.candidate_group, assignee=row.assignee, claimed_at=row.claimed_at,
            due_at=row.due_at, created_at=row.created_at, category=row.category, room=row.room,
            customer_name=row.customer_name, customer_phone=row.customer_phone, subsidiary=row.subsidiary,
            project=row.project, status=row.status, provisional_year=row.provisional_year,
            excluded=row.excluded,
        )


@dataclass(frozen=True)
class TimelineEntry:
    """One audit event of a case."""

    seq: int
    at: datetime
    actor: str
    action: str
    task_id: str | None
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_record(cls, ev: AuditRecord) -> TimelineEntry:
        """Build from a store record."""
        return cls(ev.seq, ev.at, ev.actor, ev.action, ev.task_id, dict(ev.data))


@dataclass(frozen=True)
class CaseView:
    """A case: status, the fields staff see, open tasks and (from ``get_case``) the timeline."""

    id: str
    number: str
    process_id: str
    process_version: str
    policy_fingerprint: str
    status: str
    outcome: str | None
    subsidiary: str | None
    project: str | None
    category: str | None
    first_receiver: str
    responsible_department: str | None
    customer_name: str | None
    customer_phone: str | None
    room: str | None
    channel: str | None
    urgency: str | None
    scope: str | None
    opened_at: datetime
    closed_at: datetime | None
    next_timer_at: datetime | None
    tasks: tuple[InboxItem, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    provisional_year: int | None = None  # a deadline of the open case rests on this provisional year

    @classmethod
    def build(cls, case: CaseRecord, tasks: list[TaskRecord],
              events: list[AuditRecord] | None = None) -> CaseView:
        """Join a case record with its open tasks and audit events."""
        return cls(
            id=case.id, number=case.number, process_id=case.process_id, process_version=case.process_version,
            policy_fingerprint=case.policy_fingerprint, status=case.status, outcome=case.outcome,
            subsidiary=case.subsidiary, project=case.project, category=case.category,
            first_receiver=case.first_receiver, responsible_department=case.responsible_department,
            customer_name=case.customer_name, customer_phone=case.customer_phone, room=case.room,
            channel=case.channel, urgency=case.urgency, scope=case.scope, opened_at=case.opened_at,
            closed_at=case.closed_at, next_timer_at=case.next_timer_at,
            tasks=tuple(InboxItem.from_record(t) for t in sorted(tasks, key=lambda t: t.created_at)),
            timeline=tuple(TimelineEntry.from_record(e) for e in events or ()),
            provisional_year=case.provisional_year,
        )


@dataclass(frozen=True)
class CasePageReads:
    """A case page's reads of one case (``Runtime.case_page_reads``): its view, the diagram elements it
    passed through and where it waits (each None when its workflow could not be read)."""

    view: CaseView
    completed: list[str] | None
    waiting: list[Any] | None
