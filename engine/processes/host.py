"""Host functions, the script engine that binds them, and the clock SpiffWorkflow's timers see.

Host functions are the only way a diagram reaches the policy or the clock: ``deadline(key, start=None,
origin=None)`` (``origin``: the moment the case's clocks count from, for deadlines the policy caps
with ``never_after``),
``policy(key)``, ``responsible_department_for(category)``, ``cooperating_departments_for(category)``,
``now()``, ``earliest(a, b)``. (The ``_for`` names differ from the case fields ``responsible_department``
and ``cooperating_departments`` they compute: task data that shadows a host function breaks every later
script in SpiffWorkflow.) Each set is bound to one effective policy and one clock
(:func:`build_script_engine`). Times cross the diagram boundary as aware ISO 8601 strings in the
policy's time zone, because SpiffWorkflow's ``timeDate`` timers need strings and task data must stay JSON.
"""

from __future__ import annotations

import builtins
import contextvars
import copy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.actions.context import ActionContext, current_step
from engine.calendar import provisional_use
from engine.clock import Clock
from engine.errors import ActionError, KefuError, StepError
from engine.processes.expressions import SAFE_BUILTINS

__all__ = [
    "HostFunctionError",
    "KefuScriptEngine",
    "StepClock",
    "build_script_engine",
    "deadline_log",
    "evaluate_expression",
    "host_functions",
    "parse_moment",
    "policy_zone",
    "timer_clock",
    "workflow_errors",
]


class HostFunctionError(KefuError):
    """A host function called from a diagram failed (unknown policy key, bad time); names the call."""

    code = "process.E001"


def _kefu_causes(exc: BaseException) -> list[KefuError]:
    """The KefuErrors in the chain of causes and contexts of ``exc``, outermost first."""
    seen: set[int] = set()
    found: list[KefuError] = []
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, KefuError):
            found.append(current)
        current = current.__cause__ or current.__context__
    return found


def step_error(exc: BaseException) -> KefuError:
    """The kefu error for an exception SpiffWorkflow raised while running a step.

    The message is the outermost kefu error's (a host function names its call); the code is the
    innermost one's, the root cause (``calendar.E001`` under ``process.E001``).
    """
    causes = _kefu_causes(exc)
    inner = causes[0] if causes else None
    task = getattr(exc, "task", None)
    spec = getattr(exc, "task_spec", None) or getattr(task, "task_spec", None)
    name = str(getattr(spec, "bpmn_name", None) or getattr(spec, "name", None) or "?")
    process = getattr(getattr(getattr(task, "workflow", None), "spec", None), "name", None)
    where = f"「{name}」" + (f" ({getattr(spec, 'name', name)}, process {process})" if process else "")
    reason = inner.message if inner is not None else str(exc).strip().rstrip(".")
    return StepError(f"流程步骤{where}无法执行 / the step could not run: {reason}",
                     code=causes[-1].code if causes else None)


@contextmanager
def workflow_errors() -> Iterator[None]:
    """Inside this block, SpiffWorkflow's exceptions (``WorkflowTaskException`` around a failed host
    function, a bad expression …) become kefu's ``StepError``: never a traceback for the user."""
    try:
        yield
    except SpiffWorkflowException as exc:
        raise step_error(exc) from exc


def policy_zone(policy: Any) -> tzinfo:
    """The policy's time zone (``calendar.timezone``)."""
    return ZoneInfo(str(policy.get("calendar.timezone")))


def parse_moment(value: Any, zone: tzinfo) -> datetime:
    """An aware datetime from an ISO string or datetime; a naive time is read in ``zone``."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 time such as 2026-11-23T10:00:00+08:00") from None
    else:
        raise ValueError(f"{value!r} is not a time; give an ISO 8601 string")
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def host_functions(policy: Any, clock: Clock) -> dict[str, Callable[..., Any]]:
    """The host functions bound to ``policy`` and ``clock``, by the names diagrams call them."""
    zone = policy_zone(policy)

    def call(label: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except HostFunctionError:
            raise
        except Exception as exc:  # the diagram author needs the call and the reason, whatever failed
            raise HostFunctionError(f"{label} failed: {exc}") from exc

    def deadline(key: str, start: Any = None, origin: Any = None) -> str:
        """When the duration at policy ``key`` runs out, counted from ``start`` (default: now).

        ``origin`` is the moment the case's clocks count from (default: ``start``): a duration the
        policy says is ``never_after`` another deadline ends no later than that one counted from it.
        A result that rests on a provisional calendar year is noted in the ``deadline_log`` in force.
        """

        def run() -> str:
            begin = clock.now() if start is None or start == "" else parse_moment(start, zone)
            first = None if origin is None or origin == "" else parse_moment(origin, zone)
            with provisional_use() as years:
                due = policy.deadline(key, begin, first).astimezone(zone).isoformat()
            log = _DEADLINE_LOG.get()
            if years and log is not None:
                log.append({"key": key, "from": begin.astimezone(zone).isoformat(),
                            "origin": None if first is None else first.astimezone(zone).isoformat(),
                            "due": due, "years": sorted(years)})
            return due

        given = "" if origin is None else f", {origin!r}"
        label = f"deadline({key!r}, {start!r}{given})"
        return str(call(label, run))

    def policy_value(key: str) -> Any:
        """The plain value at policy ``key`` (a copy: diagrams cannot change the policy)."""
        return call(f"policy({key!r})", lambda: copy.deepcopy(policy.get(key)))

    def responsible_department_for(category: str) -> Any:
        """The department code responsible for complaint ``category``."""
        return call(
            f"responsible_department_for({category!r})", lambda: policy.responsible_department(category)
        )

    def cooperating_departments_for(category: str) -> list[Any]:
        """The department codes that cooperate on complaint ``category``."""
        return list(
            call(
                f"cooperating_departments_for({category!r})", lambda: policy.cooperating_departments(category)
            )
        )

    def now() -> str:
        """The clock's current time in the policy zone."""
        return clock.now().astimezone(zone).isoformat()

    def earliest(a: Any, b: Any) -> Any:
        """The earlier of two ISO times, returned as given; a None or empty argument is ignored."""

        def run() -> Any:
            given = [v for v in (a, b) if v is not None and v != ""]
            if not given:
                return None
            return min(given, key=lambda v: parse_moment(v, zone))

        return call(f"earliest({a!r}, {b!r})", run)

    return {
        "deadline": deadline,
        "policy": policy_value,
        "responsible_department_for": responsible_department_for,
        "cooperating_departments_for": cooperating_departments_for,
        "now": now,
        "earliest": earliest,
    }


class KefuScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine with service tasks calling kefu's registered actions.

    ``call_service`` replaces SpiffWorkflow 3.2.0's, whose error branch refers to an undefined name
    (any failing service became ``NameError: name 'script' is not defined``). Here an action runs
    against the step bound by :func:`engine.actions.context.bind_step` (the open transaction); a
    KefuError it raises passes through unchanged (a FormError keeps its fields), anything else
    becomes an :class:`~engine.errors.ActionError` naming the action and the service task. Either
    way the exception leaves ``do_engine_steps()`` and the step's transaction rolls back.
    """

    def __init__(self, environment: TaskDataEnvironment, actions: Any = None) -> None:
        super().__init__(environment=environment)
        self.actions = actions

    def call_service(self, task: Any, operation_name: str | None = None,
                     operation_params: dict[str, Any] | None = None, **_: Any) -> str:
        """Run action ``operation_name`` with the evaluated parameters; its result as JSON text."""
        where = str(task.task_spec.name)
        step = current_step()
        if step is None:
            raise ActionError(f"service task {where} ({operation_name}) can run only inside a case step",
                              code="action.E003")
        if self.actions is None:
            raise ActionError(f"service task {where}: no actions are registered", code="action.E001")
        action = self.actions.get(str(operation_name))
        values = {name: (param or {}).get("value") for name, param in (operation_params or {}).items()}
        bound = action.bind(values, where=where)
        # An opening case takes its number now: the action may quote or store it, also through its
        # parameters, which SpiffWorkflow evaluated on the placeholder.
        take_number = getattr(step.transition, "take_number", None)
        taken = take_number() if take_number is not None else None
        if taken is not None:
            from engine.runtime.transition import swap_number

            bound = swap_number(bound, *taken)
        try:
            result = action.run(ActionContext(step, task), **bound)
        except KefuError:
            raise
        except Exception as exc:  # a failing action must roll its step back with a readable error
            raise ActionError(f"action {action.name!r} (service task {where}) failed: {exc}",
                              code="action.E004") from exc
        try:
            return json.dumps(result, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise ActionError(f"action {action.name!r} (service task {where}) returned a result that is not "
                              f"JSON: {exc}", code="action.E004") from None


def build_script_engine(policy: Any, clock: Clock, extra: dict[str, Any] | None = None,
                        actions: Any = None) -> KefuScriptEngine:
    """A SpiffWorkflow script engine whose scripts see the host functions for ``policy`` and ``clock``.

    Scripts also get a reduced ``__builtins__`` (the safe builtins only) as a second fence behind the
    load-time allow-list. Names in ``extra`` are added as further globals. Service tasks call the
    actions of ``actions`` (an ``engine.actions.ActionRegistry``).
    """
    env: dict[str, Any] = {"__builtins__": {name: getattr(builtins, name) for name in sorted(SAFE_BUILTINS)}}
    env.update(host_functions(policy, clock))
    env.update(extra or {})
    return KefuScriptEngine(TaskDataEnvironment(env), actions)


def evaluate_expression(engine: PythonScriptEngine, task: Any, expr: str) -> Any:
    """Evaluate a ``due`` or ``assignee`` expression against ``task``'s data."""
    return engine.evaluate(task, expr)


_DEADLINE_LOG: contextvars.ContextVar[list[dict[str, Any]] | None] = contextvars.ContextVar(
    "kefu_deadline_log", default=None)


@contextmanager
def deadline_log(into: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Inside this block, every ``deadline()`` computed on a provisional calendar year is appended to
    ``into`` as ``{key, from, due, years}`` (the runtime keeps them with the case, to mark and recompute)."""
    token = _DEADLINE_LOG.set(into)
    try:
        yield into
    finally:
        _DEADLINE_LOG.reset(token)


# --- the clock SpiffWorkflow's timers see --------------------------------------------------------

_TIMER_CLOCK: contextvars.ContextVar[Clock | None] = contextvars.ContextVar("kefu_timer_clock", default=None)
_REAL_DATETIME = datetime


class StepClock:
    """The runtime's clock as a case's diagrams see it: inside a transition (``timer_clock`` with the
    transition's pinned moment) the moment of that transition, else ``clock``'s time.

    One transition reads the clock once (``Transition.now``): its opening time, its audit times, the
    diagram's ``now()`` (a complaint's ``received_at``), the deadlines counted from it and the timers it
    starts are one moment, even when midnight or a deadline boundary passes while it runs."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def now(self) -> datetime:
        """The pinned moment of the transition in progress, else the wrapped clock's time."""
        pinned = _TIMER_CLOCK.get()
        return pinned.now() if pinned is not None else self.clock.now()


class _ClockedDatetime(datetime):
    """``datetime`` whose ``now()`` answers from the clock set by :func:`timer_clock`, if any."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _ClockedDatetime:
        """The context clock's time (or the real time outside :func:`timer_clock`)."""
        clock = _TIMER_CLOCK.get()
        moment = clock.now() if clock is not None else _REAL_DATETIME.now(UTC)
        local = moment.astimezone(tz) if tz is not None else moment.astimezone().replace(tzinfo=None)
        return cls.fromisoformat(local.isoformat())


def _install() -> None:
    """Replace ``datetime`` in SpiffWorkflow's timer module, once."""
    if _spiff_timer.datetime is not _ClockedDatetime:
        _spiff_timer.datetime = _ClockedDatetime


@contextmanager
def timer_clock(clock: Clock) -> Iterator[Clock]:
    """Inside this block SpiffWorkflow's timers read the time from ``clock``.

    SpiffWorkflow 3.2.0 decides whether a timer has fired (and when a ``timeDuration`` or
    ``timeCycle`` timer starts counting) with ``datetime.now(timezone.utc)`` inside
    ``SpiffWorkflow/bpmn/specs/event_definitions/timer.py``; it has no hook for a clock. kefu passes
    a clock everywhere so tests and the scheduler control time, so we install (once, idempotently)
    a ``datetime`` subclass into that module whose ``now()`` reads a context variable set here.
    Outside the block, and in other threads or tasks, the real time is used.
    """
    _install()
    token = _TIMER_CLOCK.set(clock)
    try:
        yield clock
    finally:
        _TIMER_CLOCK.reset(token)
