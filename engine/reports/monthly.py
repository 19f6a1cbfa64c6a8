"""The monthly statistics of a unit (R7.1): every figure a SQL aggregate over ``case_stats``.

``monthly_statistics(store, policies, month, unit=None, now=…, subject=None)`` returns one JSON-ready
dict. The month is the calendar month in the unit's policy time zone; the cohort is the complaints
*received* in it (``case_stats.opened_at``, the call's end when given). Figures are **as at** the
month's end (``as_of``), or as at now for the running month, so a report generated on the 3rd says
what stood on the 30th and regenerating a closed month gives the same figures:

* ``received``: every complaint received; ``valid``: less withdrawn, cancelled and merged
  duplicates (``engine.reports.facts.is_valid``); ``closed``/``open``: valid ones closed by
  ``as_of`` or not (``valid = closed + open``); ``unresolvable``: closed ones with that outcome.
* counts by project × category (the final cause), channel, urgency and responsible department, over
  the valid complaints;
* ``deadlines``: per kind (dispatch, visit, reply, completion, cooperation — the cooperating
  departments' confirmations, met when the last part is confirmed, R2.4) the deadlines that had
  fallen due by ``as_of`` (``due``), of them met in time (``on_time``: completed no later than the
  deadline) and ``late`` (completed after it, or still not done); ``rate = on_time / due``;
* ``cooperation_by_department``: the same four figures per cooperating department, each department's
  own part judged on its own due time (``cooperation_parts``, migration 0026), so the CS centre sees
  which department confirms late (R2.4: "a cooperating task that runs late is visible to the CS
  centre like any other");
* ``handling``: the average handling time of the closed ones in working hours of each case's own
  calendar (stored in working minutes at closure);
* ``return_visits``: closed complaints with a recorded return visit (``coverage = visited / closed``)
  and the satisfaction counts (满意 / 基本满意 / 不满意, the policy's ``satisfaction.scale``);
* ``repairs`` and ``consultations``: received, closed and open alongside;
* ``items``: each complaint's number, place, cause, content, corrective actions and state, in
  receipt order: the first page of ``items_per_page`` (50 by default: the JSON of the API and of
  ``kefu report monthly``) or every one (``items_per_page=None``: the Excel and PDF, the stored
  reports). ``complaints.items_total`` is how many there are (every complaint received, valid or
  not) and ``items_page`` says which page this is and where the next one is
  (``GET /api/v1/reports/monthly/items``: ``monthly_items``). A month's figures cost what its
  aggregates cost, not what printing every complaint's texts costs.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from difflib import get_close_matches
from typing import Any
from urllib.parse import urlencode

from engine.errors import FormError, NotFoundError
from engine.permissions import Subject, Target, require
from engine.store import Store
from engine.store.records import UnitRecord
from engine.store.report_models import DEADLINE_KINDS
from engine.store.report_repo import ReportRepo, Scope

__all__ = ["ITEMS_PATH", "ITEMS_PER_PAGE", "LEVELS", "MAX_ITEMS_PER_PAGE", "month_range", "monthly_items",
           "monthly_statistics", "parse_month", "report_target", "resolve_unit", "unit_policy"]

LEVELS = ("group", "subsidiary", "project")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
COMPLAINT, REPAIR, CONSULTATION = "complaint", "repair", "consultation"
ITEMS_PER_PAGE = 50  # complaints listed in the report's JSON; the rest page by page
MAX_ITEMS_PER_PAGE = 500
ITEMS_PATH = "/api/v1/reports/monthly/items"


def parse_month(text: Any) -> tuple[int, int]:
    """``YYYY-MM`` → (year, month); FormError naming the field otherwise."""
    match = _MONTH.match(text) if isinstance(text, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2099:
        raise FormError(f"month must be YYYY-MM between 2000-01 and 2099-12, e.g. 2026-11; got {text!r}",
                        {"month": "请填写年月，格式 YYYY-MM，如 2026-11"},
                        zh="月份格式应为 YYYY-MM，如 2026-11")
    return int(match.group(1)), int(match.group(2))


def month_range(year: int, month: int, zone: Any) -> tuple[datetime, datetime]:
    """The month's first moment and the next month's first moment, in UTC."""
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def resolve_unit(units: dict[str, UnitRecord], code: str | None) -> UnitRecord:
    """The unit a report is for: the group when ``code`` is None; a group, subsidiary or project."""
    if code is None:
        groups = [u for u in units.values() if u.kind == "group"]
        if not groups:
            raise NotFoundError("the organisation has no group unit; load it with 'kefu org import'")
        return groups[0]
    unit = units.get(code)
    if unit is None:
        reportable = sorted(c for c, u in units.items() if u.kind in LEVELS)
        close = get_close_matches(code, reportable, n=1)
        tip = f"; did you mean {close[0]!r}?" if close else f"; use one of {', '.join(reportable)}"
        raise NotFoundError(f"no unit {code!r}{tip}", zh=f"没有单位 {code}")
    if unit.kind not in LEVELS:
        raise FormError(f"unit {code!r} is a {unit.kind}; statistics are per group, subsidiary or project",
                        {"unit": "请选择集团、公司或项目"}, zh="统计报表按集团、公司或项目编制")
    return unit


def report_target(units: dict[str, UnitRecord], unit: UnitRecord) -> Target:
    """The permission target of a unit's report: its subsidiary and project, and its level."""
    subsidiary = project = None
    if unit.kind == "project":
        project, subsidiary = unit.code, unit.parent
    elif unit.kind == "subsidiary":
        subsidiary = unit.code
    return Target("report", subsidiary, project, unit=unit.code, unit_kind=unit.kind)


def unit_policy(policies: Any, units: dict[str, UnitRecord], unit: UnitRecord) -> Any:
    """The effective policy of the unit, else of the nearest unit above it that has one, else the group's."""
    at: UnitRecord | None = unit
    while at is not None and at.kind != "group":
        try:
            return policies.effective(at.code)
        except NotFoundError:
            at = units.get(at.parent) if at.parent else None
    return policies.effective(None)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _names(policy: Any, key: str) -> dict[str, str]:
    return {str(item["code"]): str(item.get("name", item["code"])) for item in policy.get(key) or []}


def _local(moment: datetime | None, zone: Any) -> str | None:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment is not None else None


def _open(tx: Any, policies: Any, month: str, unit: str | None, now: datetime,
          subject: Subject | None) -> tuple[dict[str, UnitRecord], UnitRecord, Any, Scope]:
    """The report's units, its unit (``subject`` must be allowed ``report.read`` on it), the unit's
    policy and the complaints' scope of ``month`` as at ``now`` (or the month's end)."""
    year, number = parse_month(month)
    units = tx.units()
    found = resolve_unit(units, unit)
    if subject is not None:
        require(subject, "report.read", report_target(units, found))
    policy = unit_policy(policies, units, found)
    start, end = month_range(year, number, policy.calendar.tz)
    return units, found, policy, Scope(COMPLAINT, found.kind, found.code, start, end, min(now, end))


def _check_page(page: Any, per_page: Any) -> None:
    """FormError naming ``page`` or ``per_page`` unless both are whole numbers in range."""
    errors: dict[str, str] = {}
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        errors["page"] = "页码须为从 1 开始的整数"
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= MAX_ITEMS_PER_PAGE:
        errors["per_page"] = f"每页条数须为 1–{MAX_ITEMS_PER_PAGE} 的整数"
    if errors:
        raise FormError(f"page must be a whole number from 1 and per_page one from 1 to "
                        f"{MAX_ITEMS_PER_PAGE}; got page={page!r}, per_page={per_page!r}", errors,
                        zh="；".join(errors.values()))


def _pages(month: str, unit: str, total: int, page: int, per_page: int | None) -> dict[str, Any]:
    """Where a page of the list stands: its number and size, the total, and the next and previous
    pages' addresses in the API (None at either end; both None for the whole list)."""
    if per_page is None:
        return {"page": 1, "per_page": None, "pages": 1, "total": total, "next": None, "previous": None}
    pages = max(1, math.ceil(total / per_page))

    def href(at: int) -> str:
        return f"{ITEMS_PATH}?{urlencode({'month': month, 'unit': unit, 'page': at, 'per_page': per_page})}"

    return {"page": page, "per_page": per_page, "pages": pages, "total": total,
            "next": href(page + 1) if page < pages else None,
            "previous": href(min(page - 1, pages)) if page > 1 else None}


def monthly_items(store: Store, policies: Any, month: str, unit: str | None = None, *, page: int = 1,
                  per_page: int = ITEMS_PER_PAGE, now: datetime,
                  subject: Subject | None = None) -> dict[str, Any]:
    """One page of the unit's complaints of ``month`` (the report's ``items``, in receipt order, the
    same rows as the Excel's 投诉明细), with the total and the neighbouring pages (a page past the
    last is empty, its ``previous`` the last page, like the case list's); ``page`` and ``per_page``
    out of range are a FormError naming them; ``subject`` must be allowed ``report.read``."""
    _check_page(page, per_page)
    with store.read() as tx:
        _units, found, policy, scope = _open(tx, policies, month, unit, now, subject)
        repo = ReportRepo(tx)
        total = repo.complaint_count(scope)
        zone = policy.calendar.tz
        offset = (page - 1) * per_page
        items = repo.complaint_items(scope, zone, per_page, offset) if offset < total else []
    year, number = parse_month(month)
    label = f"{year:04d}-{number:02d}"
    return {"month": label, "unit": found.code, "unit_name": found.name, "as_of": _local(scope.as_of, zone),
            "final": now >= scope.end, **_pages(label, found.code, total, page, per_page), "items": items}


def monthly_statistics(store: Store, policies: Any, month: str, unit: str | None = None, *,
                       now: datetime, subject: Subject | None = None,
                       items_per_page: int | None = ITEMS_PER_PAGE, _built: bool = False) -> dict[str, Any]:
    """The unit's figures for ``month`` (``YYYY-MM``); ``subject`` must be allowed ``report.read``.
    ``items`` lists the first ``items_per_page`` complaints, or every one when it is None.

    On PostgreSQL a closed month's figures are sums of its cells (``report_cells``, kept by every
    write of ``case_stats``): the cost of the report does not grow with the month's complaints. The
    first closed month reported in a time zone builds that zone's cells (``build_cells``)."""
    if items_per_page is not None:
        _check_page(1, items_per_page)
    year, number = parse_month(month)
    with store.read() as tx:
        units, found, policy, scope = _open(tx, policies, month, unit, now, subject)
        zone = policy.calendar.tz
        end, as_of = scope.end, scope.as_of
        repo = ReportRepo(tx)
        scale = _names(policy, "satisfaction.scale")
        closed_month = tx.dialect == "postgresql" and as_of == end
        cells = closed_month and repo.month_cells(scope, str(zone))
        if closed_month and not cells and not _built:
            totals = None  # the zone's cells are built first (once), then read
        elif cells:  # a closed month on PostgreSQL: its sums, whatever its size
            totals, breakdowns, others = repo.cell_month(scope, str(zone), list(scale),
                                                         [REPAIR, CONSULTATION])
        else:  # the running month, or SQLite: its rows
            repo.serial()
            totals = repo.figures(scope, list(scale))
            breakdowns = repo.breakdowns(scope)
            others = repo.process_totals(scope, [REPAIR, CONSULTATION])
        if totals is not None:
            items = repo.complaint_items(scope, zone, items_per_page)
            parts = repo.cooperation_by_department(scope)
    if totals is None:
        with store.write() as tx:
            ReportRepo(tx).build_cells(str(zone), now)
        return monthly_statistics(store, policies, month, unit, now=now, subject=subject,
                                  items_per_page=items_per_page, _built=True)
    grid = breakdowns["project_category"]
    by_channel, by_urgency = breakdowns["channel"], breakdowns["urgency"]
    by_department = breakdowns["responsible_department"]
    deadlines, satisfaction = totals["deadlines"], totals["satisfaction"]
    alongside = {"repairs": others[REPAIR], "consultations": others[CONSULTATION]}
    by_project: dict[str, int] = {}
    by_category: dict[str, int] = {}
    by_project_category: dict[str, dict[str, int]] = {}
    for project, category, n in grid:  # grouped rows (project × category), not cases
        p, c = project or found.code, category or "-"
        by_project[p] = by_project.get(p, 0) + n
        by_category[c] = by_category.get(c, 0) + n
        by_project_category.setdefault(p, {})[c] = n
    valid, closed = totals["valid"], totals["closed"]
    hours = round(totals["handling_minutes"] / totals["handled"] / 60, 2) if totals["handled"] else None
    return {
        "month": f"{year:04d}-{number:02d}",
        "unit": found.code,
        "unit_name": found.name,
        "level": found.kind,
        "time_zone": str(zone),
        "as_of": _local(as_of, zone),
        "final": now >= end,
        "complaints": {
            "received": totals["received"], "valid": valid, "closed": closed, "open": valid - closed,
            "unresolvable": totals["unresolvable"], "items_total": totals["received"],
            "by_category": dict(sorted(by_category.items())),
            "by_project": dict(sorted(by_project.items())),
            "by_project_category": {p: dict(sorted(v.items()))
                                    for p, v in sorted(by_project_category.items())},
            "by_channel": {str(k or "-"): n for k, n in sorted(by_channel, key=lambda r: str(r[0]))},
            "by_urgency": {str(k or "-"): n for k, n in sorted(by_urgency, key=lambda r: str(r[0]))},
            "by_department": {str(k or "-"): n for k, n in sorted(by_department, key=lambda r: str(r[0]))},
        },
        "deadlines": {kind: {"due": d["on_time"] + d["late"], "on_time": d["on_time"], "late": d["late"],
                             "rate": _rate(d["on_time"], d["on_time"] + d["late"])}
                      for kind, d in ((k, deadlines[k]) for k in DEADLINE_KINDS)},
        "cooperation_by_department": {
            department: {"due": on_time + late, "on_time": on_time, "late": late,
                         "rate": _rate(on_time, on_time + late)}
            for department, on_time, late in parts},
        "handling": {"closed": totals["handled"], "working_minutes": totals["handling_minutes"],
                     "average_working_hours": hours},
        "return_visits": {"closed": closed, "visited": totals["visited"],
                          "coverage": _rate(totals["visited"], closed),
                          "satisfaction": {code: satisfaction.get(code, 0) for code in scale}},
        **alongside,
        "items": items,
        "items_page": _pages(f"{year:04d}-{number:02d}", found.code, totals["received"], 1, items_per_page),
        "names": {"units": {c: u.name for c, u in units.items() if u.kind in LEVELS},
                  "categories": _names(policy, "complaint.categories"),
                  "channels": _names(policy, "channels"),
                  "urgency": _names(policy, "complaint.urgency"),
                  "departments": _names(policy, "departments"),
                  "satisfaction": scale, "outcomes": _names(policy, "complaint.outcomes")},
    }
