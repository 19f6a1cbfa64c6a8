"""SQLAlchemy models of kefu's tables; Alembic migrations under ``migrations/`` create them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column

__all__ = [
    "Attachment",
    "AuditChain",
    "AuditEvent",
    "Base",
    "Case",
    "InboxTask",
    "NumberSequence",
    "OrgUnit",
    "PolicySnapshot",
    "ProcessVersion",
    "Staff",
    "UTCDateTime",
    "load_all_models",
]


def load_all_models() -> type[Base]:
    """Import every ``engine/store/*models.py`` module so ``Base.metadata`` holds every table."""
    import importlib
    import pkgutil

    import engine.store

    for module in pkgutil.iter_modules(engine.store.__path__):
        if module.name.endswith("models"):
            importlib.import_module(f"engine.store.{module.name}")
    return Base


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database (SQLite keeps naive UTC text underneath)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive times; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored; kefu stores UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every kefu table."""

    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class OrgUnit(Base):
    """A unit of the organisation: group, subsidiary, project or department."""

    __tablename__ = "org_units"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent: Mapped[str | None] = mapped_column(String(64), index=True)
    department: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, server_default="0")  # among its siblings of its kind


class Staff(Base):
    """A staff member; ``roles`` lists role names held in ``unit`` (or ``role@unit`` elsewhere)."""

    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(64), index=True)
    roles: Mapped[list[Any]] = mapped_column(default=list)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Who stands in for them (代理人): takes their tasks during an absence unless the absence names
    # another (migration 0011).
    deputy: Mapped[str | None] = mapped_column(String(64))


class ProcessVersion(Base):
    """One version of a process's diagram and forms, keyed by content hash."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_id", "version", name="uq_process_versions"),
                      UniqueConstraint("process_id", "seq", name="uq_process_versions_seq"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    process_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    sources: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    seq: Mapped[int] = mapped_column(Integer)  # v1, v2 … per process, in the order registered
    current: Mapped[bool] = mapped_column(Boolean, server_default=false())  # new cases open on it
    source: Mapped[str] = mapped_column(String(20), server_default="init")  # init (the files) | deploy
    deployed_by: Mapped[str | None] = mapped_column(String(64))
    deployed_at: Mapped[datetime | None]  # when it last became current


class PolicySnapshot(Base):
    """An effective policy as a case started with it, deduplicated by fingerprint."""

    __tablename__ = "policy_snapshots"
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    snapshot: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class Case(Base):
    """A case: its pinned versions, the fields staff filter on and the serialized workflow."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_provisional_year", "provisional_year",
              sqlite_where=text("provisional_year IS NOT NULL"),
              postgresql_where=text("provisional_year IS NOT NULL")),
        # The case list (newest first) and a customer's and a household's earlier cases (migration 0013).
        # PostgreSQL only: a GIN index over the case's n-grams (engine/search.py).
        Index("ix_cases_search_terms", text("string_to_array(search_terms, ' ')"),
              postgresql_using="gin").ddl_if(dialect="postgresql"),
        Index("ix_cases_opened_at", "opened_at"),
        Index("ix_cases_customer_phone", "customer_phone"),
        Index("ix_cases_project_room", "project", "room"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    process_id: Mapped[str] = mapped_column(String(64))
    process_version: Mapped[str] = mapped_column(String(64))
    policy_fingerprint: Mapped[str] = mapped_column(ForeignKey("policy_snapshots.fingerprint"))
    subsidiary: Mapped[str | None] = mapped_column(String(64), index=True)
    project: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str | None] = mapped_column(String(64))
    first_receiver: Mapped[str] = mapped_column(String(64))
    responsible_department: Mapped[str | None] = mapped_column(String(64))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    customer_phone: Mapped[str | None] = mapped_column(String(40))
    room: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str | None] = mapped_column(String(40))
    urgency: Mapped[str | None] = mapped_column(String(40))
    scope: Mapped[str | None] = mapped_column(String(40))
    workflow: Mapped[str] = deferred(mapped_column(Text))
    serializer_version: Mapped[str] = mapped_column(String(20))
    next_timer_at: Mapped[datetime | None] = mapped_column(index=True)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    audit_head: Mapped[str] = mapped_column(String(64))
    audit_count: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # The first provisional calendar year a deadline of the open case rests on (migration 0009; a
    # partial index holds only the cases that have one).
    provisional_year: Mapped[int | None] = mapped_column(Integer)
    # What a search looks in and the n-grams that find it (engine/search.py, migration 0013).
    search_text: Mapped[str | None] = mapped_column(Text)
    search_terms: Mapped[str | None] = mapped_column(Text)
    __mapper_args__ = {"version_id_col": version}


class InboxTask(Base):
    """An open (READY) user task with the case fields the inbox filters on; never holds workflow state."""

    __tablename__ = "inbox_tasks"
    # Each inbox tab filters on one column and sorts by due time (migration 0005, bench/inbox.py).
    __table_args__ = (
        Index("ix_inbox_tasks_group_assignee_due", "candidate_group", "assignee", "due_at"),
        Index("ix_inbox_tasks_assignee_due", "assignee", "due_at"),
        Index("ix_inbox_tasks_subsidiary_due", "subsidiary", "due_at"),
        Index("ix_inbox_tasks_number", "number"),  # the open tasks of listed cases (migration 0025)
    )
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    task_spec: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(64))
    candidate_group: Mapped[str | None] = mapped_column(String(130))
    assignee: Mapped[str | None] = mapped_column(String(64))
    default_assignee: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime]
    number: Mapped[str] = mapped_column(String(64))
    process_id: Mapped[str] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    room: Mapped[str | None] = mapped_column(String(100))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    customer_phone: Mapped[str | None] = mapped_column(String(40))
    subsidiary: Mapped[str | None] = mapped_column(String(64))
    project: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(40))
    # The first provisional calendar year ``due_at`` rests on (migration 0009): shown as 暂定日历.
    provisional_year: Mapped[int | None] = mapped_column(Integer)
    # Who may not take the step (migration 0028): the staff who completed the earlier steps its user task's
    # ``not_completed_by`` names in the same run of its process (R6.3), logins separated by spaces.
    excluded: Mapped[str | None] = mapped_column(String(400))


class Attachment(Base):
    """Metadata of a file attached to a case (the bytes live under the data directory)."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_path: Mapped[str] = mapped_column(String(500))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime]
    stage: Mapped[str | None] = mapped_column(String(40))  # a repair photo's stage (repair.photo_stages)


class AuditEvent(Base):
    """One append-only audit event; ``hash`` covers its content and the previous event's hash."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_audit_events_chain_seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[str | None] = mapped_column(String(32))
    task_id: Mapped[str | None] = mapped_column(String(36), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChain(Base):
    """Head hash and length of an audit chain not kept on a case (the "system" chain)."""

    __tablename__ = "audit_chains"
    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    head: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)


class NumberSequence(Base):
    """The last number handed out per subsidiary, prefix and year (locked while a case is created)."""

    __tablename__ = "number_sequences"
    subsidiary: Mapped[str] = mapped_column(String(64), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
