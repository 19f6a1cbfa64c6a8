"""A throw-away world for one simulation: a copy of the policy tree (with an overlay in place of a
unit's file), a fresh SQLite database with the organisation, the real runtime and worker on a fixed clock."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from engine.clock import FixedClock
from engine.errors import KefuError, PolicyError
from engine.org import OrgData
from engine.policy import PolicySet, load_policy_set
from engine.policy_versions import unit_path
from engine.processes import ProcessRegistry
from engine.runtime import Runtime
from engine.store import Store

__all__ = ["Overlay", "World", "org_of", "policy_tree", "world"]


@dataclass(frozen=True)
class Overlay:
    """A policy overlay to simulate with: the whole YAML file of unit ``unit`` (a draft, or a change
    typed in), which takes the place of the unit's file for this simulation only."""

    unit: str
    text: str
    label: str = "草案"

    @classmethod
    def from_mapping(cls, unit: str, mapping: Mapping[str, Any], label: str = "草案") -> Overlay:
        """An overlay from a YAML mapping (``extends:`` and the keys it sets)."""
        return cls(unit, yaml.safe_dump(dict(mapping), allow_unicode=True, sort_keys=False), label)


@dataclass
class World:
    """The parts of one simulation, alive inside ``world()``."""

    directory: Path
    policies: PolicySet
    store: Store
    runtime: Runtime
    clock: FixedClock


def policy_tree(policies: PolicySet, overlay: Overlay | None, into: Path, org: OrgData | None = None) -> Path:
    """Copy the policy directory to ``into`` with the overlay's text as its unit's file (and the texts
    the set was loaded with in place of their files: the versions published in the browser). A unit
    with no file yet (a project that keeps its subsidiary's rules) gets one where its first published
    version would go; its level comes from ``org``."""
    target = into / "policies"
    shutil.copytree(policies.directory, target)
    for path, text in getattr(policies, "texts", {}).items():
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        (target / path).write_text(text, encoding="utf-8")
    if overlay is not None:
        level = _overlay_level(policies, overlay.unit, org)
        if level == "group":
            raise KefuError("an overlay replaces a subsidiary's or a project's file, not the group standard",
                            zh="草案只能是子公司或项目的细则，不能替换集团标准")
        path = target / unit_path(policies, overlay.unit, level)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(overlay.text, encoding="utf-8")
    return target


def _overlay_level(policies: PolicySet, code: str, org: OrgData | None) -> str:
    """``group``, ``subsidiary`` or ``project``: from the unit's file, else from the organisation (a
    project or subsidiary without a file of its own); NotFoundError for a unit neither knows."""
    if code == "group" or code in policies.units:
        return policies.unit(code).level
    if org is not None and code in org.units and org.units[code].kind in ("subsidiary", "project"):
        return org.units[code].kind
    return policies.unit(code).level  # NotFoundError naming the units there are


@contextmanager
def world(policies: PolicySet, registry: ProcessRegistry, org: OrgData, at: datetime,
          overlay: Overlay | None = None) -> Iterator[World]:
    """A world on a temporary directory, removed with its database when the block ends."""
    current = getattr(policies, "current", None)
    if current is not None:  # the versions published in the browser and in force now (policy_versions)
        policies = current()
    with tempfile.TemporaryDirectory(prefix="kefu-simulate-") as tmp:
        directory = Path(tmp)
        tree = policy_tree(policies, overlay, directory, org)
        try:
            loaded = load_policy_set(tree)
        except PolicyError as error:  # the copy's paths mean nothing to the reader: name the overlay
            shown = str(error).replace(str(tree) + "/", "")
            raise KefuError(f"the {overlay.label if overlay else 'policy'} does not load: {shown}",
                            zh=f"{overlay.label if overlay else '细则'}有错误，不能模拟：{shown}") from error
        store = Store(f"sqlite:///{directory / 'simulation.db'}")
        try:
            store.migrate()
            clock = FixedClock(at)
            runtime = Runtime(store, loaded, registry, clock, loaded.calendars_dir)
            runtime.register_processes()
            from engine.worker.events import install

            install(runtime)  # notifications in the transaction of the step that causes them, as in kefu
            runtime.import_org(org)
            yield World(directory, loaded, store, runtime, clock)
        finally:
            store.dispose()


def org_of(store: Store) -> OrgData:
    """The organisation in the database (browser edits included), as the simulation imports it."""
    from engine.org import parse_org, render_org
    from engine.org_admin import tree_order
    from engine.store.org_repo import OrgRepo

    with store.read() as tx:
        units, people = tx.units(), OrgRepo(tx).all_staff()
    group = next((u for u in units.values() if u.kind == "group"), None)
    if group is None:
        raise KefuError("the database has no organisation to simulate with; import one with "
                        "kefu org import FILE",
                        zh="数据库中还没有组织架构，无法模拟")
    return parse_org(render_org(group, [units[c] for c in tree_order(units)], people), "database")
