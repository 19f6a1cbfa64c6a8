"""The assessment month close (R8.1): statements for HR and finance, the public notice list.

``assessment_summary`` runs on ``assessment.summary`` (by the 5th, 001 篇2 4.1.5 每月1-5日汇总上月): it
writes last month's final statements (after the appeals of the first days) with the public notice
list (4.2.5) to ``exports/assessment/``, records them as an alert for ``complaint.penalties.report_to``
(HR and finance, with the penalty ledger) and tells each person with a statement their points and
money in-app. ``month_statements`` writes the same workbook for the penalty ledger's close on the 1st,
so that HR and finance get the statements together with the ledger (R2.15).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from engine.assessment import AssessmentRules, unit_month_in
from engine.assessment_export import write_statements
from engine.worker.context import RunContext

__all__ = ["assessment_summary", "month_statements"]


def month_statements(ctx: RunContext, month: str, suffix: str = "") -> tuple[Path, dict[str, Any]]:
    """Write the unit's statements of ``month``; the file and the figures."""
    figures = unit_month_in(ctx.repo.tx, AssessmentRules.of(ctx.policy), ctx.unit, month)
    unit = ctx.directory.units[ctx.unit].name if ctx.unit in ctx.directory.units else ctx.unit
    path = ctx.data_dir / "exports" / "assessment" / f"assessment-{ctx.unit}-{month}{suffix}.xlsx"
    return write_statements(figures, unit, path), figures


def assessment_summary(ctx: RunContext) -> dict[str, Any]:
    """Close last month: final statements and the public list, for HR, finance and each person."""
    month = ctx.local(ctx.occurrence - timedelta(days=ctx.local(ctx.occurrence).day)).strftime("%Y-%m")
    path, figures = month_statements(ctx, month, "-final")
    people = figures["people"]
    total = sum(int(p["total"].replace(".", "")) for p in people)
    report_to = [str(x) for x in ctx.policy.get("complaint.penalties.report_to")]
    ctx.repo.add_alert(key=f"assessment_summary:{ctx.unit}:{month}", kind="assessment_summary", unit=ctx.unit,
                       case_id=None, at=ctx.occurrence,
                       data={"month": month, "people": len(people), "total_fen": total,
                             "public": [p["person"] for p in figures["public"]], "files": [str(path)],
                             "report_to": report_to})
    for p in people:
        person = ctx.directory.person(p["person"])
        if person is None:
            continue
        ctx.notifier.tell([person], "assessment_statement", f"{ctx.unit}:{month}", channels=["in_app"],
                          month=month, points=p["points"], total=p["total"],
                          public="（列入本月公布名单）" if p["published"] else "",
                          public_en=" (on this month's public notice list)" if p["published"] else "")
        ctx.count("statements")
    return {"month": month, "people": len(people), "public": len(figures["public"]), "file": path.name}
