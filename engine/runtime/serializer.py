"""Workflow state as JSON without the specs, and the named upgrades of older stored formats.

SpiffWorkflow's serializer copies the whole process spec into every instance (about half of the
JSON). kefu pins each case to a process version whose specs come from the registry, so the stored
JSON holds only the instance: ``spec`` and ``subprocess_specs`` are left out on save and the live
spec objects of the pinned ``ProcessDefinition`` are put back on load. The format's version is
kept in its own column (``cases.serializer_version``); a row in an older format is brought up to
date on load by the functions in ``UPGRADES`` (old version → function returning the new version
and dict), applied in a chain until ``VERSION`` is reached.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from copy import copy
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task, TaskState
from SpiffWorkflow.util.deep_merge import DeepMerge

from engine.errors import ConflictError

__all__ = ["UPGRADES", "VERSION", "completed_elements", "completed_elements_in", "dump_workflow",
           "instance_registry", "load_workflow", "spec_registry", "upgrade_workflow_dict"]

VERSION = "1.5"


_IDS: dict[int, str] = {}  # UUID.int → its text: a workflow's ids are written at every step of it
_IDS_KEPT = 20_000  # about 3 MB; past it the texts are dropped and made again


def _id_text(value: UUID) -> str:
    """``str(value)`` of a task's or subprocess's id, made once (``UUID.__str__`` is Python code and a
    complaint's dump wrote about 400 of them); what it gives depends on the number alone."""
    key = value.int
    found = _IDS.get(key)
    if found is None:
        if len(_IDS) >= _IDS_KEPT:
            _IDS.clear()
        found = _IDS[key] = str(value)
    return found


_UUIDS: dict[str, UUID] = {}  # a task's id text → its UUID (immutable, so one object serves every load)


def _uuid(text: str) -> UUID:
    """``UUID(text)`` of a stored task's or subprocess's id, made once (``UUID.__init__`` is Python code and
    a complaint's load made about 320 of them); the texts are the dump's, so each is one UUID's ``str``."""
    found = _UUIDS.get(text)
    if found is None:
        if len(_UUIDS) >= _IDS_KEPT:
            _UUIDS.clear()
        found = _UUIDS[text] = UUID(text)
    return found


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _restorer(registry: Any) -> Callable[[Any], Any]:
    """``registry.restore`` of JSON-parsed values (dicts, lists and plain values), the same objects made
    with less: a plain value is returned without a call, and a dict with a ``typename`` (a datetime, a
    UUID…) or anything that is not a dict, a list or a plain value goes to the registry itself."""
    plain = _PLAIN
    restore = registry.restore

    def fast(val: Any) -> Any:
        kind = type(val)
        if kind is dict:
            if "typename" in val:
                return restore(val)
            return {k: (v if type(v) in plain else fast(v)) for k, v in val.items()}
        if kind is list:
            return [(v if type(v) in plain else fast(v)) for v in val]
        if kind in plain:
            return val
        return restore(val)

    return fast


class _IdTexts:
    """``mapping_to_dict`` of a mapping keyed by ``UUID`` (tasks, subprocesses) with ``_id_text``, and
    ``mapping_from_dict`` of one with ``_uuid``."""

    registry: Any

    def mapping_to_dict(self, mapping: Mapping[Any, Any], **kwargs: Any) -> dict[str, Any]:
        convert = self.registry.convert
        return {(_id_text(k) if type(k) is UUID else str(k)): convert(v, **kwargs)
                for k, v in mapping.items()}

    def mapping_from_dict(self, mapping: Mapping[str, Any], key_class: Any = None,
                          **kwargs: Any) -> dict[Any, Any]:
        restore = self.registry.restore
        if key_class is None:
            return {k: restore(v, **kwargs) for k, v in mapping.items()}
        if key_class is UUID:  # a workflow's tasks: their containers' keys kept for this mapping's load
            if "workflow" in kwargs:
                kwargs["containers"] = {}
            return {_uuid(k): restore(v, **kwargs) for k, v in mapping.items()}
        return {key_class(k): restore(v, **kwargs) for k, v in mapping.items()}


class _TaskConverter(TaskConverter):
    """SpiffWorkflow's ``TaskConverter.to_dict``, the same dict, made with less: the parent looked up
    once (``Task.parent`` is a dict lookup by ``UUID``, whose hash is Python code; it asked four times),
    the ids' texts made once (``_id_text``), and no deleted keys looked for when the parent's keys are all
    the task's (a comparison of the key sets, in C)."""

    def to_dict(self, task: Any) -> dict[str, Any]:
        parent_id = task._parent  # noqa: SLF001 - Task.parent is workflow.tasks.get(_parent)
        parent = task.workflow.tasks.get(parent_id)
        delta: dict[str, Any]
        if parent is None:
            data = task.data
            delta = {}
        else:
            data = {}
            before, after = parent.data, task.data
            deleted = [] if before.keys() <= after.keys() else DeepMerge.get_deleted_keys(before, after)
            delta = {"updates": DeepMerge.get_updated_keys(before, after), "deletions": deleted}
        return {
            "id": _id_text(task.id),
            "parent": _id_text(parent_id) if parent is not None else None,
            "children": [_id_text(child) for child in task._children],  # noqa: SLF001
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": data,
            "delta": delta,
        }

    def __init__(self, target_class: Any, registry: Any, typename: str | None = None) -> None:
        super().__init__(target_class, registry, typename)
        self._restore = _restorer(registry)

    def from_dict(self, dct: dict[str, Any], workflow: Any,
                  containers: dict[UUID, list[Any]] | None = None) -> Any:
        """SpiffWorkflow's ``TaskConverter.from_dict``, the same task, made with less: the ids from
        ``_uuid``, the parent looked up once, the data restored by ``_restorer`` and, for a task under its
        parent, its parent's data copied one level deep as ``DeepMerge.merge({}, parent.data)`` copies it
        (each dict, list or set value shallow-copied, the rest shared) but with the parent's data copied in
        C and only its containers copied again: the keys holding them are kept per task in ``containers``
        during one workflow's load (a task's are its parent's less its deletions and updates, plus its
        updated containers; a parent not in it has its data looked over)."""
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=_uuid(dct["id"]))
        parent_text = dct["parent"]
        parent_id = task._parent = _uuid(parent_text) if parent_text is not None else None  # noqa: SLF001
        task._children = [_uuid(child) for child in dct["children"]]  # noqa: SLF001
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        restore = self._restore
        task.internal_data = restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)

        delta: dict[str, Any] = dct.get("delta") or {}
        parent = workflow.tasks.get(parent_id) if delta and parent_id is not None else None
        if containers is None:
            containers = {}
        if parent is not None:
            data = parent.data.copy()
            held = containers.get(parent.id)
            if held is None:  # a parent this converter did not load: find its containers
                held = [k for k, v in data.items() if isinstance(v, _CONTAINER_TYPES)]
            for key in held:
                value = data[key]
                data[key] = value.copy() if type(value) in _COPIED_BY_METHOD else copy(value)
            updates = restore(delta.get("updates", {}))
            data.update(updates)
            deletions = delta.get("deletions", {})
            for key in deletions:
                if key in data:
                    del data[key]
            if updates or deletions:
                held = [k for k in held if k not in updates and k in data]
                held.extend(k for k, v in updates.items() if isinstance(v, _CONTAINER_TYPES) and k in data)
        else:
            data = restore(dct["data"])
            held = [k for k, v in data.items() if isinstance(v, _CONTAINER_TYPES)]
        containers[task.id] = held
        task.data = data
        return task


class _SubWorkflowConverter(_IdTexts, BpmnSubWorkflowConverter):
    """A subprocess, its tasks' ids made once."""


class _InstanceOnlyConverter(_IdTexts, BpmnWorkflowConverter):
    """Converts a top-level workflow without its specs (they are restored from the registry)."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def subprocesses_from_dict(self, dct: dict[str, Any], workflow: Any, top_workflow: Any = None) -> None:
        """SpiffWorkflow's, each subprocess task's id text from ``_id_text``."""
        top_workflow = top_workflow or workflow
        for task in workflow.tasks.values():
            if isinstance(task.task_spec, SubWorkflowTask) and (key := _id_text(task.id)) in dct:
                sp = self.registry.restore(dct.pop(key), task=task, top_workflow=top_workflow)
                top_workflow.subprocesses[task.id] = sp
                sp.completed_event.connect(task.task_spec._on_subworkflow_completed, task)  # noqa: SLF001
                self.subprocesses_from_dict(dct, sp, top_workflow)


_CONTAINER_TYPES = (dict, list, set)  # what DeepMerge.merge copies (copy.copy) into a child's data
_COPIED_BY_METHOD = frozenset({dict, list, set})  # copy.copy of these is their .copy()

_CONFIG = dict(SPIFF_CONFIG)
_CONFIG[BpmnWorkflow] = _InstanceOnlyConverter
_CONFIG[BpmnSubWorkflow] = _SubWorkflowConverter
_CONFIG[Task] = _TaskConverter
_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG), version=VERSION)
_FULL_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def dump_workflow(workflow: BpmnWorkflow) -> str:
    """The instance JSON of ``workflow`` (no specs, no version key: the version has its own column)."""
    _SERIALIZER.registry._encoder_mode = True
    try:
        dct = _SERIALIZER.to_dict(workflow)
        return json.dumps(dct, cls=_SERIALIZER._encoder_cls, ensure_ascii=False, separators=(",", ":"))
    finally:
        _SERIALIZER.registry._encoder_mode = False


def load_workflow(text: str, version: str, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
    """Rebuild a workflow from stored JSON in format ``version`` around the pinned specs."""
    dct = json.loads(text)
    dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
    dct = upgrade_workflow_dict(dct, version)
    dct["spec"] = spec  # live objects pass through the registry's restore unchanged
    dct["subprocess_specs"] = dict(subprocess_specs)
    workflow: BpmnWorkflow = _SERIALIZER.from_dict(dct)
    return workflow


_COMPLETED = 64  # SpiffWorkflow's TaskState.COMPLETED (a finished state: ERROR and CANCELLED are higher)


def completed_elements(text: str, version: str, spec: Any, subprocess_specs: dict[str, Any]) -> list[str]:
    """The BPMN ids of the completed tasks of stored workflow JSON, in the order they completed, each
    once: what ``load_workflow(...).get_tasks(state=TaskState.COMPLETED)`` gives, read from the JSON
    without rebuilding the workflow (a case page's path costs a tenth of the rebuild). It walks the task
    tree as SpiffWorkflow's ``BpmnTaskIterator`` does: from the root into the children of finished
    tasks, and into the subprocess of any task that has one."""
    stored = upgrade_workflow_dict(json.loads(text or "{}"), version)
    return completed_elements_in(stored, spec, subprocess_specs)


def completed_elements_in(dct: Mapping[str, Any], spec: Any, subprocess_specs: dict[str, Any]) -> list[str]:
    """``completed_elements`` of workflow JSON already parsed and upgraded (``dct`` is only read)."""
    tasks = dct.get("tasks") or {}
    subprocesses = dct.get("subprocesses") or {}
    found: list[tuple[float, str]] = []
    pending: list[tuple[str, dict[str, Any], Any]] = []
    if dct.get("root") in tasks:
        pending.append((dct["root"], tasks, spec))
    while pending:
        task_id, table, owner = pending.pop()
        task = table.get(task_id)
        if task is None:
            continue
        task_spec = owner.task_specs.get(task["task_spec"]) if owner is not None else None
        state = int(task["state"])
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if state & _COMPLETED and bpmn_id:
            found.append((float(task["last_state_change"]), str(bpmn_id)))
        sub = subprocesses.get(task_id)
        if sub is not None and sub.get("root") in (sub.get("tasks") or {}):
            called = subprocess_specs.get(getattr(task_spec, "spec", None) or "")
            pending.append((sub["root"], sub["tasks"], called))
        if state >= _COMPLETED:
            pending.extend((child, table, owner) for child in task.get("children") or [])
    found.sort(key=lambda pair: pair[0])
    return list(dict.fromkeys(bpmn_id for _, bpmn_id in found))


def upgrade_workflow_dict(dct: dict[str, Any], version: str) -> dict[str, Any]:
    """Apply the named upgrades from ``version`` up to ``VERSION``; ConflictError for an unknown format."""
    seen = set()
    while version != VERSION:
        step = UPGRADES.get(version)
        if step is None or version in seen:
            raise ConflictError(
                f"stored workflow format {version!r} is not known to this kefu (knows {VERSION!r} and "
                f"upgrades from {', '.join(sorted(UPGRADES)) or 'none'}); upgrade kefu"
            )
        seen.add(version)
        version, dct = step(dct)
    return dct


def _upgrade_kefu0(dct: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``1.4-kefu0`` → ``1.5``: the prototype's rows held the full serializer output (specs included)
    and called the receiving time ``received``; drop the specs and rename the field to ``received_at``."""
    dct = dict(dct)
    dct.pop("spec", None)
    dct.pop("subprocess_specs", None)
    for task in dct.get("tasks", {}).values():
        data = task.get("data") or {}
        if "received" in data:
            data["received_at"] = data.pop("received")
        updates = (task.get("delta") or {}).get("updates") or {}
        if "received" in updates:
            updates["received_at"] = updates.pop("received")
    return VERSION, dct


UPGRADES: dict[str, Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "1.4-kefu0": _upgrade_kefu0,
}


def dump_full_workflow(workflow: BpmnWorkflow) -> str:
    """SpiffWorkflow's own full serialization (specs included): used by tests of the upgrade path."""
    text: str = _FULL_SERIALIZER.serialize_json(workflow)
    return text


def instance_registry() -> Any:
    """The converter registry ``load_workflow`` restores task data with (datetime, UUID, timedelta…)."""
    return _SERIALIZER.registry


def spec_registry() -> Any:
    """The serializer's converter registry, which SpiffWorkflow's ``SpecDiff``/``diff_workflow`` compare
    task specs with (``SpiffWorkflow.bpmn.util.diff``)."""
    return _FULL_SERIALIZER.registry
