"""Organisation administration: units, staff, roles and deputies, kept by the administrators of each level.

``kefu org import FILE`` loads a whole organisation from YAML (``engine.org``); this module changes it
one unit or one person at a time, as the browser does. The role ``org_admin`` (组织管理员) held at the
group, a subsidiary or a project administers the units and staff at and below that level; every
change asks ``engine.permissions`` (``org.manage`` on the unit concerned, both units when a person
moves; ``org.absence`` for leave) and is one transaction with one event on the system audit chain:

====================  ==========================================================================
event                 data
====================  ==========================================================================
org.unit.saved        the unit, ``new``, and each changed field as ``[before, after]``
org.staff.saved       the login, ``new``, and each changed field as ``[before, after]``
org.staff.deactivated the login, where their open tasks went, the tasks, the sessions and tokens
                      ended, and whose standing deputy they were
org.staff.reactivated the login
org.staff.password_reset  the login (never the password) and the sessions it ended
org.absence.recorded  the absence (who, from, until, deputy, reason) and the tasks handed over
org.absence.cancelled the absence
====================  ==========================================================================

**Deactivation** asks what happens to the member's open tasks: back to their queues, or to a named
active person who may read their cases (``engine.runtime.handover``, one ``task.transferred`` event
in each case). Their web sessions and API tokens end in the same transaction (issue 13), and nobody
keeps them as a standing deputy.

**Absences** (leave): from, until, and a deputy (the person's standing deputy unless another is
named). While an absence is in force, the absent person's open tasks that fall due before it ends
(overdue ones included) go to the deputy, and so do the queued tasks of a role nobody else present
holds (the GM's orders to sign while she is away). ``apply_absences`` does it; the worker runs it
every sweep, and recording an absence that has started runs it at once. A deputy who is away
themself passes the tasks to their own deputy. Tasks due after the absence ends stay with the
person; tasks handed over stay with the deputy when the absence ends or is cancelled.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from engine.clock import Clock
from engine.credentials import end_all_for
from engine.errors import FormError, NotFoundError
from engine.org import EMAIL_PATTERN, LOGIN_PATTERN, PARENT_KINDS, PHONE_PATTERN
from engine.permissions import ORG_ADMIN, Subject, Target, can, require, subject_of
from engine.runtime.access import candidate_groups, placement_of
from engine.runtime.handover import HandedOver, hand_over
from engine.store import StaffRecord, Store, TaskRecord, Tx, UnitRecord
from engine.store.auth_repo import AuthRepo
from engine.store.org_repo import AbsenceRecord, OrgRepo

__all__ = ["Deactivated", "OrgAdmin", "OrgScope", "PersonView", "unit_target"]

_UNIT_CODE = re.compile(r"[a-z][a-z0-9-]{1,63}")
_KIND_ORDER = {"group": 0, "subsidiary": 1, "project": 2, "department": 3}
_MAX_DEPUTY_CHAIN = 5


def _invalid(message: str, zh: str, errors: Mapping[str, tuple[str, str]]) -> FormError:
    """A FormError with English and Chinese field messages ({field: (en, zh)})."""
    error = FormError(message, {k: en for k, (en, _) in errors.items()}, zh=zh)
    error.errors_zh = {k: z for k, (_, z) in errors.items()}  # type: ignore[attr-defined]
    return error


def unit_target(units: Mapping[str, UnitRecord], code: str, *, person: str | None = None) -> Target:
    """The unit ``code`` as the object of an org action (its subsidiary and project in it)."""
    place = placement_of(units, code)
    unit = units.get(code)
    return Target("unit" if person is None else "staff", place.subsidiary, place.project, unit=code,
                  unit_kind=unit.kind if unit else None, person=person)


def tree_order(units: Mapping[str, UnitRecord]) -> list[str]:
    """Unit codes depth first from the group: subsidiaries, projects, departments, each by code."""
    children: dict[str | None, list[UnitRecord]] = {}
    for unit in units.values():
        children.setdefault(unit.parent if unit.parent in units else None, []).append(unit)
    out: list[str] = []

    def walk(parent: str | None) -> None:
        for unit in sorted(children.get(parent, []), key=lambda u: (_KIND_ORDER.get(u.kind, 9), u.code)):
            if unit.code not in out:
                out.append(unit.code)
                walk(unit.code)

    walk(None)
    return out


def reading_order(units: Mapping[str, UnitRecord]) -> list[str]:
    """Unit codes the way the group reads its organisation (the contacts book): the group, its own
    departments, then each subsidiary with its departments and then its projects (each with its
    departments); siblings in the org file's order (``position``, then code)."""
    children: dict[str | None, list[UnitRecord]] = {}
    for unit in units.values():
        children.setdefault(unit.parent if unit.parent in units else None, []).append(unit)
    out: list[str] = []

    def walk(parent: str | None) -> None:
        key = lambda u: (u.kind != "department", _KIND_ORDER.get(u.kind, 9), u.position, u.code)  # noqa: E731
        for unit in sorted(children.get(parent, []), key=key):
            if unit.code not in out:
                out.append(unit.code)
                walk(unit.code)

    walk(None)
    return out


@dataclass(frozen=True)
class OrgScope:
    """What an administrator sees: every unit, the ones they manage (tree order) and their staff."""

    subject: Subject
    units: dict[str, UnitRecord]
    managed: list[str]
    staff: list[StaffRecord]

    def depth(self, code: str) -> int:
        """How deep ``code`` is below the group (for indentation)."""
        depth, at = 0, self.units.get(code)
        while at is not None and at.parent in self.units:
            depth += 1
            at = self.units[at.parent]
        return depth


@dataclass(frozen=True)
class PersonView:
    """One staff member as their administrator sees them."""

    staff: StaffRecord
    unit: UnitRecord | None
    open_tasks: list[TaskRecord]
    absences: list[AbsenceRecord]
    colleagues: list[StaffRecord]  # active staff who may deputise for them or take their tasks
    deputy_of: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Deactivated:
    """What a deactivation did."""

    login: str
    handed_over: list[HandedOver]
    sessions_ended: int
    tokens_revoked: int
    deputy_cleared_for: list[str]


class OrgAdmin:
    """Organisation administration on a store, with the policy set (roles, departments) and a clock."""

    def __init__(self, store: Store, policies: Any, clock: Clock) -> None:
        self.store = store
        self.policies = policies
        self.clock = clock

    @classmethod
    def of(cls, runtime: Any) -> OrgAdmin:
        """The administration of a runtime's store, policies and clock."""
        return cls(runtime.store, runtime.policies, runtime.clock)

    # -- reading -----------------------------------------------------------------------------------
    def _who(self, tx: Tx, actor: str) -> tuple[StaffRecord, Subject, dict[str, UnitRecord]]:
        staff = tx.staff(actor)
        if staff is None or not staff.active:
            raise NotFoundError(f"no active staff member {actor!r}", zh=f"没有在职员工 {actor}")
        units = tx.units()
        return staff, subject_of(staff, units), units

    def scope(self, actor: str) -> OrgScope:
        """The units ``actor`` administers (tree order) and the staff in them; PermissionDenied for
        someone who administers nothing."""
        with self.store.read() as tx:
            _, subject, units = self._who(tx, actor)
            if ORG_ADMIN not in subject.roles:
                require(subject, "org.manage", Target("unit", subject.subsidiary, subject.project))
            managed = [c for c in reading_order(units) if can(subject, "org.manage", unit_target(units, c))]
            staff = OrgRepo(tx).staff_in(managed)
        return OrgScope(subject, units, managed, staff)

    def person(self, actor: str, login: str) -> PersonView:
        """A staff member of the actor's scope with their open tasks, absences and colleagues."""
        with self.store.read() as tx:
            _, subject, units = self._who(tx, actor)
            person = self._staff(tx, login)
            require(subject, "org.manage", unit_target(units, person.unit, person=login))
            repo = OrgRepo(tx)
            place = placement_of(units, person.unit)
            colleagues = [s for s in repo.all_staff() if s.active and s.login != login
                          and self._may_stand_in(s, place, units)]
            return PersonView(person, units.get(person.unit), tx.inbox(assignee=login, limit=1000),
                              repo.absences_of(login), colleagues, repo.deputies_of(login))

    def absences(self, actor: str, login: str) -> list[AbsenceRecord]:
        """Absences of ``login`` (the person themself, or their administrator)."""
        with self.store.read() as tx:
            _, subject, units = self._who(tx, actor)
            person = self._staff(tx, login)
            require(subject, "org.absence", unit_target(units, person.unit, person=login))
            return OrgRepo(tx).absences_of(login)

    def colleagues(self, actor: str, login: str) -> list[StaffRecord]:
        """Active staff who may stand in for ``login`` (same subsidiary, or group level)."""
        with self.store.read() as tx:
            _, subject, units = self._who(tx, actor)
            person = self._staff(tx, login)
            require(subject, "org.absence", unit_target(units, person.unit, person=login))
            place = placement_of(units, person.unit)
            return [s for s in OrgRepo(tx).all_staff() if s.active and s.login != login
                    and self._may_stand_in(s, place, units)]

    @staticmethod
    def _staff(tx: Tx, login: str) -> StaffRecord:
        found = OrgRepo(tx).all_staff([login])
        if not found:
            raise NotFoundError(f"no staff member {login!r}", zh=f"没有员工 {login}")
        return found[0]

    @staticmethod
    def _may_stand_in(other: StaffRecord, place: Any, units: Mapping[str, UnitRecord]) -> bool:
        target = Target("case", place.subsidiary, place.project)
        return bool(can(subject_of(other, units), "case.read", target))

    def _policy(self, units: Mapping[str, UnitRecord], code: str | None) -> Any:
        place = placement_of(units, code)
        for unit in (place.project, place.subsidiary):
            if unit and unit in getattr(self.policies, "units", ()):
                return self.policies.effective(unit)
        return self.policies.effective(None)

    # -- units -------------------------------------------------------------------------------------
    def save_unit(self, actor: str, values: Mapping[str, Any], *, new: bool) -> UnitRecord:
        """Add a unit (code, name, kind, parent, department) or rename one (name, department)."""
        code = str(values.get("code") or "").strip()
        name = str(values.get("name") or "").strip()
        now = self.clock.now()
        with self.store.write() as tx:
            _, subject, units = self._who(tx, actor)
            repo = OrgRepo(tx)
            errors: dict[str, tuple[str, str]] = {}
            if not name or len(name) > 200:
                errors["name"] = ("a name of 1 to 200 characters", "名称必填，不超过200字")
            if new:
                kind = str(values.get("kind") or "").strip()
                parent = str(values.get("parent") or "").strip()
                if not _UNIT_CODE.fullmatch(code):
                    errors["code"] = ("lower-case letters, digits and '-', e.g. sz-property-lyc-finance",
                                      "代码由小写字母、数字和“-”组成，如 sz-property-lyc-finance")
                elif code in units:
                    errors["code"] = (f"unit code {code!r} is taken", f"代码 {code} 已被使用")
                if kind not in PARENT_KINDS:
                    errors["kind"] = ("choose subsidiary, project or department", "请选择公司、项目或部门")
                elif parent not in units:
                    errors["parent"] = (f"no unit {parent!r}", f"没有单位 {parent}")
                elif units[parent].kind not in PARENT_KINDS[kind]:
                    allowed = " or ".join(PARENT_KINDS[kind])
                    errors["parent"] = (f"a {kind} belongs to a {allowed}, not a {units[parent].kind}",
                                        "上级单位类型不符（公司属于集团，项目属于公司，部门属于集团、公司或项目）")
                before = None
            else:
                before = units.get(code)
                if before is None:
                    raise NotFoundError(f"no unit {code!r}", zh=f"没有单位 {code}")
                kind, parent = before.kind, before.parent or ""
            department = str(values.get("department") or "").strip() or None
            if kind == "department" and "kind" not in errors and "parent" not in errors:
                known = {str(d.get("code")) for d in self._policy(units, parent).get("departments") or ()}
                if department not in known:
                    errors["department"] = (f"choose one of {', '.join(sorted(known))}", "请选择部门类别")
            elif kind != "department":
                department = None
            if errors:
                raise _invalid(_summary("the unit was not saved", errors), "单位未保存，请修改标出的项",
                               errors)
            unit = UnitRecord(code, name, kind, parent or None, department)
            target = unit_target({**units, code: unit}, code)
            require(subject, "org.manage", target)
            if new:
                repo.add_unit(unit)
                changes = {"name": [None, name], "kind": [None, kind], "parent": [None, parent],
                           "department": [None, department]}
            else:
                assert before is not None
                changes = {k: [getattr(before, k), getattr(unit, k)] for k in ("name", "department")
                           if getattr(before, k) != getattr(unit, k)}
                if changes:
                    repo.update_unit(code, name=name, department=department)
            if new or changes:
                tx.append_audit(None, [{"actor": actor, "action": "org.unit.saved",
                                        "data": {"unit": code, "new": new, "changes": changes}}], now)
        return unit

    # -- staff -------------------------------------------------------------------------------------
    def save_staff(self, actor: str, values: Mapping[str, Any], *, new: bool) -> StaffRecord:
        """Add a staff member or change one (name, unit, roles, phone, e-mail, standing deputy)."""
        login = str(values.get("login") or "").strip()
        now = self.clock.now()
        with self.store.write() as tx:
            me, subject, units = self._who(tx, actor)
            repo = OrgRepo(tx)
            existing = repo.all_staff([login]) if login else []
            before = existing[0] if existing else None
            errors: dict[str, tuple[str, str]] = {}
            if new:
                if not LOGIN_PATTERN.fullmatch(login) or len(login) > 64:
                    errors["login"] = ("lower-case pinyin such as zhang.wei",
                                       "登录名用小写拼音，如 zhang.wei")
                elif before is not None:
                    errors["login"] = (f"login {login!r} is taken", f"登录名 {login} 已被使用")
            elif before is None:
                raise NotFoundError(f"no staff member {login!r}", zh=f"没有员工 {login}")
            person = self._staff_values(values, units, errors, login)
            if errors:
                raise _invalid(_summary("the staff member was not saved", errors),
                               "人员未保存，请修改标出的项", errors)
            if before is not None:
                require(subject, "org.manage", unit_target(units, before.unit, person=login))
            require(subject, "org.manage", unit_target(units, person.unit, person=login))
            for role in person.roles:
                if "@" in role:
                    require(subject, "org.manage", unit_target(units, role.split("@", 1)[1]))
            if login == me.login and ORG_ADMIN in me.roles and ORG_ADMIN not in person.roles:
                raise _invalid("you cannot take your own administrator role; ask another administrator",
                               "不能取消自己的组织管理员岗位，请由其他管理员操作",
                               {"roles": ("keep org_admin", "保留组织管理员岗位")})
            self._check_deputy(tx, units, person, errors)
            if errors:
                raise _invalid(_summary("the staff member was not saved", errors),
                               "人员未保存，请修改标出的项", errors)
            fields = ("name", "unit", "roles", "phone", "email", "deputy")
            if before is None:
                repo.add_staff(person)
                changes = {k: [None, _plain(getattr(person, k))] for k in fields}
            else:
                changes = {k: [_plain(getattr(before, k)), _plain(getattr(person, k))] for k in fields
                           if getattr(before, k) != getattr(person, k)}
                if changes:
                    repo.update_staff(login, **{k: getattr(person, k) for k in changes})
                person = replace(person, active=before.active)
            if new or changes:
                tx.append_audit(None, [{"actor": actor, "action": "org.staff.saved",
                                        "data": {"login": login, "new": new, "changes": changes}}], now)
        return person

    def _staff_values(self, values: Mapping[str, Any], units: Mapping[str, UnitRecord],
                      errors: dict[str, tuple[str, str]], login: str) -> StaffRecord:
        name = str(values.get("name") or "").strip()
        if not name or len(name) > 200:
            errors["name"] = ("a name of 1 to 200 characters", "姓名必填，不超过200字")
        unit = str(values.get("unit") or "").strip()
        if unit not in units:
            errors["unit"] = (f"no unit {unit!r}", "请选择所在单位")
        raw_roles = values.get("roles") or []
        roles = tuple(dict.fromkeys(str(r).strip() for r in
                                    (raw_roles.split(",") if isinstance(raw_roles, str) else raw_roles)
                                    if str(r).strip()))
        policy = self._policy(units, unit if unit in units else None)
        known = {str(r.get("code")) for r in policy.get("roles") or ()}
        bad = [r for r in roles
               if r.split("@", 1)[0] not in known or ("@" in r and r.split("@", 1)[1] not in units)]
        if not roles:
            errors["roles"] = ("at least one role", "至少选择一个岗位")
        elif bad:
            errors["roles"] = (f"unknown role(s) {', '.join(bad)}", f"未知岗位：{'、'.join(bad)}")
        phone = re.sub(r"[\s-]", "", str(values.get("phone") or "")) or None
        if phone is not None and not PHONE_PATTERN.fullmatch(phone):
            errors["phone"] = (f"{phone!r} is not a phone number", "电话号码格式不正确")
        email = str(values.get("email") or "").strip() or None
        if email is not None and (not EMAIL_PATTERN.fullmatch(email) or len(email) > 200):
            errors["email"] = (f"{email!r} is not an e-mail address", "电子邮箱格式不正确")
        deputy = str(values.get("deputy") or "").strip() or None
        if deputy == login:
            errors["deputy"] = ("someone else", "代理人不能是本人")
        return StaffRecord(login, name, unit, roles, phone, email, True, deputy=deputy)

    def _check_deputy(self, tx: Tx, units: Mapping[str, UnitRecord], person: StaffRecord,
                      errors: dict[str, tuple[str, str]], deputy: str | None = None,
                      field_name: str = "deputy") -> StaffRecord | None:
        """The deputy record when valid (active, another person, may read the person's cases)."""
        login = deputy if deputy is not None else person.deputy
        if login is None:
            return None
        found = tx.staff(login)
        if found is None or not found.active:
            errors[field_name] = (f"no active staff member {login!r}", f"没有在职员工 {login}")
            return None
        if found.login == person.login:
            errors[field_name] = ("someone else", "代理人不能是本人")
            return None
        if not self._may_stand_in(found, placement_of(units, person.unit), units):
            errors[field_name] = (f"{login} works in another subsidiary and cannot see this person's cases",
                                  f"{found.name} 属于其他公司，看不到本人的案件，不能作代理人")
            return None
        return found

    def deactivate(self, actor: str, login: str, handover: str | None) -> Deactivated:
        """Deactivate ``login``: open tasks back to their queues (``handover`` None or ``queue``) or to the
        named person; sessions and tokens end; nobody keeps them as deputy. One transaction."""
        handover = (handover or "").strip() or None
        now = self.clock.now()
        with self.store.write() as tx:
            me, subject, units = self._who(tx, actor)
            person = self._staff(tx, login)
            require(subject, "org.manage", unit_target(units, person.unit, person=login))
            if login == me.login:
                raise _invalid("you cannot deactivate yourself; ask another administrator",
                               "不能停用自己，请由其他管理员操作",
                               {"handover": ("not yourself", "不能停用自己")})
            if not person.active:
                raise _invalid(f"{login} is already inactive", f"{person.name} 已停用",
                               {"handover": ("already inactive", "已停用")})
            receiver: StaffRecord | None = None
            if handover not in (None, "queue"):
                errors: dict[str, tuple[str, str]] = {}
                receiver = self._check_deputy(tx, units, person, errors, deputy=handover,
                                              field_name="handover")
                if receiver is None:
                    raise _invalid(f"the tasks cannot go to {handover}", "接手人不符合要求", errors)
            repo = OrgRepo(tx)
            repo.update_staff(login, active=False)
            rows = tx.inbox(assignee=login, limit=100_000)
            moved = hand_over(tx, rows, to=receiver, units=units, actor=actor, reason="deactivated", at=now)
            sessions, tokens = end_all_for(tx, login, now, "deactivated")
            cleared = repo.deputies_of(login)
            for other in cleared:
                repo.update_staff(other, deputy=None)
            tx.append_audit(None, [{"actor": actor, "action": "org.staff.deactivated", "data": {
                "login": login, "handover": receiver.login if receiver else "queue",
                "tasks": [{"task_id": m.task_id, "number": m.number, "title": m.title} for m in moved],
                "sessions_ended": sessions, "tokens_revoked": tokens, "deputy_cleared_for": cleared}}], now)
        return Deactivated(login, moved, sessions, tokens, cleared)

    def reactivate(self, actor: str, login: str) -> None:
        """Let a deactivated staff member work again (they sign in with a new password or token)."""
        now = self.clock.now()
        with self.store.write() as tx:
            _, subject, units = self._who(tx, actor)
            person = self._staff(tx, login)
            require(subject, "org.manage", unit_target(units, person.unit, person=login))
            if person.active:
                return
            OrgRepo(tx).update_staff(login, active=True)
            tx.append_audit(None, [{"actor": actor, "action": "org.staff.reactivated",
                                    "data": {"login": login}}], now)

    def reset_password(self, actor: str, login: str, hashed: str) -> int:
        """Store a new password hash for ``login`` (hashed by the caller; the password is shown once to
        the administrator) and end their sessions; audited without the secret. Returns sessions ended."""
        now = self.clock.now()
        with self.store.write() as tx:
            _, subject, units = self._who(tx, actor)
            person = self._staff(tx, login)
            require(subject, "org.manage", unit_target(units, person.unit, person=login))
            if not person.active:
                raise _invalid(f"{login} is inactive; reactivate them first",
                               f"{person.name} 已停用，请先重新启用", {"password": ("inactive", "已停用")})
            OrgRepo(tx).update_staff(login, password_hash=hashed)
            sessions = AuthRepo(tx).end_sessions(login, now, "password_reset") if actor != login else 0
            tx.append_audit(None, [{"actor": actor, "action": "org.staff.password_reset",
                                    "data": {"login": login, "sessions_ended": sessions}}], now)
        return sessions

    # -- absences ----------------------------------------------------------------------------------
    def record_absence(self, actor: str, login: str, starts: datetime | None, ends: datetime | None,
                       deputy: str | None = None, reason: str = "") -> tuple[AbsenceRecord, list[HandedOver]]:
        """Record ``login``'s absence from ``starts`` until ``ends`` with a deputy (their standing one
        unless named); the tasks due meanwhile go to the deputy when it starts (at once if it has)."""
        now = self.clock.now()
        reason = reason.strip()
        with self.store.write() as tx:
            _, subject, units = self._who(tx, actor)
            person = self._staff(tx, login)
            require(subject, "org.absence", unit_target(units, person.unit, person=login))
            errors: dict[str, tuple[str, str]] = {}
            if starts is None:
                errors["starts_at"] = ("required", "必填")
            if ends is None:
                errors["ends_at"] = ("required", "必填")
            elif starts is not None and ends <= starts:
                errors["ends_at"] = ("after the start", "结束时间须晚于开始时间")
            elif ends <= now:
                errors["ends_at"] = ("an absence that has not ended yet", "结束时间已过")
            if len(reason) > 500:
                errors["reason"] = ("at most 500 characters", "不超过500字")
            chosen = (deputy or "").strip() or person.deputy
            if chosen is None:
                errors["deputy"] = ("name a deputy (or set a standing deputy first)", "请指定代理人")
            else:
                self._check_deputy(tx, units, person, errors, deputy=chosen)
            repo = OrgRepo(tx)
            if starts is not None and ends is not None and ends > starts:
                clash = [a for a in repo.absences_of(login, since=starts)
                         if a.cancelled_at is None and a.starts_at < ends]
                if clash:
                    errors["starts_at"] = (f"overlaps absence #{clash[0].id}", "与已登记的请假时间重叠")
            if errors:
                raise _invalid(_summary("the absence was not recorded", errors),
                               "请假未登记，请修改标出的项", errors)
            assert starts is not None and ends is not None and chosen is not None
            ident = repo.add_absence(login=login, deputy=chosen, starts_at=starts, ends_at=ends,
                                     reason=reason[:500], created_by=actor, created_at=now)
            absence = repo.absence(ident)
            assert absence is not None
            moved = self._apply(tx, [absence], units, now) if absence.covers(now) else []
            tx.append_audit(None, [{"actor": actor, "action": "org.absence.recorded", "data": {
                "absence": ident, "login": login, "deputy": chosen, "starts_at": starts.isoformat(),
                "ends_at": ends.isoformat(), "reason": reason[:500],
                "tasks": [m.task_id for m in moved]}}], now)
        return absence, moved

    def cancel_absence(self, actor: str, absence_id: int) -> None:
        """Cancel an absence (tasks already handed over stay with the deputy)."""
        now = self.clock.now()
        with self.store.write() as tx:
            _, subject, units = self._who(tx, actor)
            repo = OrgRepo(tx)
            absence = repo.absence(absence_id)
            if absence is None or absence.cancelled_at is not None:
                raise NotFoundError(f"no absence #{absence_id} to cancel",
                                    zh=f"没有可取消的请假 #{absence_id}")
            person = self._staff(tx, absence.login)
            require(subject, "org.absence", unit_target(units, person.unit, person=person.login))
            repo.cancel_absence(absence_id, now, actor)
            tx.append_audit(None, [{"actor": actor, "action": "org.absence.cancelled",
                                    "data": {"absence": absence_id, "login": absence.login}}], now)

    def apply_absences(self) -> list[HandedOver]:
        """Hand the tasks of everyone absent now to their deputies (the worker runs it every sweep)."""
        now = self.clock.now()
        with self.store.read() as tx:
            current = OrgRepo(tx).absences_at(now)
        if not current:
            return []
        with self.store.write() as tx:
            return self._apply(tx, current, tx.units(), now)

    def _apply(self, tx: Tx, absences: Sequence[AbsenceRecord], units: Mapping[str, UnitRecord],
               now: datetime) -> list[HandedOver]:
        repo = OrgRepo(tx)
        away = {a.login: a for a in repo.absences_at(now)}
        away.update({a.login: a for a in absences})
        staff = {s.login: _placed(s, units) for s in repo.all_staff() if s.active}
        holders: dict[str, set[str]] = {}
        for member in staff.values():
            for group in candidate_groups(member):
                holders.setdefault(group, set()).add(member.login)
        moved: list[HandedOver] = []
        for absence in absences:
            person = staff.get(absence.login)
            deputy = self._acting(absence.deputy, away, staff)
            if person is None or deputy is None:
                continue
            rows = [r for r in tx.inbox(assignee=person.login, limit=100_000)
                    if r.due_at is not None and r.due_at < absence.ends_at]
            alone = [g for g in candidate_groups(person)
                     if not (holders.get(g, set()) - set(away)) and person.login in holders.get(g, set())]
            if alone:
                rows += [r for r in tx.inbox(groups=alone, limit=100_000)
                         if r.assignee is None and r.due_at is not None and r.due_at < absence.ends_at]
            sees = subject_of(deputy, units)  # a task of a case the deputy may not read stays where it is
            rows = [r for r in rows if can(sees, "case.read", Target("case", r.subsidiary, r.project))]
            moved += hand_over(tx, rows, to=deputy, units=units, actor="system", reason="absence", at=now,
                               extra={"absence": absence.id, "absent": person.login})
        return moved

    @staticmethod
    def _acting(login: str, away: Mapping[str, AbsenceRecord], staff: Mapping[str, StaffRecord],
                ) -> StaffRecord | None:
        """``login``, or whoever stands in for them when they are away too (None when nobody can)."""
        seen: set[str] = set()
        at: str = login
        for _ in range(_MAX_DEPUTY_CHAIN):
            if at in seen or at not in staff:
                return None
            seen.add(at)
            if at not in away:
                return staff[at]
            at = away[at].deputy
        return None


def _placed(staff: StaffRecord, units: Mapping[str, UnitRecord]) -> StaffRecord:
    """``staff`` with its unit's kind and parent (what ``candidate_groups`` needs)."""
    unit = units.get(staff.unit)
    return replace(staff, unit_kind=unit.kind, unit_parent=unit.parent) if unit is not None else staff


def _summary(message: str, errors: Mapping[str, tuple[str, str]]) -> str:
    return message + ": " + "; ".join(f"{k}: {v[0]}" for k, v in errors.items())


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
