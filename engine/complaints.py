"""Complaint actions diagrams may call: open a linked complaint (R4.5, R2.1), check the visit record
(R2.7) and the temporary adviser (R2.17).

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
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from engine.actions import ActionContext, ActionRegistry, Param
from engine.errors import ActionError, FormError
from engine.runtime.access import chain, resolve_lane
from engine.store.repair_repo import ATTACHMENTS

__all__ = ["COMPLAINT", "open_linked_action", "register_actions", "require_lane_holder_action",
           "require_visit_record_action"]

COMPLAINT = "complaint"


def open_linked_action(ctx: ActionContext, data: dict[str, Any],
                       project: str | None = None) -> dict[str, Any]:
    """Open a complaint from ``data`` (its intake form) linked to this case; returns its number."""
    if ctx.actor == "system":
        raise ActionError("a linked complaint needs a first receiver; call complaint.open_linked after a "
                          "user task, not after a timer", code="action.E004")
    fields = dict(data)
    fields.setdefault("project", project or ctx.case.get("project") or ctx.case.get("subsidiary"))
    view = ctx.runtime.open_case(COMPLAINT, fields, ctx.actor, tx=ctx.tx)
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
