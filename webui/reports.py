"""The 统计 page (R7.1): a manager's units within their scope, a month's figures as tables, and the
month as Excel and PDF. Every figure comes from ``engine.reports.monthly`` (SQL aggregates); the
scope is ``report.read`` (``engine.permissions``): another subsidiary's report is a 403."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Flask, Response, render_template, request

from engine.errors import FormError, PermissionDenied
from engine.reports.export import report_pdf, report_title, report_xlsx, sections
from webui.context import current_actor, login_required, services
from webui.errors import field_errors

__all__ = ["bp", "init_app", "recent_months"]

bp = Blueprint("reports", __name__, url_prefix="/reports")
_RECENT = 12


def recent_months(today: date, count: int = _RECENT) -> list[str]:
    """``YYYY-MM`` of this month and the ``count - 1`` before it, newest first."""
    out, year, month = [], today.year, today.month
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


def _choices() -> tuple[list[tuple[str, str, str]], list[str]]:
    svc = services()
    units = svc.report_units(current_actor())
    if not units:
        raise PermissionDenied("the statistics are for supervisors and managers",
                               zh="统计报表仅限主管、经理及以上人员查阅")
    today = svc.policy(None).calendar.localize(svc.clock.now()).date()
    return units, recent_months(today)


@bp.get("")
@login_required
def index() -> Any:
    """The chosen unit's month (default: the actor's widest unit, last month) as tables."""
    units, months = _choices()
    unit = request.args.get("unit") or units[0][0]
    month = request.args.get("month") or months[1]
    try:
        figures = services().monthly_report(current_actor(), month, unit)
    except FormError as exc:
        return render_template("reports/monthly.html", units=units, months=months, unit=unit, month=month,
                               figures=None, errors=field_errors(exc), failed=exc), 422
    return render_template("reports/monthly.html", units=units, months=months, unit=unit, month=month,
                           figures=figures, tables=sections(figures), title=report_title(figures), errors={})


@bp.get("/<unit>/<month>.<fmt>")
@login_required
def download(unit: str, month: str, fmt: str) -> Any:
    """The month as an Excel workbook or a PDF in the group's format."""
    if fmt not in ("xlsx", "pdf"):
        raise FormError(f"no download as {fmt!r}; use .xlsx or .pdf", {"format": "xlsx or pdf"},
                        zh="只能下载 Excel（.xlsx）或 PDF（.pdf）")
    figures = services().monthly_report(current_actor(), month, unit)
    name = f"report-{figures['unit']}-{figures['month']}.{fmt}"
    if fmt == "xlsx":
        body = report_xlsx(figures)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = report_pdf(figures, figures["names"]["units"].get("group", ""))
        kind = "application/pdf"
    return Response(body, mimetype=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
