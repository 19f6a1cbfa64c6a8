"""R6.3 电话回访须有详细记录并由两个人以上签字 (001 篇3 三、5): the countersign of a phone return visit is a
second person's. ``countersign_phone_record`` and ``manager_countersign_phone_record`` say
``not_completed_by`` the steps that record the visit: whoever recorded it may not claim or complete the
countersign, it is never assigned to them (the sticky lane skips them), and when they are its lane's only
holder the lane's ``escalate_to`` takes it up a level (``lanes.phone_record_countersigner``,
``lanes.cs_manager``), never to another subsidiary."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from engine.errors import PermissionDenied
from engine.store.models import Staff
from tests.scenarios.conftest import Desk
from tests.scenarios.test_difficult_visit_escalation import closed_for_a_visit, opened

REFUSED = "须由另一人办理"


def phone_visit_recorded_by(desk: Desk, login: str, at: str) -> str:
    """A stand-alone return visit of 丽雅苑 received by ``login``, who reaches the owner and records the
    visit by phone at ``at`` (Shanghai); returns its number."""
    desk.at(at)
    data: dict[str, Any] = {"customer_name": "周先生", "customer_phone": "13912345678",
                            "room": "3栋1单元1202", "visit_subject": "上周报修的卫生间漏水是否已修好"}
    n = desk.runtime.open_case("return_visit", data, login).number
    assert desk.task(n, "contact_customer").assignee == login  # R0.5 the first receiver visits
    desk.complete(n, "contact_customer", login, reached=True, attempt_note="电话接通")
    desk.complete(n, "record_return_visit", login, visit_method="phone", satisfaction="satisfied",
                  return_visit_record="22:10 致电业主，漏水已修好，业主满意", customer_agrees=True)
    return n


def signers(desk: Desk, number: str) -> list[str]:
    """Who completed the record and the countersign steps, in order."""
    steps = {"record_return_visit", "supervisor_record_return_visit", "countersign_phone_record",
             "manager_countersign_phone_record"}
    return [e.actor for e in desk.case(number).timeline
            if e.action == "task.completed" and e.data.get("task") in steps]


def add_supervisor(desk: Desk, login: str, name: str) -> None:
    """A second active 客服主管 of 丽雅苑."""
    with desk.runtime.store.write() as tx:
        tx.session.add(Staff(login=login, name=name, unit="sz-property-lyc-cs", roles=["cs_supervisor"],
                             active=True))


def test_the_supervisor_who_recorded_the_visit_does_not_countersign_it_the_manager_does(desk: Desk) -> None:
    # 李娜, 丽雅苑's only 客服主管, received the visit and records it by phone on New Year's Eve at 22:10
    n = phone_visit_recorded_by(desk, "li.na", "2026-12-31 22:10")
    sign = desk.task(n, "countersign_phone_record")
    # not hers (the lane is sticky, but she signed the record), and nobody else at the project: up a level
    assert (sign.candidate_group, sign.assignee) == ("cs_manager@sz-property", None)
    assert opened(desk, n, "countersign_phone_record")["escalated"] == {
        "from": "cs_supervisor@sz-property-lyc", "passed": ["cs_supervisor@sz-property-lyc"],
        "why": "excluded"}
    assert opened(desk, n, "countersign_phone_record")["excluded"] == ["li.na"]
    # she may neither claim nor complete it; nor may 华南区域's 客服经理
    with pytest.raises(PermissionDenied, match="li.na did an earlier step of this case") as refused:
        desk.runtime.claim_task(sign.task_id, "li.na")
    assert REFUSED in refused.value.zh
    with pytest.raises(PermissionDenied, match="did an earlier step"):
        desk.complete(n, "countersign_phone_record", "li.na", countersign_confirmed=True)
    with pytest.raises(PermissionDenied):
        desk.complete(n, "countersign_phone_record", "feng.tingting", countersign_confirmed=True)
    assert desk.data(n)["rv_signatures"] == 1
    desk.at("2027-01-01 09:00")  # New Year's Day: the manager signs
    desk.runtime.claim_task(sign.task_id, "he.jing")
    case = desk.complete(n, "countersign_phone_record", "he.jing", countersign_confirmed=True)
    assert case.status == "closed"
    assert desk.data(n)["rv_signatures"] == 2  # return_visit.phone_record_signers
    assert signers(desk, n) == ["li.na", "he.jing"]


def test_with_a_second_supervisor_the_countersign_stays_at_the_project_and_is_not_sticky(desk: Desk) -> None:
    add_supervisor(desk, "zhou.min", "周敏")
    n = phone_visit_recorded_by(desk, "li.na", "2026-11-23 10:00")
    sign = desk.task(n, "countersign_phone_record")
    assert (sign.candidate_group, sign.assignee) == ("cs_supervisor@sz-property-lyc", None)
    assert "escalated" not in opened(desk, n, "countersign_phone_record")
    with pytest.raises(PermissionDenied, match="did an earlier step"):
        desk.runtime.claim_task(sign.task_id, "li.na")
    with pytest.raises(PermissionDenied):  # the company's 客服经理 does not take it from the project
        desk.complete(n, "countersign_phone_record", "he.jing", countersign_confirmed=True)
    case = desk.complete(n, "countersign_phone_record", "zhou.min", countersign_confirmed=True)
    assert case.status == "closed" and desk.data(n)["rv_signatures"] == 2
    assert signers(desk, n) == ["li.na", "zhou.min"]


def test_a_specialists_phone_record_still_goes_to_the_supervisor(desk: Desk) -> None:
    """The rule bars only who recorded it: 张伟's record is countersigned by 李娜 as before."""
    n = phone_visit_recorded_by(desk, "zhang.wei", "2026-11-23 10:00")
    sign = desk.task(n, "countersign_phone_record")
    assert (sign.candidate_group, sign.assignee) == ("cs_supervisor@sz-property-lyc", None)
    assert opened(desk, n, "countersign_phone_record")["excluded"] == ["zhang.wei"]
    desk.complete(n, "countersign_phone_record", "li.na", countersign_confirmed=True)
    assert desk.data(n)["rv_signatures"] == 2 and signers(desk, n) == ["zhang.wei", "li.na"]


def test_the_manager_who_recorded_a_difficult_issues_visit_does_not_countersign_it(desk: Desk) -> None:
    # 丽雅苑 has no active 客服主管: the difficult issue's visit went up to 何静 (R6.2), who records it
    # by phone
    n = closed_for_a_visit(desk, "2026-12-31 20:00", before_check="li.na")
    desk.at("2026-12-31 21:00")
    desk.complete(n, "supervisor_contact_customer", "he.jing", reached=True, attempt_note="经理致电业主")
    desk.complete(n, "supervisor_record_return_visit", "he.jing", visit_method="phone",
                  satisfaction="satisfied", return_visit_record="经理致电，业主满意", customer_agrees=True)
    sign = desk.task(n, "manager_countersign_phone_record")
    # she is 深圳物业's only 客服经理: the 售后服务中心副总经理 signs (lanes.cs_manager's escalate_to)
    assert (sign.candidate_group, sign.assignee) == ("cs_centre_deputy_gm@sz-property", None)
    assert opened(desk, n, "manager_countersign_phone_record")["escalated"]["why"] == "excluded"
    with pytest.raises(PermissionDenied, match="he.jing did an earlier step"):
        desk.runtime.claim_task(sign.task_id, "he.jing")
    with pytest.raises(PermissionDenied, match="did an earlier step"):
        desk.complete(n, "manager_countersign_phone_record", "he.jing", countersign_confirmed=True)
    for other in ("feng.tingting", "zheng.xiaoyan"):  # 华南区域's 客服经理, the group's: not theirs
        with pytest.raises(PermissionDenied):
            desk.complete(n, "manager_countersign_phone_record", other, countersign_confirmed=True)
    desk.at("2027-01-01 10:00")
    desk.complete(n, "manager_countersign_phone_record", "wu.jianping", countersign_confirmed=True)
    data = desk.data(n)
    assert (data["rv_signatures"], data["return_visit_outcome"]) == (2, "visited")
    assert signers(desk, n) == ["he.jing", "wu.jianping"]


def test_a_refused_countersignature_comes_back_to_a_second_person_again(desk: Desk) -> None:
    """The countersign asked again (the first was refused) still bars the recorder: the diagram's loop
    opens a new task, which looks at the same run of the return visit."""
    add_supervisor(desk, "zhou.min", "周敏")
    n = phone_visit_recorded_by(desk, "li.na", "2026-11-23 10:00")
    desk.complete(n, "countersign_phone_record", "zhou.min", countersign_confirmed=False,
                  countersign_note="记录过简，请补充")
    again = desk.task(n, "countersign_phone_record")
    assert again.assignee == "zhou.min"  # sticky to the supervisor who is working it
    assert opened(desk, n, "countersign_phone_record")["excluded"] == ["li.na"]
    with pytest.raises(PermissionDenied, match="did an earlier step"):
        desk.complete(n, "countersign_phone_record", "li.na", countersign_confirmed=True)
    desk.complete(n, "countersign_phone_record", "zhou.min", countersign_confirmed=True)
    assert desk.data(n)["rv_signatures"] == 2


def test_a_deactivated_recorder_changes_nothing_and_nobody_above_leaves_it_flagged(desk: Desk) -> None:
    """Nobody at any level (深圳物业's 客服经理, 副总经理 and 总经理 gone): the countersign stays at the
    project's 客服主管 queue, unassigned, and still not hers."""
    with desk.runtime.store.write() as tx:
        tx.session.execute(update(Staff).where(Staff.login.in_(["he.jing", "wu.jianping", "lin.lihua"]))
                           .values(active=False))
    n = phone_visit_recorded_by(desk, "li.na", "2026-11-23 10:00")
    sign = desk.task(n, "countersign_phone_record")
    assert (sign.candidate_group, sign.assignee) == ("cs_supervisor@sz-property-lyc", None)
    assert "escalated" not in opened(desk, n, "countersign_phone_record")
    with pytest.raises(PermissionDenied, match="did an earlier step"):
        desk.runtime.claim_task(sign.task_id, "li.na")


def test_a_countersign_left_with_its_recorder_by_the_version_before_moves_to_a_second_person(
        desk: Desk) -> None:
    """A visit opened on the version before ``not_completed_by`` (the countersign in the plain 客服主管
    lane, sticky to 李娜 who recorded it) is moved to the shipped version: its open countersign is worked
    out again from the stored audit (who recorded it), her claim is dropped and it goes to 何静."""
    shipped = {n: t for n, t in desk.runtime.current_files().items() if n.startswith("return_visit.")}
    marked = 'value="record_return_visit supervisor_record_return_visit"'
    old = shipped["return_visit.bpmn"].replace(f'<spiffworkflow:property name="not_completed_by" {marked} />',
                                               "")
    old = old.replace('value="phone_record_countersigner"', 'value="cs_supervisor"')
    assert 'name="not_completed_by"' not in old
    desk.runtime.deploy({**shipped, "return_visit.bpmn": old}, "qian.lu")
    n = phone_visit_recorded_by(desk, "li.na", "2026-12-31 22:10")
    sign = desk.task(n, "countersign_phone_record")
    assert sign.assignee == "li.na"  # the bug of the version before: she would sign her own record
    desk.at("2027-01-01 08:00")
    label = next(d.version.label for d in desk.runtime.deploy(shipped, "qian.lu")
                 if d.process_id == "return_visit")
    (move,) = desk.runtime.migrate_cases("return_visit", label, "qian.lu", dry_run=False)
    assert move.moved, move.error or move.reasons
    sign = desk.task(n, "countersign_phone_record")
    assert (sign.candidate_group, sign.assignee, sign.claimed_at) == ("cs_manager@sz-property", None, None)
    assert opened(desk, n, "countersign_phone_record")["excluded"] == ["li.na"]
    with pytest.raises(PermissionDenied, match="did an earlier step"):
        desk.complete(n, "countersign_phone_record", "li.na", countersign_confirmed=True)
    desk.complete(n, "countersign_phone_record", "he.jing", countersign_confirmed=True)
    assert desk.data(n)["rv_signatures"] == 2 and signers(desk, n) == ["li.na", "he.jing"]


def test_a_countersign_handed_over_to_its_recorder_goes_back_to_the_queue(desk: Desk) -> None:
    """周敏 claimed the countersign and leaves; her tasks are handed to 李娜, who recorded the visit: the
    countersign goes back to 丽雅苑's 客服主管 queue (nothing else of hers is refused), not to 李娜."""
    from engine.org_admin import OrgAdmin

    add_supervisor(desk, "zhou.min", "周敏")
    n = phone_visit_recorded_by(desk, "li.na", "2026-11-23 10:00")
    sign = desk.task(n, "countersign_phone_record")
    desk.runtime.claim_task(sign.task_id, "zhou.min")
    OrgAdmin.of(desk.runtime).deactivate("xu.lan", "zhou.min", "li.na")
    sign = desk.task(n, "countersign_phone_record")
    assert (sign.candidate_group, sign.assignee) == ("cs_supervisor@sz-property-lyc", None)
    moved = [e.data for e in desk.case(n).timeline if e.action == "task.transferred"]
    assert [(d["from"], d["to"]) for d in moved] == [("zhou.min", "queue")]
