"""One read connection per web request (``Store.one_connection``, issue 18, docs/scaling.md item 48): a
page's reads share one pooled connection instead of a checkout, an autocommit switch and a reset on
return each; each read is still its own transaction, so no read sees older data than a read on its own
connection would: what the request wrote, or another connection committed, before a read is in it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text

from engine.store import Store

ROW = "INSERT INTO number_sequences (subsidiary, prefix, year, last) VALUES (:s, 'TS', 2026, 1)"
COUNT = "SELECT count(*) FROM number_sequences"


@contextmanager
def checkouts(store: Store) -> Iterator[list[int]]:
    """The pool checkouts made in the block (one entry each)."""
    seen: list[int] = []

    def count(*_args: object) -> None:
        seen.append(1)

    event.listen(store.engine, "checkout", count)
    try:
        yield seen
    finally:
        event.remove(store.engine, "checkout", count)


def _count(store: Store) -> int:
    with store.read() as tx:
        return int(tx.conn.execute(text(COUNT)).scalar_one())


def test_the_reads_of_one_request_take_one_connection(store: Store) -> None:
    _count(store)  # the pool has a connection
    with checkouts(store) as seen, store.one_connection():
        assert [_count(store) for _ in range(5)] == [0] * 5
    assert len(seen) == 1
    assert store.engine.pool.checkedout() == 0  # given back when the request ends
    with checkouts(store) as seen:
        _count(store)
        _count(store)
    assert len(seen) == 2  # outside a request: a checkout per read, as before


def test_a_read_after_the_requests_own_write_sees_it(store: Store) -> None:
    with checkouts(store) as seen, store.one_connection():
        assert _count(store) == 0
        with store.write() as tx:
            assert store.engine.pool.checkedout() == 1  # the read's connection went back first
            tx.conn.execute(text(ROW), {"s": "sz-property"})
        assert _count(store) == 1
    assert len(seen) == 3  # the read's, the write's, the read's after it


def test_a_read_sees_what_another_connection_committed_after_the_previous_read(store: Store) -> None:
    with store.one_connection():
        with store.read() as tx:
            tx.set_local("work_mem", "8MB")  # PostgreSQL: a real transaction for the rest of this read
            assert int(tx.conn.execute(text(COUNT)).scalar_one()) == 0
        with store.engine.begin() as other:  # another request or process
            other.execute(text(ROW), {"s": "hn-region"})
        assert _count(store) == 1
        if store.dialect == "postgresql":
            with store.read() as tx:  # nothing of the earlier read's transaction is left
                assert tx.conn.execute(text("SHOW work_mem")).scalar_one() != "8MB"


def test_a_read_inside_a_read_and_a_failed_read_do_not_share_a_broken_connection(store: Store) -> None:
    with checkouts(store) as seen, store.one_connection():
        with store.read() as outer:
            assert _count(store) == 0  # nested: a connection of its own
            outer.conn.execute(text(COUNT)).scalar_one()
        with pytest.raises(LookupError), store.read():
            raise LookupError("a read that fails in the caller's code")
        with pytest.raises(Exception, match="no_such_table"), store.read() as tx:
            tx.conn.execute(text("SELECT * FROM no_such_table"))
        assert _count(store) == 0
    assert store.engine.pool.checkedout() == 0
    assert len(seen) <= 3  # the request's, the nested read's, at most one after the failed statement


def test_another_thread_in_the_same_context_takes_its_own_connection(store: Store) -> None:
    import contextvars

    results: list[int] = []
    with checkouts(store) as seen, store.one_connection():
        assert _count(store) == 0  # the request's connection, idle once this read ends
        context = contextvars.copy_context()  # a thread started with the request's context
        thread = threading.Thread(target=lambda: context.run(lambda: results.append(_count(store))))
        thread.start()
        thread.join(30)
        assert _count(store) == 0
    assert results == [0] and len(seen) == 2
