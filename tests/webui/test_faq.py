"""The FAQ pages (webui/faq.py): browse, Chinese search, add, edit with revisions, retire, add from a case."""

from __future__ import annotations

import pytest
from flask import Flask

from webui import faq


@pytest.fixture
def pages(app: Flask) -> Flask:
    """The app with the FAQ blueprint (create_app registers it once the lead wires it in)."""
    if "faq" not in app.blueprints:
        faq.init_app(app)
    return app


def add(browser, line: str, question: str, answer: str, keywords: str = ""):  # type: ignore[no-untyped-def]
    form = {"line": line, "question": question, "answer": answer, "keywords": keywords}
    return browser.post("/faq/new", form)


def test_staff_add_an_entry_and_find_it_with_the_customers_own_words(pages, login):
    browser = login("zhang.wei")
    response = add(browser, "design", "阳台可以封闭吗？", "阳台封闭须按统一样式，请先办理申请。", "封阳台")
    assert response.status_code == 302
    add(browser, "property", "停车位怎么租？", "请携带行驶证到管理处办理车位租赁。", "车位")
    page = browser.get("/faq?q=阳台能不能封").get_data(as_text=True)
    assert "阳台可以封闭吗？" in page
    assert "停车位怎么租？" not in page
    listing = browser.get("/faq").get_data(as_text=True)
    assert "设计部" in listing and "阳台可以封闭吗？" in listing and "停车位怎么租？" in listing


def test_a_question_the_book_does_not_answer_points_to_the_expert(pages, login):
    browser = login("zhang.wei")
    page = browser.get("/faq?q=小区附近有地铁站吗").get_data(as_text=True)
    assert "专业顾问" in page


def test_an_entry_with_an_unknown_line_and_no_answer_is_refused_with_the_fields(pages, login):
    browser = login("zhang.wei")
    response = add(browser, "kitchen", "能养鸡吗？", "")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "能养鸡吗？" in page  # the typed input is kept
    assert "marketing, design, engineering, property" in page


def test_editing_keeps_the_old_wording_and_a_stale_edit_is_refused(pages, login):
    browser = login("zhang.wei")
    location = add(browser, "property", "快递可以代收吗？", "前台可代收快递。").headers["Location"]
    entry_url = location
    browser.get(entry_url + "/edit")
    edit = {"version": "1", "line": "property", "question": "快递可以代收吗？", "keywords": ""}
    response = browser.post(entry_url + "/edit", {**edit, "answer": "前台可代收快递，保管 7 天。"})
    assert response.status_code == 302
    page = browser.get(entry_url).get_data(as_text=True)
    assert "前台可代收快递，保管 7 天。" in page and "前台可代收快递。" in page  # both versions shown
    stale = browser.post(entry_url + "/edit", {**edit, "answer": "另一说法"})
    assert stale.status_code == 409


def test_a_retired_entry_is_no_longer_found(pages, login):
    browser = login("zhang.wei")
    entry_url = add(browser, "property", "宠物需要登记吗？", "须到管理处登记。").headers["Location"]
    browser.get(entry_url)
    assert browser.post(entry_url + "/retire", {"version": "1"}).status_code == 302
    assert "宠物需要登记吗？" not in browser.get("/faq?q=宠物登记").get_data(as_text=True)


CONSULTATION = {"customer_name": "陈先生", "customer_phone": "13711112222", "channel": "phone",
                "question": "小区可以安装充电桩吗？"}


def confirm_answer(services, number: str) -> None:  # type: ignore[no-untyped-def]
    """The expert answers and the customer manager confirms the wording (R1.2)."""
    runtime = services.runtime
    for name, worker, data in [
        ("ask_expert", "gao.jianhua", {"expert_answer": "需报电力部门"}),
        ("confirm_wording", "he.jing", {"wording_confirmed": True,
                                        "confirmed_wording": "可以安装，请先到管理处申请。"}),
    ]:
        task = next(t for t in runtime.get_case(number, "zhang.wei").tasks if t.task_name == name)
        runtime.complete_task(task.task_id, worker, data)


def test_a_consultations_confirmed_answer_is_added_in_one_step(pages, login, services):
    case = services.runtime.open_case("consultation", CONSULTATION, "zhang.wei")
    confirm_answer(services, case.number)
    browser = login("zhang.wei")
    browser.get("/faq")
    response = browser.post(f"/faq/from-case/{case.number}", {"line": "property"})
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "小区可以安装充电桩吗？" in page and "可以安装，请先到管理处申请。" in page and case.number in page
    assert browser.post("/faq/from-case", {"number": case.number, "line": "property"}).status_code == 409
    assert browser.post("/faq/from-case", {"number": ""}).status_code == 422


def test_the_faq_pages_need_a_signed_in_user(pages, client):
    assert client.get("/faq").status_code == 302


def test_staff_outside_the_faq_editors_may_search_but_not_edit(pages, login):
    assert add(login("zhang.wei"), "property", "快递可以代收吗？", "前台可代收快递。").status_code == 302
    head = login("yang.fan")  # head of the property department
    assert "快递可以代收吗？" in head.get("/faq?q=快递").get_data(as_text=True)
    assert add(head, "property", "能养鸡吗？", "不能。").status_code == 403


def test_the_case_page_offers_the_confirmed_answer_to_the_book_then_links_the_entry(pages, login, services):
    case = services.runtime.open_case("consultation", CONSULTATION, "zhang.wei")
    browser = login("zhang.wei")
    page = browser.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "咨询</span>" in page and "小区可以安装充电桩吗？" in page
    assert "加入《答客户100问》" not in page  # nothing confirmed yet
    confirm_answer(services, case.number)
    page = browser.get(f"/cases/{case.number}").get_data(as_text=True)
    assert f'action="/faq/from-case/{case.number}"' in page and '<option value="property"' in page
    response = browser.post(f"/faq/from-case/{case.number}", {"line": "property"})
    entry_id = response.headers["Location"].rsplit("/", 1)[1]
    page = browser.get(f"/cases/{case.number}").get_data(as_text=True)
    assert f'href="/faq/{entry_id}"' in page and "/faq/from-case/" not in page
