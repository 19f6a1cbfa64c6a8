"""Survey campaigns (issue 16, R6.3): campaigns, the households each must reach, their visits.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("subsidiary", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("target_percent", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project", "kind", "starts_on", name="uq_campaigns_period"),
    )
    op.create_index("ix_campaigns_subsidiary", "campaigns", ["subsidiary"])
    op.create_table(
        "campaign_households",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("household", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "household"),
    )
    op.create_table(
        "campaign_visits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("household", sa.String(length=60), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("satisfaction", sa.String(length=40), nullable=True),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("file", sa.String(length=300), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("second_signer", sa.String(length=64), nullable=True),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_campaign_visits_campaign", "campaign_visits", ["campaign_id", "household"], unique=True
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_campaign_visits_campaign", table_name="campaign_visits")
    op.drop_table("campaign_visits")
    op.drop_table("campaign_households")
    op.drop_index("ix_campaigns_subsidiary", table_name="campaigns")
    op.drop_table("campaigns")
