"""Visitor reception and owner archives: households, residents, visits, archive documents, holds, decisions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('households',
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('project', sa.String(length=64), nullable=False),
    sa.Column('room', sa.String(length=100), nullable=False),
    sa.Column('owner_name', sa.String(length=50), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_index(op.f('ix_households_project'), 'households', ['project'], unique=False)
    op.create_table('residents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('household', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('is_owner', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['household'], ['households.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_residents_household'), 'residents', ['household'], unique=False)
    op.create_table('visits',
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('subsidiary', sa.String(length=64), nullable=True),
    sa.Column('project', sa.String(length=64), nullable=True),
    sa.Column('visitor_name', sa.String(length=50), nullable=False),
    sa.Column('visitor_phone', sa.String(length=20), nullable=True),
    sa.Column('id_type', sa.String(length=20), nullable=True),
    sa.Column('id_number', sa.String(length=40), nullable=True),
    sa.Column('id_number_masked', sa.String(length=40), nullable=True),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('household', sa.String(length=60), nullable=True),
    sa.Column('host_name', sa.String(length=50), nullable=True),
    sa.Column('registered_by', sa.String(length=64), nullable=False),
    sa.Column('arrived_at', _TS, nullable=False),
    sa.Column('expected_at', _TS, nullable=True),
    sa.Column('answer_token', sa.String(length=64), nullable=False),
    sa.Column('host_answer', sa.String(length=20), nullable=True),
    sa.Column('host_answer_at', _TS, nullable=True),
    sa.Column('host_answer_via', sa.String(length=40), nullable=True),
    sa.Column('checked_out_at', _TS, nullable=True),
    sa.Column('complaint_number', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['household'], ['households.code'], ),
    sa.PrimaryKeyConstraint('number'),
    sa.UniqueConstraint('answer_token'),
    sa.UniqueConstraint('case_id')
    )
    op.create_index('ix_visits_project_arrived', 'visits', ['project', 'arrived_at'], unique=False)
    op.create_index(op.f('ix_visits_visitor_name'), 'visits', ['visitor_name'], unique=False)
    op.create_table('archive_documents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('household', sa.String(length=60), nullable=False),
    sa.Column('project', sa.String(length=64), nullable=False),
    sa.Column('doc_type', sa.String(length=40), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('stored_path', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', _TS, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_archive_documents_household_type', 'archive_documents', ['household', 'doc_type'],
                    unique=False)
    op.create_table('legal_holds',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('record', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('placed_by', sa.String(length=64), nullable=False),
    sa.Column('placed_at', _TS, nullable=False),
    sa.Column('lifted_by', sa.String(length=64), nullable=True),
    sa.Column('lifted_at', _TS, nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_legal_holds_record'), 'legal_holds', ['record'], unique=False)
    op.create_table('disposal_decisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('record', sa.String(length=120), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=False),
    sa.Column('decided_at', _TS, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_disposal_decisions_record'), 'disposal_decisions', ['record'], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index(op.f('ix_disposal_decisions_record'), table_name='disposal_decisions')
    op.drop_table('disposal_decisions')
    op.drop_index(op.f('ix_legal_holds_record'), table_name='legal_holds')
    op.drop_table('legal_holds')
    op.drop_index('ix_archive_documents_household_type', table_name='archive_documents')
    op.drop_table('archive_documents')
    op.drop_index(op.f('ix_visits_visitor_name'), table_name='visits')
    op.drop_index('ix_visits_project_arrived', table_name='visits')
    op.drop_table('visits')
    op.drop_index(op.f('ix_residents_household'), table_name='residents')
    op.drop_table('residents')
    op.drop_index(op.f('ix_households_project'), table_name='households')
    op.drop_table('households')
