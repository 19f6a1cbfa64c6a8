"""Moving open complaints to a new version of the diagram (engine/runtime/migration.py).

A complaint is walked to each of its user tasks (those of the return visit it calls too); a
process owner deploys a new version; a dry run says every one can move and changes nothing; the
move pins each to the new version, keeps its open task and its claim, audits both versions, and the
case goes on under the new diagram. A version without a step a case has reached, or with a form
field of a filled form changed in type, leaves those cases where they are, with the reason. A move
that fails part-way is rolled back whole and reported, and the next case still moves.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from engine.errors import KefuError, PermissionDenied
from engine.store.process_repo import ProcessRepo
from tests.conftest import shanghai
from tests.scenarios.conftest import Desk

OWNER = "qian.lu"  # 流程负责人 of the group (engine/demo/org.yaml)
B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"

RAISE = ("raise_order", {"order_summary": "请物业部处理楼上漏水",
                         "required_completion": "2026-11-27T17:00:00+08:00"})
SIGN = ("sign_order", {"order_decision": "sign"})
AGREE = ("visit_customer", {"contact_result": "agreed", "visit_record": "已上门", "plan": "修复防水层",
                            "agreed_completion": "2026-11-26T17:00:00+08:00",
                            "customer_confirmed_plan": True})
EXPERT = ("visit_customer", {**AGREE[1], "needs_expert": True})
UNREACHABLE = ("visit_customer", {"contact_result": "unreachable", "visit_record": "电话三次未接"})
PHONE = ("reply_customer", {"reply_method": "phone", "reply_content": "周四前完成",
                            "done_within_reply_window": True})
WRITTEN = ("reply_customer", {"reply_method": "written", "reply_content": "书面答复稿",
                              "done_within_reply_window": True})
LATE = ("reply_customer", {"reply_method": "phone", "reply_content": "需订购材料",
                           "done_within_reply_window": False})
FINISHED = ("carry_out_work", {"progress": "已完工", "work_result": "finished"})
APPLY = ("apply_closure", {"completion_record": "客户签字", "customer_signed": True})
CHECKED = ("check_closure", {"check_result": "accept", "return_visit_needed": True})
REACHED = ("contact_customer", {"reached": True, "attempt_note": "接通"})
SUP_REACHED = ("supervisor_contact_customer", {"reached": True, "attempt_note": "接通"})
ON_SITE = {"visit_method": "on_site", "satisfaction": "satisfied", "return_visit_record": "满意",
           "customer_agrees": True}
BY_PHONE = {**ON_SITE, "visit_method": "phone", "return_visit_record": "电话回访详细记录"}
WORK = [RAISE, SIGN, AGREE, PHONE]
SMALL_CLAIM = ("file_claim_report", {"claim_amount": "800", "claim_report": "受损", "claim_major": False})

# How to reach each user task: intake overrides, then the steps (task, form).
PATHS: dict[str, tuple[dict[str, Any], list[Any]]] = {
    "raise_order": ({}, []),
    "sign_order": ({}, [RAISE]),
    "visit_customer": ({}, [RAISE, SIGN]),
    "confirm_cooperation": ({}, [RAISE, SIGN]),  # R2.4 engineering cooperates on 房屋设备管理
    "record_unreachable": ({}, [RAISE, SIGN, UNREACHABLE]),
    "cs_callback": ({}, [RAISE, SIGN, UNREACHABLE, ("record_unreachable", {"unreachable_materials": "x"})]),
    "expert_answer": ({}, [RAISE, SIGN, EXPERT]),
    "assign_temporary_adviser": ({}, [RAISE, SIGN, EXPERT, "wait"]),
    "temporary_expert_answer": ({}, [RAISE, SIGN, EXPERT, "wait",
                                     ("assign_temporary_adviser", {"temporary_adviser": "sun.lei"})]),
    "reply_customer": ({}, [RAISE, SIGN, AGREE]),
    "review_written_reply": ({}, [RAISE, SIGN, AGREE, WRITTEN]),
    "acknowledge_delay": ({}, [RAISE, SIGN, AGREE, LATE]),
    "carry_out_work": ({}, WORK),
    "approve_unresolvable": ({}, [*WORK, ("carry_out_work", {"progress": "无法处理",
                                                              "work_result": "unresolvable"})]),
    "apply_closure": ({}, [*WORK, FINISHED]),
    "check_closure": ({}, [*WORK, FINISHED, APPLY]),
    "contact_customer": ({}, [*WORK, FINISHED, APPLY, CHECKED]),
    "record_return_visit": ({}, [*WORK, FINISHED, APPLY, CHECKED, REACHED]),
    "countersign_phone_record": ({}, [*WORK, FINISHED, APPLY, CHECKED, REACHED,
                                      ("record_return_visit", BY_PHONE)]),
    "deputy_gm_review": ({}, [*WORK, FINISHED, APPLY, CHECKED, REACHED, ("record_return_visit", ON_SITE)]),
    "gm_approve": ({}, [*WORK, FINISHED, APPLY, CHECKED, REACHED, ("record_return_visit", ON_SITE),
                        ("deputy_gm_review", {"deputy_decision": "approve"})]),
    "supervisor_contact_customer": ({"severity": "major"}, [*WORK, FINISHED, APPLY, CHECKED]),
    "supervisor_record_return_visit": ({"severity": "major"},
                                       [*WORK, FINISHED, APPLY, CHECKED, SUP_REACHED]),
    "manager_countersign_phone_record": ({"severity": "major"},
                                         [*WORK, FINISHED, APPLY, CHECKED, SUP_REACHED,
                                          ("supervisor_record_return_visit", BY_PHONE)]),
    "start_emergency_plan": ({"urgency": "emergency"}, []),
    "chairman_takes_charge": ({"severity": "major"}, []),
    "file_meeting_minutes": ({"severity": "major"},
                             [("chairman_takes_charge", {"chairman_instructions": "尽快处理"})]),
    "file_claim_report": ({"claim_requested": True}, []),
    "approve_claim_chairman": ({"claim_requested": True},
                               [("file_claim_report", {"claim_amount": "3500", "claim_report": "受损",
                                                       "claim_major": True})]),
    "approve_claim_gm": ({"claim_requested": True}, [SMALL_CLAIM]),
    "report_claim_to_cs": ({"claim_requested": True},
                           [SMALL_CLAIM, ("approve_claim_gm", {"claim_decision": "approve"})]),
}
# The form that completes each task once the case has moved.
NEXT: dict[str, dict[str, Any]] = {
    **{task: form for _intake, steps in PATHS.values() for step in steps if step != "wait"
       for task, form in [step]},
    "approve_unresolvable": {"unresolvable_decision": "approve", "unresolvable_reason": "超出处理能力"},
    "countersign_phone_record": {"countersign_confirmed": True},
    "manager_countersign_phone_record": {"countersign_confirmed": True},
    "gm_approve": {"gm_decision": "approve", "final_outcome": "resolved"},
    "start_emergency_plan": {"actions_taken": "关闭总阀"},
    "chairman_takes_charge": {"chairman_instructions": "尽快处理"},
    "approve_claim_chairman": {"claim_decision": "approve"},
    "file_meeting_minutes": {"minutes_responsible": "物业部 杨帆", "minutes_plan": "更换主管道",
                             "minutes_completion": "2026-11-26T17:00:00+08:00"},
    "report_claim_to_cs": {"claim_cs_record": "已报备"},
    "expert_answer": {"expert_opinion": "按规范整改"},
    "temporary_expert_answer": {"expert_opinion": "按规范整改"},
    "review_written_reply": {"reply_approved": True},
    "acknowledge_delay": {"delay_note": "每日跟进"},
    "cs_callback": {"callback_result": "reached", "callback_record": "已约上门"},
    "confirm_cooperation": {"cooperation_part": "工程部检修防水层"},
}


def walk_to(desk: Desk, task: str) -> str:
    """Open a complaint and walk it to ``task``; its number."""
    intake, steps = PATHS[task]
    number = desk.open(**intake).number
    for step in steps:
        if step == "wait":
            desk.wait(hours=25)  # R2.17: the expert did not answer within 24 hours
            continue
        name, form = step
        actor = "guo.zhenhua" if name == "assign_temporary_adviser" else None
        if name == "visit_customer":
            desk.visit_photo(number)  # R2.7: an agreed plan needs a photo of the visit
        desk.complete(number, name, actor, **form)
    assert task in desk.open_tasks(number), f"{task}: open {sorted(desk.open_tasks(number))}"
    return number


def current_files(desk: Desk) -> dict[str, str]:
    return desk.runtime.current_files()


def edit(files: dict[str, str], change: Callable[[str, etree._Element], bool]) -> dict[str, str]:
    """The diagrams ``change`` edits (it returns True for each file it changed), with their forms."""
    out = {}
    for name, text in files.items():
        if not name.endswith(".bpmn"):
            continue
        root = etree.fromstring(text.encode("utf-8"))
        if change(name, root):
            out[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")
            forms = name[: -len(".bpmn")] + ".forms.yaml"
            if forms in files:
                out[forms] = files[forms]
    return out


def retitle(task: str, title: str) -> Callable[[str, etree._Element], bool]:
    def change(_name: str, root: etree._Element) -> bool:
        found = root.find(f".//{B}userTask[@id='{task}']")
        if found is None:
            return False
        found.set("name", title)
        return True

    return change


def remove_step(task: str) -> Callable[[str, etree._Element], bool]:
    """Take a one-way step out: its incoming flows go straight to where it led."""
    def change(_name: str, root: etree._Element) -> bool:
        node = root.find(f".//{B}userTask[@id='{task}']")
        if node is None:
            return False
        (out_flow,) = root.findall(f".//{B}sequenceFlow[@sourceRef='{task}']")
        target = out_flow.get("targetRef")
        for flow in root.findall(f".//{B}sequenceFlow[@targetRef='{task}']"):
            flow.set("targetRef", target)
        drawn = root.xpath(f"//*[@bpmnElement='{task}' or @bpmnElement='{out_flow.get('id')}']")
        refs = root.xpath(f"//bpmn:flowNodeRef[text()='{task}']", namespaces={"bpmn": B[1:-1]})
        for el in [node, out_flow, *drawn, *refs]:
            el.getparent().remove(el)
        return True

    return change


def drop_form(text: str, task: str) -> str:
    """A forms file without the entry of ``task`` (its key line and the lines indented under it)."""
    lines = text.splitlines(keepends=True)
    start = lines.index(f"  {task}:\n")
    end = start + 1
    while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
        end += 1
    return "".join(lines[:start] + lines[end:])


def deploy(desk: Desk, files: dict[str, str]) -> str:
    done = desk.runtime.deploy(files, OWNER)
    assert done, "nothing deployed"
    return next(d.version.label for d in done if d.process_id == "complaint")


def test_every_user_task_of_the_complaint_has_a_path_here(desk: Desk) -> None:
    complaint = desk.runtime.current_definition("complaint")
    assert set(PATHS) == set(complaint.user_tasks)  # the return visit's tasks too


def test_a_complaint_waiting_at_each_of_its_user_tasks_moves_to_a_new_version(desk: Desk) -> None:
    waits_first = sorted(PATHS, key=lambda task: "wait" not in PATHS[task][1])  # the clock moves on
    numbers = {task: walk_to(desk, task) for task in waits_first}
    claimed = desk.task(numbers["carry_out_work"], "carry_out_work")
    if claimed.assignee != "yang.fan":  # a sticky lane may have given it to the head already
        desk.runtime.claim_task(claimed.task_id, "yang.fan")
    files = current_files(desk)
    label = deploy(desk, {**edit(files, retitle("carry_out_work", "处理并每日录入进度（新版）"))})
    before = {n: desk.case(n) for n in numbers.values()}

    dry = {m.number: m for m in desk.runtime.migrate_cases("complaint", label, OWNER, dry_run=True)}
    assert {n for n, m in dry.items() if not m.movable} == set(), {n: m.reasons for n, m in dry.items()}
    assert set(dry) == set(numbers.values())
    work_title = desk.task(numbers["carry_out_work"], "carry_out_work").title
    assert dry[numbers["carry_out_work"]].notes == (
        f"step {work_title!r}: title {work_title!r} → '处理并每日录入进度（新版）'",)
    assert dry[numbers["raise_order"]].notes == ()  # nothing changes for a case far from the change
    for number, case in before.items():  # a dry run changes nothing
        after = desk.case(number)
        assert (after.process_version, len(after.timeline)) == (case.process_version, len(case.timeline))

    moved = {m.number: m for m in desk.runtime.migrate_cases("complaint", label, OWNER, dry_run=False)}
    assert all(m.moved and m.error is None for m in moved.values()), moved
    versions = {v.record.version: v.record.label for v in desk.runtime.process_versions("complaint")}
    problems = {}
    for task, number in numbers.items():
        case = desk.case(number)
        if versions[case.process_version] != label:
            problems[task] = f"still on {versions[case.process_version]}"
            continue
        if sorted(t.task_name for t in case.tasks) != sorted(t.task_name for t in before[number].tasks):
            problems[task] = f"open tasks changed: {[t.task_name for t in case.tasks]}"
            continue
        if {t.task_id: t.due_at for t in case.tasks} != {t.task_id: t.due_at for t in before[number].tasks}:
            problems[task] = f"due times changed: {[(t.task_name, t.due_at) for t in case.tasks]}"
            continue
        migrated = [e for e in case.timeline if e.action == "case.migrated"]
        assert [e.data["to_label"] for e in migrated] == [label] and migrated[0].actor == OWNER
        item = desk.task(number, task)
        if item.task_id not in {t.task_id for t in before[number].tasks}:
            problems[task] = "the open task got a new id"
            continue
        actor = "guo.zhenhua" if task == "assign_temporary_adviser" else None
        if task == "visit_customer":
            desk.visit_photo(number)
        try:
            desk.complete(number, task, actor, **NEXT[task])  # the case goes on under the new version
        except Exception as exc:  # noqa: BLE001 - collected per task below
            problems[task] = f"{type(exc).__name__}: {exc}"
            continue
        if item.task_id in {t.task_id for t in desk.case(number).tasks}:
            problems[task] = "still open after completing it"
    assert problems == {}
    assert "apply_closure" in desk.open_tasks(numbers["carry_out_work"])  # went on through the new diagram
    assert desk.runtime.verify_audit_chain() == []


def test_a_claim_survives_the_move_and_the_new_title_shows(desk: Desk) -> None:
    number = walk_to(desk, "carry_out_work")
    item = desk.task(number, "carry_out_work")
    if item.assignee != "yang.fan":  # a sticky lane may have given it to the head already
        desk.runtime.claim_task(item.task_id, "yang.fan")
    label = deploy(desk, edit(current_files(desk), retitle("carry_out_work", "处理并每日录入进度（新版）")))
    (move,) = desk.runtime.migrate_cases("complaint", label, OWNER, dry_run=False)
    assert move.moved and move.notes[0].endswith("→ '处理并每日录入进度（新版）'")
    moved = desk.task(number, "carry_out_work")
    assert (moved.task_id, moved.assignee) == (item.task_id, "yang.fan")
    assert moved.title == "处理并每日录入进度（新版）"
    assert moved.due_at == item.due_at


def test_cases_that_reached_a_removed_step_stay_with_the_reason(desk: Desk) -> None:
    waiting = walk_to(desk, "acknowledge_delay")
    passed = walk_to(desk, "acknowledge_delay")
    desk.complete(passed, "acknowledge_delay", delay_note="每日跟进")  # completed it: now at carry_out_work
    early = walk_to(desk, "raise_order")
    files = current_files(desk)
    changed = edit(files, remove_step("acknowledge_delay"))
    forms = next(n for n in changed if n.endswith(".forms.yaml"))
    changed[forms] = drop_form(changed[forms], "acknowledge_delay")
    label = deploy(desk, changed)

    moves = {m.number: m for m in desk.runtime.migrate_cases("complaint", label, OWNER, dry_run=False)}
    assert not moves[waiting].movable and not moves[waiting].moved
    title = "客服中心知悉延期 CS centre notes the delay"
    assert moves[waiting].reasons == (f"its current step {title!r} (acknowledge_delay) is not in {label}",)
    assert moves[waiting].reasons_zh == (f"当前步骤「{title}」（acknowledge_delay）在 {label} 中已删除",)
    assert not moves[passed].movable
    assert moves[passed].reasons == (f"a completed step {title!r} (acknowledge_delay) is not in {label}",)
    assert moves[passed].reasons_zh == (f"已办步骤「{title}」（acknowledge_delay）在 {label} 中已删除",)
    assert moves[early].moved
    versions = {v.record.version: v.record.label for v in desk.runtime.process_versions("complaint")}
    assert versions[desk.case(waiting).process_version] == "v1"  # untouched on its version
    desk.complete(waiting, "acknowledge_delay", delay_note="每日跟进")  # and it still works there
    assert "carry_out_work" in desk.open_tasks(waiting)


@pytest.mark.parametrize("failure", [KefuError("the inbox row cannot be written"), RuntimeError("boom")])
def test_a_case_whose_move_fails_stays_untouched_on_its_version_and_the_others_move(
        desk: Desk, monkeypatch: pytest.MonkeyPatch, failure: Exception) -> None:
    """Each case moves in its own transaction: one failing after its rows were rewritten (the last
    step of a move) is rolled back whole and reported; the next case still moves."""
    import engine.runtime.migration as migration

    failing, other = walk_to(desk, "carry_out_work"), walk_to(desk, "carry_out_work")
    before = desk.case(failing)
    label = deploy(desk, edit(current_files(desk), retitle("carry_out_work", "处理并每日录入进度（新版）")))
    notes = migration._notes

    def fail_one(before: Any, refreshed: Any, opened: Any, t: Any, timers: Any) -> Any:
        if t.case["number"] == failing:
            raise failure
        return notes(before, refreshed, opened, t, timers)

    monkeypatch.setattr(migration, "_notes", fail_one)
    moves = {m.number: m for m in desk.runtime.migrate_cases("complaint", label, OWNER, dry_run=False)}
    assert set(moves) == {failing, other} and not moves[failing].moved and moves[other].moved
    if isinstance(failure, KefuError):
        assert moves[failing].error == "the inbox row cannot be written"
    else:
        assert moves[failing].reasons_zh == ("流程引擎无法迁移该案件：RuntimeError: boom",)
    after = desk.case(failing)
    assert after.process_version == before.process_version  # untouched on its version
    assert [e.action for e in after.timeline] == [e.action for e in before.timeline]
    assert [(t.task_id, t.title) for t in after.tasks] == [(t.task_id, t.title) for t in before.tasks]
    assert desk.task(other, "carry_out_work").title == "处理并每日录入进度（新版）"
    assert desk.runtime.verify_audit_chain() == []
    monkeypatch.setattr(migration, "_notes", notes)
    (again,) = desk.runtime.migrate_cases("complaint", label, OWNER, numbers=[failing], dry_run=False)
    assert again.moved  # nothing was left half-moved


def test_a_form_field_that_changes_type_keeps_cases_that_filled_it(desk: Desk) -> None:
    filled = walk_to(desk, "sign_order")  # raise_order's order_summary is filled
    empty = walk_to(desk, "raise_order")
    files = current_files(desk)
    forms = next(n for n, t in files.items() if n.endswith(".forms.yaml") and "  raise_order:" in t)
    bpmn = forms[: -len(".forms.yaml")] + ".bpmn"
    text = files[forms]
    assert text.count("name: order_summary, type: textarea") == 1
    changed = {bpmn: files[bpmn], forms: text.replace("name: order_summary, type: textarea",
                                                      "name: order_summary, type: text")}
    label = deploy(desk, changed)
    moves = {m.number: m for m in desk.runtime.migrate_cases("complaint", label, OWNER, dry_run=True)}
    assert moves[filled].reasons == ("field 'order_summary' of the completed step 'raise_order' changes "
                                     f"type from textarea to text in {label}",)
    assert moves[empty].movable


def test_only_a_process_owner_migrates_and_the_dry_run_is_the_default(desk: Desk) -> None:
    number = walk_to(desk, "raise_order")
    label = deploy(desk, edit(current_files(desk), retitle("raise_order", "录入督办令（新版）")))
    for outsider in ("zhang.wei", "fan.ming", "zheng.xiaoyan"):  # CS desk, another subsidiary, group CS
        with pytest.raises(PermissionDenied, match="process_owner"):
            desk.runtime.migrate_cases("complaint", label, outsider)
    (move,) = desk.runtime.migrate_cases("complaint", label, OWNER)
    assert move.movable and not move.moved
    with desk.runtime.store.read() as tx:
        assert ProcessRepo(tx).open_case_counts()[("complaint", desk.case(number).process_version)] == 1


# -- due times of the steps a moved case keeps waiting at ----------------------------------------------
VOLUME = "volume_escalation"
MANAGER = "zheng.xiaoyan"  # the group CS manager: receives the volume escalation, reviews the report


def volume_case(desk: Desk, tmp_path: Path) -> str:
    """A 投诉量预警 at 丽雅苑, opened by the worker on its fifth valid complaint (Monday 10:05)."""
    from engine.worker import Worker

    for _ in range(5):
        desk.open()
    desk.at("2026-11-23 10:05")
    rt = desk.runtime
    Worker(rt.store, rt, rt.policies, desk.clock, data_dir=tmp_path).run_once()
    with rt.store.read() as tx:
        (number,) = [n for _id, n, _v in ProcessRepo(tx).open_cases(VOLUME, None)]
    return number


def volume_files(desk: Desk, change: Callable[[etree._Element], None]) -> dict[str, str]:
    files = {n: t for n, t in current_files(desk).items() if n.startswith(f"{VOLUME}.")}
    root = etree.fromstring(files[f"{VOLUME}.bpmn"].encode("utf-8"))
    change(root)
    files[f"{VOLUME}.bpmn"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")
    return files


def set_due(task: str, expression: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        (prop,) = root.xpath(f"//bpmn:userTask[@id='{task}']//*[@name='due']", namespaces={"bpmn": B[1:-1]})
        prop.set("value", expression)

    return change


def before_report_due(root: etree._Element) -> None:
    """The volume escalation as it was before the rewrite deadline (846f7b5): ``write_report`` was due
    ``report_due`` after the case opened, by its own expression, and nothing set ``report_due``."""
    (script,) = root.xpath("//bpmn:scriptTask[@id='set_report_due']/bpmn:script",
                           namespaces={"bpmn": B[1:-1]})
    script.text = 'first_report_due = deadline("complaint.escalation.volume.report_due", received_at)'
    set_due("write_report", 'deadline("complaint.escalation.volume.report_due", received_at)')(root)


def test_a_volume_escalation_waiting_at_write_report_keeps_its_due_time_on_the_version_that_sets_it(
        desk: Desk, tmp_path: Path) -> None:
    """The shipped version's ``write_report`` is due ``report_due``, a name a script before it sets; a
    case that reached the step on the version before never set it: the move keeps the step's due time."""
    shipped = {n: t for n, t in current_files(desk).items() if n.startswith(f"{VOLUME}.")}
    desk.runtime.deploy(volume_files(desk, before_report_due), OWNER)  # the earlier version, current
    number = volume_case(desk, tmp_path)
    assert "report_due" not in desk.data(number)
    due = desk.task(number, "write_report").due_at
    assert due == shanghai("2026-11-26 10:05")  # complaint.escalation.volume.report_due: 3 days
    desk.at("2026-11-24 16:00")  # a day and more later the process owner deploys the shipped files
    (done,) = desk.runtime.deploy(shipped, OWNER)

    (dry,) = desk.runtime.migrate_cases(VOLUME, done.version.label, OWNER, dry_run=True)
    assert dry.movable and dry.notes == ()  # nothing changes for it: no "due → None"
    (move,) = desk.runtime.migrate_cases(VOLUME, done.version.label, OWNER, dry_run=False)
    assert move.moved and move.notes == ()
    assert desk.task(number, "write_report").due_at == due
    assert desk.runtime.get_case(number, MANAGER).process_version == done.version.version
    desk.complete(number, "write_report", "li.na", report="5宗投诉均为楼上漏水，已逐一处理")
    desk.complete(number, "review_report", MANAGER, review_decision="return", review_comment="请补充")
    # the rewrite is due by the shipped version's rule: 2 working days after the send-back (Tuesday 16:00)
    assert desk.due(number, "write_report") == shanghai("2026-11-26 16:00")


def test_a_step_whose_due_reads_now_keeps_the_due_time_it_opened_with(desk: Desk, tmp_path: Path) -> None:
    """``review_report`` is due ``deadline(review_due, now())``: moving the case later must not count
    the two days from the move."""
    number = volume_case(desk, tmp_path)
    desk.complete(number, "write_report", "li.na", report="5宗投诉均为楼上漏水，已逐一处理")
    due = desk.task(number, "review_report").due_at
    assert due == shanghai("2026-11-25 10:05")  # review_due: 2 days from the report
    desk.at("2026-11-24 16:00")
    (done,) = desk.runtime.deploy(volume_files(desk, lambda root: root.find(
        f".//{B}userTask[@id='review_report']").set("name", "审阅报告（新版）")), OWNER)
    (move,) = desk.runtime.migrate_cases(VOLUME, done.version.label, OWNER, dry_run=False)
    assert move.moved
    title = "审阅报告 review the report"
    assert move.notes == (f"step {title!r}: title {title!r} → '审阅报告（新版）'",)
    moved = desk.task(number, "review_report")
    assert (moved.title, moved.due_at) == ("审阅报告（新版）", due)


def test_a_changed_due_rule_is_computed_as_at_the_steps_start(desk: Desk, tmp_path: Path) -> None:
    """A new version that changes a waiting step's ``due`` computes it again from the policy, as at the
    moment the step opened (``now()`` is then, not the move), and says so in both languages."""
    number = volume_case(desk, tmp_path)
    desk.complete(number, "write_report", "li.na", report="5宗投诉均为楼上漏水，已逐一处理")
    desk.at("2026-11-24 16:00")
    (done,) = desk.runtime.deploy(volume_files(desk, set_due(
        "review_report", 'deadline("complaint.escalation.volume.investigate_due", now())')), OWNER)
    (move,) = desk.runtime.migrate_cases(VOLUME, done.version.label, OWNER, dry_run=False)
    assert move.moved
    # investigate_due: 7 days from the step's start (Monday 10:05), not from the move
    assert desk.task(number, "review_report").due_at == shanghai("2026-11-30 10:05")
    change = "2026-11-25T10:05:00+08:00 → 2026-11-30T10:05:00+08:00"
    assert move.notes == (f"step '审阅报告 review the report': due {change}",)
    assert move.notes_zh == (f"步骤「审阅报告 review the report」：时限 {change}",)


def remove_element(element: str) -> Callable[[str, etree._Element], bool]:
    """Take an event out with its flows (what it led to is left unreached)."""
    def change(_name: str, root: etree._Element) -> bool:
        node = root.find(f".//*[@id='{element}']")
        if node is None:
            return False
        flows = root.xpath(f"//bpmn:sequenceFlow[@sourceRef='{element}' or @targetRef='{element}']",
                           namespaces={"bpmn": B[1:-1]})
        ids = {f.get("id") for f in flows}
        refs = [el for el in root.iter(f"{B}incoming", f"{B}outgoing") if el.text in ids]
        drawn = [el for el in root.iter() if el.get("bpmnElement") in ids | {element}]
        nodes = root.xpath(f"//bpmn:flowNodeRef[text()='{element}']", namespaces={"bpmn": B[1:-1]})
        for el in [node, *flows, *refs, *drawn, *nodes]:
            el.getparent().remove(el)
        return True

    return change


def test_a_case_waiting_on_a_timer_the_new_version_removed_stays_with_the_reason(desk: Desk) -> None:
    """The closure's one-week wait for a repeat complaint (R2.12) loses its timer: a complaint closed
    without a return visit waits on that timer and cannot move; one that has not reached it moves."""
    waiting = walk_to(desk, "check_closure")
    desk.complete(waiting, "check_closure", check_result="accept", return_visit_needed=False)
    assert "check_closure" not in desk.open_tasks(waiting)  # it waits for a week without a repeat complaint
    early = walk_to(desk, "raise_order")
    label = deploy(desk, edit(current_files(desk), remove_element("silence_elapsed")))

    moves = {m.number: m for m in desk.runtime.migrate_cases("complaint", label, OWNER, dry_run=False)}
    title = "一周无重复投诉 a week without a repeat"
    assert not moves[waiting].movable and not moves[waiting].moved
    assert moves[waiting].reasons == (f"a timer it waits on {title!r} (silence_elapsed) is not in {label}",)
    assert moves[waiting].reasons_zh == (
        f"正在等待的定时器「{title}」（silence_elapsed）在 {label} 中已删除",)
    assert moves[early].moved
    versions = {v.record.version: v.record.label for v in desk.runtime.process_versions("complaint")}
    assert versions[desk.case(waiting).process_version] == "v1"  # untouched: the week still runs out
