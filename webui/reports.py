"""The 统计 page (R7.1): a manager's units within their scope, a month's figures as tables, and the
month as Excel and PDF. Every figure comes from ``engine.reports.monthly`` (SQL aggregates); the
scope is ``report.read`` (``engine.permissions``): another subsidiary's report is a 403."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Flask, Response, render_template, request, url_for

from engine.errors import FormError, PermissionDenied
from engine.reports.export import report_pdf, report_title, report_xlsx, sections
from engine.reports.monthly import ITEMS_PER_PAGE
from engine.reports.quarterly import period_label
from engine.reports.quarterly_export import (
    bad_debt_sections,
    bad_debt_title,
    bad_debt_xlsx,
    quarterly_pdf,
    quarterly_sections,
    quarterly_title,
    quarterly_xlsx,
)
from engine.reports.ranking_export import ranking_sections, ranking_title, ranking_xlsx
from webui.context import current_actor, login_required, services
from webui.errors import field_errors

__all__ = ["bp", "init_app", "recent_months"]

bp = Blueprint("reports", __name__, url_prefix="/reports")
_RECENT = 12
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
        page = request.args.get("page", 1, type=int)  # the edge refused a page out of 1–100000 (validation)
        figures = services().monthly_report(current_actor(), month, unit)
        if page != 1:  # the figures with another page of the complaints' list
            listing = services().monthly_report_items(current_actor(), month, unit, page, ITEMS_PER_PAGE)
            figures = {**figures, "items": listing["items"],
                       "items_page": {k: listing[k] for k in figures["items_page"]}}
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
    figures = services().monthly_report(current_actor(), month, unit, all_items=True)  # the whole list
    name = f"report-{figures['unit']}-{figures['month']}.{fmt}"
    if fmt == "xlsx":
        body = report_xlsx(figures)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = report_pdf(figures, figures["names"]["units"].get("group", ""))
        kind = "application/pdf"
    return Response(body, mimetype=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/dashboard")
@login_required
def dashboard() -> Any:
    """The charts of the chosen unit's month and the twelve months up to it (R7)."""
    units, months = _choices()
    unit = request.args.get("unit") or units[0][0]
    month = request.args.get("month") or months[1]
    try:
        data = services().dashboard(current_actor(), month, unit)
    except FormError as exc:
        return render_template("reports/dashboard.html", units=units, months=months, unit=unit, month=month,
                               data=None, errors=field_errors(exc)), 422
    return render_template("reports/dashboard.html", units=units, months=months, unit=unit, month=month,
                           data=data, errors={})


@bp.get("/ranking")
@login_required
def ranking() -> Any:
    """The month's rankings (R7.2) of the chosen unit: companies, projects, CS specialists."""
    units, months = _choices()
    unit = request.args.get("unit") or units[0][0]
    month = request.args.get("month") or months[1]
    try:
        figures = services().ranking_report(current_actor(), month, unit)
    except FormError as exc:
        return render_template("reports/ranking.html", units=units, months=months, unit=unit, month=month,
                               figures=None, errors=field_errors(exc)), 422
    return render_template("reports/ranking.html", units=units, months=months, unit=unit, month=month,
                           figures=figures, tables=ranking_sections(figures), title=ranking_title(figures),
                           errors={})


@bp.get("/ranking/<unit>/<month>.xlsx")
@login_required
def ranking_download(unit: str, month: str) -> Any:
    """The month's rankings as an Excel workbook."""
    figures = services().ranking_report(current_actor(), month, unit)
    name = f"ranking-{figures['unit']}-{figures['month']}.xlsx"
    return Response(ranking_xlsx(figures), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _quarters(today: date, length: int) -> list[str]:
    """This period and the seven before it, newest first (``2026Q4``, ``2026Q3``, …)."""
    count = 12 // length
    year, index = today.year, (today.month - 1) // length + 1
    out = []
    for _ in range(8):
        out.append(period_label(year, index, length))
        year, index = (year - 1, count) if index == 1 else (year, index - 1)
    return out


@bp.get("/quarterly")
@login_required
def quarterly() -> Any:
    """The chosen unit's quarterly analysis (default: the last ended period) as tables."""
    units, _months = _choices()
    svc = services()
    unit = request.args.get("unit") or units[0][0]
    today = svc.policy(None).calendar.localize(svc.clock.now()).date()
    periods = _quarters(today, int(svc.policy(None).get("statistics.analysis_every_months")))
    period = request.args.get("quarter") or periods[1]
    field = {"name": "quarter", "value": period, "choices": periods, "example": periods[1],
             "label": {"zh": "季度", "en": "Quarter"}}
    page = {"units": units, "unit": unit, "month": None, "field": field,
            "heading": {"zh": "季度分析", "en": "Quarterly analysis"}}
    try:
        figures = svc.quarterly_report(current_actor(), period, unit)
    except FormError as exc:
        return render_template("reports/analysis.html", **page, tables=None, errors=field_errors(exc)), 422
    where = {"unit": figures["unit"], "period": figures["period"]}
    downloads = [({"zh": "下载 Excel", "en": "Download Excel"},
                  url_for("reports.quarterly_download", **where, fmt="xlsx")),
                 ({"zh": "下载 PDF", "en": "Download PDF"},
                  url_for("reports.quarterly_download", **where, fmt="pdf"))]
    return render_template("reports/analysis.html", **page, tables=quarterly_sections(figures),
                           title=quarterly_title(figures), downloads=downloads, errors={},
                           note={"zh": "本期与前四期（含去年同期）对比；坏账口径见第四表",
                                 "en": "This period against the four before it (the first is the same period "
                                       "last year); table 4 gives both bad-debt figures"})


@bp.get("/quarterly/<unit>/<period>.<fmt>")
@login_required
def quarterly_download(unit: str, period: str, fmt: str) -> Any:
    """The quarterly analysis as Excel or PDF."""
    if fmt not in ("xlsx", "pdf"):
        raise FormError(f"no download as {fmt!r}; use .xlsx or .pdf", {"format": "xlsx or pdf"},
                        zh="只能下载 Excel（.xlsx）或 PDF（.pdf）")
    figures = services().quarterly_report(current_actor(), period, unit)
    name = f"quarterly-{figures['unit']}-{figures['period']}.{fmt}"
    if fmt == "xlsx":
        body, kind = quarterly_xlsx(figures), XLSX
    else:
        group = next((u.name for u in services().units().values() if u.kind == "group"), "")
        body, kind = quarterly_pdf(figures, group), "application/pdf"
    return Response(body, mimetype=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/bad-debt")
@login_required
def bad_debt() -> Any:
    """The year-end special analysis of the unresolvable complaints (R2.16), default last year."""
    units, _months = _choices()
    svc = services()
    unit = request.args.get("unit") or units[0][0]
    this_year = svc.policy(None).calendar.localize(svc.clock.now()).year
    years = [str(this_year - i) for i in range(5)]
    text = request.args.get("year") or years[1]
    field = {"name": "year", "value": text, "choices": years, "example": years[1],
             "label": {"zh": "年度", "en": "Year"}}
    page = {"units": units, "unit": unit, "month": None, "field": field,
            "heading": {"zh": "坏账专项分析", "en": "Bad-debt analysis"}}
    try:
        year = _year(text)
        figures = svc.bad_debt_report(current_actor(), year, unit)
    except FormError as exc:
        return render_template("reports/analysis.html", **page, tables=None, errors=field_errors(exc)), 422
    downloads = [({"zh": "下载 Excel", "en": "Download Excel"},
                  url_for("reports.bad_debt_download", unit=figures["unit"], year=year))]
    return render_template("reports/analysis.html", **page, tables=bad_debt_sections(figures),
                           title=bad_debt_title(figures), downloads=downloads, errors={},
                           note={"zh": "无法解决的投诉计入当年统计，年末专项分析后不再计入次年统计；"
                                       "下表给出含与不含两种口径",
                                 "en": "Unresolvable complaints count in their year and leave the next "
                                       "year's counts; both figures are shown"})


def _year(text: str) -> int:
    if not (text.isdigit() and len(text) == 4):
        raise FormError(f"year must be four digits, e.g. 2026; got {text!r}",
                        {"year": "请填写四位年份，如 2026"}, zh="年份应为四位数字，如 2026")
    return int(text)


@bp.get("/bad-debt/<unit>/<int:year>.xlsx")
@login_required
def bad_debt_download(unit: str, year: int) -> Any:
    """The bad-debt analysis as Excel."""
    figures = services().bad_debt_report(current_actor(), year, unit)
    name = f"bad-debt-{figures['unit']}-{year}.xlsx"
    return Response(bad_debt_xlsx(figures), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
