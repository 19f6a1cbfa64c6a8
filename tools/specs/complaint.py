"""The complaint process 投诉处理 (REQUIREMENTS R2) as a table; built into processes/complaint.bpmn."""

PROCESS_ID = "complaint"
PROCESS_NAME = "投诉处理 Complaint"
DOC = ("R2 complaint handling. Each lane is a policy lanes: key (its role and scope). Every deadline is a policy key read "
       "through deadline(); statuses and outcomes are codes the runtime copies to the case row.")

LANES = [
    ("cs_desk", "客服专员 CS desk (project)"),
    ("first_receiver", "首问责任人 first receiver (R0.5)"),
    ("cs_supervisor", "客服主管 CS supervisor"),
    ("cs_centre_gm", "售后服务中心总经理 CS-centre GM: signs the order (R2.5)"),
    ("chairman", "董事长 chairman: major complaints (R2.3)"),
    ("major_claim_approver", "重大索赔审批 approves a major claim (R2.14)"),
    ("claim_reporter", "索赔报告 files the claim report (R2.14)"),
    ("responsible_department", "第一责任部门 first responsible department"),
    ("expert", "专业顾问 expert adviser"),
    ("adviser_assigner", "指定临时顾问 assigns a temporary adviser (R2.17)"),
    ("closure_reviewer", "结案审核 reviews the closure (R2.12)"),
    ("closure_approver", "结案审批 approves the closure (R2.12, R2.16)"),
]

MESSAGES = [("msg_repeat_complaint", "repeat_complaint")]

D = "complaint.deadlines."

NODES = [
    ("received", "start", "投诉受理 complaint received", "cs_desk", {}),
    ("classify", "script", "分类与定责 classify, find the responsible department", "cs_desk", {"script": """
received_at = call_ended_at if call_ended_at else now()
responsible_department = responsible_department_for(category)
cooperating_departments = cooperating_departments_for(category)
dispatch_due = deadline("complaint.deadlines.dispatch", received_at)
is_emergency = urgency in [u["code"] for u in policy("complaint.urgency") if u["emergency_plan"]]
status = "received"
"""}),
    ("on_spot_gw", "xor", "当场解决? solved on the spot?", "cs_desk", {"default": "fork"}),
    ("close_on_spot", "script", "当场解决结案 close, solved on the spot", "cs_desk", {"script": """
status = "closed"
outcome = "resolved"
closed_how = "on_spot"
"""}),
    ("closed_on_spot", "end", "已当场解决 closed on the spot", "cs_desk", {}),
    ("fork", "and", "并行 fork", "cs_desk", {}),
    # Emergency branch (R2.3)
    ("emergency_gw", "xor", "紧急? emergency?", "cs_supervisor", {"default": "no_emergency"}),
    ("start_emergency_plan", "user", "启动应急预案 start the emergency plan", "cs_supervisor",
     {"due": "received_at", "notify": 'policy("complaint.escalation.emergency_notify")'}),
    ("emergency_done", "end", "应急处置已记录 emergency handled", "cs_supervisor", {}),
    ("no_emergency", "end", "非紧急 no emergency", "cs_supervisor", {}),
    # Major / group / common-issue complaints move up to the chairman (R2.3)
    ("major_gw", "xor", "重大/群体/共性? major?", "chairman", {"default": "not_major"}),
    ("chairman_takes_charge", "user", "董事长督办 chairman takes charge", "chairman",
     {"due": 'deadline("complaint.deadlines.order_sign", received_at, received_at)'}),
    ("meeting_held", "script", "专题会议已召开 the special meeting is held", "chairman", {"script": """
meeting_ended_at = meeting_ended_at if meeting_ended_at else now()
"""}),
    ("file_meeting_minutes", "user", "报备专题会议纪要 file the meeting minutes", "chairman",
     {"due": 'deadline("complaint.deadlines.meeting_minutes", meeting_ended_at)'}),
    ("chairman_done", "end", "董事长已督办 chairman in charge", "chairman", {}),
    ("not_major", "end", "一般投诉 ordinary complaint", "chairman", {}),
    # Claims (R2.14)
    ("claim_gw", "xor", "索赔? claim?", "responsible_department", {"default": "no_claim"}),
    ("file_claim_report", "user", "提交索赔书面报告 file the claim report", "claim_reporter",
     {"due": 'deadline("complaint.deadlines.claim_report", received_at)'}),
    ("claim_filed", "script", "索赔报告已提交 claim report filed", "claim_reporter", {"script": """
claim_reported_at = now()
"""}),
    ("claim_level_gw", "xor", "权限 authority level", "responsible_department", {"default": "approve_claim_gm"}),
    ("approve_claim_chairman", "user", "董事长审批索赔 chairman approves the claim", "major_claim_approver", {}),
    ("approve_claim_gm", "user", "审批索赔 GM approves the claim", "cs_centre_gm", {}),
    ("claim_approved", "script", "记录审批 record the decision", "responsible_department", {"script": """
claim_decided_at = now()
"""}),
    ("report_claim_to_cs", "user", "报客服中心备案 report the claim to the CS centre",
     "responsible_department", {"due": 'deadline("complaint.deadlines.claim_notify_cs", claim_reported_at)'}),
    ("claim_done", "end", "索赔已处理 claim handled", "responsible_department", {}),
    ("no_claim", "end", "无索赔 no claim", "responsible_department", {}),
    # Supervision order and dispatch (R2.5)
    # The order's clocks (R2.5): which clock runs and the dispatch cap are policy (order_raise,
    # order_sign: never_after); the diagram passes the start and the case's origin, the receipt.
    ("raise_order", "user", "录入督办令 raise the supervision order", "cs_desk",
     {"due": 'deadline("complaint.deadlines.order_raise", received_at, received_at)'}),
    ("order_raised", "script", "督办令已录入 order raised", "cs_desk", {"script": """
order_raised_at = now()
status = "order_raised"
"""}),
    ("sign_order", "user", "签发督办令 sign the supervision order", "cs_centre_gm",
     {"due": 'deadline("complaint.deadlines.order_sign", order_raised_at, received_at)'}),
    ("sign_gw", "xor", "签发? signed?", "cs_centre_gm", {"default": "raise_order"}),
    ("dispatched", "script", "送达责任部门 dispatched to the department", "cs_centre_gm", {"script": """
dispatched_at = now()
status = "dispatched"
"""}),
    # Department visit and plan (R2.7)
    ("visit_customer", "user", "上门沟通并确定方案 visit the customer, agree a plan",
     "responsible_department", {"due": 'deadline("complaint.deadlines.visit", dispatched_at)'}),
    ("contact_gw", "xor", "沟通结果 contact result", "responsible_department", {"default": "visit_failed"}),
    ("visit_failed", "script", "上门未果 the visit failed", "responsible_department", {"script": """
visit_failed_at = now()
status = "customer_unreachable"
"""}),
    ("record_unreachable", "user", "录入回访材料(无法上门/客户拒绝) record the failed visit",
     "responsible_department", {"due": 'deadline("complaint.deadlines.unreachable_record", visit_failed_at)'}),
    ("unreachable_recorded", "script", "回访材料已录入 the record is in", "responsible_department",
     {"script": """
unreachable_at = now()
"""}),
    ("cs_callback", "user", "客服中心回访客户 CS centre calls the customer back", "cs_desk",
     {"due": 'deadline("complaint.deadlines.cs_callback", unreachable_at)'}),
    ("callback_gw", "xor", "回访结果 callback result", "cs_desk", {"default": "visit_customer"}),
    # Expert support (R2.17)
    ("expert_gw", "xor", "需要专业顾问? needs an expert?", "responsible_department", {"default": "plan_agreed"}),
    ("ask_expert", "script", "请专业顾问 ask the expert adviser", "expert", {"script": """
expert_asked_at = now()
"""}),
    ("expert_answer", "user", "专业顾问书面答复 expert answers in writing", "expert",
     {"due": 'deadline("complaint.deadlines.expert_answer", expert_asked_at)'}),
    ("expert_timeout", "boundary_timer", "顾问逾期 adviser unreachable", "expert",
     {"attached_to": "expert_answer", "cancel": True,
      "timer": 'deadline("complaint.deadlines.expert_answer", expert_asked_at)'}),
    ("assign_temporary_adviser", "user", "指定临时顾问 assign a temporary adviser", "adviser_assigner", {}),
    ("temporary_expert_answer", "user", "临时顾问书面答复 temporary adviser answers", "expert",
     {"assignee": "temporary_adviser",
      "due": 'deadline("complaint.deadlines.expert_answer", now())'}),
    ("plan_agreed", "script", "方案确定,取较短期限 plan agreed, shorter deadline counts",
     "responsible_department", {"script": """
effective_due = earliest(required_completion, agreed_completion)
status = "in_progress"
"""}),
    # Reply within 24 hours (R2.9)
    ("reply_customer", "user", "答复客户 reply to the customer", "responsible_department",
     {"due": 'deadline("complaint.deadlines.reply", dispatched_at)'}),
    ("written_gw", "xor", "书面答复? written reply?", "responsible_department", {"default": "delay_gw"}),
    ("review_written_reply", "user", "客服中心审核书面答复 CS reviews the written reply", "cs_supervisor", {}),
    ("review_gw", "xor", "审核结果 review result", "cs_supervisor", {"default": "reply_customer"}),
    ("delay_gw", "xor", "24小时内能完成? done within 24 hours?", "responsible_department",
     {"default": "carry_out_work"}),
    ("acknowledge_delay", "user", "客服中心知悉延期 CS centre notes the delay", "cs_supervisor", {}),
    # Work, daily progress, disagreement loop (R2.10, R2.11)
    ("carry_out_work", "user", "处理并每日录入进度 carry out the work, enter progress daily",
     "responsible_department", {"due": "effective_due"}),
    ("work_gw", "xor", "处理结果 work result", "responsible_department", {"default": "carry_out_work"}),
    # Closure chain (R2.12, R2.16)
    ("apply_closure", "user", "申请结案(客户签字完工记录) apply for closure with the signed record",
     "responsible_department", {}),
    ("closure_applied", "script", "结案申请已提交 closure applied", "responsible_department", {"script": """
closure_applied_at = now()
status = "closing"
"""}),
    ("check_closure", "user", "客服专员核查 CS specialist checks the closure", "cs_desk",
     {"due": 'deadline("complaint.deadlines.closure_check", closure_applied_at)'}),
    ("check_gw", "xor", "核查结果 check result", "cs_desk", {"default": "carry_out_work"}),
    ("closure_checked", "script", "核查通过 closure checked", "cs_desk", {"script": """
closure_checked_at = now()
"""}),
    ("visit_needed_gw", "xor", "需要回访? return visit needed?", "cs_desk",
     {"default": "prepare_return_visit"}),
    ("prepare_return_visit", "script", "回访准备 prepare the return visit", "first_receiver", {"script": """
difficult_issue = True if difficult_issue or severity != "general" else False
"""}),
    ("return_visit", "call", "回访与满意度调查 return visit and satisfaction survey (R6)", "first_receiver",
     {"called": "return_visit"}),
    ("agree_gw", "xor", "客户认可? customer agrees?", "first_receiver", {"default": "carry_out_work"}),
    ("deputy_gm_review", "user", "副总经理审核 deputy GM reviews", "closure_reviewer", {}),
    ("deputy_gw", "xor", "审核结果 review result", "closure_reviewer", {"default": "carry_out_work"}),
    ("gm_approve", "user", "总经理批准结案 GM approves the closure", "closure_approver", {}),
    ("gm_gw", "xor", "批准? approved?", "closure_approver", {"default": "carry_out_work"}),
    ("close_case", "script", "结案 close", "closure_approver", {"script": """
status = "closed"
outcome = final_outcome
closed_how = "approved"
"""}),
    ("closed", "end", "已结案 closed", "closure_approver", {}),
    ("await_repeat", "event_gw", "一周内是否重复投诉 repeat within a week?", "cs_desk", {}),
    ("silence_elapsed", "timer_catch", "一周无重复投诉 a week without a repeat", "cs_desk",
     {"timer": 'deadline("complaint.deadlines.silence_close", closure_checked_at)'}),
    ("repeat_received", "message_catch", "收到重复投诉 repeat complaint", "cs_desk",
     {"message": "msg_repeat_complaint"}),
    ("reopen", "script", "重新处理 reopen", "cs_desk", {"script": """
status = "in_progress"
reopened = True
"""}),
    ("close_silent", "script", "无回访结案 close without a return visit", "cs_desk", {"script": """
status = "closed"
outcome = "resolved"
closed_how = "no_repeat_within_a_week"
"""}),
    ("closed_silent", "end", "已结案(无重复投诉) closed, no repeat", "cs_desk", {}),
    ("approve_unresolvable", "user", "批准以无法解决结案 approve closing as unresolvable", "closure_approver", {}),
    ("unresolvable_gw", "xor", "批准? approved?", "closure_approver", {"default": "carry_out_work"}),
    ("close_unresolvable", "script", "无法解决结案 close as unresolvable", "closure_approver", {"script": """
status = "closed"
outcome = "unresolvable"
closed_how = "unresolvable"
"""}),
    ("closed_unresolvable", "end", "已结案(无法解决) closed, unresolvable", "closure_approver", {}),
]

FLOWS = [
    ("received", "classify", None),
    ("classify", "on_spot_gw", None),
    ("on_spot_gw", "close_on_spot", "solved_on_spot and customer_confirmed", "当场解决且客户确认"),
    ("on_spot_gw", "fork", None),
    ("close_on_spot", "closed_on_spot", None),
    ("fork", "emergency_gw", None),
    ("fork", "major_gw", None),
    ("fork", "claim_gw", None),
    ("fork", "raise_order", None),
    ("emergency_gw", "start_emergency_plan", "is_emergency", "紧急(启动应急预案)"),
    ("emergency_gw", "no_emergency", None),
    ("start_emergency_plan", "emergency_done", None),
    ("major_gw", "chairman_takes_charge", 'severity != "general"', "重大/群体/共性"),
    ("major_gw", "not_major", None),
    ("chairman_takes_charge", "meeting_held", None),
    ("meeting_held", "file_meeting_minutes", None),
    ("file_meeting_minutes", "chairman_done", None),
    ("claim_gw", "file_claim_report", "claim_requested", "索赔"),
    ("claim_gw", "no_claim", None),
    ("file_claim_report", "claim_filed", None),
    ("claim_filed", "claim_level_gw", None),
    ("claim_level_gw", "approve_claim_chairman", "claim_major", "重大索赔"),
    ("claim_level_gw", "approve_claim_gm", None),
    ("approve_claim_chairman", "claim_approved", None),
    ("approve_claim_gm", "claim_approved", None),
    ("claim_approved", "report_claim_to_cs", None),
    ("report_claim_to_cs", "claim_done", None),
    ("raise_order", "order_raised", None),
    ("order_raised", "sign_order", None),
    ("sign_order", "sign_gw", None),
    ("sign_gw", "dispatched", 'order_decision == "sign"', "签发"),
    ("sign_gw", "raise_order", None, "退回"),
    ("dispatched", "visit_customer", None),
    ("visit_customer", "contact_gw", None),
    ("contact_gw", "expert_gw", 'contact_result == "agreed"', "已沟通"),
    ("contact_gw", "visit_failed", None, "无法联系/无理"),
    ("visit_failed", "record_unreachable", None),
    ("record_unreachable", "unreachable_recorded", None),
    ("unreachable_recorded", "cs_callback", None),
    ("cs_callback", "callback_gw", None),
    ("callback_gw", "approve_unresolvable", 'callback_result == "unresolvable"', "无法解决"),
    ("callback_gw", "visit_customer", None, "再次上门"),
    ("expert_gw", "ask_expert", "needs_expert", "需要顾问"),
    ("expert_gw", "plan_agreed", None),
    ("ask_expert", "expert_answer", None),
    ("expert_answer", "plan_agreed", None),
    ("expert_timeout", "assign_temporary_adviser", None),
    ("assign_temporary_adviser", "temporary_expert_answer", None),
    ("temporary_expert_answer", "plan_agreed", None),
    ("plan_agreed", "reply_customer", None),
    ("reply_customer", "written_gw", None),
    ("written_gw", "review_written_reply", 'reply_method == "written"', "书面"),
    ("written_gw", "delay_gw", None),
    ("review_written_reply", "review_gw", None),
    ("review_gw", "delay_gw", "reply_approved", "通过"),
    ("review_gw", "reply_customer", None, "退回"),
    ("delay_gw", "acknowledge_delay", "not done_within_reply_window", "不能完成"),
    ("delay_gw", "carry_out_work", None),
    ("acknowledge_delay", "carry_out_work", None),
    ("carry_out_work", "work_gw", None),
    ("work_gw", "apply_closure", 'work_result == "finished"', "完成"),
    ("work_gw", "approve_unresolvable", 'work_result == "unresolvable"', "无法解决"),
    ("work_gw", "carry_out_work", None, "进行中"),
    ("apply_closure", "closure_applied", None),
    ("closure_applied", "check_closure", None),
    ("check_closure", "check_gw", None),
    ("check_gw", "closure_checked", 'check_result == "accept"', "通过"),
    ("closure_checked", "visit_needed_gw", None),
    ("check_gw", "carry_out_work", None, "退回"),
    ("visit_needed_gw", "await_repeat", "not return_visit_needed", "无需回访"),
    ("visit_needed_gw", "prepare_return_visit", None),
    ("prepare_return_visit", "return_visit", None),
    ("await_repeat", "silence_elapsed", None),
    ("await_repeat", "repeat_received", None),
    ("silence_elapsed", "close_silent", None),
    ("close_silent", "closed_silent", None),
    ("repeat_received", "reopen", None),
    ("reopen", "carry_out_work", None),
    ("return_visit", "agree_gw", None),
    ("agree_gw", "deputy_gm_review", "customer_agrees", "认可"),
    ("agree_gw", "carry_out_work", None, "不认可,再协商"),
    ("deputy_gm_review", "deputy_gw", None),
    ("deputy_gw", "gm_approve", 'deputy_decision == "approve"', "同意"),
    ("deputy_gw", "carry_out_work", None, "退回"),
    ("gm_approve", "gm_gw", None),
    ("gm_gw", "close_case", 'gm_decision == "approve"', "批准"),
    ("gm_gw", "carry_out_work", None, "退回"),
    ("close_case", "closed", None),
    ("approve_unresolvable", "unresolvable_gw", None),
    ("unresolvable_gw", "close_unresolvable", 'unresolvable_decision == "approve"', "批准"),
    ("unresolvable_gw", "carry_out_work", None, "退回"),
    ("close_unresolvable", "closed_unresolvable", None),
]
