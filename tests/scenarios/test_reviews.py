"""Reviews (R2.18, 003 第31条、第32条、第42条) on an injected clock: the weekly leftover list and the
monthly major-complaint list (contents, notes, sign-off, frozen, audited, another subsidiary refused),
and the quarterly systemic analysis (a task per responsible department, its due time after National
Day, a late answer fined once, an answer in time not fined).

Calendar: the shipped 2026 file (National Day 10-01..10-07); the analysis runs ``monthly on the 1st
at 09:00 on working days`` in the first month of a quarter, due ``15 days`` (calendar days) after.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.clock import FixedClock
from engine.errors import ConflictError, FormError, PermissionDenied
from engine.reviews import Reviews
from engine.store import Store
from engine.store.review_repo import ReviewRepo
from engine.store.worker_repo import WorkerRepo
from engine.worker import Worker
from tests.conftest import shanghai
from tests.engine.worker.conftest import make_desk
from tests.scenarios.conftest import Desk


@pytest.fixture
def desk(store: Store) -> Desk:
    """The scenario desk on a fresh database, SQLite then PostgreSQL (the lists' ON CONFLICT insert
    and the JSON columns behave differently on each)."""
    return make_desk(store, FixedClock(shanghai("2026-11-23 10:00")))


@pytest.fixture
def worker(desk: Desk, tmp_path: Path) -> Worker:
    """The worker on the desk's database and clock."""
    rt = desk.runtime
    return Worker(rt.store, rt, rt.policies, desk.clock, data_dir=tmp_path)


def _reviews(desk: Desk) -> Reviews:
    rt = desk.runtime
    return Reviews(rt.store, desk.clock, rt.policies)


def _audit(desk: Desk, action: str) -> list[dict]:
    from sqlalchemy import text

    with desk.runtime.store.read() as tx:
        rows = tx.conn.execute(text("SELECT actor, data FROM audit_events WHERE action = :a ORDER BY id"),
                               {"a": action}).fetchall()
    return [{"actor": r[0], **(json.loads(r[1]) if isinstance(r[1], str) else r[1])} for r in rows]


def test_the_weekly_list_is_noted_item_by_item_signed_off_and_frozen(desk: Desk, worker: Worker) -> None:
    general = desk.open().number
    collective = desk.open(severity="collective", scope="community").number
    desk.at("2026-11-30 08:00")  # Monday: the week's list stands at 00:00
    worker.run_once()
    reviews = _reviews(desk)
    week, earlier = reviews.listing("lin.lihua", kind="leftover")  # newest first
    assert (earlier["period"], earlier["items"]) == ("2026-W48", 0)  # the first run: before the complaints
    assert (week["unit"], week["period"], week["generated_by"], week["reviewer_role"], week["items"]) == (
        "sz-property", "2026-W49", "worker", "cs_centre_gm", 2)
    shown = reviews.show("lin.lihua", week["id"])
    assert [i["case_number"] for i in shown["items"]] == [general, collective]
    assert shown["items"][1]["data"]["severity"] == "collective"
    assert shown["items"][0]["data"]["project"] == "sz-property-lyc"
    assert shown["may_sign"] is True

    # the CS manager reads the list but does not sign it; the other subsidiary's GM neither reads nor signs
    assert reviews.show("he.jing", week["id"])["may_sign"] is False
    with pytest.raises(PermissionDenied):
        reviews.note("he.jing", week["id"], shown["items"][0]["id"], "看过")
    with pytest.raises(PermissionDenied):
        reviews.show("han.xue", week["id"])
    with pytest.raises(PermissionDenied):
        reviews.sign("han.xue", week["id"])
    assert {r["unit"] for r in reviews.listing("han.xue")} == {"hn-region"}  # only its own lists

    first, second = shown["items"]
    reviews.note("lin.lihua", week["id"], first["id"], "工程部本周五前完成防水，周一复查")
    with pytest.raises(ConflictError) as missing:
        reviews.sign("lin.lihua", week["id"])
    assert "还有1宗投诉未填写复盘意见" in missing.value.zh
    with pytest.raises(FormError):
        reviews.note("lin.lihua", week["id"], second["id"], "   ")
    reviews.note("lin.lihua", week["id"], second["id"], "董事长专题会，月底前出方案")
    desk.at("2026-11-30 15:00")
    signed = reviews.sign("lin.lihua", week["id"])
    assert (signed["status"], signed["signed_by"], signed["signed_at"]) == (
        "signed", "lin.lihua", shanghai("2026-11-30 15:00"))
    with pytest.raises(ConflictError):
        reviews.note("lin.lihua", week["id"], first["id"], "改一下")
    with pytest.raises(ConflictError):
        reviews.sign("lin.lihua", week["id"])
    assert reviews.show("lin.lihua", week["id"])["items"][0]["note"] == "工程部本周五前完成防水，周一复查"
    [audit] = _audit(desk, "review.signed")
    assert audit["actor"] == "lin.lihua" and audit["notes"][collective] == "董事长专题会，月底前出方案"
    assert len(_audit(desk, "review.noted")) == 2

    # the monthly list holds only the collective complaint, for the chairman
    desk.at("2026-12-01 09:00")
    worker.run_once()
    worker.run_once()  # a second run writes nothing twice
    month = reviews.listing("chen.guodong", kind="major")[0]
    assert (month["period"], month["reviewer_role"], month["items"]) == ("2026-12", "chairman", 1)
    assert [i["case_number"] for i in reviews.show("chen.guodong", month["id"])["items"]] == [collective]
    with pytest.raises(PermissionDenied):
        reviews.note("lin.lihua", month["id"], 1, "x")  # the GM does not sign the chairman's list


def test_a_list_asked_for_on_demand_is_the_one_the_worker_keeps(desk: Desk, worker: Worker) -> None:
    desk.open()
    desk.at("2026-11-25 10:00")  # Wednesday: this week's list stands at Monday 00:00
    reviews = _reviews(desk)
    made = reviews.generate("he.jing", "leftover")
    assert (made["period"], made["generated_by"], made["occurrence_at"]) == (
        "2026-W48", "he.jing", shanghai("2026-11-23 00:00"))
    assert reviews.show("he.jing", made["id"])["items"] == []  # the complaint came at 10:00 on Monday
    assert reviews.generate("he.jing", "leftover")["id"] == made["id"]
    with pytest.raises(PermissionDenied):
        reviews.generate("han.xue", "leftover", "sz-property")
    with pytest.raises(PermissionDenied):
        reviews.generate("zhang.wei", "leftover")  # a CS specialist is no manager
    with pytest.raises(FormError):
        reviews.generate("he.jing", "quarterly")
    worker.run_once()
    with desk.runtime.store.read() as tx:
        kept = ReviewRepo(tx).reviews(kind="leftover", unit="sz-property")
    assert [r["generated_by"] for r in kept] == ["he.jing"]


def _systemic_lines(worker: Worker) -> list[tuple[str, int, str, str]]:
    with worker.store.read() as tx:
        return [(p.staff, p.amount, p.month, str(p.detail["text"])) for p in WorkerRepo(tx).penalties()
                if p.kind == "systemic_late"]


def test_the_quarterly_analysis_gives_each_department_a_task_and_fines_a_late_answer_once(
        desk: Desk, worker: Worker) -> None:
    desk.at("2026-09-10 10:00")
    desk.open(category="facilities")  # 房屋设备管理: the property department
    desk.open(category="facilities")
    desk.open(category="billing")  # 财务管理: finance
    desk.at("2026-10-08 10:00")  # National Day moved the 1st's 09:00 run to the first working day
    worker.run_once()
    reviews = _reviews(desk)
    [analysis] = reviews.listing("lin.lihua", kind="systemic")
    assert (analysis["period"], analysis["occurrence_at"]) == ("2026Q3", shanghai("2026-10-08 09:00"))
    tasks = {t["department"]: t for t in reviews.show("lin.lihua", analysis["id"])["tasks"]}
    assert sorted(tasks) == ["finance", "property"]
    assert tasks["property"]["data"] == {"period": "2026Q3", "count": 2, "categories": {"facilities": 2}}
    # 15 calendar days: due 10-23 09:00 (the holiday before the run is not counted again)
    assert {t["due_at"] for t in tasks.values()} == {shanghai("2026-10-23 09:00")}
    assert tasks["property"]["candidate_group"] == "department_head@sz-property-property"
    assert [t["department"] for t in reviews.my_tasks("yang.fan")] == ["property"]
    assert reviews.my_tasks("xu.jianguo") == []  # hn-region's engineering head has none
    with desk.runtime.store.read() as tx:
        told = [n.kind for n in WorkerRepo(tx).notifications("yang.fan")]
    assert "systemic_task" in told

    with pytest.raises(PermissionDenied):
        reviews.answer("cai.wen", tasks["finance"]["id"], "华南区域公司财务部不能代答")
    with pytest.raises(PermissionDenied):
        reviews.task("cai.wen", tasks["finance"]["id"])  # nor read it
    with pytest.raises(PermissionDenied):
        reviews.answer("yang.fan", tasks["finance"]["id"], "物业部不答财务部的任务")
    assert reviews.task("ma.xiaoli", tasks["finance"]["id"])["may_answer"] is True
    assert reviews.task("lin.lihua", tasks["finance"]["id"])["may_answer"] is False  # reads, does not answer
    desk.at("2026-10-22 16:00")
    reviews.answer("ma.xiaoli", tasks["finance"]["id"], "统一收费单据格式，每月核对")  # in time
    with pytest.raises(ConflictError):
        reviews.answer("ma.xiaoli", tasks["finance"]["id"], "再答一次")
    desk.at("2026-10-23 12:00")
    reviews.answer("yang.fan", tasks["property"]["id"], "建立共用设施巡检台账")  # three hours late
    desk.at("2026-10-23 18:30")
    worker.run_once()
    worker.run_once()
    desk.at("2026-10-26 19:00")
    worker.run_once()
    assert _systemic_lines(worker) == [
        ("yang.fan", 200, "2026-10",
         "2026Q3系统性问题优化措施时限2026-10-23 09:00，2026-10-23 12:00提出（逾期扣罚200元）")]


def test_an_unanswered_task_is_fined_once_at_the_first_check_after_its_due_time(
        desk: Desk, worker: Worker) -> None:
    desk.at("2026-09-10 10:00")
    desk.open(category="billing")
    desk.at("2026-10-08 10:00")
    worker.run_once()
    desk.at("2026-10-23 17:00")  # before the 18:00 check: not late yet
    worker.run_once()
    assert _systemic_lines(worker) == []
    desk.at("2026-10-24 10:00")
    worker.run_once()
    desk.at("2026-10-27 10:00")
    reviews = _reviews(desk)
    [task] = reviews.my_tasks("ma.xiaoli")
    reviews.answer("ma.xiaoli", task["id"], "迟交的整改方案")
    worker.run_once()
    assert _systemic_lines(worker) == [
        ("ma.xiaoli", 200, "2026-10",
         "2026Q3系统性问题优化措施时限2026-10-23 09:00，逾期未提出（扣罚200元）")]
