"""Organisation administration (issue 17): deputies, absences and published contacts.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05

``staff.deputy`` is a staff member's standing deputy (代理人); ``staff_absences`` are absences with
the deputy who takes the tasks due meanwhile; ``contacts`` are the units' published contacts (R0.3:
an area's 400 hotline and e-mail, a department's contact person, phone and e-mail).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('staff') as batch:
        batch.add_column(sa.Column('deputy', sa.String(length=64), nullable=True))
    op.create_table(
        'staff_absences',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('login', sa.String(length=64), nullable=False),
        sa.Column('deputy', sa.String(length=64), nullable=False),
        sa.Column('starts_at', _TS, nullable=False),
        sa.Column('ends_at', _TS, nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', _TS, nullable=False),
        sa.Column('cancelled_at', _TS, nullable=True),
        sa.Column('cancelled_by', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_staff_absences_login', 'staff_absences', ['login'])
    op.create_index('ix_staff_absences_ends_at', 'staff_absences', ['ends_at'])
    op.create_table(
        'contacts',
        sa.Column('unit', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=64), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('updated_at', _TS, nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('unit', 'channel'),
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table('contacts')
    op.drop_index('ix_staff_absences_ends_at', table_name='staff_absences')
    op.drop_index('ix_staff_absences_login', table_name='staff_absences')
    op.drop_table('staff_absences')
    with op.batch_alter_table('staff') as batch:
        batch.drop_column('deputy')
