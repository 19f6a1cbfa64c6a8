"""Where a case waits: the catch events, event-based gateways and boundary timers SpiffWorkflow keeps
WAITING that are not just the deadline of an open user task (a visitor waiting for the host's answer,
a closed complaint's one-week wait for a repeat complaint). The case page marks them as current and
names them; the API's case read lists them as ``waiting``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import (
    BoundaryEvent,
    EventBasedGateway,
    IntermediateCatchEvent,
    ReceiveTask,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

__all__ = ["WaitEvent", "WaitPoint", "may_wait", "waiting_points"]


@dataclass(frozen=True)
class WaitEvent:
    """One event a wait ends with: ``kind`` timer, message or event; a timer's ``due_at`` (UTC)."""

    element: str
    name: str
    kind: str
    due_at: datetime | None = None


@dataclass(frozen=True)
class WaitPoint:
    """A place the case waits at: the diagram element (an event-based gateway, a catch event or a
    boundary event), its name as drawn, the process (diagram) it is in, and the events that end it."""

    element: str
    name: str
    process: str
    events: tuple[WaitEvent, ...] = field(default_factory=tuple)

    @property
    def elements(self) -> list[str]:
        """The element and its events' (what the diagram marks)."""
        return list(dict.fromkeys([self.element, *(e.element for e in self.events)]))

    @property
    def due_at(self) -> datetime | None:
        """The earliest timer that ends the wait (None when only a message or an event does)."""
        times = [e.due_at for e in self.events if e.due_at is not None]
        return min(times) if times else None


def _kind(definition: Any) -> str:
    if isinstance(definition, TimerEventDefinition):
        return "timer"
    if isinstance(definition, MessageEventDefinition):
        return "message"
    return "event"


def _name(spec: Any) -> str:
    return str(getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name)


def _open_steps(workflow: Any) -> set[Any]:
    """The ids of the open user tasks and of every stage (call activity) that holds one, at any depth."""
    found: set[Any] = set()
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.STARTED):
        if not isinstance(task.task_spec, UserTask):
            continue
        found.add(task.id)
        owner = task.workflow
        while owner.parent_task_id is not None:
            found.add(owner.parent_task_id)
            owner = workflow.get_task_from_id(owner.parent_task_id).workflow
    return found


def _is_decoration(task: Any, open_steps: set[Any]) -> bool:
    """A boundary event of a step that is open, or of a stage holding one: the step is where the case is,
    the boundary event only its clock (a user task's deadline)."""
    parent = task.parent
    return parent is not None and any(
        sibling is not task and sibling.id in open_steps for sibling in parent.children)


def waiting_points(workflow: Any, timers: list[tuple[Any, datetime | None]]) -> list[WaitPoint]:
    """The waits of ``workflow`` (a ``BpmnWorkflow``) and of the processes it calls: ``timers``
    is ``Transition.timers()`` (each waiting timer task with its due time in UTC)."""
    due = {task.id: at for task, at in timers}
    open_steps = _open_steps(workflow)
    found: list[WaitPoint] = []
    for task in workflow.get_tasks(state=TaskState.WAITING):  # into the called processes too
        spec = task.task_spec
        definition = getattr(spec, "event_definition", None)
        if definition is None or isinstance(spec, StartEvent) or not isinstance(spec, CatchingEvent):
            continue  # a join waiting for its branches, an event subprocess's start: no wait of the case
        if isinstance(definition, MultipleEventDefinition) and spec.outputs and len(spec.outputs) == len(
                definition.event_definitions):
            # an event-based gateway: SpiffWorkflow holds its events' definitions in its outputs' order
            events = tuple(
                WaitEvent(str(output.bpmn_id or output.name), _name(output), _kind(sub),
                          due.get(task.id) if isinstance(sub, TimerEventDefinition) else None)
                for output, sub in zip(spec.outputs, definition.event_definitions, strict=True))
        else:
            if isinstance(spec, BoundaryEvent) and _is_decoration(task, open_steps):
                continue
            events = (WaitEvent(str(spec.bpmn_id or spec.name), _name(spec), _kind(definition),
                                due.get(task.id)),)
        process = str(task.workflow.spec.name)  # the diagram it is drawn in (a called process's own)
        found.append(WaitPoint(str(spec.bpmn_id or spec.name), _name(spec), process, events))
    return found


_OPEN = TaskState.READY | TaskState.STARTED | TaskState.WAITING
_WAITS = (IntermediateCatchEvent, ReceiveTask, EventBasedGateway)


def may_wait(dct: dict[str, Any], spec: Any, subprocess_specs: dict[str, Any]) -> bool:
    """Whether stored workflow JSON (upgraded, parsed) holds anything ``waiting_points`` could name, read
    without rebuilding the workflow (a tenth of its cost; most case pages are at a user task whose
    deadline timers are only WAITING boundary events of that open step): a WAITING catch event or
    event-based gateway, or a WAITING boundary event none of whose siblings is open."""
    tables = [(dct.get("tasks") or {}, spec)]
    tables += [(sub.get("tasks") or {}, subprocess_specs.get(str(sub.get("spec") or "")))
               for sub in (dct.get("subprocesses") or {}).values()]
    for tasks, owner in tables:
        for task in tasks.values():
            if int(task["state"]) != TaskState.WAITING:
                continue
            task_spec = owner.task_specs.get(task["task_spec"]) if owner is not None else None
            if task_spec is None or isinstance(task_spec, _WAITS):
                return True  # a spec it cannot tell: the rebuilt workflow decides
            if isinstance(task_spec, BoundaryEvent):
                parent = tasks.get(task["parent"]) or {}
                siblings = (tasks.get(child) for child in parent.get("children", []))
                if not any(s is not None and s is not task and int(s["state"]) & _OPEN
                           and not isinstance(owner.task_specs.get(s["task_spec"]), BoundaryEvent)
                           for s in siblings):
                    return True
    return False
