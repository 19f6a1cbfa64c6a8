"""The audit anchor: chains as the last checkpoint recorded them, and the checkpoints written.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

The worker writes signed checkpoints of every audit chain's length and head to a location outside
the database (engine/audit_anchor.py); these tables let it write each one as a delta.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('audit_anchors',
    sa.Column('chain', sa.String(length=40), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('checkpoint', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('chain')
    )
    op.create_table('audit_checkpoints',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', _TS, nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('file', sa.String(length=300), nullable=False),
    sa.Column('chains', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table('audit_checkpoints')
    op.drop_table('audit_anchors')
