"""What an action works with (``ActionContext``) and how the runtime lends it its open transaction.

SpiffWorkflow calls a service task's operator from deep inside ``do_engine_steps()``, with no way
to pass the host's transaction along. The runtime therefore binds the step it is running (its
transaction, the case's ``Transition``, who acts) to a context variable for the duration of the
engine calls (:func:`bind_step`), and kefu's script engine reads it back when a service task runs.
Outside such a block there is no step, and an action refuses to run.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["ActionContext", "StepBinding", "bind_step", "current_step"]


@dataclass(frozen=True)
class StepBinding:
    """The step in progress: its transaction, the runtime, the case's transition and the actor."""

    tx: Any
    runtime: Any
    transition: Any
    actor: str


_STEP: contextvars.ContextVar[StepBinding | None] = contextvars.ContextVar("kefu_action_step", default=None)


@contextmanager
def bind_step(binding: StepBinding) -> Iterator[StepBinding]:
    """Inside this block, service tasks run their actions against ``binding``."""
    token = _STEP.set(binding)
    try:
        yield binding
    finally:
        _STEP.reset(token)


def current_step() -> StepBinding | None:
    """The step bound by :func:`bind_step`, or None."""
    return _STEP.get()


@dataclass(frozen=True)
class ActionContext:
    """One call of an action: the step it runs in and the service task that called it."""

    step: StepBinding
    task: Any  # the SpiffWorkflow task of the service task

    @property
    def tx(self) -> Any:
        """The open store transaction (``engine.store.Tx``) of the step."""
        return self.step.tx

    @property
    def runtime(self) -> Any:
        """The ``Runtime`` running the step."""
        return self.step.runtime

    @property
    def actor(self) -> str:
        """Who caused the step (a staff login, or ``system`` for timers)."""
        return self.step.actor

    @property
    def case(self) -> Mapping[str, Any]:
        """The case's fields as the step sees them (id, number, process_id, subsidiary, project …)."""
        return self.step.transition.case

    @property
    def policy(self) -> Any:
        """The effective policy the case is pinned to."""
        return self.step.transition.policy

    @property
    def definition(self) -> Any:
        """The process definition (diagram version) the case runs."""
        return self.step.transition.definition

    @property
    def now(self) -> datetime:
        """The step's time (UTC)."""
        return self.step.transition.now

    @property
    def zone(self) -> Any:
        """The policy's time zone."""
        return self.step.transition.zone

    @property
    def data(self) -> Mapping[str, Any]:
        """The workflow data the service task sees (read it; results go back through the return value)."""
        return self.task.data

    @property
    def task_name(self) -> str:
        """The service task's BPMN id."""
        return str(self.task.task_spec.name)

    @property
    def ref(self) -> str:
        """A key naming this call: the case and the service task instance (a retry reuses it, a loop not)."""
        return f"{self.case.get('id')}:{self.task.id}"

    @property
    def completed_task(self) -> str | None:
        """The id of the user task whose completion led here, if any."""
        return self.step.transition.completed_task

    def audit(self, action: str, data: dict[str, Any], task_id: str | None = None) -> None:
        """Append an event to the case's hash-chained audit log, in the step's order."""
        self.step.transition.events.append(
            {"actor": self.actor, "action": action, "task_id": task_id or self.completed_task, "data": data})
