"""Issue 15: a duplicate complaint is merged into its original in two steps — one of the CS desk
proposes, a second person (CS supervisor or manager) confirms; the duplicate ends as ``merged``,
linked both ways, and counts as no valid complaint (R2.13, R7.1)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from engine.errors import ConflictError, FormError, PermissionDenied
from engine.reports.monthly import monthly_statistics
from tests.conftest import shanghai
from tests.engine.worker.conftest import make_worker
from tests.scenarios.conftest import Desk


def _actions(desk: Desk, number: str) -> list[tuple[str, dict]]:
    return [(e.action, dict(e.data or {})) for e in desk.case(number).timeline]


def test_a_duplicate_is_merged_after_a_supervisor_confirms_and_both_cases_link(desk: Desk) -> None:
    original = desk.open().number
    duplicate = desk.open(description="同一漏水问题再次来电").number
    proposal = desk.runtime.propose_merge(duplicate, "wang.fang", f" {original} ")
    assert proposal["into"] == original
    assert desk.runtime.pending_merge(duplicate)["by"] == "wang.fang"
    assert desk.case(duplicate).status != "merged" and desk.open_tasks(duplicate)  # a supervisor confirms
    with pytest.raises(PermissionDenied):
        desk.runtime.decide_merge(duplicate, "zhang.wei", True)  # a specialist does not confirm
    view = desk.runtime.decide_merge(duplicate, "li.na", True)
    assert view.status == "merged" and view.tasks == ()
    assert desk.runtime.pending_merge(duplicate) is None
    assert ("case.merged", {"number": duplicate, "into": original}) in _actions(desk, duplicate)
    assert ("case.duplicate_merged", {"number": duplicate, "into": original}) in _actions(desk, original)
    assert desk.case(original).status not in ("merged", "withdrawn") and desk.open_tasks(original)
    assert desk.runtime.verify_audit_chain() == []  # both chains stay whole
    assert [i for i in desk.runtime.inbox("li.na", "all") if i.case_number == duplicate] == []
    desk.wait(days=10)
    assert desk.case(duplicate).status == "merged"
    with pytest.raises(ConflictError):  # a merged case is no original for another merge
        desk.runtime.propose_merge(desk.open().number, "wang.fang", duplicate)


def test_a_rejected_merge_leaves_the_case_running(desk: Desk) -> None:
    original = desk.open().number
    duplicate = desk.open().number
    desk.runtime.propose_merge(duplicate, "wang.fang", original)
    with pytest.raises(ConflictError):
        desk.runtime.propose_merge(duplicate, "zhang.wei", original)  # one pending proposal at a time
    desk.runtime.decide_merge(duplicate, "li.na", False)
    assert desk.runtime.pending_merge(duplicate) is None
    assert desk.case(duplicate).status not in ("merged",) and desk.open_tasks(duplicate)
    assert any(a == "case.merge_rejected" for a, _ in _actions(desk, duplicate))
    with pytest.raises(ConflictError):
        desk.runtime.decide_merge(duplicate, "li.na", True)  # nothing pending any more


def test_the_proposer_cannot_confirm_their_own_merge(desk: Desk) -> None:
    original, duplicate = desk.open().number, desk.open().number
    desk.runtime.propose_merge(duplicate, "li.na", original)
    with pytest.raises(PermissionDenied):
        desk.runtime.decide_merge(duplicate, "li.na", True)
    assert desk.runtime.decide_merge(duplicate, "he.jing", True).status == "merged"  # the CS manager


@pytest.mark.parametrize("into", ["", "   ", None, 7, "TS-SZP-2026-999999"])
def test_a_merge_needs_an_existing_original(desk: Desk, into: object) -> None:
    duplicate = desk.open().number
    with pytest.raises(FormError):
        desk.runtime.propose_merge(duplicate, "wang.fang", into)
    assert desk.runtime.pending_merge(duplicate) is None


def test_no_merge_into_itself_another_subsidiary_or_by_someone_outside(desk: Desk) -> None:
    duplicate = desk.open().number
    with pytest.raises(ConflictError):
        desk.runtime.propose_merge(duplicate, "wang.fang", duplicate)
    foreign = desk.open("fan.ming").number  # hn-region
    with pytest.raises(FormError):
        desk.runtime.propose_merge(duplicate, "wang.fang", foreign)
    original = desk.open().number
    with pytest.raises(PermissionDenied):
        desk.runtime.propose_merge(duplicate, "fan.ming", original)
    desk.runtime.propose_merge(duplicate, "wang.fang", original)
    with pytest.raises(PermissionDenied):
        desk.runtime.decide_merge(duplicate, "shi.lei", True)  # hn-region's CS supervisor
    assert desk.case(duplicate).status != "merged"


def test_a_closed_original_takes_a_duplicate_and_merged_cases_are_not_counted(
        desk: Desk, tmp_path: Path) -> None:
    original = desk.open().number
    desk.runtime.withdraw_case(original, "li.na", "客户撤回")  # ended: still an original of the company
    duplicate = desk.open().number
    desk.runtime.propose_merge(duplicate, "wang.fang", original)
    desk.runtime.decide_merge(duplicate, "li.na", True)
    figures = monthly_statistics(desk.runtime.store, desk.runtime.policies, "2026-11", "sz-property",
                                 now=shanghai("2026-12-03 09:00"))
    assert (figures["complaints"]["received"], figures["complaints"]["valid"]) == (2, 0)
    worker = make_worker(desk, tmp_path)
    for _ in range(4):
        desk.open()
    assert worker.run_once().volume == {}  # 4 valid of 6 received: under the threshold of 5


COMPLAINT = {"customer_name": "周先生", "customer_phone": "13912345678", "room": "3栋1单元1202",
             "event_time": "2026-11-22T20:00:00+08:00", "description": "楼上漏水，天花板渗水已两天。",
             "customer_request": "尽快维修", "channel": "phone", "category": "facilities",
             "urgency": "normal", "scope": "household", "severity": "general", "read_back_confirmed": True}


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite serializes every writer
def test_two_crossed_merges_confirmed_at_once_lock_in_one_order_and_one_wins(
        runtime, store, clock, policies_dir, processes_dir, monkeypatch) -> None:
    """A→B and B→A confirmed by two supervisors at the same moment: both lock the two cases in the
    order of their ids (no deadlock), one merge happens, the other is a conflict, the chains stay whole."""
    from engine.policy import load_policy_set
    from engine.processes import ProcessRegistry
    from engine.runtime import Runtime
    from engine.store.repo_cases import CaseTx

    a = runtime.open_case("complaint", COMPLAINT, "zhang.wei").number
    b = runtime.open_case("complaint", COMPLAINT, "zhang.wei").number
    runtime.propose_merge(a, "wang.fang", b)
    runtime.propose_merge(b, "zhang.wei", a)
    ids = {n: runtime.get_case(n, "zheng.xiaoyan").id for n in (a, b)}

    locks: dict[str, list[str]] = {}
    lock_case = CaseTx.lock_case

    def recording(self, *, case_id=None, number=None, **kw):  # type: ignore[no-untyped-def]
        record = lock_case(self, case_id=case_id, number=number, **kw)
        if record is not None and kw.get("lock", True):
            locks.setdefault(threading.current_thread().name, []).append(record.id)
        return record

    monkeypatch.setattr(CaseTx, "lock_case", recording)
    policies = load_policy_set(policies_dir)
    runtimes = [Runtime(store, policies, ProcessRegistry.load(processes_dir), clock, policies.calendars_dir)
                for _ in range(2)]
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def confirm(rt: Runtime, number: str, actor: str) -> None:
        barrier.wait()
        try:
            results[number] = rt.decide_merge(number, actor, True).status
        except Exception as exc:  # noqa: BLE001 - a deadlock would surface here as a database error
            results[number] = exc

    threads = [threading.Thread(target=confirm, args=(rt, n, who), name=n)
               for rt, n, who in zip(runtimes, (a, b), ("li.na", "he.jing"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert sorted(map(type, results.values()), key=str) == sorted([str, ConflictError], key=str), results
    winner = next(n for n, r in results.items() if r == "merged")
    loser = b if winner == a else a
    assert "merged meanwhile" in str(results[loser])
    assert runtime.get_case(loser, "zheng.xiaoyan").status not in ("merged", "withdrawn")
    for name, order in locks.items():  # each confirmation locked the two cases by ascending id
        assert order == sorted({ids[a], ids[b]}), (name, order)
    assert runtime.verify_audit_chain() == []
