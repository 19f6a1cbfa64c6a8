"""Notices written together (issue 18): ``WorkerRepo.add_messages`` / ``add_notifications`` insert the rows
whose key is new in one statement per 20 rows and count them, as one ``add_message`` per row did."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, text

from engine.store import Store
from engine.store.worker_repo import WorkerRepo

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def _message(key: str) -> dict[str, Any]:
    return {"key": key, "channel": "sms", "recipient": "wang.fang", "address": "13800138000",
            "subject": "督办令", "body": f"body {key}", "kind": "order_signed", "case_id": None,
            "next_attempt_at": NOW, "created_at": NOW}


def test_new_rows_are_written_together_and_counted(store: Store) -> None:
    with store.write() as tx:
        assert WorkerRepo(tx).add_message(**_message("k1"))  # one alone, as before
    sent: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        with store.write() as tx:
            repo = WorkerRepo(tx)
            # k1 is known; k2..k24 are new: 23 new rows in two statements (20 + 4 rows)
            new = repo.add_messages([_message(f"k{i}") for i in range(1, 25)])
            notes = repo.add_notifications([
                {"key": f"n{i}", "recipient": "wang.fang", "kind": "order_signed", "title": "督办令",
                 "body": "b", "case_number": None, "created_at": NOW} for i in (1, 2, 2)])
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    assert new == 23 and notes == 2
    assert sum(s.startswith("INSERT INTO outbox_messages") for s in sent) == 2, sent
    assert sum(s.startswith("INSERT INTO notifications") for s in sent) == 1, sent
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT key, body, status, attempts FROM outbox_messages ORDER BY id")).all()
    assert len(rows) == 24 and rows[0] == ("k1", "body k1", "pending", 0)
    assert {r.key for r in rows} == {f"k{i}" for i in range(1, 25)}
    assert all(r.body == f"body {r.key}" and r.status == "pending" for r in rows)
    with store.write() as tx:
        assert WorkerRepo(tx).add_messages([_message("k3"), _message("k4")]) == 0
        assert not WorkerRepo(tx).add_message(**_message("k5"))
