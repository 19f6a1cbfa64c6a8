"""Reviews (issue 16, R2.18): the weekly leftover and monthly major-complaint lists, the quarterly
systemic-issue analysis and its department tasks.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("occurrence_at", _TS, nullable=False),
        sa.Column("reviewer_role", sa.String(length=64), nullable=True),
        sa.Column("generated_by", sa.String(length=64), nullable=False),
        sa.Column("generated_at", _TS, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("signed_by", sa.String(length=64), nullable=True),
        sa.Column("signed_at", _TS, nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "unit", "period", name="uq_reviews_kind_unit_period"),
    )
    op.create_index("ix_reviews_unit", "reviews", ["unit", "kind"])
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("noted_by", sa.String(length=64), nullable=True),
        sa.Column("noted_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_review_items_review", "review_items", ["review_id", "position"], unique=True)
    op.create_table(
        "review_tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("subsidiary", sa.String(length=64), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("candidate_group", sa.String(length=140), nullable=False),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "department", name="uq_review_tasks_department"),
    )
    op.create_index("ix_review_tasks_group", "review_tasks", ["candidate_group", "answered_at"])
    op.create_index("ix_review_tasks_subsidiary", "review_tasks", ["subsidiary", "due_at"])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_review_tasks_subsidiary", table_name="review_tasks")
    op.drop_index("ix_review_tasks_group", table_name="review_tasks")
    op.drop_table("review_tasks")
    op.drop_index("ix_review_items_review", table_name="review_items")
    op.drop_table("review_items")
    op.drop_index("ix_reviews_unit", table_name="reviews")
    op.drop_table("reviews")
