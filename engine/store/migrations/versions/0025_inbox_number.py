"""Index ``inbox_tasks.number``: the open tasks of listed cases are looked up by case number.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04

``case_queries.open_tasks`` (the case list's and the volume escalation's open steps) reads
``inbox_tasks`` with ``number IN (...)`` ordered by number and due time, and the inbox searches and
sorts by number; without an index each read scanned the whole table. The explain plans before and
after are in the commit message.
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_index("ix_inbox_tasks_number", "inbox_tasks", ["number"], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_inbox_tasks_number", table_name="inbox_tasks")
