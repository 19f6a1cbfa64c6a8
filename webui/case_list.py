"""Find any case: the case list and search page, its Excel export, a customer's and a household's
earlier cases (the case page and the intake form show them)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, Response, render_template, request

from engine.errors import FormError
from engine.store.case_queries import EXPORT_CAP, CaseFilter
from webui.context import current_actor, login_required, services
from webui.errors import field_errors, message_of
from webui.forms import form_error
from webui.i18n import lang
from webui.labels import PROCESS_NAMES, STATUSES

__all__ = ["FILTER_KEYS", "bp", "case_filter", "init_app"]

bp = Blueprint("case_list", __name__)
FILTER_KEYS = ("q", "process", "status", "category", "unit", "from", "to", "overdue", "assignee", "state")
_LIST_STATUSES = ("received", "emergency", "order_raised", "dispatched", "customer_unreachable",
                  "in_progress", "closing", "closed", "withdrawn", "merged")


def _day(args: Any, key: str, errors: dict[str, tuple[str, str]]) -> date | None:
    text = (args.get(key) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[key] = (f"{text[:20]!r} is not a date; use YYYY-MM-DD",
                       f"“{text[:20]}”不是日期，请按 年-月-日 填写")
        return None


def case_filter(args: Any, zone: Any, actor: Any = None) -> CaseFilter:
    """The filter of the page's query arguments; bad values are a FormError naming each field."""
    errors: dict[str, tuple[str, str]] = {}
    q = (args.get("q") or "").strip()
    if len(q) > 100:
        errors["q"] = ("at most 100 characters", "搜索词最多 100 个字")
    process = args.get("process") or ""
    if process and process not in PROCESS_NAMES:
        errors["process"] = (f"unknown process {process[:30]!r}", "没有这种案件类型")
    status = args.get("status") or ""
    if status and status not in STATUSES:
        errors["status"] = (f"unknown status {status[:30]!r}", "没有这种状态")
    state = args.get("state") or ""
    if state and state not in ("open", "closed"):
        errors["state"] = ("open or closed", "只能是“办理中”或“已结案”")
    first, last = _day(args, "from", errors), _day(args, "to", errors)
    if first and last and last < first:
        errors["to"] = ("the end date is before the start date", "结束日期早于开始日期")
    try:
        page = int(args.get("page") or 1)
        if not 1 <= page <= 100_000:
            raise ValueError
    except ValueError:
        errors["page"] = ("a page number from 1", "页码必须是从 1 开始的整数")
        page = 1
    assignee = (args.get("assignee") or "").strip()
    if assignee and actor is not None and "assignee" not in errors:
        try:
            assignee = services().staff_login(actor, assignee)
        except FormError as exc:
            zh = getattr(exc, "errors_zh", {}).get("assignee", "")
            errors["assignee"] = (exc.errors.get("assignee", exc.message), zh)
    if errors:
        listed = "; ".join(f"{k}: {en}" for k, (en, _) in errors.items())
        error = form_error("the search has bad values: " + listed, errors)
        error.zh = "请更正：" + "；".join(zh for _, zh in errors.values())
        raise error
    return CaseFilter(
        q=q, process=process, status=status, state=state, category=args.get("category") or "",
        unit=(args.get("unit") or "")[:64],
        opened_from=datetime.combine(first, time(), zone) if first else None,
        opened_before=datetime.combine(last + timedelta(days=1), time(), zone) if last else None,
        overdue=args.get("overdue") in ("1", "on", "true"), assignee=assignee, page=page)


def _options() -> dict[str, Any]:
    actor = current_actor()
    language = lang()
    return {
        "processes": [(code, names[language]) for code, names in PROCESS_NAMES.items()],
        "statuses": [(code, STATUSES[code][language]) for code in _LIST_STATUSES],
        "categories": services().choices("complaint.categories"),
        "units": services().case_list_units(actor),
        "staff": sorted(services().staff_names().items(), key=lambda item: item[1]),
    }


@bp.get("/cases")
@login_required
def index() -> Any:
    """The case list: every case the actor may read, searched and filtered, newest first."""
    args = request.args
    values = {k: args.get(k, "") for k in FILTER_KEYS}
    template = "_case_list_table.html" if request.headers.get("HX-Request") else "case_list.html"
    try:
        flt = case_filter(args, services().runtime.zone, current_actor())
        page = services().find_cases(current_actor(), flt, lang())
    except FormError as exc:
        return render_template(template, page=None, values=values, errors=field_errors(exc),
                               message=message_of(exc), **_options()), 422
    return render_template(template, page=page, values=values, errors={}, message="", **_options())


@bp.get("/cases/export.xlsx")
@login_required
def export() -> Any:
    """The filtered list as an Excel workbook (up to EXPORT_CAP rows)."""
    flt = case_filter(request.args, services().runtime.zone, current_actor())
    body, total = services().export_cases(current_actor(), flt, lang())
    stamp = services().clock.now().astimezone(services().runtime.zone).strftime("%Y%m%d-%H%M")
    name = f"案件-{stamp}.xlsx"
    disposition = f"attachment; filename=cases-{stamp}.xlsx; filename*=UTF-8''{quote(name)}"
    headers = {"Content-Disposition": disposition,
               "X-Kefu-Total": str(total), "X-Kefu-Exported": str(min(total, EXPORT_CAP))}
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=kind, headers=headers)


@bp.get("/cases/earlier")
@login_required
def earlier() -> Any:
    """A customer's and a household's earlier cases (htmx fragment for the intake form)."""
    args = request.args
    found = services().earlier_cases(current_actor(), phone=args.get("customer_phone", ""),
                                     project=args.get("project", "") or current_actor_project(),
                                     room=args.get("room", ""), exclude=args.get("exclude", ""),
                                     language=lang())
    return render_template("_earlier_cases.html", earlier=found)


@bp.get("/cases/<number>/earlier")
@login_required
def earlier_of(number: str) -> Any:
    """The earlier cases of this case's customer and household (htmx fragment for the case page)."""
    found = services().earlier_cases_of(current_actor(), number, lang())
    return render_template("_earlier_cases.html", earlier=found)


def current_actor_project() -> str:
    """The actor's own project code (for the household of an intake without a project choice)."""
    subject = current_actor().subject
    return (subject.project or "") if subject is not None else ""


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
