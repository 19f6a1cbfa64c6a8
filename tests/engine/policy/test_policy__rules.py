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
