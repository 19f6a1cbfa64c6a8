"""Only possible actions (issue 15): intake links by the lanes a person works, who may take a task."""

from __future__ import annotations

import re

import pytest

from tests.webui.conftest import PASSWORD, open_complaint
from webui.demo import advance

NAV = re.compile(r'<nav class="mainnav">(.*?)</nav>', re.S)


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("peng.jun", ["访客登记"], ["登记投诉", "登记报修", "登记咨询"]),
        ("deng.haitao", ["登记报修"], ["登记投诉", "登记咨询", "访客登记"]),
        ("wang.fang", ["登记投诉", "登记报修", "登记咨询", "访客登记"], []),
        ("li.na", ["登记投诉", "登记报修", "登记咨询", "访客登记"], []),
    ],
)
def test_the_menu_offers_the_intake_desks_of_ones_lanes(services, login, who, shown, hidden):
    services.set_password(who, PASSWORD)
    nav = NAV.search(login(who).get("/inbox").get_data(as_text=True)).group(1)
    for text in shown:
        assert text in nav, text
    for text in hidden:
        assert text not in nav, text


def test_a_task_one_cannot_take_names_the_post_and_its_holders(services, login):
    browser = login("wang.fang")
    number = open_complaint(browser)
    while services.runtime.get_case(number, "wang.fang").tasks[0].task_name != "deputy_gm_review":
        assert advance(services.runtime, number, 1, "wang.fang") == 1

    html = login("li.na").get(f"/cases/{number}").get_data(as_text=True)
    note = html.split('class="needs', 1)[1].split("</p>", 1)[0]

    assert "售后服务中心副总经理" in note and "吴建平" in note
    assert "领取</button>" not in html.split('id="tasks"', 1)[1].split("</section>", 1)[0]
