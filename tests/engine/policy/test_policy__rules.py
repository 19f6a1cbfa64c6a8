"""The 实施细则 wording: durations and schedules in Chinese, and the catalogue behind every article."""

from __future__ import annotations

import re

import pytest

from engine.policy import PolicySet
from engine.policy.catalogue import ENTRIES, KINDS, NOT_IN_FORCE, SECTIONS, SOURCES, Entry, entry
from engine.policy.crosscheck import field_labels
from engine.policy.rules import FORMATS, render_rules, zh_duration, zh_schedule
from engine.processes import ProcessRegistry
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("30 minutes", "30分钟"),
        ("1 hour", "1小时"),
        ("24 hours", "24小时"),
        ("7 days", "7天"),
        ("1 working day", "1个工作日"),
        ("2 working hours", "2小时（工作时间）"),
        ("1 hour after work starts", "上班后1小时内"),
        (
            {"in_working_time": "30 minutes", "otherwise": "1 hour after work starts"},
            "工作时间内30分钟；非工作时间上班后1小时内",
        ),
        (
            {"in_working_time": "1 hour", "otherwise": "1 hour after work starts",
             "never_after": "complaint.deadlines.dispatch"},
            "工作时间内1小时；非工作时间上班后1小时内，且不迟于“投诉送达责任部门时限”届满",
        ),
        ("1 hour, never after complaint.deadlines.visit", "1小时，且不迟于“责任部门上门回访时限”届满"),
    ],
)
def test_durations_read_as_chinese(value: object, words: str) -> None:
    assert zh_duration(value) == words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("daily before 18:00", "每天18:00前"),
        ("daily at 09:30 on working days", "每个工作日09:30"),
        ("weekly on Monday", "每周一"),
        ("monthly on the 1st", "每月1日"),
        ("monthly by the 3rd", "每月3日前"),
        ("something new", "something new"),
    ],
)
def test_schedules_read_as_chinese(text: str, words: str) -> None:
    assert zh_schedule(text) == words


@pytest.mark.parametrize("spec", ENTRIES, ids=lambda e: e.key)
def test_every_catalogued_key_has_a_chinese_title_a_seed_clause_and_a_requirement(spec: Entry) -> None:
    assert re.search(r"[\u4e00-\u9fff]", spec.title)
    assert spec.source.split(" ")[0] in SOURCES and " " in spec.source
    assert re.fullmatch(r"R\d\.\d+(、R\d\.\d+)*", spec.rid)
    assert spec.kind in KINDS
    assert spec.key.split(".")[0] in SECTIONS


# --- the whole document: only rules in force, all in Chinese ------------------------------------------

ALLOWED_LATIN = "APP"  # a channel's name as people say it (受理渠道)
_FINGERPRINT = re.compile(r"策略指纹 [0-9a-f]{12}")
_SUB_ITEM = re.compile(r"(?<=\d)[A-Z](?![A-Za-z])")  # the seeds' own numbering: 投诉的受理3A


def _rules(policy_set: PolicySet, unit: str | None, fmt: str) -> str:
    names = {code: policy_set.unit(code).name for code in ("group", *policy_set.units)}
    labels = field_labels(ProcessRegistry.load(ROOT / "processes").definitions())
    return render_rules(policy_set.effective(unit), policy_set.effective(), names, fmt, labels)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("unit", [None, "hn-region", "sz-property", "sz-property-lyc"])
def test_the_rules_of_every_shipped_unit_are_chinese_throughout(policy_set: PolicySet, unit: str | None,
                                                                  fmt: str) -> None:
    text = _rules(policy_set, unit, fmt)
    prefixes = {str(v) for v in policy_set.effective(unit).get("numbering.prefix").values()}
    latin = []
    for number, line in enumerate(text.splitlines(), 1):
        rest = _SUB_ITEM.sub("", _FINGERPRINT.sub("", line)).replace(ALLOWED_LATIN, "")
        words = [w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", rest) if w not in prefixes]
        if words:
            latin.append(f"{number}: {words} in {line[:120]}")
    assert latin == [], "\n".join(latin)


@pytest.mark.parametrize("unit", [None, "sz-property-lyc"])
def test_the_rules_list_only_rules_in_force(policy_set: PolicySet, unit: str | None) -> None:
    text = _rules(policy_set, unit, "text")
    for key in NOT_IN_FORCE:
        spec = entry(key)
        assert spec is not None and f" {spec.title}：" not in text, key
    assert "、服务质量考核\n" in text  # R8 is in force (issue 16)
    in_force = [e for e in ENTRIES if e.key not in NOT_IN_FORCE and not e.key.startswith("unit.")]
    assert len(re.findall(r"^第\d+条 ", text, re.MULTILINE)) == len(in_force)
    headings = re.findall(r"^([一二三四五六七八九十]+)、", text, re.MULTILINE)
    assert headings[:3] == ["一", "二", "三"] and len(headings) == len(set(headings))  # numbered without gaps


def test_a_changed_rule_says_which_unit_changed_it_and_where(policy_set: PolicySet) -> None:
    text = _rules(policy_set, "sz-property-lyc", "text")
    assert ("咨询答复时限（《答客问》未覆盖的问题）：24小时。依据：《客服工作管理标准》二、1咨询标准2。"
            "与集团标准：调整（集团：2小时；见深圳物业公司策略第8行）。") in text
    assert "访客登记必填项目：访客姓名、来访事由、受访住户房号或受访人或办理部门（至少一项）" in text
    assert "提醒及升级通知渠道：站内通知、电子邮件、短信" in text
    assert "顾问无法联系时指定临时顾问：本公司的总经理。依据：《客服工作管理标准》顾问支持1" in text


# Issue 19: each complaint rule it completed, as the generated 实施细则 now states it (title：value).
ISSUE_19_ARTICLES = [
    ("R2.2", "投诉分类及第一责任部门、配合部门（受理时分类为暂定，上门定方案或结案核查时按实际原因核定，"
             "统计按最终原因分类，见《客服工作管理标准》统计③）："),
    ("R2.4", "配合部门确认配合事项（每个无条件配合部门一项）：各配合部门的部门一把手"),
    ("R2.4", "配合部门确认配合事项时限（督办令送达后；结案时未确认的随结案结束并记入时间线；"
             "月度统计按配合部门列出按时率）：1小时（工作时间）"),
    ("R2.4", "配合部门逾期未确认配合事项时通知的客服中心岗位"
             "（另通知配合部门负责人、第一责任部门负责人；不罚款）：客服经理"),
    ("R2.7", "上门商定方案须由客户签字确认：是"),
    ("R2.7", "上门商定方案须上传问题照片：是"),
    ("R2.7", "无法上门或客户拒绝时录入回访材料时限：1小时"),
    ("R2.13", "有效投诉计数周期：30天"),
    ("R2.13", "书面报告集团客服经理的有效投诉数：5"),
    ("R2.13", "有效投诉达报告标准时由项目提交书面投诉处理情况报告：本项目的客服主管"),
    ("R2.13", "审阅项目的书面报告（采纳或退回）及到现场调研（总公司客服中心经理）：集团的客服经理"),
    ("R2.13", "集团客服经理现场调研的有效投诉数：8"),
    ("R2.13", "达调研标准后集团客服经理到现场调研的时限：7天"),
    ("R2.15", "未按要求回访（首问责任人回访或疑难问题回访逾期）：每次扣罚月度综合奖金（%）：20%"),
    ("R2.15", "扣罚报人力资源中心、财务中心时间（当日生成上月扣罚台账并报送）：每月1日"),
    ("R2.15", "接收月度扣罚台账的岗位（电子邮件附扣罚台账及员工考核月度汇总电子表格，并发站内通知；"
              "台账的扣罚事由、岗位、人员、单位及明细均为中文，时间按本单位时区）：人力资源经理、财务经理"),
    ("R2.15", "时区：北京时间（东八区）"),
    ("R2.17", "顾问无法联系时指定临时顾问：本公司的总经理"),
    ("R2.17", "临时顾问：总经理只能指定持本岗位者（顾问无法联系时）：本公司的部门一把手"),
]


def test_the_generated_rules_state_each_complaint_rule_of_issue_19_as_it_works(policy_set: PolicySet) -> None:
    from io import BytesIO

    from docx import Document

    from engine.policy.document import render_docx

    names = {code: policy_set.unit(code).name for code in ("group", *policy_set.units)}
    labels = field_labels(ProcessRegistry.load(ROOT / "processes").definitions())
    text = _rules(policy_set, "sz-property-lyc", "text")
    docx = "\n".join(p.text for p in Document(BytesIO(render_docx(
        policy_set.effective("sz-property-lyc"), policy_set.effective(), names, labels))).paragraphs)
    missing = [(req, phrase) for req, phrase in ISSUE_19_ARTICLES if phrase not in text or phrase not in docx]
    assert missing == []
    markdown = _rules(policy_set, "sz-property-lyc", "md")
    assert "并按配合部门列出各部门确认事项的到期、按时、超时数及按时率" in markdown  # R2.4, after 附表一
    # R2.17: the diagram's lanes are the policy's, whose roles the rules name
    [plan] = [d for d in ProcessRegistry.load(ROOT / "processes").definitions()
              if d.process_id == "complaint_plan"]
    assert {"adviser_assigner", "temporary_adviser"} <= plan.lanes
    policy = policy_set.effective("sz-property-lyc")
    assert (policy.get("lanes.adviser_assigner")["role"], policy.get("lanes.temporary_adviser")["role"]) == (
        "general_manager", "department_head")


def test_the_rules_spell_out_the_levels_above_the_archive_approver(policy_set: PolicySet) -> None:
    """R5.2 主管以上: the 实施细则 say who approves, that the requester never does, and the levels above."""
    text = _rules(policy_set, "sz-property-lyc", "text")
    line = next(ln for ln in text.splitlines() if "业主档案查询审批（主管以上领导）：" in ln)
    assert ("本项目的客服主管（首问责任人即申请人本人不得办理）；"
            "无人可办时（无人担任或唯一担任者为申请人本人）依次转上一级：本公司的客服经理，"
            "再无则本公司的售后服务中心副总经理，再无则本公司的售后服务中心总经理，"
            "由第一个有人可办的一级办理") in line


def test_the_rules_spell_out_the_levels_above_the_difficult_issue_visitor(policy_set: PolicySet) -> None:
    """R6.2 主管以上: a difficult issue's return visit is the project's 客服主管's, else the levels above."""
    text = _rules(policy_set, "sz-property-lyc", "text")
    line = next(ln for ln in text.splitlines() if "疑难问题回访（主管以上）：" in ln)
    assert ("本项目的客服主管；无人可办时（无人担任）依次转上一级：本公司的客服经理，"
            "再无则本公司的售后服务中心副总经理，再无则本公司的售后服务中心总经理，"
            "由第一个有人可办的一级办理") in line
