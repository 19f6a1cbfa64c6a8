"""The process area's engine (issue 14): processes and their versions, process owners' drafts, deploying
a draft, and the diff of two versions on the diagram.

- **Reading** (``process.read``: process owners, managers, group-level staff): every process with its
  versions, the current one, who deployed it and the open cases per version (``process_catalog``).
- **Drafts** (``process.edit``): a process owner edits one process (its own diagram and forms file;
  the diagrams it calls are processes of their own) in the web modeler. Saving stores the draft for
  that owner and checks it at once against the current versions of everything else, the policy
  and the action registry (``engine.processes.check``): the findings are kept with the draft and
  name the elements the modeler marks. The form fields edited in the modeler come as data and are
  written back into the forms file, block by block, so the untouched tasks keep their text and
  comments (``forms_text``).
- **Deploying** (``process.deploy``) the saved draft: ``Runtime.deploy`` (a clean check, audited);
  the draft is then removed.
- **Choices** the modeler offers: the policy's lanes with their role and scope, its durations
  (for ``due`` and timers), its lists (``choices_from``), the field types and the registered actions
  with their typed parameters (``modeler_choices``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.errors import FormError, NotFoundError
from engine.permissions import Subject, Target, require, subject_of
from engine.processes.fields import FIELD_TYPES
from engine.runtime.access import load_staff
from engine.store.draft_repo import DraftRecord, DraftRepo

__all__ = [
    "FIELD_TYPE_NAMES",
    "MAX_DRAFT_BYTES",
    "ProcessSummary",
    "deploy_draft",
    "discard_draft",
    "draft_of",
    "forms_text",
    "modeler_choices",
    "process_catalog",
    "process_files",
    "save_draft",
    "version_diff",
]

BPMN_SUFFIX = ".bpmn"
FORMS_SUFFIX = ".forms.yaml"
MAX_DRAFT_BYTES = 2 * 1024 * 1024
FIELD_TYPE_NAMES = {"text": "单行文字", "textarea": "多行文字", "phone": "电话", "datetime": "日期时间",
                    "date": "日期", "choice": "单选", "multi_choice": "多选", "boolean": "是/否",
                    "integer": "整数", "amount": "金额"}
_PROCESS = Target("process", None)
# Problems that keep the forms file from loading (engine.processes: diagram.E030, E033–E036).
_UNREADABLE_FORMS = frozenset({"diagram.E030", "diagram.E033", "diagram.E034", "diagram.E035",
                               "diagram.E036"})


@dataclass(frozen=True)
class ProcessSummary:
    """One process for the process area: its versions (newest first) and the actor's draft, if any."""

    process_id: str
    name: str
    bpmn_name: str | None
    versions: list[Any]
    calls: list[str] = field(default_factory=list)
    draft: DraftRecord | None = None
    stage_of: str | None = None  # a stage (called_only): the process that calls it ("" if none does)
    depth: int = 0  # how many callers up to a process a case opens on (0 for such a process)

    @property
    def current(self) -> Any:
        """The current version's info (``VersionInfo``)."""
        return next((v for v in self.versions if v.record.current), None)

    @property
    def open_cases(self) -> int:
        """Open cases over every version."""
        return sum(v.open_cases for v in self.versions)


def _subject(runtime: Any, login: str) -> Subject:
    with runtime.store.read() as tx:
        return subject_of(load_staff(tx, login), tx.units())


def _require(runtime: Any, login: str, action: str) -> Subject:
    subject = _subject(runtime, login)
    require(subject, action, _PROCESS)
    return subject


def process_files(definition: Any) -> tuple[str, str]:
    """The process's own diagram file and its forms file (the names a draft edits)."""
    file = getattr(definition.spec, "file", None)
    bpmn = Path(file).name if file else f"{definition.process_id}{BPMN_SUFFIX}"
    return bpmn, bpmn[: -len(BPMN_SUFFIX)] + FORMS_SUFFIX


def process_catalog(runtime: Any, login: str) -> list[ProcessSummary]:
    """Every deployed process with its versions and open cases, and ``login``'s drafts (``process.read``)."""
    _require(runtime, login, "process.read")
    by_process: dict[str, list[Any]] = {}
    for info in runtime.process_versions():
        by_process.setdefault(info.record.process_id, []).append(info)
    with runtime.store.read() as tx:
        drafts = {d.process_id: d for d in DraftRepo(tx).drafts_of(login)}
    stages = runtime.process_stages()
    out = []
    for pid, depth in stage_order(list(by_process), stages):
        definition = runtime.current_definition(pid)
        out.append(ProcessSummary(pid, definition.spec.description or pid, process_files(definition)[0],
                                  sorted(by_process[pid], key=lambda v: -v.record.seq),
                                  list(definition.direct_calls), drafts.get(pid), stages.get(pid), depth))
    return out


def stage_order(processes: list[str], stages: dict[str, str]) -> list[tuple[str, int]]:
    """``processes`` sorted with each stage right under the process that calls it: (process, depth)."""
    children: dict[str, list[str]] = {}
    for stage, parent in stages.items():
        children.setdefault(parent, []).append(stage)
    present, out, seen = set(processes), [], set()

    def walk(pid: str, depth: int) -> None:
        if pid in seen or pid not in present:
            return
        seen.add(pid)
        out.append((pid, depth))
        for child in sorted(children.get(pid, [])):
            walk(child, depth + 1)

    for pid in sorted(processes):
        if stages.get(pid) not in present:  # a process, or a stage whose caller is not deployed
            walk(pid, 0)
    return out


def draft_of(runtime: Any, login: str, process_id: str) -> dict[str, Any]:
    """What the modeler opens: ``login``'s saved draft, else the current version (plain data)."""
    _require(runtime, login, "process.read")
    definition = runtime.current_definition(process_id)
    bpmn, forms = process_files(definition)
    current = runtime.resolve_version(process_id, "current")
    with runtime.store.read() as tx:
        draft = DraftRepo(tx).draft(login, process_id)
    if draft is not None:
        return {"process": process_id, "bpmn_name": draft.bpmn_name, "forms_name": draft.forms_name,
                "xml": draft.bpmn_text, "forms_text": draft.forms_text,
                "forms": _forms_data(draft.forms_text),
                "findings": draft.findings, "clean": draft.clean, "checked": True, "draft": True,
                "saved_at": draft.saved_at, "base_version": draft.base_version,
                "current": current.as_dict(), "stale": draft.base_version != current.version}
    text = definition.sources.get(forms, "")
    return {"process": process_id, "bpmn_name": bpmn, "forms_name": forms, "xml": definition.sources[bpmn],
            "forms_text": text, "forms": _forms_data(text), "findings": [], "clean": True, "checked": False,
            "draft": False, "saved_at": None, "base_version": current.version, "current": current.as_dict(),
            "stale": False}


def _forms_data(text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def save_draft(runtime: Any, login: str, process_id: str, xml: Any, forms: Any) -> DraftRecord:
    """Save ``login``'s draft (diagram XML and the forms as data) and check it (``process.edit``).

    Malformed input (not a text, not a mapping, too large) is a FormError and nothing is saved; a
    diagram or form with problems is saved with its findings, which say what to fix.
    """
    _require(runtime, login, "process.edit")
    if not isinstance(xml, str) or not xml.strip():
        raise _bad("xml", "the diagram is missing: send its BPMN XML as text", "缺少流程图（BPMN XML）")
    if len(xml.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise _bad("xml", f"the diagram is larger than {MAX_DRAFT_BYTES // 1024 // 1024} MB",
                   f"流程图超过 {MAX_DRAFT_BYTES // 1024 // 1024} MB")
    if not isinstance(forms, Mapping):
        raise _bad("forms", "the forms must be an object of start and tasks", "表单数据格式不正确")
    if "\x00" in xml:
        raise _bad("xml", "the diagram contains a NUL character", "流程图含有非法字符")
    definition = runtime.current_definition(process_id)
    bpmn, forms_name = process_files(definition)
    text = forms_text(definition.sources.get(forms_name, ""), dict(forms))
    if len(text.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise _bad("forms", "the forms file would be larger than 2 MB", "表单文件超过 2 MB")
    findings = check_draft(runtime, bpmn, xml, forms_name, text)
    current = runtime.resolve_version(process_id, "current")
    record = DraftRecord(login, process_id, bpmn, xml, forms_name, text, current.version,
                         findings, not findings, runtime.clock.now())
    with runtime.store.write() as tx:
        DraftRepo(tx).save(record)
    return record


def check_draft(runtime: Any, bpmn: str, xml: str, forms_name: str, text: str) -> list[dict[str, Any]]:
    """The findings of a draft against the current versions of every other file (plain data)."""
    from engine.processes.check import check_sources

    files = {**runtime.current_files(), bpmn: xml, forms_name: text}
    found = [f.as_dict() for f in check_sources(files, checked=[bpmn], policies=runtime.policies,
                                                 actions=runtime.actions)]
    if any(f["file"] == forms_name and f["code"] in _UNREADABLE_FORMS for f in found):
        # A forms file that does not load sets no names: every expression that reads a form field would
        # be listed too. The owner fixes the form first; the next save checks those names again.
        found = [f for f in found if f["code"] != "diagram.E039"]
    return [_on_element(f, xml) for f in found]


def _on_element(finding: dict[str, Any], xml: str) -> dict[str, Any]:
    """A start form's problem is marked on the process's start event."""
    if finding.get("element_id") == "start" and finding["file"].endswith(FORMS_SUFFIX):
        found = re.search(r"<(?:\w+:)?startEvent\b[^>]*\bid=\"([^\"]+)\"", xml)
        if found:
            finding = {**finding, "element_id": found.group(1)}
    return finding


def discard_draft(runtime: Any, login: str, process_id: str) -> bool:
    """Throw ``login``'s draft away (``process.edit``); True when there was one."""
    _require(runtime, login, "process.edit")
    with runtime.store.write() as tx:
        return DraftRepo(tx).discard(login, process_id)


def deploy_draft(runtime: Any, login: str, process_id: str) -> list[Any]:
    """Deploy ``login``'s saved draft as the new current version (``process.deploy``, a clean check)."""
    _require(runtime, login, "process.deploy")
    with runtime.store.read() as tx:
        draft = DraftRepo(tx).draft(login, process_id)
    if draft is None:
        raise NotFoundError(f"you have no saved draft of {process_id}; open it in the modeler and save first",
                            zh="您没有该流程的草稿：请先在建模器中修改并保存")
    done = runtime.deploy({draft.bpmn_name: draft.bpmn_text, draft.forms_name: draft.forms_text}, login)
    with runtime.store.write() as tx:
        DraftRepo(tx).discard(login, process_id)
    return list(done)


def _bad(name: str, message: str, zh: str) -> FormError:
    error = FormError(message, {name: message}, zh=zh)
    error.errors_zh = {name: zh}  # type: ignore[attr-defined]
    return error


# -- choices for the modeler ---------------------------------------------------------------------------
def modeler_choices(runtime: Any) -> dict[str, Any]:
    """What the modeler's kefu group picks from: lanes, durations, lists, field types, actions."""
    from engine.policy.catalogue import ENTRIES
    from engine.policy.rules import zh_lane

    policy = runtime.policies.effective(None)
    lanes = []
    for key, binding in sorted((policy.get("lanes") or {}).items()):
        role = str(binding.get("role"))
        lanes.append({"key": key, "role": role, "scope": binding.get("scope"),
                      "role_name": policy.name_of("roles", role), "label": zh_lane(policy, binding)})
    deadlines, lists = [], []
    for entry in ENTRIES:
        if entry.kind == "duration":
            try:
                value = policy.duration(entry.key).text
            except Exception:  # noqa: BLE001 - a key an overlay alone sets has no group value to show
                continue
            deadlines.append({"key": entry.key, "title": entry.title, "value": value})
        elif entry.kind == "records" and _is_choice_list(policy, entry.key):
            lists.append({"key": entry.key, "title": entry.title})
    deadlines.sort(key=lambda d: (".deadlines." not in d["key"], d["key"]))
    return {"lanes": lanes, "deadlines": deadlines, "lists": lists,
            "field_types": [{"code": t, "name": FIELD_TYPE_NAMES.get(t, t)} for t in FIELD_TYPES],
            "actions": runtime.actions.describe()}


def _is_choice_list(policy: Any, key: str) -> bool:
    try:
        value = policy.get(key)
    except Exception:  # noqa: BLE001 - not in the group policy
        return False
    return isinstance(value, list) and all(isinstance(v, Mapping) and "code" in v for v in value)


# -- the diff on the diagram ------------------------------------------------------------------------------
def version_diff(runtime: Any, login: str, process_id: str, old_ref: str, new_ref: str) -> dict[str, Any]:
    """Two versions' diagrams and what changed, with each element of the process's own diagram marked
    ``added``, ``removed`` or ``changed`` (``process.read``)."""
    _require(runtime, login, "process.read")
    diff = runtime.diff_versions(process_id, old_ref, new_ref)
    before = runtime.definition(process_id, diff["from"]["version"])
    after = runtime.definition(process_id, diff["to"]["version"])
    own = diff["specs"].get(process_id, {})
    marks: dict[str, str] = {}
    for kind in ("added", "removed", "changed"):
        for entry in own.get(kind, []):
            marks[entry["id"]] = kind
    for task in [*diff["forms"], *diff["tasks"]]:
        if task != "start":
            marks.setdefault(task, "changed")
    before_xml = before.sources[process_files(before)[0]]
    after_xml = after.sources[process_files(after)[0]]
    flows = diff["flows"].get(process_id, {"added": [], "removed": [], "changed": []})
    for kind in ("added", "removed", "changed"):
        for entry in flows[kind]:
            marks.setdefault(entry["id"], kind)
    return {**diff, "marks": marks, "flows": flows, "before_xml": before_xml, "after_xml": after_xml}


# -- the forms file, written back block by block ------------------------------------------------------------
def forms_text(old_text: str, data: dict[str, Any]) -> str:
    """The forms file ``data`` describes, keeping ``old_text``'s lines wherever a block did not change.

    A changed task (or the start form) is written anew, one field per line in flow style; tasks
    that did not change keep their text and comments. When the old file cannot be followed block by
    block, the whole file is written from ``data``.
    """
    old = _forms_data(old_text)
    if not old:
        return _dump_all(data)
    lines = old_text.splitlines(keepends=True)
    for key in [k for k in data if k != "tasks"] + [k for k in old if k != "tasks" and k not in data]:
        if old.get(key) != data.get(key):
            lines = _replace_block(lines, key, data.get(key), indent=0)
    old_tasks = old.get("tasks") or {}
    new_tasks = data.get("tasks") or {}
    if old_tasks != new_tasks:
        if "tasks" not in old:
            return _dump_all(data)
        for task in list(old_tasks) + [t for t in new_tasks if t not in old_tasks]:
            if old_tasks.get(task) != new_tasks.get(task):
                lines = _replace_block(lines, task, new_tasks.get(task), indent=2, parent="tasks")
    text = "".join(lines)
    try:
        if _forms_data(text) == json.loads(json.dumps(data)):
            return text
    except (TypeError, ValueError):
        pass
    return _dump_all(data)


def _dump_all(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)


def _flow(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False,
                          width=10**9).strip()


def _block(key: str, value: Any, indent: int, old: list[str] | None = None) -> list[str]:
    """The lines of ``key: value`` at ``indent``; lines of the ``old`` block whose meaning did not change
    (the head, a key, each unchanged field with its comments) are kept as they were written."""
    pad = " " * indent
    keys, fields_line, items = _old_parts(old or [], indent)
    if not isinstance(value, Mapping):
        return [f"{pad}{_flow({key: value})[1:-1]}\n"]
    out = [old[0] if old else f"{pad}{key}:\n"]
    for name, item in value.items():
        if name == "fields" and isinstance(item, list):
            if not item:
                out.append(f"{pad}  fields: []\n")
                continue
            out.append(fields_line or f"{pad}  fields:\n")
            unused = list(items)
            for f in item:
                same = next((lines for data, lines in unused if data == f), None)
                if same is not None:
                    unused = [(d, ls) for d, ls in unused if ls is not same]
                    out.extend(same)
                else:
                    out.append(f"{pad}    - {_flow(f)}\n")
        elif name in keys and keys[name][0] == item:
            out.append(keys[name][1])
        else:
            out.append(f"{pad}  {_flow({name: item})[1:-1]}\n")
    if len(out) == 1:
        out = [f"{pad}{key}: {{}}\n"]
    return out


def _old_parts(block: list[str], indent: int) -> tuple[dict[str, tuple[Any, str]], str | None,
                                                      list[tuple[Any, list[str]]]]:
    """An old block's one-line keys (name → (value, line)), its ``fields:`` line and its field items
    (value, lines); nothing where a part cannot be read back on its own."""
    keys: dict[str, tuple[Any, str]] = {}
    fields_line = None
    items: list[tuple[Any, list[str]]] = []
    inner = indent + 2
    i = 1
    while i < len(block):
        line = block[i]
        depth = len(line) - len(line.lstrip(" "))
        found = re.match(rf"^ {{{inner}}}(\w+)\s*:", line)
        if not found or depth != inner:
            i += 1
            continue
        if found.group(1) != "fields":
            try:
                parsed = yaml.safe_load(line)
            except yaml.YAMLError:
                parsed = None
            if isinstance(parsed, dict) and found.group(1) in parsed:
                keys[found.group(1)] = (parsed[found.group(1)], line)
            i += 1
            continue
        fields_line = line if line.split(":", 1)[1].split("#", 1)[0].strip() == "" else None
        i += 1
        pending: list[str] = []  # comment lines go with the field after them
        while i < len(block):
            start = block[i]
            depth = len(start) - len(start.lstrip(" "))
            if not start.lstrip(" ").startswith("- ") or depth <= inner:
                if start.strip() and depth <= inner:
                    break
                if start.strip() and not start.lstrip(" ").startswith("#"):
                    i += 1
                    continue
            lines = [start]
            i += 1
            while i < len(block) and (not block[i].strip() or
                                      len(block[i]) - len(block[i].lstrip(" ")) > depth):
                lines.append(block[i])
                i += 1
            if not start.lstrip(" ").startswith("- "):
                pending.extend(lines)  # a comment line between items
                continue
            try:
                parsed = yaml.safe_load("".join(line[depth:] for line in lines))
            except yaml.YAMLError:
                pending = []
                continue
            if isinstance(parsed, list) and len(parsed) == 1:
                items.append((parsed[0], pending + lines))
            pending = []
    return keys, fields_line, items


def _replace_block(lines: list[str], key: str, value: Any, *, indent: int,
                   parent: str | None = None) -> list[str]:
    """Replace (or add, or with ``value`` None remove) the block of ``key`` at ``indent``."""
    lo, hi = 0, len(lines)
    if parent is not None:
        start = next((i for i, line in enumerate(lines) if re.match(rf"{re.escape(parent)}\s*:", line)), None)
        if start is None:
            return lines
        lo = start + 1
        hi = next((i for i in range(lo, len(lines)) if lines[i].strip() and not lines[i].startswith(" ")),
                  len(lines))
    head = re.compile(rf"^ {{{indent}}}{re.escape(key)}\s*:")
    begin = next((i for i in range(lo, hi) if head.match(lines[i])), None)
    if begin is None:
        new = _block(key, value, indent) if value is not None else []
        if value is None:
            return lines
        end = hi
        while end > lo and not lines[end - 1].strip():
            end -= 1
        if end and not lines[end - 1].endswith("\n"):
            lines[end - 1] += "\n"
        return lines[:end] + new + lines[end:]
    end = begin + 1
    while end < hi and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip(" ")) > indent):
        end += 1
    while end > begin + 1 and not lines[end - 1].strip():
        end -= 1  # blank lines before the next block stay with it
    new = _block(key, value, indent, lines[begin:end]) if value is not None else []
    return lines[:begin] + new + lines[end:]
