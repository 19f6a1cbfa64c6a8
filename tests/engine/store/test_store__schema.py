"""The Alembic migrations build exactly the models' schema; migrating is idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.errors import ConfigError
from engine.store import Store
from engine.store.models import load_all_models


# SQLite has no GIN index (ix_cases_search_terms is PostgreSQL's only); alembic says it skips it there.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrated_schema_matches_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, load_all_models().metadata) == []


def test_migrate_is_idempotent_and_reports_the_head(store: Store) -> None:
    head = store.schema_revision()
    assert head is not None and head >= "0001"
    assert store.migrate() == head
    assert store.migrate() == head


def test_a_database_without_the_schema_is_a_config_error(tmp_path: object) -> None:
    empty = Store(f"sqlite:///{tmp_path}/empty.db")
    with pytest.raises(ConfigError, match="kefu init"):
        empty.require_schema()
    empty.dispose()


def test_bad_urls_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="not valid"):
        Store("not a url")


def test_times_come_back_aware_utc(store: Store) -> None:
    moment = datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    with store.write() as tx:
        tx.ensure_policy_snapshot("f" * 64, {"a": 1}, moment)
    with store.read() as tx:
        from sqlalchemy import select

        from engine.store.models import PolicySnapshot

        stored = tx.session.scalar(select(PolicySnapshot.created_at))
    assert stored == moment and stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored.astimezone(UTC).hour == 2


def test_numbers_roll_back_with_their_transaction(store: Store) -> None:
    with store.write() as tx:
        assert tx.next_number("sz", "TS", 2026) == 1
    with pytest.raises(RuntimeError):
        with store.write() as tx:
            assert tx.next_number("sz", "TS", 2026) == 2
            raise RuntimeError("rolled back")
    with store.write() as tx:
        assert tx.next_number("sz", "TS", 2026) == 2
        assert tx.next_number("sz", "BX", 2026) == 1
        assert tx.next_number("sz", "TS", 2027) == 1


def test_sqlite_write_transactions_begin_immediate(tmp_path: object) -> None:
    """A write transaction holds SQLite's write lock from its start (BEGIN IMMEDIATE); a read does not."""
    import sqlite3

    store = Store(f"sqlite:///{tmp_path}/lock.db")
    store.migrate()
    other = sqlite3.connect(f"{tmp_path}/lock.db", timeout=0.05, isolation_level=None)
    with store.write() as tx:
        assert tx.conn.in_transaction()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")  # nothing written yet, and still another writer must wait
    with store.read() as tx:
        tx.staff_logins()
        other.execute("BEGIN IMMEDIATE")  # a reader leaves the write lock free
        other.execute("ROLLBACK")
    other.close()
    store.dispose()


def test_open_tasks_by_case_number_read_the_number_index(store: Store) -> None:
    # migration 0025: case_queries.open_tasks looked the listed cases' tasks up by a full scan
    from sqlalchemy import text

    from engine.store.case_queries import open_tasks_query

    store.migrate()
    stmt = open_tasks_query(["TS20260000001", "TS20260000002"])
    with store.engine.connect() as conn:
        compiled = stmt.compile(conn, compile_kwargs={"literal_binds": True})
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))  # an empty table: ask whether an index serves
            plan = "\n".join(r[0] for r in conn.execute(text(f"EXPLAIN {compiled}")))
        else:
            plan = "\n".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "ix_inbox_tasks_number" in plan, plan
