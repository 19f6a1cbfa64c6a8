"""Contact changes (issue 17, R0.3): each change of a unit's published contacts, for the CS centre to
acknowledge.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03

``contact_changes`` holds one row per change of a unit's contacts (``contacts``): what changed
(channel → [before, after]), who changed it and when, the time by which the CS centre acknowledges it
(``interfaces.change_notice`` after the change) and who acknowledged it and when.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        'contact_changes',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('unit', sa.String(length=64), nullable=False),
        sa.Column('subsidiary', sa.String(length=64), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('changed_by', sa.String(length=64), nullable=False),
        sa.Column('changed_at', _TS, nullable=False),
        sa.Column('due_at', _TS, nullable=False),
        sa.Column('acknowledged_by', sa.String(length=64), nullable=True),
        sa.Column('acknowledged_at', _TS, nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_contact_changes_subsidiary', 'contact_changes', ['subsidiary'])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index('ix_contact_changes_subsidiary', table_name='contact_changes')
    op.drop_table('contact_changes')
