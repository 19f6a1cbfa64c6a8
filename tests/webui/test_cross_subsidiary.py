"""Issue 13, defect 1: no write crosses a subsidiary, whichever side is which (深圳物业 ↔ 华南区域).

Each test tries a write from the other subsidiary in both directions, checks the refusal (a 4xx, the
text in Chinese, no foreign case number in it) and that nothing was written, then shows the same
write succeeding from inside.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

import pytest

from engine import archives, visitors
from tests.conftest import ROOT, shanghai
from tests.webui.conftest import PASSWORD, Browser, open_complaint
from webui.services import Services

SZ_HOUSE, HN_HOUSE = "lyc-3-1-1202", "bhw-2-1-1501"
WALK_IN = {"purpose": "visit_resident", "customer_name": "李明", "id_type": "passport",
           "id_number": "E12345678"}
EXTRA = ("peng.jun", "he.jing", "feng.tingting", "hu.xuemei", "tian.tian", "shi.lei")


@pytest.fixture
def people(services: Services, login: Callable[[str], Browser]) -> Callable[[str], Browser]:
    """Sign in anyone of the demo org (households loaded)."""
    visitors.import_households(services.runtime, ROOT / "engine" / "demo" / "households.yaml")
    for name in EXTRA:
        services.set_password(name, PASSWORD)
    return login


def _events(services: Services, number: str) -> list[str]:
    return [e.action for e in services.runtime.get_case(number, "zheng.xiaoyan").timeline]


def _detail(response) -> str:  # type: ignore[no-untyped-def]
    """The error page's message (the part written for this request)."""
    html = response.get_data(as_text=True)
    return html.split('<p class="detail">', 1)[1].split("</p>", 1)[0] if '<p class="detail">' in html else ""


@pytest.fixture
def visits(people, services: Services) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One walk-in waiting for the host at 丽雅苑 (深圳物业) and one at 滨海湾 (华南区域)."""
    sz = visitors.register_visit(services.runtime, "peng.jun", {**WALK_IN, "household": SZ_HOUSE})
    hn = visitors.register_visit(services.runtime, "fan.ming", {**WALK_IN, "household": HN_HOUSE})
    assert sz.number.startswith("LF-SZP-") and hn.number.startswith("LF-HNR-")
    return {"sz": sz.number, "hn": hn.number}


@pytest.mark.parametrize(("who", "side"), [("wang.fang", "hn"), ("peng.jun", "hn"), ("fan.ming", "sz")])
def test_a_host_answer_for_a_visit_of_another_subsidiary_is_refused(people, services, visits, who, side):
    number = visits[side]
    response = people(who).post(f"/visitors/{number}/host", {"answer": "declined"})
    detail = _detail(response)
    assert response.status_code == 403 and number not in detail and "无权" in detail
    assert "message.received" not in _events(services, number)
    assert visitors.get_visit(services.runtime, number, "zheng.xiaoyan").host_answer is None


def test_a_host_answer_from_inside_is_recorded(people, services, visits):
    response = people("peng.jun").post(f"/visitors/{visits['sz']}/host", {"answer": "accepted"})
    assert response.status_code == 302
    assert visitors.get_visit(services.runtime, visits["sz"], "peng.jun").host_answer == "accepted"


@pytest.mark.parametrize(("who", "side"), [("wang.fang", "hn"), ("fan.ming", "sz")])
def test_checking_a_foreign_visitor_out_or_turning_it_into_a_complaint_is_refused(people, services, visits,
                                                                                 who, side):
    browser = people(who)
    for path in ("check-out", "complaint", "check-in"):
        assert browser.post(f"/visitors/{visits[side]}/{path}", {"room": "1-101"}).status_code == 403
    assert _events(services, visits[side]).count("task.completed") == 0


# -- archive retention: disposal decisions and legal holds ----------------------------------------------
@pytest.fixture
def records(people, services: Services, clock) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A closed (refused) archive request in each subsidiary, and the clock 11 years on: both expired."""
    sz = archives.request_access(services.runtime, "peng.jun", SZ_HOUSE, "联系车主", "车牌号")
    hn = archives.request_access(services.runtime, "fan.ming", HN_HOUSE, "联系车主", "车牌号")
    for number, supervisor in ((sz.number, "li.na"), (hn.number, "shi.lei")):
        [task] = services.runtime.get_case(number, supervisor).tasks
        services.runtime.complete_task(task.task_id, supervisor, {"decision": "refuse"})
    clock.set(shanghai("2037-11-24 10:00"))
    return {"sz": f"case:{sz.number}", "hn": f"case:{hn.number}"}


@pytest.mark.parametrize(("who", "side"), [("he.jing", "hn"), ("feng.tingting", "sz")])
@pytest.mark.parametrize("action", ["dispose", "keep", "hold", "lift"])
def test_disposal_and_legal_holds_of_another_subsidiary_are_refused(people, services, records, who, side,
                                                                     action):
    form = {"record": records[side], "action": action, "note": "x"}
    response = people(who).post("/archives/disposal", form)
    assert response.status_code == 403, response.get_data(as_text=True)[:300]
    with services.store.read() as tx:
        assert not tx.session.execute(_text("select count(*) from disposal_decisions")).scalar()
        assert not tx.session.execute(_text("select count(*) from legal_holds")).scalar()


@pytest.mark.parametrize(("who", "side"),
                         [("he.jing", "sz"), ("feng.tingting", "hn"), ("zheng.xiaoyan", "hn")])
def test_disposal_of_an_expired_record_from_inside_is_recorded(people, services, records, who, side):
    services.set_password("zheng.xiaoyan", PASSWORD)
    browser = people(who)
    done = browser.post("/archives/disposal", {"record": records[side], "action": "dispose"})
    assert done.status_code == 302
    again = browser.post("/archives/disposal", {"record": records[side], "action": "keep"})
    assert again.status_code == 409 and "已有处理决定" in again.get_data(as_text=True)


@pytest.mark.parametrize(("record", "status", "says"), [
    ("case:NOPE-1", 404, "没有记录"),
    ("case:" + "X" * 200, 422, "不超过 120 字"),
    ("nonsense", 422, "case:编号"),
    ("household:lyc-3-1-1202", 409, "永久保存"),
])
def test_dispose_is_refused_for_unknown_malformed_and_permanent_records(people, records, record, status,
                                                                        says):
    response = people("he.jing").post("/archives/disposal", {"record": record, "action": "dispose"})
    assert response.status_code == status and says in response.get_data(as_text=True)


def test_dispose_is_refused_while_the_retention_runs_and_while_the_case_is_open(people, services, clock):
    fresh = archives.request_access(services.runtime, "peng.jun", SZ_HOUSE, "联系车主", "车牌号").number
    he = people("he.jing")
    response = he.post("/archives/disposal", {"record": f"case:{fresh}", "action": "dispose"})
    assert response.status_code == 409 and "尚未办结" in response.get_data(as_text=True)
    [task] = services.runtime.get_case(fresh, "li.na").tasks
    services.runtime.complete_task(task.task_id, "li.na", {"decision": "refuse"})
    clock.set(shanghai("2030-01-01 10:00"))  # closed 2026: archive_access records are kept 10 years
    he = people("he.jing")  # a new session: the first one timed out in those three years
    response = he.post("/archives/disposal", {"record": f"case:{fresh}", "action": "dispose"})
    assert response.status_code == 409 and "保存期至 2036-11-23" in response.get_data(as_text=True)


def test_a_legal_hold_needs_the_role_before_the_record_is_even_looked_up(people):
    assert people("wang.fang").post("/archives/disposal", {"record": "case:NOPE-1", "action": "hold",
                                                           "note": "x"}).status_code == 403


# -- tasks: transfer and completion through the API ----------------------------------------------------
def test_an_assignee_outside_the_case_scope_cannot_complete_it_through_the_api(login, services, client):
    """Before the fix a transfer could hand a 深圳物业 task to fan.ming, who then completed it by API."""
    number = open_complaint(login("wang.fang"))
    [task] = services.runtime.get_case(number, "wang.fang").tasks
    with services.store.write() as tx:  # such a row as the old transfer wrote it
        tx.update_task(task.task_id, assignee="fan.ming", claimed_at=shanghai("2026-11-23 10:00"))
    headers = {"Authorization": f"Bearer {services.issue_token('fan.ming', 'test')}"}
    response = client.post(f"/api/v1/tasks/{task.task_id}/complete", headers=headers,
                           json={"task": "complaint.raise_order",  # a valid form: the scope refuses
                                 "data": {"order_summary": "上门",
                                          "required_completion": "2026-11-25T17:00"}})
    assert response.status_code == 403 and number not in response.get_data(as_text=True)
    assert "task.completed" not in _events(services, number)
    assert client.post(f"/api/v1/tasks/{task.task_id}/release", headers=headers).status_code == 403


# -- archive requests and uploads, FAQ from a case, comments, attachments, repair orders -------------
@pytest.mark.parametrize(("who", "house"), [("fan.ming", SZ_HOUSE), ("wang.fang", HN_HOUSE)])
def test_archive_requests_and_uploads_for_a_household_of_another_subsidiary_are_refused(people, services, who,
                                                                                       house):
    browser = people(who)
    before = _count(services, "cases")
    response = browser.post("/archives/request", {"household": house, "purpose": "核实", "question": "车牌"})
    assert response.status_code == 403
    upload = browser.post(f"/archives/household/{house}/upload",
                          data={"doc_type": "vehicle_register", "file": (BytesIO(b"%PDF-1.4 x"), "x.pdf"),
                                "csrf_token": browser.token}, content_type="multipart/form-data")
    assert upload.status_code == 403
    assert _count(services, "cases") == before and _count(services, "archive_documents") == 0


def test_the_faq_book_takes_no_answer_from_a_case_of_another_subsidiary(login, services):
    number = open_complaint(login("wang.fang"))
    assert login("fan.ming").post(f"/faq/from-case/{number}", {"line": "property"}).status_code == 403


@pytest.mark.parametrize("path", ["/comments", "/attachments"])
def test_comments_and_attachments_on_a_case_of_another_subsidiary_are_refused(people, services, path):
    hn_case = open_complaint(people("fan.ming"))
    wang = people("wang.fang")
    photo = (BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 40), "a.png")
    data = {"text": "x", "file": photo, "csrf_token": wang.token}
    response = wang.client.post(f"/cases/{hn_case}{path}", data=data, content_type="multipart/form-data")
    detail = _detail(response)
    assert response.status_code == 403 and hn_case not in detail and "其他公司" in detail
    assert _events(services, hn_case).count("comment") == 0 and _count(services, "attachments") == 0


def _count(services: Services, table: str) -> int:
    with services.store.read() as tx:
        return int(tx.session.execute(_text(f"select count(*) from {table}")).scalar() or 0)


def _text(sql: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    return text(sql)
