"""Initial schema: org, staff, versions, policy snapshots, cases, inbox, attachments, audit, numbers.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('audit_chains',
    sa.Column('chain', sa.String(length=40), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('chain')
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('chain', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=True),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('chain', 'seq', name='uq_audit_events_chain_seq')
    )
    op.create_index(op.f('ix_audit_events_task_id'), 'audit_events', ['task_id'], unique=False)
    op.create_table('number_sequences',
    sa.Column('subsidiary', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('subsidiary', 'prefix', 'year')
    )
    op.create_table('org_units',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('parent', sa.String(length=64), nullable=True),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_index(op.f('ix_org_units_parent'), 'org_units', ['parent'], unique=False)
    op.create_table('policy_snapshots',
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('fingerprint')
    )
    op.create_table('process_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('process_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('process_id', 'version', name='uq_process_versions')
    )
    op.create_table('staff',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('login')
    )
    op.create_index(op.f('ix_staff_unit'), 'staff', ['unit'], unique=False)
    op.create_table('cases',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('process_id', sa.String(length=64), nullable=False),
    sa.Column('process_version', sa.String(length=64), nullable=False),
    sa.Column('policy_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('subsidiary', sa.String(length=64), nullable=True),
    sa.Column('project', sa.String(length=64), nullable=True),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=64), nullable=True),
    sa.Column('first_receiver', sa.String(length=64), nullable=False),
    sa.Column('responsible_department', sa.String(length=64), nullable=True),
    sa.Column('customer_name', sa.String(length=200), nullable=True),
    sa.Column('customer_phone', sa.String(length=40), nullable=True),
    sa.Column('room', sa.String(length=100), nullable=True),
    sa.Column('channel', sa.String(length=40), nullable=True),
    sa.Column('urgency', sa.String(length=40), nullable=True),
    sa.Column('scope', sa.String(length=40), nullable=True),
    sa.Column('workflow', sa.Text(), nullable=True),
    sa.Column('serializer_version', sa.String(length=20), nullable=False),
    sa.Column('next_timer_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('audit_head', sa.String(length=64), nullable=False),
    sa.Column('audit_count', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['policy_fingerprint'], ['policy_snapshots.fingerprint'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    op.create_index(op.f('ix_cases_next_timer_at'), 'cases', ['next_timer_at'], unique=False)
    op.create_index(op.f('ix_cases_subsidiary'), 'cases', ['subsidiary'], unique=False)
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_path', sa.String(length=500), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_attachments_case_id'), 'attachments', ['case_id'], unique=False)
    op.create_table('inbox_tasks',
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('task_spec', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('lane', sa.String(length=64), nullable=True),
    sa.Column('role', sa.String(length=64), nullable=True),
    sa.Column('unit', sa.String(length=64), nullable=True),
    sa.Column('candidate_group', sa.String(length=130), nullable=True),
    sa.Column('assignee', sa.String(length=64), nullable=True),
    sa.Column('default_assignee', sa.String(length=64), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('process_id', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('room', sa.String(length=100), nullable=True),
    sa.Column('customer_name', sa.String(length=200), nullable=True),
    sa.Column('customer_phone', sa.String(length=40), nullable=True),
    sa.Column('subsidiary', sa.String(length=64), nullable=True),
    sa.Column('project', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('task_id')
    )
    op.create_index(op.f('ix_inbox_tasks_assignee'), 'inbox_tasks', ['assignee'], unique=False)
    op.create_index(op.f('ix_inbox_tasks_case_id'), 'inbox_tasks', ['case_id'], unique=False)
    op.create_index(op.f('ix_inbox_tasks_due_at'), 'inbox_tasks', ['due_at'], unique=False)
    op.create_index(
        'ix_inbox_tasks_group_assignee', 'inbox_tasks', ['candidate_group', 'assignee'], unique=False
    )
    op.create_index(op.f('ix_inbox_tasks_subsidiary'), 'inbox_tasks', ['subsidiary'], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index(op.f('ix_inbox_tasks_subsidiary'), table_name='inbox_tasks')
    op.drop_index('ix_inbox_tasks_group_assignee', table_name='inbox_tasks')
    op.drop_index(op.f('ix_inbox_tasks_due_at'), table_name='inbox_tasks')
    op.drop_index(op.f('ix_inbox_tasks_case_id'), table_name='inbox_tasks')
    op.drop_index(op.f('ix_inbox_tasks_assignee'), table_name='inbox_tasks')
    op.drop_table('inbox_tasks')
    op.drop_index(op.f('ix_attachments_case_id'), table_name='attachments')
    op.drop_table('attachments')
    op.drop_index(op.f('ix_cases_subsidiary'), table_name='cases')
    op.drop_index(op.f('ix_cases_next_timer_at'), table_name='cases')
    op.drop_table('cases')
    op.drop_index(op.f('ix_staff_unit'), table_name='staff')
    op.drop_table('staff')
    op.drop_table('process_versions')
    op.drop_table('policy_snapshots')
    op.drop_index(op.f('ix_org_units_parent'), table_name='org_units')
    op.drop_table('org_units')
    op.drop_table('number_sequences')
    op.drop_index(op.f('ix_audit_events_task_id'), table_name='audit_events')
    op.drop_table('audit_events')
    op.drop_table('audit_chains')
