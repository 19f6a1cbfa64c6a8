"""Turn the runtime's case view into the plain data the case page shows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.repair_orders import photo_stages
from webui.models import Actor, AttachmentView, CasePage, TaskView, TimelineEntry

__all__ = ["case_page", "mask_phone"]

_SUMMARY = (
    "customer_name",
    "customer_phone",
    "room",
    "category",
    "urgency",
    "scope",
    "channel",
    "event_time",
    "description",
    "customer_request",
    "location",
    "location_detail",
    "question",
)
_DETAIL_KEYS = ("text", "to", "reason", "filename", "message", "number")


def mask_phone(phone: str | None) -> str:
    """A phone number with the middle hidden (R0.8): 138****8000."""
    if not phone:
        return ""
    digits = phone.strip()
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def _data(view: Any, case: Any) -> dict[str, Any]:
    """The intake form as recorded by ``case.opened``, overlaid with the case's current fields."""
    out: dict[str, Any] = {}
    for ev in getattr(view, "timeline", ()) or ():
        if ev.action == "case.opened" and isinstance(ev.data.get("form"), Mapping):
            out.update(ev.data["form"])
    for key in _SUMMARY:
        value = getattr(case, key, None)
        if value is not None:
            out[key] = value
    return out


def _steps(timeline: list[Any]) -> list[str]:
    out: list[str] = []
    for ev in timeline:
        spec = (ev.data or {}).get("task")
        if ev.action == "task.completed" and spec and spec not in out:
            out.append(str(spec))
    return out


def _detail(data: Mapping[str, Any]) -> str:
    parts = [str(data[k]) for k in _DETAIL_KEYS if data.get(k)]
    return " · ".join(parts)[:500]


def case_page(
    services: Any, actor: Actor, view: Any, case: Any, attachments: list[AttachmentView]
) -> CasePage:
    """Build the case page for ``actor`` from a runtime case view."""
    names = services.staff_names()
    units = services.units()
    data = _data(view, case)
    definition = services.definition(case.process_id, case.process_version)
    policy = services.runtime.pinned_policy(case.policy_fingerprint)  # the rules the case runs under
    tasks: list[TaskView] = []
    for t in getattr(view, "tasks", []) or []:
        mine = t.assignee == actor.login
        form = definition.forms.get(t.task_name)
        left, _ = services.time_left(t.due_at, case.subsidiary)
        tasks.append(
            TaskView(
                task_id=t.task_id,
                spec=t.task_name,
                title=t.title,
                assignee=t.assignee,
                assignee_name=names.get(t.assignee or "", t.assignee or ""),
                due_at=t.due_at,
                minutes_left=left,
                can_claim=t.assignee is None and t.candidate_group in actor.scope.groups,
                can_release=mine and t.claimed_at is not None,
                can_complete=mine,
                fields=form.describe(policy) if (mine and form is not None) else [],
                provisional_year=getattr(t, "provisional_year", None),
            )
        )
    start_choices = {f["name"]: {c["code"]: str(c.get("name") or c["code"]) for c in f["choices"]}
                     for f in definition.start_form.describe(policy) if f.get("choices")}
    involved = actor.login == case.first_receiver or any(t.can_claim or t.can_complete for t in tasks)
    summary: list[tuple[str, str]] = []
    for key in _SUMMARY:
        value = data.get(key)
        if value in (None, ""):
            continue
        if key == "customer_phone" and not (involved or actor.scope.everything or actor.supervisor):
            value = mask_phone(str(value))
        elif key in start_choices:  # category, urgency, channel …: names from the pinned policy
            value = start_choices[key].get(str(value), value)
        summary.append((key, str(value)))
    raw_timeline = list(getattr(view, "timeline", []) or [])
    timeline = [
        TimelineEntry(
            ev.at,
            names.get(ev.actor, ev.actor),
            ev.action,
            _detail(ev.data or {}),
            str((ev.data or {}).get("title") or ""),
        )
        for ev in raw_timeline
    ]
    dept = case.responsible_department or ""
    return CasePage(
        number=case.number,
        process_id=case.process_id,
        status=case.status,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        first_receiver=names.get(case.first_receiver, case.first_receiver),
        responsible_department=units[dept].name
        if dept in units
        else services.choice_name("departments", dept, case.subsidiary),
        summary=summary,
        deadlines=[(t.title, t.due_at, t.provisional_year) for t in tasks if t.due_at is not None],
        tasks=tasks,
        timeline=timeline,
        attachments=attachments,
        completed_steps=_steps(raw_timeline),
        current_steps=[t.spec for t in tasks],
        case_id=case.id,
        order_number=_order_number(services, case),
        photo_stages=photo_stages(policy) if case.process_id == "repair" else {},
        provisional_year=getattr(view, "provisional_year", None),
        **_faq_state(services, actor, case, policy),
    )


def _faq_state(services: Any, actor: Actor, case: Any, policy: Any) -> dict[str, Any]:
    """For a consultation with confirmed expert wording: may it join the FAQ book, or which entry is it."""
    if case.process_id != "consultation":
        return {}
    data = services.runtime.case_data(case.number, actor.login)
    confirmed = data.get("wording_confirmed") and data.get("confirmed_wording")
    if data.get("reply_source") == "faq" or not confirmed:
        return {}
    from engine.store.faq_repo import FaqRepo

    with services.store.read() as tx:
        entry = FaqRepo(tx).entry_for_case(case.number)
    if entry is not None:
        return {"faq_entry_id": entry.id}
    names = {d["code"]: d.get("name", d["code"]) for d in policy.get("departments")}
    lines = [(str(code), str(names.get(code, code))) for code in policy.get("consultation.faq_sources")]
    return {"faq_addable": True, "faq_line": data.get("line"), "faq_lines": lines}


def _order_number(services: Any, case: Any) -> str | None:
    """The number of a repair's dispatch order once its ``issue_order`` task has issued it."""
    if case.process_id != "repair":
        return None
    from engine.store.repair_repo import DispatchOrderRepo

    with services.store.read() as tx:
        order = DispatchOrderRepo(tx).order_for_case(case.id)
    return None if order is None else str(order.number)
