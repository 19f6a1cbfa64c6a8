"""The live-workflow cache (engine/runtime/wfcache.py): a case's next step in the same process reuses the
workflow its last step ended with, and nothing it stores or shows differs from loading it from the row.

Equivalence: the same lifecycles (complaint with its cooperation, repair, consultation, visitor) run twice
on the injected clock, once with the cache and once without (size 0), task ids and SpiffWorkflow's
timestamps made deterministic; after every step (timers fired by the worker between steps included) the
stored workflow JSON, the audit events, the inbox rows, the facts and the outbox are identical.
"""

from __future__ import annotations

import functools
import itertools
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from engine import visitors
from engine.clock import FixedClock
from engine.errors import FormError
from engine.org import load_org
from engine.policy import load_policy_set
from engine.processes import ProcessRegistry
from engine.runtime import Runtime
from engine.runtime.serializer import VERSION, dump_workflow, instance_registry, load_workflow
from engine.runtime.wfcache import NotReusable, WorkflowCache, canonicalize
from engine.store import Store
from tests.conftest import ROOT, shanghai
from tests.scenarios.conftest import Desk

# what each step leaves behind that the comparison reads (columns that are random by design left out)
TABLES = {
    "cases": "number, process_id, process_version, status, outcome, next_timer_at, closed_at, workflow",
    "inbox_tasks": "task_id, task_spec, candidate_group, assignee, due_at, number, status",
    "audit_events": "case_id, seq, actor, action, task_id, data, at, hash",
    "case_stats": "*",
    "report_cells": "*",
    "outbox_messages": "kind, address, subject, case_id",
}


def _rows(store: Store) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with store.read() as tx:
        for table, columns in TABLES.items():
            rows = tx.conn.execute(text(f"SELECT {columns} FROM {table}")).all()
            out[table] = sorted(json.dumps([str(v) for v in row], ensure_ascii=False) for row in rows)
    return out


@pytest.fixture
def deterministic(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Task and case ids from a counter and SpiffWorkflow's time stamps from a counter; calling the
    returned function starts both again (for the second run)."""
    import SpiffWorkflow.task as spiff_task

    import engine.runtime.cases as cases
    import engine.runtime.transition as transition

    state: dict[str, Any] = {}

    def restart() -> None:
        state["ids"] = itertools.count(1)
        state["tick"] = 0

    class _Time:
        @staticmethod
        def time() -> float:
            state["tick"] += 1
            return 1_700_000_000.0 + state["tick"] / 1000

    def uuid4() -> uuid.UUID:
        return uuid.UUID(int=next(state["ids"]))

    def load(*args: Any) -> Any:  # a load stamps each task it builds, then restores the stored stamp:
        tick = state["tick"]      # it must not use up stamps the run without the cache would not
        try:
            return load_workflow(*args)
        finally:
            state["tick"] = tick

    restart()
    monkeypatch.setattr(spiff_task, "uuid4", uuid4)
    monkeypatch.setattr(cases, "uuid4", uuid4)
    monkeypatch.setattr(cases, "load_workflow", load)
    monkeypatch.setattr(spiff_task, "time", _Time)
    monkeypatch.setattr(transition, "time", _Time)
    monkeypatch.setattr(visitors.secrets, "token_urlsafe", lambda n=None: f"token-{next(state['ids'])}")
    return restart


def _desk(url: str, cache: int) -> Desk:
    clock = FixedClock(shanghai("2026-11-23 10:00"))
    store = Store(url)
    store.migrate()
    policies = load_policy_set(ROOT / "policies")
    runtime = Runtime(store, policies, ProcessRegistry.load(ROOT / "processes"), clock,
                      calendars_dir=ROOT / "policies" / "calendars", workflow_cache=cache)
    runtime.register_processes()
    org = load_org(ROOT / "engine" / "demo" / "org.yaml")
    runtime.import_org(org)
    from engine.worker.events import install

    install(runtime)  # the outbox rows of each step, as the web app and the worker have them
    visitors.import_households(runtime, ROOT / "engine" / "demo" / "households.yaml")
    return Desk(runtime, clock, org)


# -- the lifecycles: each yields after every step ------------------------------------------------------
def complaint(desk: Desk) -> Iterator[None]:
    n = desk.open(category="facilities").number
    yield
    desk.complete(n, "raise_order", order_summary="请物业部处理",
                  required_completion="2026-11-27T17:00:00+08:00")
    yield
    assert desk.wait(hours=3) >= 0  # the worker fires what fell due (the dispatch SLA)
    yield
    desk.complete(n, "sign_order", order_decision="sign")
    yield
    desk.visit_photo(n)
    desk.complete(n, "visit_customer", contact_result="agreed", visit_record="已上门", plan="修复",
                  agreed_completion="2026-11-26T17:00:00+08:00", customer_confirmed_plan=True)
    yield
    desk.wait(hours=30)
    yield
    for name, data in [
        ("reply_customer", {"reply_method": "phone", "reply_content": "已安排",
                            "done_within_reply_window": True}),
        ("carry_out_work", {"progress": "完成", "work_result": "finished"}),
    ]:
        desk.complete(n, name, **data)
        yield
    for name in sorted(desk.open_tasks(n)):
        if name == "confirm_cooperation":
            desk.complete(n, name, cooperation_part="检修管道")
            yield
    for name, data in [
        ("apply_closure", {"completion_record": "客户签字", "customer_signed": True}),
        ("check_closure", {"check_result": "accept", "return_visit_needed": True}),
        ("contact_customer", {"reached": True, "attempt_note": "接通"}),
        ("record_return_visit", {"visit_method": "on_site", "satisfaction": "satisfied",
                                 "return_visit_record": "满意", "customer_agrees": True}),
    ]:
        if name in desk.open_tasks(n):
            desk.complete(n, name, **data)
            yield
    desk.wait(days=8)
    yield


def repair(desk: Desk) -> Iterator[None]:
    form = {"customer_name": "李女士", "customer_phone": "13612345678", "room": "5栋2单元801",
            "location": "in_home", "location_detail": "主卫", "description": "卫生间水龙头漏水",
            "channel": "phone"}
    n = desk.runtime.open_case("repair", form, "zhang.wei").number
    yield
    desk.wait(minutes=10)  # past the dispatch deadline
    yield
    desk.complete(n, "issue_order", order_items="更换主卫水龙头")
    yield
    desk.complete(n, "accept_order", engineer_name="邓海涛", planned_visit_at="2026-11-23T11:00:00+08:00")
    yield
    desk.photograph(n, "before", "during", "after")
    desk.complete(n, "carry_out_repair", repair_record="已更换水龙头",
                  photo_stages=["before", "during", "after"],
                  repair_result="finished")
    yield
    desk.complete(n, "reply_owner", reply_content="已修好,请检查", owner_confirmed=False)  # back to work
    yield
    desk.complete(n, "carry_out_repair", repair_record="再次检修", photo_stages=["before", "during", "after"],
                  repair_result="finished")
    yield
    desk.complete(n, "reply_owner", reply_content="已修好", owner_confirmed=True)
    yield
    for name, data in [("contact_customer", {"reached": True, "attempt_note": "接通"}),
                       ("record_return_visit", {"visit_method": "on_site", "satisfaction": "satisfied",
                                                "return_visit_record": "业主确认", "customer_agrees": True})]:
        if name in desk.open_tasks(n):
            desk.complete(n, name, **data)
            yield
    desk.wait(days=2)
    yield


def consultation(desk: Desk) -> Iterator[None]:
    n = desk.runtime.open_case("consultation", {
        "customer_name": "陈先生", "customer_phone": "13711112222", "room": "2栋1单元502", "channel": "phone",
        "question": "阳台可以封闭吗？"}, "tian.tian").number
    yield
    desk.wait(hours=3)  # the expert's 2 hours pass
    yield
    desk.complete(n, "ask_expert", expert_answer="按规划要求，阳台封闭须使用统一型材")
    yield
    desk.complete(n, "confirm_wording", wording_confirmed=False, confirmed_wording="可以",
                  wording_comment="请写明手续")
    yield
    desk.complete(n, "ask_expert", expert_answer="需办理装修申请")
    yield
    desk.complete(n, "confirm_wording", wording_confirmed=True, confirmed_wording="需办理装修申请")
    yield
    desk.complete(n, "reply_customer", reply_method="phone", add_to_faq=True)
    yield
    desk.complete(n, "contact_customer", reached=True, attempt_note="接通")
    yield
    desk.complete(n, "record_return_visit", visit_method="phone", satisfaction="satisfied",
                  return_visit_record="满意", customer_agrees=True)
    yield


def visitor(desk: Desk) -> Iterator[None]:
    form = {"customer_name": "李明", "id_type": "resident_id", "id_number": "440305199003071236",
            "purpose": "visit_resident", "household": "lyc-3-1-1202", "host_name": "周建国",
            "escort_requested": True}
    visit = visitors.register_visit(desk.runtime, "peng.jun", form)
    yield
    desk.wait(minutes=5)
    yield
    visitors.answer_host(desk.runtime, "accepted", number=visit.number, actor="peng.jun")
    yield
    desk.complete(visit.number, "escort", escorted_to="3栋1单元1202门口")
    yield
    desk.wait(minutes=40)
    yield
    visitors.check_out(desk.runtime, visit.number, "peng.jun")
    yield
    absent = visitors.register_visit(desk.runtime, "peng.jun", {**form, "escort_requested": False})
    yield
    desk.wait(minutes=11)  # the host does not answer: the timer sends the visit to a polite refusal
    yield
    desk.complete(absent.number, "polite_refusal", explained=True, appointment_offered=False)
    yield


LIFECYCLES = {"complaint": complaint, "repair": repair, "consultation": consultation, "visitor": visitor}


def _run(url: str, cache: int, lifecycle: Callable[[Desk], Iterator[None]]) -> tuple[list[Any], Runtime]:
    desk = _desk(url, cache)
    try:
        steps = [_rows(desk.runtime.store) for _ in lifecycle(desk)]
        return steps, desk.runtime
    finally:
        desk.runtime.store.dispose()


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_a_lifecycle_stores_and_shows_the_same_with_the_cache_as_without(
        name: str, request: pytest.FixtureRequest, database_factory: Any, deterministic: Callable[[], None],
        db_backend: str) -> None:
    lifecycle = LIFECYCLES[name]
    without, _ = _run(database_factory.fresh(db_backend), 0, lifecycle)
    deterministic()
    cached, runtime = _run(database_factory.fresh(db_backend), 50, lifecycle)
    assert runtime.workflows.hits >= 3, "the lifecycle never reused a workflow: the test proves nothing"
    assert len(cached) == len(without)
    for step, (a, b) in enumerate(zip(without, cached, strict=True)):
        for table in TABLES:
            assert a[table] == b[table], f"{name} step {step}: {table} differs with the cache"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# -- another process, a failed step --------------------------------------------------------------------
def _two(db_url: str) -> tuple[Desk, Desk]:
    first = _desk(db_url, 50)
    clock = first.clock
    policies = load_policy_set(ROOT / "policies")
    other = Runtime(Store(db_url), policies, ProcessRegistry.load(ROOT / "processes"), clock,
                    calendars_dir=ROOT / "policies" / "calendars", workflow_cache=50)
    return first, Desk(other, clock, first.org)


def test_a_step_another_process_wrote_is_seen_by_the_next_step_here(db_url: str) -> None:
    here, there = _two(db_url)
    try:
        n = here.runtime.open_case("consultation", {
            "customer_name": "陈先生", "customer_phone": "13711112222", "room": "2栋1单元502",
            "channel": "phone", "question": "阳台可以封闭吗？"}, "zhang.wei").number
        here.complete(n, "ask_expert", expert_answer="可以")  # a load, then kept here
        assert len(here.runtime.workflows) == 1
        there.complete(n, "confirm_wording", wording_confirmed=False, confirmed_wording="可以",
                       wording_comment="请写明手续")  # the other process sends it back to the expert
        hits = here.runtime.workflows.hits
        here.complete(n, "ask_expert", expert_answer="需办理装修申请")  # here: the kept one is stale
        assert here.runtime.workflows.hits == hits, "the stale workflow was used"
        assert set(here.open_tasks(n)) == {"confirm_wording"}
        here.complete(n, "confirm_wording", wording_confirmed=True, confirmed_wording="需办理装修申请")
        assert here.runtime.workflows.hits == hits + 1  # written here last: reused
        data = here.data(n)
        assert data["expert_answer"] == "需办理装修申请" and data["confirmed_wording"] == "需办理装修申请"
        audit = [e.action for e in here.case(n).timeline if e.action == "task.completed"]
        assert len(audit) == 4  # no step lost
    finally:
        here.runtime.store.dispose()
        there.runtime.store.dispose()


def test_a_step_that_fails_after_the_engine_ran_leaves_nothing_for_the_next(db_url: str) -> None:
    desk = _desk(db_url, 50)
    try:
        rt = desk.runtime
        n = rt.open_case("consultation", {
            "customer_name": "陈先生", "customer_phone": "13711112222", "room": "2栋1单元502",
            "channel": "phone", "question": "阳台可以封闭吗？"}, "zhang.wei").number
        desk.complete(n, "ask_expert", expert_answer="可以")
        assert len(rt.workflows) == 1

        def fail(point: str) -> None:
            raise RuntimeError(f"injected failure at {point}")

        rt.before_commit = fail  # after task.run(), the sync and the writes: the transaction rolls back
        with pytest.raises(RuntimeError):
            desk.complete(n, "confirm_wording", wording_confirmed=True, confirmed_wording="可以")
        rt.before_commit = None
        assert len(rt.workflows) == 0  # the half-run workflow was not put back
        hits = rt.workflows.hits
        assert set(desk.open_tasks(n)) == {"confirm_wording"}
        desk.complete(n, "confirm_wording", wording_confirmed=False, confirmed_wording="可以",
                      wording_comment="请写明手续")
        assert rt.workflows.hits == hits  # nothing to take: loaded from the row
        assert set(desk.open_tasks(n)) == {"ask_expert"}  # the database's state, not the failed run's
        assert len(rt.workflows) == 1
        with pytest.raises(FormError):  # a form error after the load: nothing is put back either
            desk.complete(n, "ask_expert", expert_answer="")
        assert len(rt.workflows) == 0
        desk.complete(n, "ask_expert", expert_answer="需办理装修申请")
        assert set(desk.open_tasks(n)) == {"confirm_wording"}
    finally:
        desk.runtime.store.dispose()


def test_a_migrated_case_is_not_kept_and_its_next_step_loads_the_new_version(tmp_path: Path) -> None:
    from tests.scenarios.test_migration import NEXT, OWNER, current_files, deploy, edit, retitle, walk_to

    desk = _desk(f"sqlite:///{tmp_path / 'k.db'}", 50)
    try:
        rt = desk.runtime
        number = walk_to(desk, "visit_customer")
        case_id = desk.case(number).id
        assert case_id in rt.workflows._entries  # noqa: SLF001 - kept after its last step
        label = deploy(desk, edit(current_files(desk), retitle("visit_customer", "上门沟通（新版）")))
        (move,) = rt.migrate_cases("complaint", label, OWNER, dry_run=False)
        assert move.moved
        assert case_id not in rt.workflows._entries  # noqa: SLF001 - the migrated workflow is not kept
        hits = rt.workflows.hits
        desk.visit_photo(number)
        desk.complete(number, "visit_customer", **NEXT["visit_customer"])
        assert rt.workflows.hits == hits  # loaded on its new version
        assert "reply_customer" in desk.open_tasks(number)
        assert case_id in rt.workflows._entries  # noqa: SLF001 - and kept again
    finally:
        desk.runtime.store.dispose()


# -- canonicalize: what a load gives -----------------------------------------------------------------------
def _workflow(desk: Desk, number: str) -> tuple[Any, Any, str]:
    with desk.runtime.store.read() as tx:
        case = tx.lock_case(number=number, lock=False)
    assert case is not None and case.workflow
    definition = desk.runtime.definition(case.process_id, case.process_version)
    return load_workflow(case.workflow, VERSION, definition.spec, definition.subprocess_specs), definition, \
        case.workflow


def _shape(wf: Any) -> list[Any]:
    """Each task's data (values, their types) and which of its containers are its parent's."""
    out = []
    for sub in [wf, *wf.subprocesses.values()]:
        for task in sub.tasks.values():
            parent = task.parent
            shared = sorted(k for k, v in task.data.items() if isinstance(v, (dict, list))
                            and parent is not None and any(v is w for w in _nested(parent.data)))
            out.append((str(task.id), list(task.data.items()),
                        [type(v).__name__ for v in task.data.values()], shared,
                        [(type(v).__name__, getattr(v, "tzinfo", None)) for v in task.data.values()]))
    return out


def _nested(data: dict[str, Any]) -> Iterator[Any]:
    for value in data.values():
        if isinstance(value, dict):
            yield from value.values()
        elif isinstance(value, list):
            yield from value


def test_canonicalize_gives_the_data_a_load_gives(tmp_path: Path) -> None:
    desk = _desk(f"sqlite:///{tmp_path / 'k.db'}", 0)
    try:
        n = desk.runtime.open_case("consultation", {
            "customer_name": "陈先生", "customer_phone": "13711112222", "room": "2栋1单元502",
            "channel": "phone", "question": "阳台可以封闭吗？"}, "zhang.wei").number
        wf, definition, _ = _workflow(desk, n)
        task = next(t for t in wf.tasks.values() if t.task_spec.name == "ask_expert")
        zone = ZoneInfo("Asia/Shanghai")
        nested = {"told": {"engineering": ["liu.qiang"]}}
        # what a live run can hold: a tuple, a set, a zoned datetime, a container shared with a parent
        task.set_data(pair=(1, 2), tags={"a"}, when=datetime(2026, 11, 23, 10, tzinfo=zone), nested=nested,
                      span=timedelta(hours=2), at=datetime(2026, 11, 23, 2, tzinfo=UTC))
        for child in task.children:
            child.set_data(nested=nested)
        written = dump_workflow(wf)
        canonicalize(wf, instance_registry())
        loaded = load_workflow(written, VERSION, definition.spec, definition.subprocess_specs)
        assert _shape(wf) == _shape(loaded)
        assert dump_workflow(wf) == written
        assert type(task.data["pair"]) is list and task.data["when"].tzinfo != zone
        with pytest.raises(NotReusable):
            task.set_data(bad={1: "a"})
            canonicalize(wf, instance_registry())
    finally:
        desk.runtime.store.dispose()


def test_the_cache_is_bounded_and_size_zero_keeps_nothing() -> None:
    cache = WorkflowCache(2)
    from engine.runtime.wfcache import CachedWorkflow

    for case_id in ("a", "b", "c"):
        cache.put(case_id, CachedWorkflow("{}", VERSION, "v1", None, "fp", object()))  # type: ignore[arg-type]
    assert len(cache) == 2
    assert cache.take("a", "{}", VERSION, "v1", None, "fp") is None  # the least recent went
    assert cache.take("c", "{} ", VERSION, "v1", None, "fp") is None  # another text: not used, and gone
    assert cache.take("c", "{}", VERSION, "v1", None, "fp") is None
    assert cache.take("b", "{}", VERSION, "v2", None, "fp") is None  # another version
    off = WorkflowCache(0)
    off.put("a", CachedWorkflow("{}", VERSION, "v1", None, "fp", object()))  # type: ignore[arg-type]
    assert len(off) == 0
    with pytest.raises(ValueError):
        WorkflowCache(-1)


def test_canonicalize_walks_the_keys_of_the_tasks_that_changed_their_data_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A task whose data equals its parent's (most of a workflow's: gateways, events, the finished
    steps' followers) is rebuilt from its parent's by one comparison of the two dicts, not key by key;
    what it gives is what a load gives (the lifecycles above, both backends)."""
    import engine.runtime.wfcache as wfcache

    desk = _desk(f"sqlite:///{tmp_path / 'k.db'}", 0)
    try:
        steps = complaint(desk)
        next(steps)
        for _ in range(4):
            next(steps)
        with desk.runtime.store.read() as tx:
            number = tx.conn.execute(text("SELECT number FROM cases")).scalar_one()
        wf, definition, written = _workflow(desk, number)
        tasks = [t for sub in [wf, *wf.subprocesses.values()] for t in sub.tasks.values()]
        differing = sum(1 for t in tasks if t.parent is not None and t.data != t.parent.data)
        walked: list[int] = []
        real = wfcache._updated

        def counting(before: dict[str, Any], live: dict[str, Any]) -> list[tuple[str, Any]]:
            walked.append(len(live))
            return real(before, live)

        monkeypatch.setattr(wfcache, "_updated", counting)
        canonicalize(wf, instance_registry())
        assert len(walked) == differing < len(tasks) // 2
        assert dump_workflow(wf) == written
        loaded = load_workflow(written, VERSION, definition.spec, definition.subprocess_specs)
        assert _shape(wf) == _shape(loaded)
    finally:
        desk.runtime.store.dispose()


@pytest.mark.parametrize("process", ["complaint", "consultation"])
def test_an_opening_is_kept_with_its_number_and_its_first_step_takes_it(tmp_path: Path, process: str) -> None:
    """An opening's JSON gets its number after the dump (the placeholder swapped in the text): the kept
    workflow has it where the text has it, is what a load of the row gives, and the case's first step
    takes it from the cache instead of loading it (each lifecycle above compares everything stored)."""
    desk = _desk(f"sqlite:///{tmp_path / 'k.db'}", 10)
    try:
        rt = desk.runtime
        if process == "complaint":
            number = desk.open(category="facilities").number
        else:
            number = rt.open_case("consultation", {
                "customer_name": "陈先生", "customer_phone": "13711112222", "room": "2栋1单元502",
                "channel": "phone", "question": "阳台可以封闭吗？"}, "zhang.wei").number
        loaded, definition, written = _workflow(desk, number)
        with rt.store.read() as tx:
            case = tx.lock_case(number=number, lock=False)
        assert case is not None
        kept = rt.workflows._entries[case.id]
        assert kept.text == written and "<number:" not in written and number in written
        assert dump_workflow(kept.workflow) == written
        assert _shape(kept.workflow) == _shape(loaded)
        assert kept.workflow.get_tasks()[0].data["case_number"] == number
        hits, misses = rt.workflows.hits, rt.workflows.misses
        task = next(iter(desk.open_tasks(number).values()))
        with rt.store.write() as tx:  # the step's begin takes the case's workflow as a completion would
            record = tx.lock_case(case_id=case.id)
            assert record is not None
            rt._begin(tx, record, task.assignee or "zhang.wei")
        assert (rt.workflows.hits, rt.workflows.misses) == (hits + 1, misses)
    finally:
        desk.runtime.store.dispose()


def test_an_opening_whose_data_has_its_placeholder_in_a_key_is_not_kept() -> None:
    """The text's swap would rename the key; the data's cannot: not kept (loaded next time)."""
    from engine.runtime.wfcache import renumber

    class _Wf:
        subprocesses: dict[str, Any] = {}
        data: dict[str, Any] = {}
        correlations: dict[str, Any] = {}

        class tasks:  # noqa: N801 - stands for the dict of tasks
            @staticmethod
            def values() -> list[Any]:
                return [type("T", (), {"data": {"seen": {"<number:x>": "a"}}, "internal_data": {}})()]

    with pytest.raises(NotReusable):
        renumber(_Wf(), "<number:x>", "TS-1")  # type: ignore[arg-type]
    with pytest.raises(NotReusable):
        renumber(_Wf(), "<number:x>", 'TS"1')  # type: ignore[arg-type]


@functools.cache
def _spiff_serializer() -> Any:
    """A serializer with SpiffWorkflow's own converters (kefu's leave out the specs only)."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

    class Plain(BpmnWorkflowConverter):
        def to_dict(self, workflow: Any) -> dict[str, Any]:
            dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
            dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
            dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
            return dct

    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure({**SPIFF_CONFIG, BpmnWorkflow: Plain}))


def _spiff_dump(wf: Any) -> str:
    """The instance JSON as SpiffWorkflow's own converters write it, as ``dump_workflow`` encodes it."""
    serializer = _spiff_serializer()
    serializer.registry._encoder_mode = True
    try:
        dct = serializer.to_dict(wf)
        return json.dumps(dct, cls=serializer._encoder_cls, ensure_ascii=False, separators=(",", ":"))
    finally:
        serializer.registry._encoder_mode = False


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_the_dump_writes_what_spiffworkflows_converters_write_and_each_id_text_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """kefu's task and subprocess converters (the parent looked up once, the ids' texts made once) give
    SpiffWorkflow's text, at every step of a lifecycle, live and loaded; a workflow dumped again makes
    no id's text anew (``UUID.__str__``: about 400 calls a complaint's dump before)."""
    desk = _desk(f"sqlite:///{tmp_path / 'k.db'}", 0)
    try:
        for _ in LIFECYCLES[name](desk):
            with desk.runtime.store.read() as tx:
                numbers = tx.conn.execute(text("SELECT number FROM cases ORDER BY number")).scalars().all()
            for number in numbers:
                wf, _, written = _workflow(desk, number)
                assert dump_workflow(wf) == _spiff_dump(wf) == written
        made: list[int] = []
        real = uuid.UUID.__str__

        def counting(self: uuid.UUID) -> str:
            made.append(1)
            return real(self)

        monkeypatch.setattr(uuid.UUID, "__str__", counting)
        assert dump_workflow(wf) == written
        assert len(made) <= 30, len(made)  # the roots, last tasks, ids in the data: not the tasks'
    finally:
        desk.runtime.store.dispose()


def _spiff_load(written: str, definition: Any) -> Any:
    """The workflow SpiffWorkflow's own converters load from the row's text (kefu's leave out the specs)."""
    dct = json.loads(written)
    dct["spec"] = definition.spec
    dct["subprocess_specs"] = dict(definition.subprocess_specs)
    return _spiff_serializer().from_dict(dct)


def _held(wf: Any) -> list[Any]:
    """What a load makes beyond the dump's text: each task's class, its data's containers shared with its
    parent's (at the top and one level down), the waiting catch events, the subprocesses' order."""
    out: list[Any] = [list(wf.event_manager.tasks), [str(k) for k in wf.subprocesses], wf.data,
                      wf.last_task.id if wf.last_task is not None else None]
    for sub in [wf, *wf.subprocesses.values()]:
        out.append([str(k) for k in sub.tasks])
        for task in sub.tasks.values():
            parent = task.parent.data if task.parent is not None else {}
            inner = [v for value in parent.values() for v in (
                value.values() if isinstance(value, dict) else value if isinstance(value, list) else ())]
            out.append((type(task).__name__, task.task_spec.name,  # internal data: in the dump
                        [(k, type(v).__name__) for k, v in task.internal_data.items()],
                        [(k, v is parent.get(k), any(v is w for w in inner)) for k, v in task.data.items()]))
    return out


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_the_load_builds_what_spiffworkflows_converters_build_and_makes_each_id_once(
        name: str, database_factory: Any, db_backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """kefu's task converter's ``from_dict`` (the ids from ``_uuid``, the parent looked up once, the
    parent's data copied in C and its containers again) loads, at every step of a lifecycle and for every
    case, the workflow SpiffWorkflow's own converters load: the same text dumped again, the same data
    with the same sharing between a task and its parent, the same waiting events and subprocesses; a
    workflow loaded again makes no task id anew (``UUID.__init__``: about 320 calls a complaint's load
    before) and does not run ``DeepMerge.merge``."""
    from SpiffWorkflow.util.deep_merge import DeepMerge

    desk = _desk(database_factory.fresh(db_backend), 0)
    try:
        for _ in LIFECYCLES[name](desk):
            with desk.runtime.store.read() as tx:
                numbers = tx.conn.execute(text("SELECT number FROM cases ORDER BY number")).scalars().all()
            for number in numbers:
                ours, definition, written = _workflow(desk, number)
                theirs = _spiff_load(written, definition)
                assert dump_workflow(ours) == _spiff_dump(theirs) == _spiff_dump(ours) == written
                assert _held(ours) == _held(theirs)
                assert _shape(ours) == _shape(theirs)
        made: list[int] = []
        real = uuid.UUID.__init__

        def counting(self: uuid.UUID, *args: Any, **kwargs: Any) -> None:
            made.append(1)
            real(self, *args, **kwargs)

        monkeypatch.setattr(uuid.UUID, "__init__", counting)
        _spiff_load(written, definition)
        theirs_made, made[:] = len(made), []
        monkeypatch.setattr(DeepMerge, "merge", None)  # called, it fails
        again = load_workflow(written, VERSION, definition.spec, definition.subprocess_specs)
        assert dump_workflow(again) == written
        tasks = sum(len(sub.tasks) for sub in [again, *again.subprocesses.values()])
        assert theirs_made >= 2 * tasks  # each task's id and its children's made from their text
        assert len(made) <= 30, (len(made), theirs_made)  # the last tasks, the UUIDs in the data
    finally:
        desk.runtime.store.dispose()
