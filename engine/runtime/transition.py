"""One transition of a case: timers, engine steps and the inbox/case-row bookkeeping after them.

After every step the runtime makes the store match the workflow: each READY user task has an inbox
row (lane → role@unit, assignee, ``due_at`` from its ``due`` expression evaluated when the row is
created; a ``notify`` expression gives the roles told at once, see ``engine/worker/events.py``), rows
of tasks no longer READY go, case fields are copied from the workflow data, and
``next_timer_at`` is the earliest due time of the timers the workflow waits on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.simple import TerminateEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.spiff.specs.defaults import UserTask

from engine.actions import StepBinding, bind_step
from engine.clock import Clock, FixedClock, ensure_aware, local_minutes
from engine.processes import evaluate_expression, timer_clock, workflow_errors
from engine.processes.host import deadline_log
from engine.runtime.access import candidate_groups, lane_escalation, resolve_lane
from engine.runtime.branches import merged_workflow_data
from engine.search import case_search_fields, search_columns
from engine.store import TaskRecord, Tx, UnitRecord

__all__ = ["CASE_DATA_FIELDS", "COMPUTE", "FINAL_STATUSES", "PROVISIONAL_DEADLINES", "Transition",
           "absent_name", "swap_number", "task_spec_id", "to_utc"]

# Where a case keeps the deadlines computed on a provisional calendar year (in the workflow's own
# data, so they are saved, loaded and rolled back with it): [{key, from, due, years}].
PROVISIONAL_DEADLINES = "kefu_provisional_deadlines"

CASE_DATA_FIELDS = ("customer_name", "customer_phone", "room", "category", "responsible_department", "status",
                    "outcome", "urgency", "scope", "channel")
FINAL_STATUSES = frozenset({"closed", "cancelled", "withdrawn", "merged"})
# Statuses a person sets by ending the case by hand (issue 15); the workflow's own data never overrides them.
ENDED_BY_HAND = frozenset({"withdrawn", "merged"})
_TASK_CASE_FIELDS = ("number", "category", "room", "customer_name", "customer_phone", "subsidiary", "project",
                     "status")


COMPUTE: Any = object()  # ``Transition._new_row``: compute the due time from the diagram


def absent_name(expr: str, data: Any) -> bool:
    """True when a ``due`` expression is one data name the case does not have: that step has no due time
    (a called process's caller sets it, e.g. ``return_visit_due``: a complaint's return visit has one, a
    repair's not)."""
    name = expr.strip()
    return name.isidentifier() and name not in data


def to_utc(value: Any, zone: Any) -> datetime | None:
    """An aware UTC datetime from an ISO string or datetime (naive values are read in ``zone``)."""
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def task_spec_id(task: Any) -> str:
    """The diagram id of a task's step: an instance of a multi-instance user task ("<id> [child]" to
    SpiffWorkflow) is known by the id drawn in the diagram, like every other step."""
    return str(getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name)


def ready_user_tasks(wf: BpmnWorkflow) -> list[Any]:
    """The READY user tasks of a workflow, then of its subprocesses (call activities), each in creation order.

    A scan of the task maps: ``get_tasks(state=READY, spec_class=UserTask)`` walks the task tree
    with a generator per level and cost about 20 times as much per transition.
    """
    found = [t for t in wf.tasks.values() if t.state == TaskState.READY and isinstance(t.task_spec, UserTask)]
    inside: list[Any] = []
    for sub in wf.subprocesses.values():
        inside.extend(t for t in sub.tasks.values()
                      if t.state == TaskState.READY and isinstance(t.task_spec, UserTask))
    if not inside:
        return found
    if not found and len(inside) == 1:
        return inside
    # As if the called diagrams were drawn inline: the task that became READY last comes last (the
    # case fields overlay the READY tasks' data in this order, so the latest step's data wins).
    return sorted(found + inside, key=lambda t: t.last_state_change)


def _instance(task: Any) -> bool:
    """True for a multi-instance step, one of its instances, or the end event right after it (R2.4 the
    cooperating departments' confirmations): their data is a copy taken when the instances started, so
    it never speaks for the case's fields."""
    if task is None:
        return False
    if isinstance(task.task_spec, MultiInstanceTask) or task_spec_id(task) != task.task_spec.name:
        return True
    return isinstance(task.task_spec, EndEvent) and task.parent is not None and isinstance(
        task.parent.task_spec, MultiInstanceTask)


def _case_data_task(task: Any) -> bool:
    """A task whose changes are the case's: completed, or a READY user task (its data as the form
    opens), not multi-instance work (see :func:`_instance`)."""
    return (task.state == TaskState.COMPLETED or isinstance(task.task_spec, UserTask)) and not _instance(task)


def _all_tasks(wf: BpmnWorkflow) -> Iterator[Any]:
    """Every task of a workflow and of its running subprocesses (call activities)."""
    yield from wf.get_tasks()
    for sub in wf.subprocesses.values():
        yield from sub.get_tasks()


def swap_number(value: Any, old: str, new: str) -> Any:
    """``value`` with ``old`` replaced by ``new`` in every string inside it (dicts and lists in place)."""
    if isinstance(value, str):
        return value.replace(old, new) if old in value else value
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = swap_number(item, old, new)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = swap_number(item, old, new)
    return value


class Transition:
    """The working state of one case inside one store transaction."""

    def __init__(self, *, tx: Tx, case: dict[str, Any], rows: Mapping[str, TaskRecord], definition: Any,
                 policy: Any, workflow: BpmnWorkflow, clock: Clock, zone: Any, runtime: Any = None,
                 actor: str = "system", now: datetime | None = None) -> None:
        self.tx = tx
        self.runtime = runtime
        self.actor = actor  # who causes the step: service-task actions act on their behalf
        self.case = case  # current case fields: id, number, process_id, units, first_receiver …
        self.original = dict(case)
        self.rows = dict(rows)
        self.definition = definition
        self.policy = policy
        self.wf = workflow
        self.clock = clock
        self.zone = zone
        # The transition's one moment (``now``: the caller's, when it read the clock for this step
        # already): the case row's times, the audit, the inbox rows, the facts, the notifications, and
        # inside ``engine()`` SpiffWorkflow's timers and the diagram's ``now()`` all use it, so that
        # midnight (or a deadline boundary) passing while the step runs cannot split it.
        self.now = ensure_aware(now if now is not None else clock.now()).astimezone(UTC)
        self.moment = FixedClock(self.now)
        self.events: list[dict[str, Any]] = []
        self.completed_task: str | None = None
        self.cancel_reason = "the process moved on"
        self.final_status: str | None = None  # set by withdraw_case: the status the case ends with
        self.fired: list[dict[str, Any]] = []
        self.new_rows: list[TaskRecord] = []
        self.notices: list[tuple[TaskRecord, list[str]]] = []  # (new row, roles its ``notify`` names)
        self.deleted_rows: list[str] = []
        self._started = time.time()  # SpiffWorkflow stamps its tasks' changes with time.time()
        self.told_lanes: set[str] = set()  # lanes whose new steps a service task already told (R2.4)
        self._units: dict[str, UnitRecord] | None = None
        self._actor_groups: frozenset[str] | None = None
        # the actor's staff record as the step's caller read it (``load_staff``): ``holds`` asks no more
        self.actor_staff: Any = None
        self._department_units: dict[tuple[str, tuple[str, ...]], str | None] = {}
        self._unit_roles: dict[str, list[list[str]]] = {}  # unit → its active staff's roles (``_held``)
        self.ledger: list[dict[str, Any]] = list(workflow.data.get(PROVISIONAL_DEADLINES, ()))
        self.noted: list[dict[str, Any]] = []  # provisional deadlines computed in this transition
        # An opening case's number, taken late (``take_number``): (placeholder, allocate) until then.
        self.pending_number: tuple[str, Callable[[], str]] | None = None
        self._searched: dict[str, str] | None = None  # the searched values of the last ``sync``
        # the workflow data the last ``sync`` read (the case's statistics read it again before the
        # commit, with nothing run in between; reading it costs a walk of every task)
        self.synced_data: dict[str, Any] | None = None

    def take_number(self, *, in_workflow: bool = True) -> tuple[str, str] | None:
        """Allocate an opening case's gapless number now and put it where its placeholder stood.

        The sequence row stays locked from this statement to the commit, so ``open_case`` takes the
        number as late as it can: at ``_commit``, after the SpiffWorkflow run, or sooner when a
        service task runs during that run (an action may quote or store the number). Returns
        (placeholder, number) when it allocated now: the caller swaps values it holds (``swap_number``).
        ``in_workflow`` False (``_commit``: the workflow is written already, its JSON text swapped by the
        caller): the workflow's data keeps the placeholder (``engine.runtime.wfcache.renumber`` puts the
        number into a workflow kept after the commit), and nothing walks it under the sequence row's lock.
        """
        if self.pending_number is None:
            return None
        placeholder, allocate = self.pending_number
        self.pending_number = None
        number = allocate()
        if in_workflow:
            for task in _all_tasks(self.wf):
                swap_number(task.data, placeholder, number)
            swap_number(self.wf.data, placeholder, number)
            for sub in self.wf.subprocesses.values():
                swap_number(sub.data, placeholder, number)
        swap_number(self.case, placeholder, number)
        swap_number(self.events, placeholder, number)
        return placeholder, number

    def renumbered(self, placeholder: str, number: str) -> dict[str, Any]:
        """After ``sync`` and ``take_number`` (an opening case whose number came last): the number in the
        inbox rows and the search columns made with its placeholder; returns the changed case columns."""
        for task_id, row in list(self.rows.items()):
            if row.number == placeholder:
                self.rows[task_id] = replace(row, number=number)
        self.new_rows = [self.rows.get(row.task_id, row) for row in self.new_rows]
        if self._searched is not None:
            self._searched = swap_number(dict(self._searched), placeholder, number)
            self.case["search_text"], self.case["search_terms"] = search_columns(self._searched)
        return {k: v for k, v in self.case.items() if self.original.get(k) != v}

    def units(self) -> dict[str, UnitRecord]:
        """The org units, read once per transition when a lane needs them."""
        if self._units is None:
            self._units = self.tx.units()
        return self._units

    def holds(self, group: str) -> bool:
        """True when the person who completed a task in this step holds the candidate group ``group``
        (a sticky lane's next step then goes straight to them, ``lanes.<lane>.sticky``)."""
        if self.actor == "system" or self.completed_task is None:
            return False
        if self._actor_groups is None:
            known = self.actor_staff
            staff = known if known is not None and known.login == self.actor else self.tx.staff(self.actor)
            self._actor_groups = frozenset(candidate_groups(staff)) if staff is not None and staff.active \
                else frozenset()
        return group in self._actor_groups

    def _category_name(self, code: Any) -> str:
        """A category's name in the case's policy (its code when the policy does not know it)."""
        try:
            return str(self.policy.name_of("complaint.categories", str(code)))
        except Exception:  # noqa: BLE001 - an unknown code is shown as it is
            return str(code)

    def local(self, moment: datetime | None) -> str | None:
        """A time as ISO text in the policy zone (for audit data; a message prints ``text``)."""
        return None if moment is None else moment.astimezone(self.zone).isoformat(timespec="seconds")

    def text(self, moment: datetime | None) -> str | None:
        """A time as a message prints it, ``YYYY-MM-DD HH:MM`` in the policy zone (as the worker's
        ``RunContext.text``)."""
        return None if moment is None else local_minutes(moment, self.zone)

    # -- timers ------------------------------------------------------------------------------------
    def timers(self) -> list[tuple[Any, datetime | None]]:
        """(waiting task, due time) for every timer the workflow waits on (event-based gateways too)."""
        out = []
        for task in list(self.wf.event_manager.tasks.values()):
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, TimerEventDefinition):
                value = definition.details(task).value
            elif isinstance(definition, MultipleEventDefinition) and any(
                    isinstance(d, TimerEventDefinition) for d in definition.event_definitions):
                value = task.internal_data.get("event_value")  # the gateway's timer keeps its due time here
                if isinstance(value, dict):  # a cycle timer
                    value = value.get("next")
            else:
                continue
            try:
                out.append((task, to_utc(value, self.zone)))
            except (TypeError, ValueError):
                out.append((task, None))
        return out

    def waiting_messages(self) -> list[str]:
        """Names of the messages the workflow waits for now."""
        names: set[str] = set()
        for task in list(self.wf.event_manager.tasks.values()):
            definition = getattr(task.task_spec, "event_definition", None)
            subs = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [
                definition]
            names.update(d.name for d in subs if isinstance(d, MessageEventDefinition) and d.name)
        return sorted(names)

    def message_event_name(self, message: str) -> str:
        """The diagram's name of the event waiting for ``message`` (e.g. "收到重复投诉 repeat complaint"),
        for the timeline; the message's own name when the event has none."""
        def matches(definition: Any) -> bool:
            return isinstance(definition, MessageEventDefinition) and definition.name == message

        for task in list(self.wf.event_manager.tasks.values()):
            spec = task.task_spec
            definition = getattr(spec, "event_definition", None)
            if isinstance(definition, MultipleEventDefinition):
                # an event-based gateway holds its catch events' definitions, in the order of its outputs
                outputs = spec.outputs if len(spec.outputs) == len(definition.event_definitions) else []
                for output, sub in zip(outputs, definition.event_definitions, strict=True):
                    if matches(sub) and getattr(output, "bpmn_name", None):
                        return str(output.bpmn_name)
                if any(matches(sub) for sub in definition.event_definitions) and spec.bpmn_name:
                    return str(spec.bpmn_name)
            elif matches(definition) and spec.bpmn_name:
                return str(spec.bpmn_name)
        return message

    @contextmanager
    def engine(self) -> Iterator[None]:
        """Run SpiffWorkflow inside: its timers and the diagram's ``now()`` read the transition's moment
        (``self.now``, ``engine.processes.StepClock``), its failures become ``StepError``,
        deadlines it computes on a provisional calendar year are noted, and service tasks run their
        actions in this step's transaction, as its actor (``engine.actions.bind_step``)."""
        step = StepBinding(self.tx, self.runtime, self, self.actor)
        with workflow_errors(), timer_clock(self.moment), deadline_log(self.noted), bind_step(step):
            yield

    def provisional_years(self, due: datetime | None) -> list[int]:
        """The provisional calendar years the due time ``due`` rests on (none for official data)."""
        if due is None or not (self.ledger or self.noted):
            return []
        years: set[int] = set()
        for entry in (*self.ledger, *self.noted):
            if to_utc(entry["due"], self.zone) == due:
                years.update(entry["years"])
        return sorted(years)

    def run_engine(self) -> None:
        """``do_engine_steps()`` with SpiffWorkflow's timers reading our clock."""
        with self.engine():
            self.wf.do_engine_steps()

    def refresh_timers(self) -> int:
        """Fire due timers (``refresh_timers()`` before ``do_engine_steps()``); returns how many fired."""
        due = [(t, at) for t, at in self.timers() if at is not None and at < self.now]
        if not due:
            return 0
        with self.engine():
            self.wf.refresh_timers()
            self.wf.do_engine_steps()
        count = 0
        for task, at in due:
            if task.state != TaskState.WAITING:
                count += 1
                name = task.task_spec.bpmn_name or task.task_spec.name
                cancels = bool(getattr(task.task_spec, "cancel_activity", False))
                self.fired.append({"timer": task.task_spec.name, "name": name, "due_at": self.local(at),
                                   "interrupting": cancels})
                data = {"timer": task.task_spec.name, "name": name, "due_at": self.local(at),
                        "interrupting": cancels}
                if years := self.provisional_years(at):
                    data["provisional"] = years
                self.events.append({"actor": "system", "action": "timer.fired", "data": data})
        if self.fired:
            names = ", ".join(f"{f['name']} (due {f['due_at']})" for f in self.fired)
            self.cancel_reason = f"deadline timer fired: {names}"
        return count

    # -- bookkeeping -------------------------------------------------------------------------------
    def workflow_data(self, ready: list[Any] | None = None, completed: bool | None = None) -> dict[str, Any]:
        """The data the case fields are read from: what every step that ran (and every READY user task)
        set, in the order they ran, across parallel branches and called processes (``ready`` is
        accepted for the callers' sake; the READY tasks are found with the rest)."""
        wf = self.wf
        data: dict[str, Any] = {}
        if wf.is_completed() if completed is None else completed:
            data.update(wf.data)
        # every step in the order it ran, on whichever parallel branch, contributes what it changed (the
        # latest change of a field wins): a branch's stale copy never brings back an old value
        data.update(merged_workflow_data(wf, _case_data_task))
        return data

    def sync(self) -> dict[str, Any]:
        """Make inbox rows and case fields match the workflow; returns the changed case columns."""
        ready_tasks = ready_user_tasks(self.wf)
        completed = self.wf.is_completed()  # a walk of the task tree: once per transition
        data = self.synced_data = self.workflow_data(ready_tasks, completed)
        ended = self.final_status or (self.case.get("status") if self.case.get("status") in ENDED_BY_HAND
                                      else None)
        before = self.case.get("category")
        for key in CASE_DATA_FIELDS:
            if key in data and data[key] is not None:
                self.case[key] = _text(data[key])
        if before and self.case.get("category") != before:  # R2.2 the final cause differs: audited
            self.events.append({"actor": self.actor, "action": "case.category_changed",
                                "task_id": self.completed_task,
                                "data": {"from": before, "to": self.case.get("category"),
                                         "from_name": self._category_name(before),
                                         "to_name": self._category_name(self.case.get("category")),
                                         "intake": _text(data.get("intake_category")) or before}})
        if ended is not None:
            self.case["status"] = ended
        if not self.case.get("responsible_department") and self.case.get("category"):
            try:
                self.case["responsible_department"] = _text(
                    self.policy.responsible_department(self.case["category"]))
            except Exception:  # unknown category in this policy: leave the field empty
                pass
        self._searched = case_search_fields(self.case, data)
        searched = search_columns(self._searched)
        self.case["search_text"], self.case["search_terms"] = searched
        if completed:
            if self.case.get("status") not in FINAL_STATUSES:
                self.case["status"] = "closed"
            self.case["closed_at"] = self.now
        ready = {str(t.id): t for t in ready_tasks}
        for task_id, row in list(self.rows.items()):
            if task_id not in ready:
                self.deleted_rows.append(task_id)
                del self.rows[task_id]
                if task_id != self.completed_task:
                    data_: dict[str, Any] = {"task": row.task_spec, "title": row.title,
                                             "reason": self.cancel_reason}
                    if (ended := self._terminated_by(task_id)) is not None:  # R2.4 e.g. a part unconfirmed
                        data_["reason"] = f"the process ended at '{ended}'"
                        data_["ended_by"] = ended
                        if row.due_at is not None and row.due_at < self.now:
                            data_["late"], data_["due_at"] = True, self.local(row.due_at)
                    self.events.append({"actor": "system", "action": "task.cancelled", "task_id": task_id,
                                        "data": data_})
        for task_id, task in ready.items():
            if task_id not in self.rows:
                row = self._new_row(task_id, task)
                self.rows[task_id] = row
                self.new_rows.append(row)
        timers = self.timers()
        waits = [at for _, at in timers if at is not None]
        self.case["next_timer_at"] = min(waits) if waits and not completed else None
        self._keep_provisional(timers, completed)
        if completed:
            closed = {"status": self.case.get("status"), "outcome": self.case.get("outcome")}
            self.events.append({"actor": "system", "action": "case.closed", "data": closed})
        return {k: v for k, v in self.case.items() if self.original.get(k) != v}

    def resolve(self, binding: Mapping[str, Any], cooperating: Any = None) -> tuple[str | None, str | None,
                                                                                  str | None]:
        """(role, unit, assignee) of a lane for this case; a ``cooperating_department`` lane for the
        department ``cooperating`` (R2.4), in the project's unit of that department when someone there
        holds the role, else in the company's (a project's 工程维修组 without a head)."""
        if binding.get("scope") != "cooperating_department":
            return resolve_lane(binding, self.case, self.units, self.department_unit)
        where = {**self.case, "cooperating_department": cooperating}
        found = resolve_lane(binding, where, self.units, self.department_unit)
        if where.get("project") and not self._held(found[0], found[1]):
            found = resolve_lane(binding, {**where, "project": None}, self.units, self.department_unit)
        return found

    def completers(self, task: Any, steps: Sequence[str]) -> frozenset[str]:
        """Who completed the user tasks ``steps`` in the run of the process ``task`` belongs to (a call
        activity's run is its own: a complaint's second return visit does not look at its first), from
        the ``task.completed`` audit events of those tasks: this transition's, then the stored ones. The
        workflow says which tasks completed (it survives the cache and a migration, which keeps task ids);
        the audit says by whom (a later version of the diagram does not change it)."""
        names = set(steps)
        done = {str(t.id) for t in task.workflow.tasks.values()
                if t.state == TaskState.COMPLETED and isinstance(t.task_spec, UserTask)
                and task_spec_id(t) in names}
        if not done:
            return frozenset()
        found = {str(e["task_id"]): str(e["actor"]) for e in self.events
                 if e.get("action") == "task.completed" and e.get("task_id") in done}
        if done - found.keys():
            found.update(self.tx.task_completers(done - found.keys()))
        return frozenset(login for login in found.values() if login != "system")

    def department_unit(self, department: str, parents: Sequence[str]) -> str | None:
        """``Tx.department_unit``, asked once per transition for each department and parents: a step
        opening several tasks (a dispatch's lead and cooperating departments, each lane resolved again
        for its escalation) asked the same question up to four times; answered from the org units when
        the transition has read them all (``units``)."""
        key = (department, tuple(parents))
        if key not in self._department_units:
            if self._units is not None:  # every unit is read already (a lane needed them): no query
                asked = {parents[0], parents[-1]} if parents else set()  # as Tx.department_unit asks
                found = {u.parent: u.code for u in sorted(self._units.values(), key=lambda u: u.code)
                         if u.kind == "department" and u.department == department and u.parent in asked}
                self._department_units[key] = next((found[p] for p in parents if p in found), None)
            else:
                self._department_units[key] = self.tx.department_unit(department, parents)
        return self._department_units[key]

    def _held(self, role: str | None, unit: str | None) -> bool:
        """True when an active staff member of ``unit`` holds ``role`` there (asked once per transition
        for each unit)."""
        if not role or not unit:
            return False
        roles = self._unit_roles.get(unit)
        if roles is None:
            roles = self._unit_roles[unit] = self._roles_in(unit)
        return any(role in held or f"{role}@{unit}" in held for held in roles)

    def _roles_in(self, unit: str) -> list[list[str]]:
        """The roles of each active staff member of ``unit``."""
        from sqlalchemy import select

        from engine.store.models import Staff

        rows = self.tx.session.execute(
            select(Staff.roles).where(Staff.active.is_(True), Staff.unit == unit)).scalars().all()
        return [list(roles or []) for roles in rows]

    def _terminated_by(self, task_id: str) -> str | None:
        """The name of the terminate end event reached in this transition while the step ``task_id`` was
        open (e.g. the complaint closed before a cooperating department confirmed its part, R2.4), or
        None. SpiffWorkflow drops the cancelled instances of a multi-instance step from the task tree, so
        the end event is found by when it completed, not from the step."""
        from uuid import UUID

        for workflow in (self.wf, *self.wf.subprocesses.values()):
            task = workflow.tasks.get(UUID(task_id))
            if task is not None and task.state != TaskState.CANCELLED:
                return None
        for workflow in (self.wf, *self.wf.subprocesses.values()):
            for other in workflow.tasks.values():
                definition = getattr(other.task_spec, "event_definition", None)
                if (other.state == TaskState.COMPLETED and isinstance(definition, TerminateEventDefinition)
                        and other.last_state_change >= self._started):
                    return str(other.task_spec.bpmn_name or other.task_spec.name)
        return None

    def _keep_provisional(self, timers: list[tuple[Any, datetime | None]], completed: bool) -> None:
        """Add this transition's provisional deadlines to the case's list, each with an audit event
        saying what it is for; ``provisional_year`` is the first year the open case's deadlines rest on."""
        if self.noted:
            known = {(e["key"], e["from"], e["due"]) for e in self.ledger}
            for entry in self.noted:
                if (entry["key"], entry["from"], entry["due"]) in known:
                    continue
                known.add((entry["key"], entry["from"], entry["due"]))
                self.ledger.append(entry)
                due = to_utc(entry["due"], self.zone)
                used = [t.task_spec.bpmn_name or t.task_spec.name for t, at in timers if at == due]
                used += [r.title for r in self.rows.values() if r.due_at == due]
                years = "、".join(map(str, entry["years"]))
                self.events.append({"actor": "system", "action": "deadline.provisional", "data": {
                    "key": entry["key"], "from": entry["from"], "due_at": entry["due"],
                    "years": entry["years"], "for": used, "provisional": True,
                    "reason": f"{local_minutes(datetime.fromisoformat(entry['due']), self.zone)} "
                              f"{'、'.join(used) or entry['key']}"
                              f" · 按{years}年暂定日历计算 / computed on the provisional {years} calendar"}})
            self.noted.clear()
            self.wf.data[PROVISIONAL_DEADLINES] = self.ledger
        rested = [y for entry in self.ledger for y in entry["years"]]
        self.case["provisional_year"] = min(rested) if rested and not completed else None

    def evaluate(self, task: Any, expression: str) -> Any:
        """An allow-listed expression of the diagram over ``task``'s data, on the case clock."""
        with self.engine():
            return evaluate_expression(self.wf.script_engine, task, expression)

    def engine_as_at(self, moment: datetime) -> Any:
        """A script engine for this case's policy whose ``now()`` (and ``deadline()``'s default start) is
        ``moment``: a rebuilt row's expressions are read as at the moment its step opened."""
        from engine.processes import build_script_engine

        actions = getattr(self.runtime, "actions", None)
        return build_script_engine(self.policy, FixedClock(moment), actions=actions)

    def _new_row(self, task_id: str, task: Any, *, started: datetime | None = None,
                 due_at: Any = COMPUTE) -> TaskRecord:
        """The inbox row of a ready user task. A row rebuilt for a step that is already open (a migrated
        case, ``engine/runtime/migration.py``) passes the moment it opened as ``started``: its ``due``
        and statistic expressions read ``now()`` as then, not as the rebuild; ``due_at`` (a time or None)
        keeps a due time instead of computing it."""
        spec = task_spec_id(task)
        info = self.definition.user_tasks.get(spec)
        lane = info.lane if info is not None else task.task_spec.lane
        binding = self.policy.lane(lane) if lane else {"role": None, "scope": "project"}
        cooperating = task.data.get("cooperating_department")
        if cooperating is None and binding.get("scope") == "cooperating_department" and task_id in self.rows:
            # a migrated instance keeps its department: the one its open row was queued in
            unit_record = self.units().get(self.rows[task_id].unit or "")
            cooperating = unit_record.department if unit_record is not None else None
            if cooperating:
                task.data["cooperating_department"] = cooperating
        role, unit, assignee = self.resolve(binding, cooperating)
        engine = self.wf.script_engine
        timed = engine if started is None else self.engine_as_at(started)
        with self.engine():
            if info is not None and info.assignee_expr:
                assignee = _text(evaluate_expression(engine, task, info.assignee_expr)) or assignee
            if due_at is COMPUTE:
                due_at = None
                if info is not None and info.due_expr and not absent_name(info.due_expr, task.data):
                    due_at = to_utc(evaluate_expression(timed, task, info.due_expr), self.zone)
        # R6.3 whoever completed the steps the task's ``not_completed_by`` names may not take it
        steps_apart = info.not_completed_by if info is not None else ()
        excluded = self.completers(task, steps_apart) if steps_apart else frozenset()
        if assignee in excluded:
            assignee = None
        escalated = None
        if assignee is None and binding.get("escalate_to"):  # R5.2 主管以上: nobody may take it where it is
            from engine.store.web_queries import group_holders_in

            escalated = lane_escalation(binding, role, unit, self.case, self.units,
                                        lambda groups: group_holders_in(self.tx.session, groups),
                                        self.department_unit, excluded=excluded)
            if escalated is not None:
                role, unit = escalated["role"], escalated["unit"]
        title = info.title if info is not None else (task.task_spec.bpmn_name or task.task_spec.name)
        case = self.case
        group = f"{role}@{unit}" if role and unit else None
        default, claimed_at = assignee, None
        sticky = (assignee is None and group is not None and bool(binding.get("sticky"))
                  and self.holds(group) and self.actor not in excluded)
        if sticky:  # the person who just did a step of the case goes on with it; the queue stays for others
            assignee, claimed_at = self.actor, self.now
        row = TaskRecord(
            task_id=task_id, case_id=case["id"], task_spec=spec, title=title, lane=lane,
            role=role, unit=unit, candidate_group=group, assignee=assignee, default_assignee=default,
            claimed_at=claimed_at, due_at=due_at, created_at=self.now,
            number=case["number"], process_id=case["process_id"], category=case.get("category"),
            room=case.get("room"), customer_name=case.get("customer_name"),
            customer_phone=case.get("customer_phone"), subsidiary=case.get("subsidiary"),
            project=case.get("project"), status=case.get("status"),
            provisional_year=min(provisional) if (provisional := self.provisional_years(due_at)) else None,
            excluded=" ".join(sorted(excluded)) or None,
        )
        opened = {"task": row.task_spec, "title": title, "candidate_group": row.candidate_group,
                  "assignee": assignee, "due_at": self.local(due_at)}
        if binding.get("scope") == "cooperating_department":  # R2.4 the department this instance is for
            opened["department"] = _text(cooperating)
        if escalated is not None:  # the lane's own group and any level skipped, and why (R5.2)
            opened["escalated"] = {"from": escalated["from"], "passed": escalated["passed"],
                                   "why": escalated["why"]}
        if sticky:
            opened["sticky"] = True
        if excluded:  # who may not take it: they did a step it must be done apart from (R6.3)
            opened["excluded"] = sorted(excluded)
        if provisional:
            opened["provisional"] = provisional
        if info is not None and info.statistic:  # the deadline kind it counts for (R7.1)
            judged = due_at
            if info.statistic_due_expr:
                with self.engine():
                    judged = to_utc(evaluate_expression(timed, task, info.statistic_due_expr), self.zone)
            opened["statistic"] = {"kind": info.statistic, "due_at": self.local(judged)}
        if info is not None and info.notify_expr:
            with self.engine():
                roles = evaluate_expression(self.wf.script_engine, task, info.notify_expr) or []
            roles = [str(r) for r in ([roles] if isinstance(roles, str) else roles)]
            self.notices.append((row, roles))
            opened["notify"] = roles
        self.events.append({"actor": "system", "action": "task.opened", "task_id": task_id, "data": opened})
        return row

    def task_field_changes(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """The changed case fields the inbox rows copy."""
        return {k: v for k, v in changes.items() if k in _TASK_CASE_FIELDS}
