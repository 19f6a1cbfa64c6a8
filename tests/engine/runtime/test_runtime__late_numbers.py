"""Gapless case numbers taken late (issue 18): the sequence row is locked only from the number's
allocation to the commit, after the SpiffWorkflow run, so intakes of one subsidiary do not queue
behind each other's whole opening. Numbers stay gapless and unique under 50 concurrent intakes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from engine.clock import FixedClock
from engine.runtime import Runtime
from engine.runtime.transition import Transition
from engine.store import Store
from tests.engine.runtime.conftest import _demo_org, make_runtime, open_ticket


def _open_at_once(rt: Runtime, count: int) -> tuple[list[str], list[BaseException]]:
    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)
    lock = threading.Lock()

    def work(index: int) -> None:
        barrier.wait()
        try:
            # every sixth intake fails in its own transaction after its number was taken: it gives it back
            number = open_ticket(rt, room="FAIL" if index % 6 == 5 else f"1-{index:03d}").number
        except BaseException as exc:  # collected and asserted below
            with lock:
                errors.append(exc)
            return
        with lock:
            numbers.append(number)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return numbers, errors


@pytest.fixture
def failing_rooms(rt: Runtime) -> Iterator[None]:
    """An intake for room FAIL rolls back at its commit, after its number was allocated."""

    def before_commit(point: str) -> None:
        if point == "open_case" and _room.value == "FAIL":
            raise RuntimeError("the disk is full")

    original = Transition.take_number

    def take_number(self: Transition, **kwargs: Any) -> None:
        _room.value = self.wf.data.get("room") or next(
            (t.data.get("room") for t in self.wf.get_tasks() if t.data.get("room")), None)
        original(self, **kwargs)

    Transition.take_number = take_number  # type: ignore[method-assign]
    rt.before_commit = before_commit
    try:
        yield
    finally:
        Transition.take_number = original  # type: ignore[method-assign]
        rt.before_commit = None


class _Room(threading.local):
    value: Any = None


_room = _Room()


def test_fifty_concurrent_intakes_get_numbers_one_to_fifty_without_gap_or_duplicate(
        rt: Runtime, store: Store, failing_rooms: None) -> None:
    numbers, errors = _open_at_once(rt, 60)
    assert len(errors) == 10 and all("the disk is full" in str(e) for e in errors)
    assert sorted(numbers) == [f"T-SZP-2026-{n:06d}" for n in range(1, 51)]  # the failed 10 gave theirs back
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == 50
        assert conn.execute(text("SELECT last FROM number_sequences")).scalar() == 50
        data = "data" if store.dialect == "sqlite" else "data::text"
        placeholders = conn.execute(text(f"SELECT count(*) FROM audit_events WHERE {data} LIKE '%<number:%'"))
        assert placeholders.scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM cases WHERE workflow LIKE '%<number:%'")).scalar() == 0
    assert rt.verify_audit_chain() == []


def test_the_number_is_in_the_workflow_data_the_tasks_and_the_audit_log(rt: Runtime) -> None:
    case = open_ticket(rt)
    assert case.number == "T-SZP-2026-000001"
    assert rt.case_data(case.number, "zhang.wei")["case_number"] == case.number
    assert {t.case_number for t in case.tasks} == {case.number}
    [opened] = [e for e in rt.get_case(case.number, "zhang.wei").timeline if e.action == "case.opened"]
    assert opened.data["number"] == case.number



@pytest.mark.postgres
def test_an_intake_runs_its_workflow_while_another_holds_the_sequence_row(pg_rt: Runtime) -> None:
    rt, store = pg_rt, pg_rt.store
    open_ticket(rt)  # the sequence row exists
    ran = threading.Event()
    original = Transition.run_engine

    def run_engine(self: Transition) -> None:
        original(self)
        ran.set()

    Transition.run_engine = run_engine  # type: ignore[method-assign]
    result: list[str] = []
    waiting = 0
    try:
        with store.engine.connect() as holder, holder.begin(), store.engine.connect() as watcher:
            holder.execute(text("SELECT last FROM number_sequences FOR UPDATE"))  # a slow intake's lock
            worker = threading.Thread(target=lambda: result.append(open_ticket(rt).number))
            worker.start()
            assert ran.wait(10), "the workflow did not run while the sequence row was locked"
            deadline = time.monotonic() + 10
            while not waiting and time.monotonic() < deadline:  # the intake now waits for its number only
                waiting = watcher.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE '%number_sequences%'")).scalar() or 0
                watcher.rollback()  # a fresh statistics snapshot on each look
                time.sleep(0.01)
            assert waiting == 1 and result == []
        worker.join(10)
    finally:
        Transition.run_engine = original  # type: ignore[method-assign]
    assert result == ["T-SZP-2026-000002"]


def test_an_action_running_while_the_case_opens_gets_the_real_number(store: Store, clock: FixedClock) -> None:
    """A service task before the first step takes the number early: the action, the parameters
    SpiffWorkflow evaluated for it and what it stores all carry the real number, never the placeholder."""
    from pathlib import Path

    from engine.actions import ActionContext, Param, build_actions

    seen: list[dict[str, Any]] = []

    def record(ctx: ActionContext, amount: int, note: str | None = None) -> dict[str, Any]:
        seen.append({"case": ctx.case["number"], "note": note, "data": ctx.data.get("case_number")})
        ctx.audit("test.recorded", {"note": note})
        return {"case": ctx.case["number"], "note": note}

    actions = build_actions()
    actions.action("test.record", "记录", params=[Param("amount", "int", "数量"),
                                                  Param("note", "str", "说明", required=False)])(record)
    runtime = make_runtime(store, clock, Path(__file__).resolve().parent / "data_opening")
    runtime.actions = actions
    runtime._engines.clear()
    runtime.import_org(_demo_org())
    number = runtime.open_case("opening", {"customer_name": "周先生"}, "zhang.wei").number
    assert number == "O-SZP-2026-000001"
    assert seen == [{"case": number, "note": f"您的编号：{number}", "data": number}]
    data = runtime.case_data(number, "zhang.wei")
    assert data["receipt"] == f"您的编号：{number}"
    assert data["recorded"] == {"case": number, "note": data["receipt"]}
    [recorded] = [e for e in runtime.get_case(number, "zhang.wei").timeline if e.action == "test.recorded"]
    assert recorded.data["note"] == f"您的编号：{number}"
    assert runtime.verify_audit_chain() == []


def _watch_the_opening(monkeypatch: pytest.MonkeyPatch, rt: Runtime) -> list[str]:
    """Record, in order, the workflow's serialisation, the facts write (with the report cells on
    PostgreSQL), the step's notifications and the number's allocation of the cases opened next."""
    import engine.runtime.cases as cases_module
    from engine.store.repo import Tx
    from engine.store.report_repo import ReportRepo

    order: list[str] = []
    dump, next_number, insert_facts = cases_module.dump_workflow, Tx.next_number, ReportRepo.insert_facts

    def dump_workflow(wf: Any) -> str:
        text = dump(wf)
        order.append("dump with the placeholder" if "<number:" in text else "dump")
        return text

    def take(self: Tx, *args: Any) -> int:
        order.append("number")
        return next_number(self, *args)

    def facts(self: ReportRepo, values: dict[str, Any]) -> None:
        order.append("facts with the placeholder" if values["number"].startswith("<number:") else "facts")
        insert_facts(self, values)

    def notifications(tx: Tx, t: Transition) -> int:
        order.append("notifications with the placeholder" if t.case["number"].startswith("<number:")
                     else "notifications")
        return 0

    monkeypatch.setattr(cases_module, "dump_workflow", dump_workflow)
    monkeypatch.setattr(Tx, "next_number", take)
    monkeypatch.setattr(ReportRepo, "insert_facts", facts)
    rt.after_transition = notifications
    return order


def test_the_workflow_is_serialised_before_the_number_is_taken(rt: Runtime, store: Store,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Under the sequence row's lock run only the number's swap, the writes and the commit: the
    workflow JSON (the slowest part of writing a case) is made before, with the placeholder, and the
    number put into the text; so are the step's notifications and the case's facts (with their report
    cells, sent in one round trip with the allocation, before it), the number put in by an update;
    the rows, the search columns, the facts and the audit log get the real number."""
    from engine.search import search_columns

    order = _watch_the_opening(monkeypatch, rt)
    case = open_ticket(rt, room="3-1-1202")
    assert order == ["dump with the placeholder", "notifications with the placeholder",
                     "facts with the placeholder", "number"]
    assert case.number == "T-SZP-2026-000001"
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT number FROM case_stats")).scalars().all() == [case.number]
    assert {t.case_number for t in case.tasks} == {case.number}
    with store.engine.connect() as conn:
        workflow, search_text, search_terms = conn.execute(text(
            "SELECT workflow, search_text, search_terms FROM cases")).one()
        assert conn.execute(text("SELECT number FROM inbox_tasks")).scalars().all() == [case.number]
    assert "<number:" not in workflow and workflow.count(case.number) >= 1
    assert "<number" not in search_text and "tszp2026000001" in search_text.split()
    _text, expected_terms = search_columns({"number": case.number, "customer_name": "王先生",
                                                    "room": "3-1-1202"})
    assert set(expected_terms.split()) - {t for t in expected_terms.split() if "^" in t} <= set(
        search_terms.split())
    assert not any("num" in term for term in search_terms.split())
    assert rt.case_data(case.number, "zhang.wei")["case_number"] == case.number
    assert rt.verify_audit_chain() == []


def test_on_postgresql_the_report_cells_are_written_before_the_number_is_taken(
        pg_rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """The facts' statement that keeps the report cells (an upsert into cells other intakes of the
    month may share) runs before the sequence row is locked; the facts row gets the real number, the
    cells count each case once, and a case opened while cells are kept leaves no placeholder."""
    from engine.store.report_repo import ReportRepo

    rt, store = pg_rt, pg_rt.store
    with store.write() as tx:
        assert ReportRepo(tx).build_cells("Asia/Shanghai", rt.clock.now())
    order = _watch_the_opening(monkeypatch, rt)
    numbers = [open_ticket(rt, room=f"3-1-{i:04d}").number for i in range(3)]
    assert order == ["dump with the placeholder", "notifications with the placeholder",
                     "facts with the placeholder", "number"] * 3
    assert numbers == [f"T-SZP-2026-{i:06d}" for i in (1, 2, 3)]
    with store.engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT number FROM case_stats")).scalars()) == numbers
        received = conn.execute(text(
            "SELECT sum(received) FROM report_cells WHERE zone = 'Asia/Shanghai' AND dimension = ''"
        )).scalar()
    assert received == 3
