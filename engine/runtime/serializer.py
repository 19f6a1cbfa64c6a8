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
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
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


class _IdTexts:
    """``mapping_to_dict`` of a mapping keyed by ``UUID`` (tasks, subprocesses) with ``_id_text``."""

    registry: Any

    def mapping_to_dict(self, mapping: Mapping[Any, Any], **kwargs: Any) -> dict[str, Any]:
        convert = self.registry.convert
        return {(_id_text(k) if type(k) is UUID else str(k)): convert(v, **kwargs)
                for k, v in mapping.items()}


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


class _SubWorkflowConverter(_IdTexts, BpmnSubWorkflowConverter):
    """A subprocess, its tasks' ids made once."""


class _InstanceOnlyConverter(_IdTexts, BpmnWorkflowConverter):
    """Converts a top-level workflow without its specs (they are restored from the registry)."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


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
