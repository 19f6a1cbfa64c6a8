"""``Worker``: one sweep fires due timers, runs every job whose period has come, and delivers the outbox.

Jobs run per subsidiary on the subsidiary's effective policy (its schedules and calendar); values
that belong to a case (fines, bands, the escalation chain) come from the case's pinned policy. A
period runs once: its ``job_runs`` row is recorded in a short transaction, then claimed with
``FOR UPDATE SKIP LOCKED`` by the transaction that does the work and marks it done; a crash rolls
both back and the next sweep runs it again.

Catch-up: every period a job missed is run, oldest first across all jobs (a month is closed only
after its last daily check), so the ledger and the reminders depend only on what happened, not on
when the worker ran. A job that has never run starts with the period in which the unit's earliest
complaint still open or closed within ``complaint.schedules.first_run_lookback`` was opened (no
earlier than that far back); with no such complaint, with its latest period. One sweep runs at most
``MAX_CATCH_UP`` periods per job and unit, and no job of the unit runs past the first job cut
short, so the order holds across sweeps.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from engine.clock import Clock
from engine.errors import DurationError, KefuError, NotFoundError
from engine.org_admin import OrgAdmin
from engine.store import CaseRecord, Store
from engine.store.worker_repo import WorkerRepo
from engine.worker.campaigns import campaign_check
from engine.worker.contact_alerts import KIND as CONTACT_CHANGE_OVERDUE
from engine.worker.contact_alerts import contact_change_alerts
from engine.worker.context import COMPLAINT, RunContext, span
from engine.worker.delivery import DeliveryReport, Transport, deliver
from engine.worker.jobs import JOBS, Job, volume_check
from engine.worker.outbox import Notifier
from engine.worker.overdue import overdue_alerts
from engine.worker.people import Directory

__all__ = ["MAX_CATCH_UP", "SweepReport", "Worker"]

log = logging.getLogger("kefu.worker")
MAX_CATCH_UP = 400  # periods per job and unit in one sweep
_TICK = timedelta(microseconds=1)


@dataclass
class SweepReport:
    """What one sweep did."""

    timers_fired: int = 0
    deputised: int = 0  # tasks handed to the deputies of people absent now (engine.org_admin)
    runs: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    busy: list[tuple[str, str, str]] = field(default_factory=list)
    failures: list[tuple[str, str, str, str]] = field(default_factory=list)
    volume: dict[str, int] = field(default_factory=dict)
    overdue: dict[str, int] = field(default_factory=dict)
    campaigns: dict[str, int] = field(default_factory=dict)  # R6.3 opened, checked, below_target
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    checkpoint: int | None = None  # the audit checkpoint written by this sweep
    reports: Any = None  # engine.reports.delivery.Delivered: the monthly statistics delivered (R7.1)


@dataclass(frozen=True)
class _Due:
    occurrence: datetime
    job: Job
    unit: str
    period: str


class Worker:
    """Timers, scheduled jobs and the outbox on a store, a runtime and a policy set, with a clock."""

    def __init__(self, store: Store, runtime: Any, policies: Any, clock: Clock, *,
                 transports: dict[str, Transport] | None = None, data_dir: Path | str = "var",
                 name: str | None = None, jobs: Sequence[Job] = JOBS,
                 on_row: Callable[[str], None] | None = None, anchor: Any = None) -> None:
        self.store = store
        self.runtime = runtime
        self.policies = policies
        self.clock = clock
        self.transports = dict(transports or {})
        self.data_dir = Path(data_dir)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.jobs = tuple(jobs)
        self.on_row = on_row
        self.anchor = anchor  # engine.audit_anchor.AuditAnchor: signed checkpoints at its interval
        self._case_policies: dict[str, Any] = {}

    # -- policies ----------------------------------------------------------------------------------
    def unit_policy(self, unit: str | None) -> Any:
        """The effective policy of a unit (the group's when the policy set does not know the unit)."""
        try:
            return self.policies.effective(unit)
        except NotFoundError:
            return self.policies.effective(None)

    def project_policy(self, project: str, subsidiary: str) -> Any:
        """The effective policy of a project: its own, else its subsidiary's, else the group's."""
        for code in (project, subsidiary):
            try:
                return self.policies.effective(code)
            except NotFoundError:
                continue
        return self.policies.effective(None)

    def _case_policy(self, repo: WorkerRepo, case: CaseRecord) -> Any:
        cached = self._case_policies.get(case.policy_fingerprint)
        if cached is None:
            from engine.policy import EffectivePolicy

            snapshot = repo.tx.policy_snapshot(case.policy_fingerprint)
            if snapshot is None:
                cached = self.unit_policy(case.project or case.subsidiary)
            else:
                calendars = getattr(self.policies, "calendars_dir", None)
                cached = EffectivePolicy.from_snapshot(snapshot, calendars)
            self._case_policies[case.policy_fingerprint] = cached
        return cached

    # -- the sweep ---------------------------------------------------------------------------------
    def run_once(self) -> SweepReport:
        """One sweep: due timers, due job periods (oldest first), the volume watch and overdue alerts (tasks,
        unacknowledged contact changes), the outbox, and an audit checkpoint when its interval has passed."""
        report = SweepReport()
        report.timers_fired = self.fire_timers()
        report.deputised = len(OrgAdmin(self.store, self.policies, self.clock).apply_absences())
        directory = self._directory()
        for due in self.due_periods(directory):
            self._run(due, directory, report)
        from engine.reports.delivery import JOB, deliver_monthly_reports  # it imports engine.worker

        report.reports = deliver_monthly_reports(self, directory)
        report.failures.extend((JOB, unit, month, error) for unit, month, error in report.reports.failures)
        for unit in directory.subsidiaries():
            self._live(unit, directory, report)
        contacts = contact_change_alerts(self.store, self.policies, self.clock.now(), directory)
        if contacts:
            report.overdue[CONTACT_CHANGE_OVERDUE] = contacts
        report.delivery = deliver(self.store, self.clock.now(), self.transports, self.unit_policy)
        if self.anchor is not None:
            written = self.anchor.checkpoint()
            report.checkpoint = written.seq if written is not None else None
        return report

    def run_forever(self, interval: float, stop: threading.Event | None = None,
                    sleep: Callable[[float], None] = time.sleep) -> None:
        """Sweep every ``interval`` seconds until ``stop`` is set; a failed sweep is logged and retried."""
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                self.run_once()
            except KefuError as exc:
                log.error("sweep failed: %s", exc)
            except Exception:  # a worker must survive a bad sweep; the next one retries
                log.exception("sweep failed")
            sleep(interval)

    def fire_timers(self, batch: int = 100, rounds: int = 50) -> int:
        """Fire due BPMN timers (the runtime reads only rows whose ``next_timer_at`` is due)."""
        fired = 0
        for _ in range(rounds):
            count = int(self.runtime.fire_due_timers(batch))
            fired += count
            if count == 0:
                break
        return fired

    def _directory(self) -> Directory:
        with self.store.read() as tx:
            return Directory(WorkerRepo(tx).all_staff(), tx.units())

    def due_periods(self, directory: Directory) -> list[_Due]:
        """Every (job, unit, period) whose occurrence has come and that has not run, oldest first."""
        now = self.clock.now()
        out: list[_Due] = []
        with self.store.read() as tx:
            repo = WorkerRepo(tx)
            for unit in directory.subsidiaries():
                out.extend(self._unit_periods(repo, unit, now))
        out.sort(key=lambda d: (d.occurrence, self.jobs.index(d.job), d.unit))
        return out

    def _unit_periods(self, repo: WorkerRepo, unit: str, now: datetime) -> list[_Due]:
        policy = self.unit_policy(unit)
        calendar = policy.calendar
        first_run: datetime | None = None
        pending: list[_Due] = []  # recorded, not done (a crashed or failed run): always retried
        scheduled: list[_Due] = []
        horizon: datetime | None = None  # the last occurrence of a job cut short at MAX_CATCH_UP
        for job in self.jobs:
            schedule = policy.schedule(job.schedule_key)
            known = dict(repo.pending_runs(job.name, unit))
            pending.extend(_Due(occ, job, unit, period) for period, occ in known.items())
            last = repo.last_done(job.name, unit)
            if last is None:
                first_run = first_run or self._first_run(repo, unit, policy, now)
                try:  # the period in which the first run's start falls, then every one after it
                    last = schedule.last_at_or_before(first_run, calendar)[1] - _TICK
                except DurationError:
                    continue
            found = list(islice(schedule.occurrences(last + _TICK, now + _TICK, calendar), MAX_CATCH_UP))
            if len(found) == MAX_CATCH_UP:
                horizon = found[-1] if horizon is None else min(horizon, found[-1])
            for occurrence in found:
                period = schedule.period_key(occurrence, calendar)
                if period not in known:
                    known[period] = occurrence
                    scheduled.append(_Due(occurrence, job, unit, period))
        return pending + [d for d in scheduled if horizon is None or d.occurrence <= horizon]

    def _first_run(self, repo: WorkerRepo, unit: str, policy: Any, now: datetime) -> datetime:
        """Where a job's first run starts: the unit's earliest relevant complaint, bounded by policy."""
        lookback = policy.duration("complaint.schedules.first_run_lookback")
        floor = now - span(lookback, now, policy.calendar)
        earliest = repo.earliest_opened(COMPLAINT, unit, floor)
        return now if earliest is None else max(earliest, floor)

    def _run(self, due: _Due, directory: Directory, report: SweepReport) -> None:
        label = (due.job.name, due.unit, due.period)
        if any(f[:2] == label[:2] for f in report.failures):
            return  # a failed earlier period of this job blocks the later ones until it succeeds
        if due.job.closes and (report.failures or report.busy):
            return  # a month is closed only after every earlier period has committed
        now = self.clock.now()
        if self.store.dialect != "sqlite":  # committed first, so that a second worker skips, not waits
            with self.store.write() as tx:
                WorkerRepo(tx).ensure_run(due.job.name, due.unit, due.period, due.occurrence, now)
        try:
            with self.store.write() as tx:
                repo = WorkerRepo(tx)
                if self.store.dialect == "sqlite":  # BEGIN IMMEDIATE: writers queue, one at a time
                    repo.ensure_run(due.job.name, due.unit, due.period, due.occurrence, now)
                run_id = repo.claim_run(*label)
                if run_id is None:
                    report.skipped.append(label)
                    if repo.run_status(*label) == "pending":  # another worker is running it right now
                        report.busy.append(label)
                    return
                policy = self.unit_policy(due.unit)
                schedule = policy.schedule(due.job.schedule_key)
                try:
                    previous = schedule.last_at_or_before(due.occurrence - _TICK, policy.calendar)[1]
                except DurationError:
                    previous = None
                ctx = RunContext(repo=repo, unit=due.unit, policy=policy, occurrence=due.occurrence,
                                 previous=previous, period=due.period, now=now, directory=directory,
                                 notifier=Notifier(repo, policy, now),
                                 case_policy=lambda case: self._case_policy(repo, case),
                                 data_dir=self.data_dir, on_row=self.on_row)
                result = due.job.run(ctx)
                result = {**result, "queued": ctx.notifier.queued}
                repo.finish_run(run_id, now, self.name, result)
        except (KefuError, ValueError, KeyError, OSError) as exc:
            log.error("job %s for %s, period %s failed: %s", *label, exc)
            report.failures.append((*label, f"{type(exc).__name__}: {exc}"))
            return
        report.runs.append((*label, result))

    def _escalate(self, process_id: str, data: dict[str, Any], project: str, receiver: str) -> Any:
        """Open the R2.13 escalation case of ``project`` received by ``receiver`` (after the alert's
        transaction committed); a failure is logged with the alert kept, never raised into the sweep."""
        try:
            view = self.runtime.open_case(process_id, {**data, "project": project}, receiver, by_worker=True)
        except KefuError as exc:
            log.error("volume escalation for %s not opened: %s", project, exc)
            return None
        log.info("volume escalation %s opened for %s (%s)", view.number, project, data.get("level"))
        return view

    def _live(self, unit: str, directory: Directory, report: SweepReport) -> None:
        """The checks of every sweep: the volume watch (R2.13), overdue alerts (R2.10), survey campaigns
        (R6.3)."""
        now = self.clock.now()
        policy = self.unit_policy(unit)
        campaigns = partial(campaign_check, policy_of=self.project_policy)
        for check, counts in ((volume_check, report.volume), (overdue_alerts, report.overdue),
                              (campaigns, report.campaigns)):
            with self.store.write() as tx:
                repo = WorkerRepo(tx)
                ctx = RunContext(repo=repo, unit=unit, policy=policy, occurrence=now, previous=None,
                                 period="live", now=now, directory=directory,
                                 notifier=Notifier(repo, policy, now), data_dir=self.data_dir,
                                 case_policy=partial(self._case_policy, repo),
                                 escalate=self._escalate if self.runtime is not None else None)
                for what, count in check(ctx).items():
                    counts[what] = counts.get(what, 0) + count
