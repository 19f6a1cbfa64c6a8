"""Recompute the deadlines of open cases that rest on a provisional calendar year once it is official.

A case keeps every deadline ``deadline()`` computed on a provisional year (``{key, from, origin,
due, years}``, see ``transition.PROVISIONAL_DEADLINES``) and ``cases.provisional_year`` says which
cases have any. When a year's file arrives (``kefu calendar import YEAR --notice FILE``, which calls
``Runtime.recompute_provisional`` at once, or a file written by hand, which the next worker sweep
notices) each such deadline is computed again from the same start on the case's pinned policy. A
changed due time replaces the old one wherever the case holds it:

* an open task's ``due_at`` (the inbox row);
* a waiting BPMN timer: SpiffWorkflow 3.2.0 evaluates a ``timeDate`` expression once, when the timer
  starts, and keeps the result as the timer task's internal ``event_value`` (an ISO string, also for
  the timers of event-based gateways); that value is replaced, so the timer fires at the new time;
* task data that holds the due time (a script's ``dispatch_due = deadline(…)``, read later by other
  expressions).

Each recomputed deadline is one ``deadline.recomputed`` audit event of its case: the key, the old and
the new due time, what uses it, and why (the year and the source of its file).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.calendar import provisional_use
from engine.clock import local_minutes
from engine.errors import KefuError
from engine.notice import Notice, NoticeDays, import_notices
from engine.processes.host import parse_moment
from engine.runtime.transition import PROVISIONAL_DEADLINES, Transition, to_utc

__all__ = ["RecomputeMixin", "RecomputeReport", "replace_provisional_year"]

log = logging.getLogger("kefu.runtime")


@dataclass
class RecomputeReport:
    """What a recomputation did: cases looked at, deadlines recomputed and changed, failures."""

    years: list[int] = field(default_factory=list)
    cases: int = 0
    deadlines: int = 0
    changed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (case number or id, message)
    # Each recomputed deadline whose due time moved: {case, key, old, new, for} (the calendar page shows them)
    changes: list[dict[str, Any]] = field(default_factory=list)


class RecomputeMixin:
    """``Runtime.recompute_provisional``: deadlines on provisional years, once those years are official."""

    store: Any
    policies: Any

    def _begin(self, tx: Any, case: Any) -> Transition:
        raise NotImplementedError

    def _commit(self, t: Transition, point: str) -> Any:
        raise NotImplementedError

    def official_years(self, years: Iterable[int]) -> list[int]:
        """Those of ``years`` that now have a holiday file (for the group policy's region)."""
        days = self.policies.effective(None).calendar.days
        return sorted(y for y in set(years) if days.status(y) == "file")

    def recompute_provisional(self, years: Iterable[int] | None = None) -> RecomputeReport:
        """Recompute every open case's deadlines that rest on ``years`` (default: every flagged year
        that has a file now). Costs one indexed query when there is nothing to do."""
        with self.store.read() as tx:
            flagged = tx.provisional_years()
        if not flagged:
            return RecomputeReport()
        wanted = self.official_years(flagged if years is None else set(years) & set(flagged))
        report = RecomputeReport(years=wanted)
        if not wanted:
            return report
        with self.store.read() as tx:
            case_ids = tx.provisional_cases(wanted)
        for case_id in case_ids:
            try:
                found, changed = self._recompute_case(case_id, set(wanted), report.changes)
            except KefuError as exc:  # the case keeps its old due times and its mark: retried next time
                log.error("deadlines of case %s could not be recomputed: %s", case_id, exc)
                report.failed.append((case_id, exc.message))
                continue
            report.cases += 1
            report.deadlines += found
            report.changed += changed
        return report

    def _recompute_case(self, case_id: str, years: set[int],
                        moved: list[dict[str, Any]] | None = None) -> tuple[int, int]:
        """Recompute one case's deadlines on ``years`` in its own transaction: (recomputed, changed);
        each moved deadline is added to ``moved`` once the transaction has committed."""
        local: list[dict[str, Any]] = []
        with self.store.write() as tx:
            case = tx.lock_case(case_id=case_id)
            if case is None or case.provisional_year is None:
                return 0, 0
            t = self._begin(tx, case)
            timers = t.timers()
            ledger: list[dict[str, Any]] = []
            found = changed = 0
            for entry in t.ledger:
                if not years & set(entry["years"]):
                    ledger.append(entry)
                    continue
                found += 1
                new = _recompute(t, entry)
                if new["years"]:
                    ledger.append(new)
                used = _replace(t, timers, entry["due"], new["due"])
                changed += new["due"] != entry["due"]
                if new["due"] != entry["due"]:
                    local.append({"case": case.number, "key": entry["key"], "old": entry["due"],
                                  "new": new["due"], "for": used})
                t.events.append(_event(t, entry, new, used, years))
            t.ledger = ledger
            if ledger:
                t.wf.data[PROVISIONAL_DEADLINES] = ledger
            else:
                t.wf.data.pop(PROVISIONAL_DEADLINES, None)
            for task_id, row in list(t.rows.items()):
                marks = t.provisional_years(row.due_at)
                first = min(marks) if marks else None
                if first != row.provisional_year:
                    t.rows[task_id] = replace(row, provisional_year=first)
                    tx.update_task(task_id, provisional_year=first)
            self._commit(t, "recompute_provisional")
        if moved is not None:
            moved.extend(local)
        return found, changed


def replace_provisional_year(runtime: Any, year: int, notices: list[Notice], *, region: str = "cn",
                             force: bool = False) -> tuple[Path, NoticeDays, RecomputeReport]:
    """Import the State Council's notices as ``year``'s file and recompute the open deadlines that
    rested on the provisional year (what ``kefu calendar import YEAR --notice`` does; a calendar page
    calls the same)."""
    path, read = import_notices(year, runtime.policies.calendars_dir, notices, region, force=force)
    return path, read, runtime.recompute_provisional([year])


def _recompute(t: Transition, entry: dict[str, Any]) -> dict[str, Any]:
    """The entry computed again on today's calendar data, with the provisional years it still rests on."""
    start = parse_moment(entry["from"], t.zone)
    origin = parse_moment(entry["origin"], t.zone) if entry.get("origin") else None
    with t.engine(), provisional_use() as still:
        due = t.policy.deadline(entry["key"], start, origin).astimezone(t.zone).isoformat()
    return {**entry, "due": due, "years": sorted(still)}


def _replace(t: Transition, timers: list[tuple[Any, datetime | None]], old: str, new: str) -> list[str]:
    """Put the new due time wherever the case holds the old one; returns what uses it."""
    before, after = to_utc(old, t.zone), to_utc(new, t.zone)
    used: list[str] = []
    for task, at in timers:
        if at == before:
            used.append(str(task.task_spec.bpmn_name or task.task_spec.name))
            if isinstance(task.internal_data.get("event_value"), str):
                task.internal_data["event_value"] = new
    for task_id, row in list(t.rows.items()):
        if row.due_at == before:
            used.append(row.title)
            if after != before:
                t.rows[task_id] = row = replace(row, due_at=after)
                t.tx.update_task(task_id, due_at=after)
    if new != old:
        workflows = [t.wf, *t.wf.subprocesses.values()]
        for task in (task for wf in workflows for task in wf.tasks.values()):
            for name, value in list(task.data.items()):
                if value == old:
                    task.data[name] = new
    return used


def _event(t: Transition, old: dict[str, Any], new: dict[str, Any], used: list[str],
           years: set[int]) -> dict[str, Any]:
    """The ``deadline.recomputed`` audit event of one deadline."""
    replaced = sorted(years & set(old["years"]))
    days = t.policy.calendar.days
    sources = "; ".join(f"{y}: {days.year(y).source}" for y in replaced)
    before, after = (local_minutes(parse_moment(e["due"], t.zone), t.zone) for e in (old, new))
    what = "、".join(used) or old["key"]
    change = f"{before} → {after}" if old["due"] != new["due"] else f"{before} unchanged 不变"
    return {"actor": "system", "action": "deadline.recomputed", "data": {
        "key": old["key"], "from": old["from"], "old_due": old["due"], "new_due": new["due"],
        "changed": old["due"] != new["due"], "for": used, "years": replaced,
        "provisional": new["years"], "source": sources,
        "reason": f"{change} {what} · {'、'.join(map(str, replaced))}年节假日安排已导入 / the "
                  f"official {'、'.join(map(str, replaced))} calendar replaced the provisional one"}}
