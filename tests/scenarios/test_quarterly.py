"""The quarterly analysis (R7.1) and the year-end bad-debt analysis (R2.16) at 深圳物业, every figure exact.

=========  ======================================================================
quarter    complaints received (丽雅苑)
=========  ======================================================================
2025Q3     10 Aug: solved on the spot (closed at once)
2025Q4     none
2026Q1     10 Feb, 11 Feb: both solved on the spot
2026Q2     12 May: still open
2026Q3     15 Jul solved on the spot; 12 Aug billing, open; 8 Sep closed as unresolvable (市政管网)
=========  ======================================================================
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.errors import FormError, PermissionDenied
from engine.permissions import subject_of
from engine.reports.monthly import monthly_statistics
from engine.reports.quarterly import bad_debt_analysis, quarterly_analysis
from engine.runtime.access import load_staff
from tests.conftest import shanghai
from tests.scenarios.conftest import Desk
from tests.scenarios.test_monthly_statistics import _order, _reply, _visit


def _on_spot(desk: Desk, at: str, **kw: Any) -> str:
    desk.at(at)
    return desk.open(
        event_time=shanghai(at).isoformat(),
        solved_on_spot=True,
        customer_confirmed=True,
        on_spot_resolution="当面解释并处理",
        **kw,
    ).number


def _open(desk: Desk, at: str, **kw: Any) -> str:
    desk.at(at)
    return desk.open(event_time=shanghai(at).isoformat(), **kw).number


def build_quarters(desk: Desk) -> str:
    _on_spot(desk, "2025-08-10 10:00")
    _on_spot(desk, "2026-02-10 10:00")
    _on_spot(desk, "2026-02-11 10:00")
    _open(desk, "2026-05-12 10:00")
    _on_spot(desk, "2026-07-15 10:00")
    _open(desk, "2026-08-12 10:00", category="billing", description="物业费账单错误")
    bad = _open(desk, "2026-09-08 09:00", description="地下室返潮")
    _order(desk, bad, "2026-09-08 09:10", "2026-09-08 09:20")
    _visit(desk, bad, "2026-09-08 09:40")
    _reply(desk, bad, "2026-09-08 10:00")
    desk.at("2026-09-08 11:00")
    desk.complete(bad, "carry_out_work", progress="需市政处理", work_result="unresolvable")
    desk.complete(
        bad, "approve_unresolvable", unresolvable_decision="approve", unresolvable_reason="市政管网"
    )
    return bad


def analysis(
    desk: Desk,
    period: str = "2026Q3",
    unit: str | None = "sz-property",
    at: str = "2026-10-08 09:00",
    **kw: Any,
) -> dict[str, Any]:
    runtime = desk.runtime
    return quarterly_analysis(runtime.store, runtime.policies, period, unit, now=shanghai(at), **kw)


def test_a_quarter_against_the_previous_quarters_and_the_same_quarter_last_year(desk: Desk) -> None:
    build_quarters(desk)
    figures = analysis(desk)
    assert (figures["period"], figures["months"], figures["final"]) == (
        "2026Q3",
        ["2026-07", "2026-09"],
        True,
    )
    t = figures["totals"]
    assert (t["received"], t["valid"], t["closed"], t["open"], t["unresolvable"]) == (3, 3, 2, 1, 1)
    assert t["closure_rate"] == 0.6667
    assert t["without_unresolvable"] == {"valid": 2, "closed": 1, "closure_rate": 0.5}
    assert [(p["period"], p["received"], p["closed"], p["open"]) for p in figures["trend"]] == [
        ("2025Q3", 1, 1, 0),
        ("2025Q4", 0, 0, 0),
        ("2026Q1", 2, 2, 0),
        ("2026Q2", 1, 0, 1),
    ]
    assert figures["against_previous"]["received"] == {"difference": 2, "rate": 2.0}
    assert figures["against_last_year"]["received"] == {"difference": 2, "rate": 2.0}
    assert figures["against_last_year"]["unresolvable"] == {"difference": 1, "rate": None}
    assert [(t["category"], t["count"], t["previous"], t["last_year"]) for t in figures["types"]] == [
        ("facilities", 2, 1, 1),
        ("billing", 1, 0, 0),
    ]
    assert figures["types"][0]["name"] == "房屋设备管理"


def test_the_year_end_bad_debt_analysis_lists_them_and_shows_both_figures(desk: Desk) -> None:
    bad = build_quarters(desk)
    runtime = desk.runtime
    year = bad_debt_analysis(
        runtime.store, runtime.policies, 2026, "sz-property", now=shanghai("2027-01-05 09:00")
    )
    assert (year["unresolvable"], year["final"]) == (1, True)
    assert [(i["number"], i["category"], i["content"]) for i in year["items"]] == [
        (bad, "facilities", "地下室返潮")
    ]
    assert year["by_category"] == {"facilities": 1} and year["by_project"] == {"sz-property-lyc": 1}
    # 2026: six valid (2 + 1 + 3), four closed; without the bad debt five and three.
    assert year["with_unresolvable"] == {"valid": 6, "closed": 4, "closure_rate": 0.6667}
    assert year["without_unresolvable"] == {"valid": 5, "closed": 3, "closure_rate": 0.6}
    # It leaves the next year's counts: 2027 knows nothing of it.
    later = bad_debt_analysis(
        runtime.store, runtime.policies, 2027, "sz-property", now=shanghai("2027-03-01 09:00")
    )
    assert (later["unresolvable"], later["items"], later["with_unresolvable"]["valid"]) == (0, [], 0)
    q1 = analysis(desk, "2027Q1", at="2027-04-02 09:00")
    assert q1["totals"]["unresolvable"] == 0 and q1["against_last_year"]["received"]["difference"] == -2


def test_a_bad_period_is_a_form_error_and_another_subsidiary_is_refused(desk: Desk) -> None:
    for bad in ("2026Q5", "2026-07", "Q3", ""):
        with pytest.raises(FormError) as error:
            analysis(desk, bad)
        assert "quarter" in error.value.errors
    with desk.runtime.store.read() as tx:
        manager = subject_of(load_staff(tx, "he.jing"), tx.units)
    assert analysis(desk, unit="sz-property", subject=manager)["unit"] == "sz-property"
    with pytest.raises(PermissionDenied):
        analysis(desk, unit="hn-region", subject=manager)
    with pytest.raises(PermissionDenied):
        bad_debt_analysis(
            desk.runtime.store,
            desk.runtime.policies,
            2026,
            "hn-region",
            now=shanghai("2027-01-05 09:00"),
            subject=manager,
        )


def test_the_cli_prints_and_writes_the_quarter_the_bad_debts_and_the_ranking(
    desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import load_workbook

    from engine.cli import main
    from tests.hostile.pdftext import pdf_text

    bad = build_quarters(desk)
    base = ["--db", desk.runtime.store.url, "--now", "2027-01-05T09:00:00+08:00"]
    assert main([*base, "report", "quarterly", "--quarter", "2026Q3", "--unit", "sz-property"]) == 0
    assert json.loads(capsys.readouterr().out)["totals"]["unresolvable"] == 1
    pdf = tmp_path / "q3.pdf"
    quarter = [*base, "report", "quarterly", "--quarter", "2026Q3", "--unit", "sz-property"]
    assert main([*quarter, "--format", "pdf", "--out", str(pdf)]) == 0
    text = pdf_text(pdf.read_bytes()).replace(" ", "")
    assert (
        "深圳物业公司2026年第3季度客户投诉分析" in text and "有效投诉趋势" in text
    )  # the heading and a chart
    xlsx = tmp_path / "bad.xlsx"
    assert (
        main(
            [
                *base,
                "report",
                "bad-debt",
                "--year",
                "2026",
                "--unit",
                "sz-property",
                "--format",
                "xlsx",
                "--out",
                str(xlsx),
            ]
        )
        == 0
    )
    rows = [[c.value for c in row] for row in load_workbook(xlsx)["无法解决投诉明细"].iter_rows()]
    assert any(row[0] == bad for row in rows)
    capsys.readouterr()  # the files' names
    assert main([*base, "report", "ranking", "--month", "2026-09", "--unit", "sz-property"]) == 0
    ranking = json.loads(capsys.readouterr().out)
    assert [p["unit"] for p in ranking["projects"]][:1] == ["sz-property-lyc"]
    assert (
        main([*base, "--as", "he.jing", "report", "quarterly", "--quarter", "2026Q3", "--unit", "hn-region"])
        == 1
    )
    assert "another unit" in capsys.readouterr().err
    assert main([*base, "report", "bad-debt", "--year", "2026", "--format", "xlsx"]) == 1
    assert "--out" in capsys.readouterr().err


def test_the_monthly_pdf_carries_its_charts(desk: Desk, tmp_path: Path) -> None:
    from engine.reports.export import report_pdf
    from tests.hostile.pdftext import pdf_text

    build_quarters(desk)
    runtime = desk.runtime
    figures = monthly_statistics(
        runtime.store, runtime.policies, "2026-09", "sz-property", now=shanghai("2026-10-08 09:00")
    )
    text = pdf_text(report_pdf(figures, "华锦集团")).replace(" ", "")
    assert "投诉类别（最终原因）" in text and "按时完成率（%）" in text and "回访满意度" in text
