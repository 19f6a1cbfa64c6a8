"""Read one policy file: YAML composed node by node so every value keeps its line number."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from engine.policy.problems import Problems

__all__ = ["CODE_PATTERN", "PolicyFile", "item_path", "read_policy_file"]

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*$")
# libyaml's loader when PyYAML was built with it (several times faster); the same nodes and marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def item_path(parent: str, item: Any, index: int) -> str:
    """The provenance path of a list item: ``key[code]`` for records, ``key[index]`` otherwise."""
    if isinstance(item, dict) and isinstance(item.get("code"), str):
        return f"{parent}[{item['code']}]"
    return f"{parent}[{index}]"


@dataclass
class PolicyFile:
    """One parsed policy file: plain values, the line of every key/item, and its place in the tree."""

    path: Path
    code: str
    level: str  # "group" | "subsidiary" | "project"
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    extends: str | None = None
    shown: str = ""  # the path shown in provenance: relative to the policy directory's parent

    def line(self, key: str) -> int:
        """The line of ``key`` (or of its nearest parent that has one; 1 for the file)."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = _parent(key)
        return 1


def _parent(key: str) -> str:
    if key.endswith("]"):
        return key[: key.rindex("[")]
    return key.rpartition(".")[0]


class _Builder:
    def __init__(self, path: Path, problems: Problems) -> None:
        self.path = path
        self.problems = problems
        self.lines: dict[str, int] = {}
        self._constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, key: str) -> Any:
        if key:
            self.lines.setdefault(key, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, key)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, child in enumerate(node.value):
                provisional = f"{key}[{index}]"
                value = self.build(child, provisional)
                final = item_path(key, value, index)
                if final != provisional:
                    self._rename(provisional, final)
                items.append(value)
            return items
        value = self._constructor.construct_object(node, deep=True)
        if isinstance(value, datetime | date):
            return value.isoformat()
        return value

    def _mapping(self, node: yaml.MappingNode, key: str) -> dict[str, Any]:
        self._constructor.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            name = self._constructor.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(name, str):
                self.problems.add(
                    "policy.E005",
                    f"key {name!r} is not a text; write keys as words such as 'reply'",
                    self.path,
                    line,
                )
                continue
            if name in result:
                self.problems.add(
                    "policy.E003", f"key {name!r} appears twice in this mapping; keep one", self.path, line
                )
                continue
            child = f"{key}.{name}" if key else name
            self.lines[child] = line
            result[name] = self.build(value_node, child)
        return result

    def _rename(self, old: str, new: str) -> None:
        for existing in [k for k in self.lines if k == old or k.startswith((old + ".", old + "["))]:
            self.lines[new + existing[len(old) :]] = self.lines.pop(existing)


def read_policy_file(
    path: Path, code: str, level: str, problems: Problems, root: Path | None = None, text: str | None = None
) -> PolicyFile | None:
    """Parse ``path`` (or ``text`` given for it: a draft or a published version); YAML and shape errors go
    to ``problems`` and return None.

    ``root`` is the policy directory; provenance shows paths as ``<root name>/<path in root>``.
    """
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.add("policy.E001", f"cannot read the file: {exc}", path, None)
            return None
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        problems.add(
            "policy.E001",
            f"not valid YAML: {problem}; check indentation, colons and quotes near this line",
            path,
            line,
        )
        return None
    if node is None or not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1 if node is not None else 1
        problems.add(
            "policy.E002",
            "a policy file must be a mapping of keys (e.g. 'extends: group' then the keys that differ)",
            path,
            line,
        )
        return None
    builder = _Builder(path, problems)
    try:
        values = builder.build(node, "")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.add(
            "policy.E001",
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            path,
            mark.line + 1 if mark is not None else None,
        )
        return None
    shown = str(path)
    if root is not None and path.is_relative_to(root):
        shown = str(Path(root.name) / path.relative_to(root))
    policy = PolicyFile(path=path, code=code, level=level, values=values, lines=builder.lines, shown=shown)
    extends = values.pop("extends", None)
    if extends is not None and not isinstance(extends, str):
        problems.add(
            "policy.E005",
            f"extends must name a unit code such as 'group', not {extends!r}",
            path,
            policy.line("extends"),
        )
    else:
        policy.extends = extends
    return policy
