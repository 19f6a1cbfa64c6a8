"""Delivery of the monthly statistics by the 3rd (R7.1): produced, stored, sent, and watched.

Every sweep of the worker (``Worker.run_once``) calls ``deliver_monthly_reports``. For the group and
for each subsidiary (with its projects), every month that has ended and has not been delivered is
produced once, oldest first:

* the figures of each unit, as at the month's end (``engine.reports.monthly``), are stored as a new
  version in ``monthly_reports`` (``frozen``: the month had ended) with their Excel file, which is
  also written to ``<data dir>/exports/reports/``;
* the holders of the policy's ``statistics.report_to`` roles for the unit (the unit's own, else the
  nearest above) are told in the app and by e-mail with the Excel attached
  (``notifications.templates.monthly_report``);
* after a December, each unit's year-end special analysis of its unresolvable complaints (R2.16,
  ``engine.reports.quarterly.bad_debt_analysis``) goes to the same people with its Excel
  (``notifications.templates.bad_debt_report``); after each group month the specialists' ranking
  books its penalties (R7.2, ``engine.reports.ranking.book_ranking_penalties``);
* the deadline is the policy's ``statistics.monthly_report`` (``monthly by the 3rd``: the end of the
  3rd, postponed to the end of the next working day when the 3rd is not one, as the seed allows:
  如遇节假日可顺延); a delivery after it raises a
  ``report_late`` alert, and a run that fails raises ``report_failed`` (once per unit and month),
  each told to the same people (``notifications.templates.report_late``). A failed month is retried
  on every sweep and blocks the later months of its unit, so they go out in order.

Exactly once: each (unit, month) is a ``job_runs`` row of the job ``monthly_report`` claimed like the
other scheduled jobs, so a rerun or a second worker sends nothing twice. Catch-up: a first run
starts with the month of the unit's earliest complaint still open (or closed) within
``complaint.schedules.first_run_lookback``, like the other jobs (a unit without any starts with the
current month); later runs continue after the last month done. Regenerating a month by hand
(``store_report``, ``kefu report store``) adds a version and keeps the earlier.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from engine.clock import local_minutes
from engine.errors import KefuError
from engine.reports.export import report_xlsx
from engine.reports.monthly import month_range, monthly_statistics, parse_month
from engine.reports.quarterly import bad_debt_analysis
from engine.reports.quarterly_export import bad_debt_xlsx
from engine.reports.ranking import book_ranking_penalties
from engine.store.report_repo import ReportRepo
from engine.store.worker_repo import WorkerRepo
from engine.worker.context import COMPLAINT, span
from engine.worker.outbox import Notifier

__all__ = ["JOB", "Delivered", "deliver_monthly_reports", "report_deadline", "store_report"]

log = logging.getLogger("kefu.reports")
JOB = "monthly_report"
MAX_MONTHS = 24  # months one sweep catches up per unit


@dataclass
class Delivered:
    """What one sweep delivered: (unit, month) runs, late ones and failures."""

    runs: list[tuple[str, str, list[str]]] = field(default_factory=list)
    late: list[tuple[str, str]] = field(default_factory=list)
    failures: list[tuple[str, str, str]] = field(default_factory=list)


def _next(month: str) -> str:
    year, number = parse_month(month)
    return f"{year + (number == 12):04d}-{number % 12 + 1:02d}"


def _previous(month: str) -> str:
    year, number = parse_month(month)
    return f"{year - (number == 1):04d}-{(number - 2) % 12 + 1:02d}"


def report_deadline(policy: Any, month: str) -> datetime:
    """When the report of ``month`` is due: the first occurrence of ``statistics.monthly_report`` after
    the month's end (``monthly by the 3rd``: the end of the 3rd, in the unit's calendar); when that day
    is not a working day, the end of the next working day (000 分析方法①: 如遇节假日可顺延)."""
    schedule = policy.schedule("statistics.monthly_report")
    calendar = policy.calendar
    _, end = month_range(*parse_month(month), calendar.tz)
    due: datetime = next(schedule.occurrences(end, end + timedelta(days=62), calendar))
    day = calendar.localize(due - timedelta(microseconds=1)).date()
    if calendar.is_working_day(day):
        return due
    return datetime.combine(calendar.next_working_day(day) + timedelta(days=1), time(0), tzinfo=calendar.tz)


def store_report(store: Any, policies: Any, unit: str | None, month: str, now: datetime, *, by: str,
                 data_dir: Path, note: str | None = None, repo: ReportRepo | None = None) -> dict[str, Any]:
    """Compute, store as a new version and write the Excel of one unit's month; returns the figures
    with ``version`` and ``file`` added. The stored figures list every complaint (``items``), as the
    Excel does. Earlier versions are kept."""
    figures = monthly_statistics(store, policies, month, unit, now=now, items_per_page=None)  # the whole list
    body = report_xlsx(figures)

    def add(r: ReportRepo) -> int:
        return r.add_report(unit=figures["unit"], month=figures["month"], generated_at=now, generated_by=by,
                            frozen=bool(figures["final"]), figures=figures, xlsx=body, note=note)

    if repo is not None:
        version = add(repo)
    else:
        with store.write() as tx:
            version = add(ReportRepo(tx))
    folder = Path(data_dir) / "exports" / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"report-{figures['unit']}-{figures['month']}-v{version}.xlsx"
    path.write_bytes(body)
    return {**figures, "version": version, "file": str(path)}


def _targets(directory: Any, root: str) -> list[str]:
    """The units whose reports a root delivers: the group alone, or a subsidiary and its projects."""
    units = directory.units
    if units[root].kind == "group":
        return [root]
    return [root, *sorted(c for c, u in units.items() if u.kind == "project" and u.parent == root)]


def _people(directory: Any, policy: Any, unit: str) -> list[Any]:
    units = directory.units
    chain, at = [], unit
    while at in units:
        chain.append(at)
        at = units[at].parent or ""
    return [p for role in policy.get("statistics.report_to") for p in directory.nearest(str(role), *chain)]


def _months(repo: WorkerRepo, root: str, policy: Any, now: datetime) -> list[str]:
    """Ended months of ``root`` not yet delivered, oldest first (a first run looks back like the jobs)."""
    zone = policy.calendar.tz
    current = now.astimezone(zone).strftime("%Y-%m")
    last = repo.last_done_period(JOB, root)
    if last is not None:
        month = _next(last)
    else:
        lookback = policy.duration("complaint.schedules.first_run_lookback")
        floor = now - span(lookback, now, policy.calendar)
        units = repo.tx.units()
        subsidiaries = [root] if units[root].kind == "subsidiary" else \
            [code for code, u in units.items() if u.kind == "subsidiary"]
        found = [e for s in subsidiaries if (e := repo.earliest_opened(COMPLAINT, s, floor)) is not None]
        if not found:  # nothing to catch up: the first report is this month's
            return []
        month = max(min(found), floor).astimezone(zone).strftime("%Y-%m")
    out = sorted({p for p, _ in repo.pending_runs(JOB, root)})
    while month < current and len(out) < MAX_MONTHS:
        if month not in out:
            out.append(month)
        month = _next(month)
    return sorted(out)


def deliver_monthly_reports(worker: Any, directory: Any) -> Delivered:
    """Produce, store and send every ended month not yet delivered, for the group and each subsidiary."""
    done = Delivered()
    group = directory.group_unit()
    for root in ([group] if group else []) + directory.subsidiaries():
        policy = worker.unit_policy(None if root == group else root)
        with worker.store.read() as tx:
            repo = WorkerRepo(tx)
            months = _months(repo, root, policy, worker.clock.now())
            first = not months and repo.last_done_period(JOB, root) is None
        if first:
            _start(worker, root, policy)
        for month in months:
            if not _deliver(worker, directory, root, policy, month, done):
                break  # a failed month blocks the later ones of this unit until it succeeds
    return done


def _start(worker: Any, root: str, policy: Any) -> None:
    """A unit without complaints to catch up: mark the month before this one as the start (nothing
    sent), so that this month's report is the first one delivered once it ends."""
    now = worker.clock.now()
    previous = _previous(now.astimezone(policy.calendar.tz).strftime("%Y-%m"))
    with worker.store.write() as tx:
        repo = WorkerRepo(tx)
        repo.ensure_run(JOB, root, previous, report_deadline(policy, previous), now)
        run_id = repo.claim_run(JOB, root, previous)
        if run_id is not None:
            repo.finish_run(run_id, now, worker.name, {"units": [], "first_run": True})


def _deliver(worker: Any, directory: Any, root: str, policy: Any, month: str, done: Delivered) -> bool:
    now = worker.clock.now()
    deadline = report_deadline(policy, month)
    units = directory.units
    try:
        if worker.store.dialect != "sqlite":  # committed first: a second worker skips, not waits
            with worker.store.write() as tx:
                WorkerRepo(tx).ensure_run(JOB, root, month, deadline, now)
        with worker.store.write() as tx:
            repo = WorkerRepo(tx)
            if worker.store.dialect == "sqlite":
                repo.ensure_run(JOB, root, month, deadline, now)
            run_id = repo.claim_run(JOB, root, month)
            if run_id is None:
                return True
            notifier = Notifier(repo, policy, now)
            sent = []
            for unit in _targets(directory, root):
                figures = store_report(worker.store, worker.policies, unit, month, now, by="worker",
                                       data_dir=worker.data_dir, repo=ReportRepo(tx))
                c = figures["complaints"]
                notifier.tell(_people(directory, policy, unit), "monthly_report", f"{unit}:{month}",
                              attachment=figures["file"], unit=units[unit].name, month=month,
                              version=figures["version"], received=c["received"], valid=c["valid"],
                              closed=c["closed"], open=c["open"])
                sent.append(unit)
            if month.endswith("-12"):  # R2.16 the year's end: the special analysis of its bad debts
                for unit in sent:
                    _deliver_bad_debts(worker, directory, policy, notifier, unit, int(month[:4]), now)
            if units[root].kind == "group":  # R7.2 the specialists' ranking closes with the group's month
                book_ranking_penalties(tx, worker.policies, month, now, notifier, directory)
            late = now > deadline
            if late:
                _alert(repo, notifier, directory, policy, root, month, deadline, now, "report_late",
                       f"逾期生成（{_text(policy, now)}）", f"was produced late ({_text(policy, now)})")
                done.late.append((root, month))
            repo.finish_run(run_id, now, worker.name, {"units": sent, "late": late,
                                                       "queued": notifier.queued})
        done.runs.append((root, month, sent))
        return True
    except (KefuError, ValueError, KeyError, OSError) as exc:
        log.error("monthly report %s %s failed: %s", root, month, exc)
        done.failures.append((root, month, f"{type(exc).__name__}: {exc}"))
        with worker.store.write() as tx:
            repo = WorkerRepo(tx)
            _alert(repo, Notifier(repo, policy, now), directory, policy, root, month, deadline, now,
                   "report_failed", "未能生成", "could not be produced", error=str(exc))
        return False


def _deliver_bad_debts(worker: Any, directory: Any, policy: Any, notifier: Notifier, unit: str, year: int,
                       now: datetime) -> None:
    """The year-end special analysis of ``unit``'s unresolvable complaints (R2.16): its Excel written
    beside the monthly reports and sent to the report's recipients."""
    figures = bad_debt_analysis(worker.store, worker.policies, year, unit, now=now)
    folder = Path(worker.data_dir) / "exports" / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bad-debt-{unit}-{year}.xlsx"
    path.write_bytes(bad_debt_xlsx(figures))
    notifier.tell(_people(directory, policy, unit), "bad_debt_report", f"{unit}:{year}",
                  attachment=str(path), unit=directory.units[unit].name, year=year,
                  count=figures["unresolvable"], valid=figures["with_unresolvable"]["valid"],
                  without=figures["without_unresolvable"]["valid"])


def _text(policy: Any, moment: datetime) -> str:
    return local_minutes(moment, policy.calendar.tz)


def _alert(repo: WorkerRepo, notifier: Notifier, directory: Any, policy: Any, root: str, month: str,
           deadline: datetime, now: datetime, kind: str, what: str, what_en: str, **data: Any) -> None:
    """Record the alert once per unit and month, and tell the report's recipients."""
    if not repo.add_alert(key=f"{kind}:{root}:{month}", kind=kind, unit=root, case_id=None, at=now,
                          data={"month": month, "deadline": deadline.isoformat(), **data}):
        return
    notifier.tell(_people(directory, policy, root), "report_late", f"{kind}:{root}:{month}",
                  unit=directory.units[root].name, month=month, what=what, what_en=what_en,
                  deadline=_text(policy, deadline - timedelta(microseconds=1)))
