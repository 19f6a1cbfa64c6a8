"""The statistics' range indexes carry the columns the breakdowns and the totals read (PostgreSQL).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04

The monthly report (issue 16) reads a month of ``case_stats`` several times: the totals, the
breakdowns by project × cause, channel, urgency and department, and the repairs' and consultations'
counts. Each read fetched every row of the month from the table (8,229 complaints of one subsidiary
in 1,265 heap pages of a 1,000,000-case database: about 0.5 µs a row). On PostgreSQL the three range
indexes of ``case_stats`` now ``INCLUDE`` ``valid``, ``closed_at`` and the breakdowns' columns, so
the breakdowns and the other processes' counts are index-only scans (7.2 → 3.4 ms and 4.0 → 1.0 ms in
that month). The keys are unchanged; SQLite has no ``INCLUDE`` and keeps the plain indexes.
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# (index, key columns, included columns): the model (engine/store/report_models.py) says the same.
BREAKDOWN = ["valid", "closed_at", "category", "channel", "urgency", "responsible_department"]
INDEXES = [
    ("ix_case_stats_subsidiary_opened", ["subsidiary", "process_id", "opened_at"], ["project", *BREAKDOWN]),
    ("ix_case_stats_project_opened", ["project", "process_id", "opened_at"], BREAKDOWN),
    ("ix_case_stats_process_opened", ["process_id", "opened_at"], ["project", *BREAKDOWN]),
]


def _rebuild(include: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: no INCLUDE, the plain indexes stay
    for name, keys, extra in INDEXES:
        op.drop_index(name, table_name="case_stats")
        op.create_index(name, "case_stats", keys, postgresql_include=extra if include else [])


def upgrade() -> None:
    """Apply this migration."""
    _rebuild(include=True)


def downgrade() -> None:
    """Revert this migration."""
    _rebuild(include=False)
