"""Finding any case (issue 15): the search columns and their index, the indexes of the case list.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

``cases.search_text`` holds the searched fields normalised, ``cases.search_terms`` their n-grams
(``engine/search.py``). On PostgreSQL a GIN index over ``string_to_array(search_terms, ' ')`` finds
the cases holding every n-gram of a query, so a search never scans the table (bench/search_bench.py).
``opened_at`` orders the list; ``customer_phone`` and ``(project, room)`` find a customer's and a
household's earlier cases. Existing cases get their columns from their row and the start form of
their ``case.opened`` audit event.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_BATCH = 2000


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('search_text', sa.Text(), nullable=True))
        batch.add_column(sa.Column('search_terms', sa.Text(), nullable=True))
    op.create_index('ix_cases_opened_at', 'cases', ['opened_at'])
    op.create_index('ix_cases_customer_phone', 'cases', ['customer_phone'])
    op.create_index('ix_cases_project_room', 'cases', ['project', 'room'])
    _backfill()
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE INDEX ix_cases_search_terms ON cases "
                   "USING gin (string_to_array(search_terms, ' '))")


def _backfill() -> None:
    from engine.search import case_search_fields, search_columns

    bind = op.get_bind()
    cases = sa.table('cases', sa.column('id'), sa.column('number'), sa.column('customer_name'),
                     sa.column('customer_phone'), sa.column('room'), sa.column('search_text'),
                     sa.column('search_terms'))
    events = sa.table('audit_events', sa.column('case_id'), sa.column('action'), sa.column('data', sa.JSON))
    opened = (sa.select(cases.c.id, cases.c.number, cases.c.customer_name, cases.c.customer_phone,
                        cases.c.room, events.c.data)
              .select_from(cases.outerjoin(events, sa.and_(events.c.case_id == cases.c.id,
                                                           events.c.action == 'case.opened'))))
    update = (sa.update(cases).where(cases.c.id == sa.bindparam('_id'))
              .values(search_text=sa.bindparam('_text'), search_terms=sa.bindparam('_terms')))
    batch: list[dict[str, str]] = []
    for row in bind.execute(opened).all():
        data = row.data if isinstance(row.data, dict) else {}
        form = data.get('form')
        form = form if isinstance(form, dict) else {}
        fields = case_search_fields({'number': row.number, 'customer_name': row.customer_name,
                                     'customer_phone': row.customer_phone, 'room': row.room}, form)
        text, terms = search_columns(fields)
        batch.append({'_id': row.id, '_text': text, '_terms': terms})
        if len(batch) >= _BATCH:
            bind.execute(update, batch)
            batch = []
    if batch:
        bind.execute(update, batch)


def downgrade() -> None:
    """Revert this migration."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_cases_search_terms')
    op.drop_index('ix_cases_project_room', table_name='cases')
    op.drop_index('ix_cases_customer_phone', table_name='cases')
    op.drop_index('ix_cases_opened_at', table_name='cases')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('search_terms')
        batch.drop_column('search_text')
