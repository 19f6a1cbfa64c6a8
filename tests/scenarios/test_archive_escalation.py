"""R5.2 主管以上领导批准: an archive request nobody may approve at the project goes up the company's CS line
(``lanes.archive_approver.escalate_to``), and the requester never approves it at any level."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from engine import archives, visitors
from engine.errors import PermissionDenied
from engine.store.models import Staff
from tests.conftest import ROOT
from tests.scenarios.conftest import Desk

LYC = "lyc-3-1-1202"


@pytest.fixture
def office(desk: Desk, tmp_path: Path) -> Desk:
    """The desk with the demo households and one filed document of 丽雅苑 3-1-1202."""
    visitors.import_households(desk.runtime, ROOT / "engine" / "demo" / "households.yaml")
    archives.store_document(desk.runtime, "hu.xuemei", LYC, "vehicle_register", "车辆登记表.pdf", b"car",
                            tmp_path / "data")
    return desk


def ask(desk: Desk, who: str) -> str:
    return archives.request_access(desk.runtime, who, LYC, "业主车辆被刮，需联系车主", "业主登记的车牌号",
                                   ["vehicle_register"]).number


def escalation(desk: Desk, number: str) -> dict[str, object]:
    opened = [e for e in desk.case(number).timeline
              if e.action == "task.opened" and e.data.get("task") == "approve_request"]
    return dict(opened[-1].data.get("escalated") or {})


def deactivate(desk: Desk, login: str) -> None:
    with desk.runtime.store.write() as tx:
        tx.session.execute(update(Staff).where(Staff.login == login).values(active=False))


def test_the_supervisors_own_request_goes_to_the_cs_manager_who_approves_and_the_desk_relays(
    office: Desk,
) -> None:
    desk = office
    n = ask(desk, "li.na")  # 丽雅苑's only 客服主管 asks herself
    task = desk.task(n, "approve_request")
    assert (task.role, task.unit, task.lane) == ("cs_manager", "sz-property", "archive_approver")
    assert escalation(desk, n) == {"from": "cs_supervisor@sz-property-lyc",
                                   "passed": ["cs_supervisor@sz-property-lyc"], "why": "requester"}
    with pytest.raises(PermissionDenied, match="approves their own request"):
        desk.complete(n, "approve_request", "li.na", decision="approve")
    with pytest.raises(PermissionDenied):  # 华南区域's CS manager: another subsidiary
        desk.complete(n, "approve_request", "feng.tingting", decision="approve")
    desk.complete(n, "approve_request", "he.jing", decision="approve", decision_note="同意，仅告知车牌")
    assert desk.task(n, "relay_answer").role == "cs_specialist"
    archives.relay_answer(desk.runtime, n, "zhang.wei", "车牌 粤B·12345", ["vehicle_register"])
    answer = archives.read_answer(desk.runtime, n, "li.na")
    assert answer["answer"] == "车牌 粤B·12345" and answer["outcome"] == "relayed"


def test_a_guards_request_stays_with_the_project_supervisor(office: Desk) -> None:
    desk = office
    n = ask(desk, "peng.jun")
    task = desk.task(n, "approve_request")
    assert task.candidate_group == "cs_supervisor@sz-property-lyc" and escalation(desk, n) == {}


def test_the_requester_is_passed_over_at_every_level_and_inactive_staff_are_nobody(office: Desk) -> None:
    """The CS manager asks while the project has no active supervisor: the project has nobody, she is the
    company's only 客服经理, so the company's 售后服务中心副总经理 approves; she never may."""
    desk = office
    deactivate(desk, "li.na")
    n = ask(desk, "he.jing")
    task = desk.task(n, "approve_request")
    assert task.candidate_group == "cs_centre_deputy_gm@sz-property"
    assert escalation(desk, n) == {"from": "cs_supervisor@sz-property-lyc", "why": "nobody",
                                   "passed": ["cs_supervisor@sz-property-lyc", "cs_manager@sz-property"]}
    for who in ("he.jing", "lin.lihua", "tang.lei"):  # the requester; a level above; another company
        with pytest.raises(PermissionDenied):
            desk.runtime.claim_task(task.task_id, who)
    desk.complete(n, "approve_request", "wu.jianping", decision="refuse", decision_note="理由不充分")
    assert archives.read_answer(desk.runtime, n, "he.jing")["outcome"] == "refused"


def test_when_no_level_has_anyone_the_step_stays_with_the_lane_and_nobody_may_take_it(office: Desk) -> None:
    desk = office
    for login in ("li.na", "wu.jianping", "lin.lihua"):
        deactivate(desk, login)
    n = ask(desk, "he.jing")
    task = desk.task(n, "approve_request")
    assert task.candidate_group == "cs_supervisor@sz-property-lyc" and escalation(desk, n) == {}
    with pytest.raises(PermissionDenied):
        desk.complete(n, "approve_request", "he.jing", decision="approve")
