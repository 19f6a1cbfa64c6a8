"""Complaint actions diagrams may call: open a complaint linked to the case at hand (R4.5, R2.1).

A visit whose visitor came to complain, a repair the owner turns into a complaint, a consultation
that turns out to be one: the diagram calls ``complaint.open_linked`` with the complaint's intake
fields. The complaint is opened inside the same step (one transaction: the step and the new case
commit together or not at all), received by the step's actor (R0.5 first receiver), and both
cases' audit logs name the link.
"""

from __future__ import annotations

from typing import Any

from engine.actions import ActionContext, ActionRegistry, Param
from engine.errors import ActionError

__all__ = ["COMPLAINT", "open_linked_action", "register_actions"]

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
