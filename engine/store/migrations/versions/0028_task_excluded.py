"""``inbox_tasks.excluded``: who may not take an open step (R6.3 two signatures are two people).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04

A user task whose diagram says ``not_completed_by`` (the countersign of a phone return visit names the
steps that record it) may not be taken by whoever completed those steps in the same run of its
process. The transition that opens the step finds them (the audit's ``task.completed`` events of the
completed tasks) and writes their logins here, so that a claim, a completion and the inbox read the row
they read already. Rows opened before have none: nobody is excluded from them until the case is migrated
or the step opens again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("inbox_tasks") as batch:
        batch.add_column(sa.Column("excluded", sa.String(length=400), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("inbox_tasks") as batch:
        batch.drop_column("excluded")
