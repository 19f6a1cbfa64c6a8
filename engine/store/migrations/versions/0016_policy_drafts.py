"""Policy drafts and published policy versions (issue 17).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

A unit's overlay edited in the browser: drafted by a policy editor, reviewed by the group's policy
reviewer, published with an effective time. Published rows are the unit's versions
(``engine.policy_versions``); none is ever deleted.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        'policy_drafts',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('unit', sa.String(length=64), nullable=False),
        sa.Column('subsidiary', sa.String(length=64), nullable=False),
        sa.Column('project', sa.String(length=64), nullable=True),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('base_text', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('author', sa.String(length=64), nullable=False),
        sa.Column('created_at', _TS, nullable=False),
        sa.Column('updated_at', _TS, nullable=False),
        sa.Column('findings', sa.JSON(), nullable=False),
        sa.Column('clean', sa.Boolean(), nullable=False),
        sa.Column('submitted_at', _TS, nullable=True),
        sa.Column('reviewer', sa.String(length=64), nullable=True),
        sa.Column('reviewed_at', _TS, nullable=True),
        sa.Column('review_note', sa.Text(), nullable=True),
        sa.Column('publisher', sa.String(length=64), nullable=True),
        sa.Column('published_at', _TS, nullable=True),
        sa.Column('effective_at', _TS, nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_policy_drafts_unit_status', 'policy_drafts', ['unit', 'status'])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index('ix_policy_drafts_unit_status', table_name='policy_drafts')
    op.drop_table('policy_drafts')
