"""Who is told or fined: role holders by unit, the responsible person, the leader in charge, the chairman.

A role is held in a unit as the inbox understands it (``role@unit`` from ``candidate_groups``: a
department's staff also hold their roles in the department's parent). The responsible person of a
complaint is the holder of its ``carry_out_work`` (or other) task's candidate group, or the task's
assignee; other roles of the escalation chain are looked up from the case's project upwards to its
subsidiary and the group, nearest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.permissions import Target, can, subject_of
from engine.runtime.access import candidate_groups, placement_of, resolve_lane
from engine.store import CaseRecord, StaffRecord, UnitRecord

__all__ = ["Directory", "transition_directory"]


class Directory:
    """Staff and units as of one job run, with role lookups."""

    def __init__(self, staff: Iterable[StaffRecord], units: Mapping[str, UnitRecord]) -> None:
        self.staff = {s.login: s for s in staff}
        self.units = dict(units)
        self._by_group: dict[str, list[StaffRecord]] = {}
        for person in self.staff.values():
            for group in candidate_groups(person):
                self._by_group.setdefault(group, []).append(person)

    def person(self, login: str | None) -> StaffRecord | None:
        """The active staff member ``login``, or None."""
        return self.staff.get(login) if login else None

    def holders(self, group: str | None) -> list[StaffRecord]:
        """Everyone holding ``role@unit``."""
        return list(self._by_group.get(group or "", []))

    def group_unit(self) -> str | None:
        """The code of the group unit."""
        return next((u.code for u in self.units.values() if u.kind == "group"), None)

    def subsidiaries(self) -> list[str]:
        """Codes of every subsidiary, sorted."""
        return sorted(u.code for u in self.units.values() if u.kind == "subsidiary")

    def nearest(self, role: str, *units: str | None) -> list[StaffRecord]:
        """Holders of ``role`` in the first of ``units`` where someone holds it."""
        for unit in units:
            found = self.holders(f"{role}@{unit}") if unit else []
            if found:
                return found
        return []

    def for_case(self, role: str, case: CaseRecord) -> list[StaffRecord]:
        """Holders of ``role`` for a case: the responsible department's head, else nearest upwards."""
        return self.for_place(role, case.project, case.subsidiary, case.responsible_department)

    def for_place(self, role: str, project: str | None, subsidiary: str | None,
                  responsible_department: str | None = None) -> list[StaffRecord]:
        """Holders of ``role`` for a case placed at ``project``/``subsidiary`` (see :meth:`for_case`)."""
        if role == "department_head" and responsible_department:
            fields: dict[str, Any] = {"project": project, "subsidiary": subsidiary,
                                      "responsible_department": responsible_department}
            binding = {"role": role, "scope": "responsible_department"}
            _, unit, _ = resolve_lane(binding, fields, lambda: self.units)
            return self.holders(f"{role}@{unit}")
        group = placement_of(self.units, subsidiary).group
        return self.nearest(role, project, subsidiary, group)

    def in_unit(self, role: str, unit: str) -> list[StaffRecord]:
        """Holders of ``role`` at ``unit``, else at its group."""
        return self.nearest(role, unit, placement_of(self.units, unit).group)

    def may_read(self, people: Iterable[StaffRecord],
                 case: CaseRecord | Mapping[str, Any]) -> list[StaffRecord]:
        """Those of ``people`` who may read the case (``case.read``): none hears of a case they cannot see."""
        get = case.get if isinstance(case, Mapping) else lambda key: getattr(case, key)
        target = Target("case", get("subsidiary"), get("project"), first_receiver=get("first_receiver"))
        return [p for p in people if can(subject_of(p, self.units), "case.read", target)]

    def of_task(self, candidate_group: str | None, assignee: str | None) -> list[StaffRecord]:
        """The person working a task: its assignee, else the holders of its candidate group."""
        person = self.person(assignee)
        return [person] if person is not None else self.holders(candidate_group)


def transition_directory(transition: Any) -> Directory:
    """The staff and units of one case transition, read once in its transaction however many of its
    notifications ask (a dispatch's order-signed notices, a service task telling the cooperating
    departments, ``notify.roles``): each read every active staff member again. Nobody changes staff
    inside a transition."""
    found = getattr(transition, "_directory", None)
    if found is None:
        from engine.store.worker_repo import WorkerRepo

        found = Directory(WorkerRepo(transition.tx).all_staff(), transition.units())
        transition._directory = found
    return found
