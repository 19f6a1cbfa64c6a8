"""``kefu policy check|explain|diff|rules`` through click's test runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from engine.cli import cli, main
from tests.conftest import ROOT
from tests.engine.policy.conftest import BAD, SHIPPED, build_tree


def run(*args: str, policies: Path = SHIPPED) -> Result:
    """Run ``kefu ARGS --policies DIR``."""
    return CliRunner().invoke(cli, [*args, "--policies", str(policies)])


def test_check_prints_an_ok_summary() -> None:
    result = run("policy", "check")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK ")
    assert "3 unit(s) (hn-region, sz-property, sz-property-lyc)" in result.output
    assert "calendar file(s)" in result.output


def test_check_of_one_unit() -> None:
    result = run("policy", "check", "--subsidiary", "hn-region")
    assert result.exit_code == 0, result.output
    assert "1 unit(s) (hn-region)" in result.output


def test_check_lists_every_problem_and_exits_one(tmp_path: Path) -> None:
    tree = build_tree(BAD / "lengthened_deadline.yaml", tmp_path)
    (tree / "subsidiaries" / "typo.yaml").write_text("extends: group\nconsultation:\n  replay: 1 hour\n")
    result = run("policy", "check", policies=tree)
    assert result.exit_code == 1
    assert f"{tree / 'subsidiaries' / 'slow.yaml'}:7: policy.E016 " in result.stderr
    assert f"{tree / 'subsidiaries' / 'typo.yaml'}:3: policy.E004 " in result.stderr
    assert "policy check failed: 2 problem(s)" in str(result.exception)


def test_check_of_one_unit_lists_only_the_problems_in_its_files(tmp_path: Path) -> None:
    tree = build_tree(BAD / "lengthened_deadline.yaml", tmp_path)
    (tree / "projects" / "sz-property-lyc.yaml").write_text("extends: sz-property\nchannels: phone\n")
    result = run("policy", "check", "--subsidiary", "sz-property-lyc", policies=tree)
    assert result.exit_code == 1
    assert "sz-property-lyc.yaml:2: policy.E005 " in result.stderr
    assert "slow.yaml" not in result.stderr
    assert "1 problem(s) in sz-property-lyc (and 1 in other units' files" in str(result.exception)


def test_explain_shows_value_source_and_group_value() -> None:
    result = run("policy", "explain", "consultation.reply", "--subsidiary", "sz-property")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "consultation.reply = 24 hours",
        "  from policies/subsidiaries/sz-property.yaml:8 (sz-property)",
    ]
    assert "group value: 2 hours (policies/group.yaml:" in result.output
    assert "bound: max 24 hours" in result.output
    assert "《客服工作管理标准》" in result.output


def test_explain_of_a_subtree_prints_its_leaves() -> None:
    result = run("policy", "explain", "complaint.escalation.volume")
    assert result.exit_code == 0, result.output
    assert [line.split(" = ")[0] for line in result.output.splitlines() if " = " in line] == [
        "complaint.escalation.volume.window",
        "complaint.escalation.volume.report_at",
        "complaint.escalation.volume.investigate_at",
        "complaint.escalation.volume.report_due",
        "complaint.escalation.volume.rewrite_due",
        "complaint.escalation.volume.review_due",
        "complaint.escalation.volume.investigate_due",
    ]


def test_explain_of_a_key_inside_a_leaf_shows_that_key() -> None:
    result = run("policy", "explain", "lanes.cs_desk")
    assert result.output.splitlines()[0] == \
        'lanes.cs_desk = {"role": "cs_specialist", "scope": "project", "sticky": true}'


def test_explain_of_an_added_category() -> None:
    result = run("policy", "explain", "complaint.categories[typhoon_damage]", "--subsidiary", "hn-region")
    assert result.exit_code == 0, result.output
    assert "from policies/subsidiaries/hn-region.yaml:12 (hn-region)" in result.output
    assert "group value: (none: this unit adds it)" in result.output


def test_explain_of_an_unknown_key_suggests_one() -> None:
    result = run("policy", "explain", "consultation.replay")
    assert result.exit_code == 1
    assert "did you mean 'consultation.reply'?" in str(result.exception)


def test_diff_lists_the_changes_of_a_project_with_their_origin() -> None:
    result = run("policy", "diff", "sz-property-lyc")
    assert result.exit_code == 0, result.output
    text = result.output
    assert (
        "repair.deadlines.dispatch\n  group: 5 minutes\n  sz-property-lyc: 3 minutes\n"
        "  at policies/projects/sz-property-lyc.yaml:12" in text
    )
    assert (
        "consultation.reply\n  group: 2 hours\n  sz-property-lyc: 24 hours\n"
        "  at policies/subsidiaries/sz-property.yaml:8" in text
    )
    assert "channels[kiosk]\n  group: (none)" in text


@pytest.mark.parametrize("fmt", ["md", "text"])
def test_rules_are_chinese_with_sources_and_differences(fmt: str) -> None:
    result = run("policy", "rules", "sz-property", "--format", fmt)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "深圳物业公司客服工作实施细则" in text
    assert "督办令报批时限" in text and "《售后服务管理办法》第14条" in text and "R2.5" not in text
    assert "调整（集团：2小时；见深圳物业公司策略第8行）" in text
    assert "24小时" in text


def test_rules_markdown_has_the_category_matrix_appendix() -> None:
    result = run("policy", "rules", "hn-region", "--format", "md")
    assert "## 附表一：投诉分类与第一责任部门" in result.output
    assert (
        "| 租赁管理类 | 租赁管理 | 商业经营管理部 | 总工室、工程部、开发部、物业公司 | 相同 |"
        in result.output
    )
    typhoon = "| 台风防汛 | 物业公司 | 工程部、秩序维护部（保安） | 新增（见华南区域公司策略第12行）"
    assert typhoon in result.output
    assert "| 第3条 | 工作时间 | 09:00–12:00、14:00–18:00 |" in result.output


def test_rules_of_the_group_is_the_standard() -> None:
    result = run("policy", "rules", "group")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# 华锦集团客服工作管理标准")


def test_kefu_main_exits_one_on_a_bad_tree_and_zero_on_the_shipped_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = build_tree(BAD / "lowered_fine.yaml", tmp_path)
    assert main(["policy", "check", "--policies", str(tree)]) == 1
    err = capsys.readouterr().err
    assert f"{tree / 'subsidiaries' / 'lenient.yaml'}:6: policy.E018 " in err
    assert "error: policy check failed: 1 problem(s)" in err
    assert main(["policy", "check", "--policies", str(SHIPPED)]) == 0


@pytest.mark.parametrize(("now", "warned"), [
    ("2026-06-01T10:00:00+08:00", False),
    ("2026-11-01T10:00:00+08:00", False),  # 61 days before 2027
    ("2026-11-02T10:00:00+08:00", True),  # 60 days before
    ("2027-03-01T10:00:00+08:00", True),  # inside the provisional year
])
def test_check_warns_from_60_days_before_a_provisional_year(now: str, warned: bool) -> None:
    result = CliRunner().invoke(cli, ["--now", now, "policy", "check", "--policies", str(SHIPPED)])
    assert result.exit_code == 0, result.output  # a warning, not a failure: deadlines still work
    assert ("warning" in result.stderr) is warned
    if warned:
        assert f"no holiday file {SHIPPED / 'calendars' / 'cn-2027.yaml'} yet" in result.stderr
        assert "provisional calendar computed from the law" in result.stderr and "暂定日历" in result.stderr
        assert "kefu calendar import 2027 --notice FILE" in result.stderr


def test_check_warns_that_a_year_beyond_the_statutory_rules_fails(tmp_path: Path) -> None:
    tree = tmp_path / "policies"
    shutil.copytree(SHIPPED, tree)
    (tree / "calendars" / "cn-statutory.yaml").unlink()
    result = CliRunner().invoke(cli, ["--now", "2026-12-03T10:00:00+08:00", "policy", "check",
                                      "--policies", str(tree)])
    assert result.exit_code == 0
    assert "no statutory rule for 2027: deadlines that reach 2027 fail until it exists" in result.stderr


def test_check_reports_a_malformed_statutory_rules_file(tmp_path: Path) -> None:
    tree = tmp_path / "policies"
    shutil.copytree(SHIPPED, tree)
    (tree / "calendars" / "cn-statutory.yaml").write_text("region: cn\n", encoding="utf-8")
    assert main(["policy", "check", "--policies", str(tree)]) == 1


def test_check_reports_a_required_field_the_visitor_form_does_not_have(tmp_path: Path) -> None:
    tree = build_tree(BAD / "lengthened_deadline.yaml", tmp_path)
    (tree / "subsidiaries" / "slow.yaml").write_text(
        "extends: group\nvisitor:\n  required_fields: [customer_name, purpose, room|host_name|routed_desk, "
        "plate_number]\n", encoding="utf-8")
    result = run("policy", "check", policies=tree)
    assert result.exit_code == 1
    assert (f"{tree / 'subsidiaries' / 'slow.yaml'}:3: policy.E027 visitor.required_fields: 'plate_number' "
            "is not a field of the start form of visitor_reception") in result.stderr


def test_check_reports_a_diagram_lane_the_policy_does_not_bind(tmp_path: Path) -> None:
    processes = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", processes)
    bpmn = processes / "archive_access.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    assert 'name="policy_lane" value="archive_relay"' in text  # the lane's binding (its name is for people)
    bpmn.write_text(text.replace('name="policy_lane" value="archive_relay"',
                                 'name="policy_lane" value="archive_runner"'), encoding="utf-8")
    result = CliRunner().invoke(cli, ["policy", "check", "--policies", str(SHIPPED)],
                                env={"KEFU_PROCESSES_DIR": str(processes)})
    assert result.exit_code == 1
    line = next(n for n, text in enumerate(bpmn.read_text(encoding="utf-8").splitlines(), 1)
                if 'id="relay_answer"' in text)
    assert (f"{bpmn}:{line}: policy.E027 lane 'archive_runner' of user task 'relay_answer' is no policy key "
            "lanes.archive_runner; did you mean 'archive_relay'?") in result.stderr
