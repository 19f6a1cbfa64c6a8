"""Inbox indexes that serve the inbox's own queries: each tab filters on one column and sorts by due time.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

Measured by ``bench/inbox.py`` (1,000,000 cases, 100,000 open tasks): with the single-column indexes
the full/empty ratio of the inbox API was 7.3; with these composite indexes it is about 1.4. Each
composite replaces the single-column index it starts with, so a write maintains no extra index.
"""

from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_REPLACED = (
    # (old index, old columns, new index, new columns)
    ('ix_inbox_tasks_group_assignee', ['candidate_group', 'assignee'],
     'ix_inbox_tasks_group_assignee_due', ['candidate_group', 'assignee', 'due_at']),
    ('ix_inbox_tasks_assignee', ['assignee'], 'ix_inbox_tasks_assignee_due', ['assignee', 'due_at']),
    ('ix_inbox_tasks_subsidiary', ['subsidiary'], 'ix_inbox_tasks_subsidiary_due', ['subsidiary', 'due_at']),
)


def upgrade() -> None:
    """Apply this migration."""
    for old, _old_columns, new, columns in _REPLACED:
        op.create_index(new, 'inbox_tasks', columns, unique=False)
        op.drop_index(old, table_name='inbox_tasks')


def downgrade() -> None:
    """Revert this migration."""
    for old, old_columns, new, _columns in _REPLACED:
        op.create_index(old, 'inbox_tasks', old_columns, unique=False)
        op.drop_index(new, table_name='inbox_tasks')
