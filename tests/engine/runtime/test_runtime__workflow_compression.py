"""A case's stored workflow is compressed with lz4 on PostgreSQL (migration 0027, docs/scaling.md item 53).

pglz's compression of the workflow's JSON was most of a step's case UPDATE in PostgreSQL; lz4 does the
same work in about a quarter of the time. Values written before the migration stay pglz and read back
as they were; each case's next step writes lz4. A server built without lz4 keeps pglz.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine.runtime import Runtime
from engine.store import Store
from tests.engine.runtime.conftest import dispatch, open_ticket

pytestmark = pytest.mark.postgres



def _expected(store: Store) -> str:
    """lz4 where this PostgreSQL has it (14 or newer, built with lz4), else pglz as before."""
    with store.engine.connect() as conn:
        methods = conn.execute(text(
            "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")).scalar()
    return "lz4" if methods and "lz4" in methods else "pglz"


def _compression(store: Store, number: str) -> tuple[str | None, int, int]:
    with store.engine.connect() as conn:
        row = conn.execute(text(
            "SELECT pg_column_compression(workflow), octet_length(workflow), pg_column_size(workflow) "
            "FROM cases WHERE number = :n"), {"n": number}).one()
    return row[0], row[1], row[2]


def test_the_workflow_column_is_declared_lz4_where_the_server_has_it(pg_rt: Runtime) -> None:
    with pg_rt.store.engine.connect() as conn:
        declared = conn.execute(text(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = 'cases'::regclass "
            "AND attname = 'workflow'")).scalar()
    assert declared == ("l" if _expected(pg_rt.store) == "lz4" else "\x00")


def test_an_opened_and_a_stepped_case_store_their_workflow_compressed_in_lz4(pg_rt: Runtime) -> None:
    store, expected = pg_rt.store, _expected(pg_rt.store)
    opened = open_ticket(pg_rt)
    method, length, stored = _compression(store, opened.number)
    assert method == expected and stored < length, (method, length, stored)
    stepped = dispatch(pg_rt)
    method, length, stored = _compression(store, stepped.number)
    assert method == expected and stored < length, (method, length, stored)


def test_a_workflow_stored_in_pglz_before_reads_back_and_is_lz4_after_its_next_step(pg_rt: Runtime) -> None:
    store, expected = pg_rt.store, _expected(pg_rt.store)
    case = open_ticket(pg_rt)
    with store.engine.begin() as conn:  # as a database migrated before 0027 holds it
        conn.execute(text("ALTER TABLE cases ALTER COLUMN workflow SET COMPRESSION pglz"))
        conn.execute(text("UPDATE cases SET workflow = workflow || '' WHERE number = :n"), {"n": case.number})
        conn.execute(text(f"ALTER TABLE cases ALTER COLUMN workflow SET COMPRESSION "
                          f"{'lz4' if expected == 'lz4' else 'default'}"))
    assert _compression(store, case.number)[0] == "pglz"
    pg_rt.workflows.clear()  # the next step reads the pglz text from the database, not the cache
    done = pg_rt.complete_task(case.tasks[0].task_id, "zhang.wei", {"resolved": False})
    assert [t.task_name for t in done.tasks] == ["handle"]
    assert _compression(store, case.number)[0] == expected
