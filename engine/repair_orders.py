"""Repair dispatch orders 派工单 (R3.1, R3.2, R3.3, R0.6): the actions that issue and guard them; print.

The repair diagram calls two actions from service tasks (see :func:`register_actions`):

- ``repair.issue_dispatch_order`` right after the ``issue_order`` task: it takes the next number of the
  order sequence (prefix ``numbering.prefix.repair_order``, per subsidiary and year, the same
  ``number_sequences`` table case numbers use) and records the order, in the transaction of the step
  that completed the task. If anything in that step fails — the form, the permission check, a lost
  race — everything rolls back together and the number is not consumed; an issued order row is never
  changed, so numbers are never reused. However the task is completed (case page, API,
  ``kefu task complete``), the order is issued, because the diagram issues it.
- ``repair.require_photos`` after the ``carry_out_repair`` task: every stage the engineer lists as
  photographed needs an uploaded photo of that stage, else the step is refused (FormError on the
  listed field) and rolls back with the input kept.

The order keeps a snapshot of what was printed (customer, room, work, the policy's copies 一式四联);
the case's hash-chained audit log gets a ``dispatch_order.issued`` event with the number (R0.6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from engine.actions import ActionContext, ActionRegistry, Param
from engine.clock import local_minutes
from engine.errors import ConflictError, FormError, NotFoundError
from engine.runtime import Runtime
from engine.runtime.numbering import format_number, number_prefix
from engine.store.repair_repo import DispatchOrderRecord, DispatchOrderRepo

__all__ = ["ORDER_TASK", "DispatchOrderRecord", "PrintableOrder", "dispatch_order", "photo_stages",
           "printable_order", "register_actions"]

ORDER_TASK = "issue_order"  # the repair diagram's step whose completion issues the order (for messages)
SEQUENCE = "repair_order"  # numbering.prefix.repair_order
_SNAPSHOT_FIELDS = ("customer_name", "customer_phone", "room", "location", "location_detail", "description",
                    "emergency", "municipal_fault", "paid_service", "fee_unit_price", "appointment_at",
                    "received_at", "dispatch_due", "channel")


def _labels(definition: Any, policy: Any, values: Mapping[str, Any]) -> dict[str, str]:
    """``<field>_name`` for every choice field of the case's start form: the name printed for its code."""
    out = {}
    for spec in definition.start_form.fields:
        code = values.get(spec.name)
        if spec.type == "choice" and code:
            names = {c.get("code"): c.get("name") for c in spec.resolve_choices(policy)}
            out[f"{spec.name}_name"] = str(names.get(code, code))
    return out


def issue_order_action(ctx: ActionContext, items: str, note: str | None = None) -> dict[str, Any]:
    """Number and record the dispatch order of the case, from the case data and ``items``/``note``."""
    tx, case, policy = ctx.tx, ctx.case, ctx.policy
    repo = DispatchOrderRepo(tx)
    existing = repo.order_for_case(str(case["id"]))
    if existing is not None:
        raise ConflictError(f"case {case['number']} already has dispatch order {existing.number}; an issued "
                            "order is never re-issued")
    subsidiary = str(case.get("subsidiary") or "")
    prefix = number_prefix(policy, SEQUENCE)
    now = ctx.now
    year = now.astimezone(ctx.zone).year
    seq = tx.next_number(subsidiary, prefix, year)
    number = format_number(prefix, subsidiary, year, seq)
    data = ctx.data
    staff = tx.staff(ctx.actor)
    content = {k: data.get(k) for k in _SNAPSHOT_FIELDS}
    content.update(_labels(ctx.definition, policy, data))
    content.update(order_items=items, order_note=note, issued_by_name=staff.name if staff else ctx.actor,
                   project=case.get("project"), subsidiary=case.get("subsidiary"),
                   copies=[dict(c) for c in policy.get("repair.order_copies")],
                   issued_at=now.astimezone(ctx.zone).isoformat(timespec="seconds"))
    ctx.audit("dispatch_order.issued", {"number": number, "order_items": items})
    repo.insert_order(number=number, case_id=str(case["id"]), case_number=str(case["number"]),
                      subsidiary=subsidiary, year=year, seq=seq, issued_by=ctx.actor, issued_at=now,
                      content=content)
    return {"number": number, "issued_at": content["issued_at"]}


def require_photos_action(ctx: ActionContext, stages: list[Any], field: str | None = None) -> dict[str, Any]:
    """Refuse the step unless every listed stage has an uploaded photo of that stage (R3.3)."""
    ticked = [str(s) for s in stages]
    name = field or "photo_stages"
    found = DispatchOrderRepo(ctx.tx).photo_stages_present(str(ctx.case["id"]), ticked) if ticked else set()
    missing = [s for s in ticked if s not in found]
    if missing:
        names = photo_stages(ctx.policy)
        listed = "、".join(names.get(s, s) for s in missing)
        error = FormError(f"no photo uploaded for the stage(s) {', '.join(missing)}; upload them on the case "
                          "page with their stage, then complete the task",
                          {name: f"no photo uploaded yet for: {', '.join(missing)}"})
        error.errors_zh = {name: f"还没有上传这些节点的照片：{listed}"}  # type: ignore[attr-defined]
        raise error
    return {"stages": ticked}


def register_actions(registry: ActionRegistry) -> None:
    """The repair actions diagrams may call."""
    registry.action(
        "repair.issue_dispatch_order", "开具派工单", label_en="Issue the dispatch order",
        params=[Param("items", "str", "维修项目", label_en="Work to do"),
                Param("note", "str", "派工备注", required=False, label_en="Note")],
        result="{number, issued_at}: the gapless order number (numbering.prefix.repair_order)",
    )(issue_order_action)
    registry.action(
        "repair.require_photos", "核对维修照片", label_en="Require the photos of the listed stages",
        params=[Param("stages", "list", "已拍照节点", label_en="Stages photographed"),
                Param("field", "str", "出错时标注的表单字段", required=False, label_en="Form field to flag",
                      help="默认 photo_stages")],
        result="{stages}: the stages checked",
    )(require_photos_action)


def photo_stages(policy: Any) -> dict[str, str]:
    """The photo stages of ``repair.photo_stages``: code → name."""
    return {str(s["code"]): str(s.get("name") or s["code"]) for s in policy.get("repair.photo_stages")}


def dispatch_order(runtime: Runtime, case_number: str, actor: str) -> DispatchOrderRecord:
    """The order issued for a repair case (the actor must be allowed to see the case)."""
    case = runtime.get_case(case_number, actor)
    with runtime.store.read() as tx:
        order = DispatchOrderRepo(tx).order_for_case(case.id)
    if order is None:
        raise NotFoundError(f"case {case.number} has no dispatch order yet; it is issued by its "
                            f"{ORDER_TASK!r} task")
    return order


@dataclass(frozen=True)
class PrintableOrder:
    """What the print view and the PDF show: the order, its copies and readable labels."""

    order: DispatchOrderRecord
    copies: tuple[dict[str, Any], ...]
    rows: tuple[tuple[str, str], ...]
    issued_at: datetime


def printable_order(order: DispatchOrderRecord, zone: tzinfo) -> PrintableOrder:
    """The order's snapshot as labelled rows, in the words printed on the paper form; times on the clock of
    ``zone`` (the policy's)."""
    c = order.content

    def text(key: str) -> str:
        value = c.get(key)
        return "" if value is None else str(value)

    def when(key: str) -> str:
        """An ISO time of the snapshot as printed: ``2026-11-23 10:05`` in ``zone`` (a time without an
        offset is on that clock already); what is no time is printed as it is."""
        try:
            moment = datetime.fromisoformat(text(key))
        except ValueError:
            return text(key)
        if moment.tzinfo is None or moment.utcoffset() is None:
            moment = moment.replace(tzinfo=zone)
        return local_minutes(moment, zone)

    location = " · ".join(x for x in (text("location_name"), text("location_detail")) if x)
    special = text("paid_service_name")
    if special and c.get("fee_unit_price"):
        special = f"{special}（收费标准 {c['fee_unit_price']} 元）"
    rows = (
        ("派工单号", order.number),
        ("报修单号", order.case_number),
        ("业主", text("customer_name")),
        ("联系电话", text("customer_phone")),
        ("房号", text("room")),
        ("报修位置", location),
        ("报修内容", text("description")),
        ("维修项目", text("order_items")),
        ("紧急情况", text("emergency_name") or "否"),
        ("特需有偿服务", special or "否"),
        ("预约上门", when("appointment_at")),
        ("受理时间", when("received_at")),
        ("派工时限", when("dispatch_due")),
        ("派工人", text("issued_by_name") or order.issued_by),  # the name people sign against, not the login
        ("派工时间", when("issued_at")),
        ("备注", text("order_note")),
    )
    return PrintableOrder(order, tuple(dict(x) for x in c.get("copies") or ()), rows, order.issued_at)
