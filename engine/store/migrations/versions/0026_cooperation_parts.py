"""Each cooperating department's confirmation of a complaint, for the on-time figure per department (R2.4).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04

``cooperation_parts`` holds one row per ``confirm_cooperation`` step (its task id): the case, the
department, the due time and when it was confirmed (NULL while open, and when the step ended
unconfirmed with the complaint). Every transition that opens, completes or ends such a step writes
it with the case's facts (``engine.reports.facts``). The steps opened before this migration are
read back from the audit log here (their ``task.opened``/``task.completed`` events carry the
department and the times), so the monthly figures per department cover them too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_TASK = "confirm_cooperation"


def _moment(value: Any, sqlite: bool) -> datetime | None:
    """A stored or ISO time as the column keeps it: UTC (naive on SQLite, as ``UTCDateTime`` writes)."""
    if isinstance(value, datetime):
        parsed = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    elif not value:
        return None
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            return None
    utc = parsed.astimezone(UTC)
    return utc.replace(tzinfo=None) if sqlite else utc


def upgrade() -> None:
    """Apply this migration."""
    parts = op.create_table(
        "cooperation_parts",
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("task_id"),
    )
    op.create_index("ix_cooperation_parts_case_id", "cooperation_parts", ["case_id"], unique=False)
    events = sa.table("audit_events", sa.column("case_id", sa.String), sa.column("task_id", sa.String),
                      sa.column("action", sa.String), sa.column("at", sa.DateTime(timezone=True)),
                      sa.column("data", sa.JSON), sa.column("id", sa.Integer))
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    rows: dict[str, dict[str, Any]] = {}
    stmt = (sa.select(events.c.case_id, events.c.task_id, events.c.action, events.c.at, events.c.data)
            .where(events.c.action.in_(["task.opened", "task.completed"]), events.c.task_id.is_not(None),
                   events.c.case_id.is_not(None))
            .order_by(events.c.id))
    for case_id, task_id, action, at, data in conn.execute(stmt):
        data = data or {}
        if not isinstance(data, dict) or data.get("task") != _TASK:
            continue
        if action == "task.opened" and data.get("department"):
            rows[task_id] = {"task_id": task_id, "case_id": case_id, "department": str(data["department"]),
                             "due_at": _moment(data.get("due_at"), sqlite), "done_at": None}
        elif action == "task.completed" and task_id in rows:
            rows[task_id]["done_at"] = _moment(at, sqlite)
    if rows:
        op.bulk_insert(parts, list(rows.values()))


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_cooperation_parts_case_id", table_name="cooperation_parts")
    op.drop_table("cooperation_parts")
