"""A closed month's report reads its summed cells, not its cases (issue 16, PostgreSQL).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04

``report_cells`` holds, per time zone, receipt month, process, subsidiary, project, breakdown value
and shard, the sums of what each case of ``case_stats`` adds to its month's figures as at the month's
end; every write of ``case_stats`` keeps them in the same statement (``ReportRepo``).
``report_cell_zones`` lists the zones they are kept for: a zone's cells are built from
``case_stats`` the first time a closed month is reported in it (``ReportRepo.build_cells``), so this
migration only creates the tables. SQLite keeps reading the rows (the tables stay empty there).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
COUNTERS = ["received", "valid", "closed", "done", "unresolvable", "visited", "handling_minutes", "handled",
            *[f"{kind}_{part}" for kind in ("dispatch", "visit", "reply", "completion")
              for part in ("on_time", "late")]]
KEY = ["zone", "month_start", "process_id", "dimension", "subsidiary", "project", "value", "shard"]


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "report_cell_zones",
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("built_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("zone"),
    )
    op.create_table(
        "report_cells",
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("month_start", _TS, nullable=False),
        sa.Column("process_id", sa.String(length=64), nullable=False),
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("subsidiary", sa.String(length=64), nullable=False),
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        *[sa.Column(name, sa.BigInteger() if name == "handling_minutes" else sa.Integer(), nullable=False)
          for name in COUNTERS],
        sa.PrimaryKeyConstraint(*KEY),
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("report_cells")
    op.drop_table("report_cell_zones")
