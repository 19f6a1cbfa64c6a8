"""The policy in force at a moment: the files under ``policies/`` and the versions published over them.

A subsidiary's or project's overlay is published in the browser (``engine.policy_drafts``) with an
effective time. From that time on it replaces the unit's file under ``policies/``: the newest
published version whose effective time has come is the unit's overlay; a unit with none uses its
file. ``VersionedPolicies`` answers every question a ``PolicySet`` answers, for the clock's current
time, so the runtime pins the new version for cases opened from the effective time on, and a case
opened before keeps the snapshot it pinned. ``kefu policy export`` writes the versions in force back
to the files (version control keeps them); ``kefu policy import`` publishes edited files.

Each question asks the database for the list of published versions (one small indexed query); the
merged ``PolicySet`` of a combination of versions is built once and kept. Inside ``one_reading()`` (a
web request) the list is read once: a page asked it at every policy lookup, dozens of transactions.
A publication inside it (``policies_changed``) drops what was read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.clock import Clock
from engine.policy import PolicySet, load_policy_set
from engine.store.policy_repo import PolicyRepo

__all__ = ["VersionedPolicies", "in_force", "one_reading", "policies_changed", "unit_path"]

_CACHE = 8  # merged policy sets kept (each combination of versions in force is one)
# Inside one_reading(): id(VersionedPolicies) → the policy set in force, read once.
_READING: ContextVar[dict[int, PolicySet] | None] = ContextVar("kefu_policy_reading", default=None)


@contextmanager
def one_reading() -> Iterator[None]:
    """Within the block, ``VersionedPolicies.current()`` (without a transaction) reads the versions in
    force once and keeps them: one web request sees one policy, at the cost of one query."""
    token = _READING.set({})
    try:
        yield
    finally:
        _READING.reset(token)


def policies_changed() -> None:
    """A version was published: the rest of the ``one_reading()`` block reads the versions again."""
    kept = _READING.get()
    if kept is not None:
        kept.clear()


def in_force(heads: list[tuple[int, str, datetime]], at: datetime) -> dict[str, int]:
    """unit → id of its version in force at ``at`` (the latest effective time not after it; the
    newer version wins a tie)."""
    chosen: dict[str, tuple[datetime, int]] = {}
    for version_id, unit, effective_at in heads:
        if effective_at is None or effective_at > at:
            continue
        if unit not in chosen or (effective_at, version_id) > chosen[unit]:
            chosen[unit] = (effective_at, version_id)
    return {unit: version_id for unit, (_, version_id) in chosen.items()}


def unit_path(base: PolicySet, unit: str, level: str) -> str:
    """The overlay's path in the policy tree: ``subsidiaries/<code>.yaml`` or ``projects/<code>.yaml``."""
    if unit in base.units:
        path = base.file(unit).path
        return f"{path.parent.name}/{path.name}"
    return f"{'projects' if level == 'project' else 'subsidiaries'}/{unit}.yaml"


class VersionedPolicies:
    """A ``PolicySet`` for "now": the files plus the published versions in force at the clock's time."""

    def __init__(self, store: Any, directory: str | Path, clock: Clock,
                 base: PolicySet | None = None) -> None:
        self.store = store
        self.directory = Path(directory)
        self.clock = clock
        self.base = base if base is not None else load_policy_set(self.directory)
        self._sets: dict[tuple[int, ...], PolicySet] = {(): self.base}

    # -- which versions ------------------------------------------------------------------------
    def versions_at(self, at: datetime, tx: Any = None) -> dict[str, int]:
        """unit → id of its published version in force at ``at`` (units on their file are absent)."""
        if tx is not None:
            return in_force(PolicyRepo(tx).published_heads(), at)
        with self.store.read() as read:
            return in_force(PolicyRepo(read).published_heads(), at)

    def at(self, moment: datetime, tx: Any = None) -> PolicySet:
        """The merged policy set in force at ``moment`` (``tx``: read inside that open transaction)."""
        return self.with_versions(self.versions_at(moment, tx), tx)

    def current(self, tx: Any = None) -> PolicySet:
        """The policy set in force now (the clock's time); inside ``one_reading()`` and without ``tx``,
        read once and kept to the end of it."""
        kept = _READING.get()
        if kept is None or tx is not None:
            return self.at(self.clock.now(), tx)
        found = kept.get(id(self))
        if found is None:
            found = kept[id(self)] = self.at(self.clock.now())
        return found

    def current_in(self, tx: Any) -> PolicySet:
        """As ``current()``, for code running inside the open transaction ``tx`` (a transition's
        notifications): inside ``one_reading()`` the request's reading, read in ``tx`` when the request
        has none yet; outside it, read in ``tx``. Never a second connection while ``tx`` holds one (a
        completion's notifications opened one: a read beside every write, two pooled connections per
        request)."""
        kept = _READING.get()
        if kept is None:
            return self.at(self.clock.now(), tx)
        found = kept.get(id(self))
        if found is None:
            found = kept[id(self)] = self.at(self.clock.now(), tx)
        return found

    def keep_reading(self, heads: list[tuple[int, str, datetime]], tx: Any = None) -> None:
        """Inside ``one_reading()`` without a reading yet: keep the versions in force by ``heads`` (the
        published heads, read with another row: ``PolicyRepo.published_heads``) as the request's."""
        kept = _READING.get()
        if kept is not None and id(self) not in kept:
            kept[id(self)] = self.with_versions(in_force(heads, self.clock.now()), tx)

    def reads_in(self) -> bool:
        """Whether ``current_in`` will read the versions in force (no reading of this request kept)."""
        kept = _READING.get()
        return kept is None or id(self) not in kept

    def with_versions(self, versions: Mapping[str, int], tx: Any = None) -> PolicySet:
        """The policy set with the given published versions over the files."""
        key = tuple(sorted(versions.values()))
        found = self._sets.get(key)
        if found is None:
            if tx is not None:
                texts = PolicyRepo(tx).texts(list(key))
            else:
                with self.store.read() as read:
                    texts = PolicyRepo(read).texts(list(key))
            found = load_policy_set(self.directory, dict(texts.values()))
            if len(self._sets) >= _CACHE:
                self._sets.pop(next(k for k in self._sets if k))
            self._sets[key] = found
        return found

    def with_texts(self, texts: Mapping[str, str], tx: Any = None) -> PolicySet:
        """The policy set in force now with ``texts`` (path → overlay) over it: a draft, checked or
        simulated; raises PolicyErrors like ``load_policy_set``."""
        versions = self.versions_at(self.clock.now(), tx)
        ids = [v for v in versions.values()]
        if tx is not None:
            published = PolicyRepo(tx).texts(ids)
        else:
            with self.store.read() as read:
                published = PolicyRepo(read).texts(ids)
        merged = dict(published.values())
        merged.update(texts)
        return load_policy_set(self.directory, merged)

    # -- what a PolicySet answers ----------------------------------------------------------------
    def effective(self, unit_code: str | None = None) -> Any:
        """The effective policy of a unit now (``None`` = the group)."""
        return self.current().effective(unit_code)

    def effective_in(self, tx: Any, unit_code: str | None = None) -> Any:
        """As ``effective``, read inside the open transaction ``tx`` (opening a case)."""
        return self.current(tx).effective(unit_code)

    @property
    def units(self) -> tuple[str, ...]:
        """The units with an overlay (a file or a published version)."""
        return self.current().units

    @property
    def calendars_dir(self) -> Path:
        """Where the holiday files live."""
        return self.base.calendars_dir

    def __getattr__(self, name: str) -> Any:
        # unit(), diff(), file(), bounds, group_file …: as the policy set in force now
        if name.startswith("_") or name in {"store", "directory", "clock", "base"}:
            raise AttributeError(name)
        return getattr(self.current(), name)
