"""Notifications caused by a case transition, written in the transition's own transaction.

* **Order signed (R2.10).** When the supervision order 督办令 of a complaint is signed (the case
  becomes ``dispatched``; a repair's dispatch order, which also makes it ``dispatched``, is no 督办令),
  the people who must act on it — the holders of the new responsible-department task, or its
  assignee — are told at once on every channel of ``notifications.channels``
  (003 第19条: 签发后自动短信提醒责任人). The steps of a lane a service task of the same step
  has already told in its own words (the cooperating departments, ``complaint.notify_cooperating``) are
  not told twice.
* **A step that notifies (R2.3, R3.4).** A user task whose diagram carries a ``notify`` property
  (an expression giving role codes, e.g. ``policy("complaint.escalation.emergency_notify")``) has
  the holders of those roles for the case told the moment it opens, at any hour (000 投诉的受理3:
  若遇重大、紧急事件，须于第一时间通知公司主管领导…). Each role is looked up for the case: the
  responsible department's head, else the nearest holder from the case's project upwards.

* **A service task that notifies.** The ``notify.roles`` action, which a diagram calls from a
  service task with roles and a message of its own, tells the nearest holders of those roles for
  the case, in the step's transaction (``register_actions``).

The runtime calls ``on_transition(tx, transition)`` just before it commits; ``install(runtime)`` sets
that up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.actions import ActionContext, ActionRegistry, Param
from engine.errors import ActionError, NotFoundError
from engine.store import Tx
from engine.store.worker_repo import WorkerRepo
from engine.worker.context import COMPLAINT
from engine.worker.outbox import Notifier
from engine.worker.people import transition_directory
from engine.worker.templates import title_values

__all__ = ["install", "notify_roles_action", "on_transition", "register_actions"]

DISPATCHED = "dispatched"


def on_transition(tx: Tx, transition: Any, notify_policy: Any = None) -> int:
    """Queue what this transition tells people; returns how many rows were written.

    ``notify_policy`` says how and in which words (``notifications.*``: the unit's current policy,
    so that an edited message template applies at once); the case's pinned policy by default. A
    callable is asked for it only when the transition tells someone: most steps tell nobody, and
    the policy in force is a read of the published versions.
    """
    case = transition.case
    signed = (case.get("process_id") == COMPLAINT and case.get("status") == DISPATCHED
              and transition.original.get("status") != DISPATCHED)
    # lanes a service task of this step already told in its own words (R2.4)
    told: set[str] = getattr(transition, "told_lanes", set())
    rows = [r for r in transition.new_rows if (r.candidate_group or r.assignee) and r.lane not in told] \
        if signed else []
    notices = [(row, roles) for row, roles in getattr(transition, "notices", []) if roles]
    if not rows and not notices:
        return 0
    if callable(notify_policy):
        notify_policy = notify_policy()
    repo = WorkerRepo(tx)
    directory = transition_directory(transition)
    notifier = Notifier(repo, notify_policy or transition.policy, transition.now)
    written = 0
    for row in rows:
        due = transition.text(row.due_at) or "-"
        people = directory.may_read(directory.of_task(row.candidate_group, row.assignee), case)
        written += notifier.tell(people, "order_signed",
                                 row.task_id, case_id=case["id"], case_number=case["number"],
                                 case=case["number"], due=due, room=case.get("room") or "",
                                 **title_values(row.title))
    for row, roles in notices:
        people = [p for role in roles for p in directory.for_place(
            role, case.get("project"), case.get("subsidiary"), case.get("responsible_department"))]
        written += notifier.tell(people, "step_notice", row.task_id, case_id=case["id"],
                                 case_number=case["number"], at_once=True, case=case["number"],
                                 **title_values(row.title), **_urgency(transition.policy, case))
    return written


def _urgency(policy: Any, case: dict[str, Any]) -> dict[str, str]:
    """The case's place, category and urgency for the message, in both languages."""
    urgency: dict[str, Any] = next(
        (u for u in policy.get("complaint.urgency") if u.get("code") == case.get("urgency")), {})
    category = str(case.get("category") or "")
    place = "·".join(x for x in (case.get("room"), policy.name_of("complaint.categories", category)
                                 if category else None) if x) or "-"
    zh, en = str(urgency.get("name", "")), str(urgency.get("en", ""))
    return {"place": place, "urgency": zh, "urgency_en": en or "Case",
            "urgency_phrase": f"为{zh}事件，" if zh else "",
            "urgency_phrase_en": f", {en.lower()}," if en else ""}


def current_policy(policies: Any, case: Mapping[str, Any], tx: Any = None) -> Any:
    """The current effective policy of the case's project, else its subsidiary, else the group
    (``tx``: the open transaction, which reads the versions in force when the request has not yet)."""
    if tx is not None and hasattr(policies, "current_in"):
        policies = policies.current_in(tx)
    for code in (case.get("project"), case.get("subsidiary")):
        if code:
            try:
                return policies.effective(code)
            except NotFoundError:
                continue
    return policies.effective(None)


def install(runtime: Any) -> None:
    """Have ``runtime`` call ``on_transition`` inside each transition's transaction."""

    def after(tx: Tx, transition: Any) -> int:
        return on_transition(tx, transition, lambda: current_policy(runtime.policies, transition.case, tx))

    runtime.after_transition = after


def notify_roles_action(ctx: ActionContext, roles: list[Any], message: str, title: str | None = None,
                        channels: list[Any] | None = None) -> dict[str, Any]:
    """Tell the holders of ``roles`` for this case (nearest unit upwards; a department head is the
    responsible department's) ``message``, on the policy's channels or ``channels``."""
    policy, case = ctx.policy, ctx.case
    known = set(str(c) for c in policy.get("notifications.channels"))
    chosen = [str(c) for c in channels] if channels else None
    if chosen is not None and (unknown := [c for c in chosen if c not in known]):
        raise ActionError(f"notify.roles: channel(s) {', '.join(unknown)} are not in notifications.channels "
                          f"({', '.join(sorted(known))})", code="action.E002")
    repo = WorkerRepo(ctx.tx)
    directory = transition_directory(ctx.step.transition)
    people = []
    for role in roles:
        people.extend(directory.for_place(str(role), case.get("project"), case.get("subsidiary"),
                                          case.get("responsible_department")))
    notifier = Notifier(repo, current_policy(ctx.runtime.policies, case, ctx.tx), ctx.now)  # today's words
    notifier.tell(people, "diagram_notice", f"{ctx.ref}:{ctx.task_name}", case_id=str(case["id"]),
                  case_number=str(case["number"]), channels=chosen,
                  process=str(ctx.definition.name), case=str(case["number"]),
                  title=title or str(ctx.task.task_spec.bpmn_name or ctx.task_name), message=message)
    told = sorted({p.login for p in people})
    ctx.audit("notice.sent", {"roles": [str(r) for r in roles], "people": told, "title": title or ""})
    return {"people": told}


def register_actions(registry: ActionRegistry) -> None:
    """The notification actions diagrams may call."""
    registry.action(
        "notify.roles", "通知相关角色", label_en="Notify roles",
        params=[Param("roles", "list", "通知的角色", label_en="Roles",
                      help="角色代码，如 chairman、cs_centre_gm；从案件所在项目向上找最近的持有人"),
                Param("message", "str", "通知内容", label_en="Message"),
                Param("title", "str", "标题", required=False, label_en="Title", help="默认为本环节名称"),
                Param("channels", "list", "渠道", required=False, label_en="Channels",
                      help="默认为 notifications.channels")],
        result="{people}: the logins told",
    )(notify_roles_action)
