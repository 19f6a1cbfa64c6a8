"""Forms: the ``<process>.forms.yaml`` format, its parsing, and cleaning submitted data.

Format::

    start:                      # data accepted by open_case (optional; no fields when absent)
      required_from: visitor.required_fields   # optional: a policy list of the fields it requires
      fields: [...]
    tasks:
      intake:                   # a user-task id of the diagram
        title: {zh: 受理, en: Intake}                       # optional
        shows: [customer_request]   # optional: earlier fields the person decides on, shown above the form
        fields:
          - {name: customer_name, type: text, required: true, label: {zh: 客户姓名, en: Customer name}}
          - {name: category, type: choice, choices_from: complaint.categories, required: true}

Field keys: ``name`` (identifier, not reserved), ``type`` (see :data:`FIELD_TYPES`), ``required``,
``label`` and ``help`` (``{zh, en}`` or one text), ``choices`` (list of ``{code, name}``) or
``choices_from`` (a policy key holding such a list) for choice types, ``default``, ``min``/``max``
(integer, amount, date), ``max_length`` and ``pattern`` (text, textarea: a regular expression the
whole trimmed text must match, e.g. ``"#?[0-9]{1,9}"``).

``shows`` lists earlier fields (of the start form or of any task form of the process and the processes
it calls) that the case page shows above this task's form, with their latest values: what the person
decides on (the 督办令 for ``sign_order``). ``kefu process check`` reports a name no form declares
(``diagram.E042``).

``required_from`` names a policy list of field names that are required besides those marked
``required: true``; an entry ``a|b`` requires at least one of them. The policy, not the forms file,
then says what a unit requires (R4.1: a project may add the car plate to the visitor's register).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import yaml

from engine.errors import DiagramError, FormError
from engine.processes.expressions import RESERVED_NAMES
from engine.processes.fields import FIELD_TYPES, FieldRefused, convert
from engine.processes.host import policy_zone

__all__ = ["FieldSpec", "FormSpec", "FormsFile", "parse_forms"]

CHOICE_TYPES = ("choice", "multi_choice")
_FIELD_KEYS = {
    "name",
    "type",
    "required",
    "label",
    "help",
    "choices",
    "choices_from",
    "default",
    "min",
    "max",
    "max_length",
    "pattern",
}


@dataclass(frozen=True)
class FieldSpec:
    """One declared form field."""

    name: str
    type: str
    required: bool = False
    label: dict[str, str] = field(default_factory=dict)
    help: dict[str, str] | None = None
    choices: tuple[dict[str, Any], ...] | None = None
    choices_from: str | None = None
    default: Any = None
    min: Any = None
    max: Any = None
    max_length: int | None = None
    pattern: str | None = None

    def resolve_choices(self, policy: Any) -> list[dict[str, Any]]:
        """The ``{code, name}`` options: inline ``choices`` or the list at policy key ``choices_from``."""
        if self.choices is not None:
            return [dict(c) for c in self.choices]
        if self.choices_from is None:
            return []
        return normalise_choices(policy.get(self.choices_from))

    def describe(self, policy: Any) -> dict[str, Any]:
        """The field as plain data with resolved choices, for the web UI and the CLI."""
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "label": dict(self.label),
            "help": dict(self.help) if self.help else None,
            "choices": self.resolve_choices(policy) if self.type in CHOICE_TYPES else None,
            "default": self.default,
            "min": self.min,
            "max": self.max,
            "max_length": self.max_length,
            "pattern": self.pattern,
        }


@dataclass(frozen=True)
class FormSpec:
    """The fields of one user task (or of ``start``); cleans submitted data."""

    name: str
    fields: tuple[FieldSpec, ...] = ()
    title: dict[str, str] | None = None
    required_from: str | None = None
    shows: tuple[str, ...] = ()  # earlier fields shown above the form (what this step decides on)

    @property
    def field_names(self) -> tuple[str, ...]:
        """The declared field names, in order."""
        return tuple(f.name for f in self.fields)

    def required_groups(self, policy: Any) -> list[tuple[str, ...]]:
        """The policy's requirements (``required_from``): one tuple of field names per entry (``a|b``)."""
        if self.required_from is None:
            return []
        return [tuple(n.strip() for n in str(entry).split("|")) for entry in policy.get(self.required_from)]

    def describe(self, policy: Any) -> list[dict[str, Any]]:
        """Every field as plain data with resolved choices (``required`` includes the policy's)."""
        groups = self.required_groups(policy)
        out = []
        for spec in self.fields:
            item = spec.describe(policy)
            item["required"] = spec.required or (spec.name,) in groups
            one_of = next((list(g) for g in groups if len(g) > 1 and spec.name in g), None)
            if one_of:
                item["one_of"] = one_of
            out.append(item)
        return out

    def clean(self, data: Mapping[str, Any], policy: Any) -> dict[str, Any]:
        """Declared fields only, converted; raises FormError listing every bad or unknown field.

        Every declared field is in the result: an absent optional field gets its default or None.
        """
        if not isinstance(data, Mapping):
            raise FormError(
                f"form {self.name!r} expects a mapping of field → value, got {type(data).__name__}"
            )
        zone = policy_zone(policy)
        errors: dict[str, str] = {}
        errors_zh: dict[str, str] = {}
        accepted = ", ".join(self.field_names) or "(no fields)"
        for key in data:
            if key not in self.field_names:
                errors[str(key)] = f"unknown field {str(key)!r}; this form accepts: {accepted}"
                errors_zh[str(key)] = f"未知字段 {str(key)!r}；本表单可填：{accepted}"
        out: dict[str, Any] = {}
        for spec in self.fields:
            raw = data.get(spec.name)
            if _blank(raw):
                if spec.required:
                    errors[spec.name], errors_zh[spec.name] = "required", "必填"
                    continue
                raw = spec.default
                if _blank(raw):
                    out[spec.name] = None
                    continue
            choices = spec.resolve_choices(policy) if spec.type in CHOICE_TYPES else []
            try:
                out[spec.name] = convert(raw, spec, choices, zone)
            except FieldRefused as exc:
                errors[spec.name], errors_zh[spec.name] = exc.en, exc.zh
        for group in self.required_groups(policy):
            strays = [n for n in group if n not in self.field_names]
            if strays:  # a policy that names a field the form lacks: `kefu policy check` reports it too
                for name in strays:
                    errors[name] = (f"{self.required_from} requires field {name!r}, which form {self.name!r} "
                                    "does not have; fix the policy (kefu policy check)")
                    errors_zh[name] = f"策略要求的字段 {name!r} 不在表单中，请管理员修正策略"
                continue
            if any(name in errors or not _blank(out.get(name)) for name in group):
                continue
            zh = {f.name: f.label.get("zh", f.name) for f in self.fields}
            labels = "、".join(zh.get(n, n) for n in group)
            for name in group:
                if len(group) == 1:
                    errors[name], errors_zh[name] = "required", "必填"
                else:
                    errors[name] = f"required: give one of {', '.join(group)} ({self.required_from})"
                    errors_zh[name] = f"必填：{labels}至少填一项"
        if errors:
            zh_names = {f.name: f.label.get("zh", f.name) for f in self.fields}
            items = dict.fromkeys(msg if msg.startswith("必填：") or name not in zh_names
                                  else f"{zh_names[name]}：{msg}" for name, msg in errors_zh.items())
            error = FormError(f"{len(errors)} field(s) of form {self.name!r} are invalid", errors,
                              zh=f"请更正：{'；'.join(items)}")
            error.errors_zh = errors_zh  # type: ignore[attr-defined]
            raise error
        return out


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def normalise_choices(value: Any) -> list[dict[str, Any]]:
    """``[{code, name}]`` from a list of mappings, a list of codes, or a code → name mapping."""
    if isinstance(value, Mapping):
        return [{"code": k, "name": v} for k, v in value.items()]
    if not isinstance(value, list | tuple):
        raise ValueError(f"choices must be a list of {{code, name}}, got {value!r}")
    out = []
    for item in value:
        if isinstance(item, Mapping):
            if "code" not in item:
                raise ValueError(f"choice {dict(item)!r} has no 'code'")
            out.append({"code": item["code"], "name": item.get("name", item["code"])})
        elif isinstance(item, str | int) and not isinstance(item, bool):
            out.append({"code": item, "name": item})
        else:
            raise ValueError(f"choice {item!r} is neither a code nor {{code, name}}")
    return out


@dataclass(frozen=True)
class FormsFile:
    """A parsed forms file: the start form and the task forms with their lines."""

    path: str
    start: FormSpec
    tasks: dict[str, FormSpec]
    lines: dict[str, int]


class _Reader:
    """Turns composed YAML nodes into forms, raising DiagramError with the node's line."""

    def __init__(self, path: str, loader: yaml.SafeLoader) -> None:
        self.path = path
        self.loader = loader

    def fail(
        self, node: yaml.Node, message: str, element: str | None, code: str = "diagram.E036"
    ) -> DiagramError:
        return DiagramError(
            message, path=self.path, line=node.start_mark.line + 1, element_id=element, code=code
        )

    def value(self, node: yaml.Node) -> Any:
        return self.loader.construct_object(node, deep=True)

    def mapping(self, node: yaml.Node, what: str, element: str | None, code: str) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping", element, code)
        return {str(self.value(k)): v for k, v in node.value}

    def form(self, name: str, node: yaml.Node) -> FormSpec:
        body = self.mapping(node, f"form {name!r}", name, "diagram.E030")
        unknown = sorted(set(body) - {"fields", "title", "required_from", "shows"})
        if unknown:
            raise self.fail(
                node,
                f"form {name!r} has unknown key(s) {unknown}; allowed: fields, title, required_from, shows",
                name,
                "diagram.E030",
            )
        title = self.text_pair(body["title"], "title", name) if "title" in body else None
        required_from = self.value(body["required_from"]) if "required_from" in body else None
        if required_from is not None and (not isinstance(required_from, str) or not required_from):
            raise self.fail(body["required_from"], f"form {name!r}: 'required_from' must name a policy key",
                            name, "diagram.E030")
        shows = self.value(body["shows"]) if "shows" in body else []
        if not isinstance(shows, list) or not all(isinstance(n, str) and n.isidentifier() for n in shows):
            raise self.fail(body["shows"], f"form {name!r}: 'shows' is a list of field names, got {shows!r}",
                            name, "diagram.E030")
        fields_node = body.get("fields")
        if fields_node is None or (
            isinstance(fields_node, yaml.ScalarNode) and self.value(fields_node) is None
        ):
            return FormSpec(name=name, fields=(), title=title, required_from=required_from,
                            shows=tuple(shows))
        if not isinstance(fields_node, yaml.SequenceNode):
            raise self.fail(fields_node, f"'fields' of form {name!r} must be a list", name, "diagram.E030")
        specs: list[FieldSpec] = []
        for item in fields_node.value:
            spec = self.field(name, item)
            if spec.name in {s.name for s in specs}:
                raise self.fail(
                    item, f"field {spec.name!r} appears twice in form {name!r}", name, "diagram.E034"
                )
            specs.append(spec)
        return FormSpec(name=name, fields=tuple(specs), title=title, required_from=required_from,
                        shows=tuple(shows))

    def text_pair(self, node: yaml.Node, what: str, element: str) -> dict[str, str]:
        raw = self.value(node)
        if isinstance(raw, str):
            return {"zh": raw, "en": raw}
        if (
            isinstance(raw, Mapping)
            and set(raw) <= {"zh", "en"}
            and raw
            and all(isinstance(v, str) for v in raw.values())
        ):
            return {"zh": raw.get("zh", raw.get("en", "")), "en": raw.get("en", raw.get("zh", ""))}
        hint = ""
        if isinstance(raw, Mapping) and None in raw.values():
            hint = '; quote a text that contains a comma, e.g. en: "Evidence (photos, video)"'
        raise self.fail(node, f"{what} must be a text or {{zh: …, en: …}}, got {raw!r}{hint}", element)

    def field(self, form: str, node: yaml.Node) -> FieldSpec:
        body = self.mapping(node, f"a field of form {form!r}", form, "diagram.E036")
        raw = {k: self.value(v) for k, v in body.items()}
        name = raw.get("name")
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            raise self.fail(
                node,
                f"field name {name!r} in form {form!r} is not a plain identifier "
                "(letters, digits, '_', not starting with '_')",
                form,
                "diagram.E033",
            )
        if name in RESERVED_NAMES:
            raise self.fail(
                node,
                f"field name {name!r} in form {form!r} is reserved (a host function, builtin "
                "or keyword would be shadowed); rename it",
                form,
                "diagram.E033",
            )
        unknown = sorted(set(raw) - _FIELD_KEYS)
        if unknown:
            raise self.fail(
                node, f"field {name!r} has unknown key(s) {unknown}; allowed: {sorted(_FIELD_KEYS)}", form
            )
        kind = raw.get("type")
        if kind not in FIELD_TYPES:
            raise self.fail(
                node,
                f"field {name!r} has type {kind!r}; use one of: {', '.join(FIELD_TYPES)}",
                form,
                "diagram.E035",
            )
        choices = None
        if kind in CHOICE_TYPES:
            if ("choices" in raw) == ("choices_from" in raw):
                raise self.fail(
                    node, f"{kind} field {name!r} needs exactly one of 'choices' or 'choices_from'", form
                )
            if "choices" in raw:
                try:
                    choices = tuple(normalise_choices(raw["choices"]))
                except ValueError as exc:
                    raise self.fail(body["choices"], f"field {name!r}: {exc}", form) from None
            elif not isinstance(raw["choices_from"], str) or not raw["choices_from"]:
                raise self.fail(node, f"field {name!r}: 'choices_from' must name a policy key", form)
        elif "choices" in raw or "choices_from" in raw:
            raise self.fail(node, f"field {name!r} of type {kind} takes no choices", form)
        if not isinstance(raw.get("required", False), bool):
            raise self.fail(node, f"field {name!r}: 'required' must be true or false", form)
        max_length = raw.get("max_length")
        if max_length is not None and (
            kind not in ("text", "textarea")
            or not isinstance(max_length, int)
            or isinstance(max_length, bool)
            or max_length < 1
        ):
            raise self.fail(node, f"field {name!r}: 'max_length' is a positive integer for text fields", form)
        pattern = raw.get("pattern")
        if pattern is not None:
            if kind not in ("text", "textarea") or not isinstance(pattern, str):
                raise self.fail(node, f"field {name!r}: 'pattern' is a regular expression for text fields",
                                form)
            try:
                re.compile(pattern)
            except re.error as exc:
                raise self.fail(node, f"field {name!r}: {pattern!r} is not a regular expression ({exc})",
                                form) from None
        if (raw.get("min") is not None or raw.get("max") is not None) and kind not in (
            "integer",
            "amount",
            "date",
        ):
            raise self.fail(
                node, f"field {name!r}: 'min'/'max' apply to integer, amount and date fields", form
            )
        spec = FieldSpec(
            name=name,
            type=kind,
            required=raw.get("required", False),
            label=self.text_pair(body["label"], "label", form)
            if "label" in body
            else {"zh": name, "en": name},
            help=self.text_pair(body["help"], "help", form) if "help" in body else None,
            choices=choices,
            choices_from=raw.get("choices_from"),
            default=raw.get("default"),
            min=_plain(raw.get("min")),
            max=_plain(raw.get("max")),
            max_length=max_length,
            pattern=pattern,
        )
        if spec.default is not None and spec.choices_from is None:
            try:
                convert(spec.default, spec, list(spec.choices or ()), UTC)
            except FieldRefused as exc:
                raise self.fail(body["default"], f"field {name!r}: default {exc.en}", form) from None
        return spec


def _plain(value: Any) -> Any:
    """YAML reads ``2026-01-01`` as a date; keep bounds as text so they compare with cleaned values."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def parse_forms(text: str, path: str) -> FormsFile:
    """Parse a forms file's text; DiagramError (with path and line) when it is malformed."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise DiagramError(f"not valid YAML: {exc}", path=path, line=line, code="diagram.E030") from None
        reader = _Reader(path, loader)
        if root is None:
            return FormsFile(path=path, start=FormSpec("start"), tasks={}, lines={})
        top = reader.mapping(root, "a forms file", None, "diagram.E030")
        unknown = sorted(set(top) - {"start", "tasks"})
        if unknown:
            raise reader.fail(
                root,
                f"unknown top-level key(s) {unknown}; a forms file has 'start' and 'tasks'",
                None,
                "diagram.E030",
            )
        start = reader.form("start", top["start"]) if "start" in top else FormSpec("start")
        tasks: dict[str, FormSpec] = {}
        lines: dict[str, int] = {}
        tasks_node = top.get("tasks")
        if tasks_node is not None and not (isinstance(tasks_node, yaml.ScalarNode) and not tasks_node.value):
            reader.mapping(tasks_node, "'tasks'", None, "diagram.E030")
            for key_node, node in tasks_node.value:
                task_id = str(reader.value(key_node))
                tasks[task_id] = reader.form(task_id, node)
                lines[task_id] = key_node.start_mark.line + 1
        return FormsFile(path=path, start=start, tasks=tasks, lines=lines)
    finally:
        loader.dispose()
