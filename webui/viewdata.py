"""Turn the runtime's case view into the plain data the case page shows."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from engine.complaints import cooperation_parts
from engine.permissions import Target, allowed_actions
from engine.processes.host import parse_moment, policy_zone
from engine.repair_orders import photo_stages
from engine.runtime.cases import pending_merge_of
from engine.runtime.views import CasePageReads
from webui.i18n import pick, task_title
from webui.labels import outcome_name, status_name
from webui.models import Actor, AttachmentView, CasePage, TaskView, TimelineEntry
from webui.record import FieldValue, closure_of, latest_values, shown_fields, step_cards

__all__ = ["case_page", "mask_phone", "sees_full_phone"]

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
_DETAIL_KEYS = ("text", "to", "reason", "filename", "number", "into")
_TASK_ACTIONS = ("task.claim", "task.complete", "task.release")
_DECISION_TYPES = ("choice", "multi_choice", "boolean")  # what a step decides, in its timeline line


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


def sees_full_phone(actor: Actor, policy: Any) -> bool:
    """R0.8: whether ``actor`` holds a role of ``privacy.full_phone_roles`` (the others see 138****8000)."""
    key = "privacy.full_phone_roles"
    allowed = set(policy.get(key) or []) if policy.has(key) else set()
    return any(role.split("@")[0] in allowed for role in actor.roles)


def _choice_names(policy: Any, key: str) -> dict[str, str]:
    """code → name of a policy list of ``{code, name}`` (empty when the policy lacks it)."""
    if not policy.has(key):
        return {}
    return {str(c["code"]): str(c.get("name") or c["code"]) for c in policy.get(key) or [] if "code" in c}


def _path(timeline: list[Any], done: list[str] | None) -> list[str]:
    """The diagram elements the case passed through (start event, automatic steps, gateways, completed
    tasks, the end it reached: ``done``, from ``Runtime.case_page_reads``); the completed tasks of its
    timeline when the workflow cannot be read (``done`` None)."""
    steps = _steps(timeline)  # the user tasks, whichever called process they ran in
    return steps if done is None else list(dict.fromkeys([*done, *steps]))


def _both(title: str) -> dict[str, str]:
    """A diagram name "中文 English" as {zh, en} (a name in one language for both)."""
    zh, sep, en = title.partition(" ")
    return {"zh": zh, "en": en} if sep and not zh.isascii() else {"zh": title, "en": title}


def _waiting(services: Any, case: Any, zone: Any, points: list[Any] | None) -> list[dict[str, Any]]:
    """Where an open case waits (``points``: ``Runtime.case_page_reads``' waits, None when the workflow
    could not be read): each wait's element, name, diagram and the events that end it, with a line for
    the header: 等待：等候住户答复（至 10:10 转“住户未答复”）. A timer's time is shown in the case's
    policy zone (with its date unless it is today)."""
    if case.closed_at is not None or not points:
        return []
    today = services.clock.now().astimezone(zone).date()

    def shown(moment: Any) -> str:
        local = moment.astimezone(zone)
        return local.strftime("%H:%M" if local.date() == today else "%Y-%m-%d %H:%M")

    out = []
    for point in points:
        name = _both(point.name)
        timer = next((e for e in point.events if e.kind == "timer" and e.due_at is not None), None)
        if timer is None:
            text = {"zh": f"等待：{name['zh']}", "en": f"Waiting: {name['en']}"}
        else:
            ends = _both(timer.name)
            at = shown(timer.due_at)
            text = {"zh": f"等待：{name['zh']}（至 {at} 转“{ends['zh']}”）",
                    "en": f"Waiting: {name['en']} (at {at}: {ends['en']})"}
        out.append({"element": point.element, "name": name, "process": point.process,
                    "elements": point.elements, "due_at": point.due_at, "text": text,
                    "events": [{"element": e.element, "name": _both(e.name), "kind": e.kind,
                                "due_at": e.due_at} for e in point.events]})
    return out


def _detail(data: Mapping[str, Any]) -> str:
    if data.get("from_name") and data.get("to_name"):  # a change of category (R2.2): from → to, by name
        return f"{data['from_name']} → {data['to_name']}"
    # A transfer names its receiver by name (to_name: a person, a department or 待认领队列), else its code.
    parts = [str(data.get("to_name") or data[k]) if k == "to" else str(data[k])
             for k in _DETAIL_KEYS if data.get(k)]
    return " · ".join(parts)[:500]


_TIMER_FIRED = re.compile(r"(.+?) \(due ([^)]*)\)(?:, |$)")


def cancel_reason(reason: str, messages: Mapping[str, str], localise: Callable[[str], str]) -> str:
    """Why a step was cancelled, in the page's language: the engine writes its reasons in English for the
    audit log and the command line ("the process moved on", "deadline timer fired: 时限 (due …)",
    "message 'repeat_complaint' arrived", "the case moved to v2"); withdrawal and merge write Chinese.
    ``messages`` names a message by the diagram's event that waited for it."""
    if reason == "the process moved on":
        return pick({"zh": "流程已走向其他环节，此环节无需再办", "en": "The process moved on"})
    if reason.startswith("deadline timer fired: "):
        fired = _TIMER_FIRED.findall(reason.removeprefix("deadline timer fired: "))
        if fired:
            zh = "、".join(f"{task_title(name)}（时限 {localise(at)}）" for name, at in fired)
            en = ", ".join(f"{task_title(name)} (due {localise(at)})" for name, at in fired)
            return pick({"zh": f"时限已到：{zh}", "en": f"Deadline reached: {en}"})
    if match := re.fullmatch(r"message '(.+)' arrived", reason):
        event = messages.get(match[1])
        if event:
            return pick({"zh": f"事件：{task_title(event)}", "en": f"Event: {task_title(event)}"})
        return pick({"zh": "收到外部消息", "en": "A message arrived"})
    if match := re.fullmatch(r"the process ended at '(.+)'", reason):  # a terminate end event (R2.4)
        return pick({"zh": f"流程已在“{task_title(match[1])}”结束，本环节随之结束",
                     "en": f"The process ended at '{task_title(match[1])}', and this step with it"})
    if match := re.fullmatch(r"the case moved to (.+)", reason):
        return pick({"zh": f"案件已迁移到流程版本 {match[1]}", "en": f"The case moved to version {match[1]}"})
    return reason


def _timeline_detail(ev: Any, messages: Mapping[str, str], localise: Callable[[str], str]) -> str:
    data = ev.data or {}
    if ev.action == "task.cancelled" and data.get("reason"):
        text = cancel_reason(str(data["reason"]), messages, localise)
        if data.get("late") and data.get("due_at"):  # ended while overdue: it stays marked late
            due = localise(str(data["due_at"]))
            text += pick({"zh": f"（已逾期，时限 {due}）", "en": f" (overdue, due {due})"})
        return text[:500]
    if ev.action == "message.received":  # the event's name from the diagram, never the message's code
        return task_title(str(data["event"])) if data.get("event") else ""
    return _detail(data)


def _decided(fields: list[FieldValue]) -> dict[str, str]:
    """What a step decided, for its timeline line: its choices and yes/no answers, else its first text."""
    picked = [f for f in fields if f.type in _DECISION_TYPES] or fields[:1]
    out = {}
    for lang, sep in (("zh", "；"), ("en", "; ")):
        parts = [f"{f.label.get(lang, f.name)}：{f.text[lang]}" if lang == "zh"
                 else f"{f.label.get(lang, f.name)}: {f.text[lang]}" for f in picked[:3]]
        out[lang] = sep.join(parts)[:160]
    return out


def _needs(task: Any, target: Target, holders: Mapping[str, list[tuple[str, str]]], roles: Mapping[str, Any],
           units: Mapping[str, Any], fixers: list[str]) -> dict[str, Any]:
    """Who may take a task the reader cannot: the role by name, the unit, the people holding it now; a
    task nobody may take (no holder, no assignee) is ``nobody`` with the org admins who could fix it."""
    people = [(login, name) for login, name in holders.get(task.candidate_group or "", [])
              if not (target.excludes_first_receiver and login == target.first_receiver)
              and login not in target.excluded]
    role = roles.get(task.role or "", {})
    name = str(role.get("name") or task.role or "")
    unit = units.get(task.unit or "")
    return {"role": {"zh": name, "en": str(role.get("en") or name)},
            "unit": unit.name if unit is not None else "",
            "holders": [name for _login, name in people],
            "assignee": task.assignee is not None,
            "nobody": task.assignee is None and not people,
            "fix_by": fixers}


def _escalated(task: Any, timeline: list[Any], roles: Mapping[str, Any],
               units: Mapping[str, Any]) -> dict[str, Any] | None:
    """The levels a task went up from (R5.2 主管以上, ``task.opened``'s ``escalated``), by name, and why."""
    opened = next((ev.data for ev in reversed(timeline)
                   if ev.action == "task.opened" and ev.task_id == task.task_id), None)
    found = (opened or {}).get("escalated")
    if not isinstance(found, Mapping):
        return None

    def named(group: str) -> dict[str, str]:
        code, _, at = str(group).partition("@")
        role, unit = roles.get(code, {}), units.get(at)
        where = unit.name if unit is not None else at
        return {"zh": f"{where}{role.get('name') or code}", "en": f"{role.get('en') or code} of {where}"}

    return {"passed": [named(g) for g in found.get("passed") or [found.get("from")]],
            "why": str(found.get("why") or "nobody")}


def case_page(
    services: Any, actor: Actor, reads: CasePageReads, case: Any, attachments: list[AttachmentView], *,
    reveal_phone: bool = False,
) -> CasePage:
    """Build the case page for ``actor`` from the runtime's reads of the case (``Runtime.case_page_reads``:
    its view, path and waits; ``reveal_phone``: after an audited click, the full number for a reader
    whose roles see it masked)."""
    view = reads.view
    raw_timeline = list(getattr(view, "timeline", []) or [])
    open_tasks = list(getattr(view, "tasks", []) or [])
    # the names of the people the page shows (not all staff: thousands of rows at every case page)
    # and who holds the open tasks' queues, in one read
    units = services.units()
    names, holders = services.names_and_holders(
        sorted({ev.actor for ev in raw_timeline} | {case.first_receiver}
               | {t.assignee for t in open_tasks if t.assignee}),
        [t.candidate_group for t in open_tasks if t.candidate_group], units)
    data = _data(view, case)
    definition = services.definition(case.process_id, case.process_version)
    policy = services.runtime.pinned_policy(case.policy_fingerprint)  # the rules the case runs under
    zone = policy_zone(policy)

    def localise(value: str) -> str:
        try:
            return parse_moment(value, zone).astimezone(zone).strftime("%Y-%m-%d %H:%M")
        except (TypeError, ValueError):
            return value

    start_described, described = definition.described_forms(policy)  # read-only, shared
    field_specs: dict[str, dict[str, Any]] = {}
    for fields in [start_described, *described.values()]:
        for item in fields:
            field_specs.setdefault(str(item["name"]), item)
    # R0.8: the roles of today's rule of the case's unit (not the one it was opened under) see the number
    # on the cases they work on (first receiver, an open task theirs or their queue's, a step they did)
    # and, as supervisors, on their units' cases; anyone else reveals it with an audited click.
    involved = actor.login == case.first_receiver or any(
        t.assignee == actor.login or (t.assignee is None and t.candidate_group in actor.scope.groups)
        for t in open_tasks) or any(
            ev.actor == actor.login and ev.action == "task.completed" for ev in raw_timeline)
    full_phone = reveal_phone or (
        (involved or actor.supervisor or actor.scope.everything)
        and sees_full_phone(actor, services.policy(case.project or case.subsidiary)))

    def hide(spec: Any, value: Any) -> Any:
        return value if full_phone or spec.get("type") != "phone" else mask_phone(str(value))

    latest = latest_values(raw_timeline)
    # A queue nobody holds (e.g. a department without a head, R2.4): the org admins who could fix it,
    # the case's subsidiary's first, else the group's
    nobody = [t for t in open_tasks if t.assignee is None and t.candidate_group
              and not holders.get(t.candidate_group)]
    fixers: list[str] = []
    if nobody:
        above = units.get(case.subsidiary or "")
        places = [case.subsidiary, above.parent if above is not None else None]
        admins = services.group_holders([f"org_admin@{p}" for p in places if p], units)
        fixers = next(([name for _login, name in admins[f"org_admin@{p}"]] for p in places
                       if p and admins.get(f"org_admin@{p}")), [])
    roles = {str(r["code"]): r for r in (policy.get("roles") if policy.has("roles") else [])}
    tasks: list[TaskView] = []
    for t in open_tasks:
        target = Target.of_task(t, case.first_receiver, policy)
        allowed = (allowed_actions(actor.subject, target, _TASK_ACTIONS)
                   if actor.subject is not None else frozenset())
        mine = t.assignee == actor.login and "task.complete" in allowed  # claim first, then the form
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
                can_claim="task.claim" in allowed,
                can_release="task.release" in allowed,
                can_complete=mine,
                needs=None if allowed & {"task.claim", "task.complete"}
                else _needs(t, target, holders, roles, units, fixers),
                escalated=_escalated(t, raw_timeline, roles, units),
                fields=form.describe(policy) if (mine and form is not None) else [],
                provisional_year=getattr(t, "provisional_year", None),
                shows=shown_fields(form.shows, latest, field_specs, names, localise, hide) if form else [],
            )
        )
    # The viewer's own work first (a form to fill, then a task to claim), then the rest in due order: a
    # department head whose reply is due is not shown another department's confirmation (R2.4) above it.
    tasks.sort(key=lambda v: (not v.can_complete, not v.can_claim))
    start_choices = {f["name"]: {c["code"]: str(c.get("name") or c["code"]) for c in f["choices"]}
                     for f in start_described if f.get("choices")}
    summary: list[tuple[str, str]] = []
    for key in _SUMMARY:
        value = data.get(key)
        if value in (None, ""):
            continue
        if key == "customer_phone" and not full_phone:
            value = mask_phone(str(value))
        elif key == "category" and "category" in start_choices:  # R2.2 the final cause, and the intake's
            names_of = start_choices["category"]
            value = names_of.get(str(value), value)
            opened = [ev.data["form"] for ev in raw_timeline
                      if ev.action == "case.opened" and isinstance((ev.data or {}).get("form"), Mapping)]
            intake = opened[0].get("category") if opened else None
            if intake and intake != data.get("category"):
                at_intake = names_of.get(str(intake), intake)
                value += pick({"zh": f"（受理时：{at_intake}）", "en": f" (at intake: {at_intake})"})
            checked = any(ev.action == "task.completed" and (ev.data or {}).get("task") == "check_closure"
                          and ((ev.data or {}).get("form") or {}).get("check_result") == "accept"
                          for ev in raw_timeline)
            if case.process_id == "complaint" and not checked and case.closed_at is None:
                value = f"{value}{pick({'zh': '（暂定，待核定）', 'en': ' (provisional until the check)'})}"
        elif key in start_choices:  # urgency, channel …: names from the pinned policy
            value = start_choices[key].get(str(value), value)
        elif key == "urgency":  # set by the diagram (a repair's emergency flag): named by the policy's list
            value = _choice_names(policy, "complaint.urgency").get(str(value), value)
        elif key == "channel":  # set by the desk, not a start field (a visitor reception's 来访)
            value = _choice_names(policy, "channels").get(str(value), value)
        summary.append((key, str(value)))
    steps = step_cards(raw_timeline, described, names, localise, hide)
    decided = {card.task_id: _decided(card.fields) for card in steps}
    messages = {str(ev.data["message"]): str(ev.data["event"]) for ev in raw_timeline
                if ev.action == "message.received" and (ev.data or {}).get("event")}
    timeline = [
        TimelineEntry(
            ev.at,
            names.get(ev.actor, ev.actor),
            ev.action,
            _timeline_detail(ev, messages, localise),
            str((ev.data or {}).get("title") or ""),
            decided.get(str(ev.task_id or ""), {}) if ev.action == "task.completed" else {},
        )
        for ev in raw_timeline
    ]
    withdrawal = next(({"by": names.get(ev.actor, ev.actor), "at": ev.at,
                        "reason": (ev.data or {}).get("reason")}
                       for ev in reversed(raw_timeline) if ev.action == "case.withdrawn"), None)
    merge = next(({"kind": "merged", "by": names.get(ev.actor, ev.actor), "at": ev.at,
                   "into": str((ev.data or {}).get("into"))}
                  for ev in reversed(raw_timeline) if ev.action == "case.merged"), None)
    ended = ({"kind": "withdrawn", **withdrawal} if case.status == "withdrawn" and withdrawal is not None
             else merge if case.status == "merged" else None)
    closure = None
    if case.closed_at is not None:
        closure = closure_of(case.status, case.outcome, outcome_name(case.outcome, policy), steps, latest,
                             field_specs, localise, ended)
    pending = pending_merge_of(raw_timeline)
    if pending is not None:
        pending = {**pending, "by": names.get(pending["by"], pending["by"])}
    may_merge = (services.runtime.may_merge(actor.subject, case) if actor.subject is not None
                 else (False, False))
    merged_into = None if merge is None else merge["into"]
    duplicates = [str((ev.data or {}).get("number")) for ev in raw_timeline
                  if ev.action == "case.duplicate_merged"]
    dept = case.responsible_department or ""
    cooperation = [{**part, "department": services.choice_name("departments", str(part["department"]),
                                                                case.subsidiary),
                    "by": names.get(part["by"], part["by"]) if part["by"] else None}
                   for part in cooperation_parts(raw_timeline, services.clock.now())]
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
        completed_steps=_path(raw_timeline, reads.completed),
        current_steps=[t.spec for t in tasks],
        waiting=_waiting(services, case, zone, reads.waiting),
        case_id=case.id,
        diagrams=[{"id": d.process_id, "name": d.name, "calls": dict(d.call_activities)}
                  for d in definition.diagrams()],
        step_process={name: info.process_id for name, info in definition.user_tasks.items()},
        order_number=_order_number(services, case),
        photo_stages=photo_stages(policy) if case.process_id == "repair" else {},
        provisional_year=getattr(view, "provisional_year", None),
        status_name=status_name(case.status),
        phone_masked=bool(data.get("customer_phone")) and not full_phone,
        steps=steps,
        closure=closure,
        can_withdraw=actor.subject is not None and services.runtime.may_withdraw(actor.subject, case),
        withdrawal=withdrawal,
        can_merge=may_merge[0] and pending is None,
        can_confirm_merge=may_merge[1] and pending is not None,
        pending_merge=pending,
        merged_into=merged_into,
        duplicates=duplicates,
        cooperation=cooperation,
        escalation=_escalation(services, actor, case, data, latest, attachments, policy, units, names),
        **_faq_state(services, actor, case, policy),
    )


_CASE_NUMBER = re.compile(r"[A-Z]{1,8}-[A-Z0-9]{1,8}-\d{4}-\d{1,9}")


def _escalation(services: Any, actor: Actor, case: Any, data: Mapping[str, Any],
                latest: Mapping[str, tuple[Any, Any]], attachments: list[AttachmentView], policy: Any,
                units: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any] | None:
    """R2.13 a volume escalation's case: the project (and its company) it is about, the lane that must
    act (the project's report writer, or the group CS manager on site) with who holds it now, the
    complaints counted (each linked when the reader may see it), the latest report with who wrote it
    and when, and the case's files."""
    if case.process_id != "volume_escalation":
        return None
    from engine.runtime.access import resolve_lane
    from engine.store.case_queries import cases_by_number

    level = str(data.get("level") or "report")
    lane_key = "volume_reporter" if level == "report" else "group_cs_manager"
    lanes = policy.get("lanes") if policy.has("lanes") else {}
    binding = lanes.get(lane_key) or {}
    role, unit, _assignee = resolve_lane(binding, {"project": case.project, "subsidiary": case.subsidiary},
                                         lambda: units)
    group = f"{role}@{unit}" if role and unit else ""
    holders = services.group_holders([group], units).get(group, []) if group else []
    roles = {str(r["code"]): r for r in (policy.get("roles") if policy.has("roles") else [])}
    role_entry = roles.get(str(role or ""), {})
    role_name = {"zh": str(role_entry.get("name") or role or ""),
                 "en": str(role_entry.get("en") or role_entry.get("name") or role or "")}

    def unit_name(code: str | None) -> str:
        return str(units[code].name) if code is not None and code in units else (code or "")

    numbers = list(dict.fromkeys(_CASE_NUMBER.findall(str(data.get("complaint_numbers") or ""))))
    seen = cases_by_number(services.store, actor.scope, numbers)
    complaints = []
    for number in numbers:
        row = seen.get(number)
        if row is None:  # no such case, or not the reader's to open: the number alone, unlinked
            complaints.append({"number": number, "visible": False})
            continue
        complaints.append({"number": number, "visible": True, "status": status_name(row.status),
                           "opened_at": row.opened_at, "room": row.room or "",
                           "category": services.choice_name("complaint.categories", row.category,
                                                            row.subsidiary)})
    report = None
    if "report" in latest:
        value, ev = latest["report"]
        report = {"text": str(value), "by": names.get(ev.actor, ev.actor), "at": ev.at}
    comment = None
    returned = "review_decision" in latest and latest["review_decision"][0] == "return"
    if "review_comment" in latest and returned:
        value, ev = latest["review_comment"]
        comment = {"text": str(value), "by": names.get(ev.actor, ev.actor), "at": ev.at}
    return {
        "level": level,
        "project": unit_name(case.project),
        "subsidiary": unit_name(case.subsidiary),
        "actor_role": role_name,
        "actor_unit": unit_name(unit),
        "actor_names": [name for _login, name in holders],
        "count": data.get("valid_count"),
        "threshold": data.get("threshold"),
        "window": data.get("window_text") or "",
        "complaints": complaints,
        "report": report,
        "comment": comment,
        "attachments": attachments,
    }


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
