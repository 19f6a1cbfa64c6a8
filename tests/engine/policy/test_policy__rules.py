"""The 实施细则 wording: durations and schedules in Chinese, and the catalogue behind every article."""

from __future__ import annotations

import re

import pytest

from engine.policy.catalogue import ENTRIES, KINDS, SECTIONS, SOURCES, Entry
from engine.policy.rules import zh_duration, zh_schedule


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
