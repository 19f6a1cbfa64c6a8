"""The 统计 dashboard's figures (R7): a unit's month and the twelve months up to it, ready for charts.

``dashboard_figures(store, policies, month, unit=None, now=…, subject=None)`` returns the month's
key figures, its causes, on-time rates per deadline kind and satisfaction, and for each of the twelve
months ending with it the complaints received, valid and closed, the on-time completion rate and the
share of 满意 among the return visits. Each month is one SQL aggregate (``ReportRepo.month_figures``:
over its cells when it is closed and they are kept, PostgreSQL; else over an indexed range of
``case_stats``), as at that month's end; Python only loops over the months.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.permissions import Subject
from engine.reports.export import KIND_NAMES
from engine.reports.monthly import COMPLAINT, month_range, monthly_statistics, resolve_unit, unit_policy
from engine.reports.ranking import previous_months
from engine.store import Store
from engine.store.report_repo import ReportRepo, Scope

__all__ = ["TREND_MONTHS", "dashboard_figures"]

TREND_MONTHS = 12


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def dashboard_figures(store: Store, policies: Any, month: str, unit: str | None = None, *, now: datetime,
                      subject: Subject | None = None) -> dict[str, Any]:
    """The charts' data for the unit's ``month``; ``subject`` must be allowed ``report.read``."""
    figures = monthly_statistics(store, policies, month, unit, now=now, subject=subject)
    names = figures["names"]
    scale = list(names["satisfaction"])
    months = previous_months(figures["month"], TREND_MONTHS)
    trend: dict[str, list[Any]] = {"received": [], "valid": [], "closed": [], "on_time_rate": [],
                                   "satisfied_rate": []}
    with store.read() as tx:
        units = tx.units()
        found = resolve_unit(units, unit)
        zone = unit_policy(policies, units, found).calendar.tz
        repo = ReportRepo(tx)
        for label in months:
            year, number = int(label[:4]), int(label[5:])
            start, end = month_range(year, number, zone)
            t = repo.month_figures(Scope(COMPLAINT, found.kind, found.code, start, end, min(now, end)),
                                   str(zone), scale)
            done = t["deadlines"]["completion"]
            trend["received"].append(t["received"])
            trend["valid"].append(t["valid"])
            trend["closed"].append(t["closed"])
            trend["on_time_rate"].append(_percent(done["on_time"], done["on_time"] + done["late"]))
            trend["satisfied_rate"].append(_percent(t["satisfaction"].get(scale[0], 0) if scale else 0,
                                                    t["visited"]))
    c = figures["complaints"]
    completion = figures["deadlines"]["completion"]
    visits = figures["return_visits"]
    return {
        "month": figures["month"], "unit": figures["unit"], "unit_name": figures["unit_name"],
        "level": figures["level"], "final": figures["final"],
        "kpis": {"received": c["received"], "valid": c["valid"], "closed": c["closed"], "open": c["open"],
                 "unresolvable": c["unresolvable"],
                 "on_time_rate": None if completion["rate"] is None else round(completion["rate"] * 100, 1),
                 "satisfied_rate": _percent(visits["satisfaction"].get(scale[0], 0) if scale else 0,
                                            visits["visited"]),
                 "average_working_hours": figures["handling"]["average_working_hours"]},
        "categories": [{"name": names["categories"].get(k, k), "value": n}
                       for k, n in sorted(c["by_category"].items(), key=lambda kv: (-kv[1], kv[0]))],
        "projects": [{"name": names["units"].get(k, k), "value": n} for k, n in c["by_project"].items()],
        "deadlines": [{"name": KIND_NAMES.get(k, k), "due": d["due"],
                       "rate": None if d["rate"] is None else round(d["rate"] * 100, 1)}
                      for k, d in figures["deadlines"].items()],
        "satisfaction": [{"name": names["satisfaction"][k], "value": visits["satisfaction"].get(k, 0)}
                         for k in scale],
        "months": months,
        "trend": trend,
    }
