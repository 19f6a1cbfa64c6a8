"""Complaint actions diagrams may call: open a linked complaint (R4.5, R2.1), check the visit record
(R2.7) and the temporary adviser (R2.17), tell the cooperating departments (R2.4).

A visit whose visitor came to complain, a repair the owner turns into a complaint, a consultation
that turns out to be one: the diagram calls ``complaint.open_linked`` with the complaint's intake
fields. The complaint is opened inside the same step (one transaction: the step and the new case
commit together or not at all), received by the step's actor (R0.5 first receiver), and both
cases' audit logs name the link.

``complaint.require_visit_record`` runs right after the department's visit (``visit_customer``): an
agreed plan needs the customer's confirmation and at least one photo uploaded since the order reached
the department, each when the policy says so (``complaint.visit_record.*``, 003 第22条). Otherwise
the step is refused (FormError on the field) and rolls back with the input kept.

``complaint.require_lane_holder`` runs after the GM names the temporary adviser: the person must hold
the role of the policy lane (``lanes.temporary_adviser``) within its scope for this case, so the
diagram, the policy and the 实施细则 agree on who may answer (000 顾问支持1).

``complaint.notify_cooperating`` runs when the signed order reaches the responsible department: each
department the category names 无条件配合 (003 第20条) hears of the order (its 督办事项 and required
completion) from ``notifications.templates.cooperation_order``, addressed to the holders of the lane
``lanes.cooperating_department`` for that department; the diagram then gives each of them a step to
confirm its part (``confirm_cooperation``, one instance per department). Their generic "order signed"
message is not sent as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from engine.actions import ActionContext, ActionRegistry, Param
from engine.clock import local_minutes
from engine.errors import ActionError, FormError
from engine.runtime.access import chain, resolve_lane
from engine.store.repair_repo import ATTACHMENTS

__all__ = ["COMPLAINT", "CONFIRM_COOPERATION", "COOPERATION_LANE", "cooperation_parts",
           "notify_cooperating_action", "open_linked_action", "register_actions",
           "require_lane_holder_action", "require_visit_record_action"]

COMPLAINT = "complaint"
COOPERATION_LANE = "cooperating_department"  # lanes.cooperating_department: one step per department (R2.4)
CONFIRM_COOPERATION = "confirm_cooperation"  # the step each cooperating department confirms its part in


def open_linked_action(ctx: ActionContext, data: dict[str, Any],
                       project: str | None = None) -> dict[str, Any]:
    """Open a complaint from ``data`` (its intake form) linked to this case; returns its number."""
    if ctx.actor == "system":
        raise ActionError("a linked complaint needs a first receiver; call complaint.open_linked after a "
                          "user task, not after a timer", code="action.E004")
    fields = dict(data)
    fields.setdefault("project", project or ctx.case.get("project") or ctx.case.get("subsidiary"))
    view = ctx.runtime.open_case(COMPLAINT, fields, ctx.actor, tx=ctx.tx, now=ctx.now)  # the step's moment
    source = str(ctx.case["number"])
    ctx.tx.append_audit(view.id, [{"actor": ctx.actor, "action": "case.linked",
                                   "data": {"from": source, "process": ctx.case.get("process_id")}}], ctx.now)
    ctx.audit("case.linked", {"to": view.number, "process": COMPLAINT})
    return {"number": view.number}


def _refuse(field: str, en: str, zh: str) -> FormError:
    error = FormError(en, {field: en})
    error.errors_zh = {field: zh}  # type: ignore[attr-defined]
    return error


def require_visit_record_action(ctx: ActionContext, agreed: bool, confirmation: bool, photos: bool,
                                since: str | None = None) -> dict[str, Any]:
    """Refuse an agreed plan without the customer's confirmation or without a photo (R2.7)."""
    if not agreed:
        return {"checked": False}
    if confirmation and not ctx.data.get("customer_confirmed_plan"):
        raise _refuse("customer_confirmed_plan",
                      "the customer has not confirmed the plan; an agreed plan needs the customer's "
                      "confirmation",
                      "客户尚未确认方案：商定的方案须由客户签字确认（003 第22条）")
    found = 0
    if photos:
        query = select(func.count()).select_from(ATTACHMENTS).where(
            ATTACHMENTS.c.case_id == str(ctx.case["id"]), ATTACHMENTS.c.content_type.like("image/%"))
        if since:
            query = query.where(ATTACHMENTS.c.uploaded_at >= datetime.fromisoformat(since))
        found = int(ctx.tx.conn.scalar(query) or 0)
        if not found:
            raise _refuse("visit_record",
                          "no photo uploaded since the order reached the department; upload the photos of "
                          "the "
                          "visit on the case page, then complete the task",
                          "还没有上传上门照片：请先在案件页上传问题照片，再提交（003 第22条）")
    ctx.audit("visit.recorded", {"customer_confirmed": bool(ctx.data.get("customer_confirmed_plan")),
                                 "photos": found})
    return {"checked": True, "photos": found}


def require_lane_holder_action(ctx: ActionContext, person: str, lane: str, field: str) -> dict[str, Any]:
    """Refuse the step unless ``person`` holds the role of policy lane ``lane`` within its scope."""
    binding = ctx.policy.get(f"lanes.{lane}")
    role, unit, _ = resolve_lane(binding, ctx.case, ctx.tx.units)
    role_name = ctx.policy.name_of("roles", str(role))
    staff = ctx.tx.staff(str(person).strip())
    if staff is None or not staff.active:
        raise _refuse(field, f"no active staff member {person!r}", f"没有登录名为“{person}”的在职员工")
    units = ctx.tx.units()
    inside = unit in {u.code for u in chain(units, staff.unit)}
    if role not in staff.roles or not inside:
        where = units[unit].name if unit in units else str(unit)
        raise _refuse(field, f"{person} does not hold {role} in {unit}; choose a {role} of {unit}",
                      f"{staff.name}不是{where}的{role_name}：请指定{where}的{role_name}（lanes.{lane}）")
    ctx.audit("lane.holder_checked", {"person": staff.login, "lane": lane, "role": role, "unit": unit})
    return {"person": staff.login, "role": role, "unit": unit}


def notify_cooperating_action(ctx: ActionContext, departments: list[Any], summary: str, due: Any,
                              required: Any = None) -> dict[str, Any]:
    """Tell each cooperating department's lane holders of the signed order and their step's due time."""
    from engine.store.worker_repo import WorkerRepo
    from engine.worker.events import current_policy
    from engine.worker.outbox import Notifier
    from engine.worker.people import transition_directory

    case, policy = ctx.case, ctx.policy
    transition = ctx.step.transition
    binding = policy.get(f"lanes.{COOPERATION_LANE}")
    repo = WorkerRepo(ctx.tx)
    directory = transition_directory(transition)
    notifier = Notifier(repo, current_policy(ctx.runtime.policies, case, ctx.tx), ctx.now)
    lead = case.get("responsible_department") or ctx.data.get("responsible_department")
    told: dict[str, list[str]] = {}
    for department in [str(d) for d in departments]:
        role, unit, _ = transition.resolve(binding, department)
        people = directory.may_read(directory.holders(f"{role}@{unit}"), case)
        notifier.tell(people, "cooperation_order", f"{ctx.ref}:{department}", case_id=str(case["id"]),
                      case_number=str(case["number"]), case=str(case["number"]), room=case.get("room") or "-",
                      cooperating=policy.name_of("departments", department),
                      lead=policy.name_of("departments", str(lead)) if lead else "-",
                      summary=summary or "-", required=_local_text(required, transition),
                      due=_local_text(due, transition))
        told[department] = sorted(p.login for p in people)
    transition.told_lanes.add(COOPERATION_LANE)
    ctx.audit("cooperation.notified", {"departments": list(told), "people": told})
    return {"told": told}


def cooperation_parts(timeline: Iterable[Any], now: datetime) -> list[dict[str, Any]]:
    """R2.4 each cooperating department's step, from the case's timeline, in the order they opened:
    ``{department, state, due_at, late, by, at, part, contact, reason}``; ``state`` is ``open``,
    ``confirmed`` or ``ended`` (the complaint closed first: the step ended with it, its reason kept).
    ``late`` says the part was confirmed after its due time, or is (or was, when it ended) overdue."""
    parts: dict[str, dict[str, Any]] = {}
    for ev in timeline:
        data = dict(ev.data or {})
        if data.get("task") != CONFIRM_COOPERATION or not ev.task_id:
            continue
        if ev.action == "task.opened":
            due = datetime.fromisoformat(data["due_at"]) if data.get("due_at") else None
            parts[ev.task_id] = {"department": data.get("department"), "state": "open", "due_at": due,
                                 "late": bool(due is not None and now > due), "by": None, "at": None,
                                 "part": None, "contact": None, "reason": None}
        elif ev.task_id in parts and ev.action == "task.completed":
            form = data.get("form") or {}
            parts[ev.task_id].update(state="confirmed", by=ev.actor, at=ev.at, late=bool(data.get("late")),
                                     part=form.get("cooperation_part"),
                                     contact=form.get("cooperation_contact"))
        elif ev.task_id in parts and ev.action == "task.cancelled":
            part = parts[ev.task_id]
            part.update(state="ended", at=ev.at, reason=data.get("reason"),
                        late=bool(data.get("late")) or bool(part["due_at"] and ev.at > part["due_at"]))
    return list(parts.values())


def _local_text(value: Any, transition: Any) -> str:
    """A time (ISO text or datetime) as local text for a message ("2026-03-02 10:30"), "-" for none."""
    if not value:
        return "-"
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None or moment.utcoffset() is None:  # a diagram's naive time is on the case's clock
        moment = moment.replace(tzinfo=transition.zone)
    return local_minutes(moment, transition.zone)


def register_actions(registry: ActionRegistry) -> None:
    """The complaint actions diagrams may call."""
    registry.action(
        "complaint.open_linked", "转投诉（关联新投诉）", label_en="Open a linked complaint",
        params=[Param("data", "dict", "投诉受理字段", label_en="Complaint intake fields",
                      help="complaint 受理表单的字段，如 customer_name、description、category"),
                Param("project", "str", "所属项目", required=False, label_en="Project",
                      help="默认为本案件的项目")],
        result="{number}: the new complaint's case number",
    )(open_linked_action)
    registry.action(
        "complaint.require_visit_record", "核对上门记录（客户确认、照片）", label_en="Check the visit record",
        params=[Param("agreed", "bool", "已商定方案", label_en="Plan agreed"),
                Param("confirmation", "bool", "须客户确认方案", label_en="Customer confirmation required",
                      help='policy("complaint.visit_record.customer_confirmation")'),
                Param("photos", "bool", "须上传照片", label_en="Photos required",
                      help='policy("complaint.visit_record.photos")'),
                Param("since", "str", "照片上传起算时间", required=False, label_en="Photos since",
                      help="如 dispatched_at：此后上传的照片才算上门照片")],
        result="{checked, photos}: whether an agreed plan was checked, and the photos found",
    )(require_visit_record_action)
    registry.action(
        "complaint.require_lane_holder", "核对指定人员岗位", label_en="Require a holder of a lane's role",
        params=[Param("person", "str", "指定人员（登录名）", label_en="Person (login)"),
                Param("lane", "str", "政策泳道", label_en="Policy lane",
                      help="如 temporary_adviser（lanes.<lane>）"),
                Param("field", "str", "出错时标注的表单字段", label_en="Form field to flag")],
        result="{person, role, unit}: the person checked and the role and unit they hold",
    )(require_lane_holder_action)
    registry.action(
        "complaint.notify_cooperating", "知会配合部门（督办令）", label_en="Tell the cooperating departments",
        params=[Param("departments", "list", "配合部门", label_en="Cooperating departments",
                      help="cooperating_departments：投诉类别的无条件配合部门（R2.4）"),
                Param("summary", "str", "督办事项", label_en="What must be done"),
                Param("due", "any", "确认配合时限", label_en="Confirm by",
                      help='deadline("complaint.deadlines.cooperation", dispatched_at)'),
                Param("required", "any", "要求完成时间", required=False, label_en="Required completion")],
        result="{told}: department → the logins told",
    )(notify_cooperating_action)
