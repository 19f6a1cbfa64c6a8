"""Moving open cases to another version of their process (``kefu process migrate``; the web page too).

Each case moves on its own, in its own transaction: its due timers are fired first (as any step
does), then SpiffWorkflow's ``SpiffWorkflow.bpmn.util.diff`` aligns the instance with the new specs
(``diff_workflow`` for the process and each running call activity, ``migrate_workflow`` to rewire
it), the engine runs, the workflow is saved and loaded again around the new specs as a proof, the
case is pinned to the new version, its inbox rows are rebuilt from the new diagram (a claim is kept
where the task and its queue are unchanged; a step keeps its due time unless its ``due`` rule changed,
and a changed rule is read as at the moment the step opened) and ``case.migrated`` is audited with
both versions.

A case cannot move, and stays untouched on its version, when a step it has reached (the one it
waits at, one it completed, a timer or message it waits on — also one an event-based gateway waits on,
which SpiffWorkflow keeps as predicted) is not in the new version, when a call activity
it runs calls a process the new version lacks, or when a form field it has filled changes type. A
dry run does all of this and rolls each case back, so its answer is the real one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.spiff.specs.defaults import UserTask

from engine.errors import KefuError
from engine.runtime.access import load_staff
from engine.runtime.serializer import VERSION, dump_workflow, load_workflow, spec_registry
from engine.runtime.transition import COMPUTE, absent_name, ready_user_tasks, task_spec_id
from engine.runtime.versions import check_may_deploy
from engine.store.process_repo import ProcessRepo
from engine.store.records import barred_logins

if TYPE_CHECKING:
    from engine.clock import Clock
    from engine.processes import ProcessDefinition
    from engine.runtime.transition import Transition
    from engine.store import CaseRecord, Store, Tx

__all__ = ["CaseMove", "MigrationMixin"]

_PREDICTED = TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE


@dataclass(frozen=True)
class CaseMove:
    """One case's answer: can it move (why not), what changes for it, did it move (or why it failed)."""

    number: str
    from_label: str
    to_label: str
    movable: bool
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    moved: bool = False
    error: str | None = None
    reasons_zh: tuple[str, ...] = ()  # the same reasons and notes in Chinese, for the page
    notes_zh: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain data (what the migration page shows)."""
        return {"number": self.number, "from": self.from_label, "to": self.to_label,
                "movable": self.movable, "reasons": list(self.reasons), "notes": list(self.notes),
                "moved": self.moved, "error": self.error, "reasons_zh": list(self.reasons_zh),
                "notes_zh": list(self.notes_zh)}


class _Undo(Exception):
    """Leaves a case's transaction so that it rolls back (a dry run, or a case that cannot move)."""


class MigrationMixin:
    """Case migration of ``Runtime``."""

    store: Store
    clock: Clock

    def _begin(self, tx: Tx, case: CaseRecord, actor: str = "system") -> Transition:
        """Load a locked case (``Runtime`` provides it)."""
        raise NotImplementedError

    def _definition(self, tx: Tx, process_id: str, version: str) -> ProcessDefinition:
        """A stored version's definition (``Runtime`` provides it)."""
        raise NotImplementedError

    def _commit(self, t: Transition, point: str, **extra: Any) -> Any:
        """Write the transition (``Runtime`` provides it)."""
        raise NotImplementedError

    resolve_version: Callable[[str, str], Any]  # VersionsMixin: a version by label or hash

    def migrate_cases(self, process_id: str, to: str, actor: str, *, numbers: Sequence[str] | None = None,
                      dry_run: bool = True) -> list[CaseMove]:
        """Move the open cases of ``process_id`` (or those ``numbers``) to version ``to``, one by one."""
        target = self.resolve_version(process_id, to)
        with self.store.read() as tx:
            check_may_deploy(load_staff(tx, actor), tx.units(), "process.migrate")
            cases = ProcessRepo(tx).open_cases(process_id, numbers)
            labels = {v.version: v.label for v in ProcessRepo(tx).versions(process_id)}
        if numbers is not None:
            found = {number for _, number, _ in cases}
            missing = [n for n in numbers if n not in found]
            if missing:
                raise KefuError(f"not open cases of {process_id}: {', '.join(missing)}")
        out = []
        for case_id, number, version in cases:
            if version == target.version:
                continue
            out.append(self._move(case_id, number, labels.get(version, version[:12]), target, actor, dry_run))
        return out

    def _move(self, case_id: str, number: str, from_label: str, target: Any, actor: str,
              dry_run: bool) -> CaseMove:
        result: dict[str, Any] = {}
        try:
            with self.store.write() as tx:
                case = tx.lock_case(case_id=case_id)
                if case is None:
                    raise _Undo
                result.update(self._move_in(tx, case, target, actor))
                if dry_run or not result["movable"]:
                    raise _Undo
        except _Undo:
            pass
        except KefuError as exc:
            return CaseMove(number, from_label, target.label, bool(result.get("movable")),
                            tuple(result.get("reasons", ())), tuple(result.get("notes", ())), False, str(exc),
                            tuple(result.get("reasons_zh", ())), tuple(result.get("notes_zh", ())))
        except Exception as exc:  # noqa: BLE001 - SpiffWorkflow raises plain errors; the case stays as it was
            reason = f"SpiffWorkflow cannot move it: {type(exc).__name__}: {exc}"
            return CaseMove(number, from_label, target.label, False, (reason,), (), False, None,
                            (f"流程引擎无法迁移该案件：{type(exc).__name__}: {exc}",))
        if not result:
            return CaseMove(number, from_label, target.label, False, ("the case was closed meanwhile",),
                            reasons_zh=("该案件已在此期间办结",))
        return CaseMove(number, from_label, target.label, result["movable"], tuple(result["reasons"]),
                        tuple(result["notes"]), result["movable"] and not dry_run, None,
                        tuple(result["reasons_zh"]), tuple(result["notes_zh"]))

    def _move_in(self, tx: Tx, case: CaseRecord, target: Any, actor: str) -> dict[str, Any]:
        old = self._definition(tx, case.process_id, case.process_version)
        new = self._definition(tx, case.process_id, target.version)
        t = self._begin(tx, case, actor)
        t.refresh_timers()
        wf = t.wf
        registry = spec_registry()
        top, subs = diff_workflow(registry, wf, new.spec, new.subprocess_specs)
        blockers = _blockers(wf, top, subs, old, new, target.label)
        if blockers:
            return {"movable": False, "reasons": [en for en, _ in blockers],
                    "reasons_zh": [zh for _, zh in blockers], "notes": [], "notes_zh": []}
        before_rows = dict(t.rows)
        before_timers = {task.task_spec.name: at for task, at in t.timers()}
        with t.engine():  # resetting a waiting timer starts it again: on the case clock
            migrate_workflow(top, wf, new.spec)
            for sp_id, diff in subs.items():
                sub = wf.subprocesses[sp_id]
                migrate_workflow(diff, sub, new.subprocess_specs[sub.spec.name])
        wf.subprocess_specs = dict(new.subprocess_specs)
        t.definition = new
        t.run_engine()
        load_workflow(dump_workflow(wf), VERSION, new.spec, new.subprocess_specs)  # proof: it loads again
        refreshed = _refresh_rows(t, old)
        t.cancel_reason = f"the case moved to {target.label}"
        t.events.append({"actor": actor, "action": "case.migrated",
                         "data": {"process": case.process_id, "from": case.process_version,
                                  "to": target.version, "to_label": target.label}})
        self._commit(t, "migrate", process_version=target.version)
        for row in refreshed:
            tx.update_task(row.task_id, title=row.title, lane=row.lane, role=row.role, unit=row.unit,
                           candidate_group=row.candidate_group, assignee=row.assignee,
                           default_assignee=row.default_assignee, claimed_at=row.claimed_at,
                           due_at=row.due_at, excluded=row.excluded)
        notes = _notes(before_rows, refreshed, t.new_rows, t, before_timers)
        return {"movable": True, "reasons": [], "reasons_zh": [], "notes": [en for en, _ in notes],
                "notes_zh": [zh for _, zh in notes]}


def _refresh_rows(t: Transition, old_definition: ProcessDefinition) -> list[Any]:
    """The open rows of tasks the new version keeps waiting at, recomputed from its diagram: lane,
    queue, title, due, who may not take it (``not_completed_by``). A claim stays where the queue is the same
    and its holder is not barred now; ``task.opened`` is audited again
    only where the queue, the assignee or the due time changed (the worker reads those).

    A step that stays open keeps its due time when its ``due`` rule is the same in both versions (the
    rule is not read again at the move: ``now()`` in it meant the moment the step opened). A changed
    rule is computed again as at that moment; a rule that reads a name this case never set (the new
    version sets it on a way the case has passed already) keeps the due time the step had."""
    ready = {str(task.id): task for task in ready_user_tasks(t.wf)}
    out = []
    for task_id, old in t.rows.items():
        task = ready.get(task_id)
        if task is None:
            continue  # sync() closes it with a task.cancelled event
        mark = len(t.events)
        fresh = t._new_row(task_id, task, started=old.created_at,
                           due_at=_moved_due(task, old, old_definition, t.definition))
        if (fresh.candidate_group, fresh.due_at, fresh.assignee, fresh.excluded) == (
                old.candidate_group, old.due_at, old.default_assignee, old.excluded):
            del t.events[mark:]
        # a claim by someone the new version bars is not kept (R6.3)
        if old.claimed_at is not None and fresh.candidate_group == old.candidate_group \
                and old.assignee not in barred_logins(fresh.excluded):
            fresh = replace(fresh, assignee=old.assignee, claimed_at=old.claimed_at)
        out.append(fresh)
    return out


def _moved_due(task: Any, row: Any, old: ProcessDefinition, new: ProcessDefinition) -> Any:
    """The due time of a step that stays open across a move: ``COMPUTE`` (from the new rule, as at the
    step's start) or the time it keeps."""
    spec = task_spec_id(task)
    before, after = old.user_tasks.get(spec), new.user_tasks.get(spec)
    rule_before = before.due_expr if before is not None else None
    rule_after = after.due_expr if after is not None else None
    if rule_after is None:
        return None  # the new version's step has no due time
    if rule_after == rule_before:
        return row.due_at
    if absent_name(rule_after, task.data):
        return row.due_at
    return COMPUTE


def _blockers(wf: Any, top: Any, subs: dict[Any, Any], old: Any, new: Any,
              label: str) -> list[tuple[str, str]]:
    """Why the case cannot move, in English and Chinese (empty: it can)."""
    reasons = []
    for diff, where in [(top, wf), *((d, wf.subprocesses.get(k)) for k, d in subs.items())]:
        if diff is None:
            name = where.spec.name if where is not None else "?"
            reasons.append((f"it runs the called process {name!r}, which {label} does not call",
                            f"它正在运行的子流程 {name} 在 {label} 中不再被调用"))
            continue
        for task in diff.removed:
            waited = _waited_on(task)
            if task.state & _PREDICTED and not waited:
                continue  # not reached yet: the new version predicts its own steps
            spec = task.task_spec
            title = spec.bpmn_name or spec.name
            state = TaskState.get_name(task.state).lower()
            timer = _is_timer(task)
            if task.state == TaskState.READY:
                what, what_zh = "its current step", "当前步骤"
            elif task.state == TaskState.WAITING or waited:
                what, what_zh = (("a timer it waits on", "正在等待的定时器") if timer
                                 else ("an event it waits on", "正在等待的事件"))
            else:
                what, what_zh = f"a {state} step", "已办步骤"
            reasons.append((f"{what} {title!r} ({spec.name}) is not in {label}",
                            f"{what_zh}「{title}」（{spec.name}）在 {label} 中已删除"))
    for task in _tasks(wf):
        if task.state != TaskState.COMPLETED or not isinstance(task.task_spec, UserTask):
            continue
        name = task.task_spec.name
        before, after = old.forms.get(name), new.forms.get(name)
        if before is None or after is None:
            continue
        new_fields = {f.name: f for f in after.fields}
        for field in before.fields:
            other = new_fields.get(field.name)
            if other is not None and other.type != field.type:
                reasons.append((f"field {field.name!r} of the completed step {name!r} changes type from "
                                f"{field.type} to {other.type} in {label}",
                                f"已办步骤 {name} 的字段 {field.name} 在 {label} 中由 {field.type} 改为 "
                                f"{other.type}"))
    return sorted(set(reasons))


def _waited_on(task: Any) -> bool:
    """True for an event an event-based gateway waits on: SpiffWorkflow keeps the gateway WAITING and
    its events predicted (a timer's due time is kept on the gateway), so the event is where the case is."""
    parent = task.parent
    return (parent is not None and parent.state == TaskState.WAITING
            and isinstance(parent.task_spec, EventBasedGateway))


def _is_timer(task: Any) -> bool:
    """A timer event, also one an event-based gateway waits on (SpiffWorkflow moves the events' definitions
    onto the gateway, named by the events' names, and leaves the events a plain definition)."""
    if isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition):
        return True
    if not _waited_on(task):
        return False
    name = task.task_spec.bpmn_name
    waits = getattr(task.parent.task_spec.event_definition, "event_definitions", [])
    return any(isinstance(d, TimerEventDefinition) and d.name == name for d in waits)


def _tasks(wf: Any) -> list[Any]:
    found = list(wf.tasks.values())
    for sub in wf.subprocesses.values():
        found.extend(sub.tasks.values())
    return found


_WHAT_ZH = {"title": "名称", "queue": "办理队列", "due": "时限"}


def _notes(before: dict[str, Any], refreshed: list[Any], opened: list[Any], t: Transition,
           timers: dict[str, Any]) -> list[tuple[str, str]]:
    """What changes for the case, in English and Chinese: its open steps (title, queue, due), its timers."""
    notes = []
    after = {row.task_id: row for row in refreshed}
    for task_id, row in before.items():
        new = after.get(task_id)
        if new is None:
            notes.append((f"step {row.title!r} closes (the new version does not wait there)",
                          f"步骤「{row.title}」关闭（新版本不在此等待）"))
            continue
        for what, old_value, new_value in (("title", row.title, new.title),
                                           ("queue", row.candidate_group, new.candidate_group),
                                           ("due", row.due_at, new.due_at)):
            if old_value != new_value:
                change = f"{_text(old_value, t)} → {_text(new_value, t)}"
                notes.append((f"step {row.title!r}: {what} {change}",
                              f"步骤「{row.title}」：{_WHAT_ZH[what]} {change}"))
    for row in opened:
        notes.append((f"step {row.title!r} opens", f"步骤「{row.title}」开启"))
    for task, at in t.timers():
        name = task.task_spec.name
        if name in timers and timers[name] != at:
            change = f"{_text(timers[name], t)} → {_text(at, t)}"
            notes.append((f"timer {name!r}: due {change}", f"定时器 {name}：到期 {change}"))
    return notes


def _text(value: Any, t: Transition) -> str:
    if hasattr(value, "astimezone"):
        return str(t.local(value))
    return repr(value)
