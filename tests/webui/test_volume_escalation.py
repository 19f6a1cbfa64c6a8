"""R2.13 the volume escalation's case on the web (issue 19): the project's CS supervisor writes the report
on the case page, the group CS manager reviews it; another subsidiary's staff neither see nor write it."""

from __future__ import annotations

START = {"level": "report", "valid_count": 5, "threshold": 5, "window_text": "30天",
         "complaint_numbers": "TS-SZP-2026-000001、TS-SZP-2026-000002", "project": "sz-property-lyc"}


def _task(services, number: str, name: str) -> str:
    [task] = [t for t in services.runtime.get_case(number, "zheng.xiaoyan").tasks if t.task_name == name]
    return task.task_id


def test_the_project_writes_its_report_on_the_case_page_and_another_subsidiary_cannot(login, services):
    number = services.runtime.open_case("volume_escalation", START, "zheng.xiaoyan", by_worker=True).number
    task = _task(services, number, "write_report")
    outsider = login("fan.ming")  # hn-region's project CS specialist
    assert outsider.get(f"/cases/{number}").status_code in (403, 404)
    refused = outsider.post(f"/cases/{number}/tasks/{task}/complete",
                            {"_spec": "write_report", "report": "不相干"})
    assert refused.status_code in (403, 404)
    assert _task(services, number, "write_report") == task  # nothing written
    supervisor = login("li.na")
    page = supervisor.get(f"/cases/{number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "提交书面投诉处理情况报告" in html and "投诉量预警" in html
    empty = supervisor.post(f"/cases/{number}/tasks/{task}/complete", {"_spec": "write_report", "report": ""})
    assert empty.status_code == 422 and _task(services, number, "write_report") == task  # kept open
    done = supervisor.post(f"/cases/{number}/tasks/{task}/complete",
                           {"_spec": "write_report", "report": "5宗均为楼上漏水，已逐一处理"})
    assert done.status_code == 302
    manager = login("zheng.xiaoyan")
    review = _task(services, number, "review_report")
    assert "5宗均为楼上漏水" in manager.get(f"/cases/{number}").get_data(as_text=True)
    accepted = manager.post(f"/cases/{number}/tasks/{review}/complete",
                            {"_spec": "review_report", "review_decision": "accept"})
    assert accepted.status_code == 302
    assert services.runtime.get_case(number, "zheng.xiaoyan").status == "closed"


def test_the_report_step_fits_a_phone(chromium, app, services):
    import os
    from pathlib import Path

    from playwright.sync_api import expect

    from tests.webui.conftest import PASSWORD
    from tests.webui.live import serve

    number = services.runtime.open_case("volume_escalation", START, "zheng.xiaoyan", by_worker=True).number
    with serve(app) as url:
        context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(f"{url}/login")
        page.fill("input[name=login]", "li.na")
        page.fill("input[name=password]", PASSWORD)
        page.click("form button.primary")
        page.wait_for_url("**/inbox")
        page.goto(f"{url}/cases/{number}")
        expect(page.locator("body")).to_contain_text("提交书面投诉处理情况报告")
        expect(page.locator("body")).to_contain_text("投诉量预警")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        if shots := os.environ.get("KEFU_TEST_SHOTS", ""):
            page.screenshot(path=str(Path(shots) / "i19-volume-escalation-phone.png"), full_page=True)
        context.close()


def _escalations(services) -> int:
    from sqlalchemy import text

    with services.store.read() as tx:
        found = tx.conn.execute(text("SELECT count(*) FROM cases WHERE process_id = 'volume_escalation'"))
        return found.scalar()


def test_nobody_opens_a_volume_escalation_by_hand_on_the_web(login, services):
    """R2.13: the count opens it (the worker), never a desk: the intake refuses it in Chinese, for the
    group CS manager who receives it as for the project's supervisor, and no menu offers it."""
    for who in ("zheng.xiaoyan", "li.na"):
        browser = login(who)
        for response in (browser.get("/cases/new/volume_escalation"),
                         browser.post("/cases/new/volume_escalation", {k: str(v) for k, v in START.items()})):
            html = response.get_data(as_text=True)
            assert response.status_code == 403, html[:500]
            assert "由系统按有效投诉宗数自动发起" in html and "不能手工受理" in html
        menu = browser.get("/inbox").get_data(as_text=True)
        assert "/cases/new/volume_escalation" not in menu
        assert "volume_escalation" not in services.intake_desks(services.actor(who))
    assert _escalations(services) == 0


def test_the_api_refuses_to_open_a_volume_escalation_with_a_chinese_message(client, services):
    token = services.issue_token("zheng.xiaoyan", "hand")
    response = client.post("/api/v1/cases", headers={"Authorization": f"Bearer {token}"},
                           json={"process": "volume_escalation", "data": START})
    assert response.status_code == 403, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "kefu.E403" and "opened only by the worker" in error["message"]
    assert "不能手工受理" in error["message_zh"]
    assert _escalations(services) == 0
    document = client.get("/api/v1/openapi.json").get_json()
    assert "Open_volume_escalation" not in document["components"]["schemas"]  # not offered either


def test_the_runtime_opens_it_only_for_the_worker(services):
    import pytest

    from engine.errors import PermissionDenied

    with pytest.raises(PermissionDenied) as refused:
        services.runtime.open_case("volume_escalation", START, "zheng.xiaoyan")
    assert "不能手工受理" in (refused.value.zh or "")
    assert _escalations(services) == 0
    assert services.runtime.open_case("volume_escalation", START, "zheng.xiaoyan", by_worker=True).number
    assert _escalations(services) == 1
