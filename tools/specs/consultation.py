"""The consultation process 咨询 (REQUIREMENTS R1) as a table; built into processes/consultation.bpmn.

A question the FAQ book 《答客户100问》 answers is answered at once in the book's wording and recorded
(the desk picks the entry: ``faq_entry_id`` and ``faq_answer`` at intake, see engine/faq); otherwise
the expert adviser answers, the customer manager confirms the wording and the reply goes out within
``consultation.reply``. Every consultation gets its return visit (R6.1, call activity).
"""

PROCESS_ID = "consultation"
PROCESS_NAME = "咨询 Consultation"
DOC = ("R1 consultation. Answered from the FAQ book at once, else expert adviser, customer manager's "
       "wording and a reply within consultation.reply; then the return visit.")

LANES = [
    ("cs_desk", "客服专员 CS desk (project)"),
    ("expert", "专业顾问 expert adviser"),
    ("wording_confirmer", "说辞确认 the customer manager confirms the wording (R1.2)"),
    ("first_receiver", "首问责任人 first receiver (R0.5)"),
]

NODES = [
    ("received", "start", "咨询受理 question received", "cs_desk", {}),
    ("classify", "script", "查《答客问》 look up the FAQ book", "cs_desk", {"script": """
received_at = call_ended_at if call_ended_at else now()
reply_due = deadline("consultation.reply", received_at)
answered_from_faq = True if faq_entry_id and faq_answer else False
status = "received"
"""}),
    ("faq_gw", "xor", "《答客问》已有答案? in the FAQ book?", "cs_desk", {"default": "ask_expert"}),
    ("answer_from_faq", "script", "按统一说法立即答复 answer at once in the agreed wording", "cs_desk",
     {"script": """
reply_text = faq_answer
replied_at = now()
reply_source = "faq"
status = "answered"
"""}),
    ("ask_expert", "user", "专业顾问解答 the expert adviser answers", "expert", {"due": "reply_due"}),
    ("confirm_wording", "user", "客户经理确认说辞 the customer manager confirms the wording", "wording_confirmer",
     {"due": "reply_due"}),
    ("wording_gw", "xor", "说辞确认? wording confirmed?", "wording_confirmer", {"default": "ask_expert"}),
    ("reply_customer", "user", "答复客户 reply to the customer", "cs_desk", {"due": "reply_due"}),
    ("replied", "script", "已答复 replied", "cs_desk", {"script": """
reply_text = confirmed_wording
replied_at = now()
reply_source = "expert"
status = "answered"
"""}),
    ("prepare_return_visit", "script", "回访准备 prepare the return visit", "first_receiver", {"script": """
difficult_issue = True if difficult_issue else False
"""}),
    ("return_visit", "call", "回访 return visit (R6)", "first_receiver", {"called": "return_visit"}),
    ("close", "script", "结案 close", "cs_desk", {"script": """
status = "closed"
outcome = "unreachable" if return_visit_outcome == "unreachable" else "answered"
"""}),
    ("closed", "end", "已结案 closed", "cs_desk", {}),
]

FLOWS = [
    ("received", "classify", None),
    ("classify", "faq_gw", None),
    ("faq_gw", "answer_from_faq", "answered_from_faq", "《答客问》已有"),
    ("faq_gw", "ask_expert", None),
    ("answer_from_faq", "prepare_return_visit", None),
    ("ask_expert", "confirm_wording", None),
    ("confirm_wording", "wording_gw", None),
    ("wording_gw", "reply_customer", "wording_confirmed", "确认"),
    ("wording_gw", "ask_expert", None, "退回顾问"),
    ("reply_customer", "replied", None),
    ("replied", "prepare_return_visit", None),
    ("prepare_return_visit", "return_visit", None),
    ("return_visit", "close", None),
    ("close", "closed", None),
]
