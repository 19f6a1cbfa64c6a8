"""The organisation (R0.2): group → subsidiaries → projects → departments, and the staff in them.

File format (YAML; see ``engine/demo/org.yaml``)::

    group: {code: group, name: 华锦集团}
    units:
      - {code: sz-property, name: 深圳物业公司, kind: subsidiary, company: property, parent: group}
      - {code: sz-property-lyc, name: 丽雅苑管理处, kind: project, parent: sz-property}
      - {code: sz-property-lyc-engineering, name: 工程部, kind: department, department: engineering,
         parent: sz-property-lyc}
    staff:
      - {login: zhang.wei, name: 张伟, unit: sz-property-lyc-cs, roles: [cs_specialist],
         phone: "13800000001", email: zhang.wei@example.com}
      - {login: old.hand, name: 老员工, unit: sz-property-lyc-cs, roles: [cs_specialist], active: false}
      - {login: li.na, name: 李娜, unit: sz-property-lyc-cs, roles: [cs_supervisor], deputy: zhang.wei}

The file is the whole organisation: ``kefu org import`` deactivates a staff member the file marks
``active: false`` or no longer lists; deactivation ends their web sessions and revokes their API
tokens in the same transaction (``engine.credentials``) and puts their open tasks back in their
queues. ``deputy`` names the staff member who takes someone's tasks while they are absent
(``engine.org_admin``). ``kefu org export`` writes the database's organisation in this format
(``render_org``), so what was edited in the browser can be kept under version control.

Rules: unit codes and logins are unique (a unit code may not repeat the group's); ``kind`` is
``subsidiary`` (parent: the group; optional ``company``: ``property`` or ``region``), ``project``
(parent: a subsidiary) or ``department`` (parent: the group, a subsidiary or a project; ``department``
names one of the department codes); staff belong to an existing unit and hold one or more known
roles. Department and role codes default to the R0.2 lists below; pass the policy's lists to check
against those instead. Errors are ``FileError`` with ``path:line`` and a code:

    org.E001  not valid YAML, or not shaped {group, units, staff}
    org.E002  a unit code or login is used twice
    org.E003  a parent or a staff member's unit does not exist
    org.E004  a kind is unknown or the parent has the wrong kind
    org.E005  an unknown department code
    org.E006  an unknown role code
    org.E007  a missing or malformed value (name, login, phone, e-mail, company, deputy)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from engine.errors import FileError, NotFoundError

__all__ = [
    "DEPARTMENT_CODES",
    "EMAIL_PATTERN",
    "LOGIN_PATTERN",
    "PARENT_KINDS",
    "PHONE_PATTERN",
    "ROLE_CODES",
    "UNIT_KINDS",
    "OrgData",
    "Staff",
    "Unit",
    "load_org",
    "parse_org",
    "render_org",
]

DEPARTMENT_CODES: tuple[str, ...] = (
    "marketing",
    "engineering",
    "development",
    "commercial",
    "property",
    "finance",
    "treasury",
    "chief_engineer",
    "design",
    "cs_centre",
    "security",
    "administration",
)
ROLE_CODES: tuple[str, ...] = (
    "cs_specialist",
    "cs_supervisor",
    "cs_manager",
    "cs_centre_gm",
    "cs_centre_deputy_gm",
    "department_head",
    "leader_in_charge",
    "chairman",
    "general_manager",
    "expert_adviser",
    "engineer",
    "security_guard",
    "archive_clerk",
    "process_owner",
    "hr_manager",
    "finance_manager",
    "org_admin",
    "policy_editor",
    "policy_reviewer",
)
UNIT_KINDS: tuple[str, ...] = ("group", "subsidiary", "project", "department")
COMPANY_TYPES = ("property", "region")
PARENT_KINDS = {
    "subsidiary": ("group",),
    "project": ("subsidiary",),
    "department": ("group", "subsidiary", "project"),
}
LOGIN_PATTERN = re.compile(r"[a-z][a-z0-9._-]*")
PHONE_PATTERN = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|400-?\d{3}-?\d{4}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_UNIT_KEYS = {"code", "name", "kind", "parent", "department", "company"}
_STAFF_KEYS = {"login", "name", "unit", "roles", "phone", "email", "active", "deputy"}


@dataclass(frozen=True)
class Unit:
    """A node of the organisation tree."""

    code: str
    name: str
    kind: str
    parent: str | None = None
    department: str | None = None
    company: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Staff:
    """A person who works cases: login, name, unit and roles."""

    login: str
    name: str
    unit: str
    roles: tuple[str, ...]
    phone: str | None = None
    email: str | None = None
    line: int | None = None
    active: bool = True
    deputy: str | None = None


@dataclass(frozen=True, eq=False)
class OrgData:
    """The whole organisation, read-only; ``units`` and ``staff`` are keyed by code and login."""

    path: str
    group: Unit
    units: Mapping[str, Unit]
    staff: Mapping[str, Staff]

    def unit(self, code: str) -> Unit:
        """The unit ``code``; NotFoundError with a did-you-mean."""
        return _lookup(self.units, code, "unit")

    def person(self, login: str) -> Staff:
        """The staff member ``login``; NotFoundError with a did-you-mean."""
        return _lookup(self.staff, login, "staff login")

    def children(self, code: str) -> list[Unit]:
        """The units directly under ``code``, in file order."""
        return [u for u in self.units.values() if u.parent == code]

    def ancestors(self, code: str) -> list[Unit]:
        """``code`` itself, then its parents up to the group."""
        chain = [self.unit(code)]
        while chain[-1].parent is not None:
            chain.append(self.units[chain[-1].parent])
        return chain

    def enclosing(self, code: str, kind: str) -> Unit | None:
        """The nearest unit of ``kind`` at or above ``code`` (e.g. the project of a department)."""
        return next((u for u in self.ancestors(code) if u.kind == kind), None)

    def department_unit(self, code: str, department: str) -> Unit | None:
        """The ``department`` unit directly under ``code`` (a project or subsidiary), if any."""
        return next(
            (u for u in self.children(code) if u.kind == "department" and u.department == department), None
        )

    def staff_in(self, code: str, role: str | None = None) -> list[Staff]:
        """Staff whose unit is ``code`` (optionally holding ``role``), in file order."""
        return [s for s in self.staff.values() if s.unit == code and (role is None or role in s.roles)]

    def staff_with_role(self, role: str) -> list[Staff]:
        """Every staff member holding ``role``, in file order."""
        return [s for s in self.staff.values() if role in s.roles]


def _lookup(table: Mapping[str, Any], key: str, what: str) -> Any:
    try:
        return table[key]
    except KeyError:
        hint = difflib.get_close_matches(key, list(table), n=1)
        raise NotFoundError(f"no {what} {key!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")) from None


def load_org(
    path: str | Path, *, departments: Iterable[str] | None = None, roles: Iterable[str] | None = None
) -> OrgData:
    """Read and validate an org file; FileError (``org.E0xx``) with path and line on the first problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FileError(f"cannot read the org file: {exc.strerror}", path=path, code="org.E001") from None
    return parse_org(text, str(path), departments=departments, roles=roles)


def parse_org(
    text: str, path: str, *, departments: Iterable[str] | None = None, roles: Iterable[str] | None = None
) -> OrgData:
    """Validate org YAML text (``path`` is for messages); see the module docstring for the rules."""
    reader = _Reader(path, frozenset(departments or DEPARTMENT_CODES), frozenset(roles or ROLE_CODES))
    return reader.read(text)


class _Reader:
    """Walks composed YAML nodes so every error carries its line."""

    def __init__(self, path: str, departments: frozenset[str], roles: frozenset[str]) -> None:
        self.path = path
        self.departments = departments
        self.roles = roles
        self.loader: yaml.SafeLoader | None = None

    def fail(self, node: yaml.Node | None, message: str, code: str) -> FileError:
        line = node.start_mark.line + 1 if node is not None else None
        return FileError(message, path=self.path, line=line, code=code)

    def value(self, node: yaml.Node) -> Any:
        assert self.loader is not None
        return self.loader.construct_object(node, deep=True)

    def mapping(self, node: yaml.Node, what: str, keys: set[str]) -> dict[str, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping", "org.E001")
        raw = {str(self.value(k)): self.value(v) for k, v in node.value}
        unknown = sorted(set(raw) - keys)
        if unknown:
            raise self.fail(node, f"{what} has unknown key(s) {unknown}; allowed: {sorted(keys)}", "org.E001")
        return raw

    def text(self, node: yaml.Node, raw: Mapping[str, Any], key: str, what: str) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, f"{what} needs a non-empty '{key}'", "org.E007")
        return value.strip()

    def read(self, text: str) -> OrgData:
        self.loader = yaml.SafeLoader(text)
        try:
            try:
                root = self.loader.get_single_node()
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = mark.line + 1 if mark is not None else None
                raise FileError(
                    f"not valid YAML: {exc}", path=self.path, line=line, code="org.E001"
                ) from None
            if not isinstance(root, yaml.MappingNode):
                raise self.fail(root, "an org file is a mapping with group, units and staff", "org.E001")
            nodes = {str(self.value(k)): v for k, v in root.value}
            unknown = sorted(set(nodes) - {"group", "units", "staff"})
            if unknown or "group" not in nodes:
                raise self.fail(
                    root, f"an org file has 'group', 'units' and 'staff' (got {sorted(nodes)})", "org.E001"
                )
            group = self.group(nodes["group"])
            units = self.units(nodes.get("units"), group)
            staff = self.staff(nodes.get("staff"), units)
            return OrgData(self.path, group, MappingProxyType(units), MappingProxyType(staff))
        finally:
            self.loader.dispose()

    def items(self, node: yaml.Node | None, what: str) -> list[yaml.Node]:
        if node is None or (isinstance(node, yaml.ScalarNode) and self.value(node) is None):
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"'{what}' must be a list", "org.E001")
        return list(node.value)

    def group(self, node: yaml.Node) -> Unit:
        raw = self.mapping(node, "'group'", {"code", "name"})
        return Unit(
            code=self.text(node, raw, "code", "the group"),
            name=self.text(node, raw, "name", "the group"),
            kind="group",
            line=node.start_mark.line + 1,
        )

    def units(self, node: yaml.Node | None, group: Unit) -> dict[str, Unit]:
        units: dict[str, Unit] = {group.code: group}
        nodes: dict[str, yaml.Node] = {}
        for item in self.items(node, "units"):
            raw = self.mapping(item, "a unit", _UNIT_KEYS)
            code = self.text(item, raw, "code", "a unit")
            what = f"unit {code!r}"
            if code in units:
                raise self.fail(item, f"unit code {code!r} is used twice", "org.E002")
            kind = raw.get("kind")
            if kind not in PARENT_KINDS:
                raise self.fail(
                    item, f"{what} has kind {kind!r}; use subsidiary, project or department", "org.E004"
                )
            department = raw.get("department")
            if kind == "department" and department not in self.departments:
                known = ", ".join(sorted(self.departments))
                raise self.fail(item, f"{what} has department {department!r}; known: {known}", "org.E005")
            if kind != "department" and department is not None:
                raise self.fail(item, f"{what} is a {kind}; only departments take 'department'", "org.E004")
            company = raw.get("company")
            if company is not None and (kind != "subsidiary" or company not in COMPANY_TYPES):
                raise self.fail(
                    item, f"{what}: 'company' is property or region, on subsidiaries only", "org.E007"
                )
            units[code] = Unit(
                code=code,
                name=self.text(item, raw, "name", what),
                kind=kind,
                parent=self.text(item, raw, "parent", what),
                department=department,
                company=company,
                line=item.start_mark.line + 1,
            )
            nodes[code] = item
        for code, unit in units.items():
            if unit.kind == "group":
                continue
            parent = units.get(unit.parent or "")
            if parent is None:
                hint = difflib.get_close_matches(unit.parent or "", list(units), n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else ""
                raise self.fail(
                    nodes[code], f"unit {code!r} has unknown parent {unit.parent!r}{extra}", "org.E003"
                )
            if parent.kind not in PARENT_KINDS[unit.kind]:
                allowed = " or ".join(PARENT_KINDS[unit.kind])
                raise self.fail(
                    nodes[code],
                    f"unit {code!r} is a {unit.kind}; its parent {parent.code!r} is a "
                    f"{parent.kind}, not a {allowed}",
                    "org.E004",
                )
        return units

    def staff(self, node: yaml.Node | None, units: dict[str, Unit]) -> dict[str, Staff]:
        staff: dict[str, Staff] = {}
        nodes: dict[str, yaml.Node] = {}
        for item in self.items(node, "staff"):
            raw = self.mapping(item, "a staff entry", _STAFF_KEYS)
            login = self.text(item, raw, "login", "a staff entry")
            if not LOGIN_PATTERN.fullmatch(login):
                raise self.fail(
                    item, f"login {login!r} must be lower-case pinyin such as zhang.wei", "org.E007"
                )
            if login in staff:
                raise self.fail(item, f"login {login!r} is used twice", "org.E002")
            unit = self.text(item, raw, "unit", f"staff {login!r}")
            if unit not in units:
                hint = difflib.get_close_matches(unit, list(units), n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else ""
                raise self.fail(item, f"staff {login!r} is in unknown unit {unit!r}{extra}", "org.E003")
            roles = raw.get("roles")
            if not isinstance(roles, list) or not roles:
                raise self.fail(item, f"staff {login!r} needs a non-empty list 'roles'", "org.E007")
            for role in roles:
                if role not in self.roles:
                    known = ", ".join(sorted(self.roles))
                    raise self.fail(
                        item, f"staff {login!r} has unknown role {role!r}; known: {known}", "org.E006"
                    )
            phone = raw.get("phone")
            if phone is not None and (not isinstance(phone, str) or not PHONE_PATTERN.fullmatch(phone)):
                raise self.fail(
                    item, f"staff {login!r}: phone {phone!r} is not a phone number (quote it)", "org.E007"
                )
            email = raw.get("email")
            if email is not None and (
                not isinstance(email, str) or not re.fullmatch(r"[^@\s]+@[^@\s]+", email)
            ):
                raise self.fail(item, f"staff {login!r}: e-mail {email!r} is malformed", "org.E007")
            active = raw.get("active", True)
            if not isinstance(active, bool):
                raise self.fail(item, f"staff {login!r}: 'active' is true or false", "org.E007")
            deputy = raw.get("deputy")
            if deputy is not None and (not isinstance(deputy, str) or deputy == login):
                raise self.fail(item, f"staff {login!r}: 'deputy' is another staff member's login",
                                "org.E007")
            staff[login] = Staff(
                login=login,
                name=self.text(item, raw, "name", f"staff {login!r}"),
                unit=unit,
                roles=tuple(roles),
                phone=phone,
                email=email,
                line=item.start_mark.line + 1,
                active=active,
                deputy=deputy,
            )
            nodes[login] = item
        for person in staff.values():
            if person.deputy is not None and person.deputy not in staff:
                hint = difflib.get_close_matches(person.deputy, list(staff), n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else ""
                raise self.fail(nodes[person.login], f"staff {person.login!r} has unknown deputy "
                                f"{person.deputy!r}{extra}", "org.E003")
        return staff


def _flow(values: Mapping[str, Any]) -> str:
    """One YAML flow mapping on one line, keys in the given order, None values left out."""
    parts = []
    for key, value in values.items():
        if value is None:
            continue
        text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000).strip()
        if text.endswith("..."):
            text = text.removesuffix("...").strip()
        parts.append(f"{key}: {text}")
    return "{" + ", ".join(parts) + "}"


def render_org(group: Any, units: Iterable[Any], staff: Iterable[Any]) -> str:
    """An org file (this module's format) of ``group``, ``units`` and ``staff`` (records with the
    fields of :class:`Unit` and :class:`Staff`); ``load_org`` reads it back to the same organisation."""
    lines = ["# kefu organisation (format: engine/org.py), written by kefu org export.",
             f"group: {_flow({'code': group.code, 'name': group.name})}", "", "units:"]
    for unit in units:
        if unit.kind == "group":
            continue
        lines.append("  - " + _flow({"code": unit.code, "name": unit.name, "kind": unit.kind,
                                     "department": getattr(unit, "department", None),
                                     "company": getattr(unit, "company", None), "parent": unit.parent}))
    lines += ["", "staff:"]
    for person in staff:
        lines.append("  - " + _flow({
            "login": person.login, "name": person.name, "unit": person.unit, "roles": list(person.roles),
            "phone": person.phone, "email": person.email, "deputy": getattr(person, "deputy", None),
            "active": None if person.active else False}))
    return "\n".join(lines) + "\n"
