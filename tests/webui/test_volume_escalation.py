"""R2.13 the volume escalation's case on the web (issue 19): the project's CS supervisor writes the report
on the case page, the group CS manager reviews it; another subsidiary's staff neither see nor write it."""

from __future__ import annotations

import pytest

from tests.webui.browsing import signed_in

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

    from tests.webui.live import serve

    number = services.runtime.open_case("volume_escalation", START, "zheng.xiaoyan", by_worker=True).number
    with serve(app) as url:
        context, page = signed_in(chromium, url, "li.na", {"width": 390, "height": 844})
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
    for who in ("zheng.xiaoyan", "li.na", "fan.ming"):  # the receiver, the writer, another subsidiary
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


@pytest.mark.parametrize("who", ["zheng.xiaoyan", "fan.ming"])  # the group's manager, another subsidiary
def test_the_api_refuses_to_open_a_volume_escalation_with_a_chinese_message(client, services, who):
    token = services.issue_token(who, "hand")
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
    from engine.errors import PermissionDenied

    with pytest.raises(PermissionDenied) as refused:
        services.runtime.open_case("volume_escalation", START, "zheng.xiaoyan")
    assert "不能手工受理" in (refused.value.zh or "")
    assert _escalations(services) == 0
    assert services.runtime.open_case("volume_escalation", START, "zheng.xiaoyan", by_worker=True).number
    assert _escalations(services) == 1


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _reported(login, services, report: str = "5宗均为楼上漏水，已逐一上门处理\n整改：3栋防水层统一检修"):
    """Two real complaints at 丽雅苑 counted (and a number nobody can open); 李娜 attaches a photo and
    writes the report. Returns (the escalation's number, the complaints' numbers)."""
    from io import BytesIO

    from tests.webui.conftest import open_complaint

    desk = login("zhang.wei")
    counted = [open_complaint(desk), open_complaint(desk)]
    start = {**START, "complaint_numbers": "、".join([*counted, "TS-SZP-2026-999999"])}
    number = services.runtime.open_case("volume_escalation", start, "zheng.xiaoyan", by_worker=True).number
    supervisor = login("li.na")
    uploaded = supervisor.post(f"/cases/{number}/attachments",
                               {"file": (BytesIO(PNG), "整改照片.png", "image/png")},
                               content_type="multipart/form-data")
    assert uploaded.status_code == 302
    done = supervisor.post(f"/cases/{number}/tasks/{_task(services, number, 'write_report')}/complete",
                           {"_spec": "write_report", "report": report})
    assert done.status_code == 302
    return number, counted


def _article(html: str, task_id: str) -> str:
    start = html.index(f'id="task-{task_id}"')
    return html[start:html.index("</article>", start)]


def test_the_review_step_shows_the_report_its_files_and_the_complaints_beside_the_decision(login, services):
    number, counted = _reported(login, services)
    review = _task(services, number, "review_report")
    manager = login("zheng.xiaoyan")
    unclaimed = _article(manager.get(f"/cases/{number}").get_data(as_text=True), review)
    assert "已逐一上门处理" in unclaimed and f'href="/cases/{counted[0]}"' in unclaimed  # before claiming too
    assert manager.post(f"/tasks/{review}/claim", {}).status_code == 302
    html = manager.get(f"/cases/{number}").get_data(as_text=True)
    task = _article(html, review)
    assert 'name="review_decision"' in task  # the decision …
    assert "5宗均为楼上漏水，已逐一上门处理\n整改：3栋防水层统一检修" in task  # … beside the report, as is
    assert "李娜" in task  # who wrote it
    assert "整改照片.png" in task and f"/cases/{number}/attachments/" in task  # its file, linked
    for complaint in counted:  # the complaints counted, each linked to its case
        assert f'href="/cases/{complaint}"' in task
    assert "TS-SZP-2026-999999" in task and 'href="/cases/TS-SZP-2026-999999"' not in task  # no such case
    assert task.count("5宗均为楼上漏水") == 1  # not a second time in 本环节依据


def test_a_report_sent_back_shows_the_comment_to_the_project(login, services):
    number, _ = _reported(login, services)
    manager = login("zheng.xiaoyan")
    sent = manager.post(f"/cases/{number}/tasks/{_task(services, number, 'review_report')}/complete",
                        {"_spec": "review_report", "review_decision": "return",
                         "review_comment": "请补充整改时间表"})
    assert sent.status_code == 302
    html = login("li.na").get(f"/cases/{number}").get_data(as_text=True)
    task = _article(html, _task(services, number, "write_report"))
    assert "退回修改意见" in task and "请补充整改时间表" in task and "郑晓燕" in task


def test_the_case_page_names_the_project_and_who_must_write_the_report(login, services):
    number = services.runtime.open_case("volume_escalation", START, "zheng.xiaoyan", by_worker=True).number
    html = login("zheng.xiaoyan").get(f"/cases/{number}").get_data(as_text=True)
    start = html.index('class="card casehead"')
    head = html[start:html.index("</section>", start)]
    assert "责任部门" not in head  # a volume escalation has no responsible department: it names the project
    assert "深圳物业公司 · 丽雅苑" in head
    actor = head[head.index('id="escalation-actor"'):]
    assert "应提交书面报告" in head and "客服主管" in actor and "李娜" in actor.split("</dd>")[0]
    assert "5宗（标准 5 宗，统计期 30天）" in head
    investigate = {**START, "level": "investigate", "valid_count": 8, "threshold": 8}
    on_site = services.runtime.open_case("volume_escalation", investigate, "zheng.xiaoyan",
                                         by_worker=True).number
    head = login("zheng.xiaoyan").get(f"/cases/{on_site}").get_data(as_text=True)
    actor = head[head.index('id="escalation-actor"'):].split("</dd>")[0]
    assert "现场调研" in head and "客服经理" in actor and "郑晓燕" in actor


def test_another_subsidiary_neither_sees_nor_acts_on_the_report(login, services):
    """Issue: every route the report uses, tried by 华南 staff (范明, project specialist; 马琳, CS centre)."""
    from io import BytesIO

    number, _ = _reported(login, services)
    review = _task(services, number, "review_report")
    for who in ("fan.ming", "ma.lin"):
        outsider = login(who)
        assert outsider.get(f"/cases/{number}").status_code in (403, 404)
        file_page = outsider.get(f"/cases/{number}/attachments/1")
        assert file_page.status_code in (403, 404)
        assert PNG not in file_page.get_data()
        upload = outsider.post(f"/cases/{number}/attachments", {"file": (BytesIO(PNG), "x.png", "image/png")},
                               content_type="multipart/form-data")
        assert upload.status_code in (403, 404)
        decided = outsider.post(f"/cases/{number}/tasks/{review}/complete",
                                {"_spec": "review_report", "review_decision": "accept"})
        assert decided.status_code in (403, 404)
        claimed = outsider.post(f"/tasks/{review}/claim", {})
        assert claimed.status_code in (302, 403, 404)
    token = services.issue_token("fan.ming", "hn")
    api = login("zheng.xiaoyan").client
    response = api.get(f"/api/v1/cases/{number}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (403, 404)
    assert _task(services, number, "review_report") == review  # still open, nothing decided
    view = services.runtime.get_case(number, "zheng.xiaoyan")
    assert [t.assignee for t in view.tasks if t.task_id == review] == [None]  # nobody claimed it
    assert view.status == "open"
    page = login("zheng.xiaoyan").get(f"/cases/{number}").get_data(as_text=True)
    assert "x.png" not in page  # no file slipped in


@pytest.mark.parametrize(("width", "height", "name"), [(1280, 900, "desktop"), (390, 844, "phone")])
def test_the_review_step_in_a_browser(chromium, app, services, login, width, height, name):
    """The group CS manager decides with the report, its file and the complaints in view, on a desktop
    and on a 390 px phone (no sideways scrolling); screenshots into $KEFU_TEST_SHOTS."""
    import os
    from pathlib import Path

    from playwright.sync_api import expect

    from tests.webui.live import serve

    number, counted = _reported(login, services)
    review = _task(services, number, "review_report")
    with serve(app) as url:
        context, page = signed_in(chromium, url, "zheng.xiaoyan", {"width": width, "height": height})
        page.goto(f"{url}/cases/{number}")
        task = page.locator(f"#task-{review}")
        task.get_by_role("button", name="领取").click()
        task = page.locator(f"#task-{review}")
        expect(task.locator("#escalation-report")).to_contain_text("整改：3栋防水层统一检修")
        expect(task.locator("#escalation-files")).to_contain_text("整改照片.png")
        for complaint in counted:
            expect(task.locator("#escalation-complaints").get_by_role("link", name=complaint)).to_be_visible()
        expect(task.locator("[name=review_decision]").first).to_be_attached()
        expect(page.locator("#escalation-project")).to_contain_text("丽雅苑")
        expect(page.locator("#escalation-actor")).to_contain_text("李娜")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if shots := os.environ.get("KEFU_TEST_SHOTS", ""):
            page.screenshot(path=str(Path(shots) / f"vol-review-{name}.png"), full_page=True)
        task.get_by_role("link", name=counted[0]).click()  # the link opens the counted complaint
        page.wait_for_url(f"**/cases/{counted[0]}")
        expect(page.locator("h1")).to_contain_text(counted[0])
        context.close()


def test_the_api_case_read_carries_what_the_reviewer_decides_on(login, services):
    """The API's case read gives the same record as the page: the project, who must write the report, the
    count, the complaints counted (visible or not), the report with its author, and the case's files; the
    OpenAPI document describes it."""
    number, counted = _reported(login, services)
    token = services.issue_token("zheng.xiaoyan", "review")
    api = login("zheng.xiaoyan").client
    response = api.get(f"/api/v1/cases/{number}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    esc = response.get_json()["escalation"]
    assert (esc["level"], esc["project"], esc["subsidiary"]) == ("report", "丽雅苑管理处", "深圳物业公司")
    assert esc["actor_role"]["zh"] == "客服主管" and "李娜" in esc["actor_names"]
    assert (esc["count"], esc["threshold"], esc["window"]) == (5, 5, "30天")
    assert [(c["number"], c["visible"]) for c in esc["complaints"]] == [
        (counted[0], True), (counted[1], True), ("TS-SZP-2026-999999", False)]
    assert esc["report"]["text"] == "5宗均为楼上漏水，已逐一上门处理\n整改：3栋防水层统一检修"
    assert esc["report"]["by"] == "李娜"
    assert [a["filename"] for a in esc["attachments"]] == ["整改照片.png"]
    plain = api.get(f"/api/v1/cases/{counted[0]}", headers={"Authorization": f"Bearer {token}"})
    assert plain.get_json()["escalation"] is None  # a complaint has none
    schema = api.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Case"]
    assert "escalation" in schema["properties"]
    import jsonschema

    document = api.get("/api/v1/openapi.json").get_json()
    resolver_schema = {**schema["properties"]["escalation"], "components": document["components"]}
    jsonschema.validate(esc, resolver_schema)
