"""R2.4 the cooperating departments' confirmations on the case page and in the API (issue 19): the
responsible department sees each part (awaiting, confirmed by whom, late); another subsidiary sees
nothing. The browser test runs in Chromium on a desktop and a 390 px phone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.webui.browsing import VIEWPORTS, signed_in
from tests.webui.conftest import PASSWORD
from tests.webui.live import serve

SHOTS = os.environ.get("KEFU_TEST_SHOTS", "")  # a folder: keep the screenshots there to look at them

CASE = {"customer_name": "刘先生", "customer_phone": "13800138000", "room": "3栋1单元1202",
        "description": "楼上漏水", "customer_request": "尽快维修", "channel": "phone",
        "category": "facilities", "urgency": "normal", "scope": "household", "severity": "general",
        "read_back_confirmed": True, "project": "sz-property-lyc"}


def _task(services, number: str, name: str) -> str:
    [task] = [t for t in services.runtime.get_case(number, "zheng.xiaoyan").tasks if t.task_name == name]
    return task.task_id


def _dispatched(services) -> str:
    """A 房屋设备管理 complaint whose order reached 物业管理部 (leads) and 工程部 (cooperates)."""
    rt = services.runtime
    number = rt.open_case("complaint", CASE, "wang.fang").number
    rt.complete_task(_task(services, number, "raise_order"), "wang.fang",
                     {"order_summary": "请物业部处理楼上漏水",
                      "required_completion": "2026-12-31T17:00:00+08:00"})
    rt.complete_task(_task(services, number, "sign_order"), "lin.lihua", {"order_decision": "sign"})
    return number


def test_the_api_shows_the_confirmations_to_the_case_and_refuses_another_subsidiary(client, services):
    number = _dispatched(services)
    own = services.issue_token("yang.fan", "dept")
    foreign = services.issue_token("shi.lei", "other")

    def get(token: str):
        return client.get(f"/api/v1/cases/{number}", headers={"Authorization": f"Bearer {token}"})

    [part] = get(own).get_json()["cooperation"]
    assert (part["department"], part["state"], part["by"]) == ("工程部", "open", None)
    services.runtime.complete_task(_task(services, number, "confirm_cooperation"), "liu.qiang",
                                   {"cooperation_part": "派工程部检修防水层"})
    [part] = get(own).get_json()["cooperation"]
    assert (part["state"], part["by"], part["part"]) == ("confirmed", "刘强", "派工程部检修防水层")
    assert get(foreign).status_code in (403, 404)
    task = {t["spec"]: t for t in get(own).get_json()["tasks"]}
    assert "confirm_cooperation" not in task  # confirmed: out of every inbox


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_responsible_department_sees_the_cooperating_parts_on_the_case_page(
        chromium, app, services, viewport):
    from playwright.sync_api import expect

    number = _dispatched(services)
    services.runtime.complete_task(_task(services, number, "confirm_cooperation"), "liu.qiang",
                                   {"cooperation_part": "派工程部检修楼上防水层，周三前完成",
                                    "cooperation_contact": "刘强 13800000007"})
    with serve(app) as url:
        context, page = signed_in(chromium, url, "yang.fan", viewport)
        page.goto(f"{url}/cases/{number}")
        panel = page.locator("section.cooperation")
        expect(panel).to_contain_text("配合部门确认")
        expect(panel).to_contain_text("工程部")
        expect(panel).to_contain_text("已确认")
        expect(panel).to_contain_text("刘强")
        expect(panel).to_contain_text("派工程部检修楼上防水层")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[viewport]["width"], width
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / f"i19-cooperation-{viewport}.png"), full_page=True)
        context.close()


def test_a_part_nobody_holds_is_flagged_to_the_cs_centre_with_who_can_fix_it(services, login):
    with services.store.engine.begin() as conn:  # 深圳物业's 工程部 head has left: nobody holds the part
        conn.execute(text("UPDATE staff SET active = :no WHERE login = 'liu.qiang'"), {"no": False})
    number = _dispatched(services)
    html = login("lin.lihua").get(f"/cases/{number}").get_data(as_text=True)  # the CS centre's GM
    assert "无人可办" in html
    assert "“工程部”目前无人担任部门一把手，此环节无人能办理或领取。" in html
    assert "请组织管理员在“组织”页任命该岗位或指定代理人（徐岚）" in html  # 深圳物业's org admin
    other = login("yang.fan").get(f"/cases/{number}").get_data(as_text=True)
    assert "无人可办" in other  # the responsible department sees it too
    with services.store.engine.begin() as conn:
        conn.execute(text("UPDATE staff SET active = :yes WHERE login = 'liu.qiang'"), {"yes": True})
    assert "无人可办" not in login("lin.lihua").get(f"/cases/{number}").get_data(as_text=True)


def test_no_one_but_the_cooperating_department_confirms_its_part_over_http(client, services, login):
    number = _dispatched(services)
    task = _task(services, number, "confirm_cooperation")
    body = {"task": "complaint_handling.confirm_cooperation", "data": {"cooperation_part": "越权确认"}}
    for who in ("xu.jianguo", "yang.fan"):  # 华南区域's 工程部 head; the responsible department's head
        token = services.issue_token(who, "t")
        headers = {"Authorization": f"Bearer {token}"}
        assert client.post(f"/api/v1/tasks/{task}/claim", headers=headers).status_code == 403
        response = client.post(f"/api/v1/tasks/{task}/complete", headers=headers, json=body)
        assert response.status_code == 403, response.get_data(as_text=True)
    services.set_password("xu.jianguo", PASSWORD)
    browser = login("xu.jianguo")  # the web form of the other subsidiary's department head
    response = browser.post(f"/cases/{number}/tasks/{task}/complete",
                            {"_spec": "confirm_cooperation", "cooperation_part": "越权确认"})
    assert response.status_code in (403, 404)
    own = services.issue_token("yang.fan", "own")
    [part] = client.get(f"/api/v1/cases/{number}",
                        headers={"Authorization": f"Bearer {own}"}).get_json()["cooperation"]
    assert (part["state"], part["by"]) == ("open", None)  # nothing written
    with services.store.read() as tx:
        actions = [e.action for e in tx.case_audit(services.runtime.get_case(number, "zheng.xiaoyan").id)]
    assert "task.completed" in actions and actions.count("task.completed") == 2  # the order's two steps


def test_the_cs_centre_sees_a_part_nobody_can_take_flagged_in_the_browser(chromium, app, services):
    from playwright.sync_api import expect

    with services.store.engine.begin() as conn:  # 深圳物业's 工程部 head has left
        conn.execute(text("UPDATE staff SET active = :no WHERE login = 'liu.qiang'"), {"no": False})
    number = _dispatched(services)
    with serve(app) as url:
        context, page = signed_in(chromium, url, "lin.lihua", "phone")
        page.goto(f"{url}/cases/{number}")
        flag = page.locator("p.needs.nobody")
        expect(flag).to_contain_text("无人可办")
        expect(flag).to_contain_text("徐岚")
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / "coop-nobody-phone.png"), full_page=True)
        page.goto(f"{url}/inbox?view=all")  # the CS centre's 全部 view flags it too
        expect(page.locator("table.tasks")).to_contain_text("无人可办")
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / "coop-nobody-inbox-phone.png"), full_page=True)
        context.close()


def test_the_cs_centres_all_open_view_flags_a_part_nobody_can_take(services, login):
    number = _dispatched(services)
    gm = login("lin.lihua")  # the CS centre's GM: the 全部 (all open) view
    page = gm.get("/inbox?view=all").get_data(as_text=True)
    assert number in page and "无人可办" not in page
    with services.store.engine.begin() as conn:  # 深圳物业's 工程部 head leaves
        conn.execute(text("UPDATE staff SET active = :no WHERE login = 'liu.qiang'"), {"no": False})
    page = gm.get("/inbox?view=all").get_data(as_text=True)
    assert page.count(">无人可办</span>") == 1  # the 工程部 part only; 物业's visit has its head
