"""A real Chromium walks a complaint: login → intake → claim → complete … → GM approves → closed.

Desktop and phone-sized viewports. The steps between the first and the last are driven through the
runtime (webui.demo.advance) to keep the test short; the pages under test are the ones people use.
"""

from __future__ import annotations

import pytest

from tests.webui.browsing import VIEWPORTS, sign_in, signed_in
from tests.webui.live import serve
from webui.demo import advance


def _sign_out(page):
    page.click("header button:has-text('退出')")
    page.wait_for_url("**/login")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_complaint_from_intake_to_closure(chromium, app, services, viewport):
    from playwright.sync_api import expect

    with serve(app) as url:
        context, page = signed_in(chromium, url, "wang.fang", viewport)

        page.click("nav.mainnav >> text=登记投诉")
        page.fill("input[name=customer_name]", "刘先生")
        page.fill("input[name=customer_phone]", "138 0013 8000")
        page.fill("input[name=room]", "3栋1单元1202")
        page.fill("textarea[name=description]", "楼上漏水，天花板渗水")
        page.fill("textarea[name=customer_request]", "尽快维修")
        page.select_option("select[name=channel]", "phone")
        page.select_option("select[name=category]", "facilities")
        expect(page.locator(".choice-help").nth(1)).to_contain_text("共用设施设备")  # category help text
        page.select_option("select[name=urgency]", "normal")
        page.select_option("select[name=scope]", "household")
        page.check("input[name=read_back_confirmed][value=true]")
        page.click("form.intake button[type=submit]")
        page.wait_for_url("**/cases/*")
        expect(page.locator(".flash.success")).to_contain_text("派单时限")
        number = page.locator(".casehead h1").inner_text().split()[-1]

        page.goto(f"{url}/inbox?view=queue")
        page.locator("tr", has_text=number).locator("button:has-text('领取')").click()  # htmx, no reload
        expect(page.locator(".tab", has_text="我的任务").locator(".count")).to_have_text("1")
        page.locator(".tab", has_text="我的任务").click()
        page.locator("tr", has_text=number).locator("text=去处理").click()
        page.fill("textarea[name=order_summary]", "请物业部1小时内上门")
        page.fill("input[name=required_completion]", "2026-11-25T17:00")
        page.click("form.taskform button[type=submit]")
        expect(page.locator(".flash.success")).to_contain_text("任务已完成")
        expect(page.locator("#diagram.ready")).to_be_visible()  # bpmn-js drew it

        while services.runtime.get_case(number, "wang.fang").tasks[0].task_name != "gm_approve":
            assert advance(services.runtime, number, 1, "wang.fang") == 1

        _sign_out(page)
        sign_in(page, url, "lin.lihua")
        page.goto(f"{url}/cases/{number}")
        page.click("#tasks button:has-text('领取')")
        page.select_option("select[name=gm_decision]", "approve")
        page.select_option("select[name=final_outcome]", "resolved")
        page.click("form.taskform button[type=submit]")
        expect(page.locator(".casehead .status")).to_contain_text("已结案")
        expect(page.locator("#timeline")).to_contain_text("结案")
        context.close()
