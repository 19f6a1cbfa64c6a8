"""The case page: header, task forms with inline errors, stale forms, transfer, comments, files, diagram."""

from __future__ import annotations

import pytest

from tests.webui.conftest import open_complaint

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ORDER = {
    "order_summary": "请物业部1小时内上门",
    "required_completion": "2026-11-25T17:00",
    "_spec": "raise_order",
}


def _claimed(login, services, who="wang.fang"):
    browser = login(who)
    number = open_complaint(browser)
    task = services.runtime.get_case(number, who).tasks[0].task_id
    browser.post(f"/tasks/{task}/claim", {"next": f"/cases/{number}"})
    return browser, number, task


def test_case_page_shows_header_summary_form_timeline_and_diagram(login, services):
    browser, number, task = _claimed(login, services)
    html = browser.get(f"/cases/{number}").get_data(as_text=True)
    for text in (
        number,
        "首问责任人",
        "王芳",
        "责任部门",
        "物业公司",
        "刘先生",
        "13800138000",
        "楼上漏水",
        "督办事项",
        f"/cases/{number}/tasks/{task}/complete",
        "受理了案件",
        "领取了任务",
        'data-current="raise_order"',
        "bpmn-viewer.production.min.js",
        'capture="environment"',
    ):
        assert text in html, text


def test_invalid_task_form_comes_back_inline_with_input_kept(login, services):
    browser, number, task = _claimed(login, services)
    response = browser.post(
        f"/cases/{number}/tasks/{task}/complete", {**ORDER, "required_completion": "next week"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "不是有效的日期时间" in html and "请物业部1小时内上门" in html


def test_completing_moves_the_case_on_and_marks_the_step_done(login, services):
    browser, number, task = _claimed(login, services)
    response = browser.post(f"/cases/{number}/tasks/{task}/complete", ORDER)
    assert response.status_code == 302
    html = browser.get(f"/cases/{number}").get_data(as_text=True)
    done = html.split('data-done="', 1)[1].split('"', 1)[0].split(",")
    assert "任务已完成" in html and 'data-current="sign_order"' in html
    assert "raise_order" in done and done[0] != "raise_order"  # the path from the start event on
    assert "督办令已录入" in html


def test_stale_form_says_who_completed_it_and_keeps_the_typed_input(login, services):
    browser, number, task = _claimed(login, services)
    second = login("wang.fang")  # the same person in another tab / phone
    second.get(f"/cases/{number}")
    assert browser.post(f"/cases/{number}/tasks/{task}/complete", ORDER).status_code == 302
    response = second.post(
        f"/cases/{number}/tasks/{task}/complete", {**ORDER, "order_summary": "我在手机上写的内容"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "该任务已被处理" in html and "王芳 已于 2026-11-23 10:00 完成此任务" in html
    assert "我在手机上写的内容" in html


def test_someone_else_cannot_complete_a_claimed_task(login, services):
    _, number, task = _claimed(login, services)
    response = login("zhang.wei").post(f"/cases/{number}/tasks/{task}/complete", ORDER)
    assert response.status_code == 409
    assert "wang.fang" in response.get_data(as_text=True)


def test_transfer_to_a_colleague_with_a_reason(login, services):
    browser, number, task = _claimed(login, services)
    response = browser.post(
        f"/cases/{number}/tasks/{task}/transfer", {"to": "zhang.wei", "reason": "我下午外出"}
    )
    assert response.status_code == 302
    assert number in login("zhang.wei").get("/inbox?view=mine").get_data(as_text=True)
    html = browser.get(f"/cases/{number}").get_data(as_text=True)
    assert "转交了任务" in html and "我下午外出" in html


def test_transfer_to_a_department_puts_it_in_that_queue(login, services):
    browser, number, task = _claimed(login, services)
    assert (
        browser.post(
            f"/cases/{number}/tasks/{task}/transfer", {"to": "sz-property-jhy-cs", "reason": "属锦华园管理"}
        ).status_code
        == 302
    )
    row = services.runtime.get_case(number, "wang.fang").tasks[0]
    assert row.assignee is None and row.candidate_group == "cs_specialist@sz-property-jhy-cs"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"to": "", "reason": "x"}, "必填"),
        ({"to": "zhang.wei", "reason": ""}, "必填"),
        ({"to": "nobody", "reason": "x"}, "nobody"),
    ],
)
def test_transfer_needs_a_known_receiver_and_a_reason(login, services, form, message):
    browser, number, task = _claimed(login, services)
    response = browser.post(f"/cases/{number}/tasks/{task}/transfer", form)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


@pytest.mark.parametrize("to", ["hn-region-cs", "fan.ming"])
def test_transfer_to_a_department_or_person_of_another_subsidiary_is_refused(login, services, to):
    """The receiver would see the customer's name, room and phone: refused next to the field, input kept."""
    browser, number, task = _claimed(login, services)
    response = browser.post(f"/cases/{number}/tasks/{task}/transfer", {"to": to, "reason": "请协助处理"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "不属于本案件所在公司" in html and "请协助处理" in html
    [row] = services.runtime.get_case(number, "wang.fang").tasks
    assert (row.task_id, row.assignee) == (task, "wang.fang")
    assert not [e for e in services.runtime.get_case(number, "wang.fang").timeline
                if e.action == "task.transferred"]


def test_comment_appears_in_the_timeline(login, services):
    browser, number, _ = _claimed(login, services)
    assert browser.post(f"/cases/{number}/comments", {"text": "客户下午三点后在家"}).status_code == 302
    assert "客户下午三点后在家" in browser.get(f"/cases/{number}").get_data(as_text=True)
    assert browser.post(f"/cases/{number}/comments", {"text": "  "}).status_code == 422


def test_photo_upload_is_stored_by_sha256_and_shown(login, services, settings):
    browser, number, _ = _claimed(login, services)
    from io import BytesIO

    response = browser.post(
        f"/cases/{number}/attachments",
        {"file": (BytesIO(PNG), "leak.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    html = browser.get(f"/cases/{number}").get_data(as_text=True)
    assert "leak.png" in html and "上传了附件" in html
    import hashlib

    digest = hashlib.sha256(PNG).hexdigest()
    assert (settings.data_dir / "attachments" / digest[:2] / f"{digest}.png").read_bytes() == PNG
    image = browser.get(f"/cases/{number}/attachments/1")
    body = image.get_data()
    image.close()
    assert image.status_code == 200 and image.mimetype == "image/png" and body == PNG


@pytest.mark.parametrize(
    ("body", "name", "kind"),
    [(b"MZ\x90\x00 not an image", "virus.exe", "image/png"), (b"", "empty.png", "image/png")],
)
def test_upload_checks_the_real_type_and_emptiness(login, services, body, name, kind):
    from io import BytesIO

    browser, number, _ = _claimed(login, services)
    response = browser.post(
        f"/cases/{number}/attachments",
        {"file": (BytesIO(body), name, kind)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422


def test_upload_size_is_limited(login, services, monkeypatch):
    from io import BytesIO

    import webui.uploads as module

    monkeypatch.setattr(module, "MAX_UPLOAD_BYTES", 100)
    browser, number, _ = _claimed(login, services)
    response = browser.post(
        f"/cases/{number}/attachments",
        {"file": (BytesIO(PNG + b"\0" * 200), "big.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422


def test_upload_without_a_file_asks_for_one(login, services):
    browser, number, _ = _claimed(login, services)
    response = browser.post(f"/cases/{number}/attachments", {}, content_type="multipart/form-data")
    assert response.status_code == 422 and "请先选择文件" in response.get_data(as_text=True)


def test_diagram_xml_is_the_cases_process_and_the_processes_it_calls(login, services):
    browser, number, _ = _claimed(login, services)
    response = browser.get(f"/cases/{number}/diagram.bpmn")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert b'<bpmn:process id="complaint"' in response.data and b"bpmndi" in response.data.lower()
    assert b'calledElement="complaint_handling"' in response.data  # the stages are call activities
    called = browser.get(f"/cases/{number}/diagram.bpmn?process=complaint_dispatch")
    assert called.status_code == 200 and b'<bpmn:userTask id="raise_order"' in called.data
    nested = browser.get(f"/cases/{number}/diagram.bpmn?process=return_visit")  # called by a stage
    assert nested.status_code == 200 and b'id="contact_customer"' in nested.data
    missing = browser.get(f"/cases/{number}/diagram.bpmn?process=repair")
    assert missing.status_code == 404 and "没有流程 repair" in missing.get_data(as_text=True)


def test_the_case_page_knows_which_diagram_each_step_is_in(login, services):
    browser, number, _ = _claimed(login, services)
    html = browser.get(f"/cases/{number}").get_data(as_text=True)
    assert 'id="diagram-path"' in html and "点击阶段" in html
    page = services.case_page(services.actor("wang.fang"), number)
    assert [d["id"] for d in page.diagrams][:3] == ["complaint", "complaint_claim", "complaint_handling"]
    assert page.diagrams[2]["calls"]["order_and_dispatch"] == "complaint_dispatch"
    assert page.step_process["raise_order"] == "complaint_dispatch" and page.current_steps == ["raise_order"]


def test_unknown_case_is_a_friendly_404(login):
    response = login("wang.fang").get("/cases/TS-NOPE-1")
    assert response.status_code == 404 and "未找到" in response.get_data(as_text=True)


def test_unknown_attachment_is_404(login, services):
    browser, number, _ = _claimed(login, services)
    assert browser.get(f"/cases/{number}/attachments/99").status_code == 404


def test_transfer_to_a_person_picked_by_name_from_those_who_may_do_it(login, services):
    """Issue 15: "李娜" was refused; the picker lists the holders of the task's role by name."""
    browser, number, task = _claimed(login, services)
    options = browser.get(f"/cases/{number}/tasks/{task}/candidates").get_data(as_text=True)
    assert 'value="张伟"' in options and "wang.fang" not in options and "王芳" not in options  # not oneself
    assert "范明" not in options  # another subsidiary's specialist may not do it
    page = browser.get(f"/cases/{number}").get_data(as_text=True)
    assert f'list="cands-{task}"' in page
    response = browser.post(f"/cases/{number}/tasks/{task}/transfer", {"to": "张伟", "reason": "我下午外出"})
    assert response.status_code == 302
    [row] = services.runtime.get_case(number, "wang.fang").tasks
    assert row.assignee == "zhang.wei"
    timeline = services.runtime.get_case(number, "wang.fang").timeline
    [event] = [e for e in timeline if e.action == "task.transferred"]
    assert event.data["to_name"] == "张伟" and event.data["reason"] == "我下午外出"
    assert "张伟 · 我下午外出" in browser.get(f"/cases/{number}").get_data(as_text=True)  # by name


def test_transfer_back_to_the_queue_with_a_reason(login, services):
    browser, number, task = _claimed(login, services)
    url = f"/cases/{number}/tasks/{task}/transfer"
    refused = browser.post(url, {"to": "", "reason": "", "to_queue": "1"})
    assert refused.status_code == 422 and "必填" in refused.get_data(as_text=True)
    response = browser.post(f"/cases/{number}/tasks/{task}/transfer",
                            {"to": "", "reason": "今天休假", "to_queue": "1"})
    assert response.status_code == 302
    [row] = services.runtime.get_case(number, "wang.fang").tasks
    assert row.assignee is None and row.candidate_group == "cs_specialist@sz-property-lyc"
    html = browser.get(f"/cases/{number}").get_data(as_text=True)
    assert "今天休假" in html and "待认领队列" in html
    again = browser.post(f"/cases/{number}/tasks/{task}/transfer", {"to": "", "reason": "x", "to_queue": "1"})
    assert again.status_code == 422  # already in the queue


def test_the_picker_of_another_subsidiarys_case_is_refused(login, services):
    browser, number, task = _claimed(login, services)
    assert login("fan.ming").get(f"/cases/{number}/tasks/{task}/candidates").status_code == 403
