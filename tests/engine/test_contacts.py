"""Published contacts (R0.3, issue 17): each level edits within its scope, every change is audited and
reaches the CS centre of its subsidiary, which acknowledges it within one working day."""

from __future__ import annotations

import pytest

from engine.clock import FixedClock
from engine.contacts import Contacts
from engine.errors import ConflictError, FormError, PermissionDenied
from engine.runtime import Runtime
from engine.store.org_repo import OrgRepo
from engine.store.worker_repo import WorkerRepo
from tests.conftest import shanghai

HOTLINE = {"hotline": "400-888-1234", "email": "kefu@szwy.example"}


@pytest.fixture
def book(runtime: Runtime) -> Contacts:
    return Contacts.of(runtime)


def stored(runtime: Runtime, unit: str) -> dict[str, str]:
    with runtime.store.read() as tx:
        return {r.channel: r.value for r in OrgRepo(tx).contacts([unit])}


def events(runtime: Runtime, action: str) -> list[dict]:
    with runtime.store.read() as tx:
        return [e.data | {"actor": e.actor} for e in tx.chain_events("system") if e.action == action]


def notified(runtime: Runtime, login: str) -> list[str]:
    with runtime.store.read() as tx:
        return [n.title for n in WorkerRepo(tx).notifications(login)]


def test_a_subsidiarys_administrator_publishes_its_hotline_and_the_cs_centre_is_told(runtime, book):
    change = book.save("xu.lan", "sz-property", HOTLINE)
    assert change is not None
    assert stored(runtime, "sz-property") == {"hotline": "400-888-1234", "email": "kefu@szwy.example"}
    assert change.changes == {"hotline": [None, "400-888-1234"], "email": [None, "kefu@szwy.example"]}
    assert change.due_at == shanghai("2026-11-24 10:00")  # interfaces.change_notice: 1 working day
    [event] = events(runtime, "contact.changed")
    assert event["actor"] == "xu.lan" and event["unit"] == "sz-property" and event["change"] == change.id
    # the CS centre of 深圳物业 (interfaces.acknowledged_by: cs_manager, cs_supervisor), nobody else
    assert notified(runtime, "he.jing") == ["【对接信息变更】深圳物业公司"]
    assert notified(runtime, "li.na") == ["【对接信息变更】深圳物业公司"]
    assert notified(runtime, "feng.tingting") == []  # 华南区域's CS manager
    assert notified(runtime, "yang.fan") == []
    assert book.save("xu.lan", "sz-property", HOTLINE) is None  # nothing changed: nothing to tell


def test_a_change_on_friday_evening_is_due_on_monday(runtime, book, clock: FixedClock):
    clock.set(shanghai("2026-11-27 17:00"))
    change = book.save("xu.lan", "sz-property", HOTLINE)
    assert change is not None and change.due_at == shanghai("2026-11-30 17:00")


def test_a_department_head_names_the_departments_contact_but_not_the_companys(runtime, book):
    book.save("yang.fan", "sz-property-property", {"person": "杨帆", "phone": "0755-8888 1234",
                                                   "email": "property@szwy.example"})
    assert stored(runtime, "sz-property-property") == {"person": "杨帆", "phone": "0755-88881234",
                                                       "email": "property@szwy.example"}
    with pytest.raises(PermissionDenied):
        book.save("yang.fan", "sz-property", HOTLINE)
    assert stored(runtime, "sz-property") == {}


def test_another_subsidiarys_administrator_changes_nothing(runtime, book):
    with pytest.raises(PermissionDenied) as refused:
        book.save("lu.fang", "sz-property", HOTLINE)
    assert "深圳" not in str(refused.value.zh)
    assert stored(runtime, "sz-property") == {}
    assert events(runtime, "contact.changed") == []
    assert notified(runtime, "he.jing") == []


@pytest.mark.parametrize(("values", "field", "zh"), [
    ({"email": "kefu at szwy"}, "email", "工作电子信箱不是有效的电子信箱"),
    ({"hotline": "call us"}, "hotline", "400客服电话格式不对"),
    ({"fax": "0755-1"}, "fax", "该单位没有这一联系方式"),
    ({"email": "x" * 201 + "@a.cn"}, "email", "最多200个字"),
])
def test_bad_contacts_are_refused_on_their_field_in_chinese_and_nothing_is_stored(
        runtime, book, values, field, zh):
    with pytest.raises(FormError) as refused:
        book.save("xu.lan", "sz-property", values)
    assert field in refused.value.errors
    assert zh in refused.value.errors_zh[field]  # type: ignore[attr-defined]
    assert stored(runtime, "sz-property") == {}


def test_the_cs_centre_acknowledges_a_change_once_audited(runtime, book, clock: FixedClock):
    change = book.save("xu.lan", "sz-property", HOTLINE)
    assert change is not None
    assert [p.change.id for p in book.pending("he.jing")] == [change.id]
    assert book.pending("feng.tingting") == [] and book.pending("zhang.wei") == []
    with pytest.raises(PermissionDenied):
        book.acknowledge("feng.tingting", change.id)  # 华南区域's CS manager
    with pytest.raises(PermissionDenied):
        book.acknowledge("yang.fan", change.id)
    clock.set(shanghai("2026-11-24 11:00"))  # an hour after the due time
    done = book.acknowledge("he.jing", change.id)
    assert done.acknowledged_by == "he.jing" and done.acknowledged_at == shanghai("2026-11-24 11:00")
    [event] = events(runtime, "contact.acknowledged")
    assert event["actor"] == "he.jing" and event["change"] == change.id and event["late"] is True
    assert book.pending("he.jing") == []
    with pytest.raises(ConflictError, match="already acknowledged by he.jing"):
        book.acknowledge("li.na", change.id)


def test_every_staff_member_searches_the_book_by_unit_or_by_value(runtime, book):
    book.save("xu.lan", "sz-property", HOTLINE)
    book.save("yang.fan", "sz-property-property", {"person": "杨帆", "email": "property@szwy.example"})
    found = {c.code: c for c in book.book("tian.tian")}  # 华南区域's specialist: the book is the group's
    assert set(found) == {"sz-property", "sz-property-property"}
    assert found["sz-property"].path == "华锦集团"
    assert [(c.name, c.value) for c in found["sz-property"].channels] == [
        ("400客服电话", "400-888-1234"), ("工作电子信箱", "kefu@szwy.example")]
    assert not found["sz-property"].may_edit
    assert [c.code for c in book.book("tian.tian", "888-1234")] == ["sz-property"]
    assert "sz-property-property" in [c.code for c in book.book("zhang.wei", "物业管理部")]
    assert [c.code for c in book.book("zhang.wei", "杨帆")] == ["sz-property-property"]


def test_a_query_of_digits_compares_digits_only(runtime, book):
    book.save("xu.lan", "sz-property", HOTLINE)
    book.save("yang.fan", "sz-property-property", {"person": "杨帆", "phone": "0755-8888 0012"})
    assert [c.code for c in book.book("tian.tian", "88812")] == ["sz-property"]  # 400-888-1234
    assert [c.code for c in book.book("tian.tian", "4008881234")] == ["sz-property"]
    assert [c.code for c in book.book("tian.tian", "888 12")] == ["sz-property"]
    assert [c.code for c in book.book("tian.tian", "88880012")] == ["sz-property-property"]
    assert book.book("tian.tian", "88813") == []  # digits in another order find nothing
    assert book.book("tian.tian", "szwy8881") == []  # not digits: compared as typed


def test_the_demo_contacts_publish_every_areas_hotline_and_every_departments_contact(runtime, book):
    import yaml

    from engine.cli.cases import DEMO_CONTACTS

    book.save("xu.lan", "sz-property", {"hotline": "400-888-9999"})  # published before: kept
    seeded = book.seed(yaml.safe_load(DEMO_CONTACTS.read_text(encoding="utf-8"))["contacts"])
    with runtime.store.read() as tx:
        units = tx.units()
    assert seeded == len(units) - 1
    found = {c.code: {ch.code: ch.value for ch in c.channels} for c in book.book("tian.tian")}
    assert set(found) == set(units)
    for code, unit in units.items():
        if code == "sz-property":
            continue
        wanted = ("person", "phone", "email") if unit.kind == "department" else ("hotline", "email")
        assert all(found[code][channel] for channel in wanted), code
    assert found["sz-property"] == {"hotline": "400-888-9999", "email": ""}
    assert found["hn-region"] == {"hotline": "400-666-5678", "email": "kefu@hnqy.example"}
    assert [c.code for c in book.book("zhang.wei", "4006665678")] == ["hn-region"]
    assert [c.code for c in book.book("zhang.wei", "何军")] == ["sz-property-engineering"]  # its person
    assert [c.code for c in book.book("zhang.wei", "lyc-engineering@szwy")] == ["sz-property-lyc-engineering"]
    assert book.seed({"sz-property-lyc": {"hotline": "400-000-0000"}, "nowhere": {"hotline": "400-1"}}) == 0



def test_the_book_reads_the_way_the_group_reads_its_organisation(runtime, book):
    """The group and its own departments first, then each subsidiary in the org file's order (深圳物业
    before 华南区域) with its departments and then its projects (each with its departments); a unit
    added on the 组织 page comes last among its siblings."""
    from engine.org_admin import OrgAdmin, reading_order

    with runtime.store.read() as tx:
        units = tx.units()
    read = reading_order(units)
    assert set(read) == set(units)
    assert read[:3] == ["group", "group-cs", "group-admin"]
    assert read.index("sz-property") < read.index("hn-region")
    sz = read[read.index("sz-property"):read.index("hn-region")]
    assert sz[:4] == ["sz-property", "sz-property-cs", "sz-property-engineering", "sz-property-property"]
    first_project = next(i for i, c in enumerate(sz) if units[c].kind == "project")
    assert all(units[c].kind == "department" and units[c].parent == "sz-property"
               for c in sz[1:first_project])
    assert sz[first_project:first_project + 4] == [
        "sz-property-lyc", "sz-property-lyc-cs", "sz-property-lyc-engineering", "sz-property-lyc-security"]
    assert sz.index("sz-property-lyc") < sz.index("sz-property-jhy")
    hn = read[read.index("hn-region"):]
    assert hn[:2] == ["hn-region", "hn-region-cs"] and hn[-4] == "hn-region-bhw"

    OrgAdmin.of(runtime).save_unit("xu.lan", {"code": "sz-property-aa", "name": "安保部",
                                              "kind": "department", "parent": "sz-property",
                                              "department": "security"}, new=True)
    import yaml

    from engine.cli.cases import DEMO_CONTACTS

    book.seed(yaml.safe_load(DEMO_CONTACTS.read_text(encoding="utf-8"))["contacts"])
    book.seed({"sz-property-aa": {"person": "安德", "phone": "0755-88880000"}})
    cards = [c.code for c in book.book("tian.tian")]
    assert cards[:3] == ["group", "group-cs", "group-admin"]
    assert cards.index("sz-property-administration") < cards.index("sz-property-aa") < cards.index(
        "sz-property-lyc")  # after the file's departments (though its code sorts first), before the projects
