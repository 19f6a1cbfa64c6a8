"""Deployed process versions: a number per process, which one is current, who deployed it and when.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

Process owners deploy diagram versions (`kefu process deploy`); new cases open on the current
version of their process, open cases stay on theirs until migrated. Existing rows are numbered in
the order they were registered, the last of each process becomes current, and all count as
registered from the files (source ``init``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('process_versions') as batch:
        batch.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('current', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('source', sa.String(length=20), nullable=False, server_default='init'))
        batch.add_column(sa.Column('deployed_by', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('deployed_at', _TS, nullable=True))
    op.execute("UPDATE process_versions SET seq = (SELECT COUNT(*) FROM process_versions AS p2 "
               "WHERE p2.process_id = process_versions.process_id AND p2.id <= process_versions.id)")
    op.execute("UPDATE process_versions SET current = TRUE, deployed_at = created_at WHERE id IN "
               "(SELECT MAX(id) FROM process_versions GROUP BY process_id)")
    with op.batch_alter_table('process_versions') as batch:
        batch.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint('uq_process_versions_seq', ['process_id', 'seq'])


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('process_versions') as batch:
        batch.drop_constraint('uq_process_versions_seq', type_='unique')
        for column in ('deployed_at', 'deployed_by', 'source', 'current', 'seq'):
            batch.drop_column(column)
