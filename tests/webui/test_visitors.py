"""The visitor desk pages (R4): register fast, the live host answer, the badge with its QR code, the log."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask

from engine import visitors
from tests.conftest import ROOT
from tests.webui.conftest import PASSWORD, Browser
from webui import visitors as visitor_pages
from webui.services import Services

VALID_ID = "440305199003071236"
WALK_IN = {
    "purpose": "visit_resident",
    "customer_name": "李明",
    "id_type": "resident_id",
    "id_number": VALID_ID,
    "household": "lyc-3-1-1202",
    "host_name": "周建国",
}


@pytest.fixture
def gate(app: Flask, services: Services, login: Callable[[str], Browser]) -> Browser:
    """The guard of 丽雅苑 signed in, with the visitor pages registered and the demo households loaded."""
    if "visitors" not in app.blueprints:
        visitor_pages.init_app(app)
    visitors.import_households(services.runtime, ROOT / "engine" / "demo" / "households.yaml")
    services.set_password("peng.jun", PASSWORD)
    return login("peng.jun")


def register(gate: Browser, **changes: str) -> str:
    response = gate.post("/visitors/desk", {**WALK_IN, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    return response.headers["Location"].rsplit("/", 1)[1]


def test_the_desk_page_offers_the_purposes_and_finds_the_projects_households_by_typing(gate: Browser) -> None:
    html = gate.get("/visitors/desk").get_data(as_text=True)
    assert "访客登记" in html and "探访住户" in html and "装修许可" in html
    assert 'id="household_q"' in html and "<select id=\"household\"" not in html  # typed, not a dropdown
    for typed in ("1202", "3-1-1202", "周建国", "周小梅", "11202"):  # room (2 ways), owner, resident, phone
        hits = gate.get("/visitors/households", query_string={"household_q": typed}).get_data(as_text=True)
        assert 'data-code="lyc-3-1-1202"' in hits, typed
        assert "13900011202" not in hits  # phones masked
    other = gate.get("/visitors/households", query_string={"household_q": "502"}).get_data(as_text=True)
    assert "1栋1单元502" not in other  # only 丽雅苑's households
    assert "没有找到" in other


def test_a_typed_household_without_a_pick_is_taken_when_it_is_the_only_match(gate: Browser) -> None:
    response = gate.post("/visitors/desk", {**WALK_IN, "household": "", "household_q": "周建国"})
    assert response.status_code == 302
    response = gate.post("/visitors/desk", {**WALK_IN, "household": "", "household_q": "没有这户"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "没有找到这个住户" in html and 'value="李明"' in html


def test_a_walk_in_is_registered_and_waits_for_the_host_with_live_polling(gate: Browser) -> None:
    number = register(gate)
    html = gate.get(f"/visitors/{number}").get_data(as_text=True)
    assert "等候住户答复" in html
    assert f'hx-get="/visitors/{number}/status"' in html and 'hx-trigger="every 3s"' in html
    assert VALID_ID not in html and "4403**********1236" in html


def test_the_host_accepts_by_link_and_the_guard_sees_it_on_the_next_poll(
    gate: Browser, app: Flask, services: Services
) -> None:
    number = register(gate)
    token = visitors.get_visit(services.runtime, number, "peng.jun").answer_token
    host = Browser(app.test_client())
    page = host.get(f"/visit/answer/{token}").get_data(as_text=True)
    assert "李明" in page and VALID_ID not in page
    assert host.post(f"/visit/answer/{token}", {"answer": "accepted"}).status_code == 200
    status = gate.get(f"/visitors/{number}/status").get_data(as_text=True)
    assert "已同意来访" in status and "hx-trigger" not in status  # polling stops
    assert "打印访客证" in status


def test_the_badge_shows_the_visit_number_and_a_qr_code(gate: Browser) -> None:
    number = register(gate)
    gate.post(f"/visitors/{number}/host", {"answer": "accepted"})
    html = gate.get(f"/visitors/{number}/badge").get_data(as_text=True)
    assert "访客证" in html and number in html and "<svg" in html and "<path" in html


def test_a_wrong_check_digit_is_shown_next_to_the_field_and_the_input_kept(gate: Browser) -> None:
    response = gate.post("/visitors/desk", {**WALK_IN, "id_number": "440305199003071234"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "check digit should be 6" in html or "校验码应为 6" in html
    assert 'value="李明"' in html


def test_check_out_records_the_time(gate: Browser) -> None:
    number = register(gate)
    gate.post(f"/visitors/{number}/host", {"answer": "accepted"})
    gate.post(f"/visitors/{number}/check-out")
    html = gate.get(f"/visitors/{number}").get_data(as_text=True)
    assert "离开时间" in html and "visited" in html


def test_the_log_and_its_export_show_only_masked_id_numbers(gate: Browser) -> None:
    register(gate)
    html = gate.get("/visitors/log?q=李").get_data(as_text=True)
    assert "4403**********1236" in html and VALID_ID not in html
    response = gate.get("/visitors/log.csv")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert "4403**********1236" in text and VALID_ID not in text
    header = text.lstrip("\ufeff").splitlines()[0]
    assert header.startswith("编号,到达时间,访客姓名,证件类型") and "purpose" not in header
    assert not re.search(r",(registered|booked|admitted|visited|id_card|fees)\b", text)  # codes named


def test_the_desk_needs_a_login(app: Flask) -> None:
    if "visitors" not in app.blueprints:
        visitor_pages.init_app(app)
    assert app.test_client().get("/visitors/desk").status_code == 302


def test_the_hosts_sms_carries_an_absolute_answer_link(gate: Browser, services: Services) -> None:
    from engine.store.worker_repo import WorkerRepo

    number = register(gate)
    token = visitors.get_visit(services.runtime, number, "peng.jun").answer_token
    with services.store.read() as tx:
        [sms] = [m for m in WorkerRepo(tx).messages() if m.kind == "visitor.host"]
    # No KEFU_BASE_URL in the test settings: the link uses the address the desk was reached at.
    assert f"http://localhost/visit/answer/{token}" in sms.body


def test_the_desk_marks_and_checks_what_the_policy_requires(gate: Browser) -> None:
    html = gate.get("/visitors/desk").get_data(as_text=True)
    assert "访客姓名 *" in html and "访客电话 *" not in html  # visitor.required_fields of the group
    response = gate.post("/visitors/desk", {**WALK_IN, "household": "", "host_name": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "必填：受访住户房号、受访人、办理部门至少填一项" in page
    assert "请更正：必填：受访住户房号、受访人、办理部门至少填一项" in page  # the flash, once, in Chinese
    assert 'value="李明"' in page  # the input is kept


def test_a_wrong_id_number_is_explained_once_in_the_page_language(gate: Browser) -> None:
    response = gate.post("/visitors/desk", {**WALK_IN, "id_number": "440305199003071235"})
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    assert "身份证号" in html and "校验" in html
    assert "check digit" not in html and "ID number 4403" not in html
