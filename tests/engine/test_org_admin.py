"""Organisation administration (issue 17): each level's administrator within their scope, deactivation
with task hand-over and ended sessions, absences whose tasks go to the deputy, all audited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.clock import FixedClock
from engine.credentials import Credentials
from engine.errors import FormError, NotFoundError, PermissionDenied
from engine.org import load_org, parse_org, render_org
from engine.org_admin import OrgAdmin
from engine.runtime import Runtime
from engine.store.org_repo import OrgRepo
from tests.conftest import ROOT, shanghai
from tests.scenarios.conftest import Desk

DEMO = ROOT / "engine" / "demo" / "org.yaml"
NEWCOMER = {"login": "zhou.xin", "name": "周欣", "unit": "sz-property-lyc-cs", "roles": ["cs_specialist"],
            "phone": "138 0000 0099", "email": "zhou.xin@huajin.example", "deputy": "wang.fang"}


@pytest.fixture
def desk(runtime: Runtime, clock: FixedClock) -> Desk:
    return Desk(runtime, clock, load_org(DEMO))


@pytest.fixture
def admin(runtime: Runtime) -> OrgAdmin:
    return OrgAdmin.of(runtime)


def system_events(runtime: Runtime, action: str) -> list[dict]:
    with runtime.store.read() as tx:
        return [e.data | {"actor": e.actor} for e in tx.chain_events("system") if e.action == action]


def staff(runtime: Runtime, login: str):  # type: ignore[no-untyped-def]
    with runtime.store.read() as tx:
        return OrgRepo(tx).all_staff([login])[0]


def test_a_subsidiary_administrator_adds_a_department_and_a_person_audited(runtime, admin):
    unit = admin.save_unit("xu.lan", {"code": "sz-property-lyc-finance", "name": "财务组",
                                      "kind": "department", "parent": "sz-property-lyc",
                                      "department": "finance"}, new=True)
    person = admin.save_staff("xu.lan", {**NEWCOMER, "unit": unit.code}, new=True)

    with runtime.store.read() as tx:
        assert tx.units()["sz-property-lyc-finance"].department == "finance"
    assert staff(runtime, "zhou.xin") == person
    assert person.phone == "13800000099" and person.roles == ("cs_specialist",)
    assert person.deputy == "wang.fang"
    [saved_unit] = system_events(runtime, "org.unit.saved")
    assert saved_unit["unit"] == "sz-property-lyc-finance" and saved_unit["actor"] == "xu.lan"
    [saved] = system_events(runtime, "org.staff.saved")
    assert saved["login"] == "zhou.xin" and saved["new"]
    assert saved["changes"]["roles"] == [None, ["cs_specialist"]]


@pytest.mark.parametrize(("actor", "unit"), [
    ("lu.fang", "sz-property-lyc-cs"),  # 华南区域's administrator in 深圳物业
    ("xu.lan", "hn-region-bhw-cs"),  # and the other way round
    ("wei.dong", "sz-property-jhy-cs"),  # 丽雅苑's administrator in another project of the subsidiary
    ("li.na", "sz-property-lyc-cs"),  # a supervisor without the administrator role
])
def test_nobody_administers_outside_their_level(runtime, admin, actor, unit):
    with pytest.raises(PermissionDenied) as refused:
        admin.save_staff(actor, {**NEWCOMER, "unit": unit}, new=True)
    assert unit not in (refused.value.zh or "") and unit not in refused.value.message
    assert not _exists(runtime, "zhou.xin")
    assert system_events(runtime, "org.staff.saved") == []


def _exists(runtime: Runtime, login: str) -> bool:
    with runtime.store.read() as tx:
        return bool(OrgRepo(tx).all_staff([login]))


def test_moving_someone_needs_both_units_in_scope(runtime, admin):
    with pytest.raises(PermissionDenied):
        admin.save_staff("xu.lan", {**_values(runtime, "wang.fang"), "unit": "hn-region-bhw-cs"}, new=False)
    moved = admin.save_staff("gu.yan", {**_values(runtime, "wang.fang"), "unit": "sz-property-jhy-cs"},
                             new=False)
    assert moved.unit == "sz-property-jhy-cs"
    [event] = system_events(runtime, "org.staff.saved")
    assert event["changes"] == {"unit": ["sz-property-lyc-cs", "sz-property-jhy-cs"]}
    assert event["actor"] == "gu.yan"


def _values(runtime: Runtime, login: str) -> dict:
    person = staff(runtime, login)
    return {"login": login, "name": person.name, "unit": person.unit, "roles": list(person.roles),
            "phone": person.phone, "email": person.email, "deputy": person.deputy}


@pytest.mark.parametrize(("change", "field"), [
    ({"login": "Zhou Xin"}, "login"),
    ({"login": "wang.fang"}, "login"),
    ({"roles": ["cs_wizard"]}, "roles"),
    ({"roles": []}, "roles"),
    ({"phone": "12345"}, "phone"),
    ({"email": "nobody"}, "email"),
    ({"unit": "sz-property-nowhere"}, "unit"),
    ({"deputy": "fan.ming"}, "deputy"),  # works for 华南区域: cannot see this person's cases
    ({"deputy": "ghost"}, "deputy"),
])
def test_bad_staff_values_are_refused_by_field_in_both_languages(runtime, admin, change, field):
    with pytest.raises(FormError) as refused:
        admin.save_staff("xu.lan", {**NEWCOMER, **change}, new=True)
    assert field in refused.value.errors and field in refused.value.errors_zh  # type: ignore[attr-defined]
    assert not _exists(runtime, "zhou.xin")


def test_an_administrator_cannot_lock_themself_out(runtime, admin):
    with pytest.raises(FormError):
        admin.save_staff("xu.lan", {**_values(runtime, "xu.lan"), "roles": ["cs_manager"]}, new=False)
    with pytest.raises(FormError):
        admin.deactivate("xu.lan", "xu.lan", None)


def test_deactivation_puts_the_open_tasks_back_in_the_queue_and_ends_sessions_and_tokens(desk, admin, clock):
    runtime = desk.runtime
    case = desk.open("wang.fang")
    raise_order = desk.task(case.number, "raise_order")
    runtime.claim_task(raise_order.task_id, "wang.fang")
    credentials = Credentials(runtime.store, clock)
    secret = credentials.start_session("wang.fang")
    credentials.issue_token("wang.fang", "hotline")

    done = admin.deactivate("wei.dong", "wang.fang", "queue")

    row = desk.task(case.number, "raise_order")
    assert row.assignee is None and row.candidate_group == "cs_specialist@sz-property-lyc"
    assert [m.number for m in done.handed_over] == [case.number] and done.sessions_ended == 1
    assert done.tokens_revoked == 1 and credentials.session_login(secret) is None
    assert not staff(runtime, "wang.fang").active
    moved = [e for e in desk.case(case.number).timeline if e.action == "task.transferred"]
    assert moved and moved[-1].data["from"] == "wang.fang" and moved[-1].data["to"] == "queue"
    [event] = system_events(runtime, "org.staff.deactivated")
    assert event["handover"] == "queue" and event["tasks"][0]["number"] == case.number
    with pytest.raises(NotFoundError):
        runtime.inbox("wang.fang")


def test_deactivation_can_hand_the_tasks_to_a_named_colleague_but_not_across_subsidiaries(desk, admin):
    runtime = desk.runtime
    case = desk.open("wang.fang")
    runtime.claim_task(desk.task(case.number, "raise_order").task_id, "wang.fang")

    with pytest.raises(FormError) as refused:
        admin.deactivate("gu.yan", "wang.fang", "fan.ming")
    assert "handover" in refused.value.errors
    assert staff(runtime, "wang.fang").active  # nothing happened
    assert desk.task(case.number, "raise_order").assignee == "wang.fang"

    admin.deactivate("gu.yan", "wang.fang", "zhang.wei")
    assert desk.task(case.number, "raise_order").assignee == "zhang.wei"
    assert [i.case_number for i in runtime.inbox("zhang.wei")] == [case.number]


def test_deactivating_a_deputy_clears_them_as_standing_deputy(runtime, admin):
    done = admin.deactivate("xu.lan", "wu.jianping", None)
    assert done.deputy_cleared_for == ["lin.lihua"] and staff(runtime, "lin.lihua").deputy is None
    admin.reactivate("xu.lan", "wu.jianping")
    assert staff(runtime, "wu.jianping").active
    assert system_events(runtime, "org.staff.reactivated")[0]["login"] == "wu.jianping"


def test_the_org_file_import_deactivates_and_returns_tasks_to_the_queue(desk):
    runtime = desk.runtime
    case = desk.open("wang.fang")
    runtime.claim_task(desk.task(case.number, "raise_order").task_id, "wang.fang")
    text = DEMO.read_text(encoding="utf-8")
    trimmed = "\n".join(line for line in text.splitlines() if "login: wang.fang" not in line)

    runtime.import_org(parse_org(trimmed, "org.yaml"), actor="ops")

    assert desk.task(case.number, "raise_order").assignee is None
    [event] = system_events(runtime, "org.imported")[-1:]
    assert event["deactivated"] == ["wang.fang"] and event["tasks_to_queue"] == 1 and event["actor"] == "ops"


def test_the_org_exports_as_a_file_that_imports_to_the_same_org(runtime, admin):
    admin.save_staff("xu.lan", NEWCOMER, new=True)
    with runtime.store.read() as tx:
        units, people = tx.units(), OrgRepo(tx).all_staff()
    text = render_org(units["group"], units.values(), people)
    again = parse_org(text, "export.yaml")
    assert again.person("zhou.xin").deputy == "wang.fang"
    assert again.person("lin.lihua").deputy == "wu.jianping"
    assert set(again.units) == set(units) and set(again.staff) == {p.login for p in people}


# -- absences ----------------------------------------------------------------------------------------
def _to_sign(desk: Desk) -> str:
    """A complaint received now whose 督办令 is raised: the GM's sign task waits in her queue."""
    case = desk.open("wang.fang")
    desk.complete(case.number, "raise_order", "wang.fang", order_summary="请物业部上门处理",
                  required_completion="2026-11-27T17:00:00+08:00")
    return case.number


def test_an_absent_gm_s_orders_go_to_her_deputy_while_she_is_away(desk, admin):
    runtime = desk.runtime
    number = _to_sign(desk)
    sign = desk.task(number, "sign_order")
    assert sign.assignee is None and sign.candidate_group == "cs_centre_gm@sz-property"

    absence, moved = admin.record_absence("lin.lihua", "lin.lihua", desk.clock.now() - timedelta(minutes=5),
                                          shanghai("2026-11-27 17:30"), reason="年假")
    assert absence.deputy == "wu.jianping"  # her standing deputy
    assert [m.number for m in moved] == [number] and desk.task(number, "sign_order").assignee == "wu.jianping"
    runtime.complete_task(sign.task_id, "wu.jianping", {"order_decision": "sign"})
    [recorded] = system_events(runtime, "org.absence.recorded")
    assert recorded["deputy"] == "wu.jianping" and recorded["tasks"] == [sign.task_id]


def test_an_absence_in_the_future_moves_nothing_until_it_starts(desk, admin):
    number = _to_sign(desk)
    _, moved = admin.record_absence("xu.lan", "lin.lihua", shanghai("2026-11-24 08:30"),
                                    shanghai("2026-11-25 17:30"), "wu.jianping", "出差")
    assert moved == [] and desk.task(number, "sign_order").assignee is None
    desk.at("2026-11-24 08:30")
    assert [m.number for m in admin.apply_absences()] == [number]
    assert desk.task(number, "sign_order").assignee == "wu.jianping"
    assert admin.apply_absences() == []  # nothing left to move


def test_tasks_due_after_the_absence_stay_and_a_colleague_s_queue_is_not_touched(desk, admin):
    runtime = desk.runtime
    case = desk.open("wang.fang")
    runtime.claim_task(desk.task(case.number, "raise_order").task_id, "wang.fang")
    other = desk.open("zhang.wei")  # in the queue of the specialists: others hold the role
    _, moved = admin.record_absence("wang.fang", "wang.fang", desk.clock.now(), shanghai("2026-11-23 10:05"),
                                    "zhang.wei")
    assert moved == []  # her order is due at 10:30, after she is back
    assert desk.task(case.number, "raise_order").assignee == "wang.fang"
    assert desk.task(other.number, "raise_order").assignee is None


def test_an_absent_deputy_passes_the_tasks_on_and_absences_do_not_overlap(desk, admin):
    number = _to_sign(desk)
    now = desk.clock.now()
    admin.record_absence("xu.lan", "wu.jianping", now, shanghai("2026-11-30 08:30"), "he.jing", "病假")
    admin.record_absence("xu.lan", "lin.lihua", now, shanghai("2026-11-30 08:30"), reason="年假")
    assert desk.task(number, "sign_order").assignee == "he.jing"
    with pytest.raises(FormError) as refused:
        admin.record_absence("xu.lan", "lin.lihua", now + timedelta(days=1), shanghai("2026-12-01 08:30"))
    assert "starts_at" in refused.value.errors


@pytest.mark.parametrize(("actor", "allowed"), [("wang.fang", False), ("lu.fang", False), ("wei.dong", False),
                                                ("xu.lan", True), ("lin.lihua", True)])
def test_who_may_record_someone_s_absence(desk, admin, actor, allowed):
    now = desk.clock.now()
    if allowed:
        admin.record_absence(actor, "lin.lihua", now, now + timedelta(days=1), "wu.jianping")
    else:
        with pytest.raises(PermissionDenied):
            admin.record_absence(actor, "lin.lihua", now, now + timedelta(days=1), "wu.jianping")


def test_a_cancelled_absence_moves_nothing_more(desk, admin):
    absence, _ = admin.record_absence("xu.lan", "lin.lihua", shanghai("2026-11-24 08:30"),
                                      shanghai("2026-11-25 17:30"), "wu.jianping")
    admin.cancel_absence("lin.lihua", absence.id)
    number = _to_sign(desk)
    desk.at("2026-11-24 09:00")
    assert admin.apply_absences() == [] and desk.task(number, "sign_order").assignee is None
    assert system_events(desk.runtime, "org.absence.cancelled")[0]["absence"] == absence.id


def test_the_worker_sweep_hands_over_when_an_absence_starts(desk, admin, tmp_path):
    from engine.worker import Worker

    number = _to_sign(desk)
    admin.record_absence("xu.lan", "lin.lihua", shanghai("2026-11-23 12:00"), shanghai("2026-11-24 17:30"))
    runtime = desk.runtime
    worker = Worker(runtime.store, runtime, runtime.policies, desk.clock, data_dir=tmp_path)
    assert worker.run_once().deputised == 0
    desk.at("2026-11-23 12:00")
    assert worker.run_once().deputised == 1
    assert desk.task(number, "sign_order").assignee == "wu.jianping"


def test_the_org_page_lists_units_in_the_groups_reading_order(admin):
    managed = admin.scope("gu.yan").managed
    assert managed[:4] == ["group", "group-cs", "group-admin", "sz-property"]  # 深圳物业 first (the file)
    assert managed.index("sz-property-lyc") < managed.index("hn-region")
    assert admin.scope("lu.fang").managed[:2] == ["hn-region", "hn-region-cs"]  # departments, then projects
    assert admin.scope("lu.fang").managed[-4] == "hn-region-bhw"
