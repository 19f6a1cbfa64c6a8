"""A database from before the split: complaints opened on the single-diagram complaint keep running.

Issue 14 split the complaint into call activities (processes/complaint.bpmn calls complaint_claim and
complaint_handling, which calls complaint_dispatch, complaint_plan, complaint_reply, complaint_work,
complaint_closure and complaint_review). A database created before holds open complaints pinned to the
single diagram (tests/data/complaint_single). After ``kefu init`` registers the split complaint, those
cases go on under their own version to the end, new cases open on the split one, and a migration refuses
the old ones with the reason instead of moving them half-way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.clock import FixedClock
from engine.errors import NotFoundError
from engine.org import load_org
from engine.policy import load_policy_set
from engine.processes import ProcessRegistry
from engine.runtime import Runtime
from engine.store import Store
from tests.conftest import ROOT, shanghai
from tests.scenarios.conftest import DEMO_ORG, Desk
from tests.scenarios.test_migration import APPLY, FINISHED, OWNER, PATHS, REACHED, WORK

SINGLE = ROOT / "tests" / "data" / "complaint_single"
# What issue 19 changed after the split (the single diagram keeps what it had): the temporary adviser's
# answer moved to the lane lanes.temporary_adviser (R2.17); the first receiver's return visit of a
# complaint is due (R2.15); the visit and the check name the final cause (R2.2), the GM's choice of
# adviser is explained.
CHANGED_SINCE = {"temporary_expert_answer": ("temporary_adviser",
                                             'deadline("complaint.deadlines.expert_answer", now())'),
                 "contact_customer": ("first_receiver", "return_visit_due"),
                 "record_return_visit": ("first_receiver", "return_visit_due"),
                 # R6.3 the supervisor's countersign has a lane of its own, which escalates past the
                 # recorder (the diagram's not_completed_by); the single diagram's was cs_supervisor
                 "countersign_phone_record": ("phone_record_countersigner", None)}
FORMS_CHANGED = {"visit_customer", "check_closure", "assign_temporary_adviser"}
ADDED_SINCE = {"confirm_cooperation"}  # issue 19 R2.4: each cooperating department confirms its part
CHECKED_NO_VISIT = ("check_closure", {"check_result": "accept", "return_visit_needed": False})
TO_THE_END = [*WORK, FINISHED, APPLY,
              ("check_closure", {"check_result": "accept", "return_visit_needed": True}),
              REACHED, ("record_return_visit", {"visit_method": "on_site", "satisfaction": "satisfied",
                                                "return_visit_record": "满意", "customer_agrees": True}),
              ("deputy_gm_review", {"deputy_decision": "approve"}),
              ("gm_approve", {"gm_decision": "approve", "final_outcome": "resolved"})]


def runtime_on(store: Store, clock: FixedClock, processes: Path) -> Runtime:
    return Runtime(store, load_policy_set(ROOT / "policies"), ProcessRegistry.load(processes), clock,
                   calendars_dir=ROOT / "policies" / "calendars")


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[tuple[Desk, Desk]]:
    """(the desk before the upgrade, on the single diagram; the desk after ``kefu init`` of the split one),
    both on one database."""
    clock = FixedClock(shanghai("2026-11-23 10:00"))
    store = Store(f"sqlite:///{tmp_path / 'kefu.db'}")
    store.migrate()
    org = load_org(DEMO_ORG)
    before = runtime_on(store, clock, SINGLE)
    before.register_processes()
    before.import_org(org)
    yield Desk(before, clock, org), Desk(runtime_on(store, clock, ROOT / "processes"), clock, org)
    store.dispose()


def walk(desk: Desk, number: str, steps: list[tuple[str, dict]]) -> None:
    for name, form in steps:
        if name == "visit_customer":
            desk.visit_photo(number)  # the split complaint requires it (R2.7); the single one ignores it
        desk.complete(number, name, **form)


def test_the_single_diagram_has_every_step_the_split_complaint_has() -> None:
    single = ProcessRegistry.load(SINGLE).get("complaint")
    split = ProcessRegistry.load(ROOT / "processes").get("complaint")
    assert set(split.user_tasks) - ADDED_SINCE == set(single.user_tasks) == set(PATHS) - ADDED_SINCE
    assert set(split.subprocess_specs) == {"complaint_claim", "complaint_handling", "complaint_dispatch",
                                           "complaint_plan", "complaint_reply", "complaint_work",
                                           "complaint_closure",
                                           "complaint_review", "return_visit"}
    assert single.subprocess_specs.keys() == {"return_visit"}
    for name, task in split.user_tasks.items():  # the same titles, lanes, due times and forms
        if name in ADDED_SINCE:
            continue
        old = single.user_tasks[name]
        lane, due = CHANGED_SINCE.get(name, (old.lane, old.due_expr))
        assert (task.title, task.lane, task.due_expr, task.assignee_expr, task.notify_expr) == (
            old.title, lane, due, old.assignee_expr, old.notify_expr), name
        if name in FORMS_CHANGED:  # fields were added or explained, none taken away
            fields = {f.name: f for f in split.forms[name].fields}
            assert all(f.name in fields and f.type == fields[f.name].type
                       for f in single.forms[name].fields), name
        else:
            assert split.forms[name].fields == single.forms[name].fields, name
    assert split.start_form.fields == single.start_form.fields


def test_open_cases_keep_their_single_diagram_after_the_split_is_registered(desks: tuple[Desk, Desk]) -> None:
    before, after = desks
    at_work = before.open().number
    walk(before, at_work, WORK)
    at_silence = before.open().number
    walk(before, at_silence, [*WORK, FINISHED, APPLY, CHECKED_NO_VISIT])
    just_opened = before.open().number
    (v1,) = [v.record for v in before.runtime.process_versions("complaint")]

    registered = {r.process_id: r.status for r in after.runtime.register_processes()}  # kefu init
    assert registered["complaint"] == "registered" and registered["complaint_dispatch"] == "registered"
    versions = {v.record.label: v for v in after.runtime.process_versions("complaint")}
    assert versions["v1"].open_cases == 3 and versions["v2"].record.current
    new = after.open().number  # a new case opens on the split complaint
    assert after.case(new).process_version == versions["v2"].record.version
    assert "raise_order" in after.open_tasks(new)

    for number in (at_work, at_silence, just_opened):  # the old ones stay where they are
        assert after.case(number).process_version == v1.version
    walk(after, at_work, TO_THE_END[len(WORK):])
    walk(after, just_opened, TO_THE_END)
    walk(after, new, TO_THE_END)
    for number in (at_work, just_opened, new):
        case = after.case(number)
        assert (case.status, list(case.tasks)) == ("closed", []), number
    after.wait(days=8)  # R2.12: a week without a repeat complaint closes the one that needed no visit
    assert after.case(at_silence).status == "closed"
    assert after.case(at_silence).process_version == v1.version
    assert after.runtime.verify_audit_chain() == []


def test_a_migration_to_the_split_complaint_refuses_a_case_half_way_with_the_reason(
        desks: tuple[Desk, Desk]) -> None:
    before, after = desks
    number = before.open().number
    walk(before, number, WORK)
    after.runtime.register_processes()
    (move,) = after.runtime.migrate_cases("complaint", "v2", OWNER, dry_run=False)
    assert not move.movable and not move.moved and move.reasons
    # the steps it has passed live in the called diagrams now, not in the complaint's own
    title = "录入督办令 raise the supervision order"
    assert f"a completed step {title!r} (raise_order) is not in v2" in move.reasons
    versions = {v.record.version: v.record.label for v in after.runtime.process_versions("complaint")}
    assert versions[after.case(number).process_version] == "v1"
    after.complete(number, "carry_out_work", progress="已完工", work_result="finished")  # and it goes on
    assert "apply_closure" in after.open_tasks(number)


def test_a_stage_of_the_complaint_does_not_open_on_its_own(desk: Desk) -> None:
    split = ProcessRegistry.load(ROOT / "processes")
    parent = split.stages()

    def under_complaint(process: str) -> bool:
        while process in parent:
            process = parent[process]
        return process == "complaint"

    stages = sorted(stage for stage in parent if under_complaint(stage))
    assert stages == ["complaint_claim", "complaint_closure", "complaint_dispatch", "complaint_handling",
                      "complaint_plan", "complaint_reply", "complaint_review", "complaint_work"]
    for stage in stages:
        with pytest.raises(NotFoundError, match="is a stage of another process") as refused:
            desk.runtime.open_case(stage, {}, "zhang.wei")
        assert "不能单独受理" in refused.value.zh
    assert desk.open().number  # the complaint itself opens, and the return visit still opens on its own
    assert not split.get("return_visit").called_only
