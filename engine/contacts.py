"""Published contacts (R0.3, 000 一、客服接口): the contact book every staff member searches.

Each company and project publishes its **external** contacts (``interfaces.external``: the 400
hotline, the work e-mail); each department names its **internal** contact (``interfaces.internal``:
a person, a phone, an e-mail). Who edits a unit's contacts is ``contact.edit`` (its organisation
administrators; a department's own head; the CS centre for an area's external contacts). Every change
is one transaction: the contacts, a ``contact_changes`` row, a ``contact.changed`` event on the
system audit chain and an in-app notice (``notifications.templates.contact_changed``) to the CS
centre of the unit's subsidiary (``interfaces.acknowledged_by``), which acknowledges it within
``interfaces.change_notice`` (one working day, 000 一、2: 在一个工作日内知会客服中心):
``contact.acknowledge``, audited as ``contact.acknowledged``. A change still open after its due time
is escalated once by the worker (``engine.worker.contact_alerts``) to ``interfaces.overdue_to``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.clock import Clock, local_minutes
from engine.errors import ConflictError, FormError, NotFoundError
from engine.org import EMAIL_PATTERN, PHONE_PATTERN
from engine.org_admin import reading_order, unit_target
from engine.permissions import can, require, subject_of
from engine.runtime.access import placement_of
from engine.store import StaffRecord, Store, Tx, UnitRecord
from engine.store.authenticated import known_actor
from engine.store.org_repo import ContactChangeRecord, OrgRepo

__all__ = ["Channel", "ContactCard", "Contacts", "PendingChange"]

_MAX_VALUE = 200
_EXTERNAL_KINDS = ("group", "subsidiary", "project")


@dataclass(frozen=True)
class Channel:
    """One channel a unit publishes: its code, Chinese and English name, format and current value."""

    code: str
    name: str
    en: str
    format: str
    value: str = ""


@dataclass(frozen=True)
class ContactCard:
    """A unit's contacts as the book shows them: where it sits, its channels, whether one may edit."""

    code: str
    name: str
    kind: str
    path: str  # the units above it, by name (华锦集团 › 深圳物业公司)
    channels: tuple[Channel, ...]
    may_edit: bool = False


@dataclass(frozen=True)
class PendingChange:
    """A change of contacts the CS centre has to acknowledge."""

    change: ContactChangeRecord
    unit_name: str
    changed_by_name: str
    text: str  # what changed, in Chinese: 400客服电话：（无）→ 400-888-1234


def _invalid(field: str, en: str, zh: str) -> FormError:
    error = FormError(en, {field: en}, zh=zh)
    error.errors_zh = {field: zh}  # type: ignore[attr-defined]
    return error


class Contacts:
    """The contact book on a store, a policy set and a clock."""

    def __init__(self, store: Store, policies: Any, clock: Clock) -> None:
        self.store = store
        self.policies = policies
        self.clock = clock

    @classmethod
    def of(cls, runtime: Any) -> Contacts:
        """The contact book of a runtime's store, policies and clock."""
        return cls(runtime.store, runtime.policies, runtime.clock)

    # -- rules -------------------------------------------------------------------------------------
    def policy_of(self, units: Mapping[str, UnitRecord], code: str | None) -> Any:
        """The effective policy of unit ``code``: its project's, else its subsidiary's, else the group's."""
        place = placement_of(units, code)
        for unit in (place.project, place.subsidiary):
            if unit and unit in getattr(self.policies, "units", ()):
                return self.policies.effective(unit)
        return self.policies.effective(None)

    def channels(self, units: Mapping[str, UnitRecord], code: str) -> list[Channel]:
        """The channels unit ``code`` publishes: external for a company or project, internal for a
        department (its policy's ``interfaces.*``)."""
        kind = units[code].kind
        key = "interfaces.external" if kind in _EXTERNAL_KINDS else "interfaces.internal"
        return [Channel(str(r["code"]), str(r["name"]), str(r.get("en") or r["name"]), str(r["format"]))
                for r in self.policy_of(units, code).get(key)]

    @staticmethod
    def _staff(tx: Tx, actor: str) -> StaffRecord:
        staff = known_actor(actor) or tx.staff(actor)  # a web request's signed-in person is not read again
        if staff is None or not staff.active:
            raise NotFoundError(f"no active staff member {actor!r}", zh=f"没有在职员工 {actor}")
        return staff

    @classmethod
    def _who(cls, tx: Tx, actor: str) -> tuple[StaffRecord, Any, dict[str, UnitRecord]]:
        staff = cls._staff(tx, actor)
        units = tx.units()
        return staff, subject_of(staff, units), units

    # -- the book ----------------------------------------------------------------------------------
    def book(self, actor: str, query: str = "") -> list[ContactCard]:
        """Every unit with a published contact (all units when ``query`` names them), in the order the
        group reads its organisation (``reading_order``);
        ``query`` matches a unit's name or code or a contact's value."""
        text = query.strip()[:100]
        with self.store.read() as tx:
            _, subject, units = self._who(tx, actor)
            require(subject, "contact.read", unit_target(units, subject.unit))
            repo = OrgRepo(tx)
            values: dict[str, dict[str, str]] = {}
            for row in repo.contacts():
                values.setdefault(row.unit, {})[row.channel] = row.value
            if text:
                wanted = set(repo.units_matching(text)) | set(repo.search_contacts(text))
            else:
                wanted = set(values)
        cards = []
        for code in reading_order(units):
            if code not in wanted:
                continue
            unit = units[code]
            mine = values.get(code, {})
            channels = tuple(Channel(c.code, c.name, c.en, c.format, mine.get(c.code, ""))
                             for c in self.channels(units, code))
            above = []
            at = units.get(unit.parent) if unit.parent else None
            while at is not None:
                above.append(at.name)
                at = units.get(at.parent) if at.parent else None
            cards.append(ContactCard(code, unit.name, unit.kind, " › ".join(reversed(above)), channels,
                                     bool(can(subject, "contact.edit", unit_target(units, code)))))
        return cards

    def card(self, actor: str, code: str) -> ContactCard:
        """One unit's card for its edit form; PermissionDenied unless ``actor`` may edit it."""
        with self.store.read() as tx:
            _, subject, units = self._who(tx, actor)
            if code not in units:
                raise NotFoundError(f"no unit {code!r}", zh=f"没有单位 {code}")
            require(subject, "contact.edit", unit_target(units, code))
            mine = {r.channel: r.value for r in OrgRepo(tx).contacts([code])}
        channels = tuple(Channel(c.code, c.name, c.en, c.format, mine.get(c.code, ""))
                         for c in self.channels(units, code))
        return ContactCard(code, units[code].name, units[code].kind, "", channels, True)

    # -- changing ----------------------------------------------------------------------------------
    def _clean(self, channels: list[Channel], values: Mapping[str, Any]) -> dict[str, str | None]:
        known = {c.code: c for c in channels}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise _invalid(unknown[0], f"unknown contact channel {unknown[0]!r}; this unit publishes: "
                           f"{', '.join(known)}", "该单位没有这一联系方式")
        out: dict[str, str | None] = {}
        for code, channel in known.items():
            if code not in values:
                continue
            value = str(values[code] or "").strip()
            if len(value) > _MAX_VALUE or "\x00" in value:
                raise _invalid(code, f"{channel.en}: at most {_MAX_VALUE} characters",
                               f"{channel.name}最多{_MAX_VALUE}个字")
            plain = value.replace(" ", "")
            if value and channel.format == "phone" and not PHONE_PATTERN.fullmatch(plain):
                raise _invalid(code, f"{channel.en}: {value!r} is not a phone number (e.g. 400-888-1234, "
                               "0755-88881234, 13800000000)", f"{channel.name}格式不对，如 400-888-1234")
            if value and channel.format == "email" and not EMAIL_PATTERN.fullmatch(value):
                raise _invalid(code, f"{channel.en}: {value!r} is not an e-mail address",
                               f"{channel.name}不是有效的电子信箱，如 kefu@example.com")
            out[code] = (plain if channel.format == "phone" else value) or None
        return out

    def seed(self, contacts: Mapping[str, Mapping[str, Any]], by: str = "system") -> int:
        """Publish demo contacts (``engine/demo/contacts.yaml``) for the units that publish none yet, each
        checked as the form checks it; returns how many units got theirs. Units unknown to the database
        are skipped; nothing is told to the CS centre (nothing changed that it knew)."""
        seeded = 0
        with self.store.write() as tx:
            units, repo = tx.units(), OrgRepo(tx)
            published = {row.unit for row in repo.contacts()}
            for code, values in contacts.items():
                if code not in units or code in published:
                    continue
                repo.set_contacts(code, self._clean(self.channels(units, code), values), self.clock.now(), by)
                seeded += 1
        return seeded

    def save(self, actor: str, code: str, values: Mapping[str, Any]) -> ContactChangeRecord | None:
        """Set unit ``code``'s contacts (a channel left empty is removed); None when nothing changed.

        A change is recorded, audited and told to the CS centre, which acknowledges it by the due time.
        """
        from engine.store.worker_repo import WorkerRepo
        from engine.worker.outbox import Notifier

        now = self.clock.now()
        with self.store.write() as tx:
            staff, subject, units = self._who(tx, actor)
            if code not in units:
                raise NotFoundError(f"no unit {code!r}", zh=f"没有单位 {code}")
            target = unit_target(units, code)
            require(subject, "contact.edit", target)
            channels = self.channels(units, code)
            cleaned = self._clean(channels, values)
            repo = OrgRepo(tx)
            before = {r.channel: r.value for r in repo.contacts([code])}
            changes = {c: [before.get(c), v] for c, v in cleaned.items() if before.get(c) != v}
            if not changes:
                return None
            repo.set_contacts(code, {c: cleaned[c] for c in changes}, now, actor)
            policy = self.policy_of(units, code)
            due = policy.deadline("interfaces.change_notice", now)
            subsidiary = placement_of(units, code).subsidiary
            change_id = repo.add_contact_change(unit=code, subsidiary=subsidiary, changes=changes,
                                                changed_by=actor, changed_at=now, due_at=due)
            tx.append_audit(None, [{"actor": actor, "action": "contact.changed", "data": {
                "unit": code, "changes": changes, "change": change_id, "due_at": due.isoformat()}}], now)
            told = self.described(units, code, changes)
            people = [p for p in repo.all_staff() if self._acknowledges(p, units, code, policy)]
            Notifier(WorkerRepo(tx), policy, now).tell(
                people, "contact_changed", f"contact_change:{change_id}", unit=units[code].name,
                by=staff.name,
                changes=told, due=local_minutes(due, policy.calendar.tz))
            record = repo.contact_change(change_id)
        assert record is not None
        return record

    def described(self, units: Mapping[str, UnitRecord], code: str, changes: Mapping[str, Any]) -> str:
        """What changed, in Chinese: ``400客服电话：（无）→ 400-888-1234；…``."""
        names = {c.code: c.name for c in self.channels(units, code)}
        return "；".join(f"{names.get(c, c)}：{old or '（无）'} → {new or '（删除）'}"
                        for c, (old, new) in changes.items())

    def _acknowledges(self, person: StaffRecord, units: Mapping[str, UnitRecord], code: str,
                      policy: Any) -> bool:
        if not person.active or person.unit not in units:
            return False
        target = unit_target(units, code)
        return bool(can(subject_of(person, units), "contact.acknowledge", target, policy=policy))

    # -- acknowledging -----------------------------------------------------------------------------
    def pending(self, actor: str) -> list[PendingChange]:
        """The open changes ``actor`` may acknowledge, the earliest due first."""
        with self.store.read() as tx:
            staff = self._staff(tx, actor)
            repo = OrgRepo(tx)
            changes = repo.contact_changes()
            if not changes:  # the usual inbox page: no organisation read for nothing to acknowledge
                return []
            units = tx.units()
            subject = subject_of(staff, units)
            logins = sorted({c.changed_by for c in changes})
            people = {p.login: p.name for p in repo.all_staff(logins)} if logins else {}
        out = []
        for change in changes:
            if change.unit not in units:
                continue
            policy = self.policy_of(units, change.unit)
            if can(subject, "contact.acknowledge", unit_target(units, change.unit), policy=policy):
                out.append(PendingChange(change, units[change.unit].name,
                                         people.get(change.changed_by, change.changed_by),
                                         self.described(units, change.unit, change.changes)))
        return out

    def acknowledge(self, actor: str, change_id: int) -> ContactChangeRecord:
        """The CS centre has taken note of change ``change_id``; audited. ConflictError when someone did."""
        now = self.clock.now()
        with self.store.write() as tx:
            _, subject, units = self._who(tx, actor)
            repo = OrgRepo(tx)
            change = repo.contact_change(change_id)
            if change is None or change.unit not in units:
                raise NotFoundError(f"no contact change {change_id}", zh="没有这条对接信息变更")
            policy = self.policy_of(units, change.unit)
            require(subject, "contact.acknowledge", unit_target(units, change.unit), policy=policy)
            if not repo.acknowledge_contact_change(change_id, actor, now):
                raise ConflictError(f"change {change_id} was already acknowledged by "
                                    f"{change.acknowledged_by}",
                                    zh=f"该变更已由 {change.acknowledged_by} 确认")
            late = now > change.due_at
            tx.append_audit(None, [{"actor": actor, "action": "contact.acknowledged", "data": {
                "unit": change.unit, "change": change_id, "due_at": change.due_at.isoformat(),
                "late": late}}],
                now)
            done = repo.contact_change(change_id)
        assert done is not None
        return done


def overdue(change: ContactChangeRecord, now: datetime) -> bool:
    """True when an open change is past its due time."""
    return change.acknowledged_at is None and now > change.due_at
