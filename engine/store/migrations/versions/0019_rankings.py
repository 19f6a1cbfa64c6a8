"""Rankings (issue 16, R7.2): who first received each case, for the CS specialists' ranking.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03

``case_stats.first_receiver`` is the login of the case's first receiver (R0.5, the CS specialist the
customer rates); the cases that existed before are filled from ``cases.first_receiver``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('case_stats') as batch:
        batch.add_column(sa.Column('first_receiver', sa.String(length=64), nullable=True))
    op.execute("UPDATE case_stats SET first_receiver = "
               "(SELECT cases.first_receiver FROM cases WHERE cases.id = case_stats.case_id)")


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('case_stats') as batch:
        batch.drop_column('first_receiver')
