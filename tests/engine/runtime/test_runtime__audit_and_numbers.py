"""The audit hash chain detects edits and cut tails; case numbers stay gapless under concurrency."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from engine.clock import FixedClock
from engine.runtime import Runtime
from engine.store import Store
from tests.engine.runtime.conftest import dispatch, make_runtime, open_ticket


def test_an_intact_log_verifies(rt: Runtime) -> None:
    dispatch(rt)
    open_ticket(rt)
    assert rt.verify_audit_chain() == []


def test_the_event_hash_is_the_one_stored_logs_were_sealed_with() -> None:
    """The hashed text of an event never changes: logs written by earlier versions must still verify."""
    from datetime import datetime, timedelta, timezone

    from engine.store.audit import event_hash

    at = datetime(2026, 11, 23, 10, 0, 5, 120, tzinfo=timezone(timedelta(hours=8)))
    digest = event_hash(chain="case:abc", seq=3, case_id="abc", task_id="t1", actor="zhang.wei",
                        action="task.completed", at=at, data={"form": {"room": "1-101"}}, prev_hash="0" * 64)
    assert digest == "0b9839ae38ad07eb74399ea2ef53964396d368dbf10744e8e5507f17a24f3bca"


def test_an_edited_event_is_reported_at_that_event(rt: Runtime, store: Store) -> None:
    case = dispatch(rt)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE case_id = :c AND seq = 3"),
                     {"c": case.id})
    [problem] = rt.verify_audit_chain()
    assert problem.chain == f"case:{case.id}" and problem.seq == 3
    assert "does not match its hash" in problem.reason


def test_a_deleted_tail_is_reported(rt: Runtime, store: Store) -> None:
    case = dispatch(rt)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE case_id = :c AND seq = 4"), {"c": case.id})
    [problem] = rt.verify_audit_chain()
    assert problem.seq is None and "tail deleted" in problem.reason


def test_a_deleted_middle_event_and_a_forged_system_event_are_reported(rt: Runtime, store: Store) -> None:
    case = dispatch(rt)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE case_id = :c AND seq = 2"), {"c": case.id})
        conn.execute(text("UPDATE audit_events SET data = '{}' WHERE chain = 'system'"))
    problems = {p.chain: p for p in rt.verify_audit_chain()}
    assert problems[f"case:{case.id}"].seq == 3 and "missing" in problems[f"case:{case.id}"].reason
    assert problems["system"].seq == 1


@pytest.mark.parametrize("workers,per_worker", [(6, 5)])
def test_concurrent_opens_get_gapless_unique_numbers(store: Store, clock: FixedClock, rt: Runtime,
                                                     workers: int, per_worker: int) -> None:
    runtimes = [make_runtime(store, clock) for _ in range(workers)]
    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)
    lock = threading.Lock()

    def work(runtime: Runtime) -> None:
        barrier.wait()
        for _ in range(per_worker):
            try:
                number = open_ticket(runtime).number
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)
                continue
            with lock:
                numbers.append(number)

    threads = [threading.Thread(target=work, args=(r,)) for r in runtimes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    total = workers * per_worker
    assert sorted(numbers) == [f"T-SZP-2026-{n:06d}" for n in range(1, total + 1)]
    assert rt.verify_audit_chain() == []


def test_numbers_count_per_subsidiary_and_year(rt: Runtime, clock: FixedClock) -> None:
    assert open_ticket(rt).number == "T-SZP-2026-000001"
    assert open_ticket(rt, project="hn-region-bhw").number == "T-HNR-2026-000001"
    clock.advance(days=40)
    assert open_ticket(rt).number == "T-SZP-2027-000001"


def _open_in_a_process(url: str, count: int) -> list[str]:
    """Open ``count`` tickets from a separate process (a second web or worker process)."""
    from engine.store import Store
    from tests.conftest import shanghai

    store = Store(url)
    try:
        runtime = make_runtime(store, FixedClock(shanghai("2026-11-23 10:00")))
        return [open_ticket(runtime).number for _ in range(count)]
    finally:
        store.dispose()


def test_processes_opening_at_once_get_gapless_unique_numbers(db_url: str, rt: Runtime) -> None:
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(3) as pool:  # fork: no re-import, a quick start
        results = pool.starmap(_open_in_a_process, [(db_url, 4)] * 3)
    numbers = sorted(n for batch in results for n in batch)
    assert numbers == [f"T-SZP-2026-{n:06d}" for n in range(1, 13)]
    assert rt.verify_audit_chain() == []


def test_registrations_and_policy_pins_are_on_the_system_chain(rt: Runtime, store: Store) -> None:
    open_ticket(rt)
    open_ticket(rt)
    with store.read() as tx:
        actions = [e.action for e in tx.chain_events("system")]
    assert actions == ["org.imported", "policy.pinned", "process.registered", "process.deployed"]
