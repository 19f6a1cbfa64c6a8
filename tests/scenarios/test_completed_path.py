"""The case page's done path (``Runtime.completed_elements``) is read from the stored JSON without
rebuilding the workflow (issue 18: a third of the case page's time): at every step of a complaint (with
its called stages) and of a repair it names the same elements as the rebuilt workflow does."""

from __future__ import annotations

from datetime import timedelta

from SpiffWorkflow import TaskState

from tests.scenarios.conftest import Desk
from webui.demo import advance

VIEWER = "zheng.xiaoyan"  # the group CS manager reads every case


def _rebuilt(desk: Desk, number: str) -> list[str]:
    """What the path was before: the completed tasks of the rebuilt workflow, by completion time."""
    rt = desk.runtime
    with rt.store.read() as tx:
        case = tx.lock_case(number=number, lock=False)
        assert case is not None
        workflow = rt._begin(tx, case).wf
    done = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if getattr(t.task_spec, "bpmn_id", None)]
    done.sort(key=lambda t: t.last_state_change)
    return list(dict.fromkeys(str(t.task_spec.bpmn_id) for t in done))


def _walk(desk: Desk, number: str) -> int:
    steps = 0
    while True:
        path = desk.runtime.completed_elements(number, VIEWER)
        assert path, number
        assert set(path) == set(_rebuilt(desk, number)), (number, steps)
        assert len(path) == len(set(path))
        desk.clock.advance(timedelta(minutes=5))
        if "carry_out_repair" in desk.open_tasks(number):
            desk.photograph(number, "before", "during", "after")  # R3.3: the repair's photos first
        if not advance(desk.runtime, number, 1, VIEWER):
            return steps
        steps += 1


def test_a_complaints_path_through_its_stages_is_the_rebuilt_workflows(desk: Desk) -> None:
    number = desk.open().number
    steps = _walk(desk, number)
    case = desk.case(number)
    assert steps >= 10 and case.closed_at is not None, (steps, case.status)
    path = desk.runtime.completed_elements(number, VIEWER)
    # the called stages' steps are on it, in the order they completed
    assert path.index("raise_order") < path.index("sign_order") < path.index("gm_approve")


def test_a_repairs_path_is_the_rebuilt_workflows(desk: Desk) -> None:
    data = {"customer_name": "周女士", "customer_phone": "13912345678", "room": "5栋2单元803",
            "location": "in_home", "location_detail": "主卫", "description": "卫生间水龙头漏水",
            "channel": "phone"}
    number = desk.runtime.open_case("repair", data, "zhang.wei").number
    assert _walk(desk, number) >= 2
