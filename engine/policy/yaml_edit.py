"""Change one rule of an overlay's YAML text in place: the form per rule of the policy editor.

``set_rule(text, key, value)`` writes ``value`` at the dotted ``key`` and leaves every other line,
comment and blank line as it was: an existing value is replaced where it stands (its trailing comment
kept), a missing key is added under its nearest existing parent at that parent's indentation.
``set_record(text, key, item)`` adds an entry to a list of records (``channels``, ``complaint.categories``)
or replaces the entry with the same ``code``. ``form_value(kind, text)`` reads what a form field sent
for a rule of that kind (a duration as written, a number, a list of codes). The result is checked
like any draft: a value out of bounds is saved and shown on its line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from engine.errors import FormError

__all__ = ["LIST_KINDS", "SCALAR_KINDS", "form_text", "form_value", "render", "set_record", "set_rule"]

SCALAR_KINDS = ("duration", "schedule", "count", "money", "percent", "years", "flag", "text", "timezone",
                "clock", "days", "deadline_key", "role", "department")
LIST_KINDS = ("texts", "roles", "departments", "weekend", "working_hours")
_SPLIT = re.compile(r"[,，、;；\s]+")


def render(value: Any) -> str:
    """``value`` as one line of YAML (flow style for lists and mappings)."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000, sort_keys=False)
    return text.removesuffix("\n...\n").strip()


def _bad(key: str, message: str, zh: str) -> FormError:
    error = FormError(f"{key}: {message}", {"value": message}, zh=zh)
    error.errors_zh = {"value": zh}  # type: ignore[attr-defined]
    return error


def form_value(kind: str, key: str, text: str) -> Any:
    """The value a rule form sent, read for its kind; FormError for a number that is not one."""
    text = text.strip()
    if kind in ("count", "money", "percent"):
        try:
            number = float(text)
        except ValueError:
            raise _bad(key, f"{text!r} is not a number", f"“{text}”不是数字") from None
        return int(number) if number.is_integer() else number
    if kind == "years":
        return "permanent" if text in ("permanent", "永久") else form_value("count", key, text)
    if kind == "flag":
        return text in ("true", "1", "on", "yes", "是")
    if kind == "duration" and text.startswith("{"):  # a composite, as the form shows it
        try:
            composite = yaml.safe_load(text)
        except yaml.YAMLError:
            composite = None
        if not isinstance(composite, dict):
            raise _bad(key, f"{text!r} is not a composite duration", f"“{text}”不是有效的复合时限")
        return composite
    if kind in LIST_KINDS:
        return [part for part in _SPLIT.split(text) if part]
    if not text:
        raise _bad(key, "a value is required", "请填写取值")
    return text


def form_text(value: Any) -> str:
    """A rule's value as its form field shows it (lists comma-separated, composites in one line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict | list):
        return render(value)
    return str(value)


def _compose(text: str) -> yaml.MappingNode:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        raise _bad("yaml", "the YAML cannot be read; fix it in the code editor first",
                   "YAML 无法解析，请先在代码编辑器中修正") from None
    if not isinstance(node, yaml.MappingNode):
        raise _bad("yaml", "the file is not a mapping of keys", "文件须为“键: 值”的映射")
    return node


def _child(node: yaml.MappingNode, name: str) -> tuple[yaml.Node, yaml.Node] | None:
    return next(((k, v) for k, v in node.value if getattr(k, "value", None) == name), None)


def _replace(text: str, node: yaml.Node, rendered: str) -> str:
    start, end = node.start_mark.index, node.end_mark.index
    if isinstance(node, yaml.CollectionNode) and not node.flow_style:
        # a block list or mapping: its span ends at the start of the line after it
        tail = text[start:end]
        newline = "\n" if tail.endswith("\n") else ""
        return text[:start] + rendered + newline + text[end:]
    return text[:start] + rendered + text[end:]


def _insert(text: str, parent: yaml.MappingNode | None, root: yaml.MappingNode, names: list[str],
            rendered: str) -> str:
    where = parent if parent is not None else root
    if where.flow_style:
        raise _bad(".".join(names), "the parent is written on one line; change it in the code editor",
                   "上级写在同一行内，请在代码编辑器中修改")
    indent = where.value[0][0].start_mark.column if where.value else 0
    lines = [f"{' ' * (indent + 2 * i)}{name}:" for i, name in enumerate(names[:-1])]
    lines.append(f"{' ' * (indent + 2 * (len(names) - 1))}{names[-1]}: {rendered}")
    block = "\n".join(lines) + "\n"
    if parent is None:  # a new top-level section at the end of the file
        body = text if text.endswith("\n") or not text else text + "\n"
        return body + ("\n" if body.strip() else "") + block
    at = _after_content(text, where.end_mark.index)
    head = text[:at]
    if not head.endswith("\n"):
        head += "\n"
    return head + block + text[at:]


def _after_content(text: str, at: int) -> int:
    """``at`` moved back over the blank lines a block's span ends with (a new line goes above them)."""
    content = len(text[:at].rstrip())
    newline = text.find("\n", content)
    return at if newline < 0 or newline + 1 > at else newline + 1


def set_rule(text: str, key: str, value: Any) -> str:
    """``text`` with ``key`` set to ``value`` (replaced where it stands, or added under its parent)."""
    root = _compose(text)
    names = key.split(".")
    node: yaml.MappingNode = root
    parent: yaml.MappingNode | None = None
    for depth, name in enumerate(names):
        found = _child(node, name)
        if found is None:
            return _insert(text, parent if depth else None, root, names[depth:], render(value)) \
                if depth else _insert(text, None, root, names, render(value))
        if depth == len(names) - 1:
            return _replace(text, found[1], render(value))
        if not isinstance(found[1], yaml.MappingNode):
            raise _bad(key, f"{'.'.join(names[: depth + 1])} is not a section", "该处不是一个分节")
        parent = node = found[1]
    return text


def set_record(text: str, key: str, item: dict[str, Any]) -> str:
    """``text`` with the record ``item`` added to the list ``key``, or replacing the one with its code."""
    root = _compose(text)
    names = key.split(".")
    node: yaml.MappingNode = root
    for name in names[:-1]:
        found = _child(node, name)
        if found is None or not isinstance(found[1], yaml.MappingNode):
            return set_rule(text, key, [item])
        node = found[1]
    found = _child(node, names[-1])
    if found is None or not isinstance(found[1], yaml.SequenceNode):
        return set_rule(text, key, [item])
    sequence = found[1]
    for entry in sequence.value:
        if isinstance(entry, yaml.MappingNode):
            code = _child(entry, "code")
            if code is not None and code[1].value == item.get("code"):
                return _replace(text, entry, render(item))
    if sequence.flow_style or not sequence.value:
        values = yaml.safe_load(text[sequence.start_mark.index:sequence.end_mark.index]) or []
        return _replace(text, sequence, render([*values, item]))
    indent = sequence.start_mark.column
    at = _after_content(text, sequence.end_mark.index)
    head = text[:at] if text[:at].endswith("\n") else text[:at] + "\n"
    return head + f"{' ' * indent}- {render(item)}\n" + text[at:]
