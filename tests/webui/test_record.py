"""The case as a record (issue 15): step cards, what a task decides on, the closure, the same in the API."""

from __future__ import annotations

import re

from tests.webui.conftest import open_complaint
from webui.demo import advance

ORDER = {"order_summary": "请物业部1小时内上门查看渗水", "required_completion": "2026-11-25T17:00",
         "_spec": "raise_order"}


def _ordered(login, services):
    """A complaint whose 督办令 wang.fang raised; the GM's sign_order is open."""
    browser = login("wang.fang")
    number = open_complaint(browser)
    task = services.runtime.get_case(number, "wang.fang").tasks[0].task_id
    browser.post(f"/tasks/{task}/claim", {"next": f"/cases/{number}"})
    response = browser.post(f"/cases/{number}/tasks/{task}/complete", ORDER)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return number


def _section(html: str, element_id: str, end: str = "</section>") -> str:
    found = re.search(rf'id="{element_id}".*?{end}', html, re.S)
    assert found, element_id
    return found.group(0)


def test_the_gm_sees_the_order_above_the_sign_form(login, services):
    number = _ordered(login, services)
    gm = login("lin.lihua")
    task = services.runtime.get_case(number, "lin.lihua").tasks[0]
    assert task.task_name == "sign_order"
    gm.post(f"/tasks/{task.task_id}/claim", {"next": f"/cases/{number}"})

    box = _section(gm.get(f"/cases/{number}").get_data(as_text=True), f"task-{task.task_id}", "</article>")

    assert "本环节依据" in box
    assert "督办事项" in box and "请物业部1小时内上门查看渗水" in box
    assert "要求完成时间" in box and "2026-11-25 17:00" in box
    assert "王芳" in box  # who wrote it
    assert box.index("本环节依据") < box.index('class="taskform"')


def test_the_department_head_sees_the_order_and_the_gm_comment(login, services):
    number = _ordered(login, services)
    task = services.runtime.get_case(number, "lin.lihua").tasks[0]
    services.runtime.claim_task(task.task_id, "lin.lihua")
    services.runtime.complete_task(task.task_id, "lin.lihua",
                                   {"order_decision": "sign", "order_comment": "今天必须上门"})
    head = login("yang.fan")
    visit = services.runtime.get_case(number, "yang.fan").tasks[0]
    assert visit.task_name == "visit_customer"

    box = _section(head.get(f"/cases/{number}").get_data(as_text=True), f"task-{visit.task_id}", "</article>")

    assert "请物业部1小时内上门查看渗水" in box and "今天必须上门" in box and "林丽华" in box


def test_each_completed_step_is_a_card_with_who_when_and_named_choices(login, services):
    number = _ordered(login, services)
    task = services.runtime.get_case(number, "lin.lihua").tasks[0]
    services.runtime.claim_task(task.task_id, "lin.lihua")
    services.runtime.complete_task(task.task_id, "lin.lihua", {"order_decision": "sign"})

    steps = _section(login("li.na").get(f"/cases/{number}").get_data(as_text=True), "steps", "</section>\n")

    assert "已完成环节" in steps
    assert "录入督办令" in steps and "签发督办令" in steps
    assert "王芳" in steps and "林丽华" in steps and "wang.fang" not in steps
    assert "按时完成" in steps
    assert "签发</dd>" in steps or ">签发" in steps  # the choice by its name
    assert ">sign<" not in steps


def test_a_late_step_is_marked_late(login, services, clock):
    browser = login("wang.fang")
    number = open_complaint(browser)
    task = services.runtime.get_case(number, "wang.fang").tasks[0]
    clock.advance(hours=30)  # long past the order's due time
    services.runtime.claim_task(task.task_id, "wang.fang")
    services.runtime.complete_task(task.task_id, "wang.fang",
                                   {"order_summary": "上门", "required_completion": "2026-11-30T17:00"})

    steps = _section(login("wang.fang").get(f"/cases/{number}").get_data(as_text=True), "steps")

    assert "超时完成" in steps


def test_the_timeline_says_what_was_decided(login, services):
    number = _ordered(login, services)
    task = services.runtime.get_case(number, "lin.lihua").tasks[0]
    services.runtime.claim_task(task.task_id, "lin.lihua")
    services.runtime.complete_task(task.task_id, "lin.lihua",
                                   {"order_decision": "return", "order_comment": "写清楚"})

    timeline = _section(login("li.na").get(f"/cases/{number}").get_data(as_text=True), "timeline")

    assert "签发：退回修改" in timeline


def test_a_closed_case_shows_outcome_satisfaction_and_path_at_the_top(login, services):
    number = _ordered(login, services)
    advance(services.runtime, number, 40, "zheng.xiaoyan")
    case = services.runtime.get_case(number, "zheng.xiaoyan")
    assert case.closed_at is not None

    html = login("zheng.xiaoyan").get(f"/cases/{number}").get_data(as_text=True)
    head = _section(html, "closure", "</p>")

    assert "已结案" in html[: html.index('id="closure"')]
    assert "结案结果" in head and "已解决" in head
    assert "客户满意度" in head and "满意" in head
    assert "结案路径" in head and "录入督办令" in head and "总经理批准结案" in head


def test_the_api_returns_the_steps_the_shown_fields_and_what_was_decided(client, services, login):
    number = _ordered(login, services)
    token = services.issue_token("lin.lihua", "test")
    headers = {"Authorization": f"Bearer {token}"}

    case = client.get(f"/api/v1/cases/{number}", headers=headers).get_json()
    events = client.get(f"/api/v1/cases/{number}/timeline", headers=headers).get_json()["events"]

    assert case["status_name"] == {"zh": "督办令已录入", "en": "Order raised"}
    step = case["steps"][0]
    assert step["spec"] == "raise_order" and step["by"] == "王芳" and step["late"] is False
    assert {f["name"]: f["text"]["zh"] for f in step["fields"]}["required_completion"] == "2026-11-25 17:00"
    shows = case["tasks"][0]["shows"]
    assert [f["name"] for f in shows] == ["order_summary", "required_completion"]
    assert shows[0]["label"]["zh"] == "督办事项" and shows[0]["by"] == "王芳"
    completed = [e for e in events if e["action"] == "task.completed"]
    assert completed[0]["decided"]["zh"].startswith("督办事项：请物业部")
    assert case["closure"] is None


def test_a_comment_reads_as_a_comment_not_its_code(login, services):
    number = _ordered(login, services)
    browser = login("wang.fang")
    browser.post(f"/cases/{number}/comments", {"text": "已电话安抚客户"})
    timeline = _section(browser.get(f"/cases/{number}").get_data(as_text=True), "timeline")
    assert "备注了" in timeline or "评论" in timeline or "添加了备注" in timeline
    assert "王芳</b> comment" not in timeline
