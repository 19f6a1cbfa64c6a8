"""A claim (and a release) locks the case with its open rows in one statement, as a completion does, and
sends its writes — the inbox row, the audit event, the case row — in one psycopg pipeline on PostgreSQL
(issue 18: a claim precedes most completions of the load bench's mix). It read the task's row three
times (before the lock, after it, and after its write) and sent each write alone."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from engine.errors import ConflictError, NotFoundError
from engine.runtime import Runtime
from engine.store import Store
from tests.engine.runtime.conftest import open_ticket
from tests.engine.runtime.test_runtime__round_trips import counting


def _queued(rt: Runtime) -> str:
    case = open_ticket(rt)
    task = case.tasks[0]
    assert task.assignee is None, task  # in its group's queue
    return task.task_id


def test_a_claim_reads_its_task_once_and_answers_the_row_it_wrote(rt: Runtime) -> None:
    task_id = _queued(rt)
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(rt.store.engine, "before_cursor_execute", record)
    try:
        item = rt.claim_task(task_id, "zhang.wei")
    finally:
        event.remove(rt.store.engine, "before_cursor_execute", record)
    reads = [s for s in seen if s.startswith("SELECT") and "inbox_tasks" in s]
    assert len(reads) == 1, reads  # the case with its open rows; not the task before, after and again
    assert item.assignee == "zhang.wei" and item.claimed_at == rt.clock.now()
    [row] = [t for t in rt.get_case(item.case_number, "zhang.wei").tasks if t.task_id == task_id]
    assert (row.assignee, row.claimed_at) == ("zhang.wei", rt.clock.now())
    assert [e.action for e in rt.get_case(item.case_number, "zhang.wei").timeline][-1] == "task.claimed"
    released = rt.release_task(task_id, "zhang.wei")
    assert released.assignee is None and released.claimed_at is None
    row = next(t for t in rt.get_case(item.case_number, "zhang.wei").tasks if t.task_id == task_id)
    assert row.assignee is None


def test_a_claim_of_a_task_no_longer_open_still_says_why(rt: Runtime) -> None:
    task_id = _queued(rt)
    rt.complete_task(task_id, "zhang.wei", {"resolved": False})
    with pytest.raises(ConflictError, match="already completed by zhang.wei"):
        rt.claim_task(task_id, "zhang.wei")
    with pytest.raises(NotFoundError, match="no open task"):
        rt.claim_task("0" * 36, "zhang.wei")


def test_a_claims_writes_go_in_one_round_trip(pg_rt: Runtime,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    rt = pg_rt
    task_id = _queued(rt)
    with counting(monkeypatch) as trips:
        rt.claim_task(task_id, "zhang.wei")
    writes = [(s, p) for s, p in trips.statements
              if s.startswith(("UPDATE inbox_tasks", "INSERT INTO audit_events", "UPDATE cases"))]
    assert len(writes) == 3 and len({p for _, p in writes}) == 1 and writes[0][1] is not None, writes
    # the actor's staff row (outside a web request; inside one its authenticating read has it), the case
    # locked with its rows, the writes (one pipeline), the commit: 4 (9 before: the actor, the task,
    # the lock, the task again, the three writes one by one, the task again, the commit)
    assert trips.round_trips <= 4, (trips.round_trips, trips.statements)
    assert sum("inbox_tasks" in s and s.startswith("SELECT") for s, _ in trips.statements) == 1
    # the case row: its audit head, count and version, not every column with the workflow's JSON
    [case_write] = [s for s, _ in writes if s.startswith("UPDATE cases")]
    assert "workflow" not in case_write and "audit_head" in case_write, case_write
    [row] = [t for t in rt.get_case(rt.inbox("zhang.wei")[0].case_number, "zhang.wei").tasks]
    assert row.assignee == "zhang.wei"


def test_a_case_row_written_for_its_audit_head_alone_keeps_its_other_columns(rt: Runtime) -> None:
    """Claims, releases and a comment-like event write the head, the count and the version: the workflow,
    status and fields stay as they were, the chain verifies, and a stale version is still refused."""
    task_id = _queued(rt)
    store: Store = rt.store
    with store.read() as tx:
        before = tx.find_case(rt.inbox("zhang.wei", "queue")[0].case_number)
        assert before is not None
        workflow = tx.lock_case(case_id=before.id, lock=False).workflow  # type: ignore[union-attr]
    rt.claim_task(task_id, "zhang.wei")
    rt.release_task(task_id, "zhang.wei")
    with store.write() as tx:  # events with no update_case: flushed before the commit
        assert tx.lock_case(case_id=before.id) is not None
        tx.append_audit(before.id, [{"actor": "zhang.wei", "action": "case.commented"}], rt.clock.now())
    with store.read() as tx:
        after = tx.lock_case(case_id=before.id, lock=False)
    assert after is not None
    assert after.version == before.version + 3 and after.audit_count == before.audit_count + 3
    assert (after.workflow, after.status, after.number, after.customer_phone) == (
        workflow, before.status, before.number, before.customer_phone)
    assert rt.verify_audit_chain() == []
    with pytest.raises(ConflictError, match="changed by someone else meanwhile"), store.write() as tx:
        assert tx.lock_case(case_id=before.id) is not None
        tx._cases[before.id]["version"] -= 1  # as if read before another writer's version
        tx.append_audit(before.id, [{"actor": "zhang.wei", "action": "case.commented"}], rt.clock.now())
        tx.update_case(before.id)
    with store.read() as tx:
        assert tx.lock_case(case_id=before.id, lock=False).audit_count == after.audit_count  # type: ignore[union-attr]
