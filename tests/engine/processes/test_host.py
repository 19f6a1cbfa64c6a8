"""Host functions, the script engine, and timers that follow an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.spiff.specs.defaults import UserTask

from engine.clock import FixedClock
from engine.policy import load_policy_set
from engine.processes import (
    HOST_FUNCTION_NAMES,
    HostFunctionError,
    ProcessRegistry,
    build_script_engine,
    evaluate_expression,
    host_functions,
    timer_clock,
)
from tests.conftest import ROOT, shanghai
from tests.engine.processes.conftest import FakePolicy

START = {
    "customer_name": "张三",
    "customer_phone": "13800138000",
    "category": "facilities",
    "urgency": "high",
}


def test_host_functions_are_exactly_the_documented_names(policy: FakePolicy, clock: FixedClock) -> None:
    assert set(host_functions(policy, clock)) == HOST_FUNCTION_NAMES


def test_deadline_counts_from_now_by_default_and_answers_in_the_policy_zone(
    policy: FakePolicy, clock: FixedClock
) -> None:
    deadline = host_functions(policy, clock)["deadline"]

    assert deadline("complaint.deadlines.visit") == "2026-11-23T11:00:00+08:00"
    assert deadline("complaint.deadlines.visit", "2026-11-23T01:00:00+00:00") == "2026-11-23T10:00:00+08:00"
    assert deadline("complaint.deadlines.visit", "2026-11-23T09:00:00+08:00") == "2026-11-23T10:00:00+08:00"
    assert deadline("complaint.deadlines.reply", "2026-11-23 09:00") == "2026-11-24T09:00:00+08:00"


def test_unknown_policy_key_in_a_diagram_names_the_call(policy: FakePolicy, clock: FixedClock) -> None:
    with pytest.raises(HostFunctionError) as caught:
        host_functions(policy, clock)["deadline"]("complaint.deadlines.vist")

    assert "deadline('complaint.deadlines.vist', None) failed: no policy key" in caught.value.message


def test_bad_start_time_names_the_call(policy: FakePolicy, clock: FixedClock) -> None:
    with pytest.raises(HostFunctionError, match="'yesterday' is not an ISO 8601 time"):
        host_functions(policy, clock)["deadline"]("complaint.deadlines.visit", "yesterday")


def test_policy_returns_a_copy_the_diagram_cannot_change(policy: FakePolicy, clock: FixedClock) -> None:
    value = host_functions(policy, clock)["policy"]("complaint.categories")
    value[0]["code"] = "changed"

    assert policy.get("complaint.categories")[0]["code"] == "facilities"


def test_departments_come_from_the_policy(policy: FakePolicy, clock: FixedClock) -> None:
    functions = host_functions(policy, clock)

    assert functions["responsible_department_for"]("facilities") == "engineering"
    assert functions["cooperating_departments_for"]("facilities") == ["property"]
    with pytest.raises(HostFunctionError, match="responsible_department_for\\('nope'\\) failed"):
        functions["responsible_department_for"]("nope")


def test_now_is_the_clock_in_the_policy_zone(policy: FakePolicy, clock: FixedClock) -> None:
    assert host_functions(policy, clock)["now"]() == "2026-11-23T10:00:00+08:00"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2026-11-23T10:00:00+08:00", "2026-11-23T11:00:00+08:00", "2026-11-23T10:00:00+08:00"),
        ("2026-11-23T11:00:00+08:00", "2026-11-23T02:30:00+00:00", "2026-11-23T02:30:00+00:00"),
        (None, "2026-11-23T11:00:00+08:00", "2026-11-23T11:00:00+08:00"),
        ("2026-11-23T11:00:00+08:00", "", "2026-11-23T11:00:00+08:00"),
        (None, None, None),
    ],
)
def test_earliest_picks_the_earlier_time_and_ignores_a_missing_one(
    policy: FakePolicy, clock: FixedClock, a: str | None, b: str | None, expected: str | None
) -> None:
    assert host_functions(policy, clock)["earliest"](a, b) == expected


def test_script_engine_has_only_safe_builtins_at_run_time(policy: FakePolicy, clock: FixedClock) -> None:
    environment = build_script_engine(policy, clock).environment

    assert environment.evaluate("len([1, 2])", {}) == 2
    with pytest.raises(NameError):
        environment.evaluate("open", {})


def test_extra_globals_are_visible_to_scripts(policy: FakePolicy, clock: FixedClock) -> None:
    environment = build_script_engine(policy, clock, extra={"case_number": lambda: "TS-1"}).environment

    assert environment.evaluate("case_number()", {}) == "TS-1"


def start_triage(valid_dir: Path, policy: FakePolicy, clock: FixedClock) -> BpmnWorkflow:
    """Run the valid triage diagram to its first user task."""
    definition = ProcessRegistry.load(valid_dir).get("triage")
    workflow = BpmnWorkflow(
        definition.spec, definition.subprocess_specs, script_engine=build_script_engine(policy, clock)
    )
    workflow.task_tree.set_data(**definition.start_form.clean(START, policy))
    workflow.do_engine_steps()
    return workflow


def test_valid_diagram_runs_scripts_and_evaluates_the_due_expression(
    valid_dir: Path, policy: FakePolicy, clock: FixedClock
) -> None:
    definition = ProcessRegistry.load(valid_dir).get("triage")
    with timer_clock(clock):
        workflow = start_triage(valid_dir, policy, clock)
        [review] = workflow.get_tasks(state=TaskState.READY, spec_class=UserTask)

    assert review.data["received_at"] == "2026-11-23T10:00:00+08:00"
    assert review.data["responsible_department"] == "engineering"
    assert review.data["priority"] == 1
    due = evaluate_expression(workflow.script_engine, review, definition.user_tasks["review"].due_expr)
    assert due == "2026-11-23T11:00:00+08:00"
    assert [e.value for e in workflow.waiting_events()] == ["2026-11-23T11:00:00+08:00"]


def test_completed_form_takes_the_gateway_path(
    valid_dir: Path, policy: FakePolicy, clock: FixedClock
) -> None:
    with timer_clock(clock):
        workflow = start_triage(valid_dir, policy, clock)
        [review] = workflow.get_tasks(state=TaskState.READY, spec_class=UserTask)
        review.set_data(accepted=False)
        review.run()
        workflow.do_engine_steps()

    assert workflow.is_completed()
    assert workflow.data["outcome"] == "rejected"
    assert workflow.data["reviewed_at"] == "2026-11-23T10:00:00+08:00"


def test_timer_fires_exactly_when_the_injected_clock_passes_its_due_time(
    valid_dir: Path, policy: FakePolicy, clock: FixedClock
) -> None:
    with timer_clock(clock):
        workflow = start_triage(valid_dir, policy, clock)
        clock.set(shanghai("2026-11-23 11:00"))
        workflow.refresh_timers()
        workflow.do_engine_steps()
        assert not workflow.is_completed()

        clock.advance(microseconds=1)
        workflow.refresh_timers()
        workflow.do_engine_steps()

    assert workflow.is_completed()
    assert workflow.data["outcome"] == "late"


def test_duration_timer_counts_from_the_injected_clock(
    valid_dir: Path, policy: FakePolicy, clock: FixedClock
) -> None:
    definition = ProcessRegistry.load(valid_dir).get("cooling_off")
    workflow = BpmnWorkflow(definition.spec, script_engine=build_script_engine(policy, clock))

    with timer_clock(clock):
        workflow.do_engine_steps()
        [event] = workflow.waiting_events()
        clock.advance(minutes=30, microseconds=1)
        workflow.refresh_timers()
        workflow.do_engine_steps()

    assert event.value == "2026-11-23T02:30:00+00:00"
    assert workflow.is_completed()
    assert workflow.data["waited_until"] == "2026-11-23T10:30:00.000001+08:00"


def test_timer_clock_installs_once_and_restores_the_real_time_outside(clock: FixedClock) -> None:
    with timer_clock(clock):
        with timer_clock(FixedClock(shanghai("2030-01-01 00:00"))):
            assert spiff_timer.datetime.now(UTC) == datetime(2029, 12, 31, 16, 0, tzinfo=UTC)
        assert spiff_timer.datetime.now(UTC) == clock.now()
        installed = spiff_timer.datetime

    with timer_clock(clock):
        assert spiff_timer.datetime is installed
    assert abs(spiff_timer.datetime.now(UTC) - datetime.now(UTC)) < timedelta(seconds=5)


def test_deadline_caps_from_the_origin_the_diagram_passes(clock: FixedClock) -> None:
    group = load_policy_set(ROOT / "policies").effective()
    deadline = host_functions(group, clock)["deadline"]
    # R2.5: the GM's hour from 10:00 is capped by the dispatch deadline of the 09-30 17:50 call …
    received, raised = "2026-09-30T17:50:00+08:00", "2026-10-08T10:00:00+08:00"
    assert deadline("complaint.deadlines.order_sign", raised, received) == "2026-10-08T09:30:00+08:00"
    # … and without an origin the cap counts from the start itself
    assert deadline("complaint.deadlines.order_sign", raised) == "2026-10-08T10:30:00+08:00"
