"""What the load bench found in the store (issue 18, bench/load.py). The connection pool on PostgreSQL: a
process serving 8 requests at once keeps its connections (SQLAlchemy's default pool of 5 opened and
closed one, a new backend, for each of the 6th to 8th concurrent requests, every time). A known policy
snapshot is not pinned again."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import text

from engine.store import Store


@pytest.mark.postgres
def test_eight_threads_reuse_their_connections_round_after_round(database_factory: Any) -> None:
    store = Store(database_factory.fresh("postgresql"))
    backends: set[int] = set()
    lock = threading.Lock()

    def request(barrier: threading.Barrier) -> None:
        with store.read() as tx:
            pid = int(tx.conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
            barrier.wait(30)  # all eight hold a connection at once, as 8 busy server threads do
        with lock:
            backends.add(pid)

    try:
        for _ in range(4):
            barrier = threading.Barrier(8)
            threads = [threading.Thread(target=request, args=(barrier,)) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
        assert len(backends) == 8, f"{len(backends)} backends for 8 threads over 4 rounds"
    finally:
        store.dispose()


def test_a_known_policy_snapshot_is_not_stored_or_pinned_again(store: Store) -> None:
    """``ensure_policy_snapshot`` says True once per fingerprint, on SQLite and PostgreSQL (on PostgreSQL it
    said True every time: each process pinned a known policy again, an audit event and the system
    chain's row lock inside an intake)."""
    from datetime import UTC, datetime

    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    with store.write() as tx:
        assert tx.ensure_policy_snapshot("f" * 64, {"code": "sz-property"}, now) is True
    for _ in range(2):
        with store.write() as tx:
            assert tx.ensure_policy_snapshot("f" * 64, {"code": "sz-property"}, now) is False
    with store.read() as tx:
        assert tx.count_rows("policy_snapshots") == 1
