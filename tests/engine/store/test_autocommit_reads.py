"""Reads on PostgreSQL run in autocommit (issue 18): no BEGIN and ROLLBACK round trips around a read-only
request's statements. A read that needs a transaction-local setting (the report's time zone, no parallel
workers) gets a real transaction for its remaining statements, and nothing of it outlives the read; the
writes after it on the same pooled connection stay one transaction each."""

from __future__ import annotations

from typing import Any

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import text

from engine.store import Store


@pytest.fixture
def pg_store(database_factory: Any) -> Any:
    store = Store(database_factory.fresh("postgresql"))
    yield store
    store.dispose()


def _status(tx: Any) -> TransactionStatus:
    return tx.conn.connection.driver_connection.info.transaction_status


def _backend(tx: Any) -> int:
    return int(tx.conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


@pytest.mark.postgres
def test_a_read_opens_no_transaction_and_a_write_still_does(pg_store: Store) -> None:
    with pg_store.read() as tx:
        backend = _backend(tx)
        tx.conn.execute(text("SELECT count(*) FROM cases")).scalar_one()
        assert _status(tx) == TransactionStatus.IDLE  # no BEGIN was sent: nothing to roll back either
    with pg_store.write() as tx:
        assert _backend(tx) == backend  # the same pooled connection, back out of autocommit
        assert _status(tx) == TransactionStatus.INTRANS


@pytest.mark.postgres
def test_a_failing_write_after_a_read_on_the_same_connection_leaves_nothing(pg_store: Store) -> None:
    with pg_store.read() as tx:
        backend = _backend(tx)
    with pytest.raises(RuntimeError), pg_store.write() as tx:
        assert _backend(tx) == backend
        tx.conn.execute(text("INSERT INTO number_sequences (subsidiary, prefix, year, last) "
                             "VALUES ('sz-property', 'TS', 2026, 7)"))
        raise RuntimeError("after the insert")
    with pg_store.read() as tx:
        assert tx.conn.execute(text("SELECT count(*) FROM number_sequences")).scalar_one() == 0


@pytest.mark.postgres
def test_a_local_setting_lasts_for_the_rest_of_the_read_and_not_after_it(pg_store: Store) -> None:
    with pg_store.read() as tx:
        backend = _backend(tx)
        default = tx.conn.execute(text("SHOW TimeZone")).scalar_one()
        tx.set_local("TimeZone", "America/New_York")
        tx.set_local("max_parallel_workers_per_gather", "0")  # a second setting: one transaction
        assert _status(tx) == TransactionStatus.INTRANS
        for _ in range(2):  # every later statement of the read sees it
            assert tx.conn.execute(text("SHOW TimeZone")).scalar_one() == "America/New_York"
        assert tx.conn.execute(text("SHOW max_parallel_workers_per_gather")).scalar_one() == "0"
    assert default != "America/New_York"
    for read in (True, False):  # the next user of the connection, a read or a write, sees the default
        with pg_store.read() if read else pg_store.write() as tx:
            assert _backend(tx) == backend
            assert tx.conn.execute(text("SHOW TimeZone")).scalar_one() == default
            assert _status(tx) == (TransactionStatus.IDLE if read else TransactionStatus.INTRANS)


@pytest.mark.postgres
def test_a_read_that_fails_inside_its_local_transaction_returns_a_clean_connection(pg_store: Store) -> None:
    with pytest.raises(Exception, match="no_such_table"), pg_store.read() as tx:
        backend = _backend(tx)
        tx.set_local("TimeZone", "America/New_York")
        tx.conn.execute(text("SELECT * FROM no_such_table"))
    with pg_store.write() as tx:
        assert _backend(tx) == backend
        assert tx.conn.execute(text("SHOW TimeZone")).scalar_one() != "America/New_York"
        assert _status(tx) == TransactionStatus.INTRANS


def test_set_local_does_nothing_on_sqlite(tmp_path: Any) -> None:
    store = Store(f"sqlite:///{tmp_path / 'k.db'}")
    try:
        store.migrate()
        with store.read() as tx:
            tx.set_local("TimeZone", "America/New_York")
            assert tx.conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 0
    finally:
        store.dispose()
