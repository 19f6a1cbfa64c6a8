"""Chromium, desktop and a 390 px phone, on the issue-15 case page: what the GM signs is shown above the
form, every step is a card, a closed case shows how it ended and the path it took, the engineer sees
the phone masked and reveals it with a click the timeline records, and the menu offers one's desks."""

from __future__ import annotations

import pytest

from tests.webui.browsing import VIEWPORTS, signed_in
from tests.webui.conftest import INTAKE, PASSWORD
from tests.webui.live import serve
from webui.demo import advance

ORDER = {"order_summary": "请物业部1小时内上门查看渗水", "required_completion": "2026-11-25T17:00"}


def _ordered(services) -> str:
    """A complaint whose 督办令 wang.fang raised (through the runtime); the GM's sign_order is open."""
    data = {k: v for k, v in INTAKE.items() if v != ""}
    number = services.runtime.open_case("complaint", data, "wang.fang").number
    task = services.runtime.get_case(number, "wang.fang").tasks[0].task_id
    services.runtime.claim_task(task, "wang.fang")
    services.runtime.complete_task(task, "wang.fang", ORDER)
    return number


def _page(chromium, url, login, viewport):  # type: ignore[no-untyped-def]
    return signed_in(chromium, url, login, viewport)[1]


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"page is {width} px wide"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_gm_signs_what_the_order_says_and_steps_read_as_cards(chromium, app, services, viewport):
    from playwright.sync_api import expect

    number = _ordered(services)
    with serve(app) as url:
        page = _page(chromium, url, "lin.lihua", viewport)
        page.goto(f"{url}/cases/{number}")
        page.click("#tasks button:has-text('领取')")
        task = page.locator("#tasks article.task").first
        expect(task.locator(".decides-on")).to_contain_text("请物业部1小时内上门查看渗水")
        expect(task.locator(".decides-on")).to_contain_text("2026-11-25 17:00")
        above = task.locator(".decides-on").bounding_box()["y"]
        assert above < task.locator("form.taskform").bounding_box()["y"]
        card = page.locator("#steps .stepcard").first
        expect(card).to_contain_text("录入督办令")
        expect(card).to_contain_text("王芳")
        expect(card).to_contain_text("按时完成")
        page.select_option("select[name=order_decision]", "return")
        page.fill("textarea[name=order_comment]", "请写明具体部位")
        page.click("form.taskform button[type=submit]")
        expect(page.locator("#timeline")).to_contain_text("签发：退回修改")
        _no_sideways_scroll(page)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_closed_case_shows_how_it_ended_and_the_path_taken(chromium, app, services, viewport):
    from playwright.sync_api import expect

    number = _ordered(services)
    advance(services.runtime, number, 40, "zheng.xiaoyan")
    assert services.runtime.get_case(number, "zheng.xiaoyan").closed_at is not None
    with serve(app) as url:
        page = _page(chromium, url, "zheng.xiaoyan", viewport)
        page.goto(f"{url}/cases/{number}")
        expect(page.locator(".casehead .status")).to_have_text("已结案")
        expect(page.locator("#closure .outcome")).to_have_text("已解决")
        expect(page.locator("#closure .satisfaction")).to_contain_text("满意")
        expect(page.locator("#closure .closure-path")).to_contain_text("总经理批准结案")
        expect(page.locator("#diagram.ready")).to_be_visible()
        done = page.locator("#diagram .djs-element.kefu-done")
        assert done.count() > 15  # start event, automatic steps, gateways, flows: the whole path
        end = page.locator('#diagram [data-element-id="closed"].kefu-done')
        expect(end).to_have_count(1)  # the end event the case reached
        _no_sideways_scroll(page)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_engineer_sees_the_phone_masked_and_reveals_it_with_a_recorded_click(
    chromium, app, services, viewport
):
    from playwright.sync_api import expect

    number = _ordered(services)
    services.set_password("deng.haitao", PASSWORD)
    with serve(app) as url:
        page = _page(chromium, url, "deng.haitao", viewport)
        nav = page.locator("nav.mainnav")
        expect(nav).to_contain_text("登记报修")
        expect(nav).not_to_contain_text("登记投诉")
        page.goto(f"{url}/cases/{number}")
        expect(page.locator(".facts.summary")).to_contain_text("138****8000")
        expect(page.locator("body")).not_to_contain_text("13800138000")
        expect(page.locator("#tasks .needs")).to_contain_text("售后服务中心总经理")
        page.click("button:has-text('显示完整号码')")
        expect(page.locator(".facts.summary")).to_contain_text("13800138000")
        page.goto(f"{url}/cases/{number}")
        expect(page.locator(".facts.summary")).to_contain_text("138****8000")
        expect(page.locator("#timeline")).to_contain_text("查看了客户的完整电话号码")
        _no_sideways_scroll(page)
