"""Owner-archive access requests 业主档案查询 (REQUIREMENTS R5.2, seed 001 篇3 二、5) as a table.

Staff whose role the policy allows (archive.allowed_roles) read an archive directly through
engine/archives.py; everyone else opens this process: a supervisor approves or refuses, then a CS
specialist looks the information up and relays the answer, so the requester never sees the file.
Where the policy allows it (archive.direct_view.allowed), an approved requester may instead view
the file directly until archive.direct_view.expires has passed.
"""

PROCESS_ID = "archive_access"
PROCESS_NAME = "业主档案查询 Owner-archive access"
DOC = ("R5.2 archive access requests. Each lane is a policy lanes: key (its role and scope); every time is a policy key "
       "read through deadline().")

LANES = [
    ("first_receiver", "申请人 requester"),
    ("archive_approver", "审批 approves: a supervisor or above (R5.2)"),
    ("archive_relay", "转告 looks the file up and relays the answer (R5.2)"),
]

NODES = [
    ("requested", "start", "提出查询申请 request filed", "first_receiver", {}),
    ("record_request", "script", "登记申请 record the request", "first_receiver", {"script": """
status = "requested"
direct_view_possible = policy("archive.direct_view.allowed")
"""}),
    ("approve_request", "user", "主管审批 supervisor approves or refuses", "archive_approver",
     {"due": 'deadline("archive.deadlines.approve", received_at)'}),
    ("decision_gw", "xor", "批准? approved?", "archive_approver", {"default": "refused"}),
    ("refused", "script", "不批准 refused", "archive_approver", {"script": """
status = "closed"
outcome = "refused"
"""}),
    ("refused_end", "end", "申请未获批准 refused", "archive_approver", {}),
    ("approved", "script", "已批准 approved", "archive_approver", {"script": """
approved_at = now()
status = "approved"
"""}),
    ("direct_gw", "xor", "直接查阅? direct view?", "archive_approver", {"default": "relay_answer"}),
    ("grant_view", "script", "授予限时查阅 grant a time-limited view", "first_receiver", {"script": """
view_expires_at = deadline("archive.direct_view.expires", approved_at)
status = "view_granted"
"""}),
    ("view_expires", "timer_catch", "查阅期限届满 the view expires", "first_receiver",
     {"timer": 'deadline("archive.direct_view.expires", approved_at)'}),
    ("view_expired", "script", "查阅结束 view ended", "first_receiver", {"script": """
status = "closed"
outcome = "view_expired"
"""}),
    ("view_end", "end", "限时查阅结束 view ended", "first_receiver", {}),
    ("relay_answer", "user", "客服人员查阅并转告 look it up and relay the answer", "archive_relay",
     {"due": 'deadline("archive.deadlines.relay", approved_at)'}),
    ("relayed", "script", "已转告 relayed", "archive_relay", {"script": """
relayed_at = now()
status = "closed"
outcome = "relayed"
"""}),
    ("relayed_end", "end", "已转告申请人 answer relayed", "archive_relay", {}),
]

FLOWS = [
    ("requested", "record_request", None),
    ("record_request", "approve_request", None),
    ("approve_request", "decision_gw", None),
    ("decision_gw", "approved", 'decision == "approve"', "批准"),
    ("decision_gw", "refused", None, "不批准"),
    ("refused", "refused_end", None),
    ("approved", "direct_gw", None),
    ("direct_gw", "grant_view", "direct_view_requested and direct_view_possible", "限时直接查阅"),
    ("direct_gw", "relay_answer", None, "代为查阅转告"),
    ("grant_view", "view_expires", None),
    ("view_expires", "view_expired", None),
    ("view_expired", "view_end", None),
    ("relay_answer", "relayed", None),
    ("relayed", "relayed_end", None),
]
