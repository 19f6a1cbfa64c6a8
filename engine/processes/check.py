"""``check_sources``: every problem of a set of diagrams, against the policy and the action registry.

Loading a diagram (``ProcessDefinition.from_sources``) refuses what SpiffWorkflow or kefu cannot
run at all. Checking goes further and lists *every* problem a process owner must fix before a
version may be deployed, each as ``file:line: [element id] code message``:

    diagram.E001…E038  what loading refuses (see ``engine.processes``), all of them, not the first
    diagram.E023  a lane is not bound to a ``lanes:`` entry of the policy
    diagram.E039  an expression reads a name that no form field, script, action result or message sets
    diagram.E040  a ``deadline()``/``policy()`` call or a form's ``choices_from`` names an unknown
                  policy key
    diagram.E041  ``deadline()`` names a policy key that is not a duration
    diagram.E042  a form's ``shows`` names a field no form of these diagrams declares
    diagram.E050  a service task calls an action no domain module registers
    diagram.E051  a required action parameter is missing
    diagram.E052  a parameter the action does not declare
    diagram.E053  a parameter's declared type differs from the action's, or its literal value has another type

The result is plain data (:meth:`Finding.as_dict`) so the modeler can mark the elements on the canvas.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from engine.errors import DiagramError
from engine.processes.diagram import (
    BPMN_NS,
    SPIFF_NS,
    check_diagram_code,
    lane_bindings,
    parse_xml,
    service_operators,
)
from engine.processes.expressions import HOST_FUNCTION_NAMES, SAFE_BUILTINS
from engine.processes.forms import FormsFile, parse_forms

__all__ = ["RUNTIME_FIELDS", "Finding", "check_files", "check_sources"]

BPMN_SUFFIX = ".bpmn"
FORMS_SUFFIX = ".forms.yaml"
# Data every case has from its start (Runtime.open_case), besides its start form's fields.
RUNTIME_FIELDS = frozenset({"case_id", "case_number", "first_receiver", "received_at", "project",
                            "subsidiary"})
_CONSTANTS = frozenset({"True", "False", "None"})


@dataclass(frozen=True)
class Finding:
    """One problem: where (file, line, element) and what (stable code, message)."""

    path: str
    line: int | None
    element_id: str | None
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        element = f" [{self.element_id}]" if self.element_id else ""
        return f"{where}:{element} {self.code} {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """The finding as plain data (file is the file's name; path the full path given)."""
        return {"file": Path(self.path).name, "path": self.path, "line": self.line,
                "element_id": self.element_id, "code": self.code, "message": self.message}

    @classmethod
    def of(cls, error: DiagramError) -> Finding:
        """A finding from a load-time refusal."""
        return cls(error.path or "", error.line, error.element_id, error.code, error.message)


def check_files(paths: Sequence[str | Path], *, policies: Any = None, actions: Any = None) -> list[Finding]:
    """Check diagram files: each ``.bpmn`` with its ``.forms.yaml`` and the diagrams it calls, found
    next to it. Every problem is returned (an empty list means the files may be deployed)."""
    sources: dict[str, str] = {}
    findings: list[Finding] = []
    bases: set[Path] = set()
    checked: list[str] = []
    for raw in paths:
        path = Path(raw)
        name = path.name
        if name.endswith(FORMS_SUFFIX):
            path = path.with_name(name[: -len(FORMS_SUFFIX)] + BPMN_SUFFIX)
            name = path.name
        if not name.endswith(BPMN_SUFFIX):
            findings.append(Finding(str(path), None, None, "diagram.E001",
                                    "not a .bpmn diagram (name the .bpmn file; its forms file comes along)"))
            continue
        try:
            sources[name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            findings.append(Finding(str(path), None, None, "diagram.E001", f"cannot read the file: {exc}"))
            continue
        checked.append(name)
        bases.add(path.parent)
    if len(bases) > 1:
        findings.append(Finding(", ".join(sorted(str(b) for b in bases)), None, None, "diagram.E003",
                                "check the diagrams of one directory at a time"))
        return findings
    base = next(iter(bases), Path("."))
    for sibling in sorted(base.glob(f"*{BPMN_SUFFIX}")) + sorted(base.glob(f"*{FORMS_SUFFIX}")):
        if sibling.name not in sources:
            try:
                sources[sibling.name] = sibling.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # a broken neighbour is reported only when it is checked itself
    return findings + check_sources(sources, checked=checked, policies=policies, actions=actions,
                                    base_dir=base)


def check_sources(sources: Mapping[str, str], *, checked: Iterable[str] | None = None, policies: Any = None,
                  actions: Any = None, base_dir: str | Path | None = None) -> list[Finding]:
    """Every problem of the diagrams ``checked`` (file names; default: every ``.bpmn`` of ``sources``).

    ``sources`` maps file names to texts and may hold more files (the diagrams they call, other
    forms). ``policies`` (a ``PolicySet``) enables the lane and policy-key checks, ``actions`` (an
    ``ActionRegistry``) the service-task checks.
    """
    return _Checker(dict(sources), base_dir, policies, actions).run(
        sorted(checked) if checked is not None else sorted(n for n in sources if n.endswith(BPMN_SUFFIX)))


class _Checker:
    def __init__(self, sources: dict[str, str], base: str | Path | None, policies: Any, actions: Any) -> None:
        self.sources = sources
        self.base = Path(base) if base is not None else None
        self.policies = policies
        self.actions = actions
        self.findings: list[Finding] = []
        self.roots: dict[str, etree._Element] = {}
        self.forms: dict[str, FormsFile] = {}
        self._group: Any = None

    def path(self, name: str) -> str:
        return str(self.base / name) if self.base is not None else name

    def add(self, name: str, line: int | None, element_id: str | None, code: str, message: str) -> None:
        self.findings.append(Finding(self.path(name), line, element_id, code, message))

    def run(self, checked: list[str]) -> list[Finding]:
        from engine.processes.registry import ProcessDefinition, processes_in, sources_for

        for name in sorted(n for n in self.sources if n.endswith(BPMN_SUFFIX)):
            try:
                self.roots[name] = parse_xml(self.sources[name], self.path(name))
            except DiagramError as exc:
                if name in checked:
                    self.findings.append(Finding.of(exc))
        for name in checked:
            root = self.roots.get(name)
            if root is None:
                continue
            self.findings.extend(Finding.of(p) for p in check_diagram_code(root, self.path(name)))
            forms = self._forms(name)
            self._check_lanes(name, root)
            self._check_policy_keys(name, root, forms)
            self._check_actions(name, root)
            self._check_names(name, root)
            self._check_shows(name, forms)
        # What loading refuses (SpiffWorkflow's parse, forms, lanes): every problem of every process.
        texts = {n: t for n, t in self.sources.items() if n in self.roots or n.endswith(FORMS_SUFFIX)}
        try:
            processes, calls = processes_in(texts, self.base or Path("."))
        except DiagramError as exc:
            self.findings.append(Finding.of(exc))
            processes, calls = {}, {}
        for process_id, file in sorted(processes.items()):
            if file not in checked:
                continue
            try:
                ProcessDefinition.build(process_id, sources_for(process_id, texts, processes, calls),
                                        base_dir=self.base)
            except DiagramError as exc:
                self.findings.extend(Finding.of(p) for p in getattr(exc, "problems", [exc]))
        return _unique(self.findings)

    # -- forms ---------------------------------------------------------------------------------------
    def _forms(self, bpmn: str) -> FormsFile | None:
        name = bpmn[: -len(BPMN_SUFFIX)] + FORMS_SUFFIX
        if name not in self.sources:
            return None
        if name not in self.forms:
            try:
                self.forms[name] = parse_forms(self.sources[name], self.path(name))
            except DiagramError:
                return None  # reported by the load check
        return self.forms[name]

    def _policy(self) -> Any:
        """The group policy: overlays may change values but add no keys and no lanes."""
        if self.policies is None:
            return None
        if self._group is None:
            self._group = self.policies.effective(None)
        return self._group

    # -- lanes ---------------------------------------------------------------------------------------
    def _check_lanes(self, name: str, root: etree._Element) -> None:
        policy = self._policy()
        if policy is None:
            return
        known = sorted(_lanes(policy))
        seen: set[str | None] = set()
        for binding in lane_bindings(root).values():
            if binding.lane_id in seen or binding.key in known:
                continue
            seen.add(binding.lane_id)
            lane = root.find(f".//{{{BPMN_NS}}}lane[@id='{binding.lane_id}']") if binding.lane_id else None
            hint = difflib.get_close_matches(binding.key, known, n=1)
            tip = f"did you mean {hint[0]!r}?" if hint else f"known: {', '.join(known)}"
            self.add(name, lane.sourceline if lane is not None else None, binding.lane_id, "diagram.E023",
                     f"lane {binding.label!r} is bound to {binding.key!r}, which is not a key of the "
                     f"policy's lanes: ({tip}); bind the lane with its policy_lane property")

    # -- policy keys -----------------------------------------------------------------------------------
    def _check_policy_keys(self, name: str, root: etree._Element, forms: FormsFile | None) -> None:
        policy = self._policy()
        if policy is None:
            return
        for el, text, owner in _expressions(root):
            for func, key, offset in _literal_calls(text, {"deadline", "policy"}):
                line = el.sourceline + offset
                if not policy.has(key):
                    hint = difflib.get_close_matches(key, policy.keys(), n=1)
                    tip = f"; did you mean {hint[0]!r}?" if hint else ""
                    self.add(name, line, owner, "diagram.E040",
                             f"{func}({key!r}): the policy has no key {key!r}{tip}")
                elif func == "deadline":
                    try:
                        policy.duration(key)
                    except Exception as exc:  # the policy raises its own typed errors; any is a finding
                        self.add(name, line, owner, "diagram.E041",
                                 f"deadline({key!r}): the policy value is not a duration ({exc})")
        if forms is None:
            return
        for form in [forms.start, *forms.tasks.values()]:
            for spec in form.fields:
                if spec.choices_from and not policy.has(spec.choices_from):
                    line = forms.lines.get(form.name) if form.name != "start" else None
                    self.findings.append(Finding(forms.path, line, form.name, "diagram.E040",
                                                 f"field {spec.name!r}: choices_from "
                                                 f"{spec.choices_from!r} is not a key of the policy"))

    # -- actions -------------------------------------------------------------------------------------
    def _check_actions(self, name: str, root: etree._Element) -> None:
        if self.actions is None:
            return
        from engine.actions import type_of_value

        for op in service_operators(root):
            if op.action not in self.actions:
                self.add(name, op.line, op.task_id, "diagram.E050",
                         f"no action {op.action!r}{self.actions.hint(op.action)}")
                continue
            action = self.actions.get(op.action)
            for param in action.params:
                if param.required and param.name not in op.params:
                    self.add(name, op.line, op.task_id, "diagram.E051",
                             f"action {op.action!r} needs parameter {param.name!r} "
                             f"({param.label}, {param.type})")
            for pname, (ptype, value) in op.params.items():
                line = op.param_lines.get(pname, op.line)
                declared = action.param(pname)
                if declared is None:
                    close = difflib.get_close_matches(pname, action.param_names, n=1)
                    tip = (f"; did you mean {close[0]!r}?" if close
                           else f"; it takes {', '.join(action.param_names)}")
                    self.add(name, line, op.task_id, "diagram.E052",
                             f"action {op.action!r} has no parameter {pname!r}{tip}")
                    continue
                if ptype and ptype != declared.type and declared.type != "any":
                    self.add(name, line, op.task_id, "diagram.E053",
                             f"parameter {pname!r} of {op.action!r} is {declared.type}, not {ptype}; "
                             f"write type=\"{declared.type}\"")
                literal = _literal(value)
                if literal is not _NOT_LITERAL and literal is not None and declared.type != "any":
                    from engine.actions.registry import accepts

                    if not accepts(declared.type, literal):
                        self.add(name, line, op.task_id, "diagram.E053",
                                 f"parameter {pname!r} of {op.action!r} must be {declared.type}; the value "
                                 f"{value.strip()!r} is {type_of_value(literal)}")

    # -- names read but never set ----------------------------------------------------------------------
    def _check_shows(self, name: str, forms: FormsFile | None) -> None:
        """Each ``shows`` entry is a field some form declares (this diagram's, a caller's or a callee's)."""
        if forms is None or not any(form.shows for form in forms.tasks.values()):
            return
        declared: set[str] = set()
        for bpmn in self.roots:
            other = self._forms(bpmn)
            if other is not None:
                for form in [other.start, *other.tasks.values()]:
                    declared.update(form.field_names)
        forms_name = name[: -len(BPMN_SUFFIX)] + FORMS_SUFFIX
        for task_id, form in forms.tasks.items():
            for shown in form.shows:
                if shown not in declared:
                    hint = difflib.get_close_matches(shown, sorted(declared), n=1)
                    tip = f"; did you mean {hint[0]!r}?" if hint else ""
                    self.add(forms_name, forms.lines.get(task_id), task_id, "diagram.E042",
                             f"form {task_id!r} shows {shown!r}, which no form declares{tip}")

    def _check_names(self, name: str, root: etree._Element) -> None:
        known = set(RUNTIME_FIELDS) | _CONSTANTS | HOST_FUNCTION_NAMES | SAFE_BUILTINS
        for bpmn, other in self.roots.items():
            known |= _set_names(other)
            forms = self._forms(bpmn)
            if forms is not None:
                for form in [forms.start, *forms.tasks.values()]:
                    known.update(form.field_names)
        for el, text, owner in _expressions(root):
            if el.tag in _TIMER_TAGS and _UNQUOTED_ISO.fullmatch(text.strip()):
                continue  # an unquoted ISO duration: diagram.E014 says how to fix it
            for unknown, offset in _reads(text, el):
                if _refused_name(unknown):
                    continue  # the allow-list reports it (E011 a dunder, E012 a builtin), once
                if unknown not in known:
                    what = etree.QName(el).localname
                    hint = difflib.get_close_matches(unknown, sorted(known - _CONSTANTS), n=1)
                    tip = f"; did you mean {hint[0]!r}?" if hint else ""
                    self.add(name, el.sourceline + offset, owner, "diagram.E039",
                             f"{_what(what, el)} reads {unknown!r}, which no form field, script, action "
                             f"result or message sets{tip}")


_NOT_LITERAL = object()


def _refused_name(name: str) -> bool:
    """A name the allow-list refuses whatever sets it: a dunder, or a builtin that is not safe."""
    return (name.startswith("__") and name.endswith("__")) or (hasattr(builtins, name)
                                                               and name not in SAFE_BUILTINS)


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _NOT_LITERAL


def _lanes(policy: Any) -> dict[str, Any]:
    try:
        return dict(policy.get("lanes"))
    except Exception:  # a policy without lanes: every lane is unknown
        return {}


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for f in findings:
        key = (f.path, f.line, f.element_id, f.code, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return sorted(out, key=lambda f: (f.path, f.line or 0, f.code))


_S = f"{{{SPIFF_NS}}}"
_B = f"{{{BPMN_NS}}}"
_TIMER_TAGS = {f"{_B}timeDate", f"{_B}timeDuration", f"{_B}timeCycle"}
_EVAL_TAGS = {f"{_B}conditionExpression", *_TIMER_TAGS}
_UNQUOTED_ISO = re.compile(r"(R\d*_?)?P(T?\d)\w*", re.IGNORECASE)
_EXEC_TAGS = {f"{_B}script", f"{_S}preScript", f"{_S}postScript"}


def _owner(el: etree._Element) -> str | None:
    from engine.processes.diagram import owner_id

    return owner_id(el)


_PROPERTY_EXPRESSIONS = frozenset({"due", "assignee", "statistic_due", "statistic_done"})


def _expressions(root: etree._Element) -> Iterable[tuple[etree._Element, str, str | None]]:
    """(element, text, owner id) of every expression and script (texts that do not parse are skipped:
    the allow-list reports them)."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in _EVAL_TAGS or el.tag in _EXEC_TAGS:
            yield el, el.text or "", _owner(el)
        elif el.tag == f"{_S}property" and el.get("name") in _PROPERTY_EXPRESSIONS:
            yield el, el.get("value") or "", _owner(el)
        elif el.tag == f"{_S}parameter":
            yield el, el.get("value") or "", _owner(el)


def _parse(text: str) -> ast.AST | None:
    from engine.processes.expressions import _dedent

    try:
        return ast.parse(_dedent(text).strip() or "None", mode="exec")
    except SyntaxError:
        return None


def _literal_calls(text: str, names: set[str]) -> Iterable[tuple[str, str, int]]:
    """(function, literal first argument, line offset) of calls to ``names`` in ``text``."""
    tree = _parse(text)
    if tree is None:
        return
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names
                and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            yield node.func.id, node.args[0].value, getattr(node, "lineno", 1) - 1


def _set_names(root: etree._Element) -> set[str]:
    """Names a diagram sets: script assignments, action results, message variables."""
    out: set[str] = set()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in _EXEC_TAGS:
            tree = _parse(el.text or "")
            if tree is not None:
                for node in ast.walk(tree):
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                        out.add(node.id)
        elif el.tag == f"{_S}serviceTaskOperator":
            task = el.getparent().getparent() if el.getparent() is not None else None
            task_id = task.get("id") if task is not None else ""
            out.add(el.get("resultVariable") or f"spiff__{task_id}_result")
        elif el.tag in {f"{_S}messageVariable", f"{_S}variableName"}:
            out.add((el.text or "").strip())
    return out


def _reads(text: str, el: etree._Element) -> Iterable[tuple[str, int]]:
    """(name, line offset) of every name an expression or script reads, minus comprehension variables."""
    tree = _parse(text)
    if tree is None:
        return
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.comprehension):
            bound.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
    is_script = el.tag in _EXEC_TAGS
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound:
            yield node.id, (node.lineno - 1) if is_script else 0


def _what(tag: str, el: etree._Element) -> str:
    if tag == "conditionExpression":
        return "the condition"
    if tag in {"timeDate", "timeDuration", "timeCycle"}:
        return "the timer"
    if tag == "property":
        return f"the {el.get('name')!r} property"
    if tag == "parameter":
        return f"parameter {el.get('id')!r}"
    return "the script"
