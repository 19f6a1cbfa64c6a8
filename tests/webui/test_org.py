"""Organisation administration in the browser (issue 17): within each administrator's scope, refused
across subsidiaries (a 403 in Chinese, nothing written), deactivation with task hand-over that ends
the person's session, and one's own absence on the account page."""

from __future__ import annotations

import pytest

from engine.store.org_repo import OrgRepo
from tests.webui.conftest import open_complaint
from webui.services import Services


def _staff(services: Services, login: str):  # type: ignore[no-untyped-def]
    with services.store.read() as tx:
        found = OrgRepo(tx).all_staff([login])
    return found[0] if found else None


def _system(services: Services, action: str) -> list[dict]:
    with services.store.read() as tx:
        return [e.data for e in tx.chain_events("system") if e.action == action]


def test_the_organisation_page_is_the_administrators_and_shows_their_scope_only(login):
    admin = login("xu.lan")
    page = admin.get("/org").get_data(as_text=True)
    assert "丽雅苑管理处" in page and "售后服务中心" in page and "华南区域" not in page
    assert 'href="/org"' in admin.get("/inbox").get_data(as_text=True)  # the menu offers it
    specialist = login("wang.fang")
    assert 'href="/org"' not in specialist.get("/inbox").get_data(as_text=True)
    refused = specialist.get("/org")
    assert refused.status_code == 403 and "组织管理员" in refused.get_data(as_text=True)


def test_an_administrator_adds_a_person_who_is_audited(login, services):
    admin = login("xu.lan")
    admin.get("/org/units/sz-property-lyc-cs")
    response = admin.post("/org/staff", {"login": "zhou.xin", "name": "周欣", "unit": "sz-property-lyc-cs",
                                         "roles": "cs_specialist", "phone": "13800000099",
                                         "email": "zhou.xin@huajin.example", "deputy": "wang.fang"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/org/staff/zhou.xin")
    assert _staff(services, "zhou.xin").deputy == "wang.fang"
    assert _system(services, "org.staff.saved")[-1]["login"] == "zhou.xin"


def test_a_bad_form_keeps_the_input_and_names_the_field(login, services):
    admin = login("xu.lan")
    admin.get("/org/units/sz-property-lyc-cs")
    response = admin.post("/org/staff", {"login": "Zhou Xin", "name": "周欣", "unit": "sz-property-lyc-cs",
                                         "roles": "cs_specialist", "phone": "12345"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "登录名用小写拼音" in html and "电话号码格式不正确" in html
    assert 'value="周欣"' in html and _staff(services, "Zhou Xin") is None


@pytest.mark.parametrize(("admin", "person"), [("lu.fang", "wang.fang"), ("xu.lan", "fan.ming")])
def test_an_administrator_of_the_other_subsidiary_is_refused_and_nothing_changes(login, services, admin,
                                                                                 person):
    browser = login(admin)
    browser.get("/org")
    before = _staff(services, person)
    for response in (browser.get(f"/org/staff/{person}"),
                     browser.post(f"/org/staff/{person}", {"name": "改名", "unit": before.unit,
                                                             "roles": list(before.roles)}),
                     browser.post(f"/org/staff/{person}/deactivate", {"handover": "queue"}),
                     browser.post(f"/org/staff/{person}/absences", {"starts_at": "2026-11-23T10:00",
                                                                     "ends_at": "2026-11-24T10:00",
                                                                     "deputy": before.login})):
        html = response.get_data(as_text=True)
        assert response.status_code in (302, 403), response.status_code
        assert person not in html.split('<p class="detail">', 1)[-1].split("</p>", 1)[0]
    assert _staff(services, person) == before
    assert _system(services, "org.staff.saved") == [] and _system(services, "org.staff.deactivated") == []
    assert _system(services, "org.absence.recorded") == []
    other = "sz-property-lyc-cs" if admin == "lu.fang" else "hn-region-bhw-cs"
    assert browser.get(f"/org/units/{other}").status_code == 404


def test_deactivation_hands_the_tasks_over_and_ends_the_persons_session(login, services):
    wang = login("wang.fang")
    number = open_complaint(wang)
    task = next(t for t in services.runtime.get_case(number, "wang.fang").tasks)
    services.runtime.claim_task(task.task_id, "wang.fang")
    admin = login("xu.lan")
    page = admin.get("/org/staff/wang.fang").get_data(as_text=True)
    assert number in page and "停用该人员" in page

    response = admin.post("/org/staff/wang.fang/deactivate", {"handover": "zhang.wei"})
    assert response.status_code == 302
    assert "1 项待办已转交zhang.wei" in admin.get("/org/staff/wang.fang").get_data(as_text=True)
    assert [i.case_number for i in services.runtime.inbox("zhang.wei")] == [number]
    assert wang.get("/inbox").status_code == 302  # signed out on the server
    assert not _staff(services, "wang.fang").active


def test_anyone_records_their_own_absence_on_the_account_page(login, services):
    li = login("lin.lihua")
    page = li.get("/account").get_data(as_text=True)
    assert "我的请假与代理人" in page and "吴建平" in page  # her standing deputy
    response = li.post("/org/staff/lin.lihua/absences", {
        "starts_at": "2026-11-24T08:30", "ends_at": "2026-11-26T17:30", "deputy": "wu.jianping",
        "reason": "年假", "next": "account"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    page = li.get("/account").get_data(as_text=True)
    assert "已登记请假" in page and "2026-11-26 17:30" in page and "年假" in page
    bad = li.post("/org/staff/lin.lihua/absences", {
        "starts_at": "2026-11-27T08:30", "ends_at": "2026-11-26T17:30", "deputy": "wu.jianping",
        "next": "account"})
    assert "结束时间须晚于开始时间" in li.get(bad.headers["Location"]).get_data(as_text=True)
    assert len(_system(services, "org.absence.recorded")) == 1


def test_a_new_person_signs_in_with_the_password_their_administrator_makes(login, app, services):
    import re

    from tests.webui.conftest import Browser

    admin = login("xu.lan")
    admin.get("/org/units/sz-property-lyc-cs")
    admin.post("/org/staff", {"login": "zhou.xin", "name": "周欣", "unit": "sz-property-lyc-cs",
                              "roles": "cs_specialist"})
    assert login("lu.fang").post("/org/staff/zhou.xin/password").status_code == 403
    page = admin.post("/org/staff/zhou.xin/password").get_data(as_text=True)
    password = re.search(r"新密码：<code>(\S+?)</code>", page).group(1)
    newcomer = Browser(app.test_client())
    newcomer.get("/login")
    assert newcomer.post("/login", {"login": "zhou.xin", "password": password}).status_code == 302
    [event] = _system(services, "org.staff.password_reset")
    assert event == {"login": "zhou.xin", "sessions_ended": 0} and password not in str(event)


def test_the_other_subsidiarys_administrator_cannot_add_rename_reset_reactivate_or_cancel(login, services):
    """华南区域's administrator on every other write route of 深圳物业's organisation: refused, nothing
    written."""
    from datetime import timedelta

    from sqlalchemy import select

    from engine.store.models import Staff
    from engine.store.org_models import StaffAbsence

    now = services.clock.now()
    admin = services.org_admin()
    admin.deactivate("xu.lan", "zhang.wei", "queue")
    absence, _ = admin.record_absence("xu.lan", "lin.lihua", now + timedelta(days=1), now + timedelta(days=2),
                                      "wu.jianping", "年假")

    def state() -> tuple:
        with services.store.read() as tx:
            hashes = dict(tx.session.execute(select(Staff.login, Staff.password_hash)).all())
            cancelled = tx.session.scalar(select(StaffAbsence.cancelled_at)
                                          .where(StaffAbsence.id == absence.id))
        units = services.org_admin().scope("xu.lan").units
        return (hashes["wang.fang"], _staff(services, "zhang.wei").active, cancelled,
                units["sz-property-lyc"].name, sorted(units), _staff(services, "li.xin"))

    before = state()
    kinds = ("org.unit.saved", "org.staff.saved", "org.staff.reactivated", "org.staff.password_reset",
             "org.absence.cancelled")
    events = {a: len(_system(services, a)) for a in kinds}
    hn = login("lu.fang")
    for path, data in (
            ("/org/units", {"code": "sz-property-lyc-new", "name": "新部门", "kind": "department",
                            "parent": "sz-property-lyc", "department": "property"}),
            ("/org/units/sz-property-lyc", {"name": "改名管理处", "department": ""}),
            ("/org/staff", {"login": "li.xin", "name": "李新", "unit": "sz-property-lyc-cs",
                            "roles": "cs_specialist", "phone": "13800000098"}),
            ("/org/staff/wang.fang/password", {}),
            ("/org/staff/zhang.wei/reactivate", {}),
            (f"/org/absences/{absence.id}/cancel", {"login": "lin.lihua"})):
        response = hn.post(path, data)
        assert response.status_code in (403, 404, 422), (path, response.status_code)
        assert "改名管理处" not in response.get_data(as_text=True)
    assert state() == before
    assert {a: len(_system(services, a)) for a in events} == events
