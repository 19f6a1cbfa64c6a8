"""Policy pages in the browser (issue 17): every staff member reads their units' rules; a subsidiary's
policy editor drafts (form per rule, YAML checked live), the group's reviewer reviews, the editor publishes;
each route refused across subsidiaries with nothing changed."""

from __future__ import annotations

import io
import re

import pytest

from engine.store.policy_repo import PolicyRepo
from tests.conftest import shanghai
from webui.services import Services


def _drafts(services: Services) -> list:
    with services.store.read() as tx:
        return PolicyRepo(tx).listing()


def _events(services: Services) -> list[str]:
    with services.store.read() as tx:
        return [e.action for e in tx.chain_events("system") if e.action.startswith("policy.")
                and e.action != "policy.pinned"]


def _new_draft(browser, unit: str = "sz-property") -> int:  # type: ignore[no-untyped-def]
    browser.get(f"/policies/{unit}")
    response = browser.post(f"/policies/{unit}/drafts")
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_every_staff_member_reads_their_units_rules_by_chapter_with_the_group_value_beside(login):
    specialist = login("wang.fang")  # 丽雅苑, a project of 深圳物业
    assert 'href="/policies"' in specialist.get("/inbox").get_data(as_text=True)
    index = specialist.get("/policies").get_data(as_text=True)
    assert "深圳物业公司" in index and "丽雅苑" in index and "华南区域" not in index
    page = specialist.get("/policies/sz-property").get_data(as_text=True)
    assert "深圳物业公司客服工作实施细则" in page
    assert "第一章" in page and "咨询" in page
    reply = re.search(r'<li id="art-(\d+)" class="changed">.*?咨询答复时限.*?</li>', page, re.S)
    assert reply is not None and "24小时" in reply.group(0) and "集团标准：2小时" in reply.group(0)
    assert "依据：" in reply.group(0)
    assert "与集团标准的差异" in page
    assert specialist.get("/policies/hn-region").status_code == 403
    assert specialist.get("/policies/group").status_code == 200


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_the_rules_download_as_a_formal_document(login, kind):
    browser = login("wang.fang")
    response = browser.get(f"/policies/sz-property/rules.{kind}")
    assert response.status_code == 200
    data = response.get_data()
    if kind == "pdf":
        assert data.startswith(b"%PDF")
    else:
        from docx import Document

        doc = Document(io.BytesIO(data))
        texts = [p.text for p in doc.paragraphs]
        assert texts[0] == "深圳物业公司客服工作实施细则"
        headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
        assert headings[0].startswith("第一章") and any("咨询" in h for h in headings)
        assert any(t.startswith("第1条") for t in texts)
        assert any("本单位调整（集团标准：2小时）" in t for t in texts)
    assert login("fan.ming").get(f"/policies/sz-property/rules.{kind}").status_code == 403


def test_an_editor_changes_the_reply_to_12_hours_a_reviewer_approves_and_the_editor_publishes(login, services,
                                                                                          clock):
    editor = login("song.yu")
    draft_id = _new_draft(editor)
    page = editor.get(f"/policies/drafts/{draft_id}").get_data(as_text=True)
    assert "按条修改" in page and "data-policy-editor" in page
    response = editor.post(f"/policies/drafts/{draft_id}/rule", {"key": "consultation.reply",
                                                                 "value": "12 hours"})
    assert response.status_code == 302
    assert "reply: 12 hours" in _drafts(services)[0].text
    assert "# R1.2 seed 001" in _drafts(services)[0].text  # the line's comment is kept
    assert editor.post(f"/policies/drafts/{draft_id}/submit").status_code == 302

    assert editor.post(f"/policies/drafts/{draft_id}/review", {"decision": "approve"}).status_code == 403
    reviewer = login("lv.qing")
    assert "待审核" in reviewer.get("/policies").get_data(as_text=True)
    assert reviewer.post(f"/policies/drafts/{draft_id}/review", {"decision": "approve"}).status_code == 302

    effective = "2026-11-24T08:00"
    assert editor.post(f"/policies/drafts/{draft_id}/publish", {"effective_at": effective}).status_code == 302
    [published] = _drafts(services)
    assert published.status == "published" and published.effective_at == shanghai("2026-11-24 08:00")
    assert services.policies.effective("sz-property").get("consultation.reply") == "24 hours"  # not yet
    clock.set(shanghai("2026-11-24 08:00"))
    assert services.policies.effective("sz-property").get("consultation.reply") == "12 hours"
    assert _events(services) == ["policy.draft_created", "policy.draft_saved", "policy.submitted",
                                 "policy.approved", "policy.published"]
    versions = login("song.yu").get("/policies/sz-property").get_data(as_text=True)  # a new day's session
    assert "版本记录" in versions and "12小时" in versions


def test_48_hours_shows_the_bound_violation_on_its_line_and_cannot_be_submitted(login, services):
    editor = login("song.yu")
    draft_id = _new_draft(editor)
    text = _drafts(services)[0].text.replace("reply: 24 hours", "reply: 48 hours")
    checked = editor.client.post(f"/policies/drafts/{draft_id}/check", json={"text": text},
                                 headers={"X-CSRFToken": editor.token})
    assert checked.status_code == 200
    [finding] = checked.get_json()["findings"]
    assert finding["line"] == 8 and finding["code"] == "policy.E016"
    assert "48小时" in finding["zh"] and "不超过24小时" in finding["zh"]
    assert _drafts(services)[0].text.count("48 hours") == 0  # a check writes nothing

    editor.post(f"/policies/drafts/{draft_id}", {"text": text})
    page = editor.get(f"/policies/drafts/{draft_id}").get_data(as_text=True)
    assert 'data-line="8"' in page and "第8行" in page and "集团规定的上限" in page
    refused = editor.post(f"/policies/drafts/{draft_id}/submit")
    assert refused.status_code == 422 and "第8行" in refused.get_data(as_text=True)
    assert _drafts(services)[0].status == "draft"
    assert editor.post(f"/policies/drafts/{draft_id}/publish",
                       {"effective_at": "2026-11-24T08:00"}).status_code == 409


def test_a_bad_number_in_a_rule_form_keeps_the_draft_and_says_which(login, services):
    editor = login("song.yu")
    draft_id = _new_draft(editor)
    before = _drafts(services)[0].text
    response = editor.post(f"/policies/drafts/{draft_id}/rule",
                           {"key": "complaint.penalties.plan_not_entered", "value": "五百"})
    assert response.status_code == 422 and "“五百”不是数字" in response.get_data(as_text=True)
    assert _drafts(services)[0].text == before


@pytest.mark.parametrize(("route", "data"), [
    ("", {"text": "extends: group\n"}),
    ("/rule", {"key": "consultation.reply", "value": "1 hour"}),
    ("/submit", {}),
    ("/discard", {}),
    ("/publish", {"effective_at": "2026-11-24T08:00"}),
])
def test_an_editor_of_the_other_subsidiary_cannot_touch_the_draft(login, services, route, data):
    draft_id = _new_draft(login("song.yu"))
    before = _drafts(services)
    other = login("ma.lin")  # 华南区域's policy editor
    response = other.post(f"/policies/drafts/{draft_id}{route}", data)
    assert response.status_code == 403
    assert "深圳物业" not in response.get_data(as_text=True).split("<main", 1)[1]
    assert _drafts(services) == before and _events(services) == ["policy.draft_created"]
    assert other.get(f"/policies/drafts/{draft_id}").status_code == 403
    checked = other.client.post(f"/policies/drafts/{draft_id}/check", json={"text": "x: 1"},
                                headers={"X-CSRFToken": other.token})
    assert checked.status_code == 403


def test_nobody_starts_a_draft_outside_their_unit(login, services):
    assert login("ma.lin").post("/policies/sz-property/drafts").status_code == 403
    assert login("wang.fang").post("/policies/sz-property/drafts").status_code == 403  # no editor role
    assert login("song.yu").post("/policies/hn-region/drafts").status_code == 403
    assert _drafts(services) == [] and _events(services) == []


def test_the_draft_page_simulates_the_draft_beside_the_rules_in_force(login, services):
    editor = login("song.yu")
    draft_id = _new_draft(editor)
    changed = editor.post(f"/policies/drafts/{draft_id}/rule",
                          {"key": "consultation.reply", "value": "12 hours"})
    assert changed.status_code == 302, changed.get_data(as_text=True)[-3000:]
    page = editor.get(f"/policies/drafts/{draft_id}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/simulate".*?</form>', page, re.S)
    assert form is not None and 'name="overlay_unit" value="sz-property"' in form.group(0)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))
    import html

    fields = {k: html.unescape(v) for k, v in fields.items() if k != "csrf_token"}
    assert "reply: 12 hours" in fields["overlay"] and fields["unit"] in ("sz-property-jhy", "sz-property-lyc")
    result = editor.post("/simulate", {**fields, "process": "consultation"})
    text = result.get_data(as_text=True)
    assert result.status_code == 200 and "变化" in text
    assert "2026-11-23 22:00" in text and "2026-11-24 10:00" in text  # 12 hours beside 24
    assert login("ma.lin").get(f"/policies/drafts/{draft_id}").status_code == 403
