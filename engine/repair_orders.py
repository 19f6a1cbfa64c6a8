"""Repair dispatch orders 派工单 (R3.1, R3.2, R0.6): issue with a gapless number, look up, print.

``issue_dispatch_order`` completes a repair's ``issue_order`` task and records the order in **one**
store transaction: the task is completed through a ``Runtime`` bound to the open transaction, then
the next number of the order sequence (prefix ``numbering.prefix.repair_order``, per subsidiary and
year, the same ``number_sequences`` table case numbers use) is taken and the order row inserted.
If anything fails — the form, the permission check, a lost race — everything rolls back together and
the number is not consumed; an issued order row is never changed, so numbers are never reused.
The order keeps a snapshot of what was printed (customer, room, work, the policy's copies 一式四联);
the case's hash-chained audit log gets a ``dispatch_order.issued`` event with the number (R0.6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.errors import FormError, NotFoundError
from engine.processes.host import policy_zone
from engine.runtime import CaseView, Runtime
from engine.runtime.access import load_staff
from engine.runtime.numbering import format_number, number_prefix
from engine.store.repair_repo import DispatchOrderRecord, DispatchOrderRepo

__all__ = ["ORDER_PROCESS", "ORDER_TASK", "DispatchOrderRecord", "PrintableOrder", "complete_task",
           "dispatch_order", "issue_dispatch_order", "printable_order"]

ORDER_PROCESS = "repair"
ORDER_TASK = "issue_order"
WORK_TASK = "carry_out_repair"  # lists the stages photographed (R3.3); each needs an uploaded photo
SEQUENCE = "repair_order"  # numbering.prefix.repair_order
_SNAPSHOT_FIELDS = ("customer_name", "customer_phone", "room", "location", "location_detail", "description",
                    "emergency", "municipal_fault", "paid_service", "fee_unit_price", "appointment_at",
                    "received_at", "dispatch_due", "channel")


def _policy_for(runtime: Runtime, *codes: str | None) -> Any:
    for code in codes:
        if code:
            try:
                return runtime.policies.effective(code)
            except NotFoundError:
                continue
    return runtime.policies.effective(None)


def _labels(runtime: Runtime, policy: Any, values: Mapping[str, Any]) -> dict[str, str]:
    """``<field>_name`` for every choice field of the repair intake: the name printed for its code."""
    out = {}
    for spec in runtime.registry.get(ORDER_PROCESS).start_form.fields:
        code = values.get(spec.name)
        if spec.type == "choice" and code:
            names = {c.get("code"): c.get("name") for c in spec.resolve_choices(policy)}
            out[f"{spec.name}_name"] = str(names.get(code, code))
    return out


def issue_dispatch_order(runtime: Runtime, task_id: str, actor: str,
                         data: Mapping[str, Any]) -> DispatchOrderRecord:
    """Complete ``issue_order`` with ``data`` and issue the numbered order, in one transaction."""
    task_id = runtime.resolve_task_id(task_id)
    with runtime.store.write() as tx:
        joined = runtime.joined(tx)
        row = tx.task(task_id)
        if row is None:  # completed or cancelled already: the runtime says by whom and when
            joined.complete_task(task_id, actor, data)
            raise NotFoundError(f"no open task {task_id}")  # pragma: no cover - complete_task raised
        if row.process_id != ORDER_PROCESS or row.task_spec != ORDER_TASK:
            raise FormError(f"task {task_id[:8]} is {row.task_spec!r} of a {row.process_id} case; dispatch "
                            f"orders are issued by the {ORDER_TASK!r} task of a repair")
        before = joined.case_data(row.number, actor)
        view = joined.complete_task(task_id, actor, data)
        staff = load_staff(tx, actor)
        policy = _policy_for(runtime, view.project, view.subsidiary)
        zone = policy_zone(policy)
        prefix = number_prefix(policy, SEQUENCE)
        now = runtime.clock.now()
        year = now.astimezone(zone).year
        subsidiary = view.subsidiary or ""
        seq = tx.next_number(subsidiary, prefix, year)
        content = {k: before.get(k) for k in _SNAPSHOT_FIELDS}
        content.update(_labels(runtime, policy, before))
        content.update(order_items=data.get("order_items"), order_note=data.get("order_note"),
                       issued_by_name=staff.name, project=view.project, subsidiary=view.subsidiary,
                       copies=[dict(c) for c in policy.get("repair.order_copies")],
                       issued_at=now.astimezone(zone).isoformat(timespec="seconds"))
        number = format_number(prefix, subsidiary, year, seq)
        tx.append_audit(view.id, [{"actor": actor, "action": "dispatch_order.issued", "task_id": task_id,
                                   "data": {"number": number, "order_items": content["order_items"]}}], now)
        return DispatchOrderRepo(tx).insert_order(
            number=number, case_id=view.id, case_number=view.number, subsidiary=subsidiary, year=year,
            seq=seq, issued_by=actor, issued_at=now, content=content)


def complete_task(runtime: Runtime, task_id: str, actor: str, data: Mapping[str, Any]) -> CaseView:
    """``Runtime.complete_task``, except that a repair's ``issue_order`` also issues its numbered order.

    Every caller that completes tasks generically (the case page, the API, ``kefu task complete``) goes
    through this, so no dispatch order can be skipped by completing its task another way.
    """
    task_id = runtime.resolve_task_id(task_id)
    with runtime.store.read() as tx:
        row = tx.task(task_id)
    if row is not None and row.process_id == ORDER_PROCESS and row.task_spec == WORK_TASK:
        _check_photos(runtime, row.number, data)
    if row is not None and row.process_id == ORDER_PROCESS and row.task_spec == ORDER_TASK:
        order = issue_dispatch_order(runtime, task_id, actor, data)
        return runtime.get_case(order.case_number, actor)
    return runtime.complete_task(task_id, actor, data)


def photo_stages(policy: Any) -> dict[str, str]:
    """The photo stages of ``repair.photo_stages``: code → name."""
    return {str(s["code"]): str(s.get("name") or s["code"]) for s in policy.get("repair.photo_stages")}


def _check_photos(runtime: Runtime, number: str, data: Mapping[str, Any]) -> None:
    """Every stage the engineer lists as photographed has a photo of that stage on the case."""
    ticked = data.get("photo_stages") or []
    ticked = [ticked] if isinstance(ticked, str) else [str(s) for s in ticked]
    if not ticked:
        return  # the form itself says what is required
    from engine.store.web_queries import photo_stages_present

    with runtime.store.read() as tx:
        case = tx.find_case(number)
    if case is None:
        raise NotFoundError(f"no case {number}")
    found = photo_stages_present(runtime.store, case.id, ticked)
    missing = [s for s in ticked if s not in found]
    if missing:
        names = photo_stages(runtime.pinned_policy(case.policy_fingerprint))
        listed = "、".join(names.get(s, s) for s in missing)
        error = FormError(f"no photo uploaded for the stage(s) {', '.join(missing)}; upload them on the case "
                          "page with their stage, then complete the task",
                          {"photo_stages": f"no photo uploaded yet for: {', '.join(missing)}"})
        error.errors_zh = {"photo_stages": f"还没有上传这些节点的照片：{listed}"}  # type: ignore[attr-defined]
        raise error


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


def printable_order(order: DispatchOrderRecord) -> PrintableOrder:
    """The order's snapshot as labelled rows, in the words printed on the paper form."""
    c = order.content

    def text(key: str) -> str:
        value = c.get(key)
        return "" if value is None else str(value)

    def when(key: str) -> str:
        """An ISO time of the snapshot as printed: ``2026-11-23 10:05`` (in the zone it was stored in)."""
        try:
            return datetime.fromisoformat(text(key)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return text(key)

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
        ("派工人", f"{text('issued_by_name') or order.issued_by}（{order.issued_by}）"),
        ("派工时间", when("issued_at")),
        ("备注", text("order_note")),
    )
    return PrintableOrder(order, tuple(dict(x) for x in c.get("copies") or ()), rows, order.issued_at)
