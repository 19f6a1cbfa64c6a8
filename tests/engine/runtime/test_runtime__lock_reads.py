"""A completion on PostgreSQL locks its case and reads the case's open inbox rows in one statement
(issue 18's round trips); when the lock waited for another writer, the rows are read again after it."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import event, text

from engine.errors import NotFoundError
from engine.runtime import Runtime
from tests.engine.runtime.conftest import open_ticket


def test_a_completion_locks_the_case_and_reads_its_rows_in_one_statement(pg_rt: Runtime) -> None:
    rt, store = pg_rt, pg_rt.store
    case = open_ticket(rt)
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        rt.complete_task(case.tasks[0].task_id, "zhang.wei", {"resolved": False})
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    locks = [s for s in seen if "FOR UPDATE" in s]
    assert len(locks) == 1 and "FROM inbox_tasks AS probe JOIN cases" in locks[0]
    assert not [s for s in seen if s.startswith("SELECT") and "FROM inbox_tasks" in s
                and "FOR UPDATE" not in s]
    [task] = rt.get_case(case.number, "zhang.wei").tasks  # the step went on: the callback is open
    assert task.task_id != case.tasks[0].task_id


def test_a_completion_that_waited_for_the_case_reads_the_rows_the_holder_left(pg_rt: Runtime) -> None:
    """The holder of the case's lock removes the task (as a faster completion would) while the
    completion waits: the completion must not use the rows its statement's snapshot saw."""
    rt, store = pg_rt, pg_rt.store
    case = open_ticket(rt)
    task_id = case.tasks[0].task_id
    outcome: list[Any] = []

    def complete() -> None:
        try:
            outcome.append(rt.complete_task(task_id, "zhang.wei", {"resolved": False}))
        except Exception as exc:  # asserted below
            outcome.append(exc)

    with store.engine.connect() as holder, store.engine.connect() as watcher:
        with holder.begin():
            holder.execute(text("SELECT 1 FROM cases WHERE id = :id FOR UPDATE"), {"id": case.id})
            worker = threading.Thread(target=complete)
            worker.start()
            waiting, deadline = 0, time.monotonic() + 10
            while not waiting and time.monotonic() < deadline:
                waiting = watcher.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE 'SELECT cases.id%'")).scalar() or 0
                watcher.rollback()
                time.sleep(0.01)
            assert waiting == 1, outcome
            holder.execute(text("DELETE FROM inbox_tasks WHERE task_id = :t"), {"t": task_id})
            holder.execute(text("UPDATE cases SET version = version + 1 WHERE id = :id"), {"id": case.id})
        worker.join(10)
    [result] = outcome
    assert isinstance(result, NotFoundError)
    assert not [e for e in rt.get_case(case.number, "zhang.wei").timeline if e.action == "task.completed"]
    with pytest.raises(NotFoundError):
        rt.complete_task(task_id, "zhang.wei", {"resolved": False})
