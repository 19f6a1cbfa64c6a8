"""Notices written in a transition's own transaction: a signed supervision order tells the responsible
department; a step with a ``notify`` property (emergencies) tells the policy's roles at once, at any hour."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from engine.clock import FixedClock
from engine.org import load_org
from engine.policy import load_policy_set
from engine.runtime import Runtime
from engine.store import Store
from engine.store.worker_repo import WorkerRepo
from engine.worker.events import install
from tests.conftest import ROOT, shanghai
from tests.engine.worker.conftest import REQUIRED_BY, shipped_processes
from tests.scenarios.conftest import DEMO_ORG, Desk


def _order_notices(desk: Desk) -> list[tuple[str, str]]:
    with desk.runtime.store.read() as tx:
        return sorted((m.recipient, m.channel) for m in WorkerRepo(tx).messages() if m.kind == "order_signed")


def test_signing_the_order_texts_and_mails_the_responsible_department_head(sqlite_desk: Desk) -> None:
    desk = sqlite_desk
    install(desk.runtime)
    n = desk.open().number
    desk.complete(n, "raise_order", order_summary="请物业部处理", required_completion=REQUIRED_BY)
    assert _order_notices(desk) == []
    desk.complete(n, "sign_order", order_decision="sign")
    assert _order_notices(desk) == [("yang.fan", "email"), ("yang.fan", "sms")]
    with desk.runtime.store.read() as tx:
        [note] = WorkerRepo(tx).notifications("yang.fan")
    assert note.title == f"【督办令】投诉{n}已签发" and note.case_number == n


def test_the_signed_orders_notice_and_sms_print_the_due_time_as_other_messages_do(sqlite_desk: Desk) -> None:
    """The due time in local time to the minute ("时限2026-11-23 11:00。"), as the overdue and cooperation
    messages print theirs, not ISO text ("时限2026-11-23T11:00:00+08:00")."""
    desk = sqlite_desk
    install(desk.runtime)
    n = desk.open().number
    desk.complete(n, "raise_order", order_summary="请物业部处理", required_completion=REQUIRED_BY)
    signed = desk.complete(n, "sign_order", order_decision="sign")
    with desk.runtime.store.read() as tx:
        [note] = WorkerRepo(tx).notifications("yang.fan")
        sent = {m.channel: m for m in WorkerRepo(tx).messages() if m.kind == "order_signed"}
    [task] = [t for t in signed.tasks if t.task_name == "visit_customer"]  # the department head's step
    assert task.due_at is not None
    due = f"{task.due_at.astimezone(shanghai('2026-01-01 00:00').tzinfo):%Y-%m-%d %H:%M}"
    for body in (note.body, sent["sms"].body, sent["email"].body):
        assert f"时限{due}。" in body, body
        assert "+08:00" not in body and not re.search(r"\d{2}T\d{2}", body), body


def test_a_repairs_dispatch_order_is_no_supervision_order(sqlite_desk: Desk) -> None:
    """A repair becomes ``dispatched`` too when its order is issued; the engineer finds it in the inbox and
    gets no 【督办令】投诉… message (found by simulating a repair, issue 17)."""
    desk = sqlite_desk
    install(desk.runtime)
    data = {"customer_name": "李女士", "customer_phone": "13612345678", "room": "5栋2单元801",
            "location": "in_home", "description": "卫生间水龙头漏水", "channel": "phone"}
    n = desk.runtime.open_case("repair", data, "zhang.wei").number
    desk.complete(n, "issue_order", order_items="更换主卫水龙头")
    assert desk.case(n).status == "dispatched"
    assert _order_notices(desk) == []


def test_a_failed_transition_leaves_no_notification_behind(sqlite_desk: Desk) -> None:
    desk = sqlite_desk
    install(desk.runtime)
    n = desk.open().number
    desk.complete(n, "raise_order", order_summary="请物业部处理", required_completion=REQUIRED_BY)

    def fail(point: str) -> None:
        raise RuntimeError("database went away")

    desk.runtime.before_commit = fail
    with pytest.raises(RuntimeError):
        desk.complete(n, "sign_order", order_decision="sign")
    desk.runtime.before_commit = None
    assert _order_notices(desk) == []


# --- a step that notifies: emergencies (R2.3, R3.4; 000 投诉的受理3 第一时间通知) ---------------------------

SATURDAY_NIGHT = "2026-11-28 02:10"  # a rest day, outside working time


def _step_notices(desk: Desk) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """(recipient, channel, subject) of the step_notice messages and (recipient, title) of the in-app ones."""
    with desk.runtime.store.read() as tx:
        repo = WorkerRepo(tx)
        messages = sorted((m.recipient, m.channel, m.subject) for m in repo.messages()
                          if m.kind == "step_notice")
        logins = {m[0] for m in messages} | {"huang.zhiqiang", "lin.lihua", "chen.guodong", "li.na"}
        notes = sorted((login, n.title) for login in logins for n in repo.notifications(login)
                       if n.kind == "step_notice")
    return messages, notes


def test_an_emergency_complaint_tells_the_leaders_at_once_even_on_a_saturday_night(sqlite_desk: Desk) -> None:
    desk = sqlite_desk
    install(desk.runtime)
    desk.at(SATURDAY_NIGHT)
    n = desk.open(urgency="emergency", description="地下车库水浸").number
    messages, notes = _step_notices(desk)
    subject = f"【紧急通报】{n} 启动应急预案"  # the Chinese half of the step title
    # complaint.escalation.emergency_notify = [leader_in_charge, cs_centre_gm], found for the case's company
    assert messages == [(login, channel, subject) for login in ("huang.zhiqiang", "lin.lihua")
                        for channel in ("email", "sms")]
    assert notes == [("huang.zhiqiang", subject), ("lin.lihua", subject)]
    with desk.runtime.store.read() as tx:
        sent = [m for m in WorkerRepo(tx).messages() if m.kind == "step_notice"]
    assert {m.next_attempt_at for m in sent} == {shanghai(SATURDAY_NIGHT)}  # not held until Monday 08:30
    assert "3栋1单元1202·房屋设备管理）为紧急事件" in sent[0].body
    events = [e for e in desk.case(n).timeline if e.action == "task.opened"
              and e.data.get("task") == "start_emergency_plan"]
    assert events[0].data["notify"] == ["leader_in_charge", "cs_centre_gm"]  # the audit names whom


def test_a_normal_complaint_tells_nobody_at_intake(sqlite_desk: Desk) -> None:
    desk = sqlite_desk
    install(desk.runtime)
    desk.open()
    assert _step_notices(desk) == ([], [])


def test_the_emergency_notify_roles_are_the_policys(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    overlay = policies / "subsidiaries" / "sz-property.yaml"
    overlay.write_text(
        "extends: group\ncomplaint:\n  escalation:\n    emergency_notify: [chairman, cs_supervisor]\n"
        "  urgency:\n    - {code: urgent, name: 特急, en: Urgent, emergency_plan: true}\n", encoding="utf-8")
    store = Store(f"sqlite:///{tmp_path / 'kefu.db'}")
    store.migrate()
    clock = FixedClock(shanghai(SATURDAY_NIGHT))
    runtime = Runtime(store, load_policy_set(policies), shipped_processes(), clock, policies / "calendars")
    runtime.register_processes()
    org = load_org(DEMO_ORG)
    runtime.import_org(org)
    desk = Desk(runtime, clock, org)
    install(runtime)
    n = desk.open(urgency="urgent").number  # an urgency the subsidiary added, with emergency_plan: true
    assert "start_emergency_plan" in desk.open_tasks(n)
    _messages, notes = _step_notices(desk)
    assert [login for login, _title in notes] == ["chen.guodong", "li.na"]
    store.dispose()


def test_a_repair_emergency_tells_the_leaders_of_the_repair_policy(sqlite_desk: Desk) -> None:
    desk = sqlite_desk
    install(desk.runtime)
    desk.at(SATURDAY_NIGHT)
    data = {"customer_name": "李女士", "customer_phone": "13612345678", "room": "5栋2单元801",
            "location": "public_area", "description": "地下车库水浸", "channel": "phone",
            "emergency": "flooding"}
    n = desk.runtime.open_case("repair", data, "zhang.wei").number
    _messages, notes = _step_notices(desk)
    assert notes == [(login, f"【紧急通报】{n} 紧急处置记录")
                     for login in ("huang.zhiqiang", "lin.lihua")]  # repair.leaders_to_notify
