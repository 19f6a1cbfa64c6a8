"""Server-side web sessions and API tokens in the database (issue 13: revocable, shared by processes).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

Before this, the session cookie carried the login (signed, not revocable) and tokens lived in
``<data dir>/api_tokens.json``; that file is imported once by ``engine.credentials.import_token_file``
when the services start, then renamed, and never read again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('web_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('created_at', _TS, nullable=False),
    sa.Column('last_seen_at', _TS, nullable=False),
    sa.Column('expires_at', _TS, nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('ended_at', _TS, nullable=True),
    sa.Column('end_reason', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id_hash')
    )
    op.create_index('ix_web_sessions_login', 'web_sessions', ['login'], unique=False)
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=20), nullable=True),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_at', _TS, nullable=False),
    sa.Column('last_used_at', _TS, nullable=True),
    sa.Column('expires_at', _TS, nullable=True),
    sa.Column('revoked_at', _TS, nullable=True),
    sa.Column('revoked_reason', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index('ix_api_tokens_prefix', 'api_tokens', ['prefix'], unique=False)
    op.create_index('ix_api_tokens_login', 'api_tokens', ['login'], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index('ix_api_tokens_login', table_name='api_tokens')
    op.drop_index('ix_api_tokens_prefix', table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_index('ix_web_sessions_login', table_name='web_sessions')
    op.drop_table('web_sessions')
