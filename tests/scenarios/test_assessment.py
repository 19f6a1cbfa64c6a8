"""Staff assessment (R8) on the demo org and the shipped policy: notices, money, 70/30, appeals.

Every figure is asserted exactly: points and yuan at the edges of each band of ``assessment.*``, the
supervisor's 30 % when the same issue recurs three times in a month or the issuer marks the notice
经查实, the public notice list, and the appeal chain up to its last level. The other subsidiary
never reads or changes anything.
"""

from __future__ import annotations

import pytest

from engine.assessment import Assessment, AssessmentRules, month_figures
from engine.clock import FixedClock
from engine.errors import ConflictError, FormError, PermissionDenied
from engine.policy import load_policy_set
from engine.runtime import Runtime
from engine.store.assessment_repo import AssessmentRepo, IssueSum
from tests.conftest import ROOT, shanghai

RULES = AssessmentRules.of(load_policy_set(ROOT / "policies").effective(None))


@pytest.fixture
def assessment(runtime: Runtime, clock: FixedClock) -> Assessment:
    clock.set(shanghai("2026-11-30 10:00"))
    return Assessment(runtime.store, clock, runtime.policies)


def _issue(a: Assessment, points: int, issue: str = "etiquette", *, by: str = "li.na",
           person: str = "wang.fang", on: str = "2026-11-10", liable: bool = False) -> int:
    return a.issue(by, person=person, issue=issue, points=points, occurred_on=on,
                   text="接听电话未使用规范用语", supervisor_liable=liable).id


@pytest.mark.parametrize(("points", "fine", "extra", "sanction", "dismissal", "published"), [
    (1, "5.00", "0.00", False, False, False),
    (4, "20.00", "0.00", False, False, False),
    (5, "25.00", "20.00", False, False, True),
    (10, "50.00", "20.00", False, False, True),
    (11, "55.00", "0.00", True, False, True),
    (15, "75.00", "0.00", True, False, True),
    (16, "80.00", "0.00", False, False, True),
    (19, "95.00", "0.00", False, False, True),
    (20, "100.00", "0.00", False, True, True),
])
def test_the_money_and_the_thresholds_follow_the_months_points_at_each_edge(
        points: int, fine: str, extra: str, sanction: bool, dismissal: bool, published: bool) -> None:
    # distinct issues: no repeats, so nobody else shares
    sums = [IssueSum("p", "boss", f"i{n}", 1, 1, 0) for n in range(points)]
    me = month_figures(sums, RULES)["p"].as_dict(RULES)
    assert (me["points"], me["point_fine"], me["extra_fine"]) == (points, fine, extra)
    assert (me["sanction"], me["dismissal"], me["published"]) == (sanction, dismissal, published)
    assert me["shared_with_supervisor"] == "0.00"
    assert "boss" not in month_figures(sums, RULES)


def test_the_same_issue_three_times_in_a_month_makes_the_supervisor_bear_30_percent(
        assessment: Assessment) -> None:
    first = _issue(assessment, 1)
    _issue(assessment, 2, on="2026-11-12")
    month = assessment.person_month("wang.fang", "wang.fang", "2026-11")["figures"]
    assert (month["points"], month["total"], month["shared_with_supervisor"]) == (3, "15.00", "0.00")
    assert month["published"] is False

    _issue(assessment, 2, on="2026-11-20")
    mine = assessment.person_month("wang.fang", "wang.fang", "2026-11")["figures"]
    # 5 points: 25 yuan + 20 extra; the 25 of the repeated issue is shared 70/30: 7.50 to li.na
    assert (mine["points"], mine["point_fine"], mine["extra_fine"]) == (5, "25.00", "20.00")
    assert (mine["shared_with_supervisor"], mine["total"]) == ("7.50", "37.50")
    assert mine["repeats"] == {"etiquette": 3} and mine["published"] is True
    boss = assessment.person_month("li.na", "li.na", "2026-11")["figures"]
    assert (boss["points"], boss["as_supervisor"], boss["total"]) == (0, "7.50", "7.50")
    assert boss["liable_for"] == {"wang.fang": "7.50"} and boss["published"] is False

    unit = assessment.unit_month("he.jing", "sz-property", "2026-11")
    assert [p["person"] for p in unit["public"]] == ["wang.fang"]
    assert [(p["person"], p["total"]) for p in unit["people"]] == [("wang.fang", "37.50"), ("li.na", "7.50")]
    # a notice of December counts in December only
    _issue(assessment, 3, on="2026-11-30")
    assert assessment.person_month("wang.fang", "wang.fang", "2026-12")["figures"]["points"] == 0
    assert first > 0


def test_a_notice_marked_proven_shares_its_fine_without_repeats(assessment: Assessment) -> None:
    _issue(assessment, 3, "records", liable=True)
    _issue(assessment, 1, "appearance")
    mine = assessment.person_month("wang.fang", "wang.fang", "2026-11")["figures"]
    # 4 points = 20 yuan; the 15 of the proven notice: 4.50 borne by li.na (rounded down to the fen)
    assert (mine["point_fine"], mine["shared_with_supervisor"], mine["total"]) == ("20.00", "4.50", "15.50")
    assert assessment.person_month("li.na", "li.na", "2026-11")["figures"]["as_supervisor"] == "4.50"


def test_the_direct_supervisor_is_the_nearest_higher_rank_in_the_unit_then_the_cs_centre_above(
        assessment: Assessment) -> None:
    notice = assessment.issue("li.na", person="wang.fang", issue="discipline", points=1,
                              occurred_on="2026-11-02", text="迟到")
    assert notice.supervisor == "li.na"
    above = assessment.issue("he.jing", person="li.na", issue="discipline", points=1,
                             occurred_on="2026-11-02", text="未按时组织班前会")
    assert above.supervisor == "he.jing"  # the subsidiary's CS centre: cs_manager ranks next above
    assert above.project == "sz-property-lyc" and above.subsidiary == "sz-property"


def test_an_appeal_goes_up_the_chain_and_the_last_level_is_final(assessment: Assessment) -> None:
    for day in ("2026-11-03", "2026-11-04"):
        _issue(assessment, 1, on=day)
    notice = _issue(assessment, 2, on="2026-11-05")
    first = assessment.appeal("wang.fang", notice, "当天系统故障，无法使用规范话术")
    assert (first.level, first.role) == (0, "cs_manager")  # li.na is no level of the chain: its first decides
    with pytest.raises(PermissionDenied):
        assessment.decide("lin.lihua", notice, "cancelled", answer="撤销")  # not this level's role
    with pytest.raises(PermissionDenied):
        assessment.decide("feng.tingting", notice, "cancelled", answer="撤销")  # cs_manager of 华南区域
    reduced = assessment.decide("he.jing", notice, "reduced", points=1, answer="情节较轻，改扣1分")
    assert (reduced.points, reduced.issued_points, reduced.status) == (1, 2, "in_force")
    mine = assessment.person_month("wang.fang", "wang.fang", "2026-11")["figures"]
    assert (mine["points"], mine["total"], mine["shared_with_supervisor"]) == (3, "10.50", "4.50")

    second = assessment.appeal("wang.fang", notice, "仍不服")
    assert (second.level, second.role) == (1, "cs_centre_gm")
    cancelled = assessment.decide("lin.lihua", notice, "cancelled", answer="查实为系统故障，撤销")
    assert cancelled.status == "cancelled"
    mine = assessment.person_month("wang.fang", "wang.fang", "2026-11")["figures"]
    assert (mine["points"], mine["repeats"], mine["total"]) == (2, {"etiquette": 2}, "10.00")
    with pytest.raises(ConflictError):
        assessment.appeal("wang.fang", notice, "再次申诉")
    with assessment.store.read() as tx:
        appeals = AssessmentRepo(tx).appeals(notice)
    assert [(a.level, a.decision, a.points_after, a.decided_by) for a in appeals] == [
        (0, "reduced", 1, "he.jing"), (1, "cancelled", 0, "lin.lihua")]


def test_after_the_last_level_upholds_no_appeal_is_left(assessment: Assessment) -> None:
    notice = _issue(assessment, 2, by="he.jing", person="li.na")  # he.jing is level 0: the GM decides
    appeal = assessment.appeal("li.na", notice, "不服")
    assert appeal.role == "cs_centre_gm"
    with pytest.raises(PermissionDenied):
        assessment.decide("he.jing", notice, "cancelled", answer="撤销")  # the issuer never decides
    assessment.decide("lin.lihua", notice, "upheld", answer="维持原处理")
    with pytest.raises(ConflictError):
        assessment.appeal("li.na", notice, "再申诉")


@pytest.mark.parametrize(("actor", "person", "error"), [
    ("shi.lei", "wang.fang", PermissionDenied),     # 华南区域's CS supervisor: another subsidiary
    ("feng.tingting", "wang.fang", PermissionDenied),  # 华南区域's CS manager
    ("wang.fang", "zhang.wei", PermissionDenied),   # a specialist issues nothing
    ("li.na", "li.na", PermissionDenied),           # not to oneself
    ("he.jing", "lin.lihua", FormError),            # a manager does not fine the GM above
])
def test_who_may_not_issue_a_notice_changes_nothing(assessment: Assessment, actor: str, person: str,
                                                    error: type[Exception]) -> None:
    with pytest.raises(error):
        _issue(assessment, 1, by=actor, person=person)
    with assessment.store.read() as tx:
        assert AssessmentRepo(tx).notices("2026-11") == []


def test_the_other_subsidiary_reads_no_statement_and_decides_no_appeal(assessment: Assessment) -> None:
    notice = _issue(assessment, 1)
    with pytest.raises(PermissionDenied):
        assessment.person_month("fan.ming", "wang.fang", "2026-11")
    with pytest.raises(PermissionDenied):
        assessment.person_month("feng.tingting", "wang.fang", "2026-11")
    with pytest.raises(PermissionDenied):
        assessment.unit_month("feng.tingting", "sz-property", "2026-11")
    with pytest.raises(PermissionDenied):
        assessment.notice_view("fan.ming", notice)
    with pytest.raises(PermissionDenied):
        assessment.appeal("zhang.wei", notice, "替同事申诉")  # only the person appeals
    assert assessment.person_month("wang.fang", "wang.fang", "2026-11")["figures"]["points"] == 1


def test_bad_input_names_each_field_in_chinese(assessment: Assessment) -> None:
    with pytest.raises(FormError) as caught:
        assessment.issue("li.na", person="wang.fang", issue="nap", points="0", occurred_on="2026-12-31",
                         text=" ")
    zh = caught.value.errors_zh  # type: ignore[attr-defined]
    assert set(zh) == {"issue", "points", "occurred_on", "text"}
    assert zh["points"] == "扣分须为 1 至 20 的整数"


def test_the_person_is_told_in_the_app_of_a_notice_and_of_each_decision(assessment: Assessment) -> None:
    from sqlalchemy import text

    from engine.store.worker_repo import WorkerRepo

    notice = _issue(assessment, 2, on="2026-11-05")
    assessment.appeal("wang.fang", notice, "当天系统故障")
    assessment.decide("he.jing", notice, "reduced", points=1, answer="情节较轻，改扣1分")
    assessment.appeal("wang.fang", notice, "仍不服")
    assessment.decide("lin.lihua", notice, "cancelled", answer="查实为系统故障，撤销")
    with assessment.store.read() as tx:
        repo = WorkerRepo(tx)
        told = [(n.kind, n.title, n.body) for n in reversed(repo.notifications("wang.fang"))]
        others = [n for login in ("li.na", "he.jing", "lin.lihua") for n in repo.notifications(login)]
        mails = list(tx.conn.execute(text("SELECT kind FROM outbox_messages WHERE kind LIKE 'assessment_%'")))
    assert [(k, t) for k, t, _ in told] == [
        ("assessment_notice", "【过失通知单】服务态度及礼仪 扣2分"),
        ("assessment_decision", f"【申诉处理结果】第{notice}号通知单：减少扣分"),
        ("assessment_decision", f"【申诉处理结果】第{notice}号通知单：撤销")]
    assert "李娜对您签发了过失通知单" in told[0][2] and "2026-11-05" in told[0][2]
    assert "何静处理：减少扣分，现扣1分" in told[1][2] and "情节较轻" in told[1][2]
    assert "林丽华处理：撤销，现扣0分" in told[2][2]
    assert others == [] and mails == []  # the person only, in the app only
