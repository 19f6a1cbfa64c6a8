"""The process registry: every diagram in ``processes/`` parsed, checked and versioned once."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import UserTask

from engine.errors import DiagramError, NotFoundError, PermissionDenied
from engine.processes.diagram import (
    BPMN_NS,
    SPIFF_NS,
    check_diagram_code,
    element_index,
    has_flow_nodes,
    lane_bindings,
    parse_xml,
)
from engine.processes.forms import FormsFile, FormSpec, parse_forms

__all__ = ["DiagramInfo", "ProcessDefinition", "ProcessRegistry", "UserTaskInfo", "processes_in",
           "source_version",
           "sources_for"]

BPMN_SUFFIX = ".bpmn"
FORMS_SUFFIX = ".forms.yaml"
_NS = {"bpmn": BPMN_NS}


@dataclass(frozen=True)
class UserTaskInfo:
    """A user task of a definition: its id, title, lane (the policy ``lanes:`` key it is bound to, and
    the lane's label for people) and its ``due``/``assignee``/``notify`` expressions.

    ``notify`` gives role codes whose holders for the case are told at once when the task opens.
    ``statistic`` names the deadline kind the task counts for in the monthly statistics (R7.1:
    ``dispatch``, ``visit``, ``reply``, ``completion``, ``cooperation``), and ``statistic_due`` the
    deadline it is judged against when that is not the task's own ``due`` (the 督办令 is signed against the
    dispatch deadline) and ``statistic_done`` a condition on the completed form for the completion to
    count (the work step counts as completion only when the department reports it finished).
    """

    name: str
    title: str
    lane: str | None
    due_expr: str | None = None
    assignee_expr: str | None = None
    notify_expr: str | None = None
    process_id: str = ""
    file: str = ""
    lane_label: str | None = None
    statistic: str | None = None
    statistic_due_expr: str | None = None
    statistic_done_expr: str | None = None
    # ``not_completed_by``: user tasks of the same process, before this one, whose completer may not take
    # this one in the same run of the process (R6.3 a phone record's second signature is a second person)
    not_completed_by: tuple[str, ...] = ()


def _step_names(value: str | None) -> tuple[str, ...]:
    """The step ids of a ``not_completed_by`` property: separated by commas or spaces."""
    return tuple(dict.fromkeys(n for n in re.split(r"[\s,，]+", value or "") if n))


def _comes_before(spec: Any, earlier: str, later: str) -> bool:
    """True when the process ``spec`` has a path of sequence flows from step ``earlier`` to step ``later``."""
    by_id = {getattr(ts, "bpmn_id", None) or ts.name: ts for ts in spec.task_specs.values()}
    start, goal = by_id.get(earlier), by_id.get(later)
    if start is None or goal is None:
        return False
    seen: set[int] = set()
    todo = list(start.outputs)
    while todo:
        ts = todo.pop()
        if ts is goal:
            return True
        if id(ts) in seen:
            continue
        seen.add(id(ts))
        todo.extend(ts.outputs)
    return False


@dataclass(frozen=True)
class DiagramInfo:
    """One process of a definition's files: its id, name, file, the processes it calls and its call
    activities as (element id, called process id)."""

    process_id: str
    name: str
    file: str
    calls: tuple[str, ...]
    call_activities: tuple[tuple[str, str], ...]


@dataclass(frozen=True, eq=False)
class ProcessDefinition:
    """One runnable process: its SpiffWorkflow specs, forms, user tasks and the sources they came from."""

    process_id: str
    name: str
    version: str
    sources: Mapping[str, str]
    spec: Any
    subprocess_specs: dict[str, Any]
    start_form: FormSpec
    forms: Mapping[str, FormSpec]
    user_tasks: Mapping[str, UserTaskInfo] = field(default_factory=dict)
    # A stage of another process (a call activity of it) that no case opens on its own: the process's
    # ``<spiffworkflow:property name="called_only" value="true"/>`` (the complaint's stages say so).
    called_only: bool = False
    # Opened only by the worker, never by hand (web intake, API, CLI): the process's
    # ``<spiffworkflow:property name="worker_only" value="true"/>`` (R2.13 the volume escalation, opened by
    # the count of valid complaints). ``Runtime.open_case`` refuses it unless the worker asks.
    worker_only: bool = False

    def diagrams(self) -> list[DiagramInfo]:
        """The process and the processes its call activities run (transitively), each once, the caller
        before what it calls: for showing a case's diagrams (the called ones drill down from their caller).

        Read from the sources once per definition (a definition is one immutable process version; the
        case page asked for it on every view, parsing every BPMN file of the process each time)."""
        cached: tuple[DiagramInfo, ...] | None = self.__dict__.get("_diagrams")
        if cached is None:
            cached = tuple(self._read_diagrams())
            self.__dict__["_diagrams"] = cached  # frozen: set as a cache, not a field
        return list(cached)

    def described_forms(self, policy: Any) -> tuple[list[dict[str, Any]], Mapping[str, list[dict[str, Any]]]]:
        """The start form's and every task form's described fields (``FormSpec.describe``) under
        ``policy``: read-only, shared by every caller.

        Described once per policy fingerprint (the same fingerprint is the same values, and the
        definition one immutable process version): the case page described every form of its process
        on every view, each choice list a deep copy out of the policy. A policy without a fingerprint
        is described afresh."""
        fingerprint = getattr(policy, "fingerprint", None)
        cache: dict[str, Any] = self.__dict__.setdefault("_described", {})
        found = cache.get(fingerprint) if isinstance(fingerprint, str) else None
        if found is None:
            found = (self.start_form.describe(policy),
                     MappingProxyType({spec: form.describe(policy) for spec, form in self.forms.items()}))
            if isinstance(fingerprint, str):
                cache[fingerprint] = found
        return found

    def _read_diagrams(self) -> list[DiagramInfo]:
        found: dict[str, DiagramInfo] = {}
        for name, text in sorted(self.sources.items()):
            if not name.endswith(BPMN_SUFFIX):
                continue
            root = parse_xml(text, name)
            for node in root.xpath("//bpmn:process", namespaces=_NS):
                calls = tuple(dict.fromkeys(c.get("calledElement") for c in node.xpath(
                    ".//bpmn:callActivity[@calledElement]", namespaces=_NS)))
                activities = tuple((c.get("id"), c.get("calledElement")) for c in node.xpath(
                    ".//bpmn:callActivity[@calledElement]", namespaces=_NS))
                found[node.get("id")] = DiagramInfo(node.get("id"), node.get("name") or node.get("id"), name,
                                                    calls, activities)
        ordered: list[DiagramInfo] = []
        pending = [self.process_id]
        while pending:
            pid = pending.pop(0)
            info = found.get(pid)
            runs = pid == self.process_id or pid in self.subprocess_specs
            if info is None or info in ordered or not runs:
                continue
            ordered.append(info)
            pending[:0] = [c for c in info.calls if c]
        return ordered

    @property
    def interruptible_tasks(self) -> frozenset[str]:
        """The steps an interrupting timer can cancel: those with an interrupting boundary timer, and
        every step inside a call activity that has one (a list hides them while their case has a due
        timer the worker has not fired yet)."""
        from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
        from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent

        names: set[str] = set()
        called: list[str] = []
        for spec in (self.spec, *self.subprocess_specs.values()):
            for ts in spec.task_specs.values():
                if not (isinstance(ts, BoundaryEvent) and ts.cancel_activity
                        and isinstance(ts.event_definition, TimerEventDefinition)):
                    continue
                for split in ts.inputs:
                    for attached in split.outputs:
                        if not isinstance(attached, BoundaryEvent):
                            names.add(attached.name)
                            if isinstance(getattr(attached, "spec", None), str):  # a call activity
                                called.append(attached.spec)
        seen: set[str] = set()
        while called:
            spec_id = called.pop()
            if spec_id in seen or spec_id not in self.subprocess_specs:
                continue
            seen.add(spec_id)
            for ts in self.subprocess_specs[spec_id].task_specs.values():
                names.add(ts.name)
                if isinstance(getattr(ts, "spec", None), str):
                    called.append(ts.spec)
        return frozenset(names)

    @property
    def direct_calls(self) -> tuple[str, ...]:
        """The processes its own diagram calls from call activities (not what those call in turn)."""
        return tuple(sorted({str(getattr(ts, "spec", "") or "") for ts in self.spec.task_specs.values()
                             if type(ts).__name__ == "CallActivity"} - {""}))

    @property
    def lanes(self) -> frozenset[str]:
        """The lane names its user tasks use (each must be a key of the policy's ``lanes:`` map)."""
        return frozenset(t.lane for t in self.user_tasks.values() if t.lane)

    @classmethod
    def from_sources(
        cls, process_id: str, sources: Mapping[str, str], *, base_dir: str | Path | None = None
    ) -> ProcessDefinition:
        """Build (with every load-time check) from stored texts, file name → text; cached by version.

        ``base_dir`` only makes error paths point at real files.
        """
        version = source_version(sources)
        cached = _CACHE.get((process_id, version))
        if cached is not None:
            return cached
        definition = cls.build(process_id, sources, base_dir=base_dir)
        _CACHE[(process_id, version)] = definition
        return definition

    @classmethod
    def build(cls, process_id: str, sources: Mapping[str, str], *,
              base_dir: str | Path | None = None) -> ProcessDefinition:
        """Build without the cache (a check of a draft); DiagramError listing every problem found."""
        return _Builder(process_id, dict(sources), base_dir).build(source_version(sources))


_CACHE: dict[tuple[str, str], ProcessDefinition] = {}
CALLED_ONLY = "called_only"
WORKER_ONLY = "worker_only"


def worker_only_refusal(process_id: str, name: str = "") -> PermissionDenied:
    """The error for opening a ``worker_only`` process by hand (web intake, API, CLI): nobody may, the
    worker opens it when its count is reached (R2.13: the valid complaints of a project's window)."""
    title = name.split(" ")[0] if name else process_id
    return PermissionDenied(
        f"{process_id} ({name or process_id}) is opened only by the worker, when its threshold is reached "
        "(R2.13: the valid complaints a project receives in the counting window); nobody opens it by hand",
        zh=f"“{title}”由系统按有效投诉宗数自动发起（达到预警标准时），不能手工受理")


def _called_only(root: etree._Element, process_id: str, name: str = CALLED_ONLY) -> bool:
    """True when the process carries the ``called_only`` property (it runs only as a call activity), or
    the property ``name`` (``worker_only``: only the worker opens it)."""
    path = (f"//bpmn:process[@id=$pid]/bpmn:extensionElements/spiffworkflow:properties/"
            f"spiffworkflow:property[@name='{name}']")
    found = root.xpath(path, pid=process_id, namespaces={**_NS, "spiffworkflow": SPIFF_NS})
    return any((p.get("value") or "").strip().lower() == "true" for p in found)


def source_version(sources: Mapping[str, str]) -> str:
    """sha256 hex over the sorted (file name, text) pairs."""
    digest = hashlib.sha256()
    for name, text in sorted(sources.items()):
        digest.update(name.encode("utf-8") + b"\0" + text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def _raise_all(problems: list[DiagramError]) -> None:
    """Raise the first problem, its message listing the others too."""
    if not problems:
        return
    first = problems[0]
    if len(problems) == 1:
        raise first
    rest = "\n".join(f"  {p}" for p in problems[1:])
    error = DiagramError(
        f"{first.message}\n  and {len(problems) - 1} more:\n{rest}",
        path=first.path,
        line=first.line,
        element_id=first.element_id,
        code=first.code,
    )
    error.problems = problems  # type: ignore[attr-defined]
    raise error


class _Builder:
    """Parses and checks one process's sources."""

    def __init__(self, process_id: str, sources: dict[str, str], base_dir: str | Path | None) -> None:
        self.process_id = process_id
        self.sources = sources
        self.base = Path(base_dir) if base_dir is not None else None
        self.lines: dict[str, dict[str, int]] = {}

    def path(self, name: str) -> str:
        return str(self.base / name) if self.base is not None else name

    def build(self, version: str) -> ProcessDefinition:
        bpmn_names = sorted(n for n in self.sources if n.endswith(BPMN_SUFFIX))
        if not bpmn_names:
            raise DiagramError(
                f"no .bpmn file among the sources of {self.process_id!r}",
                element_id=self.process_id,
                code="diagram.E003",
            )
        parser = SpiffBpmnParser(validator=VALIDATOR)
        roots: dict[str, etree._Element] = {}
        problems: list[DiagramError] = []
        for name in bpmn_names:
            root = parse_xml(self.sources[name], self.path(name))
            problems.extend(check_diagram_code(root, self.path(name)))
            try:
                parser.add_bpmn_xml(root, filename=self.path(name))
            except ValidationException as exc:
                raise self.wrap(exc, name, "diagram.E001", root) from None
            except Exception as exc:  # lxml/SpiffWorkflow raise plain errors on some malformed diagrams
                raise DiagramError(
                    f"invalid BPMN: {exc}", path=self.path(name), code="diagram.E001"
                ) from None
            roots[name] = root
        # Problems of the code are collected, not raised yet: parsing evaluates nothing, so the
        # structure and the forms are still checked and every problem is listed at once.
        file_of = {pid: Path(p.filename).name for pid, p in parser.process_parsers.items() if p.filename}
        if self.process_id not in file_of:
            _raise_all(problems)
            known = ", ".join(sorted(parser.get_process_ids())) or "none"
            raise DiagramError(
                f"process {self.process_id!r} is not in the sources (processes found: {known})",
                element_id=self.process_id,
                code="diagram.E003",
            )
        try:
            spec = parser.get_spec(self.process_id)
            subprocess_specs = parser.get_subprocess_specs(self.process_id)
        except ValidationException as exc:
            _raise_all(problems)  # the code's problems explain most parse failures (a bare service task …)
            missing = re.search(r"process '([^']+)' was not found", str(exc))
            if missing:
                raise self.missing_process(missing.group(1), roots) from None
            where = Path(exc.file_name).name if exc.file_name else ""
            where = where if where in roots else file_of[self.process_id]
            raise self.wrap(exc, where, "diagram.E002", roots[where]) from None
        except Exception as exc:  # SpiffWorkflow's parser raises plain errors on some malformed diagrams
            _raise_all(problems)
            raise DiagramError(
                f"SpiffWorkflow cannot parse the diagram: {exc}",
                path=self.path(file_of[self.process_id]),
                element_id=self.process_id,
                code="diagram.E002",
            ) from None
        user_tasks = self.user_tasks([spec, *subprocess_specs.values()], roots, file_of, problems)
        forms_files = self.forms_files({file_of.get(p, "") for p in [self.process_id, *subprocess_specs]})
        forms = self.check_forms(user_tasks, forms_files, file_of, problems)
        _raise_all(problems)
        main_forms = forms_files.get(file_of[self.process_id])
        return ProcessDefinition(
            process_id=self.process_id,
            name=str(spec.description or self.process_id),
            version=version,
            sources=MappingProxyType(dict(self.sources)),
            spec=spec,
            subprocess_specs=subprocess_specs,
            start_form=main_forms.start if main_forms else FormSpec("start"),
            forms=MappingProxyType(forms),
            user_tasks=MappingProxyType(user_tasks),
            called_only=_called_only(roots[file_of[self.process_id]], self.process_id),
            worker_only=_called_only(roots[file_of[self.process_id]], self.process_id, WORKER_ONLY),
        )

    def wrap(self, exc: ValidationException, name: str, code: str, root: etree._Element) -> DiagramError:
        """A DiagramError from SpiffWorkflow's error, filling in the element id or line from the XML."""
        line = exc.line_number if isinstance(exc.line_number, int) and exc.line_number else None
        element_id = getattr(exc, "id", None) or None
        if element_id is None and line is not None:
            at_line = [el for el in root.iter() if isinstance(el.tag, str) and el.sourceline == line]
            element_id = next((el.get("id") for el in at_line if el.get("id")), None)
        if line is None and element_id is not None:
            line = element_index(root).get(element_id)
        message = str(exc.args[0]) if exc.args else str(exc)
        return DiagramError(
            f"invalid BPMN: {message}", path=self.path(name), line=line, element_id=element_id, code=code
        )

    def missing_process(self, called: str, roots: dict[str, etree._Element]) -> DiagramError:
        """E003 pointing at the call activity that names a process no source defines."""
        for name, root in roots.items():
            for node in root.xpath("//bpmn:callActivity[@calledElement=$c]", c=called, namespaces=_NS):
                return DiagramError(
                    f"calls process {called!r}, which no .bpmn file in the directory defines; put its "
                    ".bpmn and .forms.yaml next to this one ('kefu process export DIR' writes the current "
                    "versions)",
                    path=self.path(name),
                    line=node.sourceline,
                    element_id=node.get("id"),
                    code="diagram.E003",
                )
        return DiagramError(f"process {called!r} is not defined", element_id=called, code="diagram.E003")

    def user_tasks(
        self,
        specs: list[Any],
        roots: dict[str, etree._Element],
        file_of: dict[str, str],
        problems: list[DiagramError],
    ) -> dict[str, UserTaskInfo]:
        lines = self.lines = {name: element_index(root) for name, root in roots.items()}
        bindings = {name: lane_bindings(root) for name, root in roots.items()}
        out: dict[str, UserTaskInfo] = {}
        for spec in specs:
            if spec is None:
                continue
            file = Path(spec.file).name if spec.file else file_of.get(spec.name, "")
            assert isinstance(file, str)
            for ts in spec.task_specs.values():
                if not isinstance(ts, UserTask):
                    continue
                # a multi-instance user task runs as instances of "<id> [child]": known by its BPMN id
                task_id = getattr(ts, "bpmn_id", None) or ts.name
                props = (ts.extensions or {}).get("properties", {})
                line = lines.get(file, {}).get(task_id)
                if task_id in out:
                    problems.append(
                        DiagramError(
                            f"user task id {ts.name!r} is used in two processes",
                            path=self.path(file),
                            line=line,
                            element_id=task_id,
                            code="diagram.E003",
                        )
                    )
                binding = bindings.get(file, {}).get(task_id)
                if binding is None or not binding.key:
                    problems.append(
                        DiagramError(
                            "user task is in no lane; put it in a lane named after a policy 'lanes:' key",
                            path=self.path(file),
                            line=line,
                            element_id=task_id,
                            code="diagram.E020",
                        )
                    )
                out[task_id] = UserTaskInfo(
                    name=task_id,
                    title=ts.bpmn_name or ts.name,
                    lane=binding.key if binding else None,
                    due_expr=props.get("due"),
                    assignee_expr=props.get("assignee"),
                    notify_expr=props.get("notify"),
                    process_id=spec.name,
                    file=file,
                    lane_label=binding.label if binding else None,
                    statistic=props.get("statistic"),
                    statistic_due_expr=props.get("statistic_due"),
                    statistic_done_expr=props.get("statistic_done"),
                    not_completed_by=_step_names(props.get("not_completed_by")),
                )
                self.check_not_completed_by(spec, ts, out[task_id], file, line, problems)
        return out

    def check_not_completed_by(self, spec: Any, ts: Any, info: UserTaskInfo, file: str, line: int | None,
                               problems: list[DiagramError]) -> None:
        """``not_completed_by`` names user tasks of the same process that can come before this one."""
        own = {getattr(t, "bpmn_id", None) or t.name for t in spec.task_specs.values()
               if isinstance(t, UserTask)}
        for name in info.not_completed_by:
            if name not in own:
                why = (f"names {name!r}, which is no user task of process {spec.name!r}; name an earlier "
                       f"user task of it ({', '.join(sorted(own - {info.name})) or 'none'})")
            elif not _comes_before(spec, name, info.name):
                why = f"names {name!r}, which never comes before {info.name!r} in process {spec.name!r}"
            else:
                continue
            problems.append(DiagramError(f"not_completed_by {why}", path=self.path(file), line=line,
                                         element_id=info.name, code="diagram.E024"))

    def forms_files(self, bpmn_files: set[str]) -> dict[str, FormsFile]:
        out = {}
        for bpmn in sorted(b for b in bpmn_files if b):
            name = bpmn[: -len(BPMN_SUFFIX)] + FORMS_SUFFIX
            if name in self.sources:
                out[bpmn] = parse_forms(self.sources[name], self.path(name))
        return out

    def check_forms(
        self,
        user_tasks: dict[str, UserTaskInfo],
        forms_files: dict[str, FormsFile],
        file_of: dict[str, str],
        problems: list[DiagramError],
    ) -> dict[str, FormSpec]:
        forms: dict[str, FormSpec] = {}
        for task in user_tasks.values():
            forms_name = task.file[: -len(BPMN_SUFFIX)] + FORMS_SUFFIX
            entry = forms_files.get(task.file)
            if entry is None or task.name not in entry.tasks:
                problems.append(
                    DiagramError(
                        f"user task has no entry under 'tasks:' in {forms_name}; "
                        "add one (even with no fields)",
                        path=self.path(task.file),
                        line=self.lines.get(task.file, {}).get(task.name),
                        element_id=task.name,
                        code="diagram.E031",
                    )
                )
            else:
                forms[task.name] = entry.tasks[task.name]
        for bpmn, entry in forms_files.items():
            own = {t.name for t in user_tasks.values() if t.file == bpmn}
            for task_id in entry.tasks:
                if task_id not in own:
                    hint = difflib.get_close_matches(task_id, sorted(own), n=1)
                    problems.append(
                        DiagramError(
                            f"forms entry {task_id!r} names no user task of {bpmn}"
                            + (
                                f"; did you mean {hint[0]!r}?"
                                if hint
                                else f"; user tasks: {', '.join(sorted(own))}"
                            ),
                            path=entry.path,
                            line=entry.lines.get(task_id),
                            element_id=task_id,
                            code="diagram.E032",
                        )
                    )
        return forms


class ProcessRegistry:
    """Every process defined in a directory of diagrams, by process id."""

    def __init__(self, definitions: Mapping[str, ProcessDefinition]) -> None:
        self._definitions = dict(definitions)

    @classmethod
    def load(cls, processes_dir: str | Path) -> ProcessRegistry:
        """Parse and check every ``*.bpmn`` (with its ``.forms.yaml``); DiagramError on the first refusal."""
        base = Path(processes_dir)
        if not base.is_dir():
            raise DiagramError(f"no processes directory at {base}", path=base, code="diagram.E003")
        texts = {
            p.name: _read(p)
            for p in sorted(base.iterdir())
            if p.is_file() and (p.name.endswith(BPMN_SUFFIX) or p.name.endswith(FORMS_SUFFIX))
        }
        return cls.from_texts(texts, base)

    @classmethod
    def from_texts(cls, texts: Mapping[str, str], base: str | Path = ".") -> ProcessRegistry:
        """Every process of a set of files (file name → text), as ``load`` reads a directory."""
        base = Path(base)
        for name in texts:
            if name.endswith(FORMS_SUFFIX) and name[: -len(FORMS_SUFFIX)] + BPMN_SUFFIX not in texts:
                raise DiagramError(
                    f"forms file has no diagram {name[: -len(FORMS_SUFFIX)]}{BPMN_SUFFIX}",
                    path=base / name,
                    code="diagram.E038",
                )
        processes, calls = processes_in(texts, base)
        definitions = {}
        for pid in sorted(processes):
            definitions[pid] = ProcessDefinition.from_sources(pid, sources_for(pid, texts, processes, calls),
                                                              base_dir=base)
        return cls(definitions)

    def get(self, process_id: str) -> ProcessDefinition:
        """The definition of ``process_id``; NotFoundError with a did-you-mean."""
        try:
            return self._definitions[process_id]
        except KeyError:
            hint = difflib.get_close_matches(process_id, list(self._definitions), n=1)
            known = ", ".join(sorted(self._definitions)) or "none"
            extra = f"; did you mean {hint[0]!r}?" if hint else f"; known processes: {known}"
            raise NotFoundError(f"no process {process_id!r}{extra}") from None

    def definitions(self) -> list[ProcessDefinition]:
        """Every definition, sorted by process id."""
        return [self._definitions[k] for k in sorted(self._definitions)]

    def startable(self) -> list[ProcessDefinition]:
        """The definitions a case may open on by hand: every one but the stages (``called_only``) and
        those only the worker opens (``worker_only``)."""
        return [d for d in self.definitions() if not d.called_only and not d.worker_only]

    def worker_only(self) -> list[str]:
        """The processes only the worker opens (``worker_only``): no intake, API or CLI opens one."""
        return [d.process_id for d in self.definitions() if d.worker_only]

    def stages(self) -> dict[str, str]:
        """Each stage (``called_only``) → the process whose diagram calls it (see ``stages_of``)."""
        return stages_of(self.definitions())


def stages_of(definitions: Iterable[ProcessDefinition]) -> dict[str, str]:
    """Each ``called_only`` process → the process whose diagram calls it (the first by id; "" when none
    does): a stage is shown under its parent and never offered as a process to open a case on."""
    found = sorted(definitions, key=lambda d: d.process_id)
    out = {d.process_id: "" for d in found if d.called_only}
    for definition in found:
        for called in definition.direct_calls:
            if called in out and not out[called]:
                out[called] = definition.process_id
    return out


def _read(path: Path) -> str:
    """A source file's text; DiagramError when it is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DiagramError(f"not UTF-8 text: {exc.reason}", path=path, code="diagram.E001") from None


def sources_for(process_id: str, texts: Mapping[str, str], processes: Mapping[str, str],
                calls: Mapping[str, set[str]]) -> dict[str, str]:
    """The files a process needs: its diagram, the diagrams it calls (transitively), their forms."""
    needed = _needed_files(process_id, processes, calls)
    sources = {n: texts[n] for n in needed}
    for bpmn in needed:
        forms = bpmn[: -len(BPMN_SUFFIX)] + FORMS_SUFFIX
        if forms in texts:
            sources[forms] = texts[forms]
    return sources


def processes_in(texts: Mapping[str, str], base: Path) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Process id → file, and file → called process ids, read from the XML.

    Executable processes, and non-executable ones that hold steps (loading those refuses them with
    ``diagram.E004`` instead of skipping them silently); an empty, non-executable process only draws
    a participant (e.g. the customer) and is left out.
    """
    processes: dict[str, str] = {}
    calls: dict[str, set[str]] = {}
    for name, text in texts.items():
        if not name.endswith(BPMN_SUFFIX):
            continue
        root = parse_xml(text, str(base / name))
        for node in root.xpath("//bpmn:process", namespaces=_NS):
            pid = node.get("id")
            if pid in processes:
                raise DiagramError(
                    f"process id {pid!r} is also defined in {processes[pid]}",
                    path=base / name,
                    line=node.sourceline,
                    element_id=pid,
                    code="diagram.E003",
                )
            if node.get("isExecutable", "true") == "true" or has_flow_nodes(node):
                processes[pid] = name
        calls[name] = {c.get("calledElement") for c in root.xpath("//bpmn:callActivity", namespaces=_NS)}
    return processes, calls


def _needed_files(pid: str, processes: Mapping[str, str], calls: Mapping[str, set[str]]) -> list[str]:
    """The file defining ``pid`` and, transitively, the files of the processes it calls."""
    needed = [processes[pid]]
    for name in needed:
        for called in sorted(calls.get(name, set())):
            file = processes.get(called)
            if file is not None and file not in needed:
                needed.append(file)
    return needed
