"""Overdue contact changes (R0.3, issue 17): a change of a unit's contacts that the CS centre has not
acknowledged by its due time (``interfaces.change_notice`` after the change, 000 一、2: 在一个工作日内知会
客服中心) is escalated once, as soon as a sweep sees it past due.

The people told hold a role of the unit's policy ``interfaces.overdue_to`` (the CS manager and the
CS-centre deputy GM in the group standard), each role looked up nearest the unit (its project, its
subsidiary, the group). The words and channels are ``notifications.templates.contact_change_overdue``;
outside working time SMS and e-mail wait for work to start, as every alert does. The alert is keyed by
the change and its due time (``alerts.key``): a second sweep, a second worker, a worker that was down
for a week tells nobody twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engine.clock import FixedClock, local_minutes
from engine.contacts import Contacts
from engine.runtime.access import placement_of
from engine.store import Store
from engine.store.org_repo import ContactChangeRecord, OrgRepo
from engine.store.worker_repo import WorkerRepo
from engine.worker.outbox import Notifier
from engine.worker.people import Directory

__all__ = ["KIND", "contact_change_alerts"]

KIND = "contact_change_overdue"


def contact_change_alerts(store: Store, policies: Any, now: datetime, directory: Directory) -> int:
    """Escalate every open contact change past its due time that has not been escalated; how many were."""
    with store.read() as tx:  # most sweeps find none new: no write transaction (no lock) for nothing
        keys = [_key(c) for c in OrgRepo(tx).overdue_contact_changes(now) if c.unit in directory.units]
        if not keys or not set(keys) - WorkerRepo(tx).alert_keys(keys):
            return 0
    book = Contacts(store, policies, FixedClock(now))
    units = directory.units
    raised = 0
    with store.write() as tx:
        repo = WorkerRepo(tx)
        for change in OrgRepo(tx).overdue_contact_changes(now):
            if change.unit not in units:
                continue  # the unit was removed since: nobody to chase
            due = change.due_at.astimezone(UTC).isoformat()
            place = placement_of(units, change.unit)
            if not repo.add_alert(key=_key(change), kind=KIND,
                                  unit=change.subsidiary or place.group or change.unit, case_id=None, at=now,
                                  data={"change": change.id, "unit": change.unit, "due_at": due}):
                continue
            policy = book.policy_of(units, change.unit)
            people = [p for role in policy.get("interfaces.overdue_to")
                      for p in directory.nearest(str(role), place.project, place.subsidiary, place.group)]
            by = directory.person(change.changed_by)
            zone = policy.calendar.tz
            Notifier(repo, policy, now).tell(
                people, KIND, f"{change.id}:{due}", unit=units[change.unit].name,
                by=by.name if by is not None else change.changed_by,
                changes=book.described(units, change.unit, change.changes),
                changed=local_minutes(change.changed_at, zone),
                due=local_minutes(change.due_at, zone))
            raised += 1
    return raised


def _key(change: ContactChangeRecord) -> str:
    """The alert's key: the change and its due time, in UTC (the same whatever the database's zone)."""
    return f"{KIND}:{change.id}:{change.due_at.astimezone(UTC).isoformat()}"
