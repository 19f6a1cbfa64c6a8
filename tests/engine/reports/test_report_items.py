"""The monthly report's list of complaints, paginated (issue 16), on each backend.

November 2026 at 深圳物业 (sz-property) has 120 complaints, received two at a time every 12 hours
from Sunday 1 November 00:00 Shanghai time (each pair at the same moment, so the case number breaks
the tie), alternately at 丽雅苑 and 锦华园; every tenth is withdrawn (invalid, still listed), every
third closed by the month's end and one closed only on 2 December (open as at the month's end).
Never listed: a complaint of November at 华南区域, one of October at 深圳物业, and a repair.

The JSON figures carry the first 50 and the total; ``monthly_items`` serves every page in the same
stable order; the Excel, the PDF and the stored (frozen) report keep all 120.
"""

from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from engine.errors import FormError, PermissionDenied
from engine.permissions import subject_of
from engine.reports.export import report_pdf, report_xlsx
from engine.reports.monthly import monthly_items, monthly_statistics
from engine.runtime.access import load_staff
from engine.store.report_repo import ReportRepo
from tests.conftest import shanghai

NOW = shanghai("2026-12-03 09:00")  # the report of a closed month, generated on the 3rd
START = shanghai("2026-11-01 00:00")
COUNT = 120
LATE_CLOSED = 7  # closed on 2 December: open as at the month's end


def _fact(case_id: str, number: str, opened: Any, **more: Any) -> dict[str, Any]:
    return {"case_id": case_id, "number": number, "process_id": "complaint", "subsidiary": "sz-property",
            "project": "sz-property-lyc", "opened_at": opened, "status": "open", "valid": True,
            "category": "facilities", "channel": "phone", "urgency": "normal", **more}


def _november(runtime: Any) -> list[str]:
    """The month above as the facts the report reads; the numbers in receipt order."""
    numbers = []
    with runtime.store.write() as tx:
        repo = ReportRepo(tx)
        for i in range(COUNT):
            number = f"TS-SZP-202611-{i:04d}"
            closed = START + timedelta(days=31, hours=10) if i == LATE_CLOSED else \
                START + timedelta(hours=12 * (i // 2) + 3) if i % 3 == 0 else None
            repo.insert_facts(_fact(
                f"case{i:04d}", number, START + timedelta(hours=12 * (i // 2)),
                project="sz-property-lyc" if i % 2 else "sz-property-jhy",
                status="withdrawn" if i % 10 == 0 else "closed" if closed else "open", valid=i % 10 != 0,
                closed_at=closed, content=f"第{i}号投诉：楼道灯不亮",
                corrective="更换灯具" if closed else None))
            numbers.append(number)
        repo.insert_facts(_fact("other-sub", "TS-HNR-1", START + timedelta(days=3), subsidiary="hn-region",
                                project="hn-region-bhw"))
        repo.insert_facts(_fact("october", "TS-SZP-OCT", START - timedelta(days=2)))
        repo.insert_facts(_fact("repair", "BX-SZP-1", START + timedelta(days=4), process_id="repair"))
    return numbers


def _subject(runtime: Any, login: str) -> Any:
    with runtime.store.read() as tx:
        return subject_of(load_staff(tx, login), tx.units)


def _href(page: int, per_page: int = 50) -> str:
    return f"/api/v1/reports/monthly/items?month=2026-11&unit=sz-property&page={page}&per_page={per_page}"


def test_the_json_carries_the_first_page_and_the_total_and_the_pages_give_every_complaint_once(
        runtime: Any) -> None:
    numbers = _november(runtime)
    store, policies = runtime.store, runtime.policies
    figures = monthly_statistics(store, policies, "2026-11", "sz-property", now=NOW)
    full = monthly_statistics(store, policies, "2026-11", "sz-property", now=NOW, items_per_page=None)
    assert figures["complaints"]["received"] == figures["complaints"]["items_total"] == COUNT
    assert [i["number"] for i in figures["items"]] == numbers[:50]
    assert figures["items_page"] == {"page": 1, "per_page": 50, "pages": 3, "total": COUNT,
                                     "next": _href(2), "previous": None}
    assert [i["number"] for i in full["items"]] == numbers  # receipt order; a tie by case number
    assert full["items_page"] == {"page": 1, "per_page": None, "pages": 1, "total": COUNT, "next": None,
                                  "previous": None}
    assert full["items"][:50] == figures["items"]
    rest = {k: v for k, v in full.items() if k not in ("items", "items_page")}
    assert rest == {k: v for k, v in figures.items() if k not in ("items", "items_page")}
    item = {i["number"]: i for i in full["items"]}
    assert item[numbers[0]] == {"number": numbers[0], "project": "sz-property-jhy", "category": "facilities",
                                "received_at": "2026-11-01T00:00:00+08:00",
                                "content": "第0号投诉：楼道灯不亮", "corrective": "更换灯具", "valid": False,
                                "closed": True, "outcome": None}
    assert item[numbers[LATE_CLOSED]]["closed"] is False  # closed after the month's end
    assert sum(i["closed"] for i in full["items"]) == 40  # every third, by the month's end

    pages = [monthly_items(store, policies, "2026-11", "sz-property", page=p, now=NOW) for p in (1, 2, 3)]
    assert [i for p in pages for i in p["items"]] == full["items"]
    assert [(p["page"], p["pages"], p["total"], len(p["items"])) for p in pages] == [
        (1, 3, COUNT, 50), (2, 3, COUNT, 50), (3, 3, COUNT, 20)]
    assert (pages[1]["next"], pages[1]["previous"]) == (_href(3), _href(1))
    assert (pages[2]["next"], pages[2]["previous"]) == (None, _href(2))
    assert (pages[0]["month"], pages[0]["unit"], pages[0]["as_of"], pages[0]["final"]) == (
        "2026-11", "sz-property", "2026-12-01T00:00:00+08:00", True)
    past = monthly_items(store, policies, "2026-11", "sz-property", page=4, now=NOW)
    assert (past["items"], past["total"], past["next"], past["previous"]) == ([], COUNT, None, _href(3))
    sevens = [monthly_items(store, policies, "2026-11", "sz-property", page=p, per_page=7, now=NOW)
              for p in range(1, 19)]
    assert [i["number"] for p in sevens for i in p["items"]] == numbers  # no page overlaps or skips
    assert sevens[-1]["pages"] == 18 and len(sevens[-1]["items"]) == 1
    lyc = monthly_items(store, policies, "2026-11", "sz-property-lyc", per_page=500, now=NOW)
    assert [i["number"] for i in lyc["items"]] == numbers[1::2] and lyc["total"] == 60
    group = monthly_items(store, policies, "2026-11", None, per_page=500, now=NOW)
    assert group["total"] == COUNT + 1 and "TS-HNR-1" in {i["number"] for i in group["items"]}


@pytest.mark.parametrize(("page", "per_page", "fields"), [
    (0, 50, {"page"}), (-1, 50, {"page"}), (1, 0, {"per_page"}), (1, 501, {"per_page"}),
    ("2", 50, {"page"}), (True, 50, {"page"}), (1, 2.5, {"per_page"}), (0, 0, {"page", "per_page"})])
def test_a_bad_page_or_page_size_is_refused_naming_it(runtime: Any, page: Any, per_page: Any,
                                                      fields: set[str]) -> None:
    with pytest.raises(FormError) as refused:
        monthly_items(runtime.store, runtime.policies, "2026-11", "sz-property", page=page, per_page=per_page,
                      now=NOW)
    assert set(refused.value.errors) == fields
    with pytest.raises(FormError):
        monthly_statistics(runtime.store, runtime.policies, "2026-11", "sz-property", now=NOW,
                           items_per_page=0)


def test_the_pages_are_read_with_the_reports_permission(runtime: Any) -> None:
    _november(runtime)
    store, policies = runtime.store, runtime.policies
    manager = _subject(runtime, "he.jing")  # 深圳物业's CS-centre GM
    mine = monthly_items(store, policies, "2026-11", "sz-property", now=NOW, subject=manager)
    assert mine["total"] == COUNT
    for unit in ("hn-region", "hn-region-bhw", None):  # another subsidiary, its project, the group
        with pytest.raises(PermissionDenied):
            monthly_items(store, policies, "2026-11", unit, now=NOW, subject=manager)
    with pytest.raises(PermissionDenied):  # a CS specialist reads no report
        monthly_items(store, policies, "2026-11", "sz-property", now=NOW,
                      subject=_subject(runtime, "wang.fang"))


def test_the_excel_the_pdf_and_the_stored_frozen_report_keep_every_complaint(
        runtime: Any, tmp_path: Path) -> None:
    from engine.reports.delivery import store_report
    from tests.hostile.pdftext import pdf_text

    numbers = _november(runtime)
    store, policies = runtime.store, runtime.policies
    full = monthly_statistics(store, policies, "2026-11", "sz-property", now=NOW, items_per_page=None)
    sheet = load_workbook(BytesIO(report_xlsx(full)))["投诉明细"]
    listed = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert listed == numbers
    text = pdf_text(report_pdf(full)).replace(" ", "")
    assert numbers[0] in text and numbers[-1] in text

    first = store_report(store, policies, "sz-property", "2026-11", NOW, by="he.jing", data_dir=tmp_path)
    with store.write() as tx:  # a complaint of December, and a late correction of no November fact
        ReportRepo(tx).insert_facts(_fact("december", "TS-SZP-DEC", START + timedelta(days=33)))
    again = store_report(store, policies, "sz-property", "2026-11", NOW + timedelta(days=7), by="he.jing",
                         data_dir=tmp_path, note="复核")
    with store.read() as tx:
        repo = ReportRepo(tx)
        v2, v1 = repo.reports("sz-property", "2026-11")
        stored_v1 = repo.report_xlsx("sz-property", "2026-11", 1)
    assert (v1.version, v1.frozen, v2.version, v2.frozen) == (1, True, 2, True)
    assert [i["number"] for i in v1.figures["items"]] == numbers  # every complaint, not the first page
    assert v1.figures["items_page"]["per_page"] is None
    assert v1.figures == v2.figures == json.loads(json.dumps(full, ensure_ascii=False))  # the same month
    assert stored_v1 == Path(first["file"]).read_bytes()  # the earlier version kept as written
    assert [r[0] for r in load_workbook(BytesIO(stored_v1))["投诉明细"].iter_rows(
        min_row=3, values_only=True)] == numbers
    assert again["version"] == 2


def test_the_cli_prints_the_first_page_and_all_with_items_all(
        runtime: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli import main

    numbers = _november(runtime)
    base = ["--db", runtime.store.url, "--now", "2026-12-03T09:00:00+08:00", "report", "monthly",
            "--month", "2026-11", "--unit", "sz-property"]
    assert main(base) == 0
    figures = json.loads(capsys.readouterr().out)
    assert [i["number"] for i in figures["items"]] == numbers[:50]
    assert figures["complaints"]["items_total"] == COUNT
    assert figures["items_page"]["next"] == _href(2)
    assert main([*base, "--items", "all"]) == 0
    everything = json.loads(capsys.readouterr().out)
    assert [i["number"] for i in everything["items"]] == numbers and everything["items_page"]["next"] is None
    assert main([*base, "--items", "some"]) == 2
    assert "--items" in capsys.readouterr().err
