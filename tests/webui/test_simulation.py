"""The 时限模拟 page (issue 17): presets, a draft beside the current rules, bad input and the scope."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.webui.test_chinese_first import _english, _Text

CONSULTATION = {"process": "consultation", "unit": "sz-property-lyc", "at": "2026-11-23T10:00",
                "path": "happy"}
SZ = (ROOT / "policies" / "subsidiaries" / "sz-property.yaml").read_text(encoding="utf-8")


def draft(hours: int) -> str:
    return SZ.replace("reply: 24 hours", f"reply: {hours} hours")


def test_the_page_offers_the_presets_and_only_the_projects_of_ones_subsidiary(login):
    page = login("wang.fang").get("/simulate")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for title in ("周五 17:50 收到的投诉", "国庆节前一天下班后收到的投诉", "午休时间收到的投诉"):
        assert title in html
    assert "丽雅苑" in html and "锦华园" in html
    assert "滨海湾" not in html  # 华南区域's project


def test_a_preset_shows_every_deadline_of_a_friday_evening_complaint_in_chinese(login):
    page = login("wang.fang").get("/simulate?process=complaint&at=2026-11-27T17:50&unit=sz-property-lyc"
                                  "&path=late")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "录入督办令：丽雅苑管理处客服专员，时限 2026-11-30 09:00" in html
    assert "王芳 1200元：时限2026-11-30 09:00" in html  # the DB's first CS specialist took it
    assert "罚款合计" in html and "<strong>1900</strong>" in html
    parser = _Text()  # Chinese first: the crawl test does not run the presets (they are buttons)
    parser.feed(html)
    assert _english(" ".join(parser.words)) == set()


@pytest.mark.parametrize(("process", "at", "path", "shown"), [
    ("repair", "2026-11-27T17:50", "emergency", ["开具派工单：丽雅苑管理处客服专员，时限 2026-11-27 17:50",
                                                  "【紧急通报】", "主管联系客户回访"]),
    ("visitor_reception", "2026-11-28T20:30", "host_absent", ["时限到：等候住户答复（2026-11-28 20:40）",
                                                              "婉言解释并提议另约：彭军按时完成"]),
    ("archive_access", "2026-09-30T16:00", "late", [
        "主管审批：丽雅苑管理处客服主管，时限 2026-10-08 16:00",
        "客服人员查阅并转告：丽雅苑管理处客服专员，时限 2026-10-09 17:00"]),
])
def test_every_process_with_a_script_is_simulated_on_the_page_in_chinese(login, process, at, path, shown):
    page = login("wang.fang").get("/simulate", query_string={"process": process, "at": at, "path": path,
                                                             "unit": "sz-property-lyc"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in shown:
        assert text in html
    for name in ("报修", "来访接待", "业主档案查询"):  # the process list names each process
        assert f">{name}</option>" in html
    parser = _Text()
    parser.feed(html)
    assert _english(" ".join(parser.words)) == set()


def test_a_path_another_process_has_is_a_422_naming_the_paths(login):
    page = login("wang.fang").get("/simulate", query_string={
        "process": "complaint", "at": "2026-11-27T17:50", "path": "host_absent", "unit": "sz-property-lyc"})
    assert page.status_code == 422
    assert "没有这条模拟路径：host_absent" in page.get_data(as_text=True)


def test_a_draft_with_a_12_hour_consultation_reply_shows_the_new_deadline_beside_the_old(login):
    browser = login("wang.fang")
    browser.get("/simulate")
    page = browser.post("/simulate", {**CONSULTATION, "overlay_unit": "sz-property", "overlay": draft(12)})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "时限对比" in html
    row = html[html.index("答复客户"):]
    row = row[:row.index("</tr>")]
    assert "11-24 10:00" in row and "11-23 22:00" in row and "变化" in row


def test_a_draft_of_a_project_without_a_file_of_its_own_shows_its_new_deadline(login):
    browser = login("wang.fang")
    page = browser.get("/simulate?process=consultation&unit=sz-property-jhy")
    assert '<option value="sz-property-jhy"' in page.get_data(as_text=True)  # 锦华园 has no file yet
    jhy = "sz-property-jhy"
    page = browser.post("/simulate", {**CONSULTATION, "unit": jhy, "overlay_unit": jhy,
                                      "overlay": "extends: sz-property\n\nconsultation:\n  reply: 8 hours\n"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    row = html[html.index("答复客户"):]
    row = row[:row.index("</tr>")]
    assert "11-24 10:00" in row and "11-23 18:00" in row and "变化" in row


def test_a_draft_of_the_projects_dispatch_time_shows_the_repairs_new_deadline(login):
    lyc = (ROOT / "policies" / "projects" / "sz-property-lyc.yaml").read_text(encoding="utf-8")
    browser = login("wang.fang")
    browser.get("/simulate")
    faster = lyc.replace("dispatch: 3 minutes", "dispatch: 2 minutes")
    page = browser.post("/simulate", {"process": "repair", "unit": "sz-property-lyc",
                                      "at": "2026-11-23T10:00", "path": "happy",
                                      "overlay_unit": "sz-property-lyc", "overlay": faster})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "变化" in html
    assert "开具派工单：丽雅苑管理处客服专员，时限 2026-11-23 10:03" in html  # the rules in force
    assert "开具派工单：丽雅苑管理处客服专员，时限 2026-11-23 10:02" in html  # the draft


@pytest.mark.parametrize(("process", "said"), [
    ("repair", "滨海湾管理处没有人能办理“工程人员接单”（工程人员），请选择设有该岗位的项目"),
    ("visitor_reception", "滨海湾管理处没有可受理的人员（安全员），请选择设有该岗位的项目"),
])
def test_a_project_without_the_people_a_step_needs_is_a_422_naming_the_role(login, process, said):
    page = login("fan.ming").get("/simulate", query_string={  # 滨海湾 lists no engineer and no guard
        "process": process, "at": "2026-11-23T10:00", "path": "happy", "unit": "hn-region-bhw"})
    assert page.status_code == 422
    assert said in page.get_data(as_text=True)


def test_a_draft_beyond_the_groups_bound_is_refused_on_its_field_and_the_text_is_kept(login):
    browser = login("wang.fang")
    browser.get("/simulate")
    text = draft(48)
    page = browser.post("/simulate", {**CONSULTATION, "overlay_unit": "sz-property", "overlay": text})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "policy.E016" in html and "草案有错误" in html
    assert "reply: 48 hours" in html  # nothing typed is lost


def test_a_bad_time_is_a_422_in_chinese(login):
    page = login("wang.fang").get("/simulate?process=complaint&at=tomorrow&unit=sz-property-lyc")
    assert page.status_code == 422
    assert "请填写受理时间" in page.get_data(as_text=True)


@pytest.mark.parametrize("process", ["nope", '"><img src=x>', "repair_handling"])
def test_a_process_without_a_script_is_a_422_in_chinese_not_a_500(login, process):
    page = login("wang.fang").get("/simulate", query_string={"process": process, "unit": "sz-property-lyc"})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "没有这个流程的模拟" in text and "<img src=x>" not in text


def test_another_subsidiarys_project_or_rules_cannot_be_simulated(login):
    fan = login("fan.ming")  # 华南区域 滨海湾
    page = fan.get("/simulate?process=complaint&at=2026-11-27T17:50&unit=sz-property-lyc")
    assert page.status_code == 403
    assert "丽雅苑" not in page.get_data(as_text=True)
    fan.get("/simulate")
    page = fan.post("/simulate", {**CONSULTATION, "unit": "hn-region-bhw", "overlay_unit": "sz-property",
                                  "overlay": draft(12)})
    assert page.status_code == 422
    assert "草案只能替换本项目或所属公司的细则" in page.get_data(as_text=True)


def test_a_time_given_in_utc_is_shown_on_the_policy_clock(login):
    """2026-12-31T16:00Z is New Year's midnight in Shanghai: the timeline reads 01-01 00:00 (before, the
    page showed 12-31 16:00 beside due times in +08:00)."""
    client = login("wang.fang")
    utc = client.get("/simulate", query_string={**CONSULTATION, "at": "2026-12-31T16:00:00Z"})
    assert utc.status_code == 200
    html = utc.get_data(as_text=True)
    assert "<time>01-01 00:00</time>" in html and "<time>12-31 16:00</time>" not in html
    # the form shows the same wall clock, so sending it again simulates the same moment (not 8 hours later)
    assert 'name="at" value="2027-01-01T00:00"' in html
    local = client.get("/simulate", query_string={**CONSULTATION, "at": "2027-01-01T00:00:00+08:00"})
    midnight = "<time>01-01 00:00</time>"
    assert html.count(midnight) == local.get_data(as_text=True).count(midnight)
