"""Plain view data the services hand to views and templates (no ORM, no workflow objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.permissions import Subject
from engine.store.web_queries import InboxScope
from webui.record import Closure, FieldValue, StepCard

__all__ = [
    "Actor",
    "AttachmentView",
    "CalendarView",
    "CaseListPage",
    "CaseListRow",
    "CasePage",
    "InboxPage",
    "InboxRow",
    "OpenedCase",
    "TaskView",
    "TimelineEntry",
]


@dataclass(frozen=True)
class Actor:
    """A signed-in staff member with the candidate groups and units they may see."""

    login: str
    name: str
    unit: str
    roles: tuple[str, ...]
    scope: InboxScope
    unit_name: str = ""
    subject: Subject | None = None  # what engine.permissions asks about (set by Services.actor)

    @property
    def supervisor(self) -> bool:
        """True when the "all open" tab is theirs."""
        return self.scope.supervisor

    @property
    def org_admin(self) -> bool:
        """True for an organisation administrator (the 组织 pages are theirs)."""
        return self.subject is not None and "org_admin" in self.subject.roles

    def may(self, action: str) -> bool:
        """May this actor take a process-area action (``process.read``, ``process.deploy`` …)?"""
        from engine.permissions import Target, can

        return self.subject is not None and can(self.subject, action, Target("process", None)).allowed


@dataclass(frozen=True)
class InboxRow:
    """One open task as the inbox shows it."""

    task_id: str
    number: str
    process_id: str
    title: str
    category: str
    room: str
    customer_name: str
    phone: str
    assignee: str | None
    assignee_name: str
    due_at: datetime | None
    minutes_left: int | None
    working_time: bool
    status: str
    can_claim: bool
    can_release: bool
    provisional_year: int | None = None  # the due time rests on this provisional calendar year
    spec: str = ""  # the user task's id in the diagram
    nobody: bool = False  # unassigned, and nobody holds its queue (e.g. a department without a head, R2.4)


@dataclass(frozen=True)
class InboxPage:
    """A page of an inbox view with the tab counts."""

    view: str
    rows: list[InboxRow]
    total: int
    counts: dict[str, int]
    page: int
    pages: int
    unread: int | None = None  # the bell's count, when the page asked for it with the rows


@dataclass(frozen=True)
class CalendarView:
    """The holiday calendar page: a region's years (source each) and one year's days."""

    region: str
    regions: list[str]
    years: list[Any]  # engine.calendar_publish.YearStatus
    year: Any  # the YearStatus of the year shown
    holidays: dict[Any, str]
    workdays: dict[Any, str]
    may_publish: bool
    suggested_year: int  # the first year from this one without a file (to add)


@dataclass(frozen=True)
class OpenedCase:
    """What the intake desk sees after submitting: the number and the dispatch deadline."""

    number: str
    status: str
    dispatch_due: datetime | None
    closed: bool


@dataclass(frozen=True)
class TaskView:
    """An open task of a case, with its form when this user may work on it."""

    task_id: str
    spec: str
    title: str
    assignee: str | None
    assignee_name: str
    due_at: datetime | None
    minutes_left: int | None
    can_claim: bool
    can_release: bool
    can_complete: bool
    fields: list[dict[str, Any]] = field(default_factory=list)
    provisional_year: int | None = None  # the due time rests on this provisional calendar year
    shows: list[FieldValue] = field(default_factory=list)  # what the task decides on (its form's ``shows``)
    # A task the reader may neither claim nor complete: the role (by name) and unit that may, and who
    # holds it now ({role: {zh, en}, unit, holders: [names], assignee: bool}).
    needs: dict[str, Any] | None = None
    # R5.2 主管以上: the step went up from its lane's own role (``lanes.<lane>.escalate_to``): the levels
    # passed ([{zh, en}], nearest first) and why (``requester``: its only holder asked; ``excluded``: its
    # only holders did a step it must be done apart from, R6.3; ``nobody``).
    escalated: dict[str, Any] | None = None


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the case history (from the audit log)."""

    at: datetime
    actor: str
    action: str
    detail: str = ""
    title: str = ""
    decided: dict[str, str] = field(default_factory=dict)  # what a completed step decided, {zh, en}


@dataclass(frozen=True)
class AttachmentView:
    """An attached file's metadata."""

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    stage: str | None = None

    @property
    def is_image(self) -> bool:
        """True for photos (shown as thumbnails)."""
        return self.content_type.startswith("image/")


@dataclass(frozen=True)
class CasePage:
    """Everything the case page shows."""

    number: str
    process_id: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    first_receiver: str
    responsible_department: str
    summary: list[tuple[str, str]]
    deadlines: list[tuple[str, datetime, int | None]]  # (task title, due, provisional year)
    tasks: list[TaskView]
    timeline: list[TimelineEntry]
    attachments: list[AttachmentView]
    completed_steps: list[str]
    current_steps: list[str]
    case_id: str = ""
    # Where the case waits (a catch event, an event-based gateway, a boundary timer of no open step):
    # [{element, name {zh, en}, process, elements, due_at, text {zh, en}, events: [{element, name, kind,
    # due_at}]}] (``engine/runtime/waits.py``)
    waiting: list[dict[str, Any]] = field(default_factory=list)
    # The case's diagrams, the process first, then what its call activities run: [{id, name, calls:
    # {call activity id: process id}}]; and the process each step (user task id) belongs to.
    diagrams: list[dict[str, Any]] = field(default_factory=list)
    step_process: dict[str, str] = field(default_factory=dict)
    order_number: str | None = None  # a repair's issued dispatch order 派工单 (print view and PDF)
    # A consultation whose expert answer has its wording confirmed: add it to the FAQ book in one step
    # (``faq_lines`` to choose from, ``faq_line`` preselected), or the entry it already became.
    faq_addable: bool = False
    faq_entry_id: int | None = None
    faq_line: str | None = None
    faq_lines: list[tuple[str, str]] = field(default_factory=list)
    photo_stages: dict[str, str] = field(default_factory=dict)  # a repair's stages: code → name
    provisional_year: int | None = None  # a deadline of the case rests on this provisional calendar year
    status_name: dict[str, str] = field(default_factory=dict)  # the status as staff read it, {zh, en}
    steps: list[StepCard] = field(default_factory=list)  # every completed step, oldest first
    closure: Closure | None = None  # a closed case: outcome, satisfaction, the path taken
    phone_masked: bool = False  # the customer's phone is shown masked (R0.8); revealing it is audited
    can_withdraw: bool = False  # an open complaint the reader may withdraw (issue 15)
    withdrawal: dict[str, Any] | None = None  # a withdrawn case: {by, at, reason}
    can_merge: bool = False  # the reader may propose merging this complaint into its original
    can_confirm_merge: bool = False  # the reader may confirm or reject the pending merge
    pending_merge: dict[str, Any] | None = None  # {into, by, at}: proposed, not yet decided
    merged_into: str | None = None  # a merged duplicate: the original's number
    duplicates: list[str] = field(default_factory=list)  # an original: the duplicates merged into it
    # R2.4 a complaint's cooperating departments: {department, state, due_at, late, by, at, part, contact,
    # reason} each (state open / confirmed / ended with the complaint), for the responsible department
    cooperation: list[dict[str, Any]] = field(default_factory=list)
    # R2.13 a volume escalation: the project it is about, who must write the report (or investigate),
    # the complaints counted (those the reader may open linked), the latest report and its files
    escalation: dict[str, Any] | None = None


@dataclass(frozen=True)
class CaseListRow:
    """One case of the case list and search page (names, not codes; the phone masked)."""

    number: str
    process_id: str
    category: str
    status: str
    status_name: str
    customer_name: str
    phone: str
    room: str
    unit_name: str
    opened_at: datetime
    closed_at: datetime | None
    # Open tasks: (step title, who holds it or the queue, due time, overdue)
    tasks: list[tuple[str, str, datetime | None, bool]] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        """True when an open task is past its due time."""
        return any(t[3] for t in self.tasks)


@dataclass(frozen=True)
class CaseListPage:
    """A page of the case list with the filtered total (capped) and the page count."""

    rows: list[CaseListRow]
    total: int
    page: int
    pages: int
