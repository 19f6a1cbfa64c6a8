"""Org units keep the organisation's order (the contacts book lists them the way the group reads them).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04

``org_units.position``: a unit's place among its siblings of its kind (same parent, same kind) in
the org file. ``kefu init`` and ``kefu org import`` write it from the file's order; a unit added on the
组织 page comes after its siblings. Units of a database migrated from before have 0 until the org file
is imported again; ties are broken by code.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("org_units") as batch:
        batch.add_column(sa.Column("position", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("org_units") as batch:
        batch.drop_column("position")
