"""The return visit 回访 (REQUIREMENTS R6.1–R6.2) as a table; built into processes/return_visit.bpmn.

A call activity: complaint, repair and consultation call it with their data (every field is copied in
and back out). Inputs it reads: ``first_receiver`` (set by the runtime), ``difficult_issue`` (the
caller decides). Outputs: ``return_visit_outcome`` (``visited`` or ``unreachable``), ``satisfaction``,
``customer_agrees``, ``return_visit_record``, ``return_visit_unreachable_reason``, ``rv_attempt_notes``.
"""

PROCESS_ID = "return_visit"
PROCESS_NAME = "回访 Return visit"
DOC = ("R6.1-R6.2 return visit, called by complaint, repair and consultation. The first receiver visits "
       "(R0.5); difficult issues go to a supervisor within return_visit.difficult_issue; after "
       "return_visit.attempts failed contacts the visit closes as unreachable; phone visits are signed "
       "by return_visit.phone_record_signers staff.")

LANES = [
    ("first_receiver", "首问责任人 first receiver (R0.5, R6.1)"),
    ("difficult_issue_visitor", "疑难问题回访 difficult issues, a supervisor or above (R6.2)"),
    ("cs_supervisor", "客服主管 CS supervisor: countersigns phone records (R6.3)"),
    ("cs_manager", "客服经理 CS manager"),
]

NODES = [
    ("rv_start", "start", "开始回访 return visit starts", "first_receiver", {}),
    ("rv_prepare", "script", "准备回访 prepare", "first_receiver", {"script": """
rv_started_at = now()
rv_attempts = 0
rv_attempt_notes = []
rv_signatures = 0
return_visit_outcome = "pending"
difficult_issue = True if difficult_issue else False
"""}),
    ("rv_who_gw", "xor", "疑难问题? difficult issue?", "first_receiver", {"default": "contact_customer"}),
    ("contact_customer", "user", "联系客户回访 contact the customer", "first_receiver", {}),
    ("supervisor_contact_customer", "user", "主管联系客户回访 supervisor contacts the customer",
     "difficult_issue_visitor", {"due": 'deadline("return_visit.difficult_issue", rv_started_at)'}),
    ("rv_attempt_made", "script", "记录联系尝试 record the attempt", "first_receiver", {"script": """
rv_attempts = rv_attempts + 1
rv_attempt_notes = rv_attempt_notes + [{"at": now(), "reached": reached, "note": attempt_note}]
"""}),
    ("rv_reached_gw", "xor", "联系上? reached?", "first_receiver", {"default": "rv_who_gw"}),
    ("rv_record_gw", "xor", "谁回访 who visits", "first_receiver", {"default": "record_return_visit"}),
    ("record_return_visit", "user", "回访记录与满意度 record the visit, satisfaction", "first_receiver", {}),
    ("supervisor_record_return_visit", "user", "主管回访记录与满意度 supervisor records the visit",
     "difficult_issue_visitor", {"due": 'deadline("return_visit.difficult_issue", rv_started_at)'}),
    ("rv_recorded", "script", "回访人签字 the visitor signs", "first_receiver", {"script": """
rv_signatures = 1
return_visit_outcome = "visited"
"""}),
    ("rv_sign_gw", "xor", "电话回访需会签? phone record needs signatures?", "first_receiver",
     {"default": "rv_done"}),
    ("countersign_phone_record", "user", "主管会签电话回访记录 supervisor countersigns the phone record",
     "cs_supervisor", {}),
    ("manager_countersign_phone_record", "user", "经理会签电话回访记录 manager countersigns the phone record",
     "cs_manager", {}),
    ("rv_countersigned", "script", "会签 signed", "first_receiver", {"script": """
rv_signatures = rv_signatures + 1 if countersign_confirmed else rv_signatures
"""}),
    ("rv_done", "end", "已回访 visited", "first_receiver", {}),
    ("rv_close_unreachable", "script", "无法联系,结束 close as unreachable", "first_receiver", {"script": """
return_visit_outcome = "unreachable"
return_visit_unreachable_reason = attempt_note
customer_agrees = True
"""}),
    ("rv_unreachable", "end", "无法联系 unreachable", "first_receiver", {}),
]

_NEEDS_SIGNATURE = 'visit_method == "phone" and rv_signatures < policy("return_visit.phone_record_signers")'

FLOWS = [
    ("rv_start", "rv_prepare", None),
    ("rv_prepare", "rv_who_gw", None),
    ("rv_who_gw", "supervisor_contact_customer", "difficult_issue", "疑难问题,主管以上回访"),
    ("rv_who_gw", "contact_customer", None),
    ("contact_customer", "rv_attempt_made", None),
    ("supervisor_contact_customer", "rv_attempt_made", None),
    ("rv_attempt_made", "rv_reached_gw", None),
    ("rv_reached_gw", "rv_record_gw", "reached", "已联系上"),
    ("rv_reached_gw", "rv_close_unreachable",
     'not reached and rv_attempts >= policy("return_visit.attempts")', "尝试次数已满"),
    ("rv_reached_gw", "rv_who_gw", None, "再次联系"),
    ("rv_record_gw", "supervisor_record_return_visit", "difficult_issue", "主管"),
    ("rv_record_gw", "record_return_visit", None),
    ("record_return_visit", "rv_recorded", None),
    ("supervisor_record_return_visit", "rv_recorded", None),
    ("rv_recorded", "rv_sign_gw", None),
    ("rv_sign_gw", "manager_countersign_phone_record", f"{_NEEDS_SIGNATURE} and difficult_issue", "经理会签"),
    ("rv_sign_gw", "countersign_phone_record", f"{_NEEDS_SIGNATURE} and not difficult_issue", "主管会签"),
    ("rv_sign_gw", "rv_done", None),
    ("countersign_phone_record", "rv_countersigned", None),
    ("manager_countersign_phone_record", "rv_countersigned", None),
    ("rv_countersigned", "rv_sign_gw", None),
    ("rv_close_unreachable", "rv_unreachable", None),
]
