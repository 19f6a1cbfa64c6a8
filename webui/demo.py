"""Demo data for ``make run``: complaints driven through the real runtime to different stages.

Every step goes through ``Runtime.claim_task``/``complete_task`` as the staff member who holds the
task, so the demo cases carry real audit trails, deadlines and inbox rows.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from engine.clock import Clock, FixedClock
from engine.errors import KefuError
from engine.runtime.access import candidate_groups

__all__ = [
    "ANSWERS",
    "DEMO_CASES",
    "DEMO_LOGINS",
    "advance",
    "answer_for",
    "prepare_demo",
    "seed_demo_cases",
    "visit_photo",
    "worker_for",
]

# Happy-path answers per task; fields not named here get a plausible value from their type.
ANSWERS: dict[str, dict[str, Any]] = {
    "raise_order": {"order_summary": "请责任部门1小时内上门查看并制定维修方案"},
    "sign_order": {"order_decision": "sign", "order_comment": "同意"},
    "visit_customer": {
        "contact_result": "agreed",
        "visit_record": "已上门查看，确认漏水点在楼上卫生间",
        "plan": "更换楼上卫生间防水层并修复天花板",
        "customer_confirmed_plan": True,
        "needs_expert": False,
    },
    "reply_customer": {
        "reply_method": "phone",
        "reply_content": "已电话告知处理方案和完成时间",
        "done_within_reply_window": True,
    },
    "carry_out_work": {"progress": "防水层已更换，天花板修复完成", "work_result": "finished"},
    "apply_closure": {"completion_record": "完工记录已由客户签字", "customer_signed": True},
    "check_closure": {"check_result": "accept", "return_visit_needed": True},
    "return_visit": {
        "satisfaction": "satisfied",
        "return_visit_record": "客户表示满意",
        "customer_agrees": True,
    },
    "deputy_gm_review": {"deputy_decision": "approve"},
    "gm_approve": {"gm_decision": "approve", "final_outcome": "resolved"},
    "review_written_reply": {"reply_approved": True},
    "cs_callback": {"callback_result": "reached", "callback_record": "已联系客户，约定再次上门"},
    "approve_unresolvable": {"unresolvable_decision": "return", "unresolvable_reason": "继续处理"},
}

# (intake answers, how many steps to drive it); a spread over every stage of the process.
_PEOPLE = [
    ("刘先生", "13800138000", "3栋1单元1202", "facilities", "楼上漏水，天花板渗水", "尽快维修并赔偿损失"),
    ("王女士", "13912345678", "5栋2单元801", "environment", "楼下垃圾站异味严重", "每日清运并消杀"),
    ("陈先生", "13700001111", "地下车库B2-118", "safety", "车位被外来车辆长期占用", "加强车辆管理"),
    ("黄女士", "13655556666", "1栋3单元2301", "attitude", "前台人员态度生硬", "道歉并改进服务"),
    ("孙女士", "18988889999", "6栋1单元101", "property_service", "电梯频繁故障", "彻底检修电梯"),
    ("吴女士", "13344445555", "8栋1单元502", "real_estate", "外墙渗水", "维修外墙"),
    ("郑先生", "13166667777", "2栋2单元1003", "neighbour_dispute", "邻居装修噪音超时", "协调装修时间"),
    ("周先生", "13522223333", "会所", "billing", "物业费多收一个月", "退还多收费用"),
]
DEMO_CASES: list[tuple[dict[str, Any], int]] = [
    (
        {
            "customer_name": n,
            "customer_phone": p,
            "room": r,
            "category": c,
            "description": d,
            "customer_request": q,
            "channel": ch,
            "urgency": "normal",
            "scope": "household",
            "severity": "general",
            "read_back_confirmed": True,
        },
        steps,
    )
    for (n, p, r, c, d, q), ch, steps in zip(
        _PEOPLE,
        ["phone", "visit", "wechat", "phone", "app", "email", "phone", "letter"],
        [0, 0, 1, 2, 3, 5, 7, 99],
        strict=True,
    )
] + [
    (
        {
            "customer_name": "何先生",
            "customer_phone": "13012341234",
            "room": "4栋1单元603",
            "category": "environment",
            "description": "楼道灯不亮",
            "customer_request": "尽快修好",
            "channel": "visit",
            "urgency": "normal",
            "scope": "household",
            "severity": "general",
            "read_back_confirmed": True,
            "solved_on_spot": True,
            "on_spot_resolution": "工程人员当场更换灯泡",
            "customer_confirmed": True,
        },
        0,
    )
]
# Repairs and consultations beside the complaints: (process, intake, steps to advance, age in minutes).
# Repairs stop before the work step: its photos are uploaded by a person, stage by stage.
DEMO_OTHER: list[tuple[str, dict[str, Any], int, int]] = [
    ("repair", {"customer_name": "周女士", "customer_phone": "13900139000", "room": "5栋2单元803",
                "location": "in_home", "location_detail": "主卫", "description": "卫生间水龙头漏水",
                "channel": "phone"}, 0, 3),
    ("repair", {"customer_name": "孙先生", "customer_phone": "13700137000", "room": "2栋1单元102",
                "location": "public_area", "location_detail": "2栋大堂", "description": "单元门禁无法刷卡",
                "channel": "wechat"}, 1, 90),
    ("repair", {"customer_name": "钱女士", "customer_phone": "13600136000", "room": "1栋3单元1501",
                "location": "in_home", "description": "厨房插座跳闸", "channel": "visit"}, 2, 60 * 28),
    ("consultation", {"customer_name": "吴先生", "customer_phone": "13500135000", "room": "3栋2单元701",
                      "channel": "phone", "question": "小区什么时候开通燃气？", "line": "property"}, 0, 40),
    ("consultation", {"customer_name": "郑女士", "customer_phone": "13400134000", "channel": "visit",
                      "question": "二期交房时间能提前吗？", "line": "marketing"}, 2, 60 * 3),
]
# How long ago each demo case was received (minutes): some are fresh, some already overdue.
AGES = [5, 200, 20, 60 * 26, 60 * 5, 60 * 30, 60 * 50, 60 * 24 * 6, 45]


def answer_for(spec: str, fields: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """The canned answer of a task, completed from the field types."""
    out = dict(ANSWERS.get(spec, {}))
    for f in fields:
        if f["name"] in out or not f["required"]:
            continue
        kind = f["type"]
        if kind in ("choice", "multi_choice"):
            first = f["choices"][0]["code"] if f["choices"] else ""
            out[f["name"]] = [first] if kind == "multi_choice" else first
        elif kind == "boolean":
            out[f["name"]] = True
        elif kind == "datetime":
            out[f["name"]] = (now + timedelta(days=3)).isoformat(timespec="minutes")
        elif kind == "date":
            out[f["name"]] = (now + timedelta(days=3)).date().isoformat()
        elif kind in ("integer", "amount"):
            out[f["name"]] = "100"
        elif kind == "phone":
            out[f["name"]] = "13800138000"
        else:
            out[f["name"]] = "演示记录"
    return out


def worker_for(store: Any, task: Any) -> str | None:
    """Who works an open task: its assignee, else the first active holder of its candidate group."""
    if task.assignee:
        return str(task.assignee)
    with store.read() as tx:
        for login in sorted(tx.staff_logins()):
            staff = tx.staff(login)
            if staff is not None and staff.active and task.candidate_group in candidate_groups(staff):
                return login
    return None


def visit_photo(runtime: Any, number: str, login: str, data_dir: Path | None = None) -> None:
    """Attach a demo photo of the visit to a complaint, as the department head's upload would (R2.7:
    an agreed plan needs a photo). The picture file is written only when ``data_dir`` is given."""
    from PIL import Image

    from engine.store.web_queries import add_attachment
    from webui.uploads import store_upload

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 190, 170)).save(buffer, format="PNG")
    body = buffer.getvalue()
    if data_dir is not None:
        digest, relative = store_upload(data_dir, body, "image/png")
    else:
        digest = hashlib.sha256(body).hexdigest()
        relative = Path("attachments") / digest[:2] / f"{digest}.png"
    case = runtime.get_case(number, login)
    add_attachment(runtime.store, case_id=case.id, task_id=None, filename="上门照片",
                   content_type="image/png", size=len(body), sha256=digest, storage_path=str(relative),
                   uploaded_by=login, at=runtime.clock.now())


def advance(runtime: Any, number: str, steps: int, viewer: str, data_dir: Path | None = None) -> int:
    """Complete up to ``steps`` tasks of a case, each as the person who holds it; returns how many.

    Before an agreed visit the department head uploads a photo (``visit_photo``)."""
    done = 0
    policy_of = runtime.policies.effective
    while done < steps:
        case = runtime.get_case(number, viewer)
        if case.closed_at is not None or not case.tasks:
            break
        workable = [(t, w) for t in case.tasks if (w := worker_for(runtime.store, t)) is not None]
        if not workable:
            break
        task, login = workable[0]
        if task.assignee is None:
            runtime.claim_task(task.task_id, login)
        form = runtime.definition(case.process_id, case.process_version).forms[task.task_name]
        try:
            policy = policy_of(case.subsidiary)
        except KefuError:
            policy = policy_of(None)
        answer = answer_for(task.task_name, form.describe(policy), runtime.clock.now())
        if task.task_name == "visit_customer" and answer.get("contact_result") == "agreed":
            visit_photo(runtime, number, login, data_dir)
        runtime.complete_task(task.task_id, login, answer)  # a repair's diagram issues its dispatch order
        done += 1
    return done


def seed_demo_cases(
    runtime_at: Callable[[Clock], Any], now: datetime, receivers: Mapping[str, str] | None = None,
    data_dir: Path | None = None,
) -> list[str]:
    """Open the demo complaints (received ``AGES`` minutes before ``now``), repairs and consultations
    (``DEMO_OTHER``) and drive each to its stage.

    ``runtime_at(clock)`` builds a Runtime on that clock, so old cases get old timestamps and deadlines.
    """
    receivers = receivers or {"sz": "wang.fang", "hn": "fan.ming"}
    numbers = []
    for i, (intake, steps) in enumerate(DEMO_CASES):
        runtime = runtime_at(FixedClock(now - timedelta(minutes=AGES[i % len(AGES)])))
        receiver = receivers["hn"] if i % 4 == 3 else receivers["sz"]
        view = runtime.open_case("complaint", intake, receiver)
        advance(runtime, view.number, steps, "zheng.xiaoyan", data_dir)
        numbers.append(view.number)
    for process_id, intake, steps, age in DEMO_OTHER:
        runtime = runtime_at(FixedClock(now - timedelta(minutes=age)))
        view = runtime.open_case(process_id, intake, receivers["sz"])
        advance(runtime, view.number, steps, "zheng.xiaoyan", data_dir)
        numbers.append(view.number)
    return numbers


# Demo logins printed by ``kefu serve``: one per kind of work.
DEMO_LOGINS = (
    ("wang.fang", "客服专员 CS specialist, 丽雅苑 (intake, orders, return visits)"),
    ("li.na", "客服主管 CS supervisor, 丽雅苑 (sees all open tasks of 深圳物业)"),
    ("lin.lihua", "售后服务中心总经理 CS-centre GM, 深圳物业 (signs orders, approves closure)"),
    ("wu.jianping", "售后服务中心副总经理 CS-centre deputy GM, 深圳物业 (reviews closures)"),
    ("chen.guodong", "董事长 chairman, 深圳物业 (major complaints, major claims)"),
    ("guo.zhenhua", "总经理 general manager, 深圳物业 (assigns a temporary adviser)"),
    ("yang.fan", "物业管理部负责人 department head (visits, replies, the work)"),
    ("fan.ming", "客服专员 CS specialist, 华南区域 滨海湾 (another subsidiary)"),
    ("zheng.xiaoyan", "集团客服经理 group CS manager (sees everything)"),
    ("he.jing", "客户经理 CS manager, 深圳物业 (confirms consultation wording, FAQ, archive disposal)"),
    ("gao.jianhua", "专业顾问 expert adviser (answers consultations and complaint questions)"),
    ("deng.haitao", "工程人员 engineer, 丽雅苑 (accepts repair orders, photos before/during/after)"),
    ("peng.jun", "保安 guard, 丽雅苑 (visitor desk)"),
    ("hu.xuemei", "档案管理员 archive clerk, 深圳物业 (owner archives)"),
    ("gu.yan", "组织管理员 org administrator, 集团 (the whole organisation, holiday calendars)"),
    ("xu.lan", "组织管理员 org administrator, 深圳物业 (its units, staff, roles, deputies)"),
    ("qian.lu", "流程负责人 process owner, 集团 (deploys diagram versions, migrates open cases)"),
)


def prepare_demo(services: Any, now: datetime) -> tuple[str | None, list[str]]:
    """Give staff without a password the demo password and seed demo cases into an empty database.

    Returns (the demo password or None when every login already had one, the seeded case numbers).
    """
    path = services.data_dir / "demo_password"
    with services.store.read() as tx:
        logins = tx.staff_logins()
        has_cases = tx.count_rows("cases") > 0
    if not logins:
        return None, []
    if path.exists():
        password = path.read_text(encoding="utf-8").strip()
    else:
        password = "kefu-" + secrets.token_hex(3)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(password, encoding="utf-8")
        path.chmod(0o600)
    for login in logins:
        if not services.has_password(login):
            services.set_password(login, password)
    numbers = [] if has_cases else seed_demo_cases(services.runtime_at, now, data_dir=services.data_dir)
    return password, numbers
