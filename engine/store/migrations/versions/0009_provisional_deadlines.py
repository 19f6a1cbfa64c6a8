"""Deadlines computed on a provisional calendar year are marked (issue 12).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

``inbox_tasks.provisional_year`` is the first provisional year an open task's due time rests on (the
inbox and the case page show 暂定日历); ``cases.provisional_year`` is the first provisional year any
deadline of an open case rests on (due times, waiting timers, deadlines kept in the case data), so
the cases to recompute when the year's file arrives are found by index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('inbox_tasks') as batch:
        batch.add_column(sa.Column('provisional_year', sa.Integer(), nullable=True))
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('provisional_year', sa.Integer(), nullable=True))
    # Partial: only the few cases with a provisional deadline are in it, so the UPDATE of every
    # transition (provisional_year stays NULL) writes no index entry.
    op.create_index('ix_cases_provisional_year', 'cases', ['provisional_year'],
                    sqlite_where=sa.text('provisional_year IS NOT NULL'),
                    postgresql_where=sa.text('provisional_year IS NOT NULL'))


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index('ix_cases_provisional_year', table_name='cases')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('provisional_year')
    with op.batch_alter_table('inbox_tasks') as batch:
        batch.drop_column('provisional_year')
