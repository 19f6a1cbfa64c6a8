"""Drive one case of a process along a path in a throw-away world, then read what happened.

The case is opened at the given time by someone holding the script's ``opened_by`` role in the unit;
each open step is done by its holder (the assignee, else someone holding its role in its unit) at the
pace of the path: ``on_time`` ``step_minutes`` working minutes after it opened (never after its due
time), ``late`` ``late_minutes`` working minutes after its due time (wall-clock minutes for a script
whose ``pace`` says ``clock: wall``). Between steps the worker sweeps wherever the server's would act
(each job occurrence, a timer, a step falling overdue), so timers fire, digests and alerts go out and
fines are booked by the real jobs; while no step is open the case waits for its next timer (a host who
does not answer). The timeline is read back from the audit log, the notifications and the penalty
ledger (``engine.simulation.timeline``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from engine.errors import KefuError
from engine.org import OrgData
from engine.policy import PolicySet
from engine.processes import ProcessRegistry
from engine.simulation.scripts import SCRIPTS_DIR, PathScript, ProcessScript, load_script
from engine.simulation.timeline import Simulation, read_simulation
from engine.simulation.world import Overlay, World, world
from engine.store import TaskRecord
from engine.store.worker_repo import WorkerRepo
from engine.worker import Worker
from engine.worker.templates import title_values

__all__ = ["simulate"]

MAX_STEPS = 200
_PAST = timedelta(minutes=1)  # a sweep just after a due time sees it passed
_ENDED = ("closed", "withdrawn", "merged", "cancelled")
# The scheduled jobs that judge the steps done since their last run (a late 督办令, plan or return visit
# is booked at the day's 18:00 check, R2.5/R2.15), by the process whose cases they read.
_SETTLING = {"complaint": ("late_orders",)}


def simulate(process: str, at: datetime, unit: str, path: str = "happy", *, policies: PolicySet,
             registry: ProcessRegistry, org: OrgData, overlay: Overlay | None = None,
             scripts_dir: Path = SCRIPTS_DIR) -> Simulation:
    """What happens to one case of ``process`` received at ``at`` in ``unit`` along ``path``."""
    if at.tzinfo is None:
        raise KefuError(f"the time {at.isoformat()} has no time zone; add one, e.g. +08:00",
                        zh="时间须带时区，如 +08:00")
    script = load_script(process, scripts_dir)
    chosen = script.path(path)
    names = {str(r["code"]): str(r["name"]) for r in policies.effective(None).get("roles")}
    opener = _opener(org, unit, script.opened_by, names)
    with world(policies, registry, org, at, overlay) as w:
        driver = _Driver(w, org, script, chosen)
        number = driver.run(opener)
        return read_simulation(w, org, number, process=process, unit=unit, path=chosen, received_at=at,
                               label=overlay.label if overlay else "现行细则", truncated=driver.truncated)


def _within(org: OrgData, unit: str, scope: str) -> bool:
    return any(u.code == scope for u in org.ancestors(unit))


def _opener(org: OrgData, unit: str, roles: tuple[str, ...], names: dict[str, str]) -> str:
    """The first active holder in ``unit`` of the first of ``roles`` someone there holds."""
    org.unit(unit)  # NotFoundError with a did-you-mean
    for role in roles:
        for person in org.staff.values():
            if role in person.roles and person.active and _within(org, person.unit, unit):
                return person.login
    wanted = "或".join(names.get(r, r) for r in roles)
    raise KefuError(f"nobody in {unit!r} holds the role {' or '.join(roles)} to take the case; choose a "
                    "project where someone does",
                    zh=f"{org.unit(unit).name}没有可受理的人员（{wanted}），请选择设有该岗位的项目")


class _Driver:
    """Works one case step by step on the world's clock."""

    def __init__(self, w: World, org: OrgData, script: ProcessScript, path: PathScript) -> None:
        self.w, self.org, self.script, self.path = w, org, script, path
        self.worker = Worker(w.store, w.runtime, w.policies, w.clock, data_dir=w.directory)
        self.truncated = False
        self.case_id = ""
        self.calendar: Any = None

    def run(self, opener: str) -> str:
        """Open the case and work it to its end (or the horizon); returns its number."""
        clock, runtime = self.w.clock, self.w.runtime
        start = clock.now()
        case = runtime.open_case(self.script.process, self.script.intake_at(start, self.path), opener)
        self.case_id = case.id
        self.calendar = runtime.pinned_policy(self._case().policy_fingerprint).calendar
        self.worker.run_once()
        horizon = start + timedelta(days=self.script.horizon_days)
        for _ in range(MAX_STEPS):
            case_row = self._case()
            tasks = self._tasks()
            if case_row.status in _ENDED:
                break
            if not tasks:  # waiting for a timer (a host who does not answer, a direct view that expires)
                if case_row.next_timer_at is None:
                    break
                when = case_row.next_timer_at + _PAST
                if when > horizon:
                    self._advance(horizon)
                    self.truncated = True
                    break
                self._advance(when)
                continue
            when, task = min(((self._planned(t), t) for t in tasks), key=lambda p: (p[0], p[1].created_at))
            if when > horizon:
                self._advance(horizon)
                self.truncated = True
                break
            self._advance(when)
            if task.task_id not in {t.task_id for t in self._tasks()}:
                continue  # a timer moved the case on meanwhile
            data = self.path.answers_for(self.script.process, task.task_spec, clock.now())
            holder = self._holder(task)
            for stage, name in self.script.photos.get(task.task_spec, {}).items():
                self._upload_photo(name, holder, stage or None)
            runtime.complete_task(task.task_id, holder, data)
        else:
            self.truncated = True
        if not self.truncated and self._case().status in _ENDED:
            self._settle()
        self.worker.run_once()
        return case.number

    def _settle(self) -> None:
        """After the case ends, sweep up to the next run of each job that judges the steps done since
        its last run: a return visit done late on the morning the complaint closes is fined at that
        day's 18:00 check (R2.15), which the ledger would otherwise never show."""
        case = self._case()
        policy = self.worker.unit_policy(case.subsidiary)
        now = self.w.clock.now()
        names = _SETTLING.get(self.script.process, ())
        runs: list[datetime] = []
        for job in self.worker.jobs:
            if job.name not in names:
                continue
            try:
                schedule = policy.schedule(job.schedule_key)
            except KefuError:  # a unit without this schedule: the worker skips it too
                continue
            runs.extend(islice(schedule.occurrences(now, now + timedelta(days=31), policy.calendar), 1))
        if runs:
            self._advance(max(runs))

    def _upload_photo(self, name: str, by: str, stage: str | None) -> None:
        """A photo the step's holder uploads on the case page first (its metadata; no file is kept)."""
        from engine.store.web_queries import add_attachment

        add_attachment(self.w.store, case_id=self.case_id, task_id=None, filename=name,
                       content_type="image/jpeg", size=1024, sha256="0" * 64,
                       storage_path=f"attachments/{name}.jpg", uploaded_by=by, at=self.w.clock.now(),
                       stage=stage)

    # -- reading the world -------------------------------------------------------------------------
    def _case(self) -> Any:
        with self.w.store.read() as tx:
            return WorkerRepo(tx).cases_by_id([self.case_id])[0]

    def _tasks(self) -> list[TaskRecord]:
        with self.w.store.read() as tx:
            return WorkerRepo(tx).open_tasks([self.case_id])

    # -- pace and people ---------------------------------------------------------------------------
    def _after(self, moment: datetime, minutes: int) -> datetime:
        if self.script.working_pace:
            return self.calendar.add_working_minutes(moment, minutes)
        return moment + timedelta(minutes=minutes)

    def _planned(self, task: TaskRecord) -> datetime:
        now = self.w.clock.now()
        if self.path.timing == "late" and task.due_at is not None:
            return max(now, self._after(task.due_at, self.script.late_minutes))
        when = self._after(max(now, task.created_at), self.script.step_minutes)
        if task.due_at is not None and when >= task.due_at:
            when = task.due_at - timedelta(minutes=1)
        return max(now, when)

    def _advance(self, when: datetime) -> None:
        """Move the clock to ``when``, the worker sweeping on the way wherever the server's would act:
        each occurrence of a scheduled job, the case's next timer, a step falling overdue."""
        clock = self.w.clock
        now = clock.now()
        for stop in self._stops(now, when):
            clock.set(stop)
            self.worker.run_once()
        if when > now:
            clock.set(when)
            self.worker.run_once()

    def _stops(self, now: datetime, when: datetime) -> list[datetime]:
        case = self._case()
        policy = self.worker.unit_policy(case.subsidiary)
        stops: set[datetime] = set()
        for job in self.worker.jobs:
            try:
                schedule = policy.schedule(job.schedule_key)
                stops.update(islice(schedule.occurrences(now, when, policy.calendar), 400))
            except KefuError:  # a unit without this schedule: the worker skips it too
                continue
        stops.update(t.due_at + _PAST for t in self._tasks() if t.due_at is not None)
        if case.next_timer_at is not None:
            stops.add(case.next_timer_at + _PAST)
        return sorted(s for s in stops if now < s < when)

    def _unit_name(self, code: str | None) -> str:
        unit = self.org.units.get(code or "")
        return unit.name if unit is not None else (code or "")

    def _role_name(self, role: str | None) -> str:
        for record in self.w.policies.effective(None).get("roles"):
            if record["code"] == role:
                return str(record["name"])
        return role or ""

    def _holder(self, task: TaskRecord) -> str:
        if task.assignee:
            return task.assignee
        for person in self.org.staff.values():
            if (task.role in person.roles and task.unit and person.active
                    and _within(self.org, person.unit, task.unit)):
                return person.login
        raise KefuError(f"nobody holds {task.role}@{task.unit} to do the step {task.title!r}; add someone "
                        "with that role to the organisation",
                        zh=f"{self._unit_name(task.unit)}没有人能办理“{title_values(task.title)['task']}”"
                           f"（{self._role_name(task.role)}），请选择设有该岗位的项目")
