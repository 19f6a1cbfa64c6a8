"""The repair process 报修 (REQUIREMENTS R3) as a table; built into processes/repair.bpmn.

Three paths from intake: a municipal fault (water, power, gas, roads, telecom: policy
``repair.municipal_faults``) is explained to the owner and chased with the utility; an emergency
(``repair.emergencies``) is dispatched at once and the leaders of ``repair.leaders_to_notify`` are
told the moment its ``notify_leaders`` step opens, at any hour (engine/worker/events.py); every other repair gets a dispatch order 派工单 within ``repair.deadlines.dispatch``. Engineers
accept, work and photograph the stages of ``repair.photo_stages``; paid special services are priced
from ``repair.fees``; the CS desk checks the result, replies to the owner and the first receiver
runs the return visit (call activity ``return_visit``).
"""

PROCESS_ID = "repair"
PROCESS_NAME = "报修 Repair"
DOC = ("R3 repair. Each lane is a policy lanes: key (its role and scope). Deadlines, emergencies, municipal faults, photo stages "
       "and fees are policy keys read through deadline() and policy().")

LANES = [
    ("cs_desk", "客服专员 CS desk (project)"),
    ("cs_supervisor", "客服主管 CS supervisor"),
    ("engineering", "工程人员 engineers (project)"),
    ("first_receiver", "首问责任人 first receiver (R0.5)"),
]

NODES = [
    ("received", "start", "报修受理 repair received", "cs_desk", {}),
    ("classify", "script", "分类 classify: emergency, municipal, fee", "cs_desk", {"script": """
received_at = call_ended_at if call_ended_at else now()
dispatch_due = deadline("repair.deadlines.dispatch", received_at)
is_emergency = emergency in [e["code"] for e in policy("repair.emergencies")]
is_municipal = municipal_fault in [m["code"] for m in policy("repair.municipal_faults")]
fee_prices = [f["price"] for f in policy("repair.fees") if f["code"] == paid_service]
fee_unit_price = fee_prices[0] if fee_prices else 0
required_photo_stages = [s["code"] for s in policy("repair.photo_stages")]
urgency = "emergency" if is_emergency else "normal"
status = "received"
"""}),
    ("municipal_gw", "xor", "市政设施故障? municipal fault?", "cs_desk", {"default": "emergency_gw"}),
    # Municipal faults (R3.4): explain to the owner and chase the utility
    ("explain_municipal_fault", "user", "向业主解释并联系市政部门 explain and contact the utility", "cs_desk",
     {"due": "dispatch_due"}),
    ("chase_utility", "user", "跟进市政部门处理 chase the utility", "cs_desk", {}),
    ("utility_gw", "xor", "已恢复? restored?", "cs_desk", {"default": "chase_utility"}),
    # Emergencies (R3.4): dispatch at once and tell the leaders
    ("emergency_gw", "xor", "紧急? emergency?", "cs_desk", {"default": "issue_order"}),
    ("emergency_fork", "and", "紧急并行 emergency fork", "cs_supervisor", {}),
    ("mark_emergency", "script", "立即派工 dispatch at once", "cs_supervisor", {"script": """
dispatch_due = received_at
status = "emergency"
"""}),
    ("notify_leaders", "user", "紧急处置记录 record the emergency actions", "cs_supervisor",
     {"due": "received_at", "notify": 'policy("repair.leaders_to_notify")'}),
    ("leaders_notified_end", "end", "已通报 leaders notified", "cs_supervisor", {}),
    # Dispatch order 派工单 (R3.1, R3.2)
    ("issue_order", "user", "开具派工单 issue the dispatch order", "cs_desk", {"due": "dispatch_due"}),
    ("issue_dispatch_order", "service", "编号并记录派工单 number and record the order", "cs_desk",
     {"action": "repair.issue_dispatch_order", "result": "dispatch_order",
      "params": [("items", "str", "order_items"), ("note", "str", "order_note")]}),
    ("order_issued", "script", "派工单已送达工程 order reaches engineering", "cs_desk", {"script": """
order_issued_at = now()
status = "dispatched"
"""}),
    ("accept_order", "user", "工程人员接单 engineer accepts", "engineering", {"due": "dispatch_due"}),
    ("carry_out_repair", "user", "维修并拍照(前/中/后) repair with photos", "engineering", {}),
    ("require_photos", "service", "核对已上传照片 check the uploaded photos", "engineering",
     {"action": "repair.require_photos", "params": [("stages", "list", "photo_stages")]}),
    ("repair_checked", "script", "核对照片与收费 check photos and fee", "engineering", {"script": """
missing_photo_stages = [s for s in required_photo_stages if s not in photo_stages]
fee_amount = fee_unit_price * service_quantity if paid_service else 0
status = "repaired" if repair_result == "finished" else "in_progress"
"""}),
    ("repair_gw", "xor", "维修结果 repair result", "engineering", {"default": "carry_out_repair"}),
    ("fee_gw", "xor", "有偿服务? paid service?", "cs_desk", {"default": "reply_owner"}),
    ("collect_fee", "user", "按收费标准收费 charge the fee", "cs_desk", {}),
    ("reply_owner", "user", "跟踪结果并答复业主 track the result, reply to the owner", "cs_desk", {}),
    ("owner_gw", "xor", "业主确认? owner confirms?", "cs_desk", {"default": "carry_out_repair"}),
    # Return visit (R6.1) and closure
    ("prepare_return_visit", "script", "回访准备 prepare the return visit", "first_receiver", {"script": """
difficult_issue = True if difficult_issue or is_emergency else False
status = "return_visit"
"""}),
    ("return_visit", "call", "回访 return visit (R6)", "first_receiver", {"called": "return_visit"}),
    ("visit_gw", "xor", "客户认可? customer agrees?", "first_receiver", {"default": "close_repair"}),
    ("close_repair", "script", "结案 close", "cs_desk", {"script": """
status = "closed"
outcome = "unreachable" if return_visit_outcome == "unreachable" else "resolved"
"""}),
    ("closed", "end", "已结案 closed", "cs_desk", {}),
]

FLOWS = [
    ("received", "classify", None),
    ("classify", "municipal_gw", None),
    ("municipal_gw", "explain_municipal_fault", "is_municipal", "市政故障"),
    ("municipal_gw", "emergency_gw", None),
    ("explain_municipal_fault", "chase_utility", None),
    ("chase_utility", "utility_gw", None),
    ("utility_gw", "reply_owner", 'utility_status == "restored"', "已恢复"),
    ("utility_gw", "chase_utility", None, "继续跟进"),
    ("emergency_gw", "emergency_fork", "is_emergency", "紧急"),
    ("emergency_gw", "issue_order", None),
    ("emergency_fork", "mark_emergency", None),
    ("emergency_fork", "notify_leaders", None),
    ("notify_leaders", "leaders_notified_end", None),
    ("mark_emergency", "issue_order", None),
    ("issue_order", "issue_dispatch_order", None),
    ("issue_dispatch_order", "order_issued", None),
    ("order_issued", "accept_order", None),
    ("accept_order", "carry_out_repair", None),
    ("carry_out_repair", "require_photos", None),
    ("require_photos", "repair_checked", None),
    ("repair_checked", "repair_gw", None),
    ("repair_gw", "fee_gw", 'repair_result == "finished" and not missing_photo_stages', "完成"),
    ("repair_gw", "carry_out_repair", None, "继续/补拍照片"),
    ("fee_gw", "collect_fee", "paid_service", "有偿"),
    ("fee_gw", "reply_owner", None),
    ("collect_fee", "reply_owner", None),
    ("reply_owner", "owner_gw", None),
    ("owner_gw", "prepare_return_visit", "owner_confirmed", "业主确认"),
    ("owner_gw", "chase_utility", "is_municipal and not owner_confirmed", "市政未解决,继续跟进"),
    ("owner_gw", "carry_out_repair", None, "返工"),
    ("prepare_return_visit", "return_visit", None),
    ("return_visit", "visit_gw", None),
    ("visit_gw", "carry_out_repair",
     'return_visit_outcome == "visited" and not customer_agrees and not is_municipal', "不认可,返工"),
    ("visit_gw", "close_repair", None),
    ("close_repair", "closed", None),
]
