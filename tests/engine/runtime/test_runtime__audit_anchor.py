"""The audit anchor: signed checkpoints catch a deleted case and a rewritten chain (issue 13, defect 9)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.audit_anchor import AnchorSettings, AuditAnchor, verify_audit
from engine.clock import FixedClock
from engine.runtime import Runtime
from engine.store import Store
from engine.store.audit import event_hash
from tests.engine.runtime.conftest import dispatch, open_ticket


@pytest.fixture
def anchor_settings(tmp_path: Path) -> AnchorSettings:
    return AnchorSettings(directory=tmp_path / "worm", interval=timedelta(hours=1),
                          key_file=tmp_path / "data" / "audit_key")


@pytest.fixture
def anchor(store: Store, clock: FixedClock, anchor_settings: AnchorSettings) -> AuditAnchor:
    return AuditAnchor(store, clock, anchor_settings)


def _verify(store: Store, settings: AnchorSettings, clock: FixedClock) -> list[str]:
    return verify_audit(store, settings, clock).problems


def _delete_case(store: Store, case_id: str) -> None:
    """What an attacker with database access does: the row, its open tasks and its events go."""
    with store.engine.begin() as conn:
        for sql in ("DELETE FROM inbox_tasks WHERE case_id = :c",
                    "DELETE FROM audit_events WHERE case_id = :c", "DELETE FROM cases WHERE id = :c"):
            conn.execute(text(sql), {"c": case_id})


def _rewrite_chain(store: Store, case_id: str, seq: int, actor: str) -> None:
    """Edit one event, then recompute every hash after it and the case's head: the chain stays valid."""
    with store.engine.begin() as conn:
        rows = conn.execute(text("SELECT id FROM audit_events WHERE case_id = :c ORDER BY seq"),
                            {"c": case_id}).all()
    with store.read() as tx:
        events = tx.case_audit(case_id)
    prev = events[seq - 2].hash if seq > 1 else "0" * 64
    with store.engine.begin() as conn:
        for ev, row in zip(events[seq - 1:], rows[seq - 1:], strict=True):
            who = actor if ev.seq == seq else ev.actor
            digest = event_hash(chain=ev.chain, seq=ev.seq, case_id=ev.case_id, task_id=ev.task_id, actor=who,
                                action=ev.action, at=ev.at, data=ev.data, prev_hash=prev)
            conn.execute(text("UPDATE audit_events SET actor = :a, prev_hash = :p, hash = :h WHERE id = :i"),
                         {"a": who, "p": prev, "h": digest, "i": row[0]})
            prev = digest
        conn.execute(text("UPDATE cases SET audit_head = :h WHERE id = :c"), {"h": prev, "c": case_id})


def test_a_clean_log_with_a_checkpoint_verifies(rt: Runtime, store, clock, anchor, anchor_settings) -> None:
    dispatch(rt)
    open_ticket(rt)
    written = anchor.checkpoint()
    assert written is not None and written.seq == 1 and len(written.entries) == 3  # 2 cases + system
    report = verify_audit(store, anchor_settings, clock)
    assert report.ok and report.warnings == [] and report.checkpoints == 1
    assert (anchor_settings.key_file.stat().st_mode & 0o777) == 0o600


def test_a_deleted_case_passes_the_chains_but_not_the_anchor(rt, store, clock, anchor,
                                                             anchor_settings) -> None:
    victim = dispatch(rt)
    open_ticket(rt)
    anchor.checkpoint()
    _delete_case(store, victim.id)
    assert rt.verify_audit_chain() == []  # what defect 9 reported: the chains alone cannot see it
    [problem] = _verify(store, anchor_settings, clock)
    assert victim.number in problem and "is missing" in problem and "deleted" in problem


def test_a_rewritten_chain_passes_the_chains_but_not_the_anchor(rt, store, clock, anchor,
                                                                anchor_settings) -> None:
    case = dispatch(rt)
    anchor.checkpoint()
    _rewrite_chain(store, case.id, 2, "mallory")
    assert rt.verify_audit_chain() == []
    [problem] = _verify(store, anchor_settings, clock)
    assert f"case:{case.id}" in problem and "rewritten" in problem


def test_every_checkpoint_keeps_counting_not_only_the_latest(rt, store, clock, anchor,
                                                             anchor_settings) -> None:
    case = open_ticket(rt)
    anchor.checkpoint()
    clock.advance(timedelta(hours=1))
    rt.complete_task(case.tasks[0].task_id, "zhang.wei", {"resolved": False})
    second = anchor.checkpoint()
    assert second is not None and [e.chain for e in second.entries] == [f"case:{case.id}"]
    # rewriting an early event and re-forging everything after it contradicts checkpoint #1 too
    _rewrite_chain(store, case.id, 1, "mallory")
    problems = _verify(store, anchor_settings, clock)
    assert any("checkpoint #1" in p for p in problems) and any("checkpoint #2" in p for p in problems)


def test_a_checkpoint_is_written_once_per_interval_and_only_changes_are_listed(rt, clock, anchor) -> None:
    dispatch(rt)
    assert anchor.checkpoint() is not None
    clock.advance(timedelta(minutes=59))
    assert anchor.checkpoint() is None and not anchor.due()
    clock.advance(timedelta(minutes=1))
    quiet = anchor.checkpoint()
    assert quiet is not None and quiet.seq == 2 and quiet.entries == () and quiet.chains == 2
    assert anchor.checkpoint(force=True).seq == 3


def test_an_altered_or_removed_checkpoint_file_is_reported(rt, store, clock, anchor, anchor_settings) -> None:
    dispatch(rt)
    first = anchor.checkpoint()
    clock.advance(timedelta(hours=1))
    anchor.checkpoint()
    clock.advance(timedelta(hours=1))
    third = anchor.checkpoint()
    body = json.loads(third.path.read_text(encoding="utf-8"))
    body["chains"] = 0
    third.path.chmod(0o644)
    third.path.write_text(json.dumps(body), encoding="utf-8")
    first.path.unlink()
    problems = _verify(store, anchor_settings, clock)
    assert any(third.path.name in p and "signature does not match" in p for p in problems)
    assert any("checkpoint #1" in p and "is not in the checkpoint location" in p for p in problems)


def test_a_checkpoint_signed_with_another_key_is_refused(rt, store, clock, anchor, anchor_settings) -> None:
    dispatch(rt)
    anchor.checkpoint()
    other = AnchorSettings(directory=anchor_settings.directory, key="another key")
    problems = _verify(store, other, clock)
    assert "signed with another key" in problems[0] and "is not in the checkpoint location" in problems[1]


def test_no_checkpoint_or_a_stale_one_is_a_warning(rt, store, clock, anchor, anchor_settings) -> None:
    dispatch(rt)
    report = verify_audit(store, anchor_settings, clock)
    assert report.ok and "no audit checkpoint" in report.warnings[0]
    anchor.checkpoint()
    clock.advance(timedelta(hours=3))
    report = verify_audit(store, anchor_settings, clock)
    assert report.ok and "is the worker running?" in report.warnings[0]


def test_a_tampered_anchor_table_does_not_fool_the_verification(rt, store, clock, anchor,
                                                                anchor_settings) -> None:
    case = dispatch(rt)
    anchor.checkpoint()
    _rewrite_chain(store, case.id, 2, "mallory")
    with store.engine.begin() as conn:  # the attacker also moves the database's copy of the anchors
        conn.execute(text("DELETE FROM audit_anchors"))
    clock.advance(timedelta(hours=1))
    anchor.checkpoint()  # the next checkpoint anchors the forged chain: checkpoint #1 still contradicts it
    assert any("checkpoint #1" in p and "rewritten" in p for p in _verify(store, anchor_settings, clock))


def test_two_workers_anchoring_at_once_write_one_checkpoint(rt, store, clock, anchor_settings) -> None:
    dispatch(rt)
    results: list[object] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        results.append(AuditAnchor(store, clock, anchor_settings).checkpoint())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r is None for r in results) == [False, True]
    assert len(list(anchor_settings.directory.glob("checkpoint-*.json"))) == 1


def test_the_worker_writes_a_checkpoint_at_its_interval(rt, store, clock, anchor, tmp_path) -> None:
    from engine.worker import Worker

    dispatch(rt)
    worker = Worker(store, rt, rt.policies, clock, data_dir=tmp_path, jobs=(), anchor=anchor)
    assert worker.run_once().checkpoint == 1
    clock.advance(timedelta(minutes=30))
    assert worker.run_once().checkpoint is None
    clock.advance(timedelta(minutes=30))
    assert worker.run_once().checkpoint == 2
