"""Issue 15 in Chromium, on a desktop and a 390 px phone: sticky assignment (the department head goes on
to the next step without claiming it), transfer to a person picked by name with the reason in the
timeline, and intake by staff above project level choosing the project (project staff default to
their own). ``KEFU_SHOTS=<dir>`` saves ``i15-<what>-<viewport>.png``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.webui.browsing import VIEWPORTS, signed_in
from tests.webui.conftest import INTAKE, PASSWORD
from tests.webui.live import serve
from webui.demo import visit_photo

CASE = {k: v for k, v in INTAKE.items() if v != ""} | {"project": "sz-property-lyc"}
PLAN = {"contact_result": "agreed", "visit_record": "已上门查看，确认为楼上防水层破损",
        "plan": "修复楼上防水层并重新粉刷天花板", "agreed_completion": "2026-11-26T17:00:00+08:00",
        "customer_confirmed_plan": True}


def _do(services, number, login, data):
    """Claim (unless it is already theirs) and complete the case's only open task as ``login``."""
    task = services.runtime.get_case(number, login).tasks[0]
    if task.assignee != login:
        services.runtime.claim_task(task.task_id, login)
    if data.get("customer_confirmed_plan"):  # R2.7: the visit's photo before the agreed plan
        visit_photo(services.runtime, number, login)
    services.runtime.complete_task(task.task_id, login, data)


def _page(chromium, url, viewport, login):
    return signed_in(chromium, url, login, viewport, timeout=20000)


def _fits(page, viewport):
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]


def _shot(page, name, viewport):
    shots = os.environ.get("KEFU_SHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / f"i15-{name}-{viewport}.png"), full_page=True)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_department_head_goes_on_to_the_next_step_without_claiming(chromium, app, services, viewport):
    from playwright.sync_api import expect

    number = services.runtime.open_case("complaint", CASE, "wang.fang").number
    _do(services, number, "wang.fang", {"order_summary": "请物业部上门处理漏水",
                                        "required_completion": "2026-11-27T17:00:00+08:00"})
    _do(services, number, "lin.lihua", {"order_decision": "sign"})
    _do(services, number, "yang.fan", PLAN)  # he claimed the visit once; the reply is his at once
    with serve(app) as url:
        context, page = _page(chromium, url, viewport, "yang.fan")
        page.goto(f"{url}/cases/{number}")
        task = page.locator("#tasks article.task").first
        expect(task.locator("h3")).to_contain_text("答复客户")
        expect(task).to_contain_text("杨帆")
        expect(task.locator("button", has_text="领取")).to_have_count(0)  # nothing to claim: it is his
        page.select_option("select[name=reply_method]", "phone")
        page.fill("textarea[name=reply_content]", "已安排维修，周四前完成")
        page.check("input[name=done_within_reply_window][value=true]")
        _fits(page, viewport)
        page.click("#tasks form.taskform button[type=submit]")
        expect(page.locator(".flash.success")).to_contain_text("任务已完成")
        task = page.locator("#tasks article.task").first
        expect(task.locator("textarea[name=progress]")).to_be_visible()  # the work: his form, at once
        expect(task).to_contain_text("杨帆")
        expect(task.locator("button", has_text="领取")).to_have_count(0)
        _shot(page, "sticky", viewport)
        context.close()
    tasks = services.runtime.get_case(number, "yang.fan").tasks
    assert {t.task_name: t.assignee for t in tasks} == {"carry_out_work": "yang.fan",
                                                         "confirm_cooperation": None}  # engineering's


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_task_is_transferred_to_a_person_picked_by_name_with_the_reason_in_the_timeline(
        chromium, app, services, viewport):
    from playwright.sync_api import expect

    number = services.runtime.open_case("complaint", CASE, "wang.fang").number
    with serve(app) as url:
        context, page = _page(chromium, url, viewport, "wang.fang")
        page.goto(f"{url}/cases/{number}")
        page.click("#tasks button:has-text('领取')")
        task = page.locator("#tasks article.task").first
        task.locator("details.transfer summary").click()
        picker = task.locator("input[name=to]")
        expect(task.locator("datalist option[value='张伟']")).to_have_count(1)  # those who may do it, by name
        picker.fill("张伟")
        task.locator("textarea[name=reason]").fill("本人今天外出，请张伟跟进")
        _fits(page, viewport)
        task.locator("details.transfer button[type=submit]:not([name])").click()
        expect(page.locator(".flash.success")).to_be_visible()
        timeline = page.locator("#timeline")
        expect(timeline).to_contain_text("张伟")
        expect(timeline).to_contain_text("本人今天外出，请张伟跟进")
        expect(timeline).not_to_contain_text("zhang.wei")
        _shot(page, "transfer", viewport)
        context.close()
    task = services.runtime.get_case(number, "wang.fang").tasks[0]
    assert task.assignee == "zhang.wei"


def _fill_intake(page):
    page.fill("input[name=customer_name]", "刘先生")
    page.fill("input[name=customer_phone]", "138 0013 8000")
    page.fill("input[name=room]", "1栋1单元502")
    page.fill("textarea[name=description]", "电梯频繁故障")
    page.fill("textarea[name=customer_request]", "尽快维修")
    page.select_option("select[name=channel]", "phone")
    page.select_option("select[name=category]", "facilities")
    page.select_option("select[name=urgency]", "normal")
    page.select_option("select[name=scope]", "household")
    page.check("input[name=read_back_confirmed][value=true]")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_intake_above_project_level_chooses_the_project_and_project_staff_default_to_theirs(
        chromium, app, services, viewport):
    from playwright.sync_api import expect

    services.set_password("he.jing", PASSWORD)
    with serve(app) as url:
        context, page = _page(chromium, url, viewport, "wang.fang")
        page.goto(f"{url}/cases/new")
        expect(page.locator("select[name=project]")).to_have_value("sz-property-lyc")  # her own project
        context.close()

        context, page = _page(chromium, url, viewport, "he.jing")  # 深圳物业's CS manager: no project
        page.goto(f"{url}/cases/new")
        expect(page.locator("select[name=project]")).to_have_value("")
        _fill_intake(page)
        page.click("form.intake button[type=submit]")
        expect(page.locator(".project-choice .error-text")).to_contain_text("请选择案件所属项目")
        expect(page.locator("input[name=room]")).to_have_value("1栋1单元502")  # nothing typed is lost
        _fits(page, viewport)
        _shot(page, "intake-project", viewport)
        page.select_option("select[name=project]", "sz-property-jhy")
        page.click("form.intake button[type=submit]")
        page.wait_for_url("**/cases/*")
        number = page.locator(".casehead h1").inner_text().split()[-1]
        context.close()
    case = services.runtime.get_case(number, "he.jing")
    assert case.project == "sz-property-jhy"
    assert {t.candidate_group for t in case.tasks} == {"cs_specialist@sz-property-jhy"}
