"""The shipped policy tree: every unit loads, and every key the diagrams use exists with its group value."""

from __future__ import annotations

import pytest

from engine.policy import PolicySet
from engine.policy.catalogue import ENTRIES

# docs/architecture.md, "Keys the processes use"
PROCESS_KEYS = [
    "calendar.timezone",
    "calendar.working_hours",
    "calendar.weekend",
    "calendar.region",
    *(
        f"complaint.deadlines.{name}"
        for name in (
            "order_raise",
            "order_sign",
            "dispatch",
            "visit",
            "unreachable_record",
            "cs_callback",
            "reply",
            "closure_check",
            "silence_close",
            "claim_report",
            "claim_notify_cs",
            "expert_answer",
        )
    ),
    "complaint.schedules.progress_entry",
    "complaint.schedules.reminders",
    "complaint.categories",
    "complaint.urgency",
    "complaint.scope",
    "channels",
    "satisfaction.scale",
    "consultation.reply",
    "lanes",
    "complaint.escalation.volume.window",
    "complaint.escalation.volume.report_at",
    "complaint.escalation.volume.investigate_at",
]
LANES = {
    "cs_desk": ("cs_specialist", "project"),
    "first_receiver": ("cs_specialist", "first_receiver"),
    "cs_supervisor": ("cs_supervisor", "project"),
    "cs_manager": ("cs_manager", "subsidiary"),
    "cs_centre_gm": ("cs_centre_gm", "subsidiary"),
    "responsible_department": ("department_head", "responsible_department"),
    "expert": ("expert_adviser", "subsidiary"),
    "chairman": ("chairman", "subsidiary"),
    "engineering": ("engineer", "project"),
    "security": ("security_guard", "project"),
    "closure_reviewer": ("cs_centre_deputy_gm", "subsidiary"),  # R2.12 003 第29条
    "closure_approver": ("cs_centre_gm", "subsidiary"),
    "claim_reporter": ("department_head", "responsible_department"),  # R2.14 003 第34条
    "cooperating_department": ("department_head", "cooperating_department"),  # R2.4 003 第20条 无条件配合
    "volume_reporter": ("cs_supervisor", "project"),  # R2.13 the project writes its report (000 受理3)
    "group_cs_manager": ("cs_manager", "group"),  # R2.13 reviews it, investigates on site
    "major_claim_approver": ("chairman", "subsidiary"),
    "adviser_assigner": ("general_manager", "subsidiary"),  # R2.17 000 顾问支持1: 公司总经理
    "temporary_adviser": ("department_head", "subsidiary"),  # R2.17 the adviser the GM names (issue 19)
    "wording_confirmer": ("cs_manager", "subsidiary"),  # R1.2
    "difficult_issue_visitor": ("cs_supervisor", "project"),  # R6.2 主管以上
    "archive_approver": ("cs_supervisor", "project"),  # R5.2
    "archive_relay": ("cs_specialist", "project"),
    "phone_record_countersigner": ("cs_supervisor", "project"),  # R6.3 never the one who recorded the visit
}


def test_shipped_tree_has_two_subsidiaries_and_a_project(policy_set: PolicySet) -> None:
    assert policy_set.units == ("hn-region", "sz-property", "sz-property-lyc")
    assert policy_set.unit("sz-property-lyc").extends == "sz-property"
    assert policy_set.effective("sz-property-lyc").chain == ("group", "sz-property", "sz-property-lyc")


@pytest.mark.parametrize("unit", [None, "hn-region", "sz-property", "sz-property-lyc"])
@pytest.mark.parametrize("key", PROCESS_KEYS)
def test_every_unit_has_every_key_the_diagrams_use(policy_set: PolicySet, unit: str | None, key: str) -> None:
    assert policy_set.effective(unit).has(key)


def test_group_defines_every_catalogued_key(policy_set: PolicySet) -> None:
    group = policy_set.effective()
    assert [e.key for e in ENTRIES if not group.has(e.key)] == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (  # R2.5; off-hours the clock starts when work starts (000 投诉的处理1C)
            "complaint.deadlines.order_raise",
            {"in_working_time": "30 minutes", "otherwise": "30 minutes after work starts",
             "never_after": "complaint.deadlines.dispatch"},
        ),
        (
            "complaint.deadlines.order_sign",
            {"in_working_time": "1 hour", "otherwise": "1 hour after work starts",
             "never_after": "complaint.deadlines.dispatch"},
        ),
        (
            "complaint.deadlines.dispatch",
            {"in_working_time": "30 minutes", "otherwise": "1 hour after work starts"},
        ),
        ("complaint.deadlines.visit", "1 hour"),  # R2.7
        ("complaint.deadlines.cs_callback", "30 minutes"),
        ("complaint.deadlines.reply", "24 hours"),  # R2.9
        ("complaint.deadlines.silence_close", "7 days"),  # R2.12
        ("complaint.deadlines.claim_report", "3 days"),  # R2.14
        ("complaint.schedules.progress_entry", "daily before 18:00"),  # R2.10
        ("complaint.schedules.reminders", "daily at 09:30 on working days"),
        ("complaint.escalation.volume.report_at", 5),  # R2.13
        ("complaint.escalation.volume.investigate_at", 8),
        ("complaint.escalation.chain", ["department_head", "leader_in_charge", "chairman"]),
        ("complaint.penalties.late_order_fine", 100),  # R2.5
        ("complaint.penalties.late_order_step", "5 minutes"),
        ("complaint.penalties.overdue_short.responsible_per_day", 100),  # R2.15
        ("complaint.penalties.overdue_long.leader_per_day", 100),
        ("complaint.penalties.plan_not_entered", 300),
        ("consultation.reply", "2 hours"),  # R1.2 (seed 000)
        ("repair.deadlines.dispatch", "5 minutes"),  # R3.1
        ("archive.retention.owner", "permanent"),  # R5.3
        ("archive.retention.marked_years", 10),
        ("return_visit.survey_coverage_percent", 98),  # R6.3
        ("return_visit.difficult_issue", "24 hours"),  # R6.2
        ("statistics.monthly_report", "monthly by the 3rd"),  # R7.1
        ("assessment.yuan_per_point", 5),  # R8.1
        ("assessment.joint_liability.responsible_percent", 70),  # R8.2
    ],
)
def test_group_values_follow_the_requirements(policy_set: PolicySet, key: str, value: object) -> None:
    assert policy_set.effective().get(key) == value


def test_lanes_bind_diagram_lanes_to_roles_and_scopes(policy_set: PolicySet) -> None:
    group = policy_set.effective()
    assert {name: (lane["role"], lane["scope"]) for name, lane in group.get("lanes").items()} == LANES
    assert group.lane("cs_desk") == {"role": "cs_specialist", "scope": "project", "sticky": True}
    assert "sticky" not in group.lane("cs_centre_gm")  # signing is another post's decision
    # 主管以上 (R5.2, R6.2): the company's CS line above a project without a supervisor, nearest first
    above = [{"role": role, "scope": "subsidiary"}
             for role in ("cs_manager", "cs_centre_deputy_gm", "cs_centre_gm")]
    escalating = {name: lane["escalate_to"] for name, lane in group.get("lanes").items()
                  if "escalate_to" in lane}
    # R6.3 the countersign of a phone record: the level above when its only holder recorded it
    assert escalating == {"archive_approver": above, "difficult_issue_visitor": above,
                          "phone_record_countersigner": above, "cs_manager": above[1:]}


def test_categories_cover_both_classification_schemes(policy_set: PolicySet) -> None:
    categories = policy_set.effective().get("complaint.categories")
    schemes = {c["scheme"] for c in categories}
    assert schemes == {"cause", "responsibility"}
    assert {c["group"] for c in categories if c["scheme"] == "cause"} >= {
        "管理责任类",
        "人员素质类",
        "工作效率类",
        "地产相关类",
        "业户纠纷类",
        "其它类",
    }


@pytest.mark.parametrize(
    ("category", "department", "cooperating"),
    [  # 003 第20条
        ("sales_contract", "marketing", ["finance", "treasury"]),
        ("certificates_progress", "marketing", ["development", "engineering"]),
        ("delivery_quality", "engineering", ["marketing", "property"]),
        ("planning_design", "marketing", ["chief_engineer", "engineering", "development", "property"]),
        ("community_facilities", "marketing", ["chief_engineer", "engineering", "development", "property"]),
        ("leasing", "commercial", ["chief_engineer", "engineering", "development", "property"]),
        ("property_service", "property", ["engineering"]),
    ],
)
def test_responsibility_matrix_follows_article_20(
    policy_set: PolicySet, category: str, department: str, cooperating: list[str]
) -> None:
    group = policy_set.effective()
    assert group.responsible_department(category) == department
    assert group.cooperating_departments(category) == cooperating


def test_consultation_overlay_uses_seed_001_twenty_four_hours(policy_set: PolicySet) -> None:
    assert policy_set.effective("sz-property").get("consultation.reply") == "24 hours"
    assert policy_set.effective("sz-property-lyc").get("consultation.reply") == "24 hours"


def test_region_overlay_has_own_hours_and_an_extra_category(policy_set: PolicySet) -> None:
    region = policy_set.effective("hn-region")
    assert region.get("calendar.working_hours") == ["09:00-12:00", "14:00-18:00"]
    assert region.responsible_department("typhoon_damage") == "property"
    group_codes = [c["code"] for c in policy_set.effective().get("complaint.categories")]
    region_codes = [c["code"] for c in region.get("complaint.categories")]
    assert region_codes == [*group_codes, "typhoon_damage"]
