"""Who is told or fined: role holders by unit, the responsible person, the leader in charge, the chairman.

A role is held in a unit as the inbox understands it (``role@unit`` from ``candidate_groups``: a
department's staff also hold their roles in the department's parent). The responsible person of a
complaint is the holder of its ``carry_out_work`` (or other) task's candidate group, or the task's
assignee; other roles of the escalation chain are looked up from the case's project upwards to its
subsidiary and the group, nearest first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from engine.permissions import Target, can, subject_of
from engine.runtime.access import candidate_groups, chain, placement_of, resolve_lane
from engine.store import CaseRecord, StaffRecord, UnitRecord

__all__ = ["Directory", "PlaceDirectory", "transition_directory"]


class _Lookups:
    """Role lookups over ``units``, :meth:`person` and :meth:`holders` (given by the subclass)."""

    units: dict[str, UnitRecord]

    def person(self, login: str | None) -> StaffRecord | None:
        """The active staff member ``login``, or None."""
        raise NotImplementedError

    def holders(self, group: str | None) -> list[StaffRecord]:
        """Everyone active holding ``role@unit``, by login."""
        raise NotImplementedError

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


class Directory(_Lookups):
    """Every active staff member and unit as of one job run, with role lookups."""

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
        """Everyone active holding ``role@unit``, by login."""
        return list(self._by_group.get(group or "", []))


ReadStaff = Callable[..., list[StaffRecord]]


class PlaceDirectory(_Lookups):
    """The same answers as :class:`Directory`, reading only the staff a question needs, bounded by a
    case's place and not by the organisation's size.

    The first question reads, in one statement (``read``: ``WorkerRepo.active_staff``), the active staff
    of the place's chain of units (its project, subsidiary and group) and of their departments (whose
    staff hold their roles in the parent too, ``candidate_groups``), with everyone who holds a role
    named with its unit (``role@unit``, held wherever they work). A group whose unit lies outside what
    was read is read the same way for that unit; a login outside it is read alone. Each holders' answer
    comes from one statement's rows, in the database's order by login, as the full read gives them.
    """

    def __init__(self, read: ReadStaff, units: Mapping[str, UnitRecord],
                 place: Iterable[str | None]) -> None:
        self.units = dict(units)
        self._read = read
        self._place = [p for p in place if p]
        self._reads: list[tuple[set[str], list[StaffRecord]]] = []  # (units read, their staff's rows)
        self._people: dict[str, StaffRecord | None] = {}
        self._groups: dict[str, list[StaffRecord]] = {}

    def _homes(self, code: str) -> set[str]:
        """``code`` and its departments: the units whose staff may hold a role at ``code``."""
        return {code} | {u.code for u in self.units.values() if u.parent == code and u.kind == "department"}

    def _rows_for(self, homes: set[str]) -> list[StaffRecord]:
        """Rows that hold every active staff member of ``homes`` and every named-role holder."""
        for read, rows in self._reads:
            if homes <= read:
                return rows
        if not self._reads:  # the first question: the place's chain and its departments with it
            for code in self._place:
                for unit in chain(self.units, code):
                    homes = homes | self._homes(unit.code)
        rows = self._read(homes=sorted(homes), named=True)
        self._reads.append((homes, rows))
        for person in rows:
            self._people[person.login] = person
        return rows

    def holders(self, group: str | None) -> list[StaffRecord]:
        """Everyone active holding ``role@unit``, by login."""
        if not group or "@" not in group:
            return []  # every candidate group names its unit
        found = self._groups.get(group)
        if found is None:
            rows = self._rows_for(self._homes(group.split("@", 1)[1]))
            # once per way they hold it, as the full directory lists them (a role named with their own
            # unit and held there too: twice)
            found = self._groups[group] = [p for p in rows for held in candidate_groups(p) if held == group]
        return list(found)

    def person(self, login: str | None) -> StaffRecord | None:
        """The active staff member ``login``, or None."""
        if not login:
            return None
        if login not in self._people:
            if not self._reads:
                self._rows_for(set())  # the place's staff: a transition asks for holders next
            if login not in self._people:
                found = self._read(logins=[login])
                self._people[login] = found[0] if found else None
        return self._people[login]


def transition_directory(transition: Any) -> PlaceDirectory:
    """The staff and units of one case transition, read once in its transaction however many of its
    notifications ask (a dispatch's order-signed notices, a service task telling the cooperating
    departments, ``notify.roles``): the staff of the case's place, read when first asked for
    (:class:`PlaceDirectory`), not every staff member. Nobody changes staff inside a transition."""
    found = getattr(transition, "_directory", None)
    if found is None:
        from engine.store.worker_repo import WorkerRepo

        case = transition.case
        found = PlaceDirectory(WorkerRepo(transition.tx).active_staff, transition.units(),
                               [case.get("project"), case.get("subsidiary")])
        transition._directory = found
    return found
