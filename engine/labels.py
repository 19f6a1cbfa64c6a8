"""Names staff read for the codes the diagrams write: case statuses and outcomes, in both languages.

The diagrams set ``status`` and ``outcome`` (``processes/*.bpmn`` scripts); these are their names.
A complaint's final outcome is a rule list of the policy (``complaint.outcomes``) and is named from
the case's pinned policy first. A code missing here shows as 其他/other, never as the bare code.
"""

from __future__ import annotations

from typing import Any

__all__ = ["OUTCOMES", "PROCESS_NAMES", "STATUSES", "outcome_name", "status_name"]

STATUSES: dict[str, dict[str, str]] = {
    "open": {"zh": "已受理", "en": "Received"},
    "received": {"zh": "已受理", "en": "Received"},
    "order_raised": {"zh": "督办令已录入", "en": "Order raised"},
    "dispatched": {"zh": "已派单", "en": "Dispatched"},
    "customer_unreachable": {"zh": "无法联系客户", "en": "Customer unreachable"},
    "in_progress": {"zh": "处理中", "en": "In progress"},
    "closing": {"zh": "结案审批中", "en": "Closing"},
    "closed": {"zh": "已结案", "en": "Closed"},
    "emergency": {"zh": "紧急处理中", "en": "Emergency"},
    "repaired": {"zh": "已维修", "en": "Repaired"},
    "return_visit": {"zh": "待回访", "en": "Return visit"},
    "answered": {"zh": "已答复", "en": "Answered"},
    "requested": {"zh": "待审批", "en": "Awaiting approval"},
    "approved": {"zh": "已批准", "en": "Approved"},
    "view_granted": {"zh": "已准许查阅", "en": "Viewing granted"},
    "booked": {"zh": "已预约", "en": "Booked"},
    "registered": {"zh": "已登记", "en": "Registered"},
    "awaiting_host": {"zh": "等待受访人", "en": "Awaiting the host"},
    "admitted": {"zh": "已进入", "en": "Admitted"},
    "cancelled": {"zh": "已取消", "en": "Cancelled"},
    "withdrawn": {"zh": "已撤回", "en": "Withdrawn"},
    "merged": {"zh": "已合并", "en": "Merged"},
}

# A process's short name (the case list's type column and filter, the Excel export).
PROCESS_NAMES: dict[str, dict[str, str]] = {
    "complaint": {"zh": "投诉", "en": "Complaint"},
    "repair": {"zh": "报修", "en": "Repair"},
    "consultation": {"zh": "咨询", "en": "Consultation"},
    "visitor_reception": {"zh": "来访", "en": "Visit"},
    "archive_access": {"zh": "档案查询", "en": "Archive request"},
    "return_visit": {"zh": "回访", "en": "Return visit"},
    "volume_escalation": {"zh": "投诉量预警", "en": "Volume escalation"},
}

OUTCOMES: dict[str, dict[str, str]] = {
    "resolved": {"zh": "已解决", "en": "Resolved"},
    "followed_up": {"zh": "已跟进", "en": "Followed up"},
    "not_accepted": {"zh": "客户不接受", "en": "Customer does not accept"},
    "unresolvable": {"zh": "无法解决", "en": "Unresolvable"},
    "unreachable": {"zh": "无法联系客户", "en": "Customer unreachable"},
    "answered": {"zh": "已答复", "en": "Answered"},
    "refused": {"zh": "未获批准/拒绝", "en": "Refused"},
    "relayed": {"zh": "已转告申请人", "en": "Answer relayed"},
    "view_expired": {"zh": "查阅期限已过", "en": "Viewing ended"},
    "visited": {"zh": "已来访并离开", "en": "Visited"},
    "not_received": {"zh": "未能会见", "en": "Not received"},
    "police": {"zh": "已报警", "en": "Police called"},
    "complaint_opened": {"zh": "已转投诉", "en": "Complaint opened"},
    "routed": {"zh": "已引导办理", "en": "Routed to a desk"},
    "pending": {"zh": "待定", "en": "Pending"},
}

_OTHER = {"zh": "其他", "en": "Other"}


def status_name(code: str | None) -> dict[str, str]:
    """A status code's name, e.g. ``dispatched`` → 已派单."""
    return dict(STATUSES.get(code or "open", _OTHER))


def outcome_name(code: str | None, policy: Any = None) -> dict[str, str]:
    """An outcome's name: from the policy's ``complaint.outcomes`` when it lists the code, else the table."""
    if not code:
        return {"zh": "", "en": ""}
    if policy is not None and policy.has("complaint.outcomes"):
        for entry in policy.get("complaint.outcomes") or []:
            if str(entry.get("code")) == code:
                name = str(entry.get("name") or code)
                return {"zh": name, "en": str(entry.get("en") or name)}
    return dict(OUTCOMES.get(code, _OTHER))
