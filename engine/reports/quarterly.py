"""The quarterly analysis (R7.1, ``statistics.analysis_every_months``) and the bad-debt rule (R2.16).

``quarterly_analysis(store, policies, period, unit=None, now=…, subject=None)``: ``period`` is
``2026Q3`` when the policy's analysis period is 3 months (``2026P2`` for the second period of
another length, e.g. 6 months). The figures are the monthly statistics' over the period's months
(complaints received in it, as at its end) plus:

* ``trend``: the same totals for each of the four periods before it and for the same period a year
  earlier, each as at its own end, and the changes against the previous period and last year;
* ``types``: the valid complaints by final cause in this period, the previous one and last year's;
* ``bad_debt``: the figures with and without the unresolvable complaints (R2.16).

``bad_debt_analysis(store, policies, year, unit=None, …)``: the year-end special analysis of R2.16:
every complaint received in the year and closed as unresolvable by the year's end, by project and
cause, and the year's figures with and without them. kefu counts complaints by the period they were
received in, so a bad debt of one year is counted in that year's figures (with it and without it)
and never in the next year's.

Every figure is a SQL aggregate over ``case_stats`` (``ReportRepo``); Python loops over periods.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from engine.errors import FormError
from engine.permissions import Subject, require
from engine.reports.monthly import COMPLAINT, month_range, report_target, resolve_unit, unit_policy
from engine.store import Store
from engine.store.report_repo import ReportRepo, Scope

__all__ = ["bad_debt_analysis", "parse_period", "period_label", "period_months", "quarterly_analysis"]

_PERIOD = re.compile(r"^(\d{4})[QP](\d{1,2})$")


def period_label(year: int, index: int, length: int) -> str:
    """``2026Q3`` for quarters, ``2026P2`` for periods of another length."""
    return f"{year:04d}{'Q' if length == 3 else 'P'}{index}"


def parse_period(text: Any, length: int) -> tuple[int, int]:
    """``2026Q3`` → (2026, 3); FormError naming the field otherwise."""
    match = _PERIOD.match(text.strip().upper()) if isinstance(text, str) else None
    count = 12 // length
    if match is None or not 1 <= int(match.group(2)) <= count or not 2000 <= int(match.group(1)) <= 2099:
        example = period_label(2026, 3 if count >= 3 else 1, length)
        raise FormError(
            f"period must be like {example} (1 to {count} per year); got {text!r}",
            {"quarter": f"请填写季度，如 {example}"},
            zh=f"季度格式应为 {example}（每年 1 至 {count}）",
        )
    return int(match.group(1)), int(match.group(2))


def period_months(year: int, index: int, length: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """The first and last (year, month) of the period."""
    first = (index - 1) * length + 1
    return (year, first), (year, first + length - 1)


def _shift(year: int, index: int, count: int, by: int) -> tuple[int, int]:
    """The period ``by`` periods before (year, index)."""
    at = year * count + index - 1 - by
    return at // count, at % count + 1


def _range(year: int, index: int, length: int, zone: Any) -> tuple[datetime, datetime]:
    (y1, m1), (y2, m2) = period_months(year, index, length)
    return month_range(y1, m1, zone)[0], month_range(y2, m2, zone)[1]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _totals(repo: ReportRepo, scope: Scope, scale: list[str]) -> dict[str, Any]:
    t = repo.figures(scope, scale)
    completion = t["deadlines"]["completion"]
    due = completion["on_time"] + completion["late"]
    valid, closed, bad = t["valid"], t["closed"], t["unresolvable"]
    return {
        "received": t["received"],
        "valid": valid,
        "closed": closed,
        "open": valid - closed,
        "unresolvable": bad,
        "completion_on_time_rate": _rate(completion["on_time"], due),
        "average_working_hours": round(t["handling_minutes"] / t["handled"] / 60, 2)
        if t["handled"]
        else None,
        "visited": t["visited"],
        "satisfaction": t["satisfaction"],
        "satisfied_rate": _rate(t["satisfaction"].get(scale[0], 0), t["visited"]) if scale else None,
        "closure_rate": _rate(closed, valid),
        "without_unresolvable": {
            "valid": valid - bad,
            "closed": closed - bad,
            "closure_rate": _rate(closed - bad, valid - bad),
        },
    }


def _change(now: int, before: int) -> dict[str, Any]:
    return {"difference": now - before, "rate": _rate(now - before, before)}


def quarterly_analysis(
    store: Store,
    policies: Any,
    period: str,
    unit: str | None = None,
    *,
    now: datetime,
    subject: Subject | None = None,
) -> dict[str, Any]:
    """The unit's analysis of ``period``; ``subject`` must be allowed ``report.read``."""
    with store.read() as tx:
        units = tx.units()
        found = resolve_unit(units, unit)
        if subject is not None:
            require(subject, "report.read", report_target(units, found))
        policy = unit_policy(policies, units, found)
        length = int(policy.get("statistics.analysis_every_months"))
        count = 12 // length
        year, index = parse_period(period, length)
        zone = policy.calendar.tz
        scale = [str(item["code"]) for item in policy.get("satisfaction.scale") or []]
        repo = ReportRepo(tx)

        def scope(y: int, i: int) -> Scope:
            start, end = _range(y, i, length, zone)
            return Scope(COMPLAINT, found.kind, found.code, start, end, min(now, end))

        here = scope(year, index)
        totals = _totals(repo, here, scale)
        # the periods of the year before it, oldest first: the first is the same period last year
        earlier = [_shift(year, index, count, by) for by in range(count, 0, -1)]
        last_year = earlier[0]
        trend = [
            {"period": period_label(y, i, length), **_totals(repo, scope(y, i), scale)} for y, i in earlier
        ]
        types_now = _categories(repo, here)
        types_before = _categories(repo, scope(*earlier[-1]))
        types_last_year = _categories(repo, scope(*last_year))
    by_label = {t["period"]: t for t in trend}
    previous = by_label[period_label(*earlier[-1], length)]
    last = by_label[period_label(*last_year, length)]
    (y1, m1), (y2, m2) = period_months(year, index, length)
    names = {str(i["code"]): str(i.get("name", i["code"])) for i in policy.get("complaint.categories") or []}
    return {
        "period": period_label(year, index, length),
        "months": [f"{y1:04d}-{m1:02d}", f"{y2:04d}-{m2:02d}"],
        "unit": found.code,
        "unit_name": found.name,
        "level": found.kind,
        "final": now >= here.end,
        "totals": totals,
        "trend": trend,
        "against_previous": {
            k: _change(totals[k], previous[k]) for k in ("received", "valid", "unresolvable")
        },
        "against_last_year": {k: _change(totals[k], last[k]) for k in ("received", "valid", "unresolvable")},
        "types": [
            {
                "category": code,
                "name": names.get(code, code),
                "count": n,
                "previous": types_before.get(code, 0),
                "last_year": types_last_year.get(code, 0),
            }
            for code, n in sorted(
                {**{c: 0 for c in types_before}, **types_now}.items(), key=lambda kv: (-kv[1], kv[0])
            )
        ],
        "names": {
            "satisfaction": {
                str(i["code"]): str(i.get("name", i["code"])) for i in policy.get("satisfaction.scale") or []
            }
        },
    }


def _categories(repo: ReportRepo, scope: Scope) -> dict[str, int]:
    out: dict[str, int] = {}
    for _project, category, n in repo.breakdowns(scope)["project_category"]:
        out[category or "-"] = out.get(category or "-", 0) + n
    return out


def bad_debt_analysis(
    store: Store,
    policies: Any,
    year: int,
    unit: str | None = None,
    *,
    now: datetime,
    subject: Subject | None = None,
) -> dict[str, Any]:
    """The year-end special analysis of the unresolvable complaints (R2.16) of ``year``."""
    if not 2000 <= year <= 2099:
        raise FormError(
            f"year must be between 2000 and 2099; got {year}",
            {"year": "请填写年份，如 2026"},
            zh="年份应在 2000 至 2099 之间",
        )
    with store.read() as tx:
        units = tx.units()
        found = resolve_unit(units, unit)
        if subject is not None:
            require(subject, "report.read", report_target(units, found))
        policy = unit_policy(policies, units, found)
        zone = policy.calendar.tz
        start, end = month_range(year, 1, zone)[0], month_range(year, 12, zone)[1]
        scope = Scope(COMPLAINT, found.kind, found.code, start, end, min(now, end))
        scale = [str(item["code"]) for item in policy.get("satisfaction.scale") or []]
        repo = ReportRepo(tx)
        totals = _totals(repo, scope, scale)
        listed = repo.unresolvable(scope)
    by_category: dict[str, int] = {}
    by_project: dict[str, int] = {}
    for item in listed:
        by_category[item[2] or "-"] = by_category.get(item[2] or "-", 0) + 1
        by_project[item[1] or found.code] = by_project.get(item[1] or found.code, 0) + 1
    return {
        "year": year,
        "unit": found.code,
        "unit_name": found.name,
        "level": found.kind,
        "final": now >= end,
        "with_unresolvable": {
            "valid": totals["valid"],
            "closed": totals["closed"],
            "closure_rate": totals["closure_rate"],
        },
        "without_unresolvable": totals["without_unresolvable"],
        "unresolvable": totals["unresolvable"],
        "by_category": dict(sorted(by_category.items())),
        "by_project": dict(sorted(by_project.items())),
        "items": [
            {
                "number": number,
                "project": project,
                "category": category,
                "received_at": opened.astimezone(zone).isoformat(timespec="seconds"),
                "closed_at": closed.astimezone(zone).isoformat(timespec="seconds"),
                "content": content or "",
                "corrective": corrective or "",
            }
            for number, project, category, opened, closed, content, corrective in listed
        ],
        "names": {
            "units": {c: u.name for c, u in units.items()},
            "categories": {
                str(i["code"]): str(i.get("name", i["code"]))
                for i in policy.get("complaint.categories") or []
            },
        },
    }
