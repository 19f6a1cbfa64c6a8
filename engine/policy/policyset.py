"""Load a policy tree (group → subsidiaries → projects), check it whole, merge it per unit."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import NotFoundError
from engine.policy.bounds import Bounds, check_overlay, parse_bounds
from engine.policy.catalogue import Entry, tree
from engine.policy.effective import EffectivePolicy, Provenance
from engine.policy.loader import PolicyFile, item_path, read_policy_file
from engine.policy.problems import Problems, did_you_mean
from engine.policy.schema import check_file, check_references, leaves

__all__ = ["GROUP", "DiffRow", "PolicySet", "Unit", "load_policy_set"]

GROUP = "group"
_UNIT_CODE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_LEVEL_DIRS = (("subsidiary", "subsidiaries"), ("project", "projects"))
# What each level may extend.
_PARENTS = {"subsidiary": ("group", "subsidiary"), "project": ("subsidiary", "project")}
_TREE = tree()


@dataclass(frozen=True)
class Unit:
    """One policy unit: its code, level, file, parent and display name."""

    code: str
    level: str
    path: Path
    extends: str | None
    name: str


@dataclass(frozen=True)
class DiffRow:
    """One difference of a unit against the group: key, both values, and where the unit's came from."""

    key: str
    group_value: Any
    value: Any
    provenance: Provenance | None


Provenances = dict[str, Provenance]


def _copy_lines(prov: Provenances, policy: PolicyFile, key: str) -> None:
    for name in [k for k in prov if k == key or k.startswith((key + ".", key + "["))]:
        del prov[name]
    for name, line in policy.lines.items():
        if name == key or name.startswith((key + ".", key + "[")):
            prov[name] = Provenance(policy.shown, line)


def _merge(
    target: dict[str, Any],
    source: dict[str, Any],
    node: dict[str, Any],
    prefix: str,
    policy: PolicyFile,
    prov: Provenances,
) -> None:
    for name, value in source.items():
        key = f"{prefix}{name}"
        spec = node.get(name)
        if isinstance(spec, dict):
            prov[key] = Provenance(policy.shown, policy.line(key))
            _merge(target.setdefault(name, {}), value, spec, key + ".", policy, prov)
        elif isinstance(spec, Entry) and spec.kind == "records":
            prov[key] = Provenance(policy.shown, policy.line(key))
            items: list[dict[str, Any]] = target.setdefault(name, [])
            for index, item in enumerate(value):
                at = next((i for i, old in enumerate(items) if old.get("code") == item["code"]), None)
                if at is None:
                    items.append(copy.deepcopy(item))
                else:
                    items[at] = copy.deepcopy(item)
                _copy_lines(prov, policy, item_path(key, item, index))
        else:
            target[name] = copy.deepcopy(value)
            _copy_lines(prov, policy, key)


class PolicySet:
    """Every unit's policy, checked and merged; ``effective(code)`` gives one unit's rules."""

    def __init__(
        self,
        directory: Path,
        group: PolicyFile,
        files: dict[str, PolicyFile],
        bounds: Bounds,
        effective: dict[str, EffectivePolicy],
        texts: Mapping[str, str] | None = None,
    ) -> None:
        self.directory = directory
        # overlay texts given in place of (or besides) the directory's files: path in the tree → text
        self.texts: dict[str, str] = dict(texts or {})
        self.group_file = group
        self.bounds = bounds
        self._files = files
        self._effective = effective

    @property
    def units(self) -> tuple[str, ...]:
        """The codes of the subsidiaries and projects (sorted; the group is ``None``/``'group'``)."""
        return tuple(sorted(self._files))

    @property
    def calendars_dir(self) -> Path:
        """Where the holiday files live."""
        return self.directory / "calendars"

    def unit(self, code: str) -> Unit:
        """The unit ``code`` (``'group'`` included); NotFoundError with a hint."""
        policy = self.group_file if code == GROUP else self._file(code)
        return Unit(
            policy.code,
            policy.level,
            policy.path,
            policy.extends,
            str(self._effective[policy.code].get("unit.name")),
        )

    def file(self, code: str) -> PolicyFile:
        """The parsed overlay file of unit ``code``."""
        return self._file(code)

    def _file(self, code: str) -> PolicyFile:
        if code not in self._files:
            raise NotFoundError(f"unknown unit {code!r}{did_you_mean(code, [GROUP, *self._files])}")
        return self._files[code]

    def effective(self, unit_code: str | None = None) -> EffectivePolicy:
        """The effective policy of a unit (``None`` = the group)."""
        code = unit_code or GROUP
        if code != GROUP:
            self._file(code)
        return self._effective[code]

    def diff(self, unit_code: str) -> list[DiffRow]:
        """What ``unit_code`` changes against the group, entry by entry for lists."""
        mine = self.effective(unit_code)
        group = self.effective(None)
        rows: list[DiffRow] = []
        for key, value in leaves(mine.to_dict()).items():
            base = group.get(key) if group.has(key) else None
            if value == base:
                continue
            if isinstance(value, list) and value and isinstance(value[0], dict):
                by_code = {i["code"]: i for i in base or []}
                for index, item in enumerate(value):
                    if by_code.get(item["code"]) != item:
                        path = item_path(key, item, index)
                        rows.append(DiffRow(path, by_code.get(item["code"]), item, _prov(mine, path)))
            else:
                rows.append(DiffRow(key, base, value, _prov(mine, key)))
        return rows


def _prov(policy: EffectivePolicy, key: str) -> Provenance | None:
    found = policy.provenances()
    return found.get(key)


def _discover(directory: Path, problems: Problems,
              texts: Mapping[str, str]) -> tuple[PolicyFile | None, dict[str, PolicyFile]]:
    group = read_policy_file(directory / "group.yaml", GROUP, "group", problems, directory)
    files: dict[str, PolicyFile] = {}
    for level, folder in _LEVEL_DIRS:
        given = {directory / name for name in texts if name.startswith(folder + "/")}
        for path in sorted(set((directory / folder).glob("*.y*ml")) | given):
            code = path.stem
            if not _UNIT_CODE.match(code) or code == GROUP:
                problems.add(
                    "policy.E022",
                    f"file name {path.name!r} is not a unit code; use lower-case "
                    "letters, digits and '-' (e.g. sz-property.yaml)",
                    path,
                    None,
                )
                continue
            if code in files:
                problems.add(
                    "policy.E022",
                    f"unit {code!r} is defined twice: here and in {files[code].path}; rename one",
                    path,
                    None,
                )
                continue
            text = texts.get(f"{folder}/{path.name}")
            policy = read_policy_file(path, code, level, problems, directory, text)
            if policy is not None:
                files[code] = policy
    return group, files


def _check_extends(group: PolicyFile, files: dict[str, PolicyFile], problems: Problems) -> None:
    if group.extends is not None:
        problems.add(
            "policy.E011",
            "group.yaml is the root and cannot extend anything; remove extends",
            group.path,
            group.line("extends"),
        )
    for policy in files.values():
        if "bounds" in policy.values:
            problems.add(
                "policy.E014",
                "only group.yaml may declare bounds; remove bounds from this overlay",
                policy.path,
                policy.line("bounds"),
            )
        target = policy.extends
        if target is None:
            problems.add(
                "policy.E011",
                f"an overlay must start with 'extends: <parent>' (e.g. extends: group); "
                f"{policy.code} has none",
                policy.path,
                1,
            )
            continue
        line = policy.line("extends")
        parent_level = "group" if target == GROUP else files[target].level if target in files else None
        if parent_level is None:
            problems.add(
                "policy.E012",
                f"extends names unknown unit {target!r}{did_you_mean(target, [GROUP, *files])}",
                policy.path,
                line,
            )
        elif parent_level not in _PARENTS[policy.level]:
            problems.add(
                "policy.E023",
                f"a {policy.level} may extend a {' or '.join(_PARENTS[policy.level])}, "
                f"not the {parent_level} {target!r}",
                policy.path,
                line,
            )
    for policy in files.values():
        seen = [policy.code]
        current = policy.extends
        while current in files and current not in seen:
            seen.append(current)
            current = files[current].extends
        if current == policy.code:
            loop = " → ".join([*seen, policy.code])
            problems.add(
                "policy.E013",
                f"extends forms a cycle: {loop}; one of them must extend its real parent",
                policy.path,
                policy.line("extends"),
            )


def _chain(code: str, files: dict[str, PolicyFile]) -> list[str]:
    chain = [code]
    while chain[-1] != GROUP:
        chain.append(files[chain[-1]].extends or GROUP)
    return list(reversed(chain))


def load_policy_set(directory: str | Path, texts: Mapping[str, str] | None = None) -> PolicySet:
    """Load, check and merge the policy tree in ``directory``; PolicyErrors lists every problem found.

    ``texts`` replaces (or adds) overlay files by their path in the tree, e.g.
    ``{"subsidiaries/sz-property.yaml": "extends: group\n…"}``: a draft being checked, or the
    versions published in the database (``engine.policy_versions``). The group file is always read
    from the directory. A file with errors of its own is left out of the later checks (bounds,
    references), so the report holds every independent problem of the tree without follow-on noise.
    """
    directory = Path(directory)
    texts = dict(texts or {})
    if "group.yaml" in texts:
        raise ValueError("group.yaml is the group standard: it is read from the policy directory only")
    problems = Problems()
    if not (directory / "group.yaml").is_file():
        problems.add(
            "policy.E024",
            f"no group.yaml in {directory}; point --policies (or KEFU_POLICIES_DIR) at the policy tree",
            directory,
            None,
        )
        problems.raise_if_any()
    group, files = _discover(directory, problems, texts)
    if group is None:
        problems.raise_if_any()
    assert group is not None
    for policy in [group, *files.values()]:
        check_file(policy, problems)
    _check_extends(group, files, problems)
    bounds = parse_bounds(group, problems)
    broken = {e.path for e in problems.errors}
    if str(group.path) in broken:
        problems.raise_if_any()
    usable = {code: f for code, f in files.items() if str(f.path) not in broken}
    usable = {code: f for code, f in usable.items() if _chain_ok(code, usable)}
    group_values = {k: v for k, v in group.values.items() if k != "bounds"}
    for policy in usable.values():
        check_overlay(policy, group_values, bounds, str(group.path), problems)
    effective = _merge_all(directory, group, group_values, usable, problems)
    problems.raise_if_any()
    return PolicySet(directory, group, files, bounds, effective, texts)


def _chain_ok(code: str, files: dict[str, PolicyFile]) -> bool:
    seen = {code}
    current = files[code].extends
    while current != GROUP:
        if current not in files or current in seen:
            return False
        seen.add(current)
        current = files[current].extends
    return True


def _merge_all(
    directory: Path,
    group: PolicyFile,
    group_values: dict[str, Any],
    files: dict[str, PolicyFile],
    problems: Problems,
) -> dict[str, EffectivePolicy]:
    prov = {
        key: Provenance(group.shown, line)
        for key, line in group.lines.items()
        if key != "bounds" and not key.startswith(("bounds.", "extends"))
    }
    merged = {GROUP: (copy.deepcopy(group_values), prov)}
    for code in sorted(files, key=lambda c: len(_chain(c, files))):
        parent_values, parent_prov = merged[files[code].extends or GROUP]
        values, prov = copy.deepcopy(parent_values), dict(parent_prov)
        _merge(values, files[code].values, _TREE, "", files[code], prov)
        merged[code] = (values, prov)
    real_paths = {policy.shown: str(policy.path) for policy in [group, *files.values()]}
    effective: dict[str, EffectivePolicy] = {}
    seen_refs: set[tuple[str, str, int | None]] = set()
    for code, (values, prov) in merged.items():
        before = len(problems.errors)
        check_references(values, lambda key, p=prov: _where(p, key, real_paths), problems)
        # one bad reference inherited by many units is reported once
        fresh = [e for e in problems.errors[before:] if (e.message, e.path or "", e.line) not in seen_refs]
        seen_refs.update((e.message, e.path or "", e.line) for e in problems.errors[before:])
        del problems.errors[before:]
        problems.extend(fresh)
        effective[code] = EffectivePolicy(
            code, tuple(_chain(code, files)), values, prov, directory / "calendars"
        )
    return effective


def _where(prov: Provenances, key: str, real_paths: dict[str, str]) -> tuple[str | None, int | None]:
    probe = key
    while probe:
        if probe in prov:
            return real_paths.get(prov[probe].path, prov[probe].path), prov[probe].line
        probe = probe[: probe.rindex("[")] if probe.endswith("]") else probe.rpartition(".")[0]
    return None, None
