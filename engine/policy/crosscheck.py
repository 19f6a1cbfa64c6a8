"""The policy against the diagrams: every name one of them gives the other must exist.

A diagram's lane must be a policy key ``lanes.<lane>`` (else its tasks could not be given to anyone); a
form's ``choices_from`` must name a policy list; a form's ``required_from`` must name a policy list
whose entries (``a`` or ``a|b``) are fields of that form, in every unit, since an overlay may add to
it. ``kefu policy check`` runs this when the processes directory is there; problems carry
``policy.E027`` and the file and line to fix (the diagram's for a lane, the policy's otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from engine.errors import PolicyError
from engine.policy.problems import Problems, did_you_mean

__all__ = ["check_processes", "field_labels"]


def field_labels(definitions: Iterable[Any]) -> dict[str, dict[str, str]]:
    """Policy key → {field name: Chinese label} for every form that says ``required_from`` (the rules
    document names the fields a unit requires by their labels)."""
    out: dict[str, dict[str, str]] = {}
    for definition in definitions:
        for form in [definition.start_form, *definition.forms.values()]:
            if form.required_from:
                out.setdefault(form.required_from, {}).update(
                    {f.name: f.label.get("zh", f.name) for f in form.fields})
    return out


def _line(text: str, element_id: str) -> int | None:
    needle = f'id="{element_id}"'
    return next((n for n, line in enumerate(text.splitlines(), 1) if needle in line), None)


def check_processes(
    policies: Any, definitions: Iterable[Any], processes_dir: str | Path
) -> list[PolicyError]:
    """Every disagreement between ``policies`` (a PolicySet) and the process ``definitions``."""
    problems = Problems()
    units = [policies.effective(None), *(policies.effective(code) for code in policies.units)]
    group = units[0]
    files = [policies.group_file, *(policies.file(code) for code in policies.units)]
    real = {f.shown: f.path for f in files}  # provenance names files as shown; errors name them fully
    lanes = sorted(k.split(".", 1)[1] for k in group.keys() if k.startswith("lanes.") and k.count(".") == 1)
    seen: set[tuple[str, str, int | None]] = set()

    def add(message: str, path: Any, line: int | None) -> None:
        if (message, str(path), line) not in seen:
            seen.add((message, str(path), line))
            problems.add("policy.E027", message, path, line)

    for definition in definitions:
        for task in definition.user_tasks.values():
            if task.lane and not group.has(f"lanes.{task.lane}"):
                source = definition.sources.get(task.file, "")
                add(f"lane {task.lane!r} of user task {task.name!r} is no policy key "
                    f"lanes.{task.lane}{did_you_mean(task.lane, lanes)}; bind it in group.yaml under "
                    "lanes: (role and scope)", Path(processes_dir) / task.file, _line(source, task.name))
        forms_file = Path(processes_dir) / f"{definition.process_id}.forms.yaml"
        for form in [definition.start_form, *definition.forms.values()]:
            for policy in units:
                for spec in form.fields:
                    if spec.choices_from and not policy.has(spec.choices_from):
                        add(f"form {form.name!r} of {definition.process_id}: field {spec.name!r} takes its "
                            f"choices from {spec.choices_from!r}, which {policy.code} does not have",
                            forms_file, None)
                if form.required_from is None:
                    continue
                key = form.required_from
                if not policy.has(key):
                    add(f"form {form.name!r} of {definition.process_id} requires the fields listed at "
                        f"{key!r}, which {policy.code} does not have", forms_file, None)
                    continue
                where = policy.provenance(key)
                for group_of in form.required_groups(policy):
                    for name in group_of:
                        if name not in form.field_names:
                            add(f"{key}: {name!r} is not a field of the {form.name} form of "
                                f"{definition.process_id}{did_you_mean(name, form.field_names)}",
                                real.get(where.path, where.path), where.line)
    return problems.errors
