"""Plain frozen records the store hands out; no ORM object leaves ``engine.store``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["AuditRecord", "CaseRecord", "StaffRecord", "TaskRecord", "UnitRecord", "barred_logins"]


@dataclass(frozen=True)
class UnitRecord:
    """An org unit."""

    code: str
    name: str
    kind: str
    parent: str | None
    department: str | None = None
    position: int = 0  # its place among its siblings of its kind, in the org file's order


@dataclass(frozen=True)
class StaffRecord:
    """A staff member and the roles they hold."""

    login: str
    name: str
    unit: str
    roles: tuple[str, ...]
    phone: str | None = None
    email: str | None = None
    active: bool = True
    unit_kind: str | None = None
    unit_parent: str | None = None
    unit_chain: tuple[tuple[str, str], ...] = ()  # (code, kind) of the unit and up to three above it
    deputy: str | None = None  # the standing deputy (代理人) who takes their tasks during an absence
    unit_name: str | None = None  # the name of their unit (read with them by ``Tx.staff``)


@dataclass(frozen=True)
class CaseRecord:
    """A case row (``workflow`` is only filled when the case was locked for a transition)."""

    id: str
    number: str
    process_id: str
    process_version: str
    policy_fingerprint: str
    subsidiary: str | None
    project: str | None
    category: str | None
    status: str
    outcome: str | None
    first_receiver: str
    responsible_department: str | None
    customer_name: str | None
    customer_phone: str | None
    room: str | None
    channel: str | None
    urgency: str | None
    scope: str | None
    serializer_version: str
    next_timer_at: datetime | None
    opened_at: datetime
    closed_at: datetime | None
    audit_head: str
    audit_count: int
    version: int
    workflow: str | None = None
    provisional_year: int | None = None
    search_text: str | None = None
    search_terms: str | None = None


@dataclass(frozen=True)
class TaskRecord:
    """An open inbox row."""

    task_id: str
    case_id: str
    task_spec: str
    title: str
    lane: str | None
    role: str | None
    unit: str | None
    candidate_group: str | None
    assignee: str | None
    default_assignee: str | None
    claimed_at: datetime | None
    due_at: datetime | None
    created_at: datetime
    number: str
    process_id: str
    category: str | None = None
    room: str | None = None
    customer_name: str | None = None
    customer_phone: str | None = None
    subsidiary: str | None = None
    project: str | None = None
    status: str | None = None
    provisional_year: int | None = None
    excluded: str | None = None  # logins who may not take it (``not_completed_by``), separated by spaces


def barred_logins(excluded: str | None) -> frozenset[str]:
    """The logins an inbox row's ``excluded`` bars from its task (R6.3: they did a step its user task's
    ``not_completed_by`` names); none for a row without."""
    return frozenset((excluded or "").split())


@dataclass(frozen=True)
class AuditRecord:
    """One audit event as stored."""

    id: int
    chain: str
    seq: int
    case_id: str | None
    task_id: str | None
    actor: str
    action: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = ""
    hash: str = ""
