"""The consultation process (R1, processes/consultation.bpmn) end to end, with an injected clock.

Reply deadline: 2 hours in the group policy (seed 000), 24 hours in the sz-property overlay (seed 001).
The demo org's 丽雅苑 and 锦华园 belong to sz-property; 滨海湾 (hn-region) keeps the group's 2 hours.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import shanghai
from tests.scenarios.conftest import Desk


def ask(desk: Desk, actor: str = "zhang.wei", **overrides: Any) -> str:
    """Open a consultation; returns its number."""
    data: dict[str, Any] = {"customer_name": "陈先生", "customer_phone": "13711112222", "room": "2栋1单元502",
                            "channel": "phone", "question": "阳台可以封闭吗？需要办理什么手续？"}
    data.update(overrides)
    return desk.runtime.open_case("consultation", data, actor).number


def visit(desk: Desk, n: str) -> Any:
    desk.complete(n, "contact_customer", reached=True, attempt_note="接通")
    return desk.complete(n, "record_return_visit", visit_method="phone", satisfaction="satisfied",
                         return_visit_record="客户对答复满意", customer_agrees=True)


def test_a_question_the_faq_answers_is_answered_at_once_in_the_agreed_wording(desk: Desk) -> None:
    wording = "阳台封闭须统一样式，请先到管理处领取《装修申请表》，审批后方可施工。"
    n = ask(desk, faq_entry_id="42", faq_answer=wording)
    data = desk.data(n)
    assert data["reply_text"] == wording
    assert data["reply_source"] == "faq"
    assert data["replied_at"] == "2026-11-23T10:00:00+08:00"  # at once
    assert set(desk.open_tasks(n)) == {"contact_customer"}  # straight to the return visit (R6.1)
    visit(desk, n)
    desk.complete(n, "countersign_phone_record", countersign_confirmed=True)
    case = desk.case(n)
    assert case.status == "closed"
    assert case.outcome == "answered"


def test_an_unknown_question_goes_to_the_expert_then_the_customer_manager_then_the_reply(desk: Desk) -> None:
    n = ask(desk, actor="tian.tian")  # 滨海湾, hn-region: the group's 2 hours
    expert = desk.task(n, "ask_expert")
    assert expert.role == "expert_adviser"
    assert desk.due(n, "ask_expert") == shanghai("2026-11-23 12:00")  # R1.2: 2 hours (seed 000)
    desk.complete(n, "ask_expert", expert_answer="按规划要求，阳台封闭须使用统一型材")
    assert desk.task(n, "confirm_wording").role == "cs_manager"
    desk.complete(n, "confirm_wording", wording_confirmed=True,
                  confirmed_wording="阳台封闭须按小区统一样式，请先到管理处办理装修申请。")
    assert desk.due(n, "reply_customer") == shanghai("2026-11-23 12:00")
    desk.complete(n, "reply_customer", reply_method="phone", add_to_faq=True)
    data = desk.data(n)
    assert data["reply_text"] == "阳台封闭须按小区统一样式，请先到管理处办理装修申请。"
    assert data["reply_source"] == "expert"
    assert "contact_customer" in desk.open_tasks(n)


def test_the_seed_001_overlay_gives_24_hours_to_reply(desk: Desk) -> None:
    n = ask(desk)  # 丽雅苑, sz-property: 24 hours (seed 001 篇3 一.6)
    assert desk.due(n, "ask_expert") == shanghai("2026-11-24 10:00")


def test_the_customer_manager_can_send_the_wording_back_to_the_expert(desk: Desk) -> None:
    n = ask(desk)
    desk.complete(n, "ask_expert", expert_answer="可以")
    desk.complete(n, "confirm_wording", wording_confirmed=False, confirmed_wording="可以",
                  wording_comment="请写明手续")
    assert "ask_expert" in desk.open_tasks(n)


def test_a_consultation_is_closed_after_its_return_visit(desk: Desk) -> None:
    n = ask(desk)
    desk.complete(n, "ask_expert", expert_answer="需办理装修申请")
    desk.complete(n, "confirm_wording", wording_confirmed=True, confirmed_wording="需办理装修申请")
    desk.complete(n, "reply_customer", reply_method="visit")
    desk.complete(n, "contact_customer", reached=True, attempt_note="接通")
    case = desk.complete(n, "record_return_visit", visit_method="on_site", satisfaction="satisfied",
                         return_visit_record="满意", customer_agrees=True)
    assert case.status == "closed"
    assert case.outcome == "answered"
