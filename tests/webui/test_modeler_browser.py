"""Chromium drives the process area (issue 14): the process owner opens the complaint in the modeler,
rebinds a lane, adds a field to a form, saves with an error marked on the canvas, fixes it, deploys,
and a new case opens on the new version; the diff page colours what changed; the migration page
dry-runs and moves a case."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import pytest
import yaml
from lxml import etree

from tests.webui.browsing import sign_in
from tests.webui.conftest import PASSWORD, open_complaint
from tests.webui.live import serve

OWNER = "qian.lu"
TASK = "raise_order"  # the complaint's first step after intake: 录入督办令
# KEFU_TEST_SHOTS=DIR keeps the modeler's screenshots there (to look at them); unset, none are taken.
SHOTS = os.environ.get("KEFU_TEST_SHOTS", "")
SPIFF = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


@pytest.fixture
def owner(services):  # type: ignore[no-untyped-def]
    """``kefu init`` has registered the shipped diagrams; the process owner has a password."""
    services.runtime.register_processes()
    services.set_password(OWNER, PASSWORD)
    return services


def _page(chromium, url: str, login: str):  # type: ignore[no-untyped-def]
    page = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    page.set_default_timeout(20000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # type: ignore[attr-defined]
    sign_in(page, url, login)
    return page


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Keep a screenshot when KEFU_TEST_SHOTS names a folder."""
    if SHOTS and Path(SHOTS).is_dir():
        page.screenshot(path=str(Path(SHOTS) / f"modeler-{name}.png"))


def _holder(services, task: str) -> str:  # type: ignore[no-untyped-def]
    """The process whose own diagram has the user task (the complaint, or a diagram it calls)."""
    files = services.runtime.current_files()
    for summary in services.process_catalog(services.actor(OWNER)):
        if f'id="{task}"' in files.get(summary.bpmn_name, ""):
            return summary.process_id
    raise AssertionError(f"no diagram has {task}")


def _calls_down_to(services, holder: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The processes to open one after the other from the complaint's diagram to ``holder``'s (the
    complaint calls its stages through 投诉办理, complaint_handling)."""
    diagrams = {d.process_id: d for d in services.runtime.current_definition("complaint").diagrams()}
    caller = {c: d.process_id for d in diagrams.values() for c in d.calls}
    chain = [holder]
    while chain[0] != "complaint":
        chain.insert(0, caller[chain[0]])
    return chain[1:]


def _select(page, element_id: str) -> None:  # type: ignore[no-untyped-def]
    """Select a shape as a click would (the shapes of a large sheet are small to hit)."""
    page.evaluate("""id => { const m = document.getElementById('modeler').kefuModeler;
        const el = m.get('elementRegistry').get(id); m.get('selection').select(el);
        m.get('canvas').scrollToElement(el); }""", element_id)


def _open_group(page, label: str) -> None:  # type: ignore[no-untyped-def]
    header = page.locator(".bio-properties-panel-group-header", has_text=label).first
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def _wait_modeler(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function("(document.getElementById('modeler') || {}).kefuModeler")


def test_the_owner_edits_checks_fixes_and_deploys_the_complaint_and_a_new_case_uses_it(
        chromium, app, owner, login):
    from playwright.sync_api import expect

    services = owner
    holder = _holder(services, TASK)
    before = services.runtime.resolve_version(holder, "current")
    with serve(app) as url:
        page = _page(chromium, url, OWNER)
        page.click("nav.mainnav >> text=流程")
        page.locator("#process-complaint").get_by_role("link", name="在建模器中修改").click()
        _wait_modeler(page)
        expect(page.locator(".djs-element[data-element-id]").first).to_be_attached()
        _shot(page, "complaint")
        for called in _calls_down_to(services, holder):  # a called diagram: open it from its call activity
            caller = page.evaluate("""p => document.getElementById('modeler').kefuModeler
                .get('elementRegistry').filter(e => e.businessObject.calledElement === p)[0].id""", called)
            _select(page, caller)
            page.dblclick(f".djs-element[data-element-id='{caller}'] .djs-hit")
            page.wait_for_url(f"**/processes/{called}/modeler")
            _wait_modeler(page)

        # Rebind the lane of 录入督办令 from the CS specialist to the CS supervisor.
        lane = page.evaluate("""t => document.getElementById('modeler').kefuModeler.get('elementRegistry')
            .get(t).businessObject.get('lanes')[0].id""", TASK)
        _select(page, lane)
        _open_group(page, "kefu 设置")
        page.select_option("select[name=kefu-lane]", "cs_supervisor")
        expect(page.locator("input[name=kefu-lane-who]")).to_have_value(re.compile("客服主管"))
        expect(page.locator(f".djs-element[data-element-id='{lane}'] .djs-label")).to_have_text("客服主管")
        _shot(page, "lane")

        # Add a field to its form: a choice without its list is a problem the check marks.
        _select(page, TASK)
        _open_group(page, "表单字段")
        page.locator("[data-group-id='group-kefu-form'] .bio-properties-panel-add-entry").click()
        name = page.locator("input[name$='-name'][name^='kefu-field-']").last
        name.fill("order_channel_note")
        page.locator("input[name$='-label'][name^='kefu-field-']").last.fill("督办渠道")
        page.locator("select[name$='-type'][name^='kefu-field-']").last.select_option("choice")
        expect(page.locator(".save-status")).to_have_text("有未保存的修改")
        page.click("button.save")
        expect(page.locator(".check-summary")).to_contain_text("须全部改正后才能发布")
        marked = page.locator(f".djs-element.kefu-problem[data-element-id='{TASK}']")
        expect(marked).to_be_attached()
        expect(page.locator("ul.problems li", has_text=f"[{TASK}]")).to_contain_text("choices_from")
        expect(page.locator("button.deploy")).to_be_disabled()
        _shot(page, "problem")

        # Fix it: the choices come from the policy's channels.
        _select(page, TASK)
        _open_group(page, "表单字段")
        page.locator("select[name$='-choices'][name^='kefu-field-']").last.select_option("channels")
        page.click("button.save")
        expect(page.locator(".check-summary")).to_have_text("检查通过：可以发布")
        expect(page.locator(".djs-element.kefu-problem")).to_have_count(0)
        _shot(page, "clean")
        page.click("button.deploy")
        page.wait_for_url("**/processes")
        _shot(page, "deployed")
        expect(page.locator(".flash.success")).to_contain_text("已发布：")  # with the processes calling it
        expect(page.locator(".flash.success")).to_contain_text(f"{holder} v{before.seq + 1}")
        assert not page.js_errors, page.js_errors

    after = services.runtime.resolve_version(holder, "current")
    assert after.seq == before.seq + 1 and after.deployed_by == OWNER
    definition = services.runtime.definition(holder, after.version)
    field = definition.forms[TASK].fields[-1]
    assert (field.name, field.type, field.choices_from) == ("order_channel_note", "choice", "channels")
    assert definition.user_tasks[TASK].lane == "cs_supervisor"

    number = open_complaint(login("wang.fang"))
    case = services.runtime.get_case(number, "wang.fang")
    complaint = services.runtime.resolve_version("complaint", "current")
    assert case.process_version == complaint.version and complaint.deployed_by == OWNER
    task = next(t for t in case.tasks if t.task_name == TASK)
    assert task.role == "cs_supervisor"
    supervisor = login("li.na")  # the CS supervisor now takes 录入督办令, and its form has the new field
    supervisor.get(f"/cases/{number}")
    assert supervisor.post(f"/tasks/{task.task_id}/claim", {"next": f"/cases/{number}"}).status_code == 302
    page = supervisor.get(f"/cases/{number}").get_data(as_text=True)
    assert "督办渠道" in page and 'name="order_channel_note"' in page


def _deploy_v2(services):  # type: ignore[no-untyped-def]
    """v2 of the process holding raise_order: a new field on its form (as the modeler would write it)."""
    holder = _holder(services, TASK)
    files = services.runtime.current_files()
    definition = services.runtime.current_definition(holder)
    from engine.process_drafts import forms_text, process_files

    bpmn, forms = process_files(definition)
    data = yaml.safe_load(files[forms])
    changed = copy.deepcopy(data)
    changed["tasks"][TASK]["fields"].append({"name": "order_channel_note", "type": "text",
                                             "label": {"zh": "督办渠道", "en": "Channel"}})
    services.runtime.deploy({bpmn: files[bpmn], forms: forms_text(files[forms], changed)}, OWNER)
    return holder


def test_the_diff_page_colours_the_changed_task_on_the_new_diagram(chromium, app, owner):
    from playwright.sync_api import expect

    holder = _deploy_v2(owner)
    with serve(app) as url:
        page = _page(chromium, url, OWNER)
        page.goto(f"{url}/processes")
        page.locator(f"#process-{holder}").get_by_role("link", name="与上一版本比较").click()
        expect(page.locator("h1")).to_contain_text("v1 → v2")
        changed = page.locator(f"#diff-after .djs-element.diff-changed[data-element-id='{TASK}']")
        expect(changed).to_be_attached()
        before = page.locator(f"#diff-before .djs-element.diff-changed[data-element-id='{TASK}']")
        expect(before).to_be_attached()
        expect(page.locator(".diff-list")).to_contain_text("order_channel_note")
        _shot(page, "diff")
        assert not page.js_errors, page.js_errors


def test_the_migration_page_lists_each_case_and_moves_the_selected_one(chromium, app, owner, login):
    from playwright.sync_api import expect

    first = open_complaint(login("wang.fang"))
    second = open_complaint(login("wang.fang"), customer_name="王女士")
    _deploy_v2(owner)
    with serve(app) as url:
        page = _page(chromium, url, OWNER)
        page.goto(f"{url}/processes/complaint/migrate")
        page.click("button.dry-run")
        rows = page.locator(".dry-run-result tr.movable")
        expect(rows).to_have_count(2)
        expect(page.locator(f".dry-run-result tr[data-case='{first}']")).to_contain_text("可以迁移")
        page.uncheck(f"input[name=case][value='{second}']")
        _shot(page, "migrate-dry-run")
        page.click("button.apply")
        result = page.locator("section.applied")
        expect(result).to_contain_text("1 个已迁移")
        expect(result.locator(f"tr[data-case='{first}']")).to_contain_text("已迁移")
        _shot(page, "migrate-applied")
    current = owner.runtime.resolve_version("complaint", "current").version
    assert owner.runtime.get_case(first, "wang.fang").process_version == current
    assert owner.runtime.get_case(second, "wang.fang").process_version != current


def test_the_kefu_group_edits_a_timer_a_due_time_and_a_service_tasks_action(chromium, app, owner):
    """A timer's deadline, a user task's due time and a service task's parameters are picked in the
    kefu group; the saved draft is clean and its diagram carries what was picked."""
    from playwright.sync_api import expect

    from engine.process_drafts import draft_of

    timer_holder = _holder(owner, "silence_elapsed")
    with serve(app) as url:
        page = _page(chromium, url, OWNER)
        page.goto(f"{url}/processes/{timer_holder}/modeler")
        _wait_modeler(page)
        _select(page, "silence_elapsed")
        _open_group(page, "kefu 设置")
        expect(page.locator("select[name=kefu-timer-key]")).to_have_value("complaint.deadlines.silence_close")
        expect(page.locator("input[name=kefu-timer-start]")).to_have_value("closure_checked_at")
        page.fill("input[name=kefu-timer-start]", "received_at")
        expect(page.locator("input[name=kefu-timer-expression]")).to_have_value(
            'deadline("complaint.deadlines.silence_close", received_at)')
        _shot(page, "timer")
        page.click("button.save")
        expect(page.locator(".check-summary")).to_have_text("检查通过：可以发布")

        page.goto(f"{url}/processes/repair/modeler")
        _wait_modeler(page)
        _select(page, "issue_dispatch_order")
        _open_group(page, "kefu 设置")
        expect(page.locator("select[name=kefu-action]")).to_have_value("repair.issue_dispatch_order")
        expect(page.locator("input[name=kefu-param-items]")).to_have_value("order_items")
        expect(page.locator("label[for='bio-properties-panel-kefu-param-note']")).to_contain_text("note: str")
        page.fill("input[name=kefu-param-note]", '"见派工单附件"')
        _shot(page, "action")
        expect(page.locator(".save-status")).to_have_text("有未保存的修改")  # the typing has been applied
        _select(page, "accept_order")
        _open_group(page, "kefu 设置")
        expect(page.locator("select[name=kefu-due-key]")).to_have_value("")  # due = dispatch_due, as written
        page.select_option("select[name=kefu-due-key]", "repair.deadlines.dispatch")
        expect(page.locator("input[name=kefu-due-expression]")).to_have_value(
            'deadline("repair.deadlines.dispatch", received_at)')
        page.click("button.save")
        expect(page.locator(".check-summary")).to_have_text("检查通过：可以发布")
        assert not page.js_errors, page.js_errors

    timer_xml = draft_of(owner.runtime, OWNER, timer_holder)["xml"]
    assert 'deadline("complaint.deadlines.silence_close", received_at)</bpmn:timeDate>' in timer_xml
    repair = etree.fromstring(draft_of(owner.runtime, OWNER, "repair")["xml"].encode())
    note = repair.find(".//spiff:parameter[@id='note']", SPIFF)
    assert (note.get("type"), note.get("value")) == ("str", '"见派工单附件"')
    due = repair.find(".//bpmn:userTask[@id='accept_order']//spiff:property[@name='due']", SPIFF)
    assert due.get("value") == 'deadline("repair.deadlines.dispatch", received_at)'


def test_a_manager_sees_the_diagram_read_only(chromium, app, owner):
    from playwright.sync_api import expect

    with serve(app) as url:
        page = _page(chromium, url, "li.na")
        page.click("nav.mainnav >> text=流程")
        page.locator("#process-repair").get_by_role("link", name="查看流程图").click()
        _wait_modeler(page)
        expect(page.locator(".draft-note")).to_contain_text("只读")
        expect(page.locator("#modeler .djs-element[data-element-id='issue_dispatch_order']")).to_be_attached()
        expect(page.locator(".djs-palette")).to_have_count(0)
        expect(page.locator("button.save")).to_have_count(0)
        expect(page.locator("button.deploy")).to_have_count(0)
        _shot(page, "read-only")
        assert not page.js_errors, page.js_errors


def test_a_user_task_without_a_form_gets_an_empty_one_from_its_form_group(chromium, app, owner):
    """A step changed into a user task has no form (diagram.E031 on the canvas); 新建空表单 in its form
    group creates one without fields (the person only confirms the step), saved with the draft."""
    from playwright.sync_api import expect

    from engine.process_drafts import draft_of

    with serve(app) as url:
        page = _page(chromium, url, OWNER)
        page.goto(f"{url}/processes/return_visit/modeler")
        _wait_modeler(page)
        task, other = page.evaluate("""() => { const m = document.getElementById('modeler').kefuModeler;
            return ['rv_countersigned', 'rv_recorded'].map(id => m.get('bpmnReplace').replaceElement(
                m.get('elementRegistry').get(id), { type: 'bpmn:UserTask' }).id); }""")
        page.click("button.save")
        expect(page.locator(".check-summary")).to_contain_text("须全部改正后才能发布")
        expect(page.locator(f".djs-element.kefu-problem[data-element-id='{task}']")).to_be_attached()
        expect(page.locator("ul.problems li", has_text=f"[{task}]")).to_contain_text("diagram.E031")

        _select(page, task)
        _open_group(page, "表单字段（尚无表单）")
        expect(page.locator(".kefu-new-form")).to_contain_text("diagram.E031")
        _shot(page, "new-form")
        page.click("button.kefu-create-empty-form")
        expect(page.locator(".bio-properties-panel-group-header", has_text="表单字段（0）")).to_be_visible()
        expect(page.locator(".kefu-new-form")).to_have_count(0)
        expect(page.locator(".save-status")).to_have_text("有未保存的修改")
        _select(page, other)  # the other button creates the form with a first field to fill in
        _open_group(page, "表单字段（尚无表单）")
        page.click("button.kefu-create-form-with-field")
        expect(page.locator(".bio-properties-panel-group-header", has_text="表单字段（1）")).to_be_visible()
        page.click("button.save")
        expect(page.locator(".check-summary")).to_have_text("检查通过：可以发布")
        expect(page.locator(".djs-element.kefu-problem")).to_have_count(0)
        _shot(page, "empty-form")
        assert not page.js_errors, page.js_errors

    draft = draft_of(owner.runtime, OWNER, "return_visit")
    assert draft["clean"] and draft["forms"]["tasks"][task] == {"fields": []}
    assert [f["name"] for f in draft["forms"]["tasks"][other]["fields"]] == ["new_field_1"]
    assert f'<bpmn:userTask id="{task}"' in draft["xml"]
