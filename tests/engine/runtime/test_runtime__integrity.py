"""Races, crashes, version pinning and serializer upgrades: nothing is half-written or lost."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.clock import FixedClock
from engine.errors import ConflictError, NotFoundError
from engine.runtime import CaseView, Runtime
from engine.runtime.serializer import dump_full_workflow, load_workflow
from engine.store import Store, Tx
from engine.store.process_repo import ProcessRepo
from tests.conftest import ROOT
from tests.engine.runtime.conftest import DATA, TICKET, dispatch, make_runtime, open_ticket


class Boom(RuntimeError):
    """An injected failure."""


def _snapshot(store: Store) -> dict[str, object]:
    with store.engine.connect() as conn:
        return {
            "cases": conn.execute(
                text("SELECT id, version, status, workflow, audit_count FROM cases ORDER BY id")).all(),
            "inbox": conn.execute(text("SELECT task_id, assignee FROM inbox_tasks ORDER BY task_id")).all(),
            "audit": conn.execute(text("SELECT count(*) FROM audit_events")).scalar(),
            "numbers": conn.execute(text("SELECT subsidiary, prefix, year, last FROM number_sequences"))
            .all(),
        }


def test_second_completer_gets_a_conflict_naming_the_winner(rt: Runtime) -> None:
    task = open_ticket(rt).tasks[0]
    rt.complete_task(task.task_id, "wang.fang", {"resolved": False})
    with pytest.raises(ConflictError) as err:
        rt.complete_task(task.task_id, "zhang.wei", {"resolved": True})
    assert "already completed by wang.fang at 2026-11-23T10:00:00+08:00" in str(err.value)


def test_two_people_completing_at_once_one_wins(store: Store, clock: FixedClock, rt: Runtime) -> None:
    task = open_ticket(rt).tasks[0]
    runtimes = [make_runtime(store, clock) for _ in range(2)]
    results: dict[str, object] = {}
    barrier = threading.Barrier(2)

    def work(runtime: Runtime, actor: str) -> None:
        barrier.wait()
        try:
            results[actor] = runtime.complete_task(task.task_id, actor, {"resolved": False})
        except ConflictError as exc:
            results[actor] = exc

    actors = ["zhang.wei", "wang.fang"]
    threads = [threading.Thread(target=work, args=(r, a)) for r, a in zip(runtimes, actors, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [v for v in results.values() if isinstance(v, ConflictError)]
    assert len(errors) == 1
    winner = next(a for a, v in results.items() if not isinstance(v, ConflictError))
    assert f"completed by {winner}" in str(errors[0])
    assert rt.verify_audit_chain() == []


@pytest.mark.parametrize("point", ["complete_task", "open_case", "send_message"])
def test_a_failure_before_commit_leaves_nothing_half_written(rt: Runtime, store: Store, point: str) -> None:
    case = dispatch(rt)
    case = rt.complete_task(case.tasks[0].task_id, "yang.fan", {"result": "ok"})
    case = rt.complete_task(case.tasks[0].task_id, "zhang.wei", {"satisfied": True})
    other = open_ticket(rt)
    before = _snapshot(store)

    def boom(where: str) -> None:
        if where == point:
            raise Boom(where)

    rt.before_commit = boom
    with pytest.raises(Boom):
        if point == "complete_task":
            rt.complete_task(other.tasks[0].task_id, "zhang.wei", {"resolved": False})
        elif point == "open_case":
            open_ticket(rt)
        else:
            rt.send_message(case.number, "customer_reply", {"verdict": "ok"}, "zhang.wei")
    assert _snapshot(store) == before
    rt.before_commit = None
    assert open_ticket(rt).number == "T-SZP-2026-000003"  # the failed open gave its number back
    rt.complete_task(other.tasks[0].task_id, "zhang.wei", {"resolved": False})
    assert rt.verify_audit_chain() == []


def test_a_concurrent_change_of_the_case_row_is_a_conflict(store: Store, rt: Runtime) -> None:
    case = open_ticket(rt)
    with pytest.raises(ConflictError, match="changed by someone else"):
        with store.write() as tx:
            tx.lock_case(case_id=case.id)
            tx.session.execute(text("UPDATE cases SET version = version + 1 WHERE id = :id"), {"id": case.id})
            tx.update_case(case.id, status="hijacked")
    assert rt.get_case(case.number, "zhang.wei").status == "open"


def _edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content
    path.write_text(content.replace(old, new), encoding="utf-8")


def test_changed_diagram_and_policy_affect_new_cases_only(store: Store, clock: FixedClock, rt: Runtime,
                                                          tmp_path: Path) -> None:
    processes, policies = tmp_path / "processes", tmp_path / "policies"
    shutil.copytree(DATA, processes)
    shutil.copytree(ROOT / "policies", policies)
    old_rt = make_runtime(store, clock, processes, policies)
    old = old_rt.open_case("ticket", {"customer_name": "甲", "category": "facilities"}, "zhang.wei")
    _edit(processes / "ticket.bpmn", 'name="处理 handle"', 'name="处理 handle v2"')
    _edit(policies / "group.yaml", "cs_callback: 30 minutes", "cs_callback: 20 minutes")
    new_rt = make_runtime(store, clock, processes, policies)
    new = new_rt.open_case("ticket", {"customer_name": "乙", "category": "facilities"}, "zhang.wei")
    assert new.process_version != old.process_version
    assert new.policy_fingerprint != old.policy_fingerprint
    assert old.tasks[0].due_at is not None and new.tasks[0].due_at is not None
    assert new.tasks[0].due_at - old.tasks[0].due_at == -(old.tasks[0].due_at - old.opened_at) / 3
    # the old case continues on its pinned diagram, even through the new runtime
    old_next = new_rt.complete_task(old.tasks[0].task_id, "zhang.wei", {"resolved": False})
    new_next = new_rt.complete_task(new.tasks[0].task_id, "zhang.wei", {"resolved": False})
    assert old_next.tasks[0].title == "处理 handle"
    assert new_next.tasks[0].title == "处理 handle v2"
    with store.read() as tx:
        versions = ProcessRepo(tx).versions("ticket")
        assert [(v.seq, v.current, v.source) for v in versions] == [(1, False, "init"), (2, True, "init")]
        assert tx.count_rows("policy_snapshots") == 2
    # forms of the old case are described with its pinned policy, not the edited one
    assert new_rt.pinned_policy(old.policy_fingerprint).get("complaint.deadlines.cs_callback") == "30 minutes"
    assert new_rt.pinned_policy(new.policy_fingerprint).get("complaint.deadlines.cs_callback") == "20 minutes"
    with pytest.raises(NotFoundError, match="not stored"):
        new_rt.pinned_policy("0" * 64)


def test_a_row_in_an_old_serializer_format_is_upgraded_on_load(store: Store, rt: Runtime) -> None:
    case = open_ticket(rt)
    with store.write() as tx:
        row = tx.lock_case(case_id=case.id)
        assert row is not None and row.workflow
        definition = rt.registry.get("ticket")
        workflow = load_workflow(row.workflow, row.serializer_version, definition.spec,
                                 definition.subprocess_specs)
        legacy = json.loads(dump_full_workflow(workflow))
        assert "spec" in legacy
        root = legacy["tasks"][legacy["root"]]
        root["data"]["received"] = root["data"].pop("received_at")
        tx.update_case(case.id, workflow=json.dumps(legacy), serializer_version="1.4-kefu0")
    case = rt.complete_task(case.tasks[0].task_id, "zhang.wei", {"resolved": False})
    assert case.status == "dispatched"
    with store.read() as tx:
        row = tx.lock_case(case_id=case.id)
        assert row is not None and row.workflow
        assert row.serializer_version == "1.5"
        stored = json.loads(row.workflow)
        assert "spec" not in stored and "received_at" in stored["tasks"][stored["root"]]["data"]


def test_an_unknown_serializer_format_is_refused(store: Store, rt: Runtime) -> None:
    case = open_ticket(rt)
    with store.write() as tx:
        tx.lock_case(case_id=case.id)
        tx.update_case(case.id, serializer_version="9.9")
    with pytest.raises(ConflictError, match="format '9.9' is not known"):
        rt.complete_task(case.tasks[0].task_id, "zhang.wei", {})


def test_a_failed_first_open_leaves_no_stale_cache(store: Store, clock: FixedClock, rt: Runtime) -> None:
    fresh = make_runtime(store, clock)

    def boom(where: str) -> None:
        raise Boom(where)

    fresh.before_commit = boom
    with pytest.raises(Boom):
        open_ticket(fresh)
    fresh.before_commit = None
    case = open_ticket(fresh)
    other = make_runtime(store, clock)  # must find the pinned version and policy in the database
    assert other.complete_task(case.tasks[0].task_id, "zhang.wei", {"resolved": True}).status == "closed"


def test_a_rolled_back_callers_transaction_leaves_no_stale_cache(store: Store, clock: FixedClock,
                                                                rt: Runtime) -> None:
    """A case opened in the caller's transaction (``tx=``) pins its policy snapshot and stores its process
    version there; the caller rolls back, so the runtime must store both again on the next open."""
    fresh = make_runtime(store, clock)
    with pytest.raises(Boom), store.write() as tx:
        opened = open_ticket_in(fresh, tx)
        assert tx.find_case(opened.number) is not None  # visible inside the caller's transaction
        raise Boom("the caller's own write failed")
    with store.read() as tx:
        assert tx.count_rows("cases") == 0
        assert tx.count_rows("policy_snapshots") == 0 and tx.count_rows("process_versions") == 0
    case = open_ticket(fresh)  # a stale cache would skip the snapshot: the case row's foreign key refuses
    with store.read() as tx:
        assert tx.count_rows("policy_snapshots") == 1 and tx.count_rows("process_versions") == 1
    other = make_runtime(store, clock)
    assert other.complete_task(case.tasks[0].task_id, "zhang.wei", {"resolved": True}).status == "closed"


def test_a_case_opened_and_completed_in_the_callers_transaction_commits_with_it(store: Store,
                                                                               rt: Runtime) -> None:
    with store.write() as tx:
        case = open_ticket_in(rt, tx)
        done = rt.complete_task(case.tasks[0].task_id, "zhang.wei", {"resolved": True}, tx=tx)
        assert done.status == "closed"
    assert rt.get_case(case.number, "zhang.wei").status == "closed"
    assert rt.verify_audit_chain() == []


def open_ticket_in(rt: Runtime, tx: Tx) -> CaseView:
    """``open_ticket`` inside the caller's open transaction."""
    return rt.open_case("ticket", TICKET, "zhang.wei", tx=tx)
