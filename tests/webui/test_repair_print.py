"""The dispatch order pages (webui/repair.py): issue with a number, the print view (4 copies), the PDF."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from webui import repair
from webui.services import Services

INTAKE = {"customer_name": "李女士", "customer_phone": "13612345678", "room": "5栋2单元801",
          "location": "in_home", "location_detail": "主卫", "description": "卫生间水龙头漏水",
          "channel": "phone"}


@pytest.fixture
def pages(app: Flask) -> Flask:
    """The app with the repair blueprint (create_app registers it once the lead wires it in)."""
    if "repair" not in app.blueprints:
        repair.init_app(app)
    return app


def issued(services: Services, browser) -> str:  # type: ignore[no-untyped-def]
    """Open a repair and issue its order through the page; the case number."""
    case = services.runtime.open_case("repair", INTAKE, "zhang.wei")
    task = next(t for t in case.tasks if t.task_name == "issue_order")
    browser.get(f"/repair/{case.number}/order")
    response = browser.post(f"/repair/{case.number}/tasks/{task.task_id}/issue-order",
                            {"order_items": "更换主卫水龙头", "order_note": "业主下午在家"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].endswith(f"/repair/{case.number}/order")
    return case.number


def test_the_print_view_shows_the_numbered_order_in_four_copies(pages, login, services):
    browser = login("zhang.wei")
    number = issued(services, browser)
    page = browser.get(f"/repair/{number}/order").get_data(as_text=True)
    assert page.count("PG-SZP-2026-000001") >= 4
    for label in ("第一联 业主联", "第二联 财务或相关人员联", "第三联 客服部联", "第四联 工程部联"):
        assert label in page
    assert page.count('class="order-copy"') == 4
    assert "深圳物业公司 报修派工单" in page
    assert "更换主卫水龙头" in page and "户内 · 主卫" in page and "维修人员签字" in page
    assert "@media print" in page and "break-after: page" in page


def test_the_pdf_has_a_page_per_copy_in_a_chinese_font(pages, login, services):
    browser = login("zhang.wei")
    number = issued(services, browser)
    response = browser.get(f"/repair/{number}/order.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    body = response.get_data()
    assert body.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b", body)) == 4
    assert b"STSong-Light" in body
    assert b'PG-SZP-2026-000001.pdf' in response.headers["Content-Disposition"].encode()


def test_an_order_missing_its_items_is_not_issued_and_takes_no_number(pages, login, services):
    browser = login("zhang.wei")
    case = services.runtime.open_case("repair", INTAKE, "zhang.wei")
    task = next(t for t in case.tasks if t.task_name == "issue_order")
    browser.get("/inbox")
    response = browser.post(f"/repair/{case.number}/tasks/{task.task_id}/issue-order", {"order_items": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.number}")
    assert browser.get(f"/repair/{case.number}/order").status_code == 404
    other = issued(services, browser)  # the next order still gets number 1
    assert "PG-SZP-2026-000001" in browser.get(f"/repair/{other}/order").get_data(as_text=True)


def test_staff_of_another_subsidiary_cannot_see_the_order(pages, login, services):
    number = issued(services, login("zhang.wei"))
    other = login("fan.ming")
    assert other.get(f"/repair/{number}/order").status_code in (403, 404)
    assert other.get(f"/repair/{number}/order.pdf").status_code in (403, 404)


def test_the_case_page_links_the_issued_order(pages, login, services):
    browser = login("zhang.wei")
    case = services.runtime.open_case("repair", INTAKE, "zhang.wei")
    page = browser.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "报修</span>" in page and "户内" in page and "主卫" in page  # location by its name
    assert "打印派工单" not in page
    number = issued(services, browser)
    page = browser.get(f"/cases/{number}").get_data(as_text=True)
    assert "打印派工单 PG-SZP-2026-000001" in page and f'href="/repair/{number}/order.pdf"' in page
    assert "开具了派工单" in page
