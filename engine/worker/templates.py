"""Rendering the messages the worker sends: ``render(template, locale, **values) -> (subject, body)``.

The texts are policy (``notifications.templates.<kind>``: ``{zh: [subject, body], en: [...]}``, with
``channels`` when a message goes elsewhere than ``notifications.channels``), so a subsidiary adapts
them in its overlay; the policy check refuses a placeholder kefu does not fill in. Bodies are short
enough for an SMS; lists (case numbers) are joined by the caller. ``REASONS`` names the ledger's
fines in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["LOCALES", "REASONS", "render", "title_values"]

LOCALES = ("zh", "en")

REASONS = {
    "progress_not_updated": ("未按要求更新处理进展", "progress not updated"),
    "late_order_entry": ("督办令延迟录入", "supervision order entered late"),
    "late_order_sign": ("督办令延迟签发", "supervision order signed late"),
    "plan_not_entered": ("未按要求录入处理方案", "plan not entered in time"),
    "missed_return_visit": ("未按时回访", "return visit missed"),
    "overdue": ("投诉处理超期", "complaint overdue"),
    "overdue_severe": ("投诉处理严重超期", "complaint severely overdue"),
    "ranking_bottom": ("客户满意度排名连续倒数", "bottom of the customer-rating ranking months running"),
    "systemic_late": ("逾期提出系统性问题优化措施", "systemic-issue measures answered late"),
}


def render(template: Mapping[str, Any], locale: str, **values: Any) -> tuple[str, str]:
    """The subject and body of a policy ``template`` in ``locale`` (``zh`` unless ``en``).

    A placeholder without a value raises ``KeyError`` naming it (the policy check makes sure every
    placeholder is one kefu fills in).
    """
    subject, body = template["en" if locale == "en" else "zh"]
    if "reason" in values and values["reason"] in REASONS:
        values["reason"], values["reason_en"] = REASONS[values["reason"]]
    return str(subject).format(**values), str(body).format(**values)


def title_values(title: str) -> dict[str, Any]:
    """``task`` and ``task_en`` from a bilingual task title "中文 English" (both the title otherwise)."""
    zh, sep, en = title.partition(" ")
    if sep and not zh.isascii():
        return {"task": zh, "task_en": en}
    return {"task": title, "task_en": title}
