"""``forms_text``: the modeler's form fields written back into the forms file, block by block, keeping
what did not change as it was written (comments, line breaks, flow style)."""

from __future__ import annotations

import copy

import pytest
import yaml

from engine.process_drafts import forms_text
from engine.runtime.versions import flow_diff
from tests.conftest import ROOT

NOTE = {"name": "extra_note", "type": "text", "label": {"zh": "补充", "en": "x"}}
FORMS = sorted((ROOT / "processes").glob("*.forms.yaml"))


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_unchanged_forms_are_written_back_exactly(path):
    text = path.read_text(encoding="utf-8")
    assert forms_text(text, yaml.safe_load(text)) == text


# A form shared through a YAML anchor changes in every task that names it; those files are left out,
# and so are forms files of diagrams without user tasks of their own.
@pytest.mark.parametrize("path", [p for p in FORMS if "&" not in p.read_text(encoding="utf-8")
                                  and (yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("tasks")],
                         ids=lambda p: p.name)
def test_a_new_field_adds_one_line_and_keeps_every_other_line(path):
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    task = next(iter(data["tasks"]))
    changed = copy.deepcopy(data)
    changed["tasks"][task]["fields"].append(NOTE)
    written = forms_text(text, changed)
    assert yaml.safe_load(written) == changed
    old_lines, new_lines = text.splitlines(), written.splitlines()
    assert len(new_lines) == len(old_lines) + 1
    assert [line for line in new_lines if line not in old_lines] == [
        "      - {name: extra_note, type: text, label: {zh: 补充, en: x}}"]


def test_a_changed_field_is_rewritten_and_its_neighbours_keep_their_comments():
    text = (ROOT / "processes" / "complaint.forms.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    changed = copy.deepcopy(data)
    changed["start"]["fields"][0]["required"] = False
    written = forms_text(text, changed)
    assert yaml.safe_load(written) == changed
    assert "  fields:   # R2.1 intake" in written  # the comment of the changed block's fields: line
    assert written.count("\n") == text.count("\n")
    assert "customer_name, type: text, required: false" in written


def test_tasks_are_added_and_removed_and_a_file_that_cannot_be_followed_is_written_whole():
    b = "  b:\n    fields:\n      - {name: x, type: text, label: X}\n"
    text = "# forms\ntasks:\n  a:\n    fields: []   # none yet\n" + b
    data = yaml.safe_load(text)
    added = copy.deepcopy(data)
    added["tasks"]["c"] = {"fields": [{"name": "y", "type": "boolean", "label": {"zh": "是否", "en": "Y"}}]}
    written = forms_text(text, added)
    assert written.startswith(text) and yaml.safe_load(written) == added
    removed = copy.deepcopy(data)
    del removed["tasks"]["a"]
    assert forms_text(text, removed) == "# forms\ntasks:\n" + b
    assert yaml.safe_load(forms_text("not: [valid", added)) == added
    assert yaml.safe_load(forms_text("", added)) == added


def test_the_flow_diff_names_flows_added_removed_and_changed_by_part() -> None:
    before = (ROOT / "processes" / "repair_work.bpmn").read_text(encoding="utf-8")
    after = (before
             .replace('paid_service</bpmn:conditionExpression>',
                      'paid_service and fee_amount</bpmn:conditionExpression>')
             .replace('<bpmn:sequenceFlow id="flow_09_collect_fee_to_work_done" sourceRef="collect_fee"',
                      '<bpmn:sequenceFlow id="flow_10_collect_fee_to_work_done" sourceRef="collect_fee"'))
    diff = flow_diff(before, after, "repair_work")
    assert [f["id"] for f in diff["added"]] == ["flow_10_collect_fee_to_work_done"]
    assert [f["id"] for f in diff["removed"]] == ["flow_09_collect_fee_to_work_done"]
    assert [(f["id"], f["changes"], f["condition"]) for f in diff["changed"]] == [
        ("flow_08_fee_gw_to_collect_fee", ["condition"], "paid_service and fee_amount")]
    assert flow_diff(before, before, "repair_work") == {"added": [], "removed": [], "changed": []}
