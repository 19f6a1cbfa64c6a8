"""Deployed process versions: register the files, deploy, list, export and compare versions.

The database holds every version of every process (``engine/store/process_repo.py``) and which one
is current; new cases open on the current version, open cases stay on the version they pinned.

- **Registering the files** (``kefu init``, and a runtime meeting files it has not stored yet): a
  file's content is stored only when it is new. It becomes current when its process has no current
  version, or the current one came from the files too; a version a process owner deployed is never
  replaced by the files unless ``force`` (``kefu init --force``) says so, and neither is a newer
  version replaced by older file content.
- **Deploying** (``kefu process deploy``) needs the ``process_owner`` role at the group (processes
  are group-wide) and a clean check (``engine/processes/check.py``); it stores a new version of each
  process whose files changed — the deployed diagram's own and those of the processes calling it —
  makes them current and audits ``process.deployed`` with who, from which version to which.
- **Exporting** writes the current versions' files to a directory, for version control.
- **Comparing** two versions: SpiffWorkflow's ``SpecDiff`` per process spec, the sequence flows of
  each diagram (added, removed, or changed in source, target, name or condition), the forms' fields
  and the user tasks' lanes and due expressions, as plain data.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import DiagramError, NotFoundError
from engine.processes import ProcessDefinition, ProcessRegistry, stages_of
from engine.runtime.access import load_staff
from engine.store.process_repo import ProcessRepo, VersionRecord, current_ahead

if TYPE_CHECKING:
    from engine.clock import Clock
    from engine.store import Store, Tx

__all__ = ["DEPLOY_ROLE", "Registration", "VersionsMixin"]

DEPLOY_ROLE = "process_owner"
BPMN_SUFFIX = ".bpmn"
FORMS_SUFFIX = ".forms.yaml"


@dataclass(frozen=True)
class Registration:
    """What registering (or deploying) one process did: ``registered`` (new and current), ``current``
    (known and current), ``stored`` (new, kept out by a newer or deployed current version), ``kept``
    (known older content; the current version stays)."""

    process_id: str
    version: VersionRecord
    status: str
    current: VersionRecord

    def as_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"process": self.process_id, "status": self.status, "version": self.version.as_dict(),
                "current": self.current.as_dict()}


@dataclass(frozen=True)
class VersionInfo:
    """A stored version with the number of open cases pinned to it."""

    record: VersionRecord
    open_cases: int

    def as_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {**self.record.as_dict(), "open_cases": self.open_cases}


class VersionsMixin:
    """Versions of ``Runtime``."""

    store: Store
    registry: ProcessRegistry
    clock: Clock
    policies: Any
    actions: Any
    _stored_versions: set[tuple[str, str]]
    _definitions: dict[tuple[str, str], ProcessDefinition]

    def _definition(self, tx: Tx, process_id: str, version: str) -> ProcessDefinition:
        """A stored version's definition (``Runtime`` provides it)."""
        raise NotImplementedError

    # -- registering the files -------------------------------------------------------------------
    def register_processes(self, *, force: bool = False) -> list[Registration]:
        """Register every diagram of the registry (the files) by the rules in the module docstring."""
        with self.store.write() as tx:
            out = [self._register(tx, d, force=force) for d in self.registry.definitions()]
        self._stored_versions.update((r.process_id, r.version.version) for r in out)  # committed now
        return out

    def _register(self, tx: Tx, definition: ProcessDefinition, *, force: bool = False,
                  actor: str = "system") -> Registration:
        repo, now = ProcessRepo(tx), self.clock.now()
        pid = definition.process_id
        self._definitions.setdefault((pid, definition.version), definition)
        known = repo.version(pid, definition.version)
        new = False
        if known is None:
            known, new = repo.add(pid, definition.version, dict(definition.sources), source="init", now=now)
            if new:
                data = {"process": pid, "version": definition.version, "seq": known.seq,
                        "files": sorted(definition.sources)}
                tx.append_audit(None, [{"actor": actor, "action": "process.registered", "data": data}], now)
        current = repo.current(pid, lock=True)  # read after the insert: a concurrent registration shows
        if current is not None and current.version == known.version:
            return Registration(pid, known, "current", current)
        takes_over = current is None or force or (new and current.source == "init")
        if not takes_over:
            assert current is not None
            return Registration(pid, known, "stored" if new else "kept", current)
        made = repo.make_current(pid, known.version, now=now, by=None if actor == "system" else actor)
        self._audit_deployed(tx, pid, current, made, actor, "files" if not force else "files, forced")
        return Registration(pid, made, "registered" if new else "current", made)

    def _audit_deployed(self, tx: Tx, pid: str, old: VersionRecord | None, new: VersionRecord, actor: str,
                        how: str) -> None:
        tx.append_audit(None, [{"actor": actor, "action": "process.deployed",
                                "data": {"process": pid, "from": old.label if old else None,
                                         "from_version": old.version if old else None, "to": new.label,
                                         "to_version": new.version, "how": how}}], self.clock.now())

    def _current_definition(self, tx: Tx, process_id: str) -> ProcessDefinition:
        """The definition new cases of ``process_id`` open on (the registry's files are registered first
        when this runtime has not stored them yet)."""
        try:
            registered = self.registry.get(process_id)
        except NotFoundError:
            registered = None
        if registered is not None and (process_id, registered.version) not in self._stored_versions:
            self._register(tx, registered)
            tx.ahead(current_ahead(process_id))  # a current version read ahead is from before it: dropped
        current = ProcessRepo(tx).current(process_id)
        if current is None:
            if registered is None:
                self.registry.get(process_id)  # raises: no such process, with a did-you-mean
            raise NotFoundError(f"process {process_id!r} has no current version; run 'kefu init'")
        return self._definition(tx, process_id, current.version)

    def current_definition(self, process_id: str) -> ProcessDefinition:
        """The definition new cases of ``process_id`` open on."""
        with self.store.read() as tx:
            return self._current_definition_read(tx, process_id)

    def _current_definition_read(self, tx: Tx, process_id: str) -> ProcessDefinition:
        current = ProcessRepo(tx).current(process_id)
        if current is None:
            return self.registry.get(process_id)  # not registered yet: the files are what opens next
        return self._definition(tx, process_id, current.version)

    # -- reading ---------------------------------------------------------------------------------
    def process_versions(self, process_id: str | None = None) -> list[VersionInfo]:
        """Every stored version (of one process), with its open cases."""
        with self.store.read() as tx:
            repo = ProcessRepo(tx)
            versions = repo.versions(process_id)
            counts = repo.open_case_counts()
        if process_id is not None and not versions:
            self._no_process(process_id)
        return [VersionInfo(v, counts.get((v.process_id, v.version), 0)) for v in versions]

    def process_stages(self) -> dict[str, str]:
        """Each deployed stage (a ``called_only`` process) → the process that calls it, by the current
        versions: ``process list`` and the process area show a stage under its parent."""
        with self.store.read() as tx:
            current = ProcessRepo(tx).current_versions()
            return stages_of(self._definition(tx, pid, r.version) for pid, r in sorted(current.items()))

    def resolve_version(self, process_id: str, ref: str) -> VersionRecord:
        """A version by ``v3``/``3``, ``current``, or a hash prefix of 6+ characters."""
        with self.store.read() as tx:
            versions = ProcessRepo(tx).versions(process_id)
        if not versions:
            self._no_process(process_id)
        text = ref.strip().lower()
        if text == "current":
            return next(v for v in versions if v.current)
        number = text[1:] if text.startswith("v") else text
        if number.isdigit():
            found = [v for v in versions if v.seq == int(number)]
        elif len(text) >= 6:
            found = [v for v in versions if v.version.startswith(text)]
        else:
            found = []
        if len(found) == 1:
            return found[0]
        labels = ", ".join(f"{v.label} ({v.version[:12]})" for v in versions)
        raise NotFoundError(f"process {process_id} has no version {ref!r}; versions: {labels}")

    def _no_process(self, process_id: str) -> None:
        with self.store.read() as tx:
            known = sorted(ProcessRepo(tx).current_versions())
        hint = difflib.get_close_matches(process_id, known, n=1)
        tip = f"; did you mean {hint[0]!r}?" if hint else f"; processes: {', '.join(known) or 'none'}"
        raise NotFoundError(f"no process {process_id!r} is deployed{tip}")

    def current_files(self) -> dict[str, str]:
        """The file texts of the current versions: each diagram from the version of the process it defines."""
        with self.store.read() as tx:
            return self._current_files(tx)

    def _current_files(self, tx: Tx) -> dict[str, str]:
        repo = ProcessRepo(tx)
        files: dict[str, str] = {}
        own: dict[str, str] = {}
        for pid, record in sorted(repo.current_versions().items()):
            definition = self._definition(tx, pid, record.version)
            sources = repo.sources(pid, record.version) or {}
            for name, text in sources.items():
                files.setdefault(name, text)
            main = _own_file(definition)
            if main:
                own[main] = sources[main]
                forms = main[: -len(BPMN_SUFFIX)] + FORMS_SUFFIX
                if forms in sources:
                    own[forms] = sources[forms]
        files.update(own)
        return files

    def export_processes(self, directory: str | Path) -> list[Path]:
        """Write the current versions' files into ``directory`` (for version control); the paths written."""
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in sorted(self.current_files().items()):
            path = target / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
        return written

    # -- deploying -------------------------------------------------------------------------------
    def deploy(self, files: Mapping[str, str], actor: str) -> list[Registration]:
        """Deploy diagrams (file name → text; each ``.bpmn`` with its ``.forms.yaml``) as new current
        versions; PermissionDenied without the role, DiagramError (``.findings``) unless the check
        is clean."""
        from engine.processes.check import check_sources

        given = {Path(n).name: t for n, t in files.items()}
        bpmn = sorted(n for n in given if n.endswith(BPMN_SUFFIX))
        if not bpmn:
            raise DiagramError("nothing to deploy: give at least one .bpmn file (its .forms.yaml comes "
                               "with it)", code="diagram.E003")
        with self.store.write() as tx:
            staff = load_staff(tx, actor)
            check_may_deploy(staff, tx.units())
            files_now = self._current_files(tx)
            candidate = {**files_now, **given}
            findings = check_sources(candidate, checked=bpmn, policies=self.policies, actions=self.actions)
            if findings:
                error = DiagramError(f"deploy refused: {len(findings)} problem(s); the first: {findings[0]}",
                                     path=findings[0].path, line=findings[0].line,
                                     element_id=findings[0].element_id, code=findings[0].code)
                error.findings = findings  # type: ignore[attr-defined]
                raise error
            registry = ProcessRegistry.from_texts(candidate)
            repo, now = ProcessRepo(tx), self.clock.now()
            out = []
            for definition in registry.definitions():
                current = repo.current(definition.process_id, lock=True)
                if current is not None and current.version == definition.version:
                    continue
                known = repo.version(definition.process_id, definition.version)
                if known is None:
                    known, _ = repo.add(definition.process_id, definition.version, dict(definition.sources),
                                        source="deploy", now=now, by=staff.login)
                made = repo.make_current(definition.process_id, known.version, now=now, by=staff.login)
                self._definitions.setdefault((definition.process_id, definition.version), definition)
                self._audit_deployed(tx, definition.process_id, current, made, staff.login,
                                     f"deployed {', '.join(bpmn)}")
                out.append(Registration(definition.process_id, made, "registered", made))
        self._stored_versions.update((r.process_id, r.version.version) for r in out)
        return out

    # -- comparing -------------------------------------------------------------------------------
    def diff_versions(self, process_id: str, old_ref: str, new_ref: str) -> dict[str, Any]:
        """What changed from one version to another, per process spec, form and user task (plain data)."""
        old, new = self.resolve_version(process_id, old_ref), self.resolve_version(process_id, new_ref)
        with self.store.read() as tx:
            before = self._definition(tx, process_id, old.version)
            after = self._definition(tx, process_id, new.version)
        return {"process": process_id, "from": old.as_dict(), "to": new.as_dict(),
                **diff_definitions(before, after)}


def check_may_deploy(staff: Any, units: Mapping[str, Any], action: str = "process.deploy") -> None:
    """Processes are group-wide: only a holder of ``process_owner`` at the group unit may deploy
    (``engine.permissions``: ``process.deploy``, ``process.migrate``)."""
    from engine.permissions import Target, require, subject_of

    require(subject_of(staff, units), action, Target("process", None))


def _own_file(definition: ProcessDefinition) -> str | None:
    file = getattr(definition.spec, "file", None)
    return Path(file).name if file else None


def diff_definitions(before: ProcessDefinition, after: ProcessDefinition) -> dict[str, Any]:
    """The changes between two definitions of one process (see ``VersionsMixin.diff_versions``)."""
    from SpiffWorkflow.bpmn.util.diff import SpecDiff

    from engine.runtime.serializer import spec_registry

    registry = spec_registry()
    specs: dict[str, Any] = {}
    old_specs = {before.spec.name: before.spec, **before.subprocess_specs}
    new_specs = {after.spec.name: after.spec, **after.subprocess_specs}
    for name in sorted(set(old_specs) | set(new_specs)):
        if name not in new_specs:
            specs[name] = {"status": "removed"}
            continue
        if name not in old_specs:
            specs[name] = {"status": "added"}
            continue
        diff = SpecDiff(registry, old_specs[name], new_specs[name])
        specs[name] = {
            "status": "changed" if diff.added or diff.removed or diff.changed else "same",
            "added": [_spec_entry(ts) for ts in _visible(diff.added)],
            "removed": [_spec_entry(ts) for ts in _visible(diff.removed)],
            "changed": [{**_spec_entry(ts), "changes": sorted(changes)}
                        for ts, changes in diff.changed.items() if _visible([ts])],
        }
    flows = {}
    for name in sorted(set(old_specs) & set(new_specs)):
        old_xml, new_xml = _process_xml(before, name), _process_xml(after, name)
        if old_xml is None or new_xml is None:
            continue
        changed = flow_diff(old_xml, new_xml, name)
        if any(changed.values()):
            flows[name] = changed
    return {"specs": specs, "flows": flows, "forms": _forms_diff(before, after),
            "tasks": _tasks_diff(before, after)}


def _process_xml(definition: ProcessDefinition, process_id: str) -> str | None:
    """The text of the diagram file holding ``process_id`` among the definition's sources."""
    from engine.processes.diagram import parse_xml

    for name, text in sorted(definition.sources.items()):
        if name.endswith(BPMN_SUFFIX) and f'id="{process_id}"' in text and parse_xml(text, name).xpath(
                f"//bpmn:process[@id='{process_id}']", namespaces=_BPMN):
            return text
    return None


_BPMN = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
FLOW_PARTS = ("source", "target", "name", "condition")  # what a changed flow lists, in this order


def flow_diff(before_xml: str, after_xml: str, process_id: str) -> dict[str, list[dict[str, Any]]]:
    """The process's sequence flows added, removed and changed (its source, target, name or condition)
    between two versions of its diagram: ``{kind: [{id, name, source, target, changes}]}``."""
    from engine.processes.diagram import parse_xml

    def flows(text: str) -> dict[str, dict[str, Any]]:
        root = parse_xml(text, f"{process_id}.bpmn")
        found = {}
        for node in root.xpath(f"//bpmn:process[@id='{process_id}']//bpmn:sequenceFlow", namespaces=_BPMN):
            condition = node.find("bpmn:conditionExpression", _BPMN)
            found[node.get("id")] = {"id": node.get("id"), "name": node.get("name") or "",
                                     "source": node.get("sourceRef"), "target": node.get("targetRef"),
                                     "condition": " ".join((condition.text or "").split())
                                     if condition is not None else ""}
        return found

    old, new = flows(before_xml), flows(after_xml)
    out: dict[str, list[dict[str, Any]]] = {"added": [], "removed": [], "changed": []}
    for fid in sorted(new.keys() - old.keys()):
        out["added"].append({**new[fid], "changes": []})
    for fid in sorted(old.keys() - new.keys()):
        out["removed"].append({**old[fid], "changes": []})
    for fid in sorted(old.keys() & new.keys()):
        changes = [part for part in FLOW_PARTS if old[fid][part] != new[fid][part]]
        if changes:
            out["changed"].append({**new[fid], "changes": changes, "before": old[fid]})
    return out


def _visible(specs: Any) -> list[Any]:
    """Task specs a person drew (SpiffWorkflow adds Start, End and join specs of its own)."""
    return [ts for ts in specs if getattr(ts, "bpmn_id", None)]


def _spec_entry(ts: Any) -> dict[str, Any]:
    return {"id": ts.bpmn_id or ts.name, "name": ts.bpmn_name or "", "type": type(ts).__name__}


def _forms_diff(before: ProcessDefinition, after: ProcessDefinition) -> dict[str, Any]:
    out: dict[str, Any] = {}
    old_forms = {"start": before.start_form, **before.forms}
    new_forms = {"start": after.start_form, **after.forms}
    for task in sorted(set(old_forms) | set(new_forms)):
        old = {f.name: f for f in old_forms[task].fields} if task in old_forms else {}
        new = {f.name: f for f in new_forms[task].fields} if task in new_forms else {}
        changed = {}
        for name in sorted(set(old) & set(new)):
            what = [f"{key} {getattr(old[name], key)!r} → {getattr(new[name], key)!r}"
                    for key in ("type", "required", "choices", "choices_from", "default", "min", "max",
                                "max_length") if getattr(old[name], key) != getattr(new[name], key)]
            if what:
                changed[name] = what
        entry = {"added": sorted(set(new) - set(old)), "removed": sorted(set(old) - set(new)),
                 "changed": changed}
        if any(entry.values()):
            out[task] = entry
    return out


def _tasks_diff(before: ProcessDefinition, after: ProcessDefinition) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in sorted(set(before.user_tasks) & set(after.user_tasks)):
        old, new = before.user_tasks[name], after.user_tasks[name]
        what = [f"{key} {getattr(old, key)!r} → {getattr(new, key)!r}"
                for key in ("title", "lane", "due_expr", "assignee_expr")
                if getattr(old, key) != getattr(new, key)]
        if what:
            out[name] = what
    return out
