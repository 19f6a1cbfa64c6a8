"""Who works where: staff lookup, org placement, candidate groups and lane → role@unit resolution.

Whether someone may do something is decided by ``engine.permissions``; this module only places people
and cases in the org.

A lane names a policy ``lanes:`` entry ``{role, scope}``. The scope picks the unit of the case
that works the task: ``project``/``subsidiary``/``group`` (the case's unit at that level, falling
back upwards when the case has no project), ``responsible_department`` (the department unit with that
department code under the case's project, else under its subsidiary), ``cooperating_department`` (the
same for the department one instance of a multi-instance step works for, R2.4) or ``first_receiver`` (assigned
to the person who first received the case, R0.5). The inbox row's candidate group is ``role@unit``.
A staff member holds each of their roles in their own unit (``role``) or in a named one (``role@unit``).

A lane may name ``escalate_to: [{role, scope}, …]``, the levels above it (R5.2 主管以上): when nobody
may take the step at the lane's own role and scope (nobody active holds it, or its only holder is the
case's first receiver on a ``not_first_receiver`` lane), the step goes to the first level where someone
may (``lane_escalation``). The lane stays the task's lane: whoever it reaches, the first receiver of a
``not_first_receiver`` lane never takes it. A user task's ``not_completed_by`` (a diagram property naming
earlier steps) bars whoever completed them in the same way, for that task only (R6.3: the countersign
of a phone record is a second person's); the transition writes them on the inbox row (``excluded``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.errors import NotFoundError
from engine.permissions import ALL_VIEW_ROLES
from engine.store import StaffRecord, Tx, UnitRecord
from engine.store.authenticated import known_actor

__all__ = [
    "ALL_VIEW_ROLES",
    "Placement",
    "candidate_groups",
    "lane_escalation",
    "load_staff",
    "place",
    "resolve_lane",
]

@dataclass(frozen=True)
class Placement:
    """The units a case (or a person) belongs to at each level."""

    group: str | None
    subsidiary: str | None
    project: str | None

    @property
    def home(self) -> str | None:
        """The most specific unit."""
        return self.project or self.subsidiary or self.group


def load_staff(tx: Tx, login: str | None) -> StaffRecord:
    """The active staff member ``login``; NotFoundError with a did-you-mean otherwise. In a web request,
    the staff member it authenticated as is not read again (``engine.store.authenticated``)."""
    if not login:
        raise NotFoundError("say who you are: give --as LOGIN (a staff login)")
    staff = known_actor(login) or tx.staff(login)
    if staff is None or not staff.active:
        hint = difflib.get_close_matches(login, tx.staff_logins(), n=1)
        tip = f"; did you mean {hint[0]!r}?" if hint else "; import the org data first (kefu org import)"
        state = "inactive" if staff is not None else "unknown"
        raise NotFoundError(f"{state} staff login {login!r}{tip}")
    return staff


def chain(units: Mapping[str, UnitRecord], code: str | None) -> list[UnitRecord]:
    """The unit and its ancestors, nearest first."""
    out: list[UnitRecord] = []
    seen: set[str] = set()
    while code and code in units and code not in seen:
        seen.add(code)
        out.append(units[code])
        code = units[code].parent
    return out


def placement_of(units: Mapping[str, UnitRecord], code: str | None) -> Placement:
    """The group, subsidiary and project above (or at) ``code``."""
    found: dict[str, str] = {}
    for unit in chain(units, code):
        found.setdefault(unit.kind, unit.code)
    return Placement(found.get("group"), found.get("subsidiary"), found.get("project"))


def place(load_units: Callable[[], Mapping[str, UnitRecord]], staff: StaffRecord,
          project: str | None) -> Placement:
    """Where a case opened by ``staff`` belongs: the named project, else the staff member's project.

    The staff record carries its unit chain, so the org table is read only for a named project.
    """
    if not project and staff.unit_chain and staff.unit_chain[-1][1] == "group":
        found: dict[str, str] = {}
        for code, kind in staff.unit_chain:
            found.setdefault(kind, code)
        return Placement(found.get("group"), found.get("subsidiary"), found.get("project"))
    units = load_units()
    if project:
        unit = units.get(project)
        if unit is None or unit.kind not in {"project", "subsidiary"}:
            projects = [u.code for u in units.values() if u.kind == "project"]
            hint = difflib.get_close_matches(project, projects, n=1)
            tip = f"; did you mean {hint[0]!r}?" if hint else ""
            raise NotFoundError(f"no project {project!r} in the org data{tip}")
        return placement_of(units, project)
    return placement_of(units, staff.unit)


def candidate_groups(staff: StaffRecord) -> list[str]:
    """``role@unit`` for every role held: in the staff member's unit and, from a department, its parent."""
    homes = [staff.unit]
    if staff.unit_kind == "department" and staff.unit_parent:
        homes.append(staff.unit_parent)
    out: list[str] = []
    for role in staff.roles:
        out.extend([role] if "@" in role else [f"{role}@{home}" for home in homes])
    return out


def resolve_lane(
    binding: Mapping[str, Any],
    case: Mapping[str, Any],
    units: Callable[[], Mapping[str, UnitRecord]],
    find_department: Callable[[str, Sequence[str]], str | None] | None = None,
) -> tuple[str | None, str | None, str | None]:
    """(role, unit, assignee) of a task whose lane is bound to ``binding`` ({role, scope}).

    ``find_department(department, parents)`` (e.g. ``Tx.department_unit``) finds a department unit
    without reading every unit; without it the units are searched.
    """
    role = binding.get("role")
    scope = binding.get("scope")
    project, subsidiary = case.get("project"), case.get("subsidiary")
    if scope == "first_receiver":
        return role, project or subsidiary, case.get("first_receiver")
    if scope == "project":
        return role, project or subsidiary, None
    if scope == "subsidiary":
        return role, subsidiary or project, None
    if scope == "group":
        return role, placement_of(units(), subsidiary or project).group or subsidiary, None
    if scope in ("responsible_department", "cooperating_department"):
        department = case.get(scope)
        if find_department is not None:
            parents = [p for p in (project, subsidiary) if p]
            code = find_department(department, parents) if department and parents else None
            return role, code or project or subsidiary, None
        all_units = units()
        for parent in (project, subsidiary):
            for unit in all_units.values():
                if unit.kind == "department" and unit.department == department and unit.parent == parent:
                    return role, unit.code, None
        return role, project or subsidiary, None
    return role, project or subsidiary, None


Holders = Callable[[list[str]], Mapping[str, list[tuple[str, str]]]]


def lane_escalation(
    binding: Mapping[str, Any],
    role: str | None,
    unit: str | None,
    case: Mapping[str, Any],
    units: Callable[[], Mapping[str, UnitRecord]],
    holders: Holders,
    find_department: Callable[[str, Sequence[str]], str | None] | None = None,
    *,
    excluded: Collection[str] = (),
) -> dict[str, Any] | None:
    """Where a step of the lane ``binding`` goes when nobody may take it at ``role@unit`` (its own
    resolution): the first level of ``binding.escalate_to`` where someone may, as ``{role, unit, from,
    passed, why}`` (``passed``: the groups skipped, nearest first; ``why``: ``requester`` when the lane's
    only holder is the case's first receiver and the lane says ``not_first_receiver``, ``excluded`` when
    its holders are all ``excluded`` (they did a step this one must be done apart from, its user task's
    ``not_completed_by``, R6.3), else ``nobody``).
    None when the lane names no levels, someone may take it where it is, or no level has anyone (the
    step then stays at the lane's own group, flagged 无人可办). ``holders(groups)`` gives
    ``role@unit`` → [(login, name)] of the active staff holding it (``group_holders_in``)."""
    levels = [level for level in binding.get("escalate_to") or [] if isinstance(level, Mapping)]
    if not levels or not role or not unit:
        return None
    requester = case.get("first_receiver") if binding.get("not_first_receiver") else None
    barred = {*excluded, *([requester] if requester else [])}
    own = f"{role}@{unit}"
    resolved = [resolve_lane(level, case, units, find_department)[:2] for level in levels]
    groups = [own] + [f"{r}@{u}" for r, u in resolved if r and u]
    held = holders(groups)

    def takers(group: str) -> list[str]:
        return [login for login, _name in held.get(group, []) if login not in barred]

    if takers(own):
        return None
    holding = {login for login, _name in held.get(own, [])}
    why = "requester" if requester in holding else "excluded" if holding & set(excluded) else "nobody"
    passed = [own]
    for level_role, level_unit in resolved:
        group = f"{level_role}@{level_unit}"
        if not level_role or not level_unit or group in passed:
            continue
        if takers(group):
            return {"role": level_role, "unit": level_unit, "from": own, "passed": passed, "why": why}
        passed.append(group)
    return None
