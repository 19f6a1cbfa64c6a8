"""Statistics (issue 16, R7.1): the facts of each case, the stored monthly reports, mail attachments.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

``case_stats`` holds one row per case with the columns the monthly statistics count, indexed by
unit and receipt time; ``engine.reports.facts`` keeps it in each transition and fills it for the
cases that existed before (``kefu init``). ``monthly_reports`` keeps every version of a unit's
month. ``outbox_messages.attachment`` names a file an e-mail carries (the report's Excel).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        'case_stats',
        sa.Column('case_id', sa.String(length=32), nullable=False),
        sa.Column('number', sa.String(length=64), nullable=False),
        sa.Column('process_id', sa.String(length=64), nullable=False),
        sa.Column('subsidiary', sa.String(length=64), nullable=True),
        sa.Column('project', sa.String(length=64), nullable=True),
        sa.Column('opened_at', _TS, nullable=False),
        sa.Column('closed_at', _TS, nullable=True),
        sa.Column('status', sa.String(length=40), nullable=False),
        sa.Column('outcome', sa.String(length=64), nullable=True),
        sa.Column('valid', sa.Boolean(), nullable=False),
        sa.Column('category', sa.String(length=64), nullable=True),
        sa.Column('channel', sa.String(length=40), nullable=True),
        sa.Column('urgency', sa.String(length=40), nullable=True),
        sa.Column('responsible_department', sa.String(length=64), nullable=True),
        sa.Column('content', sa.Text(), nullable=True),
        sa.Column('corrective', sa.Text(), nullable=True),
        sa.Column('satisfaction', sa.String(length=40), nullable=True),
        sa.Column('visited_at', _TS, nullable=True),
        sa.Column('handling_minutes', sa.Integer(), nullable=True),
        *[sa.Column(f'{kind}_{end}', _TS, nullable=True)
          for kind in ('dispatch', 'visit', 'reply', 'completion') for end in ('due', 'done')],
        sa.PrimaryKeyConstraint('case_id'),
    )
    op.create_index('ix_case_stats_subsidiary_opened', 'case_stats',
                    ['subsidiary', 'process_id', 'opened_at'])
    op.create_index('ix_case_stats_project_opened', 'case_stats', ['project', 'process_id', 'opened_at'])
    op.create_index('ix_case_stats_process_opened', 'case_stats', ['process_id', 'opened_at'])
    op.create_table(
        'monthly_reports',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('unit', sa.String(length=64), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('generated_at', _TS, nullable=False),
        sa.Column('generated_by', sa.String(length=64), nullable=False),
        sa.Column('frozen', sa.Boolean(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('xlsx', sa.LargeBinary(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('unit', 'month', 'version', name='uq_monthly_reports_version'),
    )
    with op.batch_alter_table('outbox_messages') as batch:
        batch.add_column(sa.Column('attachment', sa.String(length=500), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('outbox_messages') as batch:
        batch.drop_column('attachment')
    op.drop_table('monthly_reports')
    op.drop_index('ix_case_stats_process_opened', table_name='case_stats')
    op.drop_index('ix_case_stats_project_opened', table_name='case_stats')
    op.drop_index('ix_case_stats_subsidiary_opened', table_name='case_stats')
    op.drop_table('case_stats')
