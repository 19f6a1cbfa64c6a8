"""``Runtime``: open cases, work tasks, deliver messages and fire timers — one call, one transaction.

Late forms and expired timers (the rule): kefu's deadline timers are *non-interrupting* boundary
timers by convention (SLA escalations). They never remove the task, so a form submitted after its
deadline is accepted; the ``task.completed`` audit event records ``late: true`` with the due time.
An *interrupting* timer cancels its task. Due timers are fired before a task is listed or
completed (``refresh_timers()`` then ``do_engine_steps()``, pitfall 1); if that cancels the task
being completed, the timer's effects are committed and ``complete_task`` raises ``ConflictError``
saying when the deadline passed and what happened; the caller keeps the typed input (the CLI prints
it back). Two people completing the same task: the second finds the row gone after taking the case
lock and gets a ``ConflictError`` naming who completed it and when (from the audit log).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

from engine.clock import Clock
from engine.errors import (
    ConflictError,
    FormError,
    NotFoundError,
    PermissionDenied,
    StepError,
    UnknownReference,
)
from engine.permissions import Subject, Target, can, require, subject_of
from engine.processes import ProcessDefinition, ProcessRegistry, StepClock, build_script_engine
from engine.processes.host import policy_zone
from engine.processes.registry import worker_only_refusal
from engine.reports.facts import record_facts
from engine.runtime.access import load_staff, place
from engine.runtime.inbox import InboxMixin
from engine.runtime.migration import MigrationMixin
from engine.runtime.numbering import format_number, number_prefix
from engine.runtime.recompute import RecomputeMixin
from engine.runtime.serializer import VERSION, dump_workflow, instance_registry, load_workflow
from engine.runtime.transition import CASE_DATA_FIELDS, FINAL_STATUSES, Transition
from engine.runtime.versions import VersionsMixin
from engine.runtime.views import CaseView
from engine.runtime.wfcache import CachedWorkflow, NotReusable, WorkflowCache, canonicalize
from engine.runtime.wfcache import renumber as renumber_workflow
from engine.store import CaseRecord, Store, TaskRecord, Tx
from engine.store.process_repo import ProcessRepo

__all__ = ["Runtime", "policy_fingerprint"]

log = logging.getLogger("kefu.runtime")


def policy_fingerprint(snapshot: Any) -> str:
    """SHA-256 of a policy snapshot's canonical JSON."""
    text = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Runtime(MigrationMixin, VersionsMixin, InboxMixin, RecomputeMixin):
    """Cases and tasks on top of a store, a policy set, a process registry and a clock."""

    def __init__(self, store: Store, policies: Any, registry: ProcessRegistry, clock: Clock,
                 calendars_dir: str | Path | None = None,
                 policy_loader: Callable[[dict[str, Any]], Any] | None = None, actions: Any = None,
                 workflow_cache: int | None = None) -> None:
        """``workflow_cache``: how many cases' live workflows to keep between their transitions
        (``engine.runtime.wfcache``; 0 keeps none; default the setting's default)."""
        from engine.actions import default_actions
        from engine.settings import Settings

        self.store = store
        self.actions = actions if actions is not None else default_actions()
        self.policies = policies
        self.registry = registry
        self.clock = clock
        self.calendars_dir = Path(calendars_dir) if calendars_dir is not None else None
        self._policy_loader = policy_loader
        self._definitions: dict[tuple[str, str], ProcessDefinition] = {}
        self._stored_versions: set[tuple[str, str]] = set()
        self._policies_by_fp: dict[str, Any] = {}
        self._stored_fps: set[str] = set()
        self._engines: dict[str, Any] = {}
        self._zones: dict[str, Any] = {}  # policy fingerprint → its time zone
        self._pins: dict[int, tuple[Any, str, dict[str, Any]]] = {}
        self._prefixes: dict[tuple[str, str], str] = {}
        self.workflows = WorkflowCache(Settings.workflow_cache_size if workflow_cache is None
                                       else workflow_cache)
        self.before_commit: Callable[[str], None] | None = None  # test hook: inject a failure
        # Writes caused by a transition, in its transaction (e.g. engine.worker.events: outbox rows).
        self.after_transition: Callable[[Tx, Transition], object] | None = None

    @contextmanager
    def _writing(self, tx: Tx | None) -> Iterator[Tx]:
        """The caller's open transaction ``tx`` (the call then commits or rolls back with it: a domain
        step that writes rows of its own, an action opening a linked case), else a new write transaction.
        What the runtime remembers as stored is remembered through ``tx.on_commit``, never before."""
        if tx is not None:
            yield tx
        else:
            with self.store.write() as own:
                yield own

    def _remember_stored(self, fingerprint: str, version: tuple[str, str]) -> None:
        """A committed open stored this policy snapshot and process version: skip storing them again."""
        self._stored_fps.add(fingerprint)
        self._stored_versions.add(version)

    # -- pinned versions ---------------------------------------------------------------------------
    def _definition(self, tx: Tx, process_id: str, version: str) -> ProcessDefinition:
        key = (process_id, version)
        if key not in self._definitions:
            sources = tx.process_sources(process_id, version)
            if sources is None:
                raise NotFoundError(f"process {process_id} version {version[:12]} is not stored")
            self._definitions[key] = ProcessDefinition.from_sources(process_id, sources)
        return self._definitions[key]

    def definition(self, process_id: str, version: str) -> ProcessDefinition:
        """A stored version's definition (a case's pinned diagram: describe its forms with it)."""
        if (process_id, version) in self._definitions:
            return self._definitions[(process_id, version)]
        with self.store.read() as tx:
            return self._definition(tx, process_id, version)

    def _policy(self, tx: Tx, fingerprint: str) -> Any:
        if fingerprint not in self._policies_by_fp:
            snapshot = tx.policy_snapshot(fingerprint)
            if snapshot is None:
                raise NotFoundError(f"policy snapshot {fingerprint[:12]} is not stored")
            self._policies_by_fp[fingerprint] = self._load_snapshot(snapshot)
        return self._policies_by_fp[fingerprint]

    def pinned_policy(self, fingerprint: str) -> Any:
        """The effective policy a case pinned when it started (its forms' choices and checks use it)."""
        if fingerprint in self._policies_by_fp:
            return self._policies_by_fp[fingerprint]
        with self.store.read() as tx:
            return self._policy(tx, fingerprint)

    def _load_snapshot(self, snapshot: dict[str, Any]) -> Any:
        if self._policy_loader is not None:
            return self._policy_loader(snapshot)
        from engine.policy import EffectivePolicy

        return EffectivePolicy.from_snapshot(snapshot, self.calendars_dir)

    def _effective_policy(self, *codes: str | None, tx: Tx | None = None) -> Any:
        """The policy of the most specific unit that has one (project, then subsidiary, then group).

        With ``tx`` and a policy source that knows published versions (``engine.policy_versions``),
        the versions in force are read in that transaction (inside a web request: the request's
        reading, ``current_in``, read in ``tx`` when it has none yet): the case pins what is in force.
        """
        policies = self.policies
        if tx is not None and hasattr(policies, "current_in"):
            # read in ``tx``, once per web request: the step's notifications ask the same reading
            policies = policies.current_in(tx)
        elif tx is not None and hasattr(policies, "current"):
            policies = policies.current(tx)
        known = getattr(policies, "units", None)
        for code in codes:
            if code and (known is None or code in known):
                try:
                    return policies.effective(code)
                except NotFoundError:
                    continue
        return policies.effective(None)

    def _pin(self, policy: Any) -> tuple[str, dict[str, Any]]:
        """(fingerprint, snapshot) of a live policy object, computed once per object."""
        hit = self._pins.get(id(policy))
        if hit is not None and hit[0] is policy:
            return hit[1], hit[2]
        snapshot = policy.snapshot()
        fp = str(getattr(policy, "fingerprint", "") or policy_fingerprint(snapshot))
        self._pins[id(policy)] = (policy, fp, snapshot)
        self._policies_by_fp.setdefault(fp, policy)
        return fp, snapshot

    def _engine(self, fingerprint: str, policy: Any) -> Any:
        if fingerprint not in self._engines:
            # the diagram's now() is the moment of the transition it runs in (``StepClock``)
            self._engines[fingerprint] = build_script_engine(policy, StepClock(self.clock),
                                                             actions=self.actions)
        return self._engines[fingerprint]

    # -- transitions -------------------------------------------------------------------------------
    def _begin(self, tx: Tx, case: CaseRecord, actor: str = "system", *, write: bool = True,
               now: datetime | None = None) -> Transition:
        """Load a locked case's workflow around its pinned diagram and policy; ``actor`` causes the step.

        ``write``: the caller commits the step with ``_commit``; the workflow this process wrote last
        for the case is taken from ``self.workflows`` when the row still holds exactly what it wrote
        (``engine.runtime.wfcache``). A read (``write=False``) always loads from the row's JSON."""
        definition = self._definition(tx, case.process_id, case.process_version)
        policy = self._policy(tx, case.policy_fingerprint)
        text = case.workflow or "{}"
        workflow = self.workflows.take(case.id, text, case.serializer_version, case.process_version,
                                       definition, case.policy_fingerprint) if write else None
        if workflow is None:
            workflow = load_workflow(text, case.serializer_version, definition.spec,
                                     definition.subprocess_specs)
        workflow.script_engine = self._engine(case.policy_fingerprint, policy)
        fields = {k: getattr(case, k) for k in ("id", "number", "process_id", "subsidiary", "project",
                                                "first_receiver", "status", "closed_at", "next_timer_at",
                                                "provisional_year", "search_text", "search_terms",
                                                *CASE_DATA_FIELDS)}
        rows = {r.task_id: r for r in tx.case_tasks(case.id)}
        zone = self._zones.get(case.policy_fingerprint)
        if zone is None:
            zone = self._zones[case.policy_fingerprint] = policy_zone(policy)
        return Transition(tx=tx, case=fields, rows=rows, definition=definition, policy=policy,
                          workflow=workflow, clock=self.clock, zone=zone, runtime=self, actor=actor, now=now)

    def _commit(self, t: Transition, point: str, **extra: Any) -> CaseRecord:
        """Sync, then write the case row (one INSERT/UPDATE, with ``extra`` columns), audit events,
        inbox rows and the step's facts. An opening case takes its number last: its workflow is synced
        and serialised with the placeholder first, its notifications written and its facts (with their
        report cells) sent with it, so under the sequence row's lock run only the number's swap into
        what is written (the JSON text, the case fields, the rows, the events; the facts and
        notifications by an update), the case's writes and the commit.

        On PostgreSQL the writes go in one pipeline (``Tx.case_writes``): a step's facts, audit events,
        case row and inbox rows in one round trip; an opening's facts and number allocation in one (the
        facts first: the number's row is locked after their cells' upsert), its case writes in a
        second. What reads (the notifications' recipients) runs outside it."""
        changes = t.sync()
        workflow = dump_workflow(t.wf)
        tx, case_id = t.tx, t.case["id"]
        opening = t.pending_number is not None
        renumber: tuple[str, str] | None = None  # an opening's (placeholder, number)
        # The step's notifications (their recipients read, their rows written) before the pipeline; an
        # opening's with the placeholder, the number put into them after it (``renumber_opened``).
        told = self.after_transition(tx, t) if self.after_transition is not None else 0
        with tx.case_writes():
            if opening:
                # The case's facts with their report cells (an upsert of cells sharded by case id, so
                # concurrent intakes rarely share one), sent with the allocation right behind them: the
                # number's row is locked once the cells are written, and the allocation's result is the
                # pipeline's first wait. The number is put into the facts by a plain update.
                assert t.pending_number is not None
                placeholder = t.pending_number[0]
                record_facts(tx, t)
                t.take_number(in_workflow=False)
                number = t.case["number"]
                workflow = workflow.replace(placeholder, number)
                changes = t.renumbered(placeholder, number)
                renumber = (placeholder, number)
                tx.renumber_opened(case_id, placeholder, number, notified=told != 0)
            changes.pop("id", None)
            changes.update(extra)
            tx.append_audit(case_id, t.events, t.now)
            record = tx.update_case(case_id, **changes, workflow=workflow, serializer_version=VERSION)
            task_changes = t.task_field_changes(changes)
            new_ids = {r.task_id for r in t.new_rows}
            if task_changes and any(task_id not in new_ids for task_id in t.rows):
                tx.update_case_tasks(case_id, **task_changes)  # before the new rows, which have the values
            tx.delete_tasks(t.deleted_rows)
            tx.add_tasks(t.new_rows)
            if not opening:
                record_facts(tx, t)
        if "process_version" not in extra and self.workflows.size:
            # what this transition wrote, kept once it is committed (never after a rollback); not a
            # migrated case: its tasks were rewired onto another version's specs (a rare step: load it).
            # An opening's workflow still holds the placeholder where its text has the number.
            kept = CachedWorkflow(text=workflow, serializer_version=VERSION,
                                  process_version=record.process_version, definition=t.definition,
                                  fingerprint=record.policy_fingerprint, workflow=t.wf)
            tx.on_commit(lambda: self._keep_workflow(case_id, kept, renumber))
        if self.before_commit is not None:
            self.before_commit(point)
        return record

    def _keep_workflow(self, case_id: str, kept: CachedWorkflow,
                       renumber: tuple[str, str] | None = None) -> None:
        """After the commit: make the transition's workflow what a load of its JSON gives and keep it;
        one that cannot be made so is dropped (the next transition loads the case). ``renumber``: an
        opening's (placeholder, number), swapped in its JSON text after the dump: the same swap is made
        in the rebuilt workflow (``engine.runtime.wfcache.renumber``)."""
        try:
            canonicalize(kept.workflow, instance_registry())
            if renumber is not None:
                renumber_workflow(kept.workflow, *renumber)
        except NotReusable as exc:
            log.debug("workflow of case %s not kept: %s", case_id, exc)
            return
        except Exception:  # noqa: BLE001 - the step is committed; a failure here only costs a load
            log.exception("workflow of case %s not kept", case_id)
            return
        self.workflows.put(case_id, kept)

    def _read_ahead_opening(self, tx: Tx, process_id: str) -> None:
        """PostgreSQL: an opening's two reads before its writes — the versions in force (unless the
        request has its reading already) and the process's current version (unless this runtime has
        yet to register it: the registration comes first) — in one statement, not one each
        (``ProcessRepo.read_opening``). Under READ COMMITTED each statement has its own snapshot
        either way, and neither read locks."""
        if tx.dialect != "postgresql":
            return
        policies = self.policies
        if not (hasattr(policies, "current_in") and getattr(policies, "reads_in", lambda: False)()):
            return
        try:
            registered = self.registry.get(process_id)
        except NotFoundError:
            return
        if (process_id, registered.version) in self._stored_versions:
            ProcessRepo(tx).read_opening(process_id)

    def open_case(self, process_id: str, data: Mapping[str, Any], actor: str, *,
                  tx: Tx | None = None, by_worker: bool = False, now: datetime | None = None) -> CaseView:
        """Receive a new case; the actor is its first receiver (R0.5: anyone may, nobody refuses).
        ``tx``: an open transaction to open it in (see ``_writing``). ``by_worker``: the worker opens it
        (a ``worker_only`` process, R2.13's volume escalation, opens no other way). ``now``: the
        opening's moment when the caller read the clock for what it writes beside it (default: read
        here, once: the case row, the number's year, the audit, the diagram's ``now()`` all use it)."""
        if not isinstance(data, Mapping):
            raise FormError(f"the start form of {process_id} must be a mapping of field → value, "
                            f"not {type(data).__name__}", zh="表单数据必须是“字段 → 值”的对象")
        data = dict(data)
        project_code = data.pop("project", None)
        if project_code is not None and not isinstance(project_code, str):
            raise FormError("project must be a project code (text), e.g. sz-property-lyc",
                            {"project": f"expected a project code, got {type(project_code).__name__}"},
                            zh="项目必须是项目代码（文本），如 sz-property-lyc")
        now = self.clock.now() if now is None else now
        with self._writing(tx) as tx:
            staff = load_staff(tx, actor)
            placement = place(tx.units, staff, project_code or None)
            require(subject_of(staff, tx.units), "case.open", Target("case", placement.subsidiary,
                                                                      placement.project))
            self._read_ahead_opening(tx, process_id)
            policy = self._effective_policy(placement.project, placement.subsidiary, tx=tx)
            fp, snapshot = self._pin(policy)
            if fp not in self._stored_fps and tx.ensure_policy_snapshot(fp, snapshot, now):
                event = {"actor": "system", "action": "policy.pinned",
                         "data": {"fingerprint": fp, "unit": snapshot.get("code")}}
                tx.append_audit(None, [event], now)
            definition = self._current_definition(tx, process_id)
            if definition.called_only:
                raise NotFoundError(
                    f"process {process_id!r} is a stage of another process (one of its call activities) and "
                    "opens only through it; open the process that calls it",
                    zh=f"流程 {process_id} 是其他流程中的一个阶段（调用活动），不能单独受理；"
                       "请受理调用它的流程")
            if definition.worker_only and not by_worker:
                raise worker_only_refusal(process_id, definition.name)
            cleaned = definition.start_form.clean(data, policy)
            zone = policy_zone(policy)
            prefix = self._prefixes.get((fp, process_id)) or number_prefix(policy, process_id)
            self._prefixes[(fp, process_id)] = prefix
            year = now.astimezone(zone).year
            case_id = uuid4().hex
            # The number is taken last (``Transition.take_number``, from ``_commit``): its sequence row
            # stays locked until the commit, so the SpiffWorkflow run must not happen under that lock.
            # Until then the case carries a placeholder unique to it.
            number = f"<number:{case_id}>"

            def allocate() -> str:
                return format_number(prefix, placement.subsidiary, year,
                                     tx.next_number(placement.subsidiary or "", prefix, year))
            workflow = BpmnWorkflow(definition.spec, definition.subprocess_specs,
                                    script_engine=self._engine(fp, policy))
            received_at = now.astimezone(zone).isoformat()
            workflow.task_tree.set_data(case_id=case_id, case_number=number, first_receiver=staff.login,
                                        received_at=received_at, project=placement.project,
                                        subsidiary=placement.subsidiary, **cleaned)
            base = {"id": case_id, "number": number, "process_id": process_id,
                    "subsidiary": placement.subsidiary, "project": placement.project,
                    "first_receiver": staff.login, "status": "open", "closed_at": None, "next_timer_at": None,
                    "provisional_year": None, "search_text": None, "search_terms": None,
                    **{k: None for k in CASE_DATA_FIELDS if k != "status"}}
            t = Transition(tx=tx, case=base, rows={}, definition=definition, policy=policy, workflow=workflow,
                           clock=self.clock, zone=zone, runtime=self, actor=staff.login, now=now)
            t.original = {}
            t.pending_number = (number, allocate)
            t.events.append({"actor": staff.login, "action": "case.opened",
                             "data": {"process": process_id, "version": definition.version,
                                      "policy": fp, "number": number, "form": cleaned}})
            t.run_engine()
            tx.insert_case(id=case_id, number=t.case["number"], process_id=process_id,
                           process_version=definition.version, policy_fingerprint=fp,
                           subsidiary=placement.subsidiary, project=placement.project, status="open",
                           first_receiver=staff.login, opened_at=now, workflow="",
                           serializer_version=VERSION)
            record = self._commit(t, "open_case")
            tasks = list(t.rows.values())
            version = (process_id, definition.version)
            tx.on_commit(lambda: self._remember_stored(fp, version))  # a rolled-back open stores nothing
        return CaseView.build(record, tasks)

    def complete_task(self, task_id: str, actor: str, data: Mapping[str, Any], *,
                      tx: Tx | None = None, form: str | None = None, now: datetime | None = None) -> CaseView:
        """Submit a task's form; ConflictError if someone else completed it or a deadline cancelled it.
        ``tx``: an open transaction to complete it in (see ``_writing``). ``form``: the form the caller
        filled (``<process>.<task>``, the API's ``task``); another task's form is a ConflictError.
        ``now``: the step's moment when the caller read the clock for what it writes beside it."""
        task_id = self.resolve_task_id(task_id)
        deferred: ConflictError | None = None
        with self._writing(tx) as tx:
            staff = load_staff(tx, actor)
            case = tx.lock_case_of_task(task_id)
            if case is None:
                self._open_row(tx, task_id)  # raises: who completed it, or why it was cancelled
            assert case is not None
            t = self._begin(tx, case, staff.login, now=now)
            t.actor_staff = staff  # a sticky lane's next step asks whether they hold its group
            if task_id not in t.rows:  # the winner of a race removed it while we waited for the lock
                self._open_row(tx, task_id)
            row = t.rows[task_id]
            require(subject_of(staff, tx.units), "task.complete",
                    Target.of_task(row, case.first_receiver, t.policy))
            own = f"{row.process_id}.{row.task_spec}"
            if form is not None and form != own:
                raise ConflictError(f"task {task_id[:8]} is a {own} task, not {form}; reload it and send its "
                                    "form", zh=f"该任务的表单是 {own}，不是 {form}；请刷新后提交")
            t.refresh_timers()
            task = t.wf.get_task_from_id(UUID(task_id))
            if task is None or task.state != TaskState.READY:
                record = self._commit(t, "complete_task")
                deferred = ConflictError(
                    f"task {task_id[:8]} ({row.title}, case {row.number}) can no longer be completed: "
                    f"{t.cancel_reason}; the case moved on (status {record.status}). "
                    "Your input was not saved."
                )
                tasks = list(t.rows.values())
            else:
                cleaned = t.definition.forms[row.task_spec].clean(dict(data), t.policy)
                late = row.due_at is not None and t.now > row.due_at
                task.set_data(**cleaned)
                with t.engine():  # the run may start timers (e.g. an event-based gateway's)
                    task.run()
                t.completed_task = task_id
                done = {"task": row.task_spec, "title": row.title, "form": cleaned, "late": late,
                        "due_at": t.local(row.due_at)}
                info = t.definition.user_tasks.get(row.task_spec)
                if info is not None and info.statistic and (
                        not info.statistic_done_expr or t.evaluate(task, info.statistic_done_expr)):
                    done["statistic"] = info.statistic
                t.events.append({"actor": staff.login, "action": "task.completed", "task_id": task_id,
                                 "data": done})
                t.run_engine()
                record = self._commit(t, "complete_task")
                tasks = list(t.rows.values())
        if deferred is not None:
            raise deferred
        return CaseView.build(record, tasks)

    def send_message(self, case_number: str, name: str, payload: Any, actor: str, *,
                     tx: Tx | None = None, now: datetime | None = None) -> CaseView:
        """Deliver a BPMN message to a case; ConflictError when nothing in it waits for that message.
        ``tx``: an open transaction to deliver it in (see ``_writing``). ``now``: the step's moment when
        the caller read the clock for what it writes beside it (default: read here)."""
        deferred: ConflictError | None = None
        with self._writing(tx) as tx:
            subject = subject_of(load_staff(tx, actor), tx.units)
            case = self._lock_by_number(tx, case_number, subject)
            require(subject, "case.message", Target.of_case(case))
            t = self._begin(tx, case, subject.login, now=now)
            t.refresh_timers()
            waiting = t.waiting_messages()
            if name not in waiting:
                record = self._commit(t, "send_message")
                deferred = ConflictError(
                    f"nothing in case {case.number} waits for message {name!r} now"
                    + (f"; it waits for: {', '.join(waiting)}" if waiting else "; it waits for no message")
                )
            else:
                event = t.message_event_name(name)
                with t.engine():  # timers the message starts are set from the case clock
                    t.wf.send_event(BpmnEvent(MessageEventDefinition(name), payload=payload))
                t.cancel_reason = f"message {name!r} arrived"
                t.events.append({"actor": subject.login, "action": "message.received",
                                 "data": {"message": name, "event": event, "payload": payload}})
                t.run_engine()
                record = self._commit(t, "send_message")
            tasks = list(t.rows.values())
        if deferred is not None:
            raise deferred
        return CaseView.build(record, tasks)

    def may_withdraw(self, subject: Subject, case: Any) -> bool:
        """Would ``withdraw_case`` let ``subject`` withdraw ``case`` now? The case page asks this first."""
        if case.process_id != "complaint" or case.status in FINAL_STATUSES:
            return False
        return can(subject, "case.withdraw", Target.of_case(case),
                   policy=self._effective_policy(case.project, case.subsidiary)).allowed

    def withdraw_case(self, case_number: str, actor: str, reason: Any) -> CaseView:
        """The customer takes a complaint back (issue 15): its workflow is cancelled, its open tasks leave
        every inbox, its status becomes ``withdrawn`` (not a valid complaint, R2.13) and the reason is
        audited as ``case.withdrawn``. Who may: ``complaint.withdraw_roles`` of the case's subsidiary."""
        text = reason.strip() if isinstance(reason, str) else ""
        if not text:
            raise FormError("a withdrawal needs a reason (non-empty text)", {"reason": "required"},
                            zh="撤回投诉必须填写原因")
        if len(text) > 500:
            raise FormError("the reason of a withdrawal is at most 500 characters",
                            {"reason": "at most 500 characters"}, zh="撤回原因最多 500 字")
        with self.store.write() as tx:
            subject = subject_of(load_staff(tx, actor), tx.units)
            case = self._lock_by_number(tx, case_number, subject)
            require(subject, "case.withdraw", Target.of_case(case),
                    policy=self._effective_policy(case.project, case.subsidiary))
            if case.process_id != "complaint":
                raise ConflictError(f"case {case.number} is not a complaint; only complaints are withdrawn",
                                    zh=f"{case.number} 不是投诉，只有投诉可以撤回")
            if case.status in FINAL_STATUSES:
                raise ConflictError(f"case {case.number} has already ended (status {case.status}); "
                                    "it cannot be withdrawn", zh=f"{case.number} 已结束，不能撤回")
            t = self._begin(tx, case, subject.login)
            t.wf.cancel()
            t.final_status = "withdrawn"
            t.cancel_reason = f"投诉已撤回：{text}"  # the timeline shows it under the cancelled step
            t.events.append({"actor": subject.login, "action": "case.withdrawn",
                             "data": {"reason": text}})
            record = self._commit(t, "withdraw_case")
            tasks = list(t.rows.values())
        return CaseView.build(record, tasks)

    def pending_merge(self, case_number: str) -> dict[str, Any] | None:
        """The merge proposed for a case and not yet confirmed or rejected: {into, by, at}, else None."""
        with self.store.read() as tx:
            case = tx.find_case(case_number)
            return None if case is None else pending_merge_of(tx.case_audit(case.id))

    def may_merge(self, subject: Subject, case: Any) -> tuple[bool, bool]:
        """(may propose a merge, may confirm the pending one) for ``subject`` on ``case`` now."""
        if case.process_id != "complaint" or case.status in FINAL_STATUSES:
            return False, False
        policy = self._effective_policy(case.project, case.subsidiary)
        target = Target.of_case(case)
        return (can(subject, "case.merge", target, policy=policy).allowed,
                can(subject, "case.merge_confirm", target, policy=policy).allowed)

    def propose_merge(self, case_number: str, actor: str, into: Any) -> dict[str, Any]:
        """Propose merging a duplicate complaint into its original (issue 15): the original is a complaint
        of the same subsidiary, open or closed, not the case itself and not merged; a supervisor confirms."""
        original = into.strip() if isinstance(into, str) else ""
        if not original:
            raise FormError("name the original case to merge into (its number)", {"into": "required"},
                            zh="请填写被合并到的原投诉编号")
        with self.store.write() as tx:
            subject = subject_of(load_staff(tx, actor), tx.units)
            case = self._lock_by_number(tx, case_number, subject)
            require(subject, "case.merge", Target.of_case(case),
                    policy=self._effective_policy(case.project, case.subsidiary))
            self._mergeable(case)
            if original == case.number:
                raise ConflictError("a case cannot be merged into itself", zh="不能合并到本案件自身")
            target = tx.find_case(original)
            if target is None or target.subsidiary != case.subsidiary or target.process_id != "complaint":
                raise UnknownReference(f"no complaint {original[:40]!r} of the same company to merge into",
                                       {"into": "no such complaint of this company"},
                                       zh=f"本公司没有投诉 {original[:40]}，只能合并到本公司的投诉")
            if target.status == "merged":
                raise ConflictError(f"{original} was itself merged into another case; merge into that one",
                                    zh=f"{original} 本身已被合并，请合并到其原投诉")
            if pending_merge_of(tx.case_audit(case.id)) is not None:
                raise ConflictError(f"a merge of {case.number} already waits for confirmation",
                                    zh=f"{case.number} 已有待确认的合并申请")
            now = self.clock.now()
            proposal = {"into": target.number, "number": case.number}
            tx.append_audit(case.id, [{"actor": subject.login, "action": "case.merge_proposed",
                                       "data": proposal}], now)
        return {**proposal, "by": subject.login, "at": now}

    def decide_merge(self, case_number: str, actor: str, confirm: bool) -> CaseView:
        """A supervisor confirms (the duplicate ends as ``merged``, linked both ways) or rejects the
        pending merge; the proposer may not confirm their own proposal."""
        with self.store.write() as tx:
            subject = subject_of(load_staff(tx, actor), tx.units)
            # Both cases are locked in the order of their ids, never "this one, then the original":
            # confirming A→B while B→A (or another merge into A) is confirmed would otherwise deadlock.
            head = tx.find_case(case_number)
            if head is None:
                raise self._no_case(tx, case_number, subject)
            seen = pending_merge_of(tx.case_audit(head.id)) if confirm else None
            into = tx.find_case(str(seen["into"])) if seen is not None else None
            ids = sorted({head.id, *([into.id] if into is not None else [])})
            locked = {cid: tx.lock_case(case_id=cid) for cid in ids}
            case = locked[head.id]
            if case is None:
                raise self._no_case(tx, case_number, subject)
            require(subject, "case.merge_confirm", Target.of_case(case),
                    policy=self._effective_policy(case.project, case.subsidiary))
            self._mergeable(case)
            pending = pending_merge_of(tx.case_audit(case.id))
            if pending is None:
                raise ConflictError(f"no merge of {case.number} waits for confirmation",
                                    zh=f"{case.number} 没有待确认的合并申请")
            if confirm and pending["by"] == subject.login:
                raise PermissionDenied("the merge needs a second person: you proposed it",
                                       zh="合并须由另一人确认：您是申请人")
            t = self._begin(tx, case, subject.login)
            if not confirm:
                t.events.append({"actor": subject.login, "action": "case.merge_rejected",
                                 "data": {"number": case.number, "into": pending["into"]}})
                record = self._commit(t, "decide_merge")
                return CaseView.build(record, list(t.rows.values()))
            if into is None or pending["into"] != into.number:  # changed before our locks were held
                raise ConflictError(f"the merge of {case.number} changed meanwhile; look at it again",
                                    zh=f"{case.number} 的合并申请刚被更改，请刷新后重试")
            original = locked[into.id]  # locked above: its audit chain takes the link back
            if original is None or original.status == "merged":
                raise ConflictError(f"{pending['into']} was merged meanwhile; propose the merge again",
                                    zh=f"{pending['into']} 已被合并，请重新提出合并")
            t.wf.cancel()
            t.final_status = "merged"
            t.cancel_reason = f"投诉已合并至 {original.number}"
            link = {"number": case.number, "into": original.number}
            t.events.append({"actor": subject.login, "action": "case.merged", "data": link})
            tx.append_audit(original.id, [{"actor": subject.login, "action": "case.duplicate_merged",
                                           "data": link}], t.now)
            record = self._commit(t, "decide_merge")
            return CaseView.build(record, list(t.rows.values()))

    def _mergeable(self, case: CaseRecord) -> None:
        if case.process_id != "complaint":
            raise ConflictError(f"case {case.number} is not a complaint; only complaints are merged",
                                zh=f"{case.number} 不是投诉，只有投诉可以合并")
        if case.status in FINAL_STATUSES:
            raise ConflictError(f"case {case.number} has already ended (status {case.status})",
                                zh=f"{case.number} 已结束，不能合并")

    def fire_due_timers(self, limit: int = 100) -> int:
        """Fire the timers due now (only cases whose ``next_timer_at`` has passed); returns how many fired.

        A case whose step fails (``StepError``) is logged and left as it was for the next sweep; the
        other cases still move: one bad case never stops the worker. Deadlines that rested on a
        provisional calendar year that has a file now are recomputed first (``recompute_provisional``).
        """
        self.recompute_provisional()
        with self.store.read() as tx:
            case_ids = tx.due_cases(self.clock.now(), limit)
        return sum(self._try_advance(case_id) for case_id in case_ids)

    def _try_advance(self, case_id: str) -> int:
        """``_advance``, but a failed step is logged instead of raised (listing, sweeping)."""
        try:
            return self._advance(case_id)
        except StepError as exc:
            log.error("timers of case %s could not fire: %s", case_id, exc)
            return 0

    def _advance(self, case_id: str) -> int:
        """Refresh one case's timers in its own transaction (skipped if another worker holds it)."""
        with self.store.write() as tx:
            case = tx.lock_case(case_id=case_id, skip_locked=True)
            now = self.clock.now()  # the firing's one moment: the check and the step it fires
            if case is None or case.next_timer_at is None or case.next_timer_at > now:
                return 0
            t = self._begin(tx, case, now=now)
            fired = t.refresh_timers()
            self._commit(t, "fire_due_timers")
            return fired

    def _lock_by_number(self, tx: Tx, number: str, subject: Subject) -> CaseRecord:
        case = tx.lock_case(number=number)
        if case is None:
            raise self._no_case(tx, number, subject)
        return case

    def _open_row(self, tx: Tx, task_id: str) -> TaskRecord:
        """The open inbox row, or the reason it is gone (completed by whom and when, or cancelled)."""
        row = tx.task(task_id)
        if row is not None:
            return row
        for ev in reversed(tx.task_events(task_id)):
            when = ev.at.astimezone(self.zone).isoformat(timespec="seconds")
            title = ev.data.get("title", ev.data.get("task", ""))
            if ev.action == "task.completed":
                raise ConflictError(
                    f"task {task_id[:8]} ({title}) was already completed by {ev.actor} at {when}")
            if ev.action == "task.cancelled":
                raise ConflictError(
                    f"task {task_id[:8]} ({title}) was cancelled at {when}: {ev.data.get('reason')}")
        raise NotFoundError(f"no open task {task_id}; list yours with 'kefu inbox'")


def pending_merge_of(events: Any) -> dict[str, Any] | None:
    """The last ``case.merge_proposed`` of an audit log not followed by its confirmation or rejection."""
    pending: dict[str, Any] | None = None
    for ev in events:
        if ev.action == "case.merge_proposed":
            pending = {"into": (ev.data or {}).get("into"), "by": ev.actor, "at": ev.at}
        elif ev.action in ("case.merged", "case.merge_rejected"):
            pending = None
    return pending
