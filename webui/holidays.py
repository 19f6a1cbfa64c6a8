"""The holiday calendar page: each region's years with their source, and a year added from the State
Council's notice (preview, then publish; the open deadlines that rested on the provisional year are
recomputed and the page lists what moved). Everyone signed in may look; publishing is a group-level
organisation administrator's (``engine.calendar_publish``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Flask, render_template, request

from engine.calendar_publish import by_holiday
from engine.errors import FormError
from engine.policy.catalogue import ENTRIES
from webui.context import current_actor, login_required, services
from webui.errors import field_errors
from webui.i18n import lang

__all__ = ["bp", "day_runs", "day_text", "init_app"]

bp = Blueprint("holidays", __name__, url_prefix="/calendar")
_WEEKDAYS = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
             "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def day_text(day: date, with_year: bool = False) -> str:
    """``2月15日（周日）`` / ``Feb 15 (Sun)``."""
    weekday = _WEEKDAYS[lang()][day.weekday()]
    if lang() == "zh":
        return f"{f'{day.year}年' if with_year else ''}{day.month}月{day.day}日（{weekday}）"
    return f"{day:%b} {day.day}{f' {day.year}' if with_year else ''} ({weekday})"


def day_runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs: a holiday's days off are shown as ranges."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _form() -> dict[str, str]:
    return {k: request.form.get(k, "") for k in ("year", "region", "notice", "amendment")}


def _year(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        year = 0
    if not 2000 <= year <= 2099:
        error = FormError(f"{text!r} is not a year between 2000 and 2099", {"year": "a year such as 2027"},
                          zh="请填写年份，如 2027")
        error.errors_zh = {"year": "请填写年份，如 2027"}  # type: ignore[attr-defined]
        raise error
    return year


def _page(status: int = 200, **values: Any) -> Any:
    svc = services()
    region = values.pop("region", None) or request.args.get("region") or svc.calendar_region()
    view = svc.calendar_view(current_actor(), region, request.args.get("year", type=int))
    values.setdefault("form", {"year": str(view.suggested_year), "region": region, "notice": "",
                               "amendment": ""})
    values.setdefault("errors", {})
    titles = {entry.key: entry.title for entry in ENTRIES}
    return render_template("calendar/index.html", view=view, day_text=day_text, by_holiday=by_holiday,
                           day_runs=day_runs, key_titles=titles, **values), status


@bp.get("")
@login_required
def index() -> Any:
    """The years of a region (its source each) and one year's holidays and make-up workdays."""
    return _page()


@bp.post("/preview")
@login_required
def preview() -> Any:
    """Read a pasted notice and show what it would change; nothing is written."""
    form = _form()
    try:
        found = services().preview_notice(current_actor(), _year(form["year"]), form["region"],
                                          [form["notice"], form["amendment"]])
    except FormError as exc:
        return _page(422, region=form["region"], form=form, errors=field_errors(exc), failed=exc)
    return _page(region=form["region"], form=form, preview=found)


@bp.post("/publish")
@login_required
def publish() -> Any:
    """Write the year's file from the notice, recompute the open deadlines, show what moved."""
    form = _form()
    try:
        done = services().publish_notice(current_actor(), _year(form["year"]), form["region"],
                                         [form["notice"], form["amendment"]])
    except FormError as exc:
        return _page(422, region=form["region"], form=form, errors=field_errors(exc), failed=exc)
    return _page(region=form["region"], published=done, year=int(form["year"]))


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
