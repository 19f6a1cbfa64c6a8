"""The catalogue of policy keys: kind, Chinese title and source clause of every key (one source of truth).

The schema check, the default bounds and the 实施细则 document (``kefu policy rules``) all read this
table. A key is a dotted path; its ``kind`` says how its value is checked and compared:

=============  =====================================================  ======================
kind           value                                                  default bound (group)
=============  =====================================================  ======================
duration       duration text or composite mapping (engine.durations)   ``bounds.by_kind``
schedule       schedule text (``daily at 09:30``)                       ``bounds.by_kind``
count          whole number >= 0 (thresholds, attempts, days)           ``bounds.by_kind``
money          yuan, number >= 0 (fines, prices)                        ``bounds.by_kind``
percent        number 0..100                                            ``bounds.by_kind``
years          whole years >= 1 or ``permanent``                        ``bounds.by_kind``
flag           true / false                                             ...
text, texts    a text / a list of texts
role, roles    role code(s) declared in ``roles``
department(s)  department code(s) declared in ``departments``
timezone       IANA zone name
working_hours  list of ``HH:MM-HH:MM`` periods (engine.calendar)
weekend        list of weekday names (engine.calendar)
records        list of mappings with a unique ``code``; fields by ``fields``
lane           ``{role, scope, sticky}``: who works the steps of a diagram lane (``lanes.<lane>``);
               ``sticky: true``: a step of the lane goes straight to the person who completed
               the case's previous step when they hold its role and scope (issue 15)
clock          ``working time`` or ``wall clock`` (how lateness is counted)
days           ``calendar days`` or ``working days`` (how days overdue are counted)
deadline_key   the dotted key of a duration of the same policy
message        ``{zh: [subject, body], en: [subject, body]}`` (+ ``channels``); ``{x}`` from ``fields``
=============  =====================================================  ======================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "ABNORMAL_ACTIONS",
    "CHOICES",
    "ENTRIES",
    "KINDS",
    "LANE_FIELDS",
    "LANE_SCOPES",
    "NOT_IN_FORCE",
    "RECORD_FIELDS",
    "SECTIONS",
    "SOURCES",
    "Entry",
    "entry",
    "tree",
]

KINDS = (
    "duration",
    "schedule",
    "count",
    "money",
    "percent",
    "years",
    "flag",
    "text",
    "texts",
    "role",
    "roles",
    "department",
    "departments",
    "timezone",
    "working_hours",
    "weekend",
    "records",
    "lane",
    "clock",
    "days",
    "deadline_key",
    "message",
)
CHOICES = {"clock": ("working time", "wall clock"), "days": ("calendar days", "working days")}
LANE_SCOPES = ("project", "subsidiary", "group", "responsible_department", "cooperating_department",
               "first_receiver")
# A lane's fields: who (role) where (scope); ``sticky`` keeps a step with the person who did the last
# one; ``not_first_receiver: true`` keeps the case's first receiver from taking its steps (nobody
# approves their own request, R5.2); ``escalate_to: [{role, scope}, …]`` the levels above the lane, nearest
# first, that take a step nobody may take at the lane's own role and scope (R5.2 主管以上).
LANE_FIELDS = ("role", "scope", "sticky", "not_first_receiver", "escalate_to")
# The scopes of an escalation level: a unit of the case (a person or a per-department instance is no level).
ESCALATION_SCOPES = ("project", "subsidiary", "group", "responsible_department")

# The seeds, by number, as the rules document cites them.
SOURCES = {
    "000": "《客服工作管理标准》",
    "001": "《客户服务工作质量标准及考核办法》",
    "002": "《客户投诉快速处理流程指南》",
    "003": "《售后服务管理办法》",
    "004": "《来电来访来函作业规定》",
}

# Section titles of the rules document, by first key segment, in document order (the document
# numbers the sections it prints: 一、二、…).
SECTIONS = {
    "unit": "单位",
    "calendar": "工作日历",
    "interfaces": "客服接口",
    "departments": "部门",
    "roles": "岗位",
    "lanes": "各步骤的承办岗位",
    "privacy": "信息保护",
    "channels": "受理渠道",
    "consultation": "咨询",
    "complaint": "投诉",
    "notifications": "提醒与通知",
    "satisfaction": "满意度",
    "repair": "报修",
    "visitor": "来访接待",
    "archive": "业主档案",
    "return_visit": "回访",
    "statistics": "统计分析",
    "assessment": "服务质量考核",
    "numbering": "编号",
}

# The paths of the visitor diagram an abnormal visit can take (R4.4; visitor.abnormal[].action).
ABNORMAL_ACTIONS = ("report_security", "refuse_entry", "call_police")

# Record fields: name -> (field kind, or a tuple of the allowed texts; required). ``code`` is always
# required.
FieldKind = str | tuple[str, ...]
_CODED: dict[str, tuple[FieldKind, bool]] = {
    "code": ("text", True), "name": ("text", True), "en": ("text", False), "help": ("text", False),
}
RECORD_FIELDS: dict[str, dict[str, tuple[FieldKind, bool]]] = {
    "coded": _CODED,
    "department": _CODED,
    "role": {**_CODED, "supervisor": ("role", False)},
    "category": {
        **_CODED,
        "scheme": ("text", True),
        "group": ("text", True),
        "department": ("department", True),
        "cooperating": ("departments", True),
    },
    "urgency": {**_CODED, "emergency_plan": ("flag", True)},
    "severity": {**_CODED, "responsible": ("role", True)},
    "fee": {**_CODED, "price": ("money", True), "unit": ("text", True)},
    "purpose": {**_CODED, "desk": ("department", False)},
    "abnormal": {**_CODED, "action": (ABNORMAL_ACTIONS, True), "notify": ("departments", False)},
    "document": {**_CODED, "marked": ("flag", False)},
    "record_class": {**_CODED, "retention": ("text", True)},
    "contact_channel": {**_CODED, "format": (("phone", "email", "text"), True)},
    "satisfaction": {**_CODED, "score": ("count", False)},
    "ranking_metric": {**_CODED, "weight": ("count", True)},
}


@dataclass(frozen=True)
class Entry:
    """One policy key: how its value is checked, its Chinese title, the seed clause and the R-ID."""

    key: str
    kind: str
    title: str
    source: str
    rid: str
    fields: str = ""

    @property
    def clause(self) -> str:
        """The seed clause in the words of the rules document (``《售后服务管理办法》第14条``)."""
        seed, _, clause = self.source.partition(" ")
        return f"{SOURCES.get(seed, seed)}{clause}"

    @property
    def citation(self) -> str:
        """The source clause in the form the rules document prints (``《…》第14条（R2.5）``)."""
        seed, _, clause = self.source.partition(" ")
        return f"{SOURCES.get(seed, seed)}{clause}（{self.rid}）"


def _e(key: str, kind: str, title: str, source: str, rid: str, fields: str = "") -> Entry:
    return Entry(key, kind, title, source, rid, fields)


# One row per key; kept as a table (ruff format would put every argument on its own line).
# fmt: off
ENTRIES: tuple[Entry, ...] = (
    _e("unit.name", "text", "单位名称", "003 第41条", "R0.1"),
    _e("calendar.timezone", "timezone", "时区", "000 投诉的处理1", "R0.4"),
    _e("calendar.region", "text", "节假日地区（法定节假日与调休数据）", "000 投诉的处理1", "R0.4"),
    _e("calendar.working_hours", "working_hours", "工作时间", "000 投诉的处理1", "R0.4"),
    _e("calendar.weekend", "weekend", "休息日", "000 投诉的处理1", "R0.4"),
    _e("interfaces.external", "records", "对外接口（400客服电话、工作电子信箱）", "000 一、客服接口1)", "R0.3",
       "contact_channel"),
    _e("interfaces.internal", "records", "对内接口（部门联系人、电话、电子信箱）", "000 一、客服接口2)", "R0.3",
       "contact_channel"),
    _e("interfaces.change_notice", "duration", "对接信息变动知会客服中心并确认的时限", "000 一、客服接口2)", "R0.3"),
    _e("interfaces.acknowledged_by", "roles", "确认对接信息变动的客服中心岗位", "000 一、客服接口2)", "R0.3"),
    _e("interfaces.overdue_to", "roles", "对接信息变动逾期未确认时通知的岗位", "000 一、客服接口2)", "R0.3"),
    _e("departments", "records", "部门", "003 第20条", "R0.2", "department"),
    _e("roles", "records", "岗位", "003 第5条、第21条", "R0.2", "role"),
    # Who works each step: every lane of the diagrams is one key, bound to a role and a scope.
    _e("lanes.cs_desk", "lane", "受理、督办令录入、结案核查、派工及答复（客服专员）", "003 第12条、第14条", "R2.1"),
    _e("lanes.first_receiver", "lane", "回访及来访接待（首问责任人）", "003 第4条", "R0.5"),
    _e("lanes.cs_supervisor", "lane",
       "应急处置、书面答复审核及延期知悉（客服主管）", "000 投诉的受理3", "R2.3、R2.9"),
    _e("lanes.cs_manager", "lane", "疑难问题电话回访记录会签（客服经理，不得为记录人本人）", "001 篇3 三、5", "R6.3"),
    _e("lanes.cs_centre_gm", "lane", "签发督办令及审批一般索赔", "003 第14条", "R2.5、R2.14"),
    _e("lanes.responsible_department", "lane",
       "上门回访、答复客户、处理及申请结案（第一责任部门）", "003 第4条、第22条", "R2.4、R2.7"),
    _e("lanes.expert", "lane", "专业顾问书面答复", "000 顾问支持1", "R2.17"),
    _e("lanes.chairman", "lane", "重大、群体性及共性问题投诉督办", "003 第33条", "R2.3"),
    _e("lanes.engineering", "lane", "接单及维修（工程人员）", "001 篇3 一、5", "R3.1"),
    _e("lanes.security", "lane", "核验证件、处置隐患、迎接受访人、陪同及离开登记", "004 来访审核", "R4.1、R4.4"),
    _e("lanes.closure_reviewer", "lane", "结案审核", "003 第29条", "R2.12"),
    _e("lanes.closure_approver", "lane", "结案审批（含按无法解决结案）", "003 第29条", "R2.12、R2.16"),
    _e("lanes.claim_reporter", "lane", "索赔书面报告提交", "003 第34条", "R2.14"),
    _e("lanes.cooperating_department", "lane", "配合部门确认配合事项（每个无条件配合部门一项）", "003 第20条", "R2.4"),
    _e("lanes.major_claim_approver", "lane", "重大投诉索赔审批", "003 第34条", "R2.14"),
    _e("lanes.adviser_assigner", "lane", "顾问无法联系时指定临时顾问", "000 顾问支持1", "R2.17"),
    _e("lanes.temporary_adviser", "lane", "临时顾问：总经理只能指定持本岗位者（顾问无法联系时）", "000 顾问支持1", "R2.17"),
    _e("lanes.wording_confirmer", "lane", "咨询答复说辞确认（客户经理）", "000 二、1咨询标准2", "R1.2"),
    _e("lanes.difficult_issue_visitor", "lane", "疑难问题回访（主管以上）", "001 篇3 三、2", "R6.2"),
    _e("lanes.archive_approver", "lane", "业主档案查询审批（主管以上领导）", "001 篇3 二、5", "R5.2"),
    _e("lanes.archive_relay", "lane", "代为查阅业主档案并转告", "001 篇3 二、5", "R5.2"),
    _e("lanes.phone_record_countersigner", "lane", "电话回访记录会签（客服主管，不得为记录人本人）", "001 篇3 三、5", "R6.3"),
    _e("lanes.volume_reporter", "lane", "有效投诉达报告标准时由项目提交书面投诉处理情况报告", "000 投诉的受理3", "R2.13"),
    _e("lanes.group_cs_manager", "lane", "审阅项目的书面报告（采纳或退回）及到现场调研（总公司客服中心经理）",
       "000 投诉的受理3", "R2.13"),
    _e("privacy.full_phone_roles", "roles", "可直接看到客户完整电话号码的岗位（其他岗位见138****8000，点击显示须留痕）",
       "001 篇3 二、3", "R0.8"),
    _e("channels", "records", "受理渠道", "003 第7条", "R0.7", "coded"),
    _e("consultation.reply", "duration",
       "咨询答复时限（《答客问》未覆盖的问题）", "000 二、1咨询标准2", "R1.2"),
    _e("consultation.faq_sources", "departments", "《答客户100问》收集条线", "000 二、1咨询标准1", "R1.1"),
    _e("consultation.faq_editors", "roles", "可维护《答客户100问》的岗位", "000 二、1咨询标准1", "R1.1"),
    _e("complaint.categories", "records",
       "投诉分类及第一责任部门、配合部门（受理时分类为暂定，上门定方案或结案核查时按实际原因核定，统计按最终原因分类，见《客服工作管理标准》统计③）",
       "003 第20条", "R2.2、R2.4", "category"),
    _e("complaint.urgency", "records", "紧急程度", "002 二、2", "R2.3", "urgency"),
    _e("complaint.scope", "records", "影响范围", "002 二、2", "R2.3", "coded"),
    _e("complaint.severity", "records", "投诉性质及责任人", "003 第5条、第33条", "R2.3", "severity"),
    _e("complaint.outcomes", "records", "结案状态", "002 四、4", "R2.12、R2.16", "coded"),
    _e("complaint.withdraw_roles", "roles", "可撤回投诉或提出合并重复投诉的岗位（撤回、合并的投诉不计为有效投诉）",
       "000 投诉的受理3", "R2.13"),
    _e("complaint.merge_confirm_roles", "roles", "确认合并重复投诉的岗位", "000 投诉的受理3", "R2.13"),
    _e("complaint.deadlines.order_raise", "duration",
       "督办令报批时限（来电结束或来访离开后）", "003 第14条", "R2.5"),
    _e("complaint.deadlines.order_sign", "duration",
       "督办令签发时限（售后服务中心总经理）", "003 第14条", "R2.5"),
    _e("complaint.deadlines.dispatch", "duration",
       "投诉送达责任部门时限（工作时间/非工作时间）", "000 投诉的处理1", "R2.5"),
    _e("complaint.deadlines.visit", "duration", "责任部门上门回访时限", "003 第22条", "R2.7"),
    _e("complaint.deadlines.unreachable_record", "duration",
       "无法上门或客户拒绝时录入回访材料时限", "003 第23条", "R2.7"),
    _e("complaint.deadlines.cs_callback", "duration", "售后服务中心回访客户时限", "003 第23条", "R2.7"),
    _e("complaint.deadlines.reply", "duration", "答复客户时限", "000 投诉的处理2", "R2.9"),
    _e("complaint.deadlines.closure_check", "duration", "结案资料核查时限", "003 第29条", "R2.12"),
    _e("complaint.deadlines.silence_close", "duration",
       "无须回访投诉的关闭观察期（无再次投诉）", "000 投诉统计分析④", "R2.12"),
    _e("complaint.deadlines.claim_report", "duration", "索赔书面报告时限", "003 第34条", "R2.14"),
    _e("complaint.deadlines.claim_notify_cs", "duration", "索赔报备售后服务中心时限", "003 第34条", "R2.14"),
    _e("complaint.deadlines.expert_answer", "duration", "专业顾问书面答复时限", "000 顾问支持2", "R2.17"),
    _e("complaint.deadlines.return_visit", "duration", "投诉结案回访时限（首问责任人）", "003 第29条、第35条", "R2.12、R2.15"),
    _e("complaint.visit_record.customer_confirmation", "flag",
       "上门商定方案须由客户签字确认", "003 第22条", "R2.7"),
    _e("complaint.visit_record.photos", "flag", "上门商定方案须上传问题照片", "003 第22条", "R2.7"),
    _e("complaint.deadlines.cooperation", "duration",
       "配合部门确认配合事项时限（督办令送达后；结案时未确认的随结案结束并记入时间线；月度统计按配合部门列出按时率）",
       "003 第20条", "R2.4"),
    _e("complaint.deadlines.meeting_minutes", "duration",
       "重大投诉专题会议纪要报备时限", "003 第33条", "R2.3"),
    _e("complaint.schedules.progress_entry", "schedule", "处理进展录入时间", "003 第26条", "R2.10"),
    _e("complaint.schedules.reminders", "schedule", "未完成投诉短信提醒时间", "003 第19条", "R2.10"),
    _e("complaint.schedules.slow_cases", "schedule",
       "进展缓慢投诉汇总报副总经理时间", "003 第26条、第30条", "R2.10"),
    _e("complaint.schedules.leftover_review", "schedule", "遗留投诉周例会", "003 第31条", "R2.18"),
    _e("complaint.schedules.major_review", "schedule",
       "重大/群体性/共性问题投诉月度专题会", "003 第32条", "R2.18"),
    _e("complaint.schedules.systemic_analysis", "schedule",
       "客户投诉系统性问题季度分析（每季度首月）", "003 第42条", "R2.18"),
    _e("complaint.reviews.systemic_every_months", "count", "系统性问题分析周期（月）", "003 第42条", "R2.18"),
    _e("complaint.reviews.systemic_answer_role", "role", "提出优化措施的岗位（各责任部门）", "003 第42条", "R2.18"),
    _e("complaint.reviews.systemic_answer_within", "duration", "责任部门提出优化措施时限", "003 第42条", "R2.18"),
    _e("complaint.reviews.systemic_late_fine", "money", "逾期提出优化措施扣罚（元）", "003 第42条", "R2.18"),
    _e("complaint.schedules.first_run_lookback", "duration",
       "提醒、检查及扣罚首次运行时最长补办期间", "003 第36条", "R2.10、R2.15"),
    _e("complaint.cooperation.overdue_to", "roles",
       "配合部门逾期未确认配合事项时通知的客服中心岗位（另通知配合部门负责人、第一责任部门负责人；不罚款）",
       "003 第4条、第20条、第37条", "R2.4"),
    _e("complaint.escalation.chain", "roles",
       "未完成投诉提醒及升级链（按岗位）", "003 第19条、第21条", "R2.10、R2.4"),
    _e("complaint.escalation.slow_cases_to", "role", "进展缓慢投诉督促人", "003 第26条", "R2.10"),
    _e("complaint.escalation.task_force_by", "role", "严重缓慢投诉工作小组组织人", "003 第27条", "R2.10"),
    _e("complaint.escalation.major_responsible", "role",
       "重大、群体性及共性问题投诉责任人", "003 第5条、第21条", "R2.3"),
    _e("complaint.escalation.emergency_notify", "roles", "紧急事件第一时间通知", "000 投诉的受理3", "R2.3"),
    _e("complaint.escalation.task_force_after", "duration",
       "严重超期（总经理成立专项工作小组）的超期时长", "003 第30条", "R2.10"),
    _e("complaint.escalation.leftover_review_to", "role", "遗留投诉周例会组织人", "003 第31条", "R2.18"),
    _e("complaint.escalation.major_review_to", "role", "重大投诉月度专题会组织人", "003 第32条", "R2.18"),
    _e("complaint.escalation.volume.window", "duration", "有效投诉计数周期", "000 投诉的受理3", "R2.13"),
    _e("complaint.escalation.volume_notify", "role",
       "有效投诉达标报告对象（集团层级）", "000 投诉的受理3", "R2.13"),
    _e("complaint.escalation.volume.report_at", "count",
       "书面报告集团客服经理的有效投诉数", "000 投诉的受理3A", "R2.13"),
    _e("complaint.escalation.volume.investigate_at", "count",
       "集团客服经理现场调研的有效投诉数", "000 投诉的受理3B", "R2.13"),
    _e("complaint.escalation.volume.report_due", "duration",
       "达报告标准后项目提交书面投诉处理情况报告的时限（自系统自动建立预警案件起）", "000 投诉的受理3", "R2.13"),
    _e("complaint.escalation.volume.rewrite_due", "duration",
       "报告被集团客服经理退回修改后项目重新提交的时限（自退回时起）", "000 投诉的受理3", "R2.13"),
    _e("complaint.escalation.volume.review_due", "duration", "集团客服经理审阅报告（采纳或退回）的时限",
       "000 投诉的受理3", "R2.13"),
    _e("complaint.escalation.volume.investigate_due", "duration", "达调研标准后集团客服经理到现场调研的时限",
       "000 投诉的受理3", "R2.13"),
    _e("complaint.penalties.late_order_fine", "money",
       "督办令延迟录入或签发扣罚（元/每个计时单位）", "003 第18条", "R2.5"),
    _e("complaint.penalties.late_order_step", "duration", "督办令延迟扣罚计时单位", "003 第18条", "R2.5"),
    _e("complaint.penalties.lateness_clock", "clock",
       "迟延时间计法（工作时间或自然时间）", "003 第18条", "R2.5、R2.15"),
    _e("complaint.penalties.overdue_days", "days", "超期天数计法（自然日或工作日）", "003 第36条", "R2.15"),
    _e("complaint.penalties.allowance.late_order_entry", "deadline_key",
       "督办令延迟录入：录入人自任务到达本人起至少享有的时限", "003 第14条", "R2.5"),
    _e("complaint.penalties.allowance.late_order_sign", "deadline_key",
       "督办令延迟签发：签发人自任务到达本人起至少享有的时限", "003 第14条", "R2.5"),
    _e("complaint.penalties.allowance.plan_not_entered", "deadline_key",
       "未按要求录入处理方案：责任部门自任务到达起至少享有的时限", "003 第22条", "R2.15"),
    _e("complaint.penalties.allowance.missed_return_visit", "deadline_key",
       "未按要求回访：回访人自任务到达本人起至少享有的时限", "001 篇3 三、2", "R2.15"),
    _e("complaint.penalties.overdue_short.up_to_days", "count",
       "超期第一档上限（天）", "003 第36条1", "R2.15"),
    _e("complaint.penalties.overdue_short.responsible_per_day", "money",
       "超期第一档：责任人每天扣罚（元）", "003 第36条1", "R2.15"),
    _e("complaint.penalties.overdue_short.leader_per_day", "money",
       "超期第一档：分管领导每天扣罚（元）", "003 第36条1", "R2.15"),
    _e("complaint.penalties.overdue_long.up_to_days", "count",
       "超期第二档上限（天）", "003 第36条2", "R2.15"),
    _e("complaint.penalties.overdue_long.responsible_per_day", "money",
       "超期第二档：责任人每天扣罚（元）", "003 第36条2", "R2.15"),
    _e("complaint.penalties.overdue_long.leader_per_day", "money",
       "超期第二档：分管领导每天扣罚（元）", "003 第36条2", "R2.15"),
    _e("complaint.penalties.overdue_severe.responsible_bonus_min_percent", "percent",
       "严重超期：责任人扣罚月度综合奖金下限（%）", "003 第36条3", "R2.15"),
    _e("complaint.penalties.overdue_severe.responsible_bonus_max_percent", "percent",
       "严重超期：责任人扣罚月度综合奖金上限（%）", "003 第36条3", "R2.15"),
    _e("complaint.penalties.overdue_severe.leader_bonus_min_percent", "percent",
       "严重超期：分管领导扣罚月度综合奖金下限（%）", "003 第36条3", "R2.15"),
    _e("complaint.penalties.overdue_severe.leader_bonus_max_percent", "percent",
       "严重超期：分管领导扣罚月度综合奖金上限（%）", "003 第36条3", "R2.15"),
    _e("complaint.penalties.overdue_severe.demotion", "flag",
       "严重超期：可降薪、降职", "003 第36条3", "R2.15"),
    _e("complaint.penalties.missed_visit_bonus_percent", "percent",
       "未按要求回访（首问责任人回访或疑难问题回访逾期）：每次扣罚月度综合奖金（%）", "003 第35条", "R2.15"),
    _e("complaint.penalties.plan_not_entered", "money",
       "未按要求录入处理方案：每次扣罚（元）", "003 第35条", "R2.15"),
    _e("complaint.penalties.progress_not_updated", "money",
       "未按要求更新处理进展：每次扣罚（元）", "003 第35条", "R2.15"),
    _e("complaint.penalties.report", "schedule", "扣罚报人力资源中心、财务中心时间（当日生成上月扣罚台账并报送）", "003 第36条", "R2.15"),
    _e("complaint.penalties.report_to", "texts", "扣罚报送单位", "003 第36条", "R2.15"),
    _e("complaint.penalties.report_roles", "roles",
       "接收月度扣罚台账的岗位（电子邮件附扣罚台账及员工考核月度汇总电子表格，并发站内通知；"
       "台账的扣罚事由、岗位、人员、单位及明细均为中文，时间按本单位时区）", "003 第36条", "R2.15"),
    _e("notifications.channels", "texts",
       "提醒及升级通知渠道", "003 第19条", "R2.10"),
    _e("notifications.around_the_clock", "flag",
       "全天候发送（否：非工作时间暂存至上班）", "003 第19条", "R2.10"),
    _e("notifications.locale", "text", "通知语言（中文或英文）", "003 第19条", "R2.10"),
    _e("notifications.templates.reminder", "message", "未完成投诉每日提醒", "003 第19条", "R2.10",
       "name count cases when"),
    _e("notifications.templates.contact_changed", "message", "对接信息变更知会客服中心", "000 一、客服接口2)",
       "R0.3", "name unit by changes due"),
    _e("notifications.templates.contact_change_overdue", "message", "对接信息变更逾期未确认提醒",
       "000 一、客服接口2)", "R0.3", "name unit by changes changed due"),
    _e("notifications.templates.order_signed", "message", "督办令签发后短信提醒责任人", "003 第19条", "R2.10",
       "name case task task_en due room"),
    _e("notifications.templates.cooperation_order", "message", "督办令签发后知会各配合部门（附督办事项）", "003 第20条",
       "R2.4", "name case room cooperating lead summary required due"),
    _e("notifications.templates.cooperation_overdue", "message", "配合部门逾期未确认配合事项提醒",
       "003 第4条、第20条", "R2.4", "name case room cooperating lead due holder"),
    _e("notifications.templates.penalty", "message", "扣罚通知（每笔扣罚一条站内通知）", "003 第35条", "R2.15",
       "name case reason reason_en amount penalty penalty_en detail detail_en month"),
    _e("notifications.templates.penalty_ledger", "message", "月度扣罚台账报人力资源中心、财务中心（附电子表格）",
       "003 第36条", "R2.15", "name unit month lines total bonus_lines"),
    _e("notifications.templates.slow_cases", "message", "处理进展缓慢投诉汇总报副总经理", "003 第26条", "R2.10",
       "name count cases when unit"),
    _e("notifications.templates.task_force", "message", "严重超期投诉：总经理组织工作小组", "003 第27条", "R2.10",
       "name case days"),
    _e("notifications.templates.volume_report", "message", "有效投诉达书面报告标准", "000 投诉的受理3", "R2.13",
       "name unit count threshold window"),
    _e("notifications.templates.volume_investigate", "message", "有效投诉达现场调研标准", "000 投诉的受理3",
       "R2.13", "name unit count threshold window"),
    _e("notifications.templates.leftover_review", "message", "遗留未完成投诉周例会通知", "003 第31条", "R2.18",
       "name unit count cases when"),
    _e("notifications.templates.major_review", "message", "重大投诉月度专题会通知", "003 第32条", "R2.18",
       "name unit count cases when"),
    _e("notifications.templates.systemic_task", "message", "系统性问题整改任务通知责任部门", "003 第42条", "R2.18",
       "name unit quarter department count categories due fine"),
    _e("notifications.templates.step_notice", "message", "紧急事件第一时间通报", "000 投诉的受理3", "R2.3、R3.4",
       "name case place task task_en urgency urgency_en urgency_phrase urgency_phrase_en"),
    _e("notifications.templates.diagram_notice", "message", "流程步骤通知（流程图所定标题与内容）", "000 投诉的受理3",
       "R2.3", "name process case title message"),
    _e("notifications.templates.overdue_task", "message",
       "带扣罚的任务逾期：即时提醒办理人及其直属上级", "003 第19条", "R2.10、R2.15",
       "name case room task task_en due holder fine_from"),
    _e("notifications.templates.monthly_report", "message", "月度投诉统计报送（附电子表格）", "000 顾客投诉的分析方法①",
       "R7.1", "name unit month version received valid closed open"),
    _e("notifications.templates.assessment_statement", "message", "员工考核月报（本人扣分及扣款）", "001 篇2 4.1.5",
       "R8.1", "name month points total public public_en"),
    _e("notifications.templates.assessment_notice", "message", "过失通知单签发：站内通知本人", "001 篇2 3.1–3.3",
       "R8.1", "name notice issue points on by"),
    _e("notifications.templates.assessment_decision", "message", "考核申诉处理结果：站内通知本人", "001 篇2 4.3",
       "R8.2", "name notice decision decision_en points by answer"),
    _e("notifications.templates.campaign_coverage", "message", "回访调查期末覆盖率未达标告警", "001 篇3 三、3–5",
       "R6.3", "name unit campaign campaign_en start end reached households coverage target needed"),
    _e("notifications.templates.bad_debt_report", "message", "年末无法解决投诉（坏账）专项分析报送（附电子表格）",
       "000 投诉的处理6", "R2.16", "name unit year count valid without"),
    _e("notifications.templates.ranking_penalty", "message", "客服专员连续排名倒数：经济处罚通知", "003 第16条",
       "R7.2", "name month months bottom rating rank count amount ledger"),
    _e("notifications.templates.report_late", "message", "月度投诉统计逾期或未能生成告警", "000 顾客投诉的分析方法①",
       "R7.1", "name unit month what what_en deadline"),
    _e("notifications.retry_attempts", "count", "通知投递重试次数", "003 第19条", "R2.10"),
    _e("notifications.retry_backoff", "duration",
       "通知首次重试间隔（此后每次加倍）", "003 第19条", "R2.10"),
    _e("satisfaction.scale", "records", "满意度评价及排名计分", "002 四、4", "R2.12", "satisfaction"),
    _e("repair.deadlines.dispatch", "duration", "派工单转送工程人员时限", "001 篇3 一、5", "R3.1"),
    _e("repair.order_copies", "records", "派工单联次", "001 篇3 二、7", "R3.2", "coded"),
    _e("repair.photo_stages", "records", "维修拍照节点", "003 第24条3", "R3.3", "coded"),
    _e("repair.emergencies", "records", "紧急报修（立即处理）", "002 二、2", "R3.4", "coded"),
    _e("repair.municipal_faults", "records",
       "市政设施故障（解释并与市政部门交涉）", "004 投诉制度5", "R3.4", "coded"),
    _e("repair.fees", "records", "特需服务收费标准", "001 篇3 四、1 7)", "R3.3", "fee"),
    _e("repair.leaders_to_notify", "roles", "紧急报修须通报的领导岗位", "000 投诉的受理3", "R3.4"),
    _e("visitor.required_fields", "texts", "访客登记必填项目", "004 来访审核(1)", "R4.1"),
    _e("visitor.id_check", "flag", "核验身份证件", "004 来访审核(2)", "R4.1"),
    _e("visitor.purposes", "records", "来访事由及分流", "004 来访审核", "R4.5", "purpose"),
    _e("visitor.abnormal", "records", "异常情况处置", "004 异常情况处理", "R4.4", "abnormal"),
    _e("visitor.id_kinds", "records", "访客证件类型", "004 来访审核(2)", "R4.1", "coded"),
    _e("visitor.host_answer_wait", "duration", "等候受访住户答复时限（逾时按不在处理）", "004 南京规范 4(2)②③", "R4.3"),
    _e("visitor.id_mask.head", "count", "证件号码列表及导出中保留的前几位", "004 注意事项1", "R0.8"),
    _e("visitor.id_mask.tail", "count", "证件号码列表及导出中保留的后几位", "004 注意事项1", "R0.8"),
    _e("archive.documents", "records", "业主档案应含资料", "001 篇3 二、1", "R5.1", "document"),
    _e("archive.retention.owner", "years", "业主档案保存期限", "001 篇3 二、6", "R5.3"),
    _e("archive.retention.marked_years", "years", "带※工作记录保存年限", "001 篇3 六、7", "R5.3"),
    _e("archive.retention.other_years", "years", "其它工作记录保存年限", "001 篇3 六、7", "R5.3"),
    _e("archive.allowed_roles", "roles", "因工作需要可查阅业主档案的岗位", "001 篇3 二、5", "R5.2"),
    _e("archive.direct_view.allowed", "flag", "经批准的申请人可直接查阅（否：只由客服人员转告）", "001 篇3 二、5", "R5.2"),
    _e("archive.direct_view.expires", "duration", "经批准的直接查阅有效期", "001 篇3 二、5", "R5.2"),
    _e("archive.deadlines.approve", "duration", "主管审批档案查询申请时限", "001 篇3 二、5", "R5.2"),
    _e("archive.deadlines.relay", "duration", "客服人员查阅并转告时限", "001 篇3 二、5", "R5.2"),
    _e("archive.record_classes", "records", "各类记录的保存类别（业主档案/※/其它）", "001 篇3 二、6 六、7", "R5.3",
       "record_class"),
    _e("archive.disposal_reviewer", "role", "到期记录处置审核岗位（系统不删除）", "001 篇3 二、6", "R5.3"),
    _e("archive.legal_hold_role", "role", "设置及解除诉讼保留的岗位", "001 篇3 二、6", "R5.3"),
    _e("return_visit.attempts", "count", "联系不上客户时的回访尝试次数", "001 篇3 三、1", "R6.1"),
    _e("return_visit.difficult_issue", "duration", "疑难问题主管以上领导回访时限", "001 篇3 三、2", "R6.2"),
    _e("return_visit.opinion_every_months", "count", "意见征询回访周期（月）", "001 篇3 三、3", "R6.3"),
    _e("return_visit.opinion_coverage_percent", "percent", "意见征询回访率", "001 篇3 三、3", "R6.3"),
    _e("return_visit.survey_every_months", "count", "满意度调查周期（月）", "001 篇3 三、4", "R6.3"),
    _e("return_visit.survey_coverage_percent", "percent", "满意度调查回访率", "001 篇3 三、4", "R6.3"),
    _e("return_visit.survey_signed", "flag", "满意度调查须业主签字", "001 篇3 三、4", "R6.3"),
    _e("return_visit.phone_record_signers", "count", "电话回访记录签字人数", "001 篇3 三、5", "R6.3"),
    _e("return_visit.campaigns_by_worker", "flag", "每期自动开启意见征询回访与满意度调查", "001 篇3 三、3–4",
       "R6.3"),
    _e("return_visit.coverage_alert_to", "role", "回访调查期末覆盖率未达标告警接收岗位", "001 篇3 三、3–4", "R6.3"),
    _e("statistics.monthly_report", "schedule", "月度投诉统计上报时间", "000 顾客投诉的分析方法①", "R7.1"),
    _e("statistics.report_to", "roles", "月度投诉统计报送岗位", "000 顾客投诉的分析方法①", "R7.1"),
    _e("statistics.analysis_every_months", "count", "投诉分析周期（月）", "000 顾客投诉的分析方法①", "R7.1"),
    _e("statistics.ranking_metrics", "records", "月度综合排名指标及权重", "003 第38条", "R7.2", "ranking_metric"),
    _e("statistics.efficiency_hours", "count", "投诉处理效率达标时长（工作小时）", "003 第38条", "R7.2"),
    _e("statistics.specialist_ranking.bottom", "count", "客服专员满意度排名倒数名次", "003 第16条", "R7.2"),
    _e("statistics.specialist_ranking.months", "count", "连续排名倒数月数（予以处罚）", "003 第16条", "R7.2"),
    _e("statistics.specialist_ranking.penalty", "money", "连续排名倒数的经济处罚（元）", "003 第16条", "R7.2"),
    _e("assessment.yuan_per_point", "money", "每扣1分罚款（元）", "001 篇2 4.2.1", "R8.1"),
    _e("assessment.extra_fine.from_points", "count", "加罚起点（月累计扣分）", "001 篇2 4.2.2", "R8.1"),
    _e("assessment.extra_fine.to_points", "count", "加罚终点（月累计扣分）", "001 篇2 4.2.2", "R8.1"),
    _e("assessment.extra_fine.amount", "money", "加罚金额（元）", "001 篇2 4.2.2", "R8.1"),
    _e("assessment.sanction.from_points", "count", "行政处分起点（月累计扣分）", "001 篇2 4.2.3", "R8.1"),
    _e("assessment.sanction.to_points", "count", "行政处分终点（月累计扣分）", "001 篇2 4.2.3", "R8.1"),
    _e("assessment.dismissal_points", "count", "开除（月累计扣分）", "001 篇2 4.2.4", "R8.1"),
    _e("assessment.publish.points", "count", "公布张贴：扣分达到", "001 篇2 4.2.5", "R8.1"),
    _e("assessment.publish.repeats", "count", "公布张贴：同一问题发生次数", "001 篇2 4.2.5", "R8.1"),
    _e("assessment.joint_liability.responsible_percent", "percent",
       "连带责任：责任人承担（%）", "001 篇2 4.2.6", "R8.2"),
    _e("assessment.joint_liability.supervisor_percent", "percent",
       "连带责任：直属上司承担（%）", "001 篇2 4.2.6", "R8.2"),
    _e("assessment.supervisor_liable_repeats", "count",
       "一个月内同一问题发生次数（追究直属上司）", "001 篇2 4.2.7", "R8.2"),
    _e("assessment.summary", "schedule", "上月处罚情况汇总报财务部时间", "001 篇2 4.1.5", "R8.1"),
    _e("assessment.issuers", "roles", "签发《员工过失通知单》的岗位（由低到高）", "001 篇2 3.1–3.3", "R8.1"),
    _e("assessment.appeal_chain", "roles", "申诉处理岗位（逐级向上）", "001 篇2 3.4 4.3", "R8.2"),
    _e("assessment.issues", "records", "违规问题类别（同一问题按类别计）", "001 篇2 4.2.5 4.2.7", "R8.1", "coded"),
    _e("numbering.prefix.complaint", "text", "投诉编号前缀", "001 篇3 二、7", "R0.6"),
    _e("numbering.prefix.repair", "text", "报修编号前缀（派工单另有编号）", "001 篇3 二、7", "R0.6"),
    _e("numbering.prefix.consultation", "text", "咨询编号前缀", "001 篇3 二、7", "R0.6"),
    _e("numbering.prefix.visitor_reception", "text", "来访登记编号前缀", "001 篇3 二、7", "R0.6"),
    _e("numbering.prefix.archive_access", "text", "档案查询编号前缀", "001 篇3 二、7", "R0.6"),
    _e("numbering.prefix.repair_order", "text", "派工单编号前缀（独立连续编号）", "001 篇3 二、7", "R3.2"),
    _e("numbering.prefix.return_visit", "text", "回访编号前缀", "001 篇3 三、1", "R6.1"),
    _e("numbering.prefix.volume_escalation", "text", "投诉量预警编号前缀", "000 投诉的受理3", "R2.13"),
)
# fmt: on

# Keys that nothing reads yet, which the rules document leaves out (it lists only rules in force):
# none since issue 16 wired the R7 statistics, the R8 assessment and the R6.3 campaigns;
# tests/engine/policy/test_policy__keys_read.py fails when a key is added without code that reads it.
NOT_IN_FORCE: frozenset[str] = frozenset()

_BY_KEY = {e.key: e for e in ENTRIES}


def entry(key: str) -> Entry | None:
    """The catalogue entry of a leaf key, or None."""
    return _BY_KEY.get(key)


def tree() -> dict[str, Any]:
    """The catalogue as a nested mapping: branch name -> subtree, leaf name -> Entry."""
    root: dict[str, Any] = {}
    for item in ENTRIES:
        *parents, leaf = item.key.split(".")
        node = root
        for name in parents:
            node = node.setdefault(name, {})
        node[leaf] = item
    return root
