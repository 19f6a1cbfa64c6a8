"""JSON Schemas of the forms files: what the API accepts for each start form and task form.

The schema of a field is a strict subset of what the engine's converter takes
(``engine/processes/fields.py``), so every value the schema allows is accepted by the engine; the
API checks each request against it first, so every value it refuses is refused with a 422 naming
the field. Both directions are what the OpenAPI document promises (``webui/openapi.py``) and
what the Schemathesis run in ``tests/webui/test_api_contract.py`` holds the API to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from engine.identity import IdDocumentError, check_id_document
from engine.processes.fields import DEFAULT_MAX_LENGTH
from engine.processes.forms import CHOICE_TYPES, FieldSpec, FormSpec

__all__ = ["FormSchemas", "field_schema", "form_schema", "problems"]

# The characters str.strip() removes (str.isspace), written out so the class means the same in
# Python's and ECMAScript's regular expressions; NUL is refused everywhere.
_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NO_NUL = "^[^\\x00]*$"
NOT_BLANK = f"^[^\\x00]*[^\\x00{_SPACE}][^\\x00]*$"
# A mobile may carry +86/0086 and be grouped 3-4-4 with spaces, hyphens or brackets, as people write it.
_MOBILE = "((\\+86|0086)[- ]?)?\\(?1[3-9][0-9]\\)?[- ]?\\(?[0-9]{4}\\)?[- ]?\\(?[0-9]{4}\\)?"
PHONE = (f"^({_MOBILE}|0[12][0-9]{{8,9}}|0[3-9][0-9]{{9,10}}|0[0-9]{{2,3}}-[0-9]{{7,8}}"
         "|400-?[0-9]{3}-?[0-9]{4})$")
_DAY = ("(0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
        "|02-(0[1-9]|1[0-9]|2[0-8])")
_TIME = "T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])?"
DEFAULT_YEARS = (2000, 2099)


def _digits(low: str, high: str) -> str:
    """A regex for the digit strings of one length from ``low`` to ``high``."""
    if low == high:
        return low
    if len(low) == 1:
        return f"[{low}-{high}]"
    if low[0] == high[0]:
        return low[0] + _digits(low[1:], high[1:])
    nines, zeros = "9" * (len(low) - 1), "0" * (len(low) - 1)
    parts = [low[0] + _digits(low[1:], nines)]
    if int(high[0]) - int(low[0]) > 1:
        parts.append(f"[{int(low[0]) + 1}-{int(high[0]) - 1}]" + "[0-9]" * (len(low) - 1))
    parts.append(high[0] + _digits(zeros, high[1:]))
    return "(" + "|".join(parts) + ")"


def year_patterns(years: tuple[int, int] = DEFAULT_YEARS) -> tuple[str, str]:
    """(date, date-time) patterns of real calendar days in ``years`` (a leap day only in leap years)."""
    low, high = years
    year = _digits(str(low), str(high))
    leaps = "|".join(str(y) for y in range(low, high + 1) if y % 4 == 0 and (y % 100 or y % 400 == 0))
    day = f"({year}-({_DAY})" + (f"|({leaps})-02-29)" if leaps else ")")
    return f"^{day}$", f"^{day}{_TIME}$"


DATE, DATETIME = year_patterns()
AMOUNT = "^[0-9]{1,9}(\\.[0-9]{1,2})?$"
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def field_schema(spec: FieldSpec, policy: Any, days: tuple[str, str] = (DATE, DATETIME)) -> dict[str, Any]:
    """The JSON Schema of one field (``null`` allowed when it is optional); ``days``: the (date,
    date-time) patterns of the years the calendar covers."""
    kind = spec.type
    schema: dict[str, Any]
    if kind in ("text", "textarea"):
        limit = spec.max_length or DEFAULT_MAX_LENGTH[kind]
        schema = {"type": "string", "maxLength": limit, "pattern": NOT_BLANK if spec.required else NO_NUL}
        if spec.pattern:  # the engine trims, then matches the whole text
            schema["pattern"] = f"^({spec.pattern})$"
        if spec.required:
            schema["minLength"] = 1
    elif kind == "phone":
        schema = {"type": "string", "pattern": PHONE, "examples": ["13800138000", "0755-12345678"]}
    elif kind == "datetime":
        schema = {"type": "string", "pattern": days[1], "examples": ["2026-11-23T14:30:00+08:00"],
                  "description": "ISO 8601 in a year the calendar covers; without an offset, the policy's "
                                 "time zone"}
    elif kind == "date":
        schema = {"type": "string", "pattern": days[0], "examples": ["2026-11-23"]}
    elif kind in CHOICE_TYPES:
        codes = [c["code"] for c in spec.resolve_choices(policy)]
        item: dict[str, Any] = {"enum": codes}
        schema = item if kind == "choice" else {"type": "array", "items": item, "uniqueItems": True,
                                                "minItems": 1 if spec.required else 0}
    elif kind == "boolean":
        schema = {"enum": [True, False, "true", "false"]}
    elif kind == "integer":
        low = INT_MIN if spec.min is None else max(INT_MIN, int(spec.min))
        high = INT_MAX if spec.max is None else min(INT_MAX, int(spec.max))
        schema = {"type": "integer", "minimum": low, "maximum": high}
    elif kind == "amount":
        schema = {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 999_999_999},
                            {"type": "string", "pattern": AMOUNT}],
                  "description": "yuan: a whole number, or a text with up to 2 decimals such as \"1280.50\""}
    else:  # pragma: no cover - FIELD_TYPES is closed
        raise ValueError(f"no JSON Schema for field type {kind!r}")
    if spec.type in ("date",) and (spec.min is not None or spec.max is not None):
        schema["description"] = f"between {spec.min or '…'} and {spec.max or '…'}"
    schema["title"] = spec.label.get("en", spec.name)
    if not spec.required:
        schema = {"anyOf": [schema, {"type": "null"}], "title": schema["title"]}
    return schema


def form_schema(form: FormSpec, policy: Any, extra: Mapping[str, Any] | None = None,
                days: tuple[str, str] = (DATE, DATETIME)) -> dict[str, Any]:
    """An object schema of a form: its declared fields only, the required ones required (those the
    form marks and those its ``required_from`` policy list names; ``a|b``: at least one of them)."""
    by_name = {f.name: f for f in form.fields}
    groups = [g for g in form.required_groups(policy) if all(n in by_name for n in g)]
    needed = {g[0] for g in groups if len(g) == 1}
    properties = {f.name: field_schema(replace(f, required=True) if f.name in needed else f, policy, days)
                  for f in form.fields}
    properties.update(extra or {})
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    required = [f.name for f in form.fields if f.required or f.name in needed]
    if required:
        schema["required"] = required
    def given(name: str) -> dict[str, Any]:
        return {"required": [name], "properties": {name: field_schema(replace(by_name[name], required=True),
                                                                     policy, days)}}

    alternatives = [{"anyOf": [given(n) for n in g]} for g in groups if len(g) > 1]
    if alternatives:
        schema["allOf"] = alternatives
    return schema


FORMATS = FormatChecker(formats=())


@FORMATS.checks("cn-resident-id", raises=IdDocumentError)
def _resident_id(value: object) -> bool:
    """A mainland resident ID (18 characters, birth date, GB 11643 check digit), as the engine checks it."""
    return not isinstance(value, str) or bool(check_id_document("resident_id", value))


def visitor_inputs(policy: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What the visitor desk's domain step reads beside the start form (``engine.visitors.register_visit``):
    the household and the ID number, which never enter the workflow's data, and the rules tying the
    number to its document type (and, where the policy checks IDs, requiring it for a walk-in)."""
    extra = {"household": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[A-Za-z0-9_.-]+$",
                           "description": "a household code of the project (404 when unknown)"},
             "id_number": {"type": "string", "minLength": 1, "maxLength": 40,
                           "examples": ["440305199003071236"],
                           "description": "checked against id_type (default resident_id); never stored in "
                                          "the workflow, masked in lists"}}
    kinds = {"passport": "^(?=.*[0-9])[A-Za-z0-9]{5,17}$", "hk_macau": "^[HMhm]([0-9]{8}|[0-9]{10})$",
             "taiwan": "^([0-9]{8}|[0-9]{10})$"}
    rules: list[dict[str, Any]] = [
        {"if": {"required": ["id_type"], "properties": {"id_type": {"const": kind}}},
         "then": {"properties": {"id_number": {"pattern": pattern}}}} for kind, pattern in kinds.items()]
    rules.append({"if": {"required": ["id_type"], "properties": {"id_type": {"enum": list(kinds)}}},
                  "else": {"properties": {"id_number": {"format": "cn-resident-id",
                                                        "examples": ["440305199003071236"]}}}})
    if policy.get("visitor.id_check"):
        rules.append({"if": {"required": ["booked"], "properties": {"booked": {"enum": [True, "true"]}}},
                      "else": {"required": ["id_number"]}})
    return extra, rules


def problems(schema: Mapping[str, Any], value: Any) -> dict[str, tuple[str, str]]:
    """Field (JSON path) → (English, Chinese) message for every way ``value`` breaks ``schema``."""
    found: dict[str, tuple[str, str]] = {}
    for error in Draft202012Validator(schema, format_checker=FORMATS).iter_errors(value):
        path = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            path = ".".join(p for p in (path, missing) if p)
            found.setdefault(path, ("required", "必填"))
        elif error.validator == "anyOf" and all("required" in b for b in error.validator_value):
            names = [b["required"][0] for b in error.validator_value]
            found.setdefault(names[0], (f"required: give one of {', '.join(names)}",
                                        f"必填：{'、'.join(names)} 至少填一项"))
        elif error.validator == "additionalProperties":
            accepted = ", ".join(sorted(error.schema.get("properties", {}))) or "none"
            found.setdefault(path or "body", (f"{error.message}; accepted: {accepted}",
                                              f"包含未定义的字段；可填：{accepted}"))
        else:
            en = _message(error)
            found.setdefault(path or "body", (en, f"不符合接口约定：{en}"))
    return found


def _message(error: Any) -> str:
    shown = repr(error.instance)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    schema = error.schema
    if error.validator == "format" and error.cause is not None:
        return str(error.cause)
    if error.validator in ("anyOf", "pattern", "type", "enum"):
        if "pattern" in schema and schema["pattern"] == PHONE:
            return f"{shown} is not a phone number such as 13800138000 or 0755-12345678"
        if "-02-" in str(schema.get("pattern", "")):  # the date and date-time patterns
            example = (schema.get("examples") or ["2026-11-23"])[0]
            return f"{shown} is not a date such as {example} in a year the calendar covers"
        if "enum" in schema:
            return f"{shown} is not one of: {', '.join(map(str, schema['enum']))}"
    return f"{shown}: {error.message}"[:300]


# The inputs of engine/intake.py's domain steps beside their start forms, by process.
DOMAIN_INPUTS = {"visitor_reception": visitor_inputs}


class FormSchemas:
    """Every start and task form of a registry as JSON Schemas (choices from ``policy``; dates within
    ``years``, those the calendar has data or rules for)."""

    def __init__(self, registry: Any, policy: Any, years: tuple[int, int] = DEFAULT_YEARS) -> None:
        days = self.days = year_patterns(years)
        self.policy = policy  # the group policy the choices come from (the API document reads it too)
        project = {"anyOf": [{"type": "string", "maxLength": 64, "pattern": NOT_BLANK}, {"type": "null"}],
                   "description": "a project code (default: the caller's project)"}
        self.start: dict[str, dict[str, Any]] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        # A stage (a call activity of another process, ``called_only``) has no start form: no case
        # opens on it; its tasks' forms are listed under it and under every process that calls it.
        self.stages: dict[str, str] = registry.stages()
        self.worker_only: dict[str, str] = {}  # process id → name of those only the worker opens
        for definition in registry.definitions():
            pid = definition.process_id
            for name in sorted(definition.forms):
                self.tasks[f"{pid}.{name}"] = form_schema(definition.forms[name], policy, days=days)
            if definition.called_only:
                continue
            if definition.worker_only:  # opened by the worker only (R2.13): no start form to send
                self.worker_only[pid] = definition.name
                continue
            self.start[pid] = form_schema(definition.start_form, policy, {"project": project}, days)
            if pid in DOMAIN_INPUTS:
                extra, rules = DOMAIN_INPUTS[pid](policy)
                self.start[pid]["properties"].update(extra)
                self.start[pid]["allOf"] = [*self.start[pid].get("allOf", []), *rules]
