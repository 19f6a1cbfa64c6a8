"""The 实施细则 (implementation rules, 003 第41条) of a unit, in Chinese, generated from its policy.

Every catalogued key in force becomes one article: its Chinese title, the value in words, the seed
clause it implements and whether the unit differs from the group standard (and where it says so).
Keys that nothing enforces yet (``catalogue.NOT_IN_FORCE``) are left out. The document is Chinese
throughout: codes are shown by their names (roles, departments, channels, lanes, form fields), the
time zone, region and notification channels by words, and where a unit changed a rule by the unit's
name and line (``见深圳物业公司策略第8行``); what stays in Latin letters are names people use as they are
(``APP``), the case-number prefixes, the seeds' own sub-item letters (``投诉的受理3A``) and the policy's
fingerprint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from engine.policy.catalogue import ABNORMAL_ACTIONS, ENTRIES, NOT_IN_FORCE, SECTIONS, Entry, entry
from engine.policy.effective import EffectivePolicy

__all__ = ["FORMATS", "format_value", "render_rules", "zh_duration", "zh_lane", "zh_schedule"]

FORMATS = ("md", "text")

_UNITS = {"minute": "分钟", "hour": "小时", "day": "天", "week": "周"}
_WEEKDAYS = {
    "monday": "一",
    "tuesday": "二",
    "wednesday": "三",
    "thursday": "四",
    "friday": "五",
    "saturday": "六",
    "sunday": "日",
}
_SCOPES = {
    "project": "本项目的{role}",
    "subsidiary": "本公司的{role}",
    "group": "集团的{role}",
    "responsible_department": "第一责任部门的{role}",
    "cooperating_department": "各配合部门的{role}",
    "first_receiver": "首问责任人本人（{role}）",
}
_AMOUNT = re.compile(r"(\d+) (working )?(minute|hour|day|week)s?")
_NUMERALS = "一二三四五六七八九十"
_ZONES = {"Asia/Shanghai": "北京时间", "Asia/Hong_Kong": "香港时间", "Asia/Macau": "澳门时间",
          "Asia/Taipei": "台北时间", "Asia/Urumqi": "乌鲁木齐时间"}
_REGIONS = {"cn": "中国内地（国务院办公厅部署的法定节假日及调休）"}
_CHANNELS = {"in_app": "站内通知", "email": "电子邮件", "sms": "短信", "wecom": "企业微信"}
_LOCALES = {"zh": "中文", "en": "英文"}
_ACTIONS = dict(zip(ABNORMAL_ACTIONS, ("报告保安部门处置", "拒绝接待", "报警并协助处理"), strict=True))
_RETENTION = {"owner": "按业主档案期限", "marked": "按带※工作记录期限", "other": "按其它工作记录期限"}
Labels = Mapping[str, Mapping[str, str]]  # policy key -> code -> Chinese name (e.g. form fields)


def _amount(match: re.Match[str]) -> str:
    number, working, unit = match.group(1), match.group(2), match.group(3)
    if working and unit == "day":
        return f"{number}个工作日"
    if working:
        return f"{number}{_UNITS[unit]}（工作时间）"
    return f"{number}{_UNITS[unit]}"


def _cap(key: str) -> str:
    """``，且不迟于「投诉送达责任部门时限」`` for a ``never_after`` key."""
    spec = entry(key)
    title = spec.title.split("（")[0] if spec is not None else key  # without the title's gloss
    return f"，且不迟于“{title}”届满"


def zh_duration(value: Any) -> str:
    """A duration in Chinese words (``1 hour after work starts`` → ``上班后1小时内``); others verbatim."""
    if isinstance(value, dict):
        cap = _cap(str(value["never_after"])) if value.get("never_after") else ""
        if "duration" in value:
            return f"{zh_duration(value['duration'])}{cap}"
        inside, otherwise = value.get("in_working_time"), value.get("otherwise")
        return f"工作时间内{zh_duration(inside)}；非工作时间{zh_duration(otherwise)}{cap}"
    text = str(value).strip()
    capped = re.fullmatch(r"(.+?),? never after (\S+)", text)
    if capped:
        return f"{zh_duration(capped.group(1))}{_cap(capped.group(2))}"
    composite = re.fullmatch(r"(.+) in working time, otherwise (.+)", text)
    if composite:
        return f"工作时间内{zh_duration(composite.group(1))}；非工作时间{zh_duration(composite.group(2))}"
    after = re.fullmatch(r"(.+) after work starts", text)
    if after:
        return f"上班后{zh_duration(after.group(1))}内"
    return _AMOUNT.sub(_amount, text)


def zh_schedule(text: str) -> str:
    """A schedule in Chinese words (``daily at 09:30 on working days`` → ``每个工作日09:30``)."""
    rest = text.strip()
    working = rest.endswith(" on working days")
    rest = rest.removesuffix(" on working days")
    at = re.search(r" at (\d\d:\d\d)$", rest) if not rest.startswith("daily at") else None
    if at:
        rest = rest[: at.start()]
    match = re.fullmatch(r"daily (at|before) (\d\d:\d\d)", rest)
    if match:
        day = "每个工作日" if working else "每天"
        return f"{day}{match.group(2)}" + ("前" if match.group(1) == "before" else "")
    match = re.fullmatch(r"weekly on (\w+)", rest)
    if match and match.group(1).lower() in _WEEKDAYS:
        result = f"每周{_WEEKDAYS[match.group(1).lower()]}"
    else:
        match = re.fullmatch(r"monthly (on|by) the (\d+)(st|nd|rd|th)", rest)
        if not match:
            return text
        result = f"每月{match.group(2)}日" + ("前" if match.group(1) == "by" else "")
        if working and match.group(1) == "by":  # a deadline moves back, never past the day named
            return result + (at.group(1) if at else "") + "（遇非工作日提前至此前最后一个工作日）"
    if at:
        result += at.group(1)
    return result + ("（遇非工作日顺延）" if working else "")


def _names(policy: EffectivePolicy, key: str, codes: list[str]) -> str:
    return "、".join(policy.name_of(key, code) for code in codes) or "无"


def _record(policy: EffectivePolicy, kind: str, item: dict[str, Any]) -> str:
    name = str(item.get("name", item.get("code")))
    if kind == "category":
        cooperating = _names(policy, "departments", list(item.get("cooperating", [])))
        lead = policy.name_of("departments", item["department"])
        return f"{item.get('group')}·{name}（第一责任部门：{lead}；无条件配合：{cooperating}）"
    if kind == "fee":
        return f"{name} {format_money(item['price'])}/{item['unit']}"
    if kind == "severity":
        return f"{name}（责任人：{policy.name_of('roles', item['responsible'])}）"
    if kind == "purpose" and item.get("desk"):
        return f"{name}（转{policy.name_of('departments', item['desk'])}）"
    if kind == "urgency" and item.get("emergency_plan"):
        return f"{name}（立即启动应急预案并通报）"
    if kind == "abnormal":
        told = _names(policy, "departments", list(item.get("notify", [])))
        return f"{name}（{_ACTIONS.get(str(item.get('action')), '')}；即时通知{told}）"
    if kind == "document" and item.get("marked"):
        return f"{name}※"
    if kind == "record_class":
        return f"{name}（{_RETENTION.get(str(item.get('retention')), '')}）"
    if kind == "role" and item.get("supervisor"):
        return f"{name}（直属上级：{policy.name_of('roles', item['supervisor'])}）"
    return name


def zh_zone(zone: str) -> str:
    """A time zone in words: ``Asia/Shanghai`` → ``北京时间（东八区）``."""
    offset = datetime(2026, 1, 1, tzinfo=ZoneInfo(zone)).utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    band = "零时区" if hours == 0 else f"{'东' if hours > 0 else '西'}{_numeral(abs(hours))}区"
    return f"{_ZONES[zone]}（{band}）" if zone in _ZONES else f"{band}时间"


def _numeral(n: int) -> str:
    """1..99 in Chinese numerals (section numbers, time-zone bands)."""
    if n <= 10:
        return _NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return f"{_NUMERALS[tens - 1] if tens > 1 else ''}十{_NUMERALS[ones - 1] if ones else ''}"


def _required(value: list[str], names: Mapping[str, str]) -> str:
    """``[customer_name, room|host_name]`` → ``访客姓名、受访住户房号或受访人（至少一项）``."""
    out = []
    for entry_ in value:
        choices = [names.get(n.strip(), n.strip()) for n in str(entry_).split("|")]
        out.append("或".join(choices) + ("（至少一项）" if len(choices) > 1 else ""))
    return "、".join(out)


_PLACEHOLDERS_ZH = {
    "name": "姓名", "case": "投诉编号", "task": "任务", "due": "时限", "room": "房号", "holder": "办理人",
    "fine_from": "扣罚起算时间", "count": "宗数", "cases": "投诉编号清单", "when": "截至时间", "unit": "单位",
    "days": "天数", "threshold": "标准", "window": "统计期", "reason": "扣罚事由", "amount": "金额",
    "penalty": "扣罚",
    "detail": "说明", "month": "月份", "place": "地点", "urgency": "紧急程度",
    "urgency_phrase": "紧急程度说明", "process": "流程", "title": "标题", "message": "内容",
    "version": "版本", "received": "受理宗数", "valid": "有效宗数", "closed": "已结案宗数",
    "open": "未结案宗数", "what": "情况", "deadline": "报送时限", "points": "扣分", "total": "扣款金额",
    "public": "公布说明", "by": "修改人", "changes": "变更内容", "lines": "笔数",
    "bonus_lines": "扣罚奖金笔数",
    "months": "连续月数", "bottom": "倒数名次", "rating": "评分", "rank": "名次", "ledger": "台账月份",
    "year": "年度", "without": "不含坏账宗数", "changed": "修改时间",
    "quarter": "季度", "department": "责任部门", "categories": "投诉分类及宗数", "fine": "逾期扣罚金额",
    "notice": "通知单编号", "issue": "违规问题", "on": "违规日期", "decision": "处理结果",
    "answer": "处理意见", "campaign": "回访类型", "start": "起始日期", "end": "截止日期",
    "reached": "已回访户数", "households": "应回访户数",
    "coverage": "覆盖率", "target": "目标覆盖率", "needed": "尚差户数",
    "cooperating": "配合部门", "lead": "第一责任部门", "summary": "督办事项", "required": "要求完成时间",
}


def zh_message(policy: EffectivePolicy, value: dict[str, Any]) -> str:
    """A message template in words: its Chinese subject and body (blanks named), and its channels."""
    def blank(match: re.Match[str]) -> str:
        return f"〔{_PLACEHOLDERS_ZH.get(match.group(1), match.group(1))}〕"

    subject, body = (re.sub(r"\{(\w+)\}", blank, text) for text in value["zh"])
    channels = value.get("channels") or policy.get("notifications.channels")
    via = "、".join(_CHANNELS.get(str(c), str(c)) for c in channels)
    return f"标题“{subject}”；正文“{body}”（{via}）"


def zh_lane(policy: EffectivePolicy, binding: dict[str, Any]) -> str:
    """Who works a lane in words: ``{role: cs_supervisor, scope: project}`` → ``本项目的客服主管``."""
    role = policy.name_of("roles", str(binding.get("role")))
    text = _SCOPES.get(str(binding.get("scope")), "{role}").format(role=role)
    if binding.get("not_first_receiver"):
        text += "（首问责任人即申请人本人不得办理）"
    levels = [level for level in binding.get("escalate_to") or [] if isinstance(level, dict)]
    if levels:
        above = "，再无则".join(zh_lane(policy, {"role": level.get("role"), "scope": level.get("scope")})
                              for level in levels)
        requester = "或唯一担任者为申请人本人" if binding.get("not_first_receiver") else ""
        text += f"；无人可办时（无人担任{requester}）依次转上一级：{above}，由第一个有人可办的一级办理"
    return text


def format_money(value: Any) -> str:
    """``100`` → ``100元``."""
    return f"{value:g}元" if isinstance(value, float) else f"{value}元"


def format_value(policy: EffectivePolicy, spec: Entry, value: Any, labels: Labels | None = None) -> str:
    """The value of ``spec`` in Chinese words for the rules document.

    ``labels`` names the codes a key lists that the policy itself does not name, by key (the form
    fields of ``visitor.required_fields``, from the forms that say ``required_from``).
    """
    kind = spec.kind
    if spec.key in (labels or {}) and isinstance(value, list):
        return _required(value, (labels or {})[spec.key])
    if spec.key == "notifications.channels":
        return "、".join(_CHANNELS.get(str(c), str(c)) for c in value)
    if spec.key == "notifications.locale":
        return _LOCALES.get(str(value), str(value))
    if spec.key == "calendar.region":
        return _REGIONS.get(str(value), f"{value}地区")
    if kind == "timezone":
        return zh_zone(str(value))
    if kind == "duration":
        return zh_duration(value)
    if kind == "schedule":
        return zh_schedule(value)
    if kind == "money":
        return format_money(value)
    if kind == "percent":
        return f"{value}%"
    if kind == "years":
        return "永久" if value == "permanent" else f"{value}年以上"
    if kind == "flag":
        return "是" if value else "否"
    if kind == "role":
        return policy.name_of("roles", value)
    if kind == "roles":
        return _names(policy, "roles", value)
    if kind == "department":
        return policy.name_of("departments", value)
    if kind == "departments":
        return _names(policy, "departments", value)
    if kind == "texts":
        return "、".join(value)
    if kind == "working_hours":
        return "、".join(str(period).replace("-", "–") for period in value)
    if kind == "weekend":
        return "、".join(f"周{_WEEKDAYS.get(str(day).lower(), str(day))}" for day in value)
    if kind == "records":
        return "；".join(_record(policy, spec.fields, item) for item in value)
    if kind == "lane":
        return zh_lane(policy, value)
    if kind == "clock":
        return "工作时间（只计工作日的上班时段）" if value == "working time" else "自然时间（连续计算）"
    if kind == "days":
        return "工作日" if value == "working days" else "自然日（含节假日）"
    if kind == "message":
        return zh_message(policy, value)
    if kind == "deadline_key":
        target = entry(str(value))
        title = target.title.split("（")[0] if target is not None else str(value)
        own = policy.get(str(value))  # the person's own time: without the cap, which is the case's
        if isinstance(own, dict) and "duration" in own:
            own = own["duration"]
        elif isinstance(own, dict):
            own = {k: v for k, v in own.items() if k != "never_after"}
        else:
            own = re.sub(r",? never after \S+$", "", str(own))
        return f"{zh_duration(own)}（即“{title}”），自任务到达本人时起算"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_rules(
    policy: EffectivePolicy, group: EffectivePolicy, names: dict[str, str], fmt: str = "md",
    labels: Labels | None = None,
) -> str:
    """The unit's 实施细则 as Markdown (``md``) or plain text; ``names`` maps unit codes to Chinese names,
    ``labels`` names the codes of keys such as ``visitor.required_fields`` (see :func:`format_value`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    unit_name = names.get(policy.code, policy.code)
    chain = " → ".join(names.get(code, code) for code in policy.chain)
    is_group = policy.code == group.code
    title = f"{unit_name}客服工作{'管理标准' if is_group else '实施细则'}"
    intro = [
        f"单位链：{chain}。本文由系统依据生效策略自动生成，只列现行有效、系统据以执行的规定，"
        f"策略指纹 {policy.fingerprint[:12]}。",
        "每条规定注明所依据的制度条款；“与集团标准”一栏标出本单位调整之处及其设定位置。",
    ]
    out: list[str] = []
    if fmt == "md":
        out += [f"# {title}", "", *(f"> {line}" for line in intro), ""]
    else:
        out += [title, "=" * 20, *intro, ""]
    number = 0
    sections = 0
    section = None
    appendix: list[str] = []
    for spec in ENTRIES:
        head = spec.key.split(".")[0]
        if head == "unit" or spec.key in NOT_IN_FORCE or not policy.has(spec.key):
            continue
        if head != section:
            section = head
            sections += 1
            heading = f"{_numeral(sections)}、{SECTIONS.get(head, head)}"
            if fmt == "md":
                out += [
                    "",
                    f"## {heading}",
                    "",
                    "| 条 | 事项 | 规定 | 依据 | 与集团标准 |",
                    "|---|---|---|---|---|",
                ]
            else:
                out += ["", heading]
        number += 1
        value = policy.get(spec.key)
        text = format_value(policy, spec, value, labels)
        base = group.get(spec.key) if group.has(spec.key) else None
        differs = "—" if is_group else _differs(policy, group, spec, value, base, names, labels)
        if fmt == "md" and spec.fields == "category":
            text = f"共{len(value)}类，见附表一"
            appendix = _category_table(policy, group, is_group, names)
        if fmt == "md":
            out.append(
                f"| 第{number}条 | {_cell(spec.title)} | {_cell(text)} | {_cell(spec.clause)} | "
                f"{_cell(differs)} |"
            )
        else:
            out.append(f"第{number}条 {spec.title}：{text}。依据：{spec.clause}。与集团标准：{differs}。")
    if appendix:
        out += ["", *appendix]
    return "\n".join(out).rstrip() + "\n"


def _where(policy: EffectivePolicy, key: str, names: Mapping[str, str]) -> str:
    """Where a unit set ``key``, in words: ``深圳物业公司策略第8行``."""
    found = policy.provenance(key)
    code = PurePosixPath(found.path).stem
    return f"{names.get(code, code)}策略第{found.line}行"


def _differs(policy: EffectivePolicy, group: EffectivePolicy, spec: Entry, value: Any, base: Any,
             names: Mapping[str, str], labels: Labels | None) -> str:
    if value == base:
        return "相同"
    if spec.kind == "records" and isinstance(base, list):
        before = {item["code"]: item for item in base}
        added = [item for item in value if item["code"] not in before]
        changed = [item for item in value if item["code"] in before and before[item["code"]] != item]
        parts = [f"新增{'、'.join(str(i.get('name')) for i in added)}"] if added else []
        parts += [f"修改{'、'.join(str(i.get('name')) for i in changed)}"] if changed else []
        first = (added or changed)[0]
        where = _where(policy, f"{spec.key}[{first['code']}]", names)
        return f"调整：{'；'.join(parts)}（见{where}）"
    before_text = format_value(group, spec, base, labels) if base is not None else "无"
    return f"调整（集团：{before_text}；见{_where(policy, spec.key, names)}）"


def _category_table(policy: EffectivePolicy, group: EffectivePolicy, is_group: bool,
                    names: Mapping[str, str]) -> list[str]:
    base = {item["code"]: item for item in group.get("complaint.categories")}
    rows = [
        "## 附表一：投诉分类与第一责任部门（《售后服务管理办法》第20–21条；《客服工作管理标准》投诉分类）",
        "",
        "| 类别 | 名称 | 第一责任部门 | 无条件配合部门 | 与集团标准 |",
        "|---|---|---|---|---|",
    ]
    for item in policy.get("complaint.categories"):
        old = base.get(item["code"])
        differs = "—" if is_group else "相同" if old == item else "新增" if old is None else "修改"
        if differs in ("新增", "修改"):
            differs += f"（见{_where(policy, 'complaint.categories[' + item['code'] + ']', names)}）"
        lead = policy.name_of("departments", item["department"])
        helpers = _names(policy, "departments", list(item.get("cooperating", [])))
        group_name, name = _cell(str(item.get("group"))), _cell(str(item["name"]))
        rows.append(f"| {group_name} | {name} | {lead} | {helpers} | {differs} |")
    spec = entry("complaint.deadlines.cooperation")
    if spec is not None and policy.has(spec.key):
        due = format_value(policy, spec, policy.get(spec.key))
        rows += ["", "督办令签发送达第一责任部门时，每个无条件配合部门同时收到通知"
                     "（附督办事项、要求完成时间），"
                     f"并各有一项“确认配合事项”待办，由该部门负责人在{due}内确认本部门的配合事项；"
                     "第一责任部门在案件页看到各部门的确认情况，"
                     "逾期未确认的与其他逾期待办一样列入逾期。"
                     "投诉结案时仍未确认的待办随结案结束，处理记录写明原因，逾期的标明逾期。"]
    if policy.has("complaint.cooperation.overdue_to"):
        told = _names(policy, "roles", list(policy.get("complaint.cooperation.overdue_to")))
        rows += ["", "配合部门逾期未确认配合事项的，不另行扣罚"
                     "（《售后服务管理办法》未规定罚则：第4条由第一责任部门对拒不配合部门行使处分权，第37条由售后服务中心查处推诿扯皮）；"
                     f"系统在逾期后即时通知该部门负责人、第一责任部门负责人及{told}，每项待办只通知一次。"
                     "配合部门未设部门一把手的，通知中标明“无人可办”，由组织管理员补设。"
                     "月度统计单列“配合部门确认”的按时率（各配合部门均在时限内确认的投诉为按时），"
                     "并按配合部门列出各部门确认事项的到期、按时、超时数及按时率。"]
    return rows
