"""Compress a case's stored workflow with lz4 on PostgreSQL, not pglz.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04

Every step rewrites ``cases.workflow`` (23 kB of JSON on average for a case opened through the servers
in ``bench/load.py``, 21–75 kB over a complaint's life): PostgreSQL compresses it and stores it out of
line (TOAST), and every step's read of the case decompresses it. With the default pglz that was most of
the case UPDATE's 0.68 ms of execution (``pg_stat_statements``, the load bench's 20 clients × 2
processes). ``bench/workflow_compression.py`` on a complaint's real dumps: PostgreSQL's CPU per UPDATE
0.76 ms with pglz, 0.28 ms with lz4; per read 0.17 and 0.06 ms; and lz4 stores fewer bytes (9.1 kB
against 12.6 kB per row; docs/scaling.md item 53). Values written before stay pglz and are read as they
are; each is rewritten in lz4 at its case's next step.

Only where the server can: PostgreSQL 14 or newer, built with lz4 (``default_toast_compression`` lists
it). Elsewhere, and on SQLite, nothing changes.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    methods = bind.execute(text(
        "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")).scalar()
    return methods is not None and "lz4" in list(methods)


def upgrade() -> None:
    """Apply this migration."""
    if _lz4_available():
        op.execute("ALTER TABLE cases ALTER COLUMN workflow SET COMPRESSION lz4")


def downgrade() -> None:
    """Revert this migration."""
    if _lz4_available():
        op.execute("ALTER TABLE cases ALTER COLUMN workflow SET COMPRESSION default")
