"""The process area (issue 14): list, modeler drafts checked on save, deploy, diff and migration pages,
and who may use each route (a process owner of the group; managers read; nobody else, and nobody of
a subsidiary, even one holding the role there)."""

from __future__ import annotations

import copy
import json
import re

import pytest
import yaml

from engine.store.org_repo import OrgRepo
from tests.webui.conftest import PASSWORD, Browser, open_complaint

OWNER = "qian.lu"
NEW_FIELD = {"name": "order_channel_note", "type": "choice", "label": {"zh": "督办渠道", "en": "Channel"}}


@pytest.fixture(autouse=True)
def registered(services) -> None:  # type: ignore[no-untyped-def]
    """``kefu init`` registered the shipped diagrams as v1 of each process."""
    services.runtime.register_processes()


@pytest.fixture
def owner_login(services, login):  # type: ignore[no-untyped-def]
    """``owner_login("qian.lu")``: sign in staff the shared template has no password for."""

    def sign_in(name: str = OWNER) -> Browser:
        services.set_password(name, PASSWORD)
        return login(name)

    return sign_in


def _post_json(browser: Browser, url: str, body: object):  # type: ignore[no-untyped-def]
    return browser.client.post(url, data=json.dumps(body), content_type="application/json",
                               headers={"X-CSRFToken": browser.token})


def _config(html: str) -> dict:
    found = re.search(r"mountModeler\((\{.*\})\);", html)
    assert found, "the modeler page carries its configuration"
    return json.loads(found.group(1))


def holder(services) -> str:  # type: ignore[no-untyped-def]
    """The process whose own diagram has raise_order (the complaint, or the diagram it calls for it)."""
    files = services.runtime.current_files()
    return next(p.process_id for p in services.process_catalog(services.actor(OWNER))
                if 'id="raise_order"' in files.get(p.bpmn_name, ""))


def _draft(browser: Browser, *, fix: bool, where: str) -> tuple[dict, dict]:
    """Open ``where`` (the diagram with raise_order) in the modeler and save it with a new field on
    raise_order: a choice without its list (a problem on the canvas), or with ``channels`` (clean)."""
    config = _config(browser.get(f"/processes/{where}/modeler").get_data(as_text=True))
    forms = copy.deepcopy(config["forms"])
    field = dict(NEW_FIELD, choices_from="channels") if fix else dict(NEW_FIELD)
    fields = forms["tasks"]["raise_order"]["fields"]
    fields[:] = [f for f in fields if f["name"] != NEW_FIELD["name"]] + [field]
    response = _post_json(browser, f"/processes/{where}/draft", {"xml": config["xml"], "forms": forms})
    assert response.status_code == 200, response.get_data(as_text=True)
    return config, response.get_json()


def test_the_owner_sees_every_process_with_versions_and_open_cases(owner_login, login):
    open_complaint(login("wang.fang"))
    page = owner_login().get("/processes").get_data(as_text=True)
    assert "投诉处理" in page and "投诉处理 Complaint" not in page  # the name in the page's language
    assert '<small class="code muted">return_visit</small>' in page  # the id only as small print
    assert ">在建模器中修改<" in page
    start = page.index('id="process-complaint"')
    section = page[start:page.index("</section>", start)]
    assert re.search(r'<td class="num">1</td>', section), "one open complaint on v1"


def test_managers_read_the_process_area_without_editing(login):
    for name in ("li.na", "zheng.xiaoyan"):
        browser = login(name)
        page = browser.get("/processes").get_data(as_text=True)
        assert "查看流程图" in page and ">在建模器中修改<" not in page
        modeler = browser.get("/processes/complaint/modeler").get_data(as_text=True)
        assert _config(modeler)["readOnly"] is True and "保存草稿并检查" not in modeler


@pytest.mark.parametrize("name", ["wang.fang", "fan.ming", "deng.haitao"])
def test_staff_without_a_managing_role_cannot_open_the_process_area(login, name):
    browser = login(name)
    assert browser.get("/processes").status_code == 403
    assert browser.get("/processes/complaint/modeler").status_code == 403
    assert browser.get("/processes/complaint/diff?from=v1&to=v1").status_code == 403
    assert "/processes" not in browser.get("/inbox").get_data(as_text=True)


def test_saving_a_draft_checks_it_and_marks_the_task_with_the_problem(owner_login, services):
    where = holder(services)
    browser = owner_login()
    _, saved = _draft(browser, fix=False, where=where)
    assert saved["clean"] is False
    problem = next(f for f in saved["findings"] if f["element_id"] == "raise_order")
    assert problem["file"] == f"{where}.forms.yaml" and "choices_from" in problem["message"]
    assert len(saved["findings"]) == 1, "what an unloadable form keeps from being set is not listed too"
    page = browser.get(f"/processes/{where}/modeler").get_data(as_text=True)
    config = _config(page)
    assert config["findings"] == saved["findings"] and config["clean"] is False
    assert any(f["name"] == NEW_FIELD["name"] for f in config["forms"]["tasks"]["raise_order"]["fields"])
    refused = browser.post(f"/processes/{where}/deploy")
    assert refused.status_code == 422 and "发布被拒绝" in refused.get_data(as_text=True)
    assert [v.record.label for v in services.runtime.process_versions("complaint")] == ["v1"]


def test_a_clean_draft_deploys_a_new_version_that_keeps_the_untouched_forms_text(owner_login, services):
    where = holder(services)
    browser = owner_login()
    _draft(browser, fix=False, where=where)
    _, saved = _draft(browser, fix=True, where=where)
    assert saved == {**saved, "clean": True, "findings": []}
    response = browser.post(f"/processes/{where}/deploy")
    assert response.status_code == 302
    flashed = browser.get("/processes").get_data(as_text=True)  # with the processes calling it
    assert "已发布：" in flashed and f"{where} v2" in flashed
    current = services.runtime.resolve_version(where, "current")
    assert current.label == "v2" and current.deployed_by == OWNER
    definition = services.runtime.definition(where, current.version)
    assert [f.name for f in definition.forms["raise_order"].fields][-1] == NEW_FIELD["name"]
    forms = f"{where}.forms.yaml"
    text = definition.sources[forms]
    v1 = services.runtime.resolve_version(where, "v1").version
    old_text = services.runtime.definition(where, v1).sources[forms]
    assert text.startswith(old_text[: old_text.index("  raise_order:")]), "tasks before it keep their text"
    assert yaml.safe_load(text)["tasks"]["raise_order"]["fields"][-1]["choices_from"] == "channels"
    with services.store.read() as tx:
        events = [e for e in tx.chain_events("system") if e.action == "process.deployed"]
    assert events[-1].actor == OWNER and events[-1].data["to"] == "v2"
    assert {e.data["process"] for e in events if e.data["how"].startswith("deployed")} >= {where, "complaint"}
    # The draft is gone: the modeler opens the new current version.
    assert _config(browser.get(f"/processes/{where}/modeler").get_data(as_text=True))["findings"] == []


def test_bad_draft_input_is_a_422_and_saves_nothing(owner_login, services):
    browser = owner_login()
    for body in ({"forms": {}}, {"xml": "", "forms": {}}, {"xml": "<x/>", "forms": []}, ["xml"],
                 {"xml": 5, "forms": {}}):
        response = _post_json(browser, "/processes/complaint/draft", body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["message"]
    response = browser.client.post("/processes/complaint/draft", data="not json",
                                   headers={"X-CSRFToken": browser.token})
    assert response.status_code == 422
    assert "我的草稿" not in browser.get("/processes").get_data(as_text=True)


def test_an_unparsable_diagram_is_saved_with_its_findings(owner_login):
    browser = owner_login()
    response = _post_json(browser, "/processes/complaint/draft", {"xml": "<bpmn:definitions", "forms": {}})
    assert response.status_code == 200
    assert response.get_json()["clean"] is False and response.get_json()["findings"]


def test_a_draft_can_be_discarded(owner_login, services):
    where = holder(services)
    browser = owner_login()
    _draft(browser, fix=False, where=where)
    assert browser.post(f"/processes/{where}/draft/discard").status_code == 302
    config = _config(browser.get(f"/processes/{where}/modeler").get_data(as_text=True))
    assert config["findings"] == [] and not any(
        f["name"] == NEW_FIELD["name"] for f in config["forms"]["tasks"]["raise_order"]["fields"])


def _give_role(services, login: str, role: str) -> None:
    with services.store.write() as tx:
        person = next(p for p in OrgRepo(tx).all_staff([login]))
        OrgRepo(tx).update_staff(login, roles=[*person.roles, role])


@pytest.mark.parametrize("name", ["li.na", "zheng.xiaoyan", "fan.ming"])
def test_nobody_but_the_groups_process_owner_may_write(owner_login, services, name):
    where = holder(services)
    """A supervisor, the group CS manager (reads, may not write) and a specialist of another subsidiary
    who holds process_owner there (processes are group-wide) are refused every write route."""
    if name == "fan.ming":
        _give_role(services, name, "process_owner")
    owner = owner_login()
    config, _ = _draft(owner, fix=True, where=where)  # the owner's draft: the others may not deploy it
    browser = owner_login(name)
    body = {"xml": config["xml"], "forms": config["forms"]}
    saved = _post_json(browser, f"/processes/{where}/draft", body)
    assert saved.status_code == 403 and "流程负责人" in saved.get_json()["error"]["message"]
    assert browser.post(f"/processes/{where}/deploy").status_code == 403
    assert browser.post(f"/processes/{where}/draft/discard").status_code == 403
    assert browser.get("/processes/complaint/migrate").status_code == 403
    assert browser.post("/processes/complaint/migrate", {"to": "v1"}).status_code == 403
    assert browser.post("/processes/complaint/migrate", {"to": "v1", "apply": "1",
                                                         "case": "TS-SZP-2026-000001"}).status_code == 403
    assert [v.record.label for v in services.runtime.process_versions("complaint")] == ["v1"]


def test_the_diff_page_marks_what_changed_between_two_versions(owner_login, services):
    where = holder(services)
    browser = owner_login()
    _draft(browser, fix=True, where=where)
    browser.post(f"/processes/{where}/deploy")
    page = browser.get(f"/processes/{where}/diff?from=v1&to=v2").get_data(as_text=True)
    found = re.search(r"mountDiff\((\{.*\})\);", page)
    assert found
    config = json.loads(found.group(1))
    assert config["marks"] == {"raise_order": "changed"}
    assert "order_channel_note" in page and "表单" in page
    assert browser.get(f"/processes/{where}/diff?from=v1&to=v9").status_code == 404


def test_the_migration_page_dry_runs_then_moves_the_selected_cases(owner_login, login, services):
    where = holder(services)
    number = open_complaint(login("wang.fang"))
    browser = owner_login()
    _draft(browser, fix=True, where=where)
    browser.post(f"/processes/{where}/deploy")
    page = browser.get("/processes/complaint/migrate").get_data(as_text=True)
    assert 'value="v2" selected' in page
    dry = browser.post("/processes/complaint/migrate", {"to": "v2"}).get_data(as_text=True)
    assert f'data-case="{number}"' in dry and "可以迁移" in dry
    assert services.runtime.get_case(number, "wang.fang").process_version != services.runtime.resolve_version(
        "complaint", "v2").version
    none = browser.post("/processes/complaint/migrate", {"to": "v2", "apply": "1"})
    assert none.status_code == 422 and "请至少选择一个" in none.get_data(as_text=True)
    done = browser.post("/processes/complaint/migrate", {"to": "v2", "apply": "1", "case": number})
    assert done.status_code == 200 and "1 个已迁移" in done.get_data(as_text=True)
    assert services.runtime.get_case(number, "wang.fang").process_version == services.runtime.resolve_version(
        "complaint", "v2").version


def test_a_case_that_cannot_move_is_listed_with_the_reason_in_chinese(owner_login, login, services):
    where = holder(services)
    number = open_complaint(login("wang.fang"))
    tasks = services.runtime.get_case(number, "wang.fang").tasks
    task = next(t for t in tasks if t.task_name == "raise_order")
    services.runtime.complete_task(task.task_id, "wang.fang", {"order_summary": "上门查看漏水",
                                                                "required_completion": "2026-11-25T17:00"})
    browser = owner_login()
    config = _config(browser.get(f"/processes/{where}/modeler").get_data(as_text=True))
    forms = copy.deepcopy(config["forms"])
    summary = next(f for f in forms["tasks"]["raise_order"]["fields"] if f["name"] == "order_summary")
    summary["type"] = "text"
    saved = _post_json(browser, f"/processes/{where}/draft", {"xml": config["xml"], "forms": forms})
    assert saved.get_json()["clean"]
    browser.post(f"/processes/{where}/deploy")
    dry = browser.post("/processes/complaint/migrate", {"to": "v2"}).get_data(as_text=True)
    row = dry[dry.index(f'data-case="{number}"'):]
    row = row[:row.index("</tr>")]
    assert "不能迁移" in row and 'name="case"' not in row
    assert "已办步骤 raise_order 的字段 order_summary 在 v2 中由 textarea 改为 text" in row


def test_a_stage_is_listed_under_the_process_that_calls_it_and_offered_nowhere_to_open(
        owner_login, login, services):
    page = owner_login().get("/processes").get_data(as_text=True)
    order = [m.group(1) for m in re.finditer(r'<section class="card process[^"]*" id="process-([a-z_]+)"',
                                             page)]
    assert order.index("complaint_handling") == order.index("complaint") + 2  # after complaint_claim
    assert order.index("complaint_plan") > order.index("complaint_handling")
    start = page.index('id="process-complaint_plan"')
    section = page[start:page.index("</section>", start)]
    assert 'class="card process stage"' in page[start - 40:start] and ">阶段<" in section
    assert '<a href="#process-complaint_handling">' in section and "不能单独受理" in section
    own = page[page.index('id="process-complaint"'):page.index('id="process-complaint_claim"')]
    assert ">阶段<" not in own
    assert {"complaint", "repair", "consultation"} <= services.intake_desks(services.actor("wang.fang"))
    assert services.intake_desks(services.actor(OWNER)).isdisjoint(services.registry.stages())
    menu = login("wang.fang").get("/inbox").get_data(as_text=True)
    assert "/cases/new/complaint_plan" not in menu


def test_the_diff_page_colours_and_lists_a_changed_flow(owner_login, services):
    where = holder(services)
    browser = owner_login()
    config = _config(browser.get(f"/processes/{where}/modeler").get_data(as_text=True))
    xml = config["xml"].replace('targetRef="raise_order" name="退回"',
                                'targetRef="raise_order" name="退回重填"')
    assert xml != config["xml"]
    response = _post_json(browser, f"/processes/{where}/draft", {"xml": xml, "forms": config["forms"]})
    assert response.status_code == 200 and response.get_json()["clean"], response.get_data(as_text=True)
    assert browser.post(f"/processes/{where}/deploy").status_code in (200, 302, 303)
    page = browser.get(f"/processes/{where}/diff?from=v1&to=v2").get_data(as_text=True)
    marks = json.loads(re.search(r"mountDiff\((\{.*\})\);", page).group(1))["marks"]
    assert marks["flow_06_sign_gw_to_raise_order"] == "changed"
    assert "连线（顺序流）" in page and "退回重填" in page and "改动：名称" in page


def test_drafts_are_saved_per_owner(owner_login, services):
    """Two process owners of the group edit the same process: each opens and saves their own draft, and
    discarding one leaves the other's as it was."""
    where = holder(services)
    _give_role(services, "zheng.xiaoyan", "process_owner")  # a second process owner, at the group
    first, second = owner_login(), owner_login("zheng.xiaoyan")
    _draft(first, fix=False, where=where)  # qian.lu: a choice without its list, a problem

    def opened(browser: Browser) -> tuple[list, list]:
        config = _config(browser.get(f"/processes/{where}/modeler").get_data(as_text=True))
        fields = [f for f in config["forms"]["tasks"]["raise_order"]["fields"]
                  if f["name"] == NEW_FIELD["name"]]
        return fields, [f["code"] for f in config["findings"]]

    assert opened(second) == ([], [])  # she opens the current version, not his draft
    _draft(second, fix=True, where=where)  # hers: the same field with its list, clean
    assert opened(second) == ([dict(NEW_FIELD, choices_from="channels")], [])
    mine, problems = opened(first)
    assert [f.get("choices_from") for f in mine] == [None] and problems == ["diagram.E036"]
    assert second.post(f"/processes/{where}/draft/discard").status_code == 302
    assert opened(second) == ([], [])
    assert opened(first)[1] == ["diagram.E036"]  # his draft stays
