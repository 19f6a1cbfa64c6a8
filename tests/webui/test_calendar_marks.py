"""The provisional calendar in the web UI: 暂定日历 marks on deadlines, the header warning for managers."""

from __future__ import annotations

from tests.conftest import shanghai
from tests.webui.conftest import open_complaint

MARK = '<span class="badge provisional" title="2027年的国务院节假日安排尚未导入'


def test_a_deadline_on_the_provisional_year_is_marked_in_the_inbox_and_on_the_case_page(login, clock):
    clock.set(shanghai("2026-12-31 17:50"))
    browser = login("wang.fang")
    number = open_complaint(browser)
    inbox = browser.get("/inbox?view=queue").get_data(as_text=True)
    assert number in inbox and MARK in inbox and "暂定日历</span>" in inbox
    page = browser.get(f"/cases/{number}").get_data(as_text=True)
    assert page.count(MARK) >= 2  # the banner and the raise-order deadline
    assert 'class="flash provisional" role="note"' in page
    assert "按暂定日历计算时限" in page  # the timeline entry
    browser.post("/lang/en", {"next": f"/cases/{number}"})
    page = browser.get(f"/cases/{number}").get_data(as_text=True)
    assert "Provisional calendar</span>" in page
    assert "2027 has no official holiday arrangement yet" in page


def test_a_deadline_on_an_official_year_has_no_mark(login):
    browser = login("wang.fang")
    number = open_complaint(browser)  # Monday 2026-11-23
    assert "badge provisional" not in browser.get(f"/cases/{number}").get_data(as_text=True)
    assert "badge provisional" not in browser.get("/inbox?view=queue").get_data(as_text=True)


def test_supervisors_and_managers_are_warned_from_60_days_before_a_provisional_year(login, clock):
    warning = "尚未导入2027年节假日安排"
    clock.set(shanghai("2026-11-01 10:00"))  # 61 days before
    assert warning not in login("li.na").get("/inbox").get_data(as_text=True)
    clock.set(shanghai("2026-11-02 10:00"))  # 60 days before
    supervisor = login("li.na").get("/inbox").get_data(as_text=True)
    assert warning in supervisor and "请组织管理员在节假日安排页面导入" in supervisor
    assert "kefu calendar import" not in supervisor  # a command line is no instruction on a Chinese page
    assert warning in login("lin.lihua").get("/inbox").get_data(as_text=True)  # CS-centre GM
    assert warning in login("zheng.xiaoyan").get("/inbox").get_data(as_text=True)  # group CS manager
    assert warning not in login("wang.fang").get("/inbox").get_data(as_text=True)  # a specialist
