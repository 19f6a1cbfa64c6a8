"""Live workflows kept between a case's transitions in one process (write-through, the JSON stays the truth).

Rebuilding a case's ``BpmnWorkflow`` from its stored JSON (``load_workflow``: SpiffWorkflow's
deserialisation) is the largest cost of a transition that kefu need not pay when the same process
wrote the case last. ``WorkflowCache`` keeps, per case, the workflow object a committed transition
ended with together with the exact JSON text it wrote. The next transition uses the object only when
the locked case row's ``workflow`` text is that text (string equality) and its serializer version,
pinned definition and policy fingerprint match; any write by anyone else (another process, the
worker, a migration, an import) changes the text, and the case is loaded from the database as before.

The rules that keep the object the same as a fresh load would be:
- ``take`` removes the entry: the transition owns the object; two requests never share one.
- ``Runtime._commit`` puts the new (text, workflow) back through ``tx.on_commit`` only: a rollback, an
  exception after the engine ran, puts nothing back, and the next transition loads from the database.
  A migrated case is not kept (its tasks were rewired onto another version's specs): its next step
  loads it. An opening is kept: its number is swapped into the JSON text after the dump, and
  ``renumber`` makes the same swap in the rebuilt workflow (or refuses it).
- Before it is kept, ``canonicalize`` rebuilds what a live workflow holds differently from a loaded
  one: its data (SpiffWorkflow copies task data one level deep, so a live workflow shares nested
  values between tasks differently; JSON turns a tuple or a set into a list, a zoned datetime into
  one with a fixed offset), its subprocesses' order and its event manager's waiting catch events, all
  as ``load_workflow`` builds them. What it cannot rebuild exactly (a key that is not text, a value
  of a type the serializer does not know) is not kept.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask

__all__ = ["CachedWorkflow", "NotReusable", "WorkflowCache", "canonicalize", "renumber"]


@dataclass(frozen=True)
class CachedWorkflow:
    """A committed transition's workflow and what it was written as."""

    text: str  # the exact JSON text written to the case row
    serializer_version: str
    process_version: str
    definition: Any  # the Runtime's ProcessDefinition object of that version
    fingerprint: str  # the case's policy fingerprint
    workflow: BpmnWorkflow


class WorkflowCache:
    """A bounded (LRU by count) map case id → ``CachedWorkflow``; ``size`` 0 keeps nothing."""

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError(f"workflow cache size must be 0 or more, not {size}")
        self.size = size
        self._entries: OrderedDict[str, CachedWorkflow] = OrderedDict()
        self._lock = threading.Lock()  # waitress threads share the Runtime
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def take(self, case_id: str, text: str, serializer_version: str, process_version: str, definition: Any,
             fingerprint: str) -> BpmnWorkflow | None:
        """The cached workflow of ``case_id`` if it was written as exactly ``text`` with these pins (the
        entry leaves the cache either way), else None: load it from ``text``."""
        if self.size == 0:
            return None
        with self._lock:
            entry = self._entries.pop(case_id, None)
        if (entry is None or entry.text != text or entry.serializer_version != serializer_version
                or entry.process_version != process_version or entry.definition is not definition
                or entry.fingerprint != fingerprint):
            self.misses += 1
            return None
        self.hits += 1
        return entry.workflow

    def put(self, case_id: str, entry: CachedWorkflow) -> None:
        """Keep ``entry`` (after its transaction committed); the least recently written case goes first."""
        if self.size == 0:
            return
        with self._lock:
            self._entries.pop(case_id, None)
            self._entries[case_id] = entry
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# -- what a load would give ---------------------------------------------------------------------------
_SCALARS = frozenset({str, int, float, bool, type(None)})
_BOXES = frozenset({dict, list})  # the containers ``_fresh`` makes
_ABSENT = object()


class NotReusable(Exception):  # noqa: N818 - a verdict, not a failure: the case is loaded next time
    """The workflow holds something whose load would not give it back the same."""


def _fresh(value: Any, registry: Any) -> Any:
    """What ``value`` is after the serializer's JSON round trip: new containers (JSON keeps no sharing),
    a tuple or a set as a list, a registered type (datetime, UUID, timedelta…) as its restore gives it;
    ``NotReusable`` for what would not come back as a value (a key that is not text, a dict the
    restore would read as a registered object, an unknown type)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        if "typename" in value:
            raise NotReusable("a dict with a 'typename' key")
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise NotReusable(f"a key of type {type(key).__name__}")
            out[key] = _fresh(item, registry)
        return out
    if kind is list or kind is tuple or kind is set:
        return [_fresh(item, registry) for item in value]
    typename = registry.typenames.get(kind)
    if typename is not None:
        return registry.restore(registry.convert_to_dict[typename](value))
    raise NotReusable(f"a value of type {kind.__name__}")


def _updated(before: dict[str, Any], live: dict[str, Any]) -> list[tuple[str, Any]]:
    """``DeepMerge.get_updated_keys(before, live)`` as the dump computes it, with the values: each key of
    ``live`` new or whose value differs (the same object is no difference: ``!=`` says otherwise only for
    a float NaN, whose rebuilt value is the same float either way). A key ``before`` has was checked with
    it, so only a new one can be a key that is not text (``NotReusable``)."""
    out = []
    get = before.get
    for key, value in live.items():
        was = get(key, _ABSENT)
        if value is was or (was is not _ABSENT and not value != was):
            continue
        if type(key) is not str:
            raise NotReusable(f"a key of type {type(key).__name__}")
        out.append((key, value))
    return out


def _loader_order(top: BpmnWorkflow) -> dict[Any, Any]:
    """The subprocesses in the order ``load_workflow`` restores them: by their tasks, each parent's
    tasks in order, a subprocess's own subprocesses right after it."""
    ordered: dict[Any, Any] = {}

    def visit(wf: Any) -> None:
        for task in wf.tasks.values():
            if isinstance(task.task_spec, SubWorkflowTask) and task.id in top.subprocesses \
                    and task.id not in ordered:
                ordered[task.id] = top.subprocesses[task.id]
                visit(ordered[task.id])

    visit(top)
    return ordered


def canonicalize(workflow: BpmnWorkflow, registry: Any) -> None:
    """Make a committed transition's workflow what ``load_workflow`` of the JSON written from it gives:
    each task's data rebuilt as the loader rebuilds it (the parent's data copied one level deep, then
    the values that differ from the parent's, as new objects, then the deleted keys removed; the root's
    data new), internal data, workflow data and correlations as new objects, the subprocesses in the
    loader's order and the catch events waiting in the event manager as the loader finds them.
    ``NotReusable`` when that cannot be done exactly (the workflow is then dropped, half rebuilt)."""
    if workflow.bpmn_events:  # events thrown to the outside, waiting to be read: rare, load them
        raise NotReusable("pending BPMN events")
    ordered = _loader_order(workflow)
    if len(ordered) != len(workflow.subprocesses):
        raise NotReusable("a subprocess the loader would not restore")
    for wf in [workflow, *ordered.values()]:
        # task id → (its live data: what the dump compared, its rebuilt data, the keys of the rebuilt data
        # that hold a container); a task's parent is looked up here by its id, in its own workflow, as the
        # dump and the load look it up (``Task.parent``)
        done: dict[Any, tuple[dict[str, Any], dict[str, Any], set[str]]] = {}
        tasks = wf.tasks
        for task in tasks.values():
            live = task.data
            if type(live) is not dict:
                raise NotReusable("task data that is not a dict")
            parent_id = task._parent  # noqa: SLF001 - Task.parent is tasks.get(_parent)
            entry = done.get(parent_id) if parent_id is not None else None
            if entry is None:
                if parent_id is not None and parent_id in tasks:
                    raise NotReusable("a task before its parent")
                data = _fresh(live, registry)
                boxes = {k for k, v in data.items() if type(v) in _BOXES}
            else:
                before, parent_data, parent_boxes = entry
                # DeepMerge.merge({}, parent.data): a container is copied, its contents shared (the
                # rebuilt data holds only dicts and lists, no subclass: ``boxes`` names them)
                data = parent_data.copy()
                boxes = set(parent_boxes)
                for key in boxes:
                    data[key] = data[key].copy()
                if "typename" in live:
                    raise NotReusable("a data key 'typename'")
                # the values the dump writes (``_updated``). Most tasks change nothing of their parent's
                # data: one comparison of the two dicts (in C; a value the same object counts as equal)
                # says so, and no key is walked.
                if live != before:
                    for key, value in _updated(before, live):
                        data[key] = fresh = _fresh(value, registry)
                        if type(fresh) in _BOXES:
                            boxes.add(key)
                        else:
                            boxes.discard(key)
                if len(live) != len(data) and not before.keys() <= live.keys():  # get_deleted_keys
                    for key in before.keys() - live.keys():
                        data.pop(key, None)
                        boxes.discard(key)
            done[task.id] = (live, data, boxes)
            task.data = data
            internal = task.internal_data
            task.internal_data = {} if type(internal) is dict and not internal else _fresh(internal, registry)
        wf.data = _fresh(wf.data, registry)
        wf.correlations = _fresh(wf.correlations, registry)
    if list(ordered) != list(workflow.subprocesses):
        workflow.subprocesses.clear()
        workflow.subprocesses.update(ordered)
    events = workflow.event_manager.tasks
    events.clear()
    for wf in [workflow, *ordered.values()]:
        for task in wf.tasks.values():
            if isinstance(task.task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
                events[task.id] = task


_PLAIN = frozenset({datetime, timedelta, UUID})  # restored values whose JSON holds no text of the data


def renumber(workflow: BpmnWorkflow, placeholder: str, number: str) -> None:
    """After ``canonicalize`` of an opening's workflow (its data still holds the placeholder its number
    replaced in the JSON text, ``Runtime._commit``): what a load of the swapped text gives. Every
    string in the rebuilt data (each task's data and internal data, each workflow's data and
    correlations) has ``placeholder`` replaced by ``number``, in place: the containers a task shares
    with its parent are the ones a load shares, so they are swapped once for both. ``NotReusable`` when
    the text's swap reached what the data's cannot: a key holding the placeholder, a restored value
    other than a datetime, a timedelta or a UUID."""
    if json.dumps(number, ensure_ascii=False)[1:-1] != number or placeholder in number:
        raise NotReusable("a number JSON writes otherwise")

    def swap(box: Any) -> None:
        items = box.items() if type(box) is dict else enumerate(box)
        for key, value in items:
            kind = type(value)
            if kind is str:
                if placeholder in value:
                    box[key] = value.replace(placeholder, number)
            elif kind is dict or kind is list:
                swap(value)
            elif kind not in _SCALARS and kind not in _PLAIN:
                raise NotReusable(f"a value of type {kind.__name__} in an opening")
            if type(key) is str and placeholder in key:
                raise NotReusable("a key that holds the case's number")

    for wf in [workflow, *workflow.subprocesses.values()]:
        for task in wf.tasks.values():
            swap(task.data)
            swap(task.internal_data)
        swap(wf.data)
        swap(wf.correlations)
