"""Check one policy file against the catalogue: known keys, the right kind of value, record fields."""

from __future__ import annotations

from difflib import get_close_matches
from string import Formatter
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.calendar import parse_weekend, parse_working_hours
from engine.durations import Capped, parse_duration, parse_schedule
from engine.errors import CalendarError, DurationError
from engine.policy.catalogue import (
    CHOICES,
    ENTRIES,
    ESCALATION_SCOPES,
    LANE_FIELDS,
    LANE_SCOPES,
    RECORD_FIELDS,
    Entry,
    tree,
)
from engine.policy.catalogue import entry as catalogue_entry
from engine.policy.loader import CODE_PATTERN, PolicyFile, item_path
from engine.policy.problems import Problems, did_you_mean

__all__ = ["check_file", "check_message", "check_references", "check_scalar", "leaves"]

_TREE = tree()
_REMOVE_WORDS = {"remove", "delete", "drop", "exclude"}


def leaves(values: dict[str, Any], node: dict[str, Any] | None = None, prefix: str = "") -> dict[str, Any]:
    """The catalogued leaf keys present in ``values`` (dotted key -> value)."""
    node = _TREE if node is None else node
    found: dict[str, Any] = {}
    for name, value in values.items():
        spec = node.get(name)
        key = f"{prefix}{name}"
        if isinstance(spec, Entry):
            found[key] = value
        elif isinstance(spec, dict) and isinstance(value, dict):
            found.update(leaves(value, spec, key + "."))
    return found


def _hint(name: str, node: dict[str, Any], prefix: str) -> str:
    """A sibling close to ``name``, else a deeper key of the same name (``complaint.reply`` → deadlines)."""
    if get_close_matches(name, list(node), n=1, cutoff=0.6):
        return did_you_mean(name, node)
    deeper = [e.key for e in ENTRIES if e.key.startswith(prefix) and e.key.rpartition(".")[2] == name]
    if deeper:
        return f"; did you mean {deeper[0]!r}?"
    return did_you_mean(name, node)


_CHANNELS = ("in_app", "email", "sms", "wecom")


def check_message(value: Any, fields: list[str]) -> tuple[str, str] | None:
    """``(code, message)`` when ``value`` is not ``{zh: [subject, body], en: […], channels?: […]}`` whose
    placeholders are all among ``fields``."""
    shape = "{zh: [subject, body], en: [subject, body]} (and channels: [...] if wanted)"
    if not isinstance(value, dict) or not {"zh", "en"} <= set(value) or set(value) - {"zh", "en", "channels"}:
        return "policy.E005", f"a message is {shape}, not {value!r}"
    channels = value.get("channels", ["in_app"])
    if not isinstance(channels, list) or not channels or any(c not in _CHANNELS for c in channels):
        return "policy.E008", f"channels {channels!r} must list some of {', '.join(_CHANNELS)}"
    for locale in ("zh", "en"):
        texts = value[locale]
        if not isinstance(texts, list) or len(texts) != 2 or not all(isinstance(t, str) and t for t in texts):
            return "policy.E005", f"{locale} must be [subject, body], two texts, not {texts!r}"
        for text in texts:
            try:
                names = {name for _, name, _, _ in Formatter().parse(text) if name is not None}
            except ValueError as exc:
                return "policy.E008", f"{text!r} is not a message text ({exc}); write {{{{ for a brace"
            unknown = sorted(n for n in names if n not in fields)
            if unknown:
                return "policy.E008", (f"{{{unknown[0]}}} in {text!r} is not filled in by kefu"
                                       f"{did_you_mean(unknown[0], fields)}; available: "
                                       f"{', '.join('{' + f + '}' for f in fields)}")
    return None


def check_scalar(kind: str, value: Any) -> tuple[str, str] | None:
    """``(code, message)`` when ``value`` is not a valid value of ``kind`` (records and lanes excluded)."""
    if kind == "duration":
        if isinstance(value, bool) or isinstance(value, int | float):
            return "policy.E005", (
                f"{value!r} is a number where a duration is expected; write e.g. '30 minutes'"
            )
        try:
            parse_duration(value)
        except DurationError as exc:
            return "policy.E006", exc.message
        return None
    if kind == "schedule":
        if not isinstance(value, str):
            return "policy.E005", f"{value!r} is not a schedule text; write e.g. 'daily at 09:30'"
        try:
            parse_schedule(value)
        except DurationError as exc:
            return "policy.E007", exc.message
        return None
    if kind in ("count", "money", "percent"):
        whole = kind == "count"
        if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
            what = "a whole number" if whole else "a number"
            return "policy.E005", f"{value!r} is not {what}; write e.g. {'5' if whole else '100'}"
        if value < 0 or (kind == "percent" and value > 100):
            limits = "0 to 100" if kind == "percent" else "0 or more"
            return "policy.E008", f"{value!r} is out of range; a {kind} is {limits}"
        return None
    if kind == "years":
        if value == "permanent":
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            return "policy.E005", f"{value!r} is not a number of years; write e.g. 10, or 'permanent'"
        return None
    if kind == "flag":
        return None if isinstance(value, bool) else ("policy.E005", f"{value!r} is not true or false")
    if kind in ("text", "role", "department", "timezone"):
        if not isinstance(value, str) or not value.strip():
            return "policy.E005", f"{value!r} is not a text"
        if kind == "timezone":
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                return "policy.E008", f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai"
        return None
    if kind in ("texts", "roles", "departments"):
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            return "policy.E005", f"{value!r} is not a list of texts; write e.g. [a, b]"
        if len(set(value)) != len(value):
            return "policy.E009", f"{value!r} lists an entry twice"
        return None
    if kind in CHOICES:
        if value not in CHOICES[kind]:
            options = " or ".join(repr(c) for c in CHOICES[kind])
            return "policy.E008", f"{value!r} is not {options}{did_you_mean(str(value), CHOICES[kind])}"
        return None
    if kind == "deadline_key":
        target = catalogue_entry(value) if isinstance(value, str) else None
        if target is None or target.kind != "duration":
            durations = [e.key for e in ENTRIES if e.kind == "duration"]
            hint = did_you_mean(str(value), durations)
            return "policy.E026", f"{value!r} is not the key of a deadline{hint}"
        return None
    if kind == "working_hours":
        try:
            parse_working_hours(value)
        except (CalendarError, TypeError) as exc:
            return "policy.E008", exc.message if isinstance(exc, CalendarError) else f"bad hours {value!r}"
        return None
    if kind == "weekend":
        try:
            parse_weekend(value)
        except (CalendarError, TypeError) as exc:
            return "policy.E008", exc.message if isinstance(exc, CalendarError) else f"bad weekend {value!r}"
        return None
    raise AssertionError(kind)  # pragma: no cover - every catalogue kind is handled


class _FileChecker:
    def __init__(self, policy: PolicyFile, problems: Problems) -> None:
        self.policy = policy
        self.problems = problems

    def add(self, code: str, message: str, key: str) -> None:
        self.problems.add(code, message, self.policy.path, self.policy.line(key))

    def branch(self, values: Any, node: dict[str, Any], prefix: str, complete: bool) -> None:
        if not isinstance(values, dict):
            self.add(
                "policy.E005",
                f"{prefix.rstrip('.') or 'the file'} must be a mapping of keys "
                f"({', '.join(sorted(node))}), not {values!r}",
                prefix.rstrip("."),
            )
            return
        for name, value in values.items():
            key = f"{prefix}{name}"
            spec = node.get(name)
            if spec is None:
                self.add("policy.E004", f"unknown key {key!r}{_hint(name, node, prefix)}", key)
            elif isinstance(spec, Entry):
                self.leaf(spec, value, key)
            else:
                self.branch(value, spec, key + ".", complete)
        if complete:
            for name, spec in node.items():
                if name not in values:
                    key = f"{prefix}{name}"
                    what = "key" if isinstance(spec, Entry) else "section"
                    self.add(
                        "policy.E015",
                        f"group.yaml must define the {what} {key!r} (every rule has a "
                        "group value that overlays adapt)",
                        prefix.rstrip("."),
                    )

    def leaf(self, spec: Entry, value: Any, key: str) -> None:
        if spec.kind == "message":
            found = check_message(value, spec.fields.split())
            if found:
                self.add(found[0], f"{key}: {found[1]}", key)
        elif spec.kind == "records":
            self.records(spec, value, key)
        elif spec.kind == "lane":
            self.lane(value, key)
        else:
            found = check_scalar(spec.kind, value)
            if found:
                self.add(found[0], f"{key}: {found[1]}", key)

    def records(self, spec: Entry, value: Any, key: str) -> None:
        if isinstance(value, dict) and _REMOVE_WORDS & set(value):
            self.add(
                "policy.E019",
                f"{key}: entries cannot be removed, the group list is add-only; list "
                "only the entries to add or change (each with its code)",
                key,
            )
            return
        if not isinstance(value, list):
            self.add("policy.E005", f"{key} must be a list of entries such as - {{code: x, name: …}}", key)
            return
        fields = RECORD_FIELDS[spec.fields]
        seen: set[str] = set()
        for index, item in enumerate(value):
            path = item_path(key, item, index)
            if not isinstance(item, dict):
                self.add("policy.E005", f"{path} must be a mapping with a code, not {item!r}", path)
                continue
            code = item.get("code")
            if not isinstance(code, str) or not CODE_PATTERN.match(code):
                self.add(
                    "policy.E009",
                    f"{path} needs a code of lower-case letters, digits and '_' (got {code!r})",
                    path,
                )
                continue
            if code in seen:
                self.add("policy.E009", f"{key}: code {code!r} is listed twice; keep one entry", path)
            seen.add(code)
            for name, field_value in item.items():
                kind_required = fields.get(name)
                if kind_required is None:
                    self.add(
                        "policy.E004",
                        f"{path}: unknown field {name!r}{did_you_mean(name, fields)}",
                        f"{path}.{name}",
                    )
                    continue
                kind = kind_required[0]
                if isinstance(kind, tuple):
                    if field_value not in kind:
                        self.add("policy.E008", f"{path}.{name}: {field_value!r} is not one of "
                                 f"{', '.join(kind)}{did_you_mean(str(field_value), kind)}", f"{path}.{name}")
                elif name != "code":
                    found = check_scalar(kind, field_value)
                    if found:
                        self.add(found[0], f"{path}.{name}: {found[1]}", f"{path}.{name}")
            for name, (_kind, required) in fields.items():
                if required and name not in item:
                    self.add("policy.E015", f"{path} lacks the field {name!r}", path)

    def lane(self, lane: Any, path: str) -> None:
        if not isinstance(lane, dict):
            self.add("policy.E005", f"{path} must be {{role: …, scope: …}}, not {lane!r}", path)
            return
        for field_name in lane:
            if field_name not in LANE_FIELDS:
                self.add(
                    "policy.E004",
                    f"{path}: unknown field {field_name!r}{did_you_mean(field_name, LANE_FIELDS)}",
                    f"{path}.{field_name}",
                )
        if "sticky" in lane and not isinstance(lane["sticky"], bool):
            self.add("policy.E005", f"{path}.sticky must be true or false, not {lane['sticky']!r}",
                     f"{path}.sticky")
        if not isinstance(lane.get("not_first_receiver", False), bool):
            self.add("policy.E005", f"{path}.not_first_receiver must be true or false",
                     f"{path}.not_first_receiver")
        if "role" not in lane or "scope" not in lane:
            self.add("policy.E015", f"{path} needs both role and scope", path)
        scope = lane.get("scope")
        if scope is not None and scope not in LANE_SCOPES:
            hint = did_you_mean(str(scope), LANE_SCOPES)
            self.add("policy.E008", f"{path}.scope: {scope!r} is not a scope{hint}", f"{path}.scope")
        if "escalate_to" in lane:
            self.escalation(lane["escalate_to"], f"{path}.escalate_to")

    def escalation(self, levels: Any, path: str) -> None:
        """``escalate_to``: a list of ``{role, scope}``, nearest level first (R5.2 主管以上)."""
        if not isinstance(levels, list) or not levels:
            self.add("policy.E005", f"{path} must be a list of levels {{role: …, scope: …}}, nearest first, "
                     f"not {levels!r}", path)
            return
        for index, level in enumerate(levels):
            where = f"{path}[{index}]"
            if not isinstance(level, dict):
                self.add("policy.E005", f"{where} must be {{role: …, scope: …}}, not {level!r}", where)
                continue
            for field_name in level:
                if field_name not in ("role", "scope"):
                    self.add("policy.E004", f"{where}: unknown field {field_name!r}; a level has only role "
                             "and scope", f"{where}.{field_name}")
            if "role" not in level or "scope" not in level:
                self.add("policy.E015", f"{where} needs both role and scope", where)
            scope = level.get("scope")
            if scope is not None and scope not in ESCALATION_SCOPES:
                hint = did_you_mean(str(scope), ESCALATION_SCOPES)
                self.add("policy.E008", f"{where}.scope: {scope!r} is not a scope of a level above "
                         f"(a unit of the case){hint}", f"{where}.scope")


def check_file(policy: PolicyFile, problems: Problems) -> None:
    """Record every unknown key, wrong type and missing group key of ``policy`` in ``problems``."""
    values = dict(policy.values)
    values.pop("bounds", None)
    _FileChecker(policy, problems).branch(values, _TREE, "", complete=policy.level == "group")


def _refs(kind: str, value: Any) -> list[str]:
    if kind in ("role", "department"):
        return [value] if isinstance(value, str) else []
    if kind in ("roles", "departments"):
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    return []


def _check_cap(key: str, value: Any, found: dict[str, Any], where: Any, problems: Problems) -> None:
    """A ``never_after`` key must name another duration of the policy that is not capped itself."""
    try:
        duration = parse_duration(value)
    except DurationError:
        return  # reported by the file check
    if not isinstance(duration, Capped):
        return
    target = duration.never_after
    spec = catalogue_entry(target)
    problem = None
    if target == key:
        problem = "names the key itself"
    elif spec is None or spec.kind != "duration" or target not in found:
        durations = [e.key for e in ENTRIES if e.kind == "duration" and e.key in found]
        problem = f"is not a deadline of this policy{did_you_mean(target, durations)}"
    else:
        try:
            if isinstance(parse_duration(found[target]), Capped):
                problem = "is capped itself; a cap is a plain or composite duration"
        except DurationError:
            return
    if problem:
        path, line = where(key)
        problems.add("policy.E026", f"{key}: never after {target!r} {problem}", path, line)


def check_references(values: dict[str, Any], where: Any, problems: Problems) -> None:
    """Record every role, department or capping deadline named in the effective ``values`` that is unknown.

    ``where(key)`` gives the ``(path, line)`` the key came from.
    """
    known: dict[str, set[str]] = {
        "role": {str(r.get("code")) for r in values.get("roles", []) if isinstance(r, dict)},
        "department": {str(d.get("code")) for d in values.get("departments", []) if isinstance(d, dict)},
    }

    def check(kind: str, value: Any, key: str) -> None:
        base = kind.rstrip("s")
        for name in _refs(kind, value):
            if name not in known[base]:
                listed = "roles" if base == "role" else "departments"
                path, line = where(key)
                problems.add(
                    "policy.E010",
                    f"{key}: {name!r} is not a known {base}"
                    f"{did_you_mean(name, known[base])}; declare it under {listed}: or fix the code",
                    path,
                    line,
                )

    found = leaves(values)
    for key, value in found.items():
        spec = catalogue_entry(key)
        assert spec is not None
        if spec.kind == "duration":
            _check_cap(key, value, found, where, problems)
        elif spec.kind == "records" and isinstance(value, list):
            fields = RECORD_FIELDS[spec.fields]
            for index, item in enumerate(value):
                if not isinstance(item, dict):
                    continue
                path = item_path(key, item, index)
                for name, field_value in item.items():
                    if name in fields:
                        kind = fields[name][0]
                        if isinstance(kind, str):
                            check(kind, field_value, f"{path}.{name}")
        elif spec.kind == "lane" and isinstance(value, dict):
            check("role", value.get("role"), f"{key}.role")
            levels = value.get("escalate_to")
            for index, level in enumerate(levels if isinstance(levels, list) else []):
                if isinstance(level, dict):
                    check("role", level.get("role"), f"{key}.escalate_to[{index}].role")
        else:
            check(spec.kind, value, key)
