"""R7.2 rankings over months of cases built on an injected clock; every score, rank and flag exact.

Companies and projects (group policy: on-time 40, efficiency 30, satisfaction 30; efficient = handled
within 24 working hours; 满意 100, 基本满意 60, 不满意 0) over the November of
``test_monthly_statistics`` (A–D at 深圳物业, one open complaint at 滨海湾).

The CS specialists over September–November 2026 with ``bottom: 2`` (the demo org has six; the
group's ten would put everyone in the bottom): each rating is a consultation the specialist received,
answered from the FAQ and return-visited with the satisfaction below.

===========  =========  =========  ==============  =====================================
specialist   September  October    November        bottom 2 (fewer than 2 rate lower)
===========  =========  =========  ==============  =====================================
zhang.wei    100        100        60
wang.fang    0          0          60, 0 → 30      Sep, Oct, Nov → flagged, penalty booked
liu.yang     60         100        100
chen.jing    100        60         0               Oct (tied with fan.ming), Nov: 2 months
tian.tian    60         100        (no rating)
fan.ming     0          60         100             Sep, Oct
===========  =========  =========  ==============  =====================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine.errors import PermissionDenied
from engine.permissions import subject_of
from engine.reports.ranking import PENALTY_KIND, book_ranking_penalties, monthly_ranking
from engine.runtime.access import load_staff
from engine.store.models import AuditEvent
from engine.store.worker_repo import WorkerRepo
from engine.worker.outbox import Notifier
from engine.worker.people import Directory
from tests.conftest import ROOT, shanghai
from tests.scenarios.conftest import Desk, desk_with_overlay
from tests.scenarios.test_monthly_statistics import build_november

SCORES = {100: "satisfied", 60: "basically_satisfied", 0: "dissatisfied"}
RATINGS = {
    "2026-09": {"zhang.wei": [100], "wang.fang": [0], "liu.yang": [60], "chen.jing": [100], "tian.tian": [60],
                "fan.ming": [0]},
    "2026-10": {"zhang.wei": [100], "wang.fang": [0], "liu.yang": [100], "chen.jing": [60],
                "tian.tian": [100],
                "fan.ming": [60]},
    "2026-11": {"zhang.wei": [60], "wang.fang": [60, 0], "liu.yang": [100], "chen.jing": [0],
                "fan.ming": [100]},
}


def ranking(desk: Desk, unit: str | None, month: str = "2026-11", at: str = "2026-12-03 09:00",
            **kw: Any) -> dict[str, Any]:
    runtime = desk.runtime
    return monthly_ranking(runtime.store, runtime.policies, month, unit, now=shanghai(at), **kw)


def test_companies_and_projects_ranked_on_the_policys_weights(desk: Desk) -> None:
    build_november(desk)
    figures = ranking(desk, None)
    assert [(m["code"], m["weight"]) for m in figures["metrics"]] == [
        ("on_time_rate", 40), ("efficiency", 30), ("satisfaction", 30)]
    companies = {c["unit"]: c for c in figures["companies"]}
    sz = companies["sz-property"]
    # completion: A in time, B late (C was closed before its own) → 50; A, C, D closed within 24
    # working hours (1110, 120, 0 min) → 100; A's visit 满意 → 100; (40×50 + 30×100 + 30×100) ÷ 100.
    assert (sz["valid"], sz["completion_due"], sz["completion_on_time"], sz["closed"], sz["efficient"],
            sz["visited"]) == (4, 2, 1, 3, 3, 1)
    assert (sz["on_time_rate"], sz["efficiency"], sz["satisfaction"], sz["score"], sz["rank"]) == (
        50.0, 100.0, 100.0, 80.0, 1)
    hn = companies["hn-region"]  # one complaint, still open, nothing due: listed, not ranked
    assert (hn["valid"], hn["score"], hn["rank"]) == (1, None, None)
    assert [c["unit"] for c in figures["companies"]] == ["sz-property", "hn-region"]
    projects = [(p["unit"], p["score"], p["rank"]) for p in figures["projects"]]
    # 丽雅苑: A on time, all closed efficiently, 满意 → 100; 锦华园: B late, nothing closed → 0 on one metric.
    assert projects == [("sz-property-lyc", 100.0, 1), ("sz-property-jhy", 0.0, 2),
                        ("hn-region-bhw", None, None)]


def test_the_efficiency_hours_and_weights_come_from_the_policy(tmp_path: Path) -> None:
    text = (ROOT / "policies" / "group.yaml").read_text(encoding="utf-8")
    text = text.replace("efficiency_hours: 24", "efficiency_hours: 18")
    desk = desk_with_overlay(tmp_path, "group.yaml", text)
    try:
        build_november(desk)
        figures = ranking(desk, "sz-property")
        assert figures["companies"] == []  # a subsidiary sees its projects, not the other companies
        lyc = figures["projects"][0]
        # A took 1110 working minutes = 18.5 h > 18: 2 of 3 efficient; (4000 + 30×66.67 + 3000) ÷ 100.
        assert (lyc["unit"], lyc["efficient"], lyc["efficiency"], lyc["score"]) == (
            "sz-property-lyc", 2, 66.67, 90.0)
        assert [p["unit"] for p in figures["projects"]] == ["sz-property-lyc", "sz-property-jhy"]
    finally:
        desk.runtime.store.dispose()


def _rated_consultation(desk: Desk, login: str, score: int) -> None:
    n = desk.runtime.open_case("consultation", {
        "customer_name": "陈先生", "customer_phone": "13711112222", "room": "2栋1单元502", "channel": "phone",
        "question": "小区快递柜在哪里？", "faq_entry_id": "7", "faq_answer": "在南门保安亭旁。"},
        login).number
    desk.complete(n, "contact_customer", reached=True, attempt_note="接通")
    desk.complete(n, "record_return_visit", visit_method="on_site", satisfaction=SCORES[score],
                  return_visit_record="客户评价", customer_agrees=True)


def _three_months(tmp_path: Path) -> Desk:
    text = (ROOT / "policies" / "group.yaml").read_text(encoding="utf-8")
    assert text.count("    bottom: 10 ") == 1
    desk = desk_with_overlay(tmp_path, "group.yaml", text.replace("    bottom: 10 ", "    bottom: 2  "))
    for month, people in RATINGS.items():
        day = 10
        for login, scores in people.items():
            for score in scores:
                desk.at(f"{month}-{day:02d} 10:00")
                _rated_consultation(desk, login, score)
                day += 1
    return desk


@pytest.fixture
def months(tmp_path: Path) -> Any:
    desk = _three_months(tmp_path)
    yield desk
    desk.runtime.store.dispose()


def test_specialists_ranked_by_rating_and_flagged_after_three_months_in_the_bottom(months: Desk) -> None:
    figures = ranking(months, None)
    rows = [(s["login"], s["rated"], s["rating"], s["rank"], s["bottom"], s["bottom_months"], s["flagged"])
            for s in figures["specialists"]]
    assert rows == [
        ("fan.ming", 1, 100.0, 1, False, 0, False),
        ("liu.yang", 1, 100.0, 1, False, 0, False),
        ("zhang.wei", 1, 60.0, 3, False, 0, False),
        ("wang.fang", 2, 30.0, 4, True, 3, True),
        ("chen.jing", 1, 0.0, 5, True, 2, False),
    ]
    assert figures["specialist_rule"] == {"bottom": 2, "months": 3, "penalty": 200}
    october = {s["login"]: s for s in ranking(months, None, "2026-10")["specialists"]}
    # 0 (wang.fang), then fan.ming and chen.jing tied at 60 with one below them: all three in the bottom 2.
    assert {k for k, s in october.items() if s["bottom"]} == {"wang.fang", "fan.ming", "chen.jing"}
    assert october["fan.ming"]["bottom_months"] == 2 and october["wang.fang"]["bottom_months"] == 2
    # A subsidiary's view: its own specialists with their group rank.
    sz = ranking(months, "sz-property")["specialists"]
    assert [(s["login"], s["rank"]) for s in sz] == [("liu.yang", 1), ("zhang.wei", 3), ("wang.fang", 4),
                                                    ("chen.jing", 5)]


def test_the_flagged_specialists_penalty_is_booked_once_audited_and_told(months: Desk) -> None:
    runtime = months.runtime
    now = shanghai("2026-12-02 08:00")
    for _ in range(2):  # a rerun books nothing twice
        with runtime.store.write() as tx:
            repo = WorkerRepo(tx)
            notifier = Notifier(repo, runtime.policies.effective(None), now)
            booked = book_ranking_penalties(tx, runtime.policies, "2026-11", now, notifier,
                                            Directory(repo.all_staff(), tx.units()))
        assert booked == (["wang.fang"] if _ == 0 else [])
    with runtime.store.read() as tx:
        repo = WorkerRepo(tx)
        lines = [p for p in repo.penalties() if p.kind == PENALTY_KIND]
        events = [dict(r._mapping) for r in tx.conn.execute(
            select(AuditEvent.chain, AuditEvent.actor, AuditEvent.data).where(
                AuditEvent.action == "ranking.penalty_booked"))]
        notes = repo.notifications("wang.fang")
    assert [(p.staff, p.amount, p.month, p.subsidiary, p.case_id) for p in lines] == [
        ("wang.fang", 200, "2026-12", "sz-property", None)]
    assert lines[0].detail["rating"] == 30.0 and lines[0].detail["rank"] == 4 and lines[0].detail["of"] == 5
    assert "连续3个月排名倒数后2名" in lines[0].detail["text"]
    assert [n.title for n in notes] == ["【排名考核】2026-11 客户满意度排名连续3个月倒数后2名"]
    assert "经济处罚200元" in notes[0].body and "计入2026-12月扣罚台账" in notes[0].body
    assert [(e["chain"], e["actor"], e["data"]["staff"], e["data"]["amount"], e["data"]["bottom_months"])
            for e in events] == [("system", "worker", "wang.fang", 200, 3)]


def test_a_subsidiarys_manager_reads_its_ranking_and_not_the_groups(months: Desk) -> None:
    with months.runtime.store.read() as tx:
        manager = subject_of(load_staff(tx, "he.jing"), tx.units)
        specialist = subject_of(load_staff(tx, "wang.fang"), tx.units)
    assert ranking(months, "sz-property", subject=manager)["unit"] == "sz-property"
    for unit, who in ((None, manager), ("hn-region", manager), ("sz-property", specialist)):
        with pytest.raises(PermissionDenied):
            ranking(months, unit, subject=who)
