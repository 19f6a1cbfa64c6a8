"""The complaint intake desk (R2.1, R2.3, R2.6, R0.7)."""

from __future__ import annotations

from tests.webui.conftest import INTAKE, open_complaint


def test_intake_form_shows_every_start_field_with_choices_and_help(login, services):
    html = login("wang.fang").get("/cases/new").get_data(as_text=True)
    for name in services.registry.get("complaint").start_form.field_names:
        assert f'name="{name}"' in html, name
    assert "来电" in html and "微信" in html  # channels from the policy
    assert "按最终原因而非表面现象分类" in html  # category help
    assert "共用设施设备" in html  # per-category help text (data-help)
    assert 'type="tel"' in html


def test_missing_fields_come_back_inline_with_the_input_kept(login):
    browser = login("wang.fang")
    response = browser.post("/cases/new", {**INTAKE, "customer_name": "", "customer_phone": "12345"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "必填" in html
    assert "不是有效电话号码" in html
    assert "3栋1单元1202" in html and "楼上漏水" in html  # what was typed stays


def test_submit_shows_the_case_number_and_dispatch_deadline(login):
    browser = login("wang.fang")
    number = open_complaint(browser)
    html = browser.get(f"/cases/{number}").get_data(as_text=True)
    assert f"已受理，案件编号 {number}" in html
    assert "派单时限：2026-11-23 10:30" in html  # raise_order: 30 minutes after the call (R2.5)


def test_solved_on_the_spot_with_confirmation_closes_at_once(login):
    browser = login("wang.fang")
    number = open_complaint(
        browser, solved_on_spot="on", customer_confirmed="on", on_spot_resolution="当场更换灯泡"
    )
    html = browser.get(f"/cases/{number}").get_data(as_text=True)
    assert "当场解决并结案" in html
    assert "已结案" in html


def test_english_intake_uses_english_labels(login):
    browser = login("wang.fang")
    browser.post("/lang/en", {"next": "/cases/new"})
    html = browser.get("/cases/new").get_data(as_text=True)
    assert "Customer name" in html and "Register complaint" in html


def test_unknown_intake_process_is_404(login):
    assert login("wang.fang").get("/cases/new/nothing").status_code == 404


REPAIR = {
    "customer_name": "周女士",
    "customer_phone": "13900139000",
    "room": "5栋2单元803",
    "location": "in_home",
    "description": "卫生间水龙头漏水",
    "channel": "phone",
}


def test_the_nav_offers_every_intake_desk(login):
    html = login("wang.fang").get("/inbox").get_data(as_text=True)
    for href in ("/cases/new/repair", "/cases/new/consultation", "/faq", "/visitors/desk", "/archives"):
        assert f'href="{href}"' in html, href


def test_repair_intake_opens_a_repair_case_with_its_first_deadline(login, services):
    browser = login("wang.fang")
    html = browser.get("/cases/new/repair").get_data(as_text=True)
    assert "报修受理" in html and 'name="location"' in html and "登记</button>" in html
    response = browser.post("/cases/new/repair", REPAIR)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    number = response.headers["Location"].split("/cases/")[1].split("?")[0]
    assert services.runtime.get_case(number, "wang.fang").process_id == "repair"
    assert "第一步期限" in browser.get(f"/cases/{number}").get_data(as_text=True)


def test_a_consultation_from_an_faq_entry_is_answered_in_the_books_wording(login, services):
    editor = login("zhang.wei")
    location = editor.post("/faq/new", {"line": "property", "question": "快递可以代收吗？",
                                        "answer": "前台可代收快递，保管 7 天。", "keywords": "快递"})
    entry_id = location.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    assert "/cases/new/consultation?faq_entry_id=" + entry_id in editor.get(f"/faq/{entry_id}").get_data(
        as_text=True
    )
    browser = login("wang.fang")
    form = browser.get(f"/cases/new/consultation?faq_entry_id={entry_id}&question=快递能代收吗").get_data(
        as_text=True
    )
    assert 'name="faq_answer"' not in form and "快递能代收吗" in form  # prefilled, wording not typed
    response = browser.post("/cases/new/consultation", {
        "customer_name": "陈先生", "customer_phone": "13711112222", "channel": "phone",
        "question": "快递能代收吗", "faq_entry_id": entry_id, "faq_answer": "随便",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    number = response.headers["Location"].split("/cases/")[1].split("?")[0]
    data = services.runtime.case_data(number, "wang.fang")
    assert data["reply_text"] == "前台可代收快递，保管 7 天。" and data["reply_source"] == "faq"


def test_a_consultation_naming_a_missing_faq_entry_is_refused_inline(login):
    browser = login("wang.fang")
    form = {"customer_name": "陈先生", "customer_phone": "13711112222", "channel": "phone",
            "question": "能养鸡吗", "faq_entry_id": "abc"}
    response = browser.post("/cases/new/consultation", form)
    assert response.status_code == 422 and "能养鸡吗" in response.get_data(as_text=True)
    response = browser.post("/cases/new/consultation", {**form, "faq_entry_id": "99999"})
    assert response.status_code == 422 and "能养鸡吗" in response.get_data(as_text=True)

