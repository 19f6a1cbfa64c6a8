"""The worker's assessment close (R8.1): statements with the ledger on the 1st, final ones by the 5th.

The statements go to HR and finance with the penalty ledger (the ledger close writes them beside it);
``assessment.summary`` closes the month after the first days' appeals: the final workbook, the public
notice list and each person's in-app statement, once per month however late or often the worker runs.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from engine.assessment import Assessment
from engine.store.worker_repo import WorkerRepo
from tests.engine.worker.conftest import make_worker
from tests.scenarios.conftest import Desk


def _notices(desk: Desk) -> tuple[Assessment, int]:
    a = Assessment(desk.runtime.store, desk.clock, desk.runtime.policies)
    ids = [a.issue("li.na", person="wang.fang", issue="etiquette", points=p, occurred_on=f"2026-11-{d}",
                   text="未使用规范用语").id for p, d in ((1, 10), (2, 12), (2, 20))]
    a.issue("li.na", person="zhang.wei", issue="records", points=1, occurred_on="2026-11-11", text="记录不全")
    return a, ids[-1]


def test_statements_go_with_the_ledger_and_the_final_ones_once_by_the_5th_however_late(
        sqlite_desk: Desk, tmp_path: Path) -> None:
    desk = sqlite_desk
    desk.at("2026-11-28 10:00")
    a, last = _notices(desk)
    worker = make_worker(desk, tmp_path)
    worker.run_once()
    desk.at("2026-12-01 00:05")
    worker.run_once()
    folder = tmp_path / "exports" / "assessment"
    sheet = load_workbook(folder / "assessment-sz-property-2026-11.xlsx")["考核汇总"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
    assert [r[:3] + [r[8]] for r in rows] == [["王芳", "wang.fang", 5, 37.5], ["张伟", "zhang.wei", 1, 5.0],
                                             ["李娜", "li.na", 0, 7.5], ["合计", None, 6, 50]]
    with worker.store.read() as tx:
        [close] = [x for x in WorkerRepo(tx).alerts("penalty_close") if x["unit"] == "sz-property"
                   and x["data"]["month"] == "2026-11"]
    assert str(folder / "assessment-sz-property-2026-11.xlsx") in close["data"]["files"]

    # an appeal decided on the 2nd changes the final statement; the worker is away until the 12th
    desk.at("2026-12-02 09:00")
    a.appeal("wang.fang", last, "系统故障")
    a.decide("he.jing", last, "cancelled", answer="查实撤销")
    desk.at("2026-12-12 09:00")
    worker.run_once()
    worker.run_once()  # twice: nothing more
    with worker.store.read() as tx:
        repo = WorkerRepo(tx)
        summaries = [x for x in repo.alerts("assessment_summary") if x["unit"] == "sz-property"]
        statements = [n for n in repo.notifications("wang.fang") if n.kind == "assessment_statement"]
        boss = [n for n in repo.notifications("li.na") if n.kind == "assessment_statement"]
    # the first sweep (11-28) closed October, its latest period; November closes once
    assert [s["data"]["month"] for s in summaries] == ["2026-10", "2026-11"]
    november = summaries[1]["data"]
    # 3 points, no repeat left: 15 yuan, nothing shared, not on the public list
    assert november["public"] == [] and november["total_fen"] == 1500 + 500 and november["people"] == 2
    assert [n.title for n in statements] == ["【考核月报】2026-11 扣3分"]
    assert "应扣款15.00元" in statements[0].body
    assert boss == []  # li.na bears nothing once the repeat is gone
    final = load_workbook(folder / "assessment-sz-property-2026-11-final.xlsx")
    assert [[c.value for c in r] for r in final["公布名单"].iter_rows(min_row=2)] == []
    # by date: the cancelled one stays listed, marked
    assert [(r[0].value, r[1].value, r[8].value) for r in final["过失通知单"].iter_rows(min_row=2)] == [
        (1, "2026-11-10", "生效"), (4, "2026-11-11", "生效"), (2, "2026-11-12", "生效"),
        (last, "2026-11-20", "已撤销")]
    # hn-region has no notice: its month closes empty, nobody is told
    with worker.store.read() as tx:
        hn = [x for x in WorkerRepo(tx).alerts("assessment_summary") if x["unit"] == "hn-region"]
    assert [(x["data"]["month"], x["data"]["people"]) for x in hn] == [("2026-10", 0), ("2026-11", 0)]
