"""Message templates in Chinese and English: ``render(kind, locale, **values) -> (subject, body)``.

Bodies are short enough for an SMS; lists (case numbers) are joined by the caller. A missing value
raises ``KeyError`` naming it, so a template and its caller cannot drift apart silently.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LOCALES", "TEMPLATES", "render"]

LOCALES = ("zh", "en")

# kind -> locale -> (subject, body)
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "reminder": {
        "zh": ("【投诉提醒】{count}宗投诉未完成",
               "{name}您好：截至{when}，您负责或分管的以下{count}宗投诉尚未完成，请跟进：{cases}。"),
        "en": ("[Complaints] {count} unfinished complaint(s)",
               "Dear {name}: as of {when}, these {count} complaint(s) you are responsible for or "
               "oversee are not finished; please follow up: {cases}."),
    },
    "order_signed": {
        "zh": ("【督办令】投诉{case}已签发",
               "{name}您好：投诉{case}（{room}）的督办令已签发，请处理“{task}”，时限{due}。"),
        "en": ("[Supervision order] complaint {case} signed",
               "Dear {name}: the supervision order of complaint {case} ({room}) is signed; please do "
               "'{task}' by {due}."),
    },
    "penalty": {
        "zh": ("【扣罚通知】{reason} {amount}元",
               "{name}您好：投诉{case}因“{reason}”记扣罚{amount}元（{detail}），计入{month}月扣罚台账。"),
        "en": ("[Penalty] {reason_en}: {amount} yuan",
               "Dear {name}: complaint {case}: '{reason_en}' is fined {amount} yuan ({detail_en}); "
               "booked in the penalty ledger of {month}."),
    },
    "slow_cases": {
        "zh": ("【超期投诉日报】{count}宗超期",
               "{name}您好：截至{when}，{unit}共有{count}宗投诉处理超期，请督促分管领导：{cases}。"),
        "en": ("[Overdue complaints] {count} overdue",
               "Dear {name}: as of {when}, {unit} has {count} overdue complaint(s); please urge the "
               "leaders in charge: {cases}."),
    },
    "task_force": {
        "zh": ("【严重超期】投诉{case}超期{days}天",
               "{name}您好：投诉{case}已超期{days}天，属严重超期，请成立专项工作小组并督促董事长。"),
        "en": ("[Severely overdue] complaint {case}: {days} days",
               "Dear {name}: complaint {case} is {days} days overdue (severely slow); set up a task force "
               "and urge the chairman."),
    },
    "volume_report": {
        "zh": ("【投诉量预警】{unit}有效投诉{count}宗",
               "{name}您好：{unit}在{window}内有效投诉已达{count}宗（≥{threshold}），须提交书面投诉处理情况报告。"),
        "en": ("[Complaint volume] {unit}: {count} valid complaints",
               "Dear {name}: {unit} has {count} valid complaints within {window} (>= {threshold}); a "
               "written report on their handling is due."),
    },
    "volume_investigate": {
        "zh": ("【投诉量预警】{unit}有效投诉{count}宗，须现场调研",
               "{name}您好：{unit}在{window}内有效投诉已达{count}宗（≥{threshold}），请到现场调研，及时挽回损失。"),
        "en": ("[Complaint volume] {unit}: {count} valid complaints, investigate on site",
               "Dear {name}: {unit} has {count} valid complaints within {window} (>= {threshold}); "
               "please investigate on site."),
    },
    "leftover_review": {
        "zh": ("【遗留投诉周例会】{count}宗",
               "{name}您好：{unit}截至{when}遗留未完成投诉{count}宗，请组织专题会议制定整改计划：{cases}。"),
        "en": ("[Weekly leftover review] {count} complaint(s)",
               "Dear {name}: {unit} has {count} complaint(s) left over as of {when}; please hold the "
               "review meeting and agree a plan: {cases}."),
    },
    "major_review": {
        "zh": ("【重大投诉月度专题会】{count}宗",
               "{name}您好：{unit}上月遗留重大、群体性及共性问题投诉{count}宗，请召开专题会议：{cases}。"),
        "en": ("[Monthly major-complaint review] {count} complaint(s)",
               "Dear {name}: {unit} has {count} major, collective or common-issue complaint(s) left "
               "over from last month; please hold the review: {cases}."),
    },
    "step_notice": {
        "zh": ("【{urgency}通报】{case} {task}",
               "{name}您好：{case}（{place}）{urgency_phrase}现进入“{task}”，按规定第一时间通报您。"),
        "en": ("[{urgency_en} notice] {case}: {task}",
               "Dear {name}: {case} ({place}){urgency_phrase_en} has reached '{task}'; you are told at once, "
               "as the rules require."),
    },
    "diagram_notice": {
        "zh": ("【{process}】{case}：{title}", "{name}您好：{message}"),
        "en": ("[{process}] {case}: {title}", "Dear {name}: {message}"),
    },
    "penalty_report": {
        "zh": ("【月度扣罚报表】{unit} {month}",
               "{unit} {month}月投诉扣罚共{count}条，合计{total}元，报{report_to}。文件：{files}"),
        "en": ("[Monthly penalties] {unit} {month}",
               "{unit} {month}: {count} penalty line(s), {total} yuan in total, for {report_to}. "
               "Files: {files}"),
    },
}

REASONS = {
    "progress_not_updated": ("未按要求更新处理进展", "progress not updated"),
    "late_order_entry": ("督办令延迟录入", "supervision order entered late"),
    "late_order_sign": ("督办令延迟签发", "supervision order signed late"),
    "plan_not_entered": ("未按要求录入处理方案", "plan not entered in time"),
    "missed_return_visit": ("未按时回访", "return visit missed"),
    "overdue": ("投诉处理超期", "complaint overdue"),
    "overdue_severe": ("投诉处理严重超期", "complaint severely overdue"),
}


def render(kind: str, locale: str, **values: Any) -> tuple[str, str]:
    """The subject and body of ``kind`` in ``locale`` (``zh`` unless ``en``)."""
    subject, body = TEMPLATES[kind]["en" if locale == "en" else "zh"]
    if "reason" in values and values["reason"] in REASONS:
        values["reason"], values["reason_en"] = REASONS[values["reason"]]
    return subject.format(**values), body.format(**values)
