"""engine.permissions: one answer to "may this actor do this to this object?", the object's unit in it."""

from __future__ import annotations

import pytest

from engine.errors import ConflictError, PermissionDenied
from engine.permissions import (
    ACTIONS,
    SYSTEM,
    Subject,
    Target,
    allowed_actions,
    can,
    require,
    subject_of,
    unit_subject,
)
from engine.store import StaffRecord, UnitRecord

UNITS = {
    "group": UnitRecord("group", "华锦集团", "group", None),
    "group-cs": UnitRecord("group-cs", "集团客服中心", "department", "group", "cs_centre"),
    "sz-property": UnitRecord("sz-property", "深圳物业", "subsidiary", "group"),
    "sz-property-cs": UnitRecord("sz-property-cs", "售后服务中心", "department", "sz-property", "cs_centre"),
    "sz-property-lyc": UnitRecord("sz-property-lyc", "丽雅苑", "project", "sz-property"),
    "sz-property-lyc-cs": UnitRecord("sz-property-lyc-cs", "客服中心", "department", "sz-property-lyc"),
    "sz-property-jhy": UnitRecord("sz-property-jhy", "锦华园", "project", "sz-property"),
    "hn-region": UnitRecord("hn-region", "华南区域", "subsidiary", "group"),
    "hn-region-bhw": UnitRecord("hn-region-bhw", "滨海湾", "project", "hn-region"),
    "hn-region-bhw-cs": UnitRecord("hn-region-bhw-cs", "客服中心", "department", "hn-region-bhw"),
}


def person(login: str, unit: str, *roles: str) -> Subject:
    """A subject placed by the units table (no unit chain on the record)."""
    kind = UNITS[unit].kind
    return subject_of(StaffRecord(login, login, unit, roles, unit_kind=kind, unit_parent=UNITS[unit].parent),
                      UNITS)


WANG = person("wang.fang", "sz-property-lyc-cs", "cs_specialist")
LI = person("li.na", "sz-property-lyc-cs", "cs_supervisor")
HE = person("he.jing", "sz-property-cs", "cs_manager")
FAN = person("fan.ming", "hn-region-bhw-cs", "cs_specialist")
FENG = person("feng.tingting", "hn-region", "cs_manager")
ZHENG = person("zheng.xiaoyan", "group-cs", "cs_manager")
SZ_CASE = Target("case", "sz-property", "sz-property-lyc", first_receiver="wang.fang")
HN_CASE = Target("case", "hn-region", "hn-region-bhw", first_receiver="fan.ming")
QUEUED = Target("task", "sz-property", "sz-property-lyc", first_receiver="wang.fang",
                candidate_group="cs_specialist@sz-property-lyc", role="cs_specialist", unit="sz-property-lyc")
ARCHIVE_POLICY = {"archive.allowed_roles": ["cs_specialist", "cs_supervisor", "cs_manager", "archive_clerk"],
                  "archive.disposal_reviewer": "cs_manager", "archive.legal_hold_role": "cs_manager",
                  "consultation.faq_editors": ["cs_specialist"]}


def test_a_subject_is_placed_by_its_unit_chain_or_the_units_table() -> None:
    assert (WANG.group, WANG.subsidiary, WANG.project) == ("group", "sz-property", "sz-property-lyc")
    assert {"cs_specialist@sz-property-lyc", "cs_specialist@sz-property-lyc-cs"} <= WANG.groups
    assert ZHENG.group_level and not WANG.group_level
    chain = (("hn-region-bhw-cs", "department"), ("hn-region-bhw", "project"), ("hn-region", "subsidiary"),
             ("group", "group"))
    chained = subject_of(StaffRecord("x", "x", "hn-region-bhw-cs", ("cs_specialist",), unit_chain=chain))
    assert (chained.subsidiary, chained.project) == ("hn-region", "hn-region-bhw")


@pytest.mark.parametrize(("who", "target", "allowed"), [
    (WANG, SZ_CASE, True), (LI, SZ_CASE, True), (FAN, SZ_CASE, False), (FENG, SZ_CASE, False),
    (ZHENG, SZ_CASE, True), (FAN, HN_CASE, True), (WANG, HN_CASE, False), (HE, HN_CASE, False),
    (FAN, Target("case", "sz-property", "sz-property-lyc", first_receiver="fan.ming"), True),  # R0.5
])
def test_a_case_is_read_in_its_subsidiary_by_its_first_receiver_and_by_the_group(who, target, allowed):
    assert can(who, "case.read", target).allowed is allowed
    for write in ("case.comment", "case.attach", "case.message"):
        assert can(who, write, target).allowed is allowed


def test_a_task_is_worked_by_its_assignee_or_a_holder_of_its_group_inside_the_case_scope() -> None:
    assert can(WANG, "task.claim", QUEUED) and can(WANG, "task.complete", QUEUED)
    assert not can(LI, "task.complete", QUEUED)  # supervisor: not the lane's role
    mine = Target("task", "sz-property", "sz-property-lyc", assignee="wang.fang", claimed=True,
                  candidate_group="cs_specialist@sz-property-lyc", role="cs_specialist")
    assert can(WANG, "task.release", mine) and can(WANG, "task.transfer", mine)
    with pytest.raises(ConflictError, match="claimed by wang.fang"):
        require(person("zhang.wei", "sz-property-lyc-cs", "cs_specialist"), "task.complete", mine)
    with pytest.raises(ConflictError, match="already yours"):
        require(WANG, "task.claim", mine)


def test_an_assignee_outside_the_case_scope_may_not_work_the_task() -> None:
    """The hole of issue 13: a task handed to a clerk of another subsidiary was completed through the API."""
    handed = Target("task", "sz-property", "sz-property-lyc", first_receiver="wang.fang", assignee="fan.ming",
                    claimed=True, candidate_group="cs_specialist@sz-property-lyc", role="cs_specialist")
    for action in ("task.complete", "task.release", "task.transfer"):
        with pytest.raises(PermissionDenied) as refused:
            require(FAN, action, handed)
        assert "another subsidiary" in refused.value.message and "其他公司" in str(refused.value.zh)
    assert not can(FAN, "task.receive", SZ_CASE)
    assert can(unit_subject("sz-property-jhy", UNITS), "task.receive", SZ_CASE)
    assert not can(unit_subject("hn-region-bhw-cs", UNITS), "task.receive", SZ_CASE)


def test_refusals_name_no_foreign_case_task_or_unit() -> None:
    target = QUEUED
    for action in ACTIONS:
        decision = can(FAN, action, target, policy=ARCHIVE_POLICY)
        if not decision.allowed:
            for text in (decision.reason, decision.zh):
                assert "sz-property" not in text and "lyc" not in text, (action, text)


def test_visits_are_registered_and_answered_by_the_unit_that_covers_the_project() -> None:
    lyc = Target("visit", "sz-property", "sz-property-lyc")
    jhy = Target("visit", "sz-property", "sz-property-jhy")
    bhw = Target("visit", "hn-region", "hn-region-bhw")
    guard = person("peng.jun", "sz-property-lyc", "security_guard")
    assert can(guard, "visit.register", lyc) and can(guard, "visit.answer", lyc)
    assert not can(guard, "visit.answer", jhy)  # another project of the same subsidiary
    assert can(HE, "visit.answer", jhy) and not can(HE, "visit.answer", bhw)
    assert not can(WANG, "visit.answer", bhw)
    assert not can(FAN, "visit.answer", lyc)


def test_retention_records_are_stewarded_by_the_policy_role_of_their_own_subsidiary() -> None:
    sz_record, hn_record = Target("record", "sz-property"), Target("record", "hn-region")
    for action in ("archive.dispose", "archive.hold"):
        assert can(HE, action, sz_record, policy=ARCHIVE_POLICY)
        assert not can(HE, action, hn_record, policy=ARCHIVE_POLICY)
        assert can(FENG, action, hn_record, policy=ARCHIVE_POLICY)
        assert not can(FENG, action, sz_record, policy=ARCHIVE_POLICY)
        assert can(ZHENG, action, sz_record, policy=ARCHIVE_POLICY)
        assert not can(WANG, action, sz_record, policy=ARCHIVE_POLICY)  # not the role
    assert can(FENG, "archive.disposal_review", Target("record", "hn-region"), policy=ARCHIVE_POLICY)


def test_archive_requests_stay_inside_the_household_subsidiary() -> None:
    lyc = Target("household", "sz-property", "sz-property-lyc")
    assert can(person("peng.jun", "sz-property-lyc", "security_guard"), "archive.request", lyc)
    assert not can(FAN, "archive.request", lyc)
    assert can(ZHENG, "archive.request", lyc)
    assert not can(FAN, "archive.view", lyc, policy=ARCHIVE_POLICY)
    assert can(FAN, "archive.view", Target("household", "hn-region", "hn-region-bhw"), policy=ARCHIVE_POLICY)


def test_which_actions_a_page_may_offer_is_one_cheap_question() -> None:
    assert allowed_actions(WANG, QUEUED) == {"case.read", "case.comment", "case.attach", "case.message",
                                             "case.reveal_phone", "task.claim", "task.complete",
                                             "task.transfer", "task.receive", "case.open"}
    assert allowed_actions(FAN, QUEUED) == {"case.open"}
    assert allowed_actions(LI, QUEUED, ["task.claim", "case.comment"]) == {"case.comment"}


def test_the_system_and_people_without_a_unit() -> None:
    assert SYSTEM.group_level
    nobody = Subject("ghost", "", frozenset(), frozenset(), None, None, None)
    assert not can(nobody, "case.read", SZ_CASE) and not can(nobody, "case.open", SZ_CASE)
    with pytest.raises(KeyError, match="no permission rule"):
        can(WANG, "case.delete", SZ_CASE)
    with pytest.raises(TypeError, match="pass the policy"):
        can(WANG, "archive.view", SZ_CASE)


# -- organisation administration (issue 17) --------------------------------------------------------
GROUP_ADMIN = person("gu.yan", "group-cs", "org_admin")
SZ_ADMIN = person("xu.lan", "sz-property-cs", "org_admin")
LYC_ADMIN = person("wei.dong", "sz-property-lyc", "org_admin")
HN_ADMIN = person("lu.fang", "hn-region", "org_admin")


def unit_target(code: str) -> Target:
    """The unit ``code`` as the object of an org action."""
    found = subject_of(StaffRecord("x", "x", code, (), unit_kind=UNITS[code].kind,
                                   unit_parent=UNITS[code].parent), UNITS)
    return Target("unit", found.subsidiary, found.project, unit=code, unit_kind=UNITS[code].kind)


@pytest.mark.parametrize(("who", "unit", "allowed"), [
    (GROUP_ADMIN, "group-cs", True), (GROUP_ADMIN, "hn-region-bhw-cs", True),
    (SZ_ADMIN, "sz-property", True), (SZ_ADMIN, "sz-property-lyc-cs", True),
    (SZ_ADMIN, "sz-property-jhy", True),
    (SZ_ADMIN, "hn-region-bhw-cs", False), (SZ_ADMIN, "group-cs", False), (SZ_ADMIN, "hn-region", False),
    (LYC_ADMIN, "sz-property-lyc-cs", True), (LYC_ADMIN, "sz-property-jhy", False),
    (LYC_ADMIN, "sz-property-cs", False), (LYC_ADMIN, "sz-property", False),
    (HN_ADMIN, "hn-region-bhw-cs", True), (HN_ADMIN, "sz-property-lyc-cs", False),
    (HE, "sz-property-lyc-cs", False),  # a manager, but not the administrator role
])
def test_each_level_administers_the_units_below_it_and_nothing_else(who, unit, allowed) -> None:
    decision = can(who, "org.manage", unit_target(unit))
    assert decision.allowed is allowed
    if not allowed:
        assert "lyc" not in decision.zh or who is not HN_ADMIN


def test_a_new_subsidiary_is_the_group_administrators_to_add() -> None:
    new = Target("unit", "gz-property", None, unit="gz-property", unit_kind="subsidiary")
    assert can(GROUP_ADMIN, "org.manage", new)
    assert not can(SZ_ADMIN, "org.manage", new) and not can(HN_ADMIN, "org.manage", new)


def test_anyone_records_their_own_absence_and_administrators_those_of_their_scope() -> None:
    own = Target("staff", "sz-property", "sz-property-lyc", unit="sz-property-lyc-cs", person="wang.fang")
    assert can(WANG, "org.absence", own)
    assert not can(person("zhang.wei", "sz-property-lyc-cs", "cs_specialist"), "org.absence", own)
    assert can(LYC_ADMIN, "org.absence", own) and can(SZ_ADMIN, "org.absence", own)
    assert not can(HN_ADMIN, "org.absence", own)


def test_only_a_group_administrator_publishes_a_holiday_calendar() -> None:
    calendar = Target("calendar", None)
    assert can(GROUP_ADMIN, "calendar.publish", calendar)
    for who in (SZ_ADMIN, LYC_ADMIN, ZHENG, WANG):
        decision = can(who, "calendar.publish", calendar)
        assert not decision and "集团组织管理员" in decision.zh


def test_contacts_are_kept_by_the_department_head_the_cs_centre_or_an_administrator() -> None:
    head = person("yang.fan", "sz-property-lyc-cs", "department_head")
    desk = unit_target("sz-property-lyc-cs")
    area = unit_target("sz-property-lyc")
    assert can(head, "contact.edit", desk) and not can(head, "contact.edit", unit_target("sz-property-cs"))
    assert can(HE, "contact.edit", area) and not can(HE, "contact.edit", desk)  # external, not internal
    assert not can(FENG, "contact.edit", area)  # the other subsidiary's CS manager
    assert can(SZ_ADMIN, "contact.edit", desk) and not can(HN_ADMIN, "contact.edit", desk)
    assert not can(WANG, "contact.edit", area)
    assert can(WANG, "contact.read", unit_target("hn-region-bhw-cs")) and can(FAN, "contact.read", area)
