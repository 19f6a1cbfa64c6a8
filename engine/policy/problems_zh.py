"""Policy findings in Chinese, for the pages where a policy editor reads them next to their line.

The checks (``engine.policy.schema``, ``bounds``, ``policyset``) word their findings in English for the
command line, ``path:line: code message``. ``zh_problem`` gives the same finding in Chinese: the rule by
its catalogue title, the values in words (``48小时``), what the group allows and how to fix it. The
findings a subsidiary meets while drafting (a bound broken, an unknown key, a bad duration) are
worded from their parts; every other code by its meaning.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from engine.errors import PolicyError
from engine.policy.catalogue import entry

__all__ = ["CODES_ZH", "zh_problem"]

CODES_ZH: dict[str, str] = {
    "policy.E001": "不是有效的 YAML：请检查此行附近的缩进、冒号和引号",
    "policy.E002": "文件须为“键: 值”的映射（以 extends: 上级单位 开头，其后只写与上级不同的规定）",
    "policy.E003": "同一层级中同一个键出现了两次，请只保留一个",
    "policy.E004": "未知的规定项",
    "policy.E005": "取值类型不对",
    "policy.E006": "时限写法无法识别（如 24 hours、30 working minutes、1 hour after work starts）",
    "policy.E007": "周期写法无法识别（如 daily at 09:30、monthly by the 3rd）",
    "policy.E008": "取值超出允许范围",
    "policy.E009": "记录缺少代码，或同一代码出现两次",
    "policy.E010": "引用了不存在的部门或岗位",
    "policy.E011": "下级策略须以 extends: 上级单位 开头",
    "policy.E012": "extends 指向了不存在的单位",
    "policy.E013": "extends 形成循环",
    "policy.E014": "只有集团标准可以设定调整范围（bounds），请删除",
    "policy.E015": "缺少必填的规定项或字段",
    "policy.E016": "超出集团允许的上限",
    "policy.E017": "两个时限的计算方式不同，无法比较：请按集团的写法（工作时间或自然时间）填写",
    "policy.E018": "低于集团允许的下限",
    "policy.E019": "删除了集团清单中的项目：清单只能增加，不能减少",
    "policy.E020": "该规定由集团统一设定，下级不得修改，请删除此行",
    "policy.E021": "调整范围（bounds）写法有误",
    "policy.E022": "单位代码或文件名不正确，或单位重复",
    "policy.E023": "extends 指向了层级不对的单位",
    "policy.E024": "找不到策略目录或集团标准",
    "policy.E025": "策略快照已损坏",
    "policy.E026": "引用的规定项不正确（如 never_after 须指向一个时限）",
    "policy.E027": "策略与流程图不一致（泳道、选项来源或必填来源）",
}
_UNITS = {"minute": "分钟", "hour": "小时", "day": "天", "week": "周"}
_AMOUNT = re.compile(r"(\d+) (working )?(minute|hour|day|week)s?")
_LIMIT = re.compile(r"^(?P<key>[\w.\[\]-]+): (?P<value>.+?) is (?P<what>longer|higher|shorter|lower) than "
                    r"(?P<limit>.+?) \((?P<origin>the group's (?:maximum|minimum)|the group value)")
_UNKNOWN = re.compile(r"unknown (?:key|field) '(?P<key>[^']+)'(?:; did you mean '(?P<hint>[^']+)'\?)?")
_FIXED = re.compile(r"^(?P<key>[\w.\[\]-]+) is fixed by the group \((?P<value>.+?), bound at")
_REMOVED = re.compile(r"^(?P<key>[\w.\[\]-]+): removes (?P<items>.+?) from the group list")
_KEYED = re.compile(r"^(?P<key>[a-z_][\w.\[\]-]*): ")


def _words(text: Any) -> str:
    """A policy value in Chinese words where it is a duration or a number; else as written."""
    if isinstance(text, str):
        try:
            text = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            pass
    if isinstance(text, str):
        def amount(m: re.Match[str]) -> str:
            number, working, unit = m.group(1), m.group(2), m.group(3)
            if working and unit == "day":
                return f"{number}个工作日"
            return f"{number}{_UNITS[unit]}" + ("（工作时间）" if working else "")
        return _AMOUNT.sub(amount, text).replace(" after work starts", "（上班后起算）")
    return str(text)


def _title(key: str) -> str:
    base = re.sub(r"\[[^\]]*\]", "", key)
    spec = entry(base)
    return f"“{spec.title}”（{key}）" if spec is not None else key


def zh_problem(error: PolicyError) -> str:
    """The finding in Chinese: which rule, what is wrong, how to fix it (no file or line: shown apart)."""
    code, message = error.code, error.message
    found = _LIMIT.match(message)
    if code in ("policy.E016", "policy.E018") and found:
        value, limit = _words(found["value"]), _words(found["limit"])
        upper = code == "policy.E016"
        if "group value" in found["origin"]:
            bound = "集团标准值（只能" + ("缩短或降低" if upper else "提高") + "）"
        else:
            bound = "集团规定的" + ("上限" if upper else "下限")
        more = {"longer": "长于", "higher": "高于", "shorter": "短于", "lower": "低于"}[found["what"]]
        fix = "不超过" if upper else "不低于"
        return (f"{_title(found['key'])}：{value}{more}{bound} {limit}。请改为{fix}{limit}，"
                "或请集团在调整范围中另行规定。")
    found = _UNKNOWN.search(message)
    if code == "policy.E004" and found:
        hint = f"是否应为“{found['hint']}”？" if found["hint"] else "请对照集团标准中的规定项名称。"
        return f"未知的规定项 {found['key']}：系统不会执行它。{hint}"
    found = _FIXED.match(message)
    if code == "policy.E020" and found:
        return f"{_title(found['key'])}由集团统一设定（{_words(found['value'])}），下级不得修改，请删除此行。"
    found = _REMOVED.match(message)
    if code == "policy.E019" and found:
        return (f"{_title(found['key'])}：删除了集团清单中的 {found['items']}。"
                "清单只能增加，请保留集团的全部项目。")
    keyed = _KEYED.match(message)
    what = CODES_ZH.get(code, "策略有误")
    if keyed and code != "policy.E001":
        return f"{_title(keyed['key'])}：{what}。"
    return f"{what}。"
