"""The monthly rankings (R7.2, seed 003 第16条、第38条): companies and projects, and CS specialists.

``monthly_ranking(store, policies, month, unit=None, now=…, subject=None)`` returns one JSON-ready dict:

* ``companies`` (at the group only) and ``projects`` (within the unit) ranked on the policy's
  ``statistics.ranking_metrics``, each metric 0–100 over the valid complaints received in the month,
  as at the month's end like the monthly statistics:

  - ``on_time_rate``: completion deadlines met in time ÷ completion deadlines fallen due;
  - ``efficiency``: closed complaints handled within ``statistics.efficiency_hours`` working hours ÷
    closed ones (the handling time stored at closure, ``case_stats.handling_minutes``);
  - ``satisfaction``: the average score (``satisfaction.scale[].score``) of the recorded return visits;

  ``score = Σ weight × metric ÷ Σ weight`` over the metrics the unit has figures for, rounded to 2
  places; ranks are competition ranks (1, 2, 2, 4) by score, then more valid complaints, then code.
  A unit without figures is listed unranked.
* ``specialists``: the CS specialists (holders of the role bound to the lane ``first_receiver``)
  ranked group-wide by the customers' rating of the cases they received in the month (every
  complaint, repair and consultation whose return visit was scored): the average score. A
  specialist is in the bottom when fewer than ``statistics.specialist_ranking.bottom`` specialists
  rate strictly lower; ``flagged`` when in the bottom in each of the last
  ``statistics.specialist_ranking.months`` months (a month without a rating breaks the run). A
  subsidiary's or project's view lists its own specialists with their group rank.

``book_ranking_penalties(tx, policies, month, now, notifier, directory)`` books, for each flagged
specialist, the consequence the policy names (003 第16条: 经济处罚) as one line of the penalty
ledger (``statistics.specialist_ranking.penalty`` yuan, kind ``ranking_bottom``, key per person and
month, so a rerun books nothing twice), audits it (``ranking.penalty_booked`` on the system chain)
and tells the person (``notifications.templates.ranking_penalty``). The worker calls it when it
delivers the group's monthly report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.errors import KefuError
from engine.permissions import Subject, require
from engine.reports.monthly import (
    COMPLAINT,
    CONSULTATION,
    REPAIR,
    month_range,
    parse_month,
    report_target,
    resolve_unit,
    unit_policy,
)
from engine.store import Store
from engine.store.records import StaffRecord, UnitRecord
from engine.store.report_repo import ReportRepo, Scope

__all__ = ["METRICS", "PENALTY_KIND", "book_ranking_penalties", "monthly_ranking", "previous_months",
           "specialist_ranking", "unit_ranking"]

METRICS = ("on_time_rate", "efficiency", "satisfaction")
RATED = (COMPLAINT, REPAIR, CONSULTATION)  # the processes whose return visits rate their receiver
PENALTY_KIND = "ranking_bottom"


def previous_months(month: str, count: int) -> list[str]:
    """``month`` and the ``count - 1`` months before it, oldest first."""
    year, number = parse_month(month)
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{number:02d}")
        year, number = (year - 1, 12) if number == 1 else (year, number - 1)
    return out[::-1]


def satisfaction_scores(policy: Any) -> dict[str, int]:
    """The score of each satisfaction code (``satisfaction.scale[].score``)."""
    return {str(item["code"]): int(item["score"]) for item in policy.get("satisfaction.scale") or []
            if item.get("score") is not None}


def _weights(policy: Any) -> dict[str, int]:
    weights = {}
    for item in policy.get("statistics.ranking_metrics") or []:
        code = str(item["code"])
        if code not in METRICS:
            raise KefuError(f"statistics.ranking_metrics: kefu computes {', '.join(METRICS)}; "
                            f"{code!r} has no formula", zh=f"排名指标 {code} 没有计算公式")
        weights[code] = int(item.get("weight", 0))
    return weights


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def _competition(items: list[dict[str, Any]], value: str) -> None:
    """Rank ``items`` (already sorted best first) by ``value``: equal values share a rank."""
    previous, rank = None, 0
    for position, item in enumerate(items, 1):
        if item[value] is None:
            item["rank"] = None
            continue
        if item[value] != previous:
            rank, previous = position, item[value]
        item["rank"] = rank


def unit_ranking(repo: ReportRepo, policy: Any, scope: Scope, by: str,
                 units: list[UnitRecord]) -> list[dict[str, Any]]:
    """``units`` (subsidiaries or projects) ranked on the policy's metrics (SQL: one grouped query)."""
    weights = _weights(policy)
    minutes = int(policy.get("statistics.efficiency_hours")) * 60
    rows = {r["unit"]: r for r in repo.unit_scores(scope, by, minutes, satisfaction_scores(policy))}
    out = []
    for unit in units:
        r = rows.get(unit.code) or {"valid": 0, "on_time": 0, "late": 0, "closed": 0, "efficient": 0,
                                    "visited": 0, "score_sum": 0}
        metrics = {"on_time_rate": _percent(r["on_time"], r["on_time"] + r["late"]),
                   "efficiency": _percent(r["efficient"], r["closed"]),
                   "satisfaction": round(r["score_sum"] / r["visited"], 2) if r["visited"] else None}
        counted = [(weights[k], v) for k, v in metrics.items()
                   if k in weights and v is not None and weights[k]]
        total = sum(w for w, _ in counted)
        score = round(sum(w * v for w, v in counted) / total, 2) if total else None
        out.append({"unit": unit.code, "name": unit.name, "valid": r["valid"],
                    "completion_due": r["on_time"] + r["late"], "completion_on_time": r["on_time"],
                    "closed": r["closed"], "efficient": r["efficient"], "visited": r["visited"],
                    **metrics, "score": score})
    out.sort(key=lambda i: (i["score"] is None, -(i["score"] or 0), -i["valid"], i["unit"]))
    _competition(out, "score")
    return out


def _holds(person: StaffRecord, role: str) -> bool:
    return any(r == role or str(r).startswith(f"{role}@") for r in person.roles)


def specialist_ranking(repo: ReportRepo, policy: Any, staff: dict[str, StaffRecord], month: str,
                       now: datetime) -> list[dict[str, Any]]:
    """The group's CS specialists of ``month`` ranked by their customers' rating, best first."""
    year, number = parse_month(month)
    start, end = month_range(year, number, policy.calendar.tz)
    role = str(policy.get("lanes.first_receiver")["role"])
    bottom = int(policy.get("statistics.specialist_ranking.bottom"))
    rows = repo.specialist_ratings(RATED, start, end, min(now, end), satisfaction_scores(policy))
    rated = sorted(((round(total / count, 2), count, login) for login, count, total in rows
                    if login in staff and _holds(staff[login], role)), key=lambda r: (-r[0], -r[1], r[2]))
    out: list[dict[str, Any]] = []
    for rating, count, login in rated:
        below = sum(1 for other in rated if other[0] < rating)
        out.append({"login": login, "name": staff[login].name, "unit": staff[login].unit, "rated": count,
                    "rating": rating, "bottom": below < bottom})
    _competition(out, "rating")
    return out


def _specialists_with_runs(repo: ReportRepo, policy: Any, staff: dict[str, StaffRecord], month: str,
                           now: datetime) -> list[dict[str, Any]]:
    """This month's ranking, each specialist with ``bottom_months`` (the run up to this month) and
    ``flagged`` (in the bottom the policy's number of months running)."""
    months = int(policy.get("statistics.specialist_ranking.months"))
    earlier = [specialist_ranking(repo, policy, staff, m, now) for m in previous_months(month, months)[:-1]]
    current = specialist_ranking(repo, policy, staff, month, now)
    bottoms = [{i["login"] for i in ranked if i["bottom"]} for ranked in earlier]
    for item in current:
        run = 0
        if item["bottom"]:
            run = 1
            for found in reversed(bottoms):
                if item["login"] not in found:
                    break
                run += 1
        item["bottom_months"] = run
        item["flagged"] = run >= months
    return current


def _staff(tx: Any) -> dict[str, StaffRecord]:
    from engine.store.worker_repo import WorkerRepo

    return {p.login: p for p in WorkerRepo(tx).all_staff()}


def _within(units: dict[str, UnitRecord], code: str | None, root: UnitRecord) -> bool:
    at = units.get(code) if code else None
    while at is not None:
        if at.code == root.code:
            return True
        at = units.get(at.parent) if at.parent else None
    return False


def monthly_ranking(store: Store, policies: Any, month: str, unit: str | None = None, *, now: datetime,
                    subject: Subject | None = None) -> dict[str, Any]:
    """The rankings of ``month`` as the unit sees them; ``subject`` must be allowed ``report.read``."""
    year, number = parse_month(month)
    with store.read() as tx:
        units = tx.units()
        found = resolve_unit(units, unit)
        if subject is not None:
            require(subject, "report.read", report_target(units, found))
        policy = unit_policy(policies, units, found)
        group_policy = policies.effective(None)
        start, end = month_range(year, number, policy.calendar.tz)
        scope = Scope(COMPLAINT, found.kind, found.code, start, end, min(now, end))
        repo = ReportRepo(tx)
        companies = []
        if found.kind == "group":
            companies = unit_ranking(repo, policy, scope, "subsidiary",
                                     [u for u in units.values() if u.kind == "subsidiary"])
        projects = unit_ranking(repo, policy, scope, "project",
                                [u for u in units.values()
                                 if u.kind == "project" and _within(units, u.code, found)])
        staff = _staff(tx)
        specialists = _specialists_with_runs(repo, group_policy, staff, f"{year:04d}-{number:02d}", now)
    if found.kind != "group":
        specialists = [s for s in specialists if _within(units, s["unit"], found)]
    return {
        "month": f"{year:04d}-{number:02d}", "unit": found.code, "unit_name": found.name, "level": found.kind,
        "final": now >= end,
        "metrics": [{"code": str(m["code"]), "name": str(m.get("name", m["code"])),
                     "weight": int(m["weight"])}
                    for m in policy.get("statistics.ranking_metrics")],
        "efficiency_hours": int(policy.get("statistics.efficiency_hours")),
        "satisfaction_scores": [
            {"code": str(i["code"]), "name": str(i.get("name", i["code"])), "score": int(i["score"])}
            for i in policy.get("satisfaction.scale") or [] if i.get("score") is not None],
        "companies": companies, "projects": projects,
        "specialists": specialists,
        "specialist_rule": {"bottom": int(group_policy.get("statistics.specialist_ranking.bottom")),
                            "months": int(group_policy.get("statistics.specialist_ranking.months")),
                            "penalty": int(group_policy.get("statistics.specialist_ranking.penalty"))},
    }


def book_ranking_penalties(tx: Any, policies: Any, month: str, now: datetime, notifier: Any,
                           directory: Any) -> list[str]:
    """Book the penalty of every specialist flagged in ``month`` (once each); the logins booked."""
    from engine.runtime.access import placement_of
    from engine.store.worker_repo import WorkerRepo

    policy = policies.effective(None)
    repo, worker_repo = ReportRepo(tx), WorkerRepo(tx)
    staff = {p.login: p for p in worker_repo.all_staff()}
    ranked = _specialists_with_runs(repo, policy, staff, month, now)
    amount = int(policy.get("statistics.specialist_ranking.penalty"))
    months = int(policy.get("statistics.specialist_ranking.months"))
    bottom = int(policy.get("statistics.specialist_ranking.bottom"))
    ledger = policy.calendar.localize(now).strftime("%Y-%m")
    booked = []
    for item in ranked:
        if not item["flagged"]:
            continue
        person = staff[item["login"]]
        subsidiary = placement_of(directory.units, person.unit).subsidiary
        text = (f"{month}客户满意度评分{item['rating']}分，{len(ranked)}名中第{item['rank']}名，"
                f"连续{months}个月排名倒数后{bottom}名（经济处罚{amount}元）")
        text_en = (f"{month}: customer rating {item['rating']}, rank {item['rank']} of {len(ranked)}, in the "
                   f"bottom {bottom} for {months} months running ({amount} yuan)")
        key = f"ranking:{person.login}:{month}"
        new = worker_repo.add_penalty(
            key=key, month=ledger, occurred_at=now, subsidiary=subsidiary, staff=person.login,
            role="responsible", kind=PENALTY_KIND, amount=amount, bonus_percent_min=None,
            bonus_percent_max=None, case_id=None, case_number=None,
            detail={"ranking_month": month, "rating": item["rating"], "rank": item["rank"], "of": len(ranked),
                    "bottom_months": item["bottom_months"], "text": text, "text_en": text_en},
            created_at=now)
        if not new:
            continue
        tx.append_audit(None, [{"actor": "worker", "action": "ranking.penalty_booked",
                                "data": {"staff": person.login, "month": month, "ledger_month": ledger,
                                         "amount": amount, "rating": item["rating"], "rank": item["rank"],
                                         "bottom_months": item["bottom_months"]}}], now)
        notifier.tell([person], "ranking_penalty", key, month=month, months=months, bottom=bottom,
                      rating=item["rating"], rank=item["rank"], count=len(ranked), amount=amount,
                      ledger=ledger)
        booked.append(person.login)
    return booked
