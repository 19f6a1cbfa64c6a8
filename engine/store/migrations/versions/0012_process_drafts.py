"""Process drafts (issue 14): what a process owner edits in the web modeler, one per owner and process.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

A draft keeps the diagram and forms texts as last saved, the version it started from and the
findings of the check run on that save; deploying it makes a new version (``process_versions``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        'process_drafts',
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('process_id', sa.String(length=64), nullable=False),
        sa.Column('bpmn_name', sa.String(length=200), nullable=False),
        sa.Column('bpmn_text', sa.Text(), nullable=False),
        sa.Column('forms_name', sa.String(length=200), nullable=False),
        sa.Column('forms_text', sa.Text(), nullable=False),
        sa.Column('base_version', sa.String(length=64), nullable=True),
        sa.Column('findings', sa.JSON(), nullable=False),
        sa.Column('clean', sa.Boolean(), nullable=False),
        sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('owner', 'process_id'),
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table('process_drafts')
