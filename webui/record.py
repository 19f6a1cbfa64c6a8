"""The case as a record: each completed step as a card, what the current task decides on, the closure.

Everything comes from the case's audit events (``case.opened`` and ``task.completed`` carry the
cleaned forms) and is described with the forms files of the case's pinned process version and the
policy it started with, so a label or a choice name reads as it did when the step was done. Texts
are ``{zh, en}`` pairs; the page picks its language, the API returns both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["Closure", "FieldValue", "StepCard", "closure_of", "describe_fields", "shown_fields", "step_cards"]

YES_NO = {True: {"zh": "是", "en": "Yes"}, False: {"zh": "否", "en": "No"}}


@dataclass(frozen=True)
class FieldValue:
    """A submitted field: its label and its value as staff read it (choice names, local times)."""

    name: str
    label: dict[str, str]
    value: Any  # as submitted (codes, ISO times): what the API's clients compute with
    text: dict[str, str]  # as shown, in both languages
    type: str = "text"  # the field's type in the forms file
    by: str = ""  # who submitted it (name), for fields shown above a later task
    step: str = ""  # the title of the step that submitted it


@dataclass(frozen=True)
class StepCard:
    """A completed step: who did it, when, on time or late, and what they submitted."""

    task_id: str
    spec: str
    title: str
    by: str  # the staff member's name
    by_login: str
    at: datetime
    due_at: str | None  # the due time it had (local ISO), if any
    late: bool | None  # None: the step had no due time
    fields: list[FieldValue] = field(default_factory=list)


@dataclass(frozen=True)
class Closure:
    """How a closed case ended: outcome, satisfaction and the path of steps it took."""

    status: str
    outcome: str | None
    outcome_name: dict[str, str]
    satisfaction: FieldValue | None
    path: list[str]  # step titles in the order they were completed
    # ended by hand (issue 15): {"kind": "withdrawn", "by", "at", "reason"} or
    # {"kind": "merged", "by", "at", "into"}: who confirmed the merge into which original
    ended: dict[str, Any] | None = None


def _choice_text(choices: Iterable[Mapping[str, Any]], code: Any) -> dict[str, str]:
    for choice in choices:
        if str(choice.get("code")) == str(code):
            name = str(choice.get("name") or code)
            return {"zh": name, "en": str(choice.get("en") or name)}
    return {"zh": str(code), "en": str(code)}


def value_text(spec: Mapping[str, Any], value: Any, localise: Callable[[str], str]) -> dict[str, str]:
    """A field value as staff read it: a choice by its name, yes/no, a time in the policy zone."""
    kind = spec.get("type")
    if kind == "choice":
        return _choice_text(spec.get("choices") or (), value)
    if kind == "multi_choice":
        names = [_choice_text(spec.get("choices") or (), v) for v in (value or [])]
        return {"zh": "、".join(n["zh"] for n in names), "en": ", ".join(n["en"] for n in names)}
    if kind == "boolean":
        return dict(YES_NO[bool(value)])
    if kind in ("datetime",) and isinstance(value, str):
        shown = localise(value)
        return {"zh": shown, "en": shown}
    return {"zh": str(value), "en": str(value)}


def describe_fields(
    specs: Iterable[Mapping[str, Any]],
    values: Mapping[str, Any],
    localise: Callable[[str], str],
    hide: Callable[[Mapping[str, Any], Any], Any] | None = None,
) -> list[FieldValue]:
    """The fields of a form that have a value, in the form's order (``hide`` may mask a value)."""
    out = []
    for spec in specs:
        name = str(spec["name"])
        value = values.get(name)
        if value is None or value == "" or value == []:
            continue
        if hide is not None:
            value = hide(spec, value)
        out.append(FieldValue(name, dict(spec.get("label") or {"zh": name, "en": name}), value,
                              value_text(spec, value, localise), type=str(spec.get("type"))))
    return out


def step_cards(
    events: Iterable[Any],
    forms: Mapping[str, list[dict[str, Any]]],
    names: Mapping[str, str],
    localise: Callable[[str], str],
    hide: Callable[[Mapping[str, Any], Any], Any] | None = None,
) -> list[StepCard]:
    """One card per ``task.completed`` event, oldest first (``forms``: task spec → described fields)."""
    cards = []
    for ev in events:
        if ev.action != "task.completed":
            continue
        data = ev.data or {}
        spec = str(data.get("task") or "")
        form = data.get("form")
        submitted: Mapping[str, Any] = form if isinstance(form, Mapping) else {}
        due = data.get("due_at")
        cards.append(StepCard(
            task_id=str(ev.task_id or ""), spec=spec, title=str(data.get("title") or spec),
            by=names.get(ev.actor, ev.actor), by_login=ev.actor, at=ev.at, due_at=due,
            late=bool(data.get("late")) if due else None,
            fields=describe_fields(forms.get(spec, []), submitted, localise, hide),
        ))
    return cards


def latest_values(events: Iterable[Any]) -> dict[str, tuple[Any, Any]]:
    """field → (its latest non-empty value, the event that submitted it), over intake and every step."""
    out: dict[str, tuple[Any, Any]] = {}
    for ev in events:
        if ev.action not in ("case.opened", "task.completed"):
            continue
        form = (ev.data or {}).get("form")
        if not isinstance(form, Mapping):
            continue
        for name, value in form.items():
            if value is not None and value != "" and value != []:
                out[str(name)] = (value, ev)
    return out


def shown_fields(
    shows: Iterable[str],
    latest: Mapping[str, tuple[Any, Any]],
    specs: Mapping[str, Mapping[str, Any]],
    names: Mapping[str, str],
    localise: Callable[[str], str],
    hide: Callable[[Mapping[str, Any], Any], Any] | None = None,
) -> list[FieldValue]:
    """The earlier fields a task's form ``shows``, each with who gave it in which step."""
    out = []
    for name in shows:
        if name not in latest or name not in specs:
            continue
        value, ev = latest[name]
        spec = specs[name]
        if hide is not None:
            value = hide(spec, value)
        title = str((ev.data or {}).get("title") or "") if ev.action == "task.completed" else ""
        out.append(FieldValue(name, dict(spec.get("label") or {"zh": name, "en": name}), value,
                              value_text(spec, value, localise), type=str(spec.get("type")),
                              by=names.get(ev.actor, ev.actor), step=title))
    return out


def closure_of(
    status: str,
    outcome: str | None,
    outcome_name: dict[str, str],
    cards: list[StepCard],
    latest: Mapping[str, tuple[Any, Any]],
    specs: Mapping[str, Mapping[str, Any]],
    localise: Callable[[str], str],
    ended: dict[str, Any] | None = None,
) -> Closure:
    """A closed case's outcome, the customer's satisfaction (the last one recorded) and its path; a case
    withdrawn or merged has no outcome: ``ended`` says who ended it, when and why (or into which case)."""
    satisfaction = None
    if "satisfaction" in latest and "satisfaction" in specs:
        value, _ev = latest["satisfaction"]
        spec = specs["satisfaction"]
        satisfaction = FieldValue("satisfaction", dict(spec.get("label") or {}), value,
                                  value_text(spec, value, localise), type=str(spec.get("type")))
    return Closure(status=status, outcome=outcome, outcome_name=outcome_name, satisfaction=satisfaction,
                   path=[card.title for card in cards], ended=ended)
