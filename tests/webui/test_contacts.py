"""The 通讯录 page (R0.3, issue 17): search, edit within one's scope, the CS centre's acknowledgement,
another subsidiary refused with nothing changed, the intake page offering the book."""

from __future__ import annotations

from engine.store.org_repo import OrgRepo
from tests.webui.conftest import PASSWORD

HOTLINE = {"hotline": "400-888-1234", "email": "kefu@szwy.example"}


def stored(services, unit: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with services.store.read() as tx:
        return {r.channel: r.value for r in OrgRepo(tx).contacts([unit])}


def test_an_administrator_publishes_the_hotline_and_everyone_finds_it(login, services):
    admin = login("xu.lan")
    page = admin.get("/contacts/sz-property")
    assert page.status_code == 200 and "400客服电话" in page.get_data(as_text=True)
    response = admin.post("/contacts/sz-property", HOTLINE)
    assert response.status_code == 302
    assert stored(services, "sz-property") == HOTLINE
    found = login("fan.ming").get("/contacts?q=888-1234")  # another subsidiary reads the whole book
    html = found.get_data(as_text=True)
    assert "深圳物业公司" in html and 'href="tel:400-888-1234"' in html and "mailto:kefu@szwy.example" in html
    assert "/contacts/sz-property\"" not in html  # no edit link for him


def test_a_bad_e_mail_is_a_422_in_chinese_with_the_typed_values_kept(login, services):
    page = login("xu.lan").post("/contacts/sz-property", {"hotline": "400-888-1234", "email": "kefu at szwy"})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "不是有效的电子信箱" in html and 'value="kefu at szwy"' in html and 'value="400-888-1234"' in html
    assert stored(services, "sz-property") == {}


def test_another_subsidiarys_administrator_gets_403_and_nothing_changes(login, services):
    other = login("lu.fang")  # 华南区域's administrator
    assert other.get("/contacts/sz-property").status_code == 403
    assert other.post("/contacts/sz-property", HOTLINE).status_code == 403
    assert stored(services, "sz-property") == {}


def test_the_cs_centre_acknowledges_the_change_from_the_book(login, services):
    for person in ("he.jing", "feng.tingting"):
        services.set_password(person, PASSWORD)
    login("xu.lan").post("/contacts/sz-property", HOTLINE)
    manager = login("he.jing")
    html = manager.get("/contacts").get_data(as_text=True)
    assert "待确认的对接信息变更" in html and "400客服电话：（无） → 400-888-1234" in html
    assert "确认时限 <time>2026-11-24 10:00</time>" in html
    [pending] = services.contacts().pending("he.jing")
    url = f"/contacts/changes/{pending.change.id}/acknowledge"
    assert login("feng.tingting").post(url).status_code == 403
    assert manager.post(url).status_code == 302
    assert services.contacts().pending("he.jing") == []
    assert "待确认的对接信息变更" not in manager.get("/contacts").get_data(as_text=True)


def test_the_intake_page_offers_the_contact_book(login):
    html = login("wang.fang").get("/cases/new").get_data(as_text=True)
    assert 'action="/contacts"' in html and "查找对接人" in html


def test_the_intake_search_finds_the_demo_contacts_by_digits(login, services):
    from engine.cli.cases import _demo_contacts

    _demo_contacts(services.runtime)  # what kefu init --demo publishes
    browser = login("wang.fang")
    html = browser.get("/contacts?q=88812").get_data(as_text=True)  # the intake box's query
    assert "深圳物业公司" in html and "400-888-1234" in html and "kefu@szwy.example" in html
    assert "华南区域公司" not in html
    html = browser.get("/contacts?q=何军").get_data(as_text=True)
    assert "工程部" in html and "engineering@szwy.example" in html


def test_the_cs_centres_inbox_shows_the_changes_to_acknowledge_and_nobody_elses_does(login, services):
    from datetime import timedelta

    for person in ("he.jing", "feng.tingting"):
        services.set_password(person, PASSWORD)
    login("xu.lan").post("/contacts/sz-property", HOTLINE)
    html = login("he.jing").get("/inbox").get_data(as_text=True)  # 深圳物业's CS manager
    assert "对接信息变更待确认：<strong>1</strong>" in html and 'href="/contacts"' in html
    assert "已逾期" not in html
    services.clock.advance(timedelta(days=2))  # past its one working day
    assert "已逾期 1" in login("he.jing").get("/inbox").get_data(as_text=True)
    for other in ("zhang.wei", "feng.tingting"):  # a specialist; 华南区域's CS manager
        assert "对接信息变更待确认" not in login(other).get("/inbox").get_data(as_text=True)
