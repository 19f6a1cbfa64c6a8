"""The cooperating departments' confirmations are a deadline kind of the statistics (R2.4, R7.1).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04

``case_stats`` gets ``cooperation_due`` (when the cooperating departments' confirmations fell due)
and ``cooperation_done`` (when the last of them was confirmed; NULL while a part is open, and for
good when a part ended unconfirmed with the complaint). Cases opened before have neither: they had
no such step and are not counted. ``report_cells`` (0023) gets the kind's two counters, 0 in the cells
already kept (no case had the deadline before).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("case_stats") as batch:
        batch.add_column(sa.Column("cooperation_due", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("cooperation_done", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("report_cells") as batch:
        batch.add_column(sa.Column("cooperation_on_time", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("cooperation_late", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("report_cells") as batch:
        batch.drop_column("cooperation_late")
        batch.drop_column("cooperation_on_time")
    with op.batch_alter_table("case_stats") as batch:
        batch.drop_column("cooperation_done")
        batch.drop_column("cooperation_due")
