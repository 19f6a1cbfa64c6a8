"""FAQ book (entries, revisions, the n-gram search index) and repair dispatch orders.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('faq_entries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('line', sa.String(length=40), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('keywords', sa.String(length=400), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source_case', sa.String(length=40), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', _TS, nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', _TS, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_case')
    )
    op.create_index('ix_faq_entries_line', 'faq_entries', ['line'], unique=False)
    op.create_table('faq_revisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('line', sa.String(length=40), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('at', _TS, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('entry_id', 'version', name='uq_faq_revisions_entry_version')
    )
    op.create_index('ix_faq_revisions_entry_id', 'faq_revisions', ['entry_id'], unique=False)
    op.create_table('faq_terms',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=40), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('entry_id', 'term')
    )
    op.create_index('ix_faq_terms_term', 'faq_terms', ['term', 'entry_id'], unique=False)
    op.create_table('dispatch_orders',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('case_number', sa.String(length=40), nullable=False),
    sa.Column('subsidiary', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('issued_at', _TS, nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id'),
    sa.UniqueConstraint('number', name='uq_dispatch_orders_number')
    )
    op.create_index('ix_dispatch_orders_case_number', 'dispatch_orders', ['case_number'], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index('ix_dispatch_orders_case_number', table_name='dispatch_orders')
    op.drop_table('dispatch_orders')
    op.drop_index('ix_faq_terms_term', table_name='faq_terms')
    op.drop_table('faq_terms')
    op.drop_index('ix_faq_revisions_entry_id', table_name='faq_revisions')
    op.drop_table('faq_revisions')
    op.drop_index('ix_faq_entries_line', table_name='faq_entries')
    op.drop_table('faq_entries')
