"""Loading a tree: every error reported at once, codes table kept honest, merges and bounds."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import engine.policy
from engine.policy import CODES, PolicyErrors, load_policy_set
from tests.engine.policy.conftest import BAD, SHIPPED, bad_cases, build_tree, expectations

# Codes no file in tests/data/policies can raise, each with its own test below or in test_policy__effective.py
# E024: no tree at all; E025: a damaged snapshot; E027: a policy against the diagrams (test_policy__cli)
NOT_FROM_FILES = {"policy.E024", "policy.E025", "policy.E027"}


def test_every_code_is_raised_by_some_bad_file() -> None:
    raised = {expected.code for case in bad_cases() for expected in expectations(case)}
    assert raised | NOT_FROM_FILES == set(CODES)


def test_package_docstring_lists_the_same_codes() -> None:
    doc = engine.policy.__doc__ or ""
    table = dict(re.findall(r"^(policy\.E\d{3})  (.+)$", doc, re.MULTILINE))
    assert set(table) == set(CODES)


def test_missing_group_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyErrors) as caught:
        load_policy_set(tmp_path)
    assert caught.value.code == "policy.E024"


def test_every_error_of_a_tree_is_reported_not_only_the_first(tmp_path: Path) -> None:
    tree = build_tree(BAD / "unknown_key.yaml", tmp_path)
    shutil.copy(BAD / "bad_duration.yaml", tree / "subsidiaries" / "typo-duration.yaml")
    shutil.copy(BAD / "missing_extends.yaml", tree / "subsidiaries" / "orphan.yaml")
    with pytest.raises(PolicyErrors) as caught:
        load_policy_set(tree)
    assert sorted(e.code for e in caught.value.errors) == ["policy.E004", "policy.E006", "policy.E011"]
    assert str(caught.value).startswith("3 policy errors:\n")


def _tree_with(tmp_path: Path, name: str, text: str) -> Path:
    tree = tmp_path / "policies"
    shutil.copytree(SHIPPED, tree)
    path = tree / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return tree


def test_overlay_may_lengthen_consultation_reply_up_to_the_declared_maximum(tmp_path: Path) -> None:
    tree = _tree_with(
        tmp_path, "subsidiaries/slow.yaml", "extends: group\nconsultation:\n  reply: 24 hours\n"
    )
    assert load_policy_set(tree).effective("slow").get("consultation.reply") == "24 hours"


def test_project_is_bounded_by_the_group_not_only_by_its_subsidiary(tmp_path: Path) -> None:
    text = "extends: sz-property\ncomplaint:\n  deadlines:\n    reply: 36 hours\n"
    tree = _tree_with(tmp_path, "projects/late.yaml", text)
    with pytest.raises(PolicyErrors) as caught:
        load_policy_set(tree)
    assert (caught.value.code, caught.value.line) == ("policy.E016", 4)
    assert caught.value.path == str(tree / "projects" / "late.yaml")


def test_overlay_replaces_a_record_by_code_and_keeps_the_others(tmp_path: Path) -> None:
    text = (
        "extends: group\ncomplaint:\n  categories:\n    - {code: leasing, scheme: responsibility, "
        "group: 租赁管理类, name: 租赁管理, department: property, cooperating: [commercial]}\n"
    )
    tree = _tree_with(tmp_path, "subsidiaries/lease.yaml", text)
    policies = load_policy_set(tree)
    unit = policies.effective("lease")
    assert unit.responsible_department("leasing") == "property"
    assert unit.provenance("complaint.categories[leasing]").line == 4
    assert len(unit.get("complaint.categories")) == len(policies.effective().get("complaint.categories"))
    assert unit.provenance("complaint.categories[leasing].department").path.endswith("lease.yaml")


def test_overlay_rebinds_a_lane_and_the_rest_stay(tmp_path: Path) -> None:
    tree = _tree_with(
        tmp_path,
        "subsidiaries/lanes.yaml",
        "extends: group\nlanes:\n  adviser_assigner: {role: chairman, scope: subsidiary}\n",
    )
    policies = load_policy_set(tree)
    unit = policies.effective("lanes")
    assert unit.lane("adviser_assigner") == {"role": "chairman", "scope": "subsidiary"}
    assert unit.provenance("lanes.adviser_assigner").path.endswith("lanes.yaml")
    assert unit.lane("closure_approver") == policies.effective().lane("closure_approver")
    assert [row.key for row in policies.diff("lanes")] == ["lanes.adviser_assigner"]


def test_raised_fine_and_coverage_are_accepted(tmp_path: Path) -> None:
    text = (
        "extends: group\nreturn_visit:\n  survey_coverage_percent: 100\nassessment:\n  yuan_per_point: 10\n"
    )
    tree = _tree_with(tmp_path, "subsidiaries/strict.yaml", text)
    assert load_policy_set(tree).effective("strict").get("assessment.yuan_per_point") == 10
