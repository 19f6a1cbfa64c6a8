"""Visitor reception 来访接待 (REQUIREMENTS R4, seed 004) as a table; built into its .bpmn file.

The guard who registers the visitor is the first receiver (R0.5). ID numbers never enter the
workflow: engine/visitors.py checks the document and passes only the masked number (R0.8).
The host resident is not staff: the answer arrives as a message (host_accepted / host_declined);
no answer within visitor.host_answer_wait counts as "host absent" (R4.3).
"""

PROCESS_ID = "visitor_reception"
PROCESS_NAME = "来访接待 Visitor reception"
DOC = (
    "R4 visitor reception. Each lane is a policy lanes: key (its role and scope); the only time is the policy's "
    "visitor.host_answer_wait, read through deadline()."
)

LANES = [
    ("first_receiver", "首问责任人(登记的安全员) first receiver: the guard who registered"),
    ("security", "秩序维护(安全员) security"),
]

MESSAGES = [("msg_host_accepted", "host_accepted"), ("msg_host_declined", "host_declined")]

NODES = [
    ("received", "start", "访客登记 visitor registered", "first_receiver", {}),
    (
        "register",
        "script",
        "登记 record the visit",
        "first_receiver",
        {
            "script": """
visit_number = case_number
channel = "visit"
status = "booked" if booked else "registered"
"""
        },
    ),
    ("booked_gw", "xor", "预约来访? booked?", "first_receiver", {"default": "abnormal_kind"}),
    (
        "check_in",
        "user",
        "预约访客到达核验证件 booked visitor arrives, check the ID",
        "security",
        {"due": "expected_at if expected_at else now()"},
    ),
    (
        "arrived",
        "script",
        "已到达 arrived",
        "security",
        {
            "script": """
status = "registered"
"""
        },
    ),
    # Abnormal situations (R4.4): the policy's visitor.abnormal says how each kind is handled
    ("abnormal_kind", "script", "异常处置方式 how the policy handles it", "first_receiver", {"script": """
abnormal_action = [a["action"] for a in policy("visitor.abnormal") if a["code"] == abnormal][0] if abnormal else ""
"""}),
    ("abnormal_gw", "xor", "异常情况? abnormal?", "first_receiver", {"default": "purpose_gw"}),
    ("security_response", "user", "保安部门处置安全隐患 security handles the safety risk", "security", {}),
    ("security_gw", "xor", "处置结果 decision", "security", {"default": "record_refusal"}),
    ("record_refusal", "user", "拒绝接待并记录 refuse entry, record it", "first_receiver", {}),
    (
        "refused",
        "script",
        "已拒绝 refused",
        "first_receiver",
        {
            "script": """
status = "closed"
outcome = "refused"
"""
        },
    ),
    ("refused_end", "end", "已拒绝接待 entry refused", "first_receiver", {}),
    ("call_police", "user", "报警并协助处理 call the police and assist", "first_receiver", {}),
    (
        "police",
        "script",
        "已报警 police called",
        "first_receiver",
        {
            "script": """
status = "closed"
outcome = "police"
"""
        },
    ),
    ("police_end", "end", "已报警处置 handed to the police", "first_receiver", {}),
    # Purposes (R4.5)
    ("purpose_gw", "xor", "来访事由 purpose", "first_receiver", {"default": "route_to_desk"}),
    ("hand_over_complaint", "user", "转投诉受理 open the complaint", "first_receiver", {}),
    (
        "complaint_opened",
        "script",
        "已转投诉 complaint opened",
        "first_receiver",
        {
            "script": """
status = "closed"
outcome = "complaint_opened"
"""
        },
    ),
    ("complaint_end", "end", "已转投诉流程 complaint process started", "first_receiver", {}),
    ("route_to_desk", "user", "引导至办理部门 take the visitor to the desk", "first_receiver", {}),
    (
        "routed",
        "script",
        "已引导 routed",
        "first_receiver",
        {
            "script": """
status = "closed"
outcome = "routed"
"""
        },
    ),
    ("routed_end", "end", "已引导办理 routed to the desk", "first_receiver", {}),
    # Visiting a resident (R4.2, R4.3)
    ("visit_booked_gw", "xor", "预约? booked?", "first_receiver", {"default": "notify_host"}),
    ("fetch_host", "user", "通知并迎接受访人 fetch the host", "security", {}),
    ("host_gw", "xor", "受访人在? host present?", "security", {"default": "host_absent"}),
    (
        "notify_host",
        "script",
        "通知受访住户 notify the host",
        "first_receiver",
        {
            "script": """
host_notified_at = now()
status = "awaiting_host"
"""
        },
    ),
    ("await_host", "event_gw", "等候住户答复 wait for the host", "first_receiver", {}),
    (
        "host_accepted",
        "message_catch",
        "住户同意 host accepts",
        "first_receiver",
        {"message": "msg_host_accepted"},
    ),
    (
        "host_declined",
        "message_catch",
        "住户谢绝 host declines",
        "first_receiver",
        {"message": "msg_host_declined"},
    ),
    (
        "host_timeout",
        "timer_catch",
        "住户未答复 no answer",
        "first_receiver",
        {"timer": 'deadline("visitor.host_answer_wait", host_notified_at)'},
    ),
    (
        "declined",
        "script",
        "记录谢绝 record the decline",
        "first_receiver",
        {
            "script": """
host_answer = "declined"
"""
        },
    ),
    (
        "host_absent",
        "script",
        "记录不在 record the host absent",
        "first_receiver",
        {
            "script": """
host_answer = "absent"
"""
        },
    ),
    (
        "polite_refusal",
        "user",
        "婉言解释并提议另约 explain politely, offer another appointment",
        "first_receiver",
        {},
    ),
    (
        "not_received",
        "script",
        "未能会见 not received",
        "first_receiver",
        {
            "script": """
status = "closed"
outcome = "not_received"
"""
        },
    ),
    ("not_received_end", "end", "未能会见 visit did not take place", "first_receiver", {}),
    (
        "admit",
        "script",
        "发放访客证 issue the visitor badge",
        "first_receiver",
        {
            "script": """
host_answer = "booked" if booked else "accepted"
badge_number = case_number
admitted_at = now()
status = "admitted"
"""
        },
    ),
    ("escort_gw", "xor", "需要陪同? escort?", "security", {"default": "check_out"}),
    ("escort", "user", "陪同访客 escort the visitor", "security", {}),
    ("check_out", "user", "访客离开登记 record the check-out", "security", {}),
    (
        "visited",
        "script",
        "来访结束 visit over",
        "security",
        {
            "script": """
status = "closed"
outcome = "visited"
"""
        },
    ),
    ("visited_end", "end", "来访结束 visit over", "security", {}),
]

FLOWS = [
    ("received", "register", None),
    ("register", "booked_gw", None),
    ("booked_gw", "check_in", "booked", "预约"),
    ("booked_gw", "abnormal_kind", None),
    ("check_in", "arrived", None),
    ("arrived", "abnormal_kind", None),
    ("abnormal_kind", "abnormal_gw", None),
    ("abnormal_gw", "security_response", 'abnormal_action == "report_security"', "报告保安"),
    ("abnormal_gw", "record_refusal", 'abnormal_action == "refuse_entry"', "拒绝接待"),
    ("abnormal_gw", "call_police", 'abnormal_action == "call_police"', "报警"),
    ("abnormal_gw", "purpose_gw", None),
    ("security_response", "security_gw", None),
    ("security_gw", "purpose_gw", 'security_decision == "admit"', "可以接待"),
    ("security_gw", "record_refusal", None, "拒绝"),
    ("record_refusal", "refused", None),
    ("refused", "refused_end", None),
    ("call_police", "police", None),
    ("police", "police_end", None),
    ("purpose_gw", "hand_over_complaint", 'purpose == "complaint"', "投诉"),
    ("purpose_gw", "visit_booked_gw", 'purpose == "visit_resident"', "探访住户"),
    ("purpose_gw", "route_to_desk", None, "缴费/租赁/装修/入伙"),
    ("hand_over_complaint", "complaint_opened", None),
    ("complaint_opened", "complaint_end", None),
    ("route_to_desk", "routed", None),
    ("routed", "routed_end", None),
    ("visit_booked_gw", "fetch_host", "booked", "预约"),
    ("visit_booked_gw", "notify_host", None, "未预约"),
    ("fetch_host", "host_gw", None),
    ("host_gw", "admit", "host_present", "在"),
    ("host_gw", "host_absent", None, "不在"),
    ("notify_host", "await_host", None),
    ("await_host", "host_accepted", None),
    ("await_host", "host_declined", None),
    ("await_host", "host_timeout", None),
    ("host_accepted", "admit", None),
    ("host_declined", "declined", None),
    ("host_timeout", "host_absent", None),
    ("declined", "polite_refusal", None),
    ("host_absent", "polite_refusal", None),
    ("polite_refusal", "not_received", None),
    ("not_received", "not_received_end", None),
    ("admit", "escort_gw", None),
    ("escort_gw", "escort", "escort_requested", "需要陪同"),
    ("escort_gw", "check_out", None),
    ("escort", "check_out", None),
    ("check_out", "visited", None),
    ("visited", "visited_end", None),
]
