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
    """Open a repair and issue its order by completing ``issue_order`` on the case page; the case number."""
    case = services.runtime.open_case("repair", INTAKE, "zhang.wei")
    task = next(t for t in case.tasks if t.task_name == "issue_order")
    browser.get(f"/cases/{case.number}")
    response = browser.post(f"/cases/{case.number}/tasks/{task.task_id}/complete",
                            {"_spec": "issue_order", "order_items": "更换主卫水龙头",
                             "order_note": "业主下午在家"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].endswith(f"/cases/{case.number}")
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
    response = browser.post(f"/cases/{case.number}/tasks/{task.task_id}/complete",
                            {"_spec": "issue_order", "order_items": "", "order_note": "业主下午在家"})
    assert response.status_code == 422
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


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _at_the_work_step(services: Services) -> tuple[str, str]:
    """A repair whose order is issued and accepted: (case number, the carry_out_repair task id)."""
    from webui.demo import worker_for

    runtime = services.runtime
    number = runtime.open_case("repair", INTAKE, "zhang.wei").number
    for name, data in (("issue_order", {"order_items": "更换主卫水龙头"}),
                       ("accept_order", {"engineer_name": "邓海涛", "planned_visit_at": "2026-11-23T11:00"})):
        task = next(t for t in runtime.get_case(number, "zhang.wei").tasks if t.task_name == name)
        who = worker_for(services.store, task)
        if task.assignee is None:
            runtime.claim_task(task.task_id, who)
        runtime.complete_task(task.task_id, who, data)
    work = next(t for t in runtime.get_case(number, "zhang.wei").tasks if t.task_name == "carry_out_repair")
    if work.assignee is None:
        runtime.claim_task(work.task_id, "deng.haitao")
    return number, work.task_id


def _photo(browser, number: str, stage: str):  # type: ignore[no-untyped-def]
    from io import BytesIO

    return browser.post(f"/cases/{number}/attachments",
                        {"file": (BytesIO(PNG), f"{stage}.png", "image/png"), "stage": stage},
                        content_type="multipart/form-data")


def test_a_stage_ticked_as_photographed_needs_a_photo_of_that_stage(pages, login, services):
    number, task_id = _at_the_work_step(services)
    engineer = login("deng.haitao")
    page = engineer.get(f"/cases/{number}").get_data(as_text=True)
    assert 'name="stage"' in page and '<option value="during">维修中</option>' in page
    assert _photo(engineer, number, "before").status_code == 302
    done = {"_spec": "carry_out_repair", "repair_record": "已更换水龙头",
            "photo_stages": ["before", "during"], "repair_result": "finished"}
    refused = engineer.post(f"/cases/{number}/tasks/{task_id}/complete", done)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "还没有上传这些节点的照片：维修中" in html and "已更换水龙头" in html  # input kept
    assert "carry_out_repair" in {t.task_name for t in services.runtime.get_case(number, "zhang.wei").tasks}
    assert _photo(engineer, number, "during").status_code == 302
    assert _photo(engineer, number, "after").status_code == 302
    done["photo_stages"] = ["before", "during", "after"]  # every stage the policy requires (R3.3)
    assert engineer.post(f"/cases/{number}/tasks/{task_id}/complete", done).status_code == 302
    page = engineer.get(f"/cases/{number}").get_data(as_text=True)
    open_now = {t.task_name for t in services.runtime.get_case(number, "zhang.wei").tasks}
    assert "carry_out_repair" not in open_now
    assert '<span class="ptype">维修前</span>' in page and '<span class="ptype">维修中</span>' in page


def test_an_unknown_stage_or_a_stage_outside_a_repair_is_refused(pages, login, services):
    number, _ = _at_the_work_step(services)
    engineer = login("deng.haitao")
    refused = _photo(engineer, number, "sideways")
    assert refused.status_code == 422 and "没有“sideways”这个拍照节点" in refused.get_data(as_text=True)
    complaint = services.runtime.open_case("complaint", {
        "customer_name": "刘先生", "customer_phone": "13800138000", "room": "3栋1单元1202",
        "description": "楼上漏水", "customer_request": "维修", "channel": "phone", "category": "facilities",
        "urgency": "normal", "scope": "household", "severity": "general", "read_back_confirmed": True,
    }, "wang.fang").number
    desk = login("wang.fang")
    assert _photo(desk, complaint, "before").status_code == 422


def test_a_failing_action_shows_why_on_the_case_page_and_keeps_the_input(pages, login, services, monkeypatch):
    from engine.store.repair_repo import DispatchOrderRepo

    case = services.runtime.open_case("repair", INTAKE, "zhang.wei")
    task = next(t for t in case.tasks if t.task_name == "issue_order")
    services.runtime.claim_task(task.task_id, "zhang.wei")
    browser = login("zhang.wei")
    browser.get(f"/cases/{case.number}")

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(DispatchOrderRepo, "insert_order", broken)
    response = browser.post(f"/cases/{case.number}/tasks/{task.task_id}/complete",
                            {"_spec": "issue_order", "order_items": "更换主卫水龙头"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "本环节的自动操作未能完成，本次提交未保存" in html and "disk full" in html
    assert "更换主卫水龙头" in html  # the typed input is shown again
    assert [t.task_name for t in services.runtime.get_case(case.number, "zhang.wei").tasks] == ["issue_order"]
