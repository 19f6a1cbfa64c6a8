"""Staff quality assessment (issue 16, R8): violation notices and their appeals.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

``violation_notices`` holds each 过失通知单 with its points in force, the person's direct supervisor
and the month it counts in; ``notice_appeals`` every appeal up the chain with its decision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        'violation_notices',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('subsidiary', sa.String(length=64), nullable=True),
        sa.Column('project', sa.String(length=64), nullable=True),
        sa.Column('person', sa.String(length=64), nullable=False),
        sa.Column('supervisor', sa.String(length=64), nullable=True),
        sa.Column('issue', sa.String(length=64), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('issued_points', sa.Integer(), nullable=False),
        sa.Column('occurred_on', sa.Date(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('supervisor_liable', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('appeals', sa.Integer(), nullable=False),
        sa.Column('issued_by', sa.String(length=64), nullable=False),
        sa.Column('issued_at', _TS, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_violation_notices_subsidiary_month', 'violation_notices', ['subsidiary', 'month'])
    op.create_index('ix_violation_notices_person_month', 'violation_notices', ['person', 'month'])
    op.create_index('ix_violation_notices_supervisor_month', 'violation_notices', ['supervisor', 'month'])
    op.create_table(
        'notice_appeals',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('appealed_by', sa.String(length=64), nullable=False),
        sa.Column('appealed_at', _TS, nullable=False),
        sa.Column('decision', sa.String(length=20), nullable=True),
        sa.Column('points_after', sa.Integer(), nullable=True),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('decided_by', sa.String(length=64), nullable=True),
        sa.Column('decided_at', _TS, nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('notice_id', 'level', name='uq_notice_appeals_level'),
    )
    op.create_index('ix_notice_appeals_notice_id', 'notice_appeals', ['notice_id'])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index('ix_notice_appeals_notice_id', table_name='notice_appeals')
    op.drop_table('notice_appeals')
    op.drop_index('ix_violation_notices_supervisor_month', table_name='violation_notices')
    op.drop_index('ix_violation_notices_person_month', table_name='violation_notices')
    op.drop_index('ix_violation_notices_subsidiary_month', table_name='violation_notices')
    op.drop_table('violation_notices')
