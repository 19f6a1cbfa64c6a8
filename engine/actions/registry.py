"""The action registry: named domain actions with typed parameters and Chinese labels.

A domain module (repair orders, the FAQ book, notifications, penalties …) registers each action it
offers once, from its ``register_actions(registry)`` function. A diagram calls an action from a
``bpmn:serviceTask`` (``spiffworkflow:serviceTaskOperator id="<action name>"``); the runtime runs it
inside the transaction of the step that reached the service task. The same registry describes the
actions to ``kefu process check`` and to the modeler (:meth:`ActionRegistry.describe`).

Parameter types are the names the spiff dialect writes in ``spiffworkflow:parameter type=…``:
``str``, ``int``, ``float``, ``bool``, ``list``, ``dict`` and ``any``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ActionError

__all__ = ["PARAM_TYPES", "Action", "ActionRegistry", "Param", "type_of_value"]

PARAM_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list, tuple),
    "dict": (dict,),
    "any": (object,),
}


def type_of_value(value: Any) -> str:
    """The parameter type name of a Python value (``bool`` before ``int``: True is an int in Python)."""
    if value is None:
        return "none"
    for name in ("bool", "int", "float", "str", "list", "dict"):
        if isinstance(value, PARAM_TYPES[name]) and not (name == "int" and isinstance(value, bool)):
            return name
    return type(value).__name__


def accepts(type_name: str, value: Any) -> bool:
    """True when ``value`` is of parameter type ``type_name``."""
    if type_name == "any":
        return True
    if isinstance(value, bool) and type_name in {"int", "float"}:
        return False
    return isinstance(value, PARAM_TYPES[type_name])


@dataclass(frozen=True)
class Param:
    """One parameter of an action: name, type, whether it is required, and its labels."""

    name: str
    type: str
    label: str
    required: bool = True
    label_en: str = ""
    help: str = ""

    def __post_init__(self) -> None:
        if self.type not in PARAM_TYPES:
            raise ValueError(f"parameter {self.name!r}: unknown type {self.type!r}; use one of "
                             f"{', '.join(PARAM_TYPES)}")
        if not self.name.isidentifier():
            raise ValueError(f"parameter name {self.name!r} is not an identifier")

    def describe(self) -> dict[str, Any]:
        """The parameter as plain data (for the modeler and ``kefu process actions``)."""
        return {"name": self.name, "type": self.type, "required": self.required,
                "label": {"zh": self.label, "en": self.label_en or self.name}, "help": self.help}


@dataclass(frozen=True)
class Action:
    """A named domain action; ``run(ctx, **values)`` returns a JSON-able result."""

    name: str
    label: str
    run: Callable[..., Any]
    params: tuple[Param, ...] = ()
    label_en: str = ""
    result: str = ""
    module: str = ""

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the parameters, in declaration order."""
        return tuple(p.name for p in self.params)

    def param(self, name: str) -> Param | None:
        """The parameter called ``name``, or None."""
        return next((p for p in self.params if p.name == name), None)

    def describe(self) -> dict[str, Any]:
        """The action as plain data: name, labels, parameters and what it returns."""
        return {"name": self.name, "label": {"zh": self.label, "en": self.label_en or self.name},
                "params": [p.describe() for p in self.params], "result": self.result, "module": self.module}

    def bind(self, values: Mapping[str, Any], *, where: str = "") -> dict[str, Any]:
        """Check evaluated parameter values against the declaration; ActionError naming each problem."""
        problems = []
        at = f" (service task {where})" if where else ""
        for name in values:
            if self.param(name) is None:
                problems.append(f"unknown parameter {name!r}{_hint(name, self.param_names)}")
        bound: dict[str, Any] = {}
        for param in self.params:
            if param.name not in values or values[param.name] is None:
                if param.required:
                    problems.append(f"parameter {param.name!r} ({param.label}) is required")
                continue
            value = values[param.name]
            if not accepts(param.type, value):
                problems.append(f"parameter {param.name!r} must be {param.type}, got "
                                f"{type_of_value(value)} {_short(value)}")
                continue
            bound[param.name] = list(value) if param.type == "list" else value
        if problems:
            raise ActionError(f"action {self.name!r}{at}: " + "; ".join(problems), code="action.E002")
        return bound


@dataclass
class ActionRegistry:
    """Every action kefu's diagrams may call, by name."""

    _actions: dict[str, Action] = field(default_factory=dict)

    def register(self, action: Action) -> Action:
        """Add an action; a second action with the same name is a programming error."""
        if action.name in self._actions:
            raise ValueError(f"action {action.name!r} is registered twice")
        self._actions[action.name] = action
        return action

    def action(self, name: str, label: str, *, params: Iterable[Param] = (), label_en: str = "",
               result: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator form of :meth:`register` for a function ``run(ctx, **values)``."""

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.register(Action(name=name, label=label, run=fn, params=tuple(params), label_en=label_en,
                                 result=result, module=fn.__module__))
            return fn

        return decorate

    def get(self, name: str) -> Action:
        """The action called ``name``; ActionError with a did-you-mean otherwise."""
        try:
            return self._actions[name]
        except KeyError:
            raise ActionError(f"no action {name!r}{_hint(name, self._actions)}",
                              code="action.E001") from None

    def __contains__(self, name: object) -> bool:
        return name in self._actions

    def names(self) -> list[str]:
        """Every action name, sorted."""
        return sorted(self._actions)

    def describe(self) -> list[dict[str, Any]]:
        """Every action as plain data, sorted by name."""
        return [self._actions[n].describe() for n in self.names()]

    def hint(self, name: str) -> str:
        """``; did you mean 'x'?`` or the list of known names."""
        return _hint(name, self._actions)


def _hint(name: str, known: Iterable[str]) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known: {', '.join(names)}" if names else ""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
