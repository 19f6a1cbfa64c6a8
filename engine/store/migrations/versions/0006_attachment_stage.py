"""Attachments carry the repair stage they document (before / during / after, R3.3).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

A repair's work task lists the stages photographed; each listed stage must have a photo attached
with that stage (engine/repair_orders.py), so the tick is checked against real uploads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('attachments') as batch:
        batch.add_column(sa.Column('stage', sa.String(length=40), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('attachments') as batch:
        batch.drop_column('stage')
