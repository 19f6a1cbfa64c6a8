"""Simulation (issue 17): the presets' timelines on the real engine, asserted exactly, and an overlay
beside the current rules. Shipped policies, diagrams and the demo org; the 2026 calendar
(National Day 10-01..10-07, make-up Saturday 10-10); 丽雅苑 (sz-property-lyc), working hours
08:30-12:00 and 13:30-17:30."""

from __future__ import annotations

import pytest

from engine.errors import KefuError, NotFoundError
from engine.org import OrgData, load_org
from engine.policy import PolicySet, load_policy_set
from engine.processes import ProcessRegistry
from engine.simulation import Overlay, Simulation, compare, load_presets, script_processes, simulate
from tests.conftest import ROOT, shanghai

LYC = "sz-property-lyc"
PRESETS = {p.code: p for p in load_presets()}
Parts = tuple[PolicySet, ProcessRegistry, OrgData]


@pytest.fixture(scope="module")
def parts() -> Parts:
    return (load_policy_set(ROOT / "policies"), ProcessRegistry.load(ROOT / "processes"),
            load_org(ROOT / "engine" / "demo" / "org.yaml"))


def run(parts: Parts, preset: str, path: str,
        overlay: Overlay | None = None) -> Simulation:
    p = PRESETS[preset]
    policies, registry, org = parts
    return simulate(p.process, p.at, LYC, path, policies=policies, registry=registry, org=org,
                    overlay=overlay)


def steps(sim: Simulation) -> list[tuple[str, str | None, str | None, bool]]:
    return [(s.task, s.due_at and f"{s.due_at:%m-%d %H:%M}", s.done_at and f"{s.done_at:%m-%d %H:%M}", s.late)
            for s in sim.steps]


def ledger(sim: Simulation) -> list[tuple[str, str, str, int, str]]:
    return [(f"{f.at:%m-%d %H:%M}", f.person, f.kind, f.amount, f.text) for f in sim.fines]


def notices(sim: Simulation) -> list[tuple[str, str]]:
    return [(f"{e.at:%m-%d %H:%M}", e.text) for e in sim.events if e.kind == "notice"]


def test_the_presets_are_the_examples_that_matter() -> None:
    assert {c: (p.process, f"{p.at:%Y-%m-%d %H:%M %a}") for c, p in PRESETS.items()} == {
        "friday-evening": ("complaint", "2026-11-27 17:50 Fri"),
        "national-day-eve": ("complaint", "2026-09-30 17:50 Wed"),
        "lunch-break": ("complaint", "2026-11-23 12:10 Mon"),
        "consultation": ("consultation", "2026-11-23 10:00 Mon"),
        "repair-friday-evening": ("repair", "2026-11-27 17:50 Fri"),
        "visitor-saturday-night": ("visitor_reception", "2026-11-28 20:30 Sat"),
        "archive-national-day-eve": ("archive_access", "2026-09-30 16:00 Wed"),
    }
    assert script_processes() == ["archive_access", "complaint", "consultation", "repair",
                                  "visitor_reception"]


def test_a_friday_evening_complaint_worked_late_shows_every_deadline_reminder_escalation_and_fine(
        parts: Parts) -> None:
    sim = run(parts, "friday-evening", "late")
    assert (sim.status, sim.outcome, sim.truncated) == ("closed", "resolved", False)
    # received after work on Friday: the order's clocks start Monday 08:30 (R2.5, 000 受理 1C)
    assert steps(sim) == [
        ("raise_order", "11-30 09:00", "11-30 10:00", True),
        ("sign_order", "11-30 09:30", "11-30 10:30", True),
        ("visit_customer", "11-30 11:30", "11-30 14:00", True),
        ("confirm_cooperation", "11-30 11:30", "11-30 14:00", True),  # R2.4 engineering cooperates
        ("reply_customer", "12-01 10:30", "12-01 11:30", True),
        ("carry_out_work", "12-03 14:00", "12-03 15:00", True),
        ("apply_closure", None, "12-03 15:10", False),
        ("check_closure", "12-03 15:40", "12-03 16:40", True),
        # the return visit is due one working day after the check (issue 19), done an hour late: Monday
        ("contact_customer", "12-04 16:40", "12-07 08:40", True),
        ("record_return_visit", "12-04 16:40", "12-07 08:40", True),
        ("countersign_phone_record", None, "12-07 08:50", False),
        ("deputy_gm_review", None, "12-07 09:00", False),
        ("gm_approve", None, "12-07 09:10", False),
    ]
    assert ledger(sim) == [
        ("11-30 10:00", "张伟", "late_order_entry", 1200,
         "时限2026-11-30 09:00；2026-11-30 10:00完成，迟延60分钟（工作时间）；每5分钟100元，计12次"),
        ("11-30 14:00", "杨帆", "plan_not_entered", 500,
         "时限2026-11-30 11:30；2026-11-30 14:00完成，迟延60分钟（工作时间）；每次500元"),
        ("12-02 18:00", "杨帆", "progress_not_updated", 200,
         "2026-12-01 18:00至2026-12-02 18:00未更新处理进展（每次200元）"),
        # the first receiver's ordinary return visit, an hour late on the closing morning: 20 % of the
        # monthly bonus (R2.15), booked by that day's 18:00 check after the case has closed
        ("12-07 08:40", "张伟", "missed_return_visit", 0,
         "时限2026-12-04 16:40；2026-12-07 08:40完成，迟延60分钟（工作时间）；扣罚月度综合奖金20%"),
    ]
    assert sim.total_fines == 1900
    visit = "张伟：时限2026-12-04 16:40；2026-12-07 08:40完成，迟延60分钟（工作时间）；扣罚月度综合奖金20%"
    assert ("fine", visit) in [(e.kind, e.text) for e in sim.events]  # a share of the bonus, not "0元"
    told = notices(sim)
    # overdue alerts to the holder and the supervisor (R2.10), the 09:30 digest up the escalation chain
    case = "投诉TS-SZP-2026-000001"
    assert ("11-30 09:01", f"张伟、李娜、王芳：【逾期提醒】{case}“录入督办令”已逾期") in told
    assert ("11-30 10:30", f"林丽华、陈国栋：【逾期提醒】{case}“签发督办令”已逾期") in told
    assert [t for t in told if "投诉提醒" in t[1]] == [
        ("11-30 09:30", "张伟、杨帆、王芳、陈国栋、黄志强：【投诉提醒】1宗投诉未完成"),
        *[(f"12-0{d} 09:30", "杨帆、陈国栋、黄志强：【投诉提醒】1宗投诉未完成") for d in (1, 2, 3, 4)],
    ]


def test_a_complaint_on_the_eve_of_national_day_waits_for_the_holiday_to_end(parts: Parts) -> None:
    sim = run(parts, "national-day-eve", "happy")
    assert steps(sim)[:6] == [
        ("raise_order", "10-08 09:00", "10-08 08:40", False),
        ("sign_order", "10-08 09:30", "10-08 08:50", False),
        ("visit_customer", "10-08 09:50", "10-08 09:00", False),
        ("confirm_cooperation", "10-08 09:50", "10-08 09:10", False),  # R2.4 engineering cooperates
        ("reply_customer", "10-09 08:50", "10-08 09:20", False),
        ("carry_out_work", "10-11 09:00", "10-08 09:30", False),
    ]
    assert sim.fines == ()
    assert sim.status == "closed"


def test_a_lunch_break_complaint_worked_late_is_fined_from_13_30(parts: Parts) -> None:
    sim = run(parts, "lunch-break", "late")
    assert steps(sim)[:6] == [
        ("raise_order", "11-23 14:00", "11-23 15:00", True),
        ("sign_order", "11-23 14:30", "11-23 15:30", True),
        ("visit_customer", "11-23 16:30", "11-23 17:30", True),
        ("confirm_cooperation", "11-23 16:30", "11-23 17:30", True),  # R2.4 engineering cooperates
        ("reply_customer", "11-24 15:30", "11-24 16:30", True),
        ("carry_out_work", "11-26 17:30", "11-27 09:30", True),
    ]
    assert ledger(sim) == [
        ("11-23 15:00", "张伟", "late_order_entry", 1200,
         "时限2026-11-23 14:00；2026-11-23 15:00完成，迟延60分钟（工作时间）；每5分钟100元，计12次"),
        ("11-23 17:30", "杨帆", "plan_not_entered", 500,
         "时限2026-11-23 16:30；2026-11-23 17:30完成，迟延60分钟（工作时间）；每次500元"),
        ("11-25 18:00", "杨帆", "progress_not_updated", 200,
         "2026-11-24 18:00至2026-11-25 18:00未更新处理进展（每次200元）"),
        ("11-26 18:00", "杨帆", "progress_not_updated", 200,
         "2026-11-25 18:00至2026-11-26 18:00未更新处理进展（每次200元）"),
        ("11-26 18:00", "杨帆", "overdue", 100, "完成时限2026-11-26 17:30，超期第1天，每天100元"),
        ("11-26 18:00", "黄志强", "overdue", 50, "完成时限2026-11-26 17:30，超期第1天，每天50元"),
        # the return visit, due on Saturday 11:10 (24 hours), done an hour of working time late (R2.15)
        ("11-30 09:30", "张伟", "missed_return_visit", 0,
         "时限2026-11-28 11:10；2026-11-30 09:30完成，迟延60分钟（工作时间）；扣罚月度综合奖金20%"),
    ]


def _reply(hours: int) -> Overlay:
    text = (ROOT / "policies" / "subsidiaries" / "sz-property.yaml").read_text(encoding="utf-8")
    changed = text.replace("reply: 24 hours", f"reply: {hours} hours")
    assert changed != text
    return Overlay("sz-property", changed)


def test_an_overlay_with_a_12_hour_consultation_reply_shows_the_new_deadline_beside_the_old(
        parts: Parts) -> None:
    current = run(parts, "consultation", "happy")
    draft = run(parts, "consultation", "happy", _reply(12))
    assert draft.label == "草案"
    rows = compare(current, draft).rows
    changed = [(r.task, f"{r.left.due_at:%m-%d %H:%M}", f"{r.right.due_at:%m-%d %H:%M}")
               for r in rows if r.changed and r.left and r.right]
    assert changed == [("ask_expert", "11-24 10:00", "11-23 22:00"),
                       ("confirm_wording", "11-24 10:00", "11-23 22:00"),
                       ("reply_customer", "11-24 10:00", "11-23 22:00")]


def test_a_draft_of_a_project_without_a_file_of_its_own_is_simulated(parts: Parts) -> None:
    # 锦华园 keeps 深圳物业's rules (no policies/projects/sz-property-jhy.yaml): its draft becomes the file
    policies, registry, org = parts
    assert "sz-property-jhy" not in policies.units
    at = PRESETS["consultation"].at
    current = simulate("consultation", at, "sz-property-jhy", policies=policies, registry=registry, org=org)
    text = "extends: sz-property\n\nconsultation:\n  reply: 8 hours\n"
    draft = simulate("consultation", at, "sz-property-jhy", policies=policies, registry=registry, org=org,
                     overlay=Overlay("sz-property-jhy", text))
    changed = {(r.task, f"{r.left.due_at:%m-%d %H:%M}", f"{r.right.due_at:%m-%d %H:%M}")
               for r in compare(current, draft).rows if r.changed and r.left and r.right}
    assert ("reply_customer", "11-24 10:00", "11-23 18:00") in changed
    with pytest.raises(NotFoundError, match="unknown unit 'sz-property-xyz'"):
        simulate("consultation", at, "sz-property-jhy", policies=policies, registry=registry, org=org,
                 overlay=Overlay("sz-property-xyz", "extends: sz-property\n"))


def test_an_overlay_beyond_the_groups_bound_is_refused_with_the_bound(parts: Parts) -> None:
    with pytest.raises(KefuError) as refused:
        run(parts, "consultation", "happy", _reply(48))
    assert "policy.E016" in str(refused.value)
    assert "subsidiaries/sz-property.yaml" in str(refused.value)
    assert "/tmp" not in str(refused.value)  # the throw-away copy is not named


def test_unknown_paths_processes_and_units_are_named_with_the_choices(parts: Parts) -> None:
    policies, registry, org = parts
    at = shanghai("2026-11-23 10:00")
    with pytest.raises(NotFoundError, match="choose one of: happy, late"):
        simulate("complaint", at, LYC, "sideways", policies=policies, registry=registry, org=org)
    with pytest.raises(NotFoundError, match="cannot be simulated; choose one of: archive_access, complaint, "
                                            "consultation, repair, visitor_reception"):
        simulate("payroll", at, LYC, policies=policies, registry=registry, org=org)
    with pytest.raises(NotFoundError, match="did you mean 'sz-property-lyc'"):
        simulate("complaint", at, "sz-property-lyx", policies=policies, registry=registry, org=org)
    with pytest.raises(KefuError, match="nobody in 'sz-property-finance' holds the role cs_specialist"):
        simulate("complaint", at, "sz-property-finance", policies=policies, registry=registry, org=org)
    with pytest.raises(KefuError) as nobody:  # 滨海湾 lists no engineer: the step says whom it needs
        simulate("repair", at, "hn-region-bhw", policies=policies, registry=registry, org=org)
    assert nobody.value.zh == "滨海湾管理处没有人能办理“工程人员接单”（工程人员），请选择设有该岗位的项目"
    with pytest.raises(NotFoundError, match="choose one of: happy, late, host_absent, desk"):
        simulate("visitor_reception", at, LYC, "emergency", policies=policies, registry=registry, org=org)


# --- repair, visitor reception, owner archives (R3, R4, R5.2) -----------------------------------------

def events(sim: Simulation) -> list[tuple[str, str, str]]:
    return [(f"{e.at:%m-%d %H:%M}", e.kind, e.text) for e in sim.events]


def test_a_friday_evening_repair_is_dispatched_in_3_minutes_and_repaired_on_monday(parts: Parts) -> None:
    sim = run(parts, "repair-friday-evening", "happy")
    assert (sim.status, sim.outcome, sim.truncated, sim.number[:3]) == ("closed", "resolved", False, "BX-")
    # 丽雅苑 dispatches within 3 minutes, evening or not (its overlay; repair.deadlines.dispatch)
    assert steps(sim) == [
        ("issue_order", "11-27 17:53", "11-27 17:52", False),
        ("accept_order", "11-27 17:53", "11-27 17:52", False),
        ("carry_out_repair", None, "11-30 08:40", False),  # with photos before, during and after (R3.3)
        ("reply_owner", None, "11-30 08:50", False),
        ("contact_customer", None, "11-30 09:00", False),
        ("record_return_visit", None, "11-30 09:10", False),
    ]
    assert [s.done_by for s in sim.steps][:3] == ["张伟", "邓海涛", "邓海涛"]
    assert not [e for e in sim.events if e.kind == "notice"]  # a dispatch order is no 督办令
    assert sim.fines == ()


def test_a_repair_worked_late_shows_the_dispatch_missed_over_the_weekend(parts: Parts) -> None:
    sim = run(parts, "repair-friday-evening", "late")
    assert steps(sim)[:2] == [("issue_order", "11-27 17:53", "11-30 09:30", True),
                              ("accept_order", "11-27 17:53", "11-30 09:30", True)]
    assert ("11-30 09:30", "done", "开具派工单：张伟超时完成") in events(sim)
    assert sim.status == "closed" and sim.fines == ()  # the repair has no fines in the rules


def test_an_emergency_repair_tells_the_leaders_at_once_and_a_supervisor_visits(parts: Parts) -> None:
    sim = run(parts, "repair-friday-evening", "emergency")
    assert steps(sim) == [
        ("notify_leaders", "11-27 17:50", "11-27 17:50", False),
        ("issue_order", "11-27 17:50", "11-27 17:50", False),  # immediate (R3.4)
        ("accept_order", "11-27 17:50", "11-27 17:50", False),
        ("carry_out_repair", None, "11-30 08:40", False),
        ("reply_owner", None, "11-30 08:50", False),
        # an emergency is a difficult issue: a supervisor visits within 24 hours (R6.2)
        ("supervisor_contact_customer", "12-01 08:50", "11-30 09:00", False),
        ("supervisor_record_return_visit", "12-01 08:50", "11-30 09:10", False),
    ]
    told = ("11-27 17:50", "notice", "林丽华、黄志强：【紧急通报】BX-SZP-2026-000001 紧急处置记录")
    assert told in events(sim)


def test_a_booked_visitor_on_a_saturday_night_is_received_by_the_guard_on_duty(parts: Parts) -> None:
    sim = run(parts, "visitor-saturday-night", "happy")
    assert (sim.status, sim.outcome, sim.number[:3]) == ("closed", "visited", "LF-")
    # the gate works any hour (the script's pace is wall-clock): due at the booked arrival, an hour on
    assert steps(sim) == [("check_in", "11-28 21:30", "11-28 20:40", False),
                          ("fetch_host", None, "11-28 20:50", False),
                          ("check_out", None, "11-28 21:00", False)]
    assert {s.done_by for s in sim.steps} == {"彭军"}
    late = run(parts, "visitor-saturday-night", "late")
    assert steps(late)[0] == ("check_in", "11-28 21:30", "11-28 22:30", True)


def test_a_walk_in_whose_host_does_not_answer_is_turned_away_after_the_policys_wait(parts: Parts) -> None:
    sim = run(parts, "visitor-saturday-night", "host_absent")
    assert (sim.status, sim.outcome) == ("closed", "not_received")
    assert events(sim) == [
        ("11-28 20:30", "received", "彭军受理，案件 LF-SZP-2026-000001"),
        # visitor.host_answer_wait: 10 minutes, then the host counts as absent (R4.3)
        ("11-28 20:41", "timer", "时限到：等候住户答复（2026-11-28 20:40）"),
        ("11-28 20:51", "done", "婉言解释并提议另约：彭军按时完成"),
        ("11-28 20:51", "closed", "结案"),
    ]
    desk = run(parts, "visitor-saturday-night", "desk")
    assert (desk.outcome, steps(desk)) == ("routed", [("route_to_desk", None, "11-28 20:40", False)])


def test_an_archive_request_on_the_eve_of_national_day_is_due_after_the_holiday(parts: Parts) -> None:
    sim = run(parts, "archive-national-day-eve", "happy")
    assert (sim.status, sim.outcome, sim.number[:3]) == ("closed", "relayed", "DA-")
    # archive.deadlines.approve and relay: 1 working day each; 10-01..10-07 are holidays
    assert steps(sim) == [("approve_request", "10-08 16:00", "09-30 16:10", False),
                          ("relay_answer", "10-08 16:10", "09-30 16:20", False)]
    assert [s.done_by for s in sim.steps] == ["李娜", "张伟"]
    late = run(parts, "archive-national-day-eve", "late")
    # approved an hour late on 10-08; relayed an hour late on the make-up Saturday 10-10 (调休)
    assert steps(late) == [("approve_request", "10-08 16:00", "10-08 17:00", True),
                           ("relay_answer", "10-09 17:00", "10-10 09:00", True)]
    refused = run(parts, "archive-national-day-eve", "refused")
    assert (refused.outcome, steps(refused)) == ("refused", [("approve_request", "10-08 16:00", "09-30 16:10",
                                                              False)])
