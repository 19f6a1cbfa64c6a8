"""Service tasks run registered actions inside the step's transaction (engine/actions, Runtime).

The ``chores`` test process (data/chores.bpmn) routes one user task to the service task its choice
names. Every test runs on SQLite and on PostgreSQL (the shared ``store`` fixture).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from engine.actions import ActionContext, ActionRegistry, Param, build_actions
from engine.clock import FixedClock
from engine.errors import ActionError, FormError
from engine.org import load_org
from engine.policy import load_policy_set
from engine.processes import ProcessRegistry, build_script_engine
from engine.runtime import CaseView, Runtime
from engine.store import Store
from engine.store.faq_repo import FaqRepo
from engine.store.worker_repo import WorkerRepo
from tests.conftest import ROOT

DATA = Path(__file__).resolve().parent / "data"
CALLS: list[dict[str, Any]] = []


def record(ctx: ActionContext, amount: int, note: str | None = None) -> dict[str, Any]:
    """The test action: audits the call, fails on request (a plain error or a form error)."""
    if note == "boom":
        raise RuntimeError("the printer is on fire")
    if note == "bad":
        raise FormError("the note is bad", {"note": "not like this"})
    CALLS.append({"amount": amount, "note": note, "actor": ctx.actor, "case": ctx.case["number"],
                  "completed": ctx.completed_task})
    ctx.audit("test.recorded", {"amount": amount})
    return {"doubled": amount, "case": ctx.case["number"]}


def actions() -> ActionRegistry:
    registry = build_actions()
    registry.action("test.record", "记录", params=[Param("amount", "int", "数量"),
                                                  Param("note", "str", "说明", required=False)])(record)
    return registry


@pytest.fixture
def rt(store: Store, clock: FixedClock) -> Runtime:
    CALLS.clear()
    policies = load_policy_set(ROOT / "policies")
    runtime = Runtime(store, policies, ProcessRegistry.load(DATA), clock, policies.calendars_dir,
                      actions=actions())
    runtime.import_org(load_org(ROOT / "engine" / "demo" / "org.yaml"))
    return runtime


def chore(rt: Runtime, chore: str, actor: str = "zhang.wei", **form: Any) -> CaseView:
    case = rt.open_case("chores", {"customer_name": "周先生", "room": "3栋1202"}, actor)
    return rt.complete_task(case.tasks[0].task_id, actor, {"chore": chore, **form})


def test_a_service_task_runs_its_action_with_the_evaluated_parameters_and_keeps_its_result(
        rt: Runtime) -> None:
    case = chore(rt, "record", amount=21, note="ok")
    assert CALLS == [{"amount": 42, "note": "ok", "actor": "zhang.wei", "case": case.number,
                      "completed": CALLS[0]["completed"]}]
    assert CALLS[0]["completed"] is not None  # the user task whose completion led to the action
    assert [t.task_name for t in case.tasks] == ["check"]
    assert rt.case_data(case.number, "zhang.wei")["recorded"] == {"doubled": 42, "case": case.number}
    actions = [e.action for e in rt.get_case(case.number, "zhang.wei").timeline]
    assert actions.index("task.completed") < actions.index("test.recorded")  # audited in the case's chain
    assert rt.verify_audit_chain() == []


@pytest.mark.parametrize(
    ("note", "error", "fragment"),
    [("boom", ActionError, "action 'test.record' (service task record) failed: the printer is on fire"),
     ("bad", FormError, "the note is bad")],
)
def test_a_failing_action_rolls_the_transition_back(rt: Runtime, note: str, error: type[Exception],
                                                    fragment: str) -> None:
    case = rt.open_case("chores", {"customer_name": "周先生"}, "zhang.wei")
    task_id = case.tasks[0].task_id
    before = rt.get_case(case.number, "zhang.wei")
    with pytest.raises(error) as caught:
        rt.complete_task(task_id, "zhang.wei", {"chore": "record", "note": note})
    assert fragment in str(caught.value)
    after = rt.get_case(case.number, "zhang.wei")
    assert [t.task_id for t in after.tasks] == [task_id]  # still open
    assert len(after.timeline) == len(before.timeline)  # no task.completed, no action event
    assert "chore" not in rt.case_data(case.number, "zhang.wei")
    assert rt.verify_audit_chain() == []
    done = rt.complete_task(task_id, "zhang.wei", {"chore": "record", "note": "ok"})  # the input is retried
    assert [t.task_name for t in done.tasks] == ["check"]


def test_an_ill_typed_parameter_at_run_time_is_an_action_error_and_rolls_back(rt: Runtime) -> None:
    case = rt.open_case("chores", {"customer_name": "周先生"}, "zhang.wei")
    with pytest.raises(ActionError, match="parameter 'amount' must be int, got str 'note'") as caught:
        rt.complete_task(case.tasks[0].task_id, "zhang.wei", {"chore": "wrong", "note": "note"})
    assert caught.value.code == "action.E002"
    assert [t.task_name for t in rt.get_case(case.number, "zhang.wei").tasks] == ["fill"]


def test_an_action_outside_a_case_step_refuses_to_run() -> None:
    engine = build_script_engine(load_policy_set(ROOT / "policies").effective(None),
                                 FixedClock(datetime(2026, 11, 23, 2, tzinfo=UTC)), actions=actions())

    class Task:
        class task_spec:  # noqa: N801 - stands in for SpiffWorkflow's task spec
            name = "record"

        data: dict[str, Any] = {}

    with pytest.raises(ActionError, match="can run only inside a case step") as caught:
        engine.call_service(Task(), operation_name="test.record", operation_params={"amount": {"value": 1}})
    assert caught.value.code == "action.E003"


def test_notify_roles_tells_the_nearest_holders_in_the_steps_transaction(rt: Runtime, store: Store) -> None:
    case = chore(rt, "notify", note="地库水浸")
    data = rt.case_data(case.number, "zhang.wei")
    assert data["notified"] == {"people": ["chen.guodong", "lin.lihua"]}  # 深圳物业: chairman, CS-centre GM
    with store.read() as tx:
        notes = WorkerRepo(tx).notifications("chen.guodong")
        queued = WorkerRepo(tx).messages()
    assert [(n.title, n.body, n.case_number) for n in notes] == [
        (f"【测试杂务 Chores】{case.number}：启动应急预案", "陈国栋您好：3栋1202 地库水浸", case.number)]
    assert {m.recipient for m in queued} == {"chen.guodong", "lin.lihua"}  # e-mail and SMS too
    assert "notice.sent" in [e.action for e in rt.get_case(case.number, "zhang.wei").timeline]


def test_penalty_book_books_one_line_with_the_policy_amount(rt: Runtime, store: Store) -> None:
    case = chore(rt, "fine", note="方案未按时录入")
    with store.read() as tx:
        lines = WorkerRepo(tx).penalties("2026-11")
    assert [(p.staff, p.kind, p.amount, p.case_number, p.detail["text"]) for p in lines] == [
        ("zhang.wei", "plan_not_entered", 500, case.number, "方案未按时录入")]  # sz-property's fine
    assert rt.case_data(case.number, "zhang.wei")["booked"] == {"booked": True, "month": "2026-11"}


def test_faq_add_entry_adds_the_cases_answer_once(rt: Runtime, store: Store) -> None:
    case = chore(rt, "faq", note="每月10日前在物业服务中心或APP缴纳。")
    entry_id = rt.case_data(case.number, "zhang.wei")["faq_entry"]["entry_id"]
    with store.read() as tx:
        entry = FaqRepo(tx).entry(entry_id)
    assert entry is not None
    assert (entry.line, entry.question, entry.source_case) == ("property", "物业费什么时候交？", case.number)


def test_complaint_open_linked_opens_the_complaint_in_the_same_step(rt: Runtime, store: Store,
                                                                   clock: FixedClock) -> None:
    complaints = ProcessRegistry.load(ROOT / "processes")
    rt.registry = ProcessRegistry({**{d.process_id: d for d in complaints.definitions()},
                                   "chores": rt.registry.get("chores")})
    case = chore(rt, "complaint", note="门口积水无人处理")
    linked = rt.case_data(case.number, "zhang.wei")["complaint"]["number"]
    assert linked.startswith("TS-SZP-2026-")
    complaint = rt.get_case(linked, "zhang.wei")
    assert complaint.first_receiver == "zhang.wei" and complaint.room == "3栋1202"
    assert [e.data for e in complaint.timeline if e.action == "case.linked"] == [
        {"from": case.number, "process": "chores"}]
    # A refused complaint form refuses the whole step: no case, no half-written link.
    other = rt.open_case("chores", {"customer_name": "周先生"}, "zhang.wei")  # no room: a complaint needs one
    with pytest.raises(FormError, match="room"):
        rt.complete_task(other.tasks[0].task_id, "zhang.wei", {"chore": "complaint", "note": "x"})
    with store.read() as tx:
        assert tx.count_rows("cases") == 3  # two chores and one complaint


def test_a_linked_complaint_rolls_back_with_a_later_failing_action_and_is_stored_again_later(
        store: Store, clock: FixedClock) -> None:
    """The complaint's version is first stored by the action's open (in the step's transaction); the
    step fails after it, so nothing of it may be remembered as stored: opening a complaint afterwards
    registers the version again (a stale "already stored" would find no current version)."""
    CALLS.clear()
    policies = load_policy_set(ROOT / "policies")
    shipped = ProcessRegistry.load(ROOT / "processes")
    both = ProcessRegistry({**{d.process_id: d for d in shipped.definitions()},
                            "chores": ProcessRegistry.load(DATA).get("chores")})
    rt = Runtime(store, policies, both, clock, policies.calendars_dir, actions=actions())
    rt.import_org(load_org(ROOT / "engine" / "demo" / "org.yaml"))
    case = rt.open_case("chores", {"customer_name": "周先生", "room": "3栋1202"}, "zhang.wei")
    task_id = case.tasks[0].task_id
    with pytest.raises(ActionError, match="the printer is on fire"):
        rt.complete_task(task_id, "zhang.wei", {"chore": "complaint_then_record", "note": "boom"})
    with store.read() as tx:
        assert tx.count_rows("cases") == 1  # the linked complaint went with the step
        assert tx.count_rows("process_versions") == 1  # chores only: the complaint's version too
    assert CALLS == [] and [t.task_id for t in rt.get_case(case.number, "zhang.wei").tasks] == [task_id]

    direct = rt.open_case("complaint", {"customer_name": "吴女士", "customer_phone": "13912345678",
                                        "room": "3栋1202", "event_time": "2026-11-22T20:00:00+08:00",
                                        "description": "电梯异响", "customer_request": "检修",
                                        "channel": "phone", "category": "facilities", "urgency": "normal",
                                        "scope": "household", "severity": "general",
                                        "read_back_confirmed": True}, "zhang.wei")
    done = rt.complete_task(task_id, "zhang.wei", {"chore": "complaint_then_record", "note": "ok"})
    linked = rt.case_data(done.number, "zhang.wei")["complaint"]["number"]
    assert [t.task_name for t in done.tasks] == ["check"] and linked != direct.number
    other = Runtime(store, policies, both, clock, policies.calendars_dir, actions=actions())
    # A runtime with no caches loads both complaints' pinned version and policy from the database.
    assert other.case_data(linked, "zhang.wei")["customer_name"] == "周先生"
    assert other.case_data(direct.number, "zhang.wei")["customer_name"] == "吴女士"
    assert rt.verify_audit_chain() == []
