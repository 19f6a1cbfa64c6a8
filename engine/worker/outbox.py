"""``Notifier``: writes in-app notifications and outbox messages inside the transaction of their cause.

One call tells a list of people one thing (``kind`` + ``ref``) in the words of the policy's template
(``notifications.templates.<kind>``) on every channel it names (the template's ``channels``, else
``notifications.channels``). Each row's key is ``kind:ref:login:channel``, so telling the same
thing twice (a rerun, a second worker) writes nothing new. Unless the policy says
``notifications.around_the_clock`` or the caller says ``at_once`` (emergencies), a message is not sent
before the next working time of the unit's calendar: nothing goes out at midnight or on a holiday.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from engine.store import StaffRecord
from engine.store.worker_repo import WorkerRepo
from engine.worker.templates import render

__all__ = ["CHANNELS", "Notifier", "send_at"]

CHANNELS = ("in_app", "email", "sms", "wecom")


def send_at(policy: Any, moment: datetime) -> datetime:
    """The first moment at or after ``moment`` when the policy allows a message to go out."""
    if policy.get("notifications.around_the_clock"):
        return moment
    return policy.calendar.next_working_moment(moment)


class Notifier:
    """Queues what one job run tells people."""

    def __init__(self, repo: WorkerRepo, policy: Any, now: datetime) -> None:
        self.repo = repo
        self.policy = policy
        self.now = now
        self.locale = str(policy.get("notifications.locale"))
        self.channels = [str(c) for c in policy.get("notifications.channels")]
        self.around_the_clock = bool(policy.get("notifications.around_the_clock"))
        self.templates: dict[str, Any] = {}
        self.queued = 0

    def tell(self, people: Iterable[StaffRecord], kind: str, ref: str, *, case_id: str | None = None,
             case_number: str | None = None, channels: Sequence[str] | None = None, at_once: bool = False,
             attachment: str | Sequence[str] | None = None, **values: Any) -> int:
        """Tell each person once per channel (the policy's, or ``channels``); how many rows were new.

        ``at_once`` sends now whatever the hour (an emergency, 000 投诉的受理3 第一时间通知);
        ``attachment`` is a file the e-mails carry (the monthly report's Excel), or several (the penalty
        ledger and the staff statements), kept one path a line.
        """
        if attachment is not None and not isinstance(attachment, str):
            attachment = "\n".join(str(a) for a in attachment)
        held = not (self.around_the_clock or at_once)
        due = send_at(self.policy, self.now) if held else self.now
        seen: set[str] = set()
        notes: list[dict[str, Any]] = []  # written together: one statement per table, not one per row
        messages: list[dict[str, Any]] = []
        for person in people:
            if person.login in seen:
                continue
            seen.add(person.login)
            template = self.templates.get(kind)
            if template is None:
                template = self.templates[kind] = self.policy.get(f"notifications.templates.{kind}")
            subject, body = render(template, self.locale, name=person.name, **values)
            chosen = channels if channels is not None else template.get("channels", self.channels)
            for channel in chosen:
                key = f"{kind}:{ref}:{person.login}:{channel}"[:200]
                if channel == "in_app":
                    notes.append({"key": key, "recipient": person.login, "kind": kind, "title": subject,
                                  "body": body, "case_number": case_number, "created_at": self.now})
                    continue
                address = _address(person, channel)
                if address is None:
                    continue
                messages.append({"key": key, "channel": channel, "recipient": person.login,
                                 "address": address, "subject": subject, "body": body, "kind": kind,
                                 "case_id": case_id, "next_attempt_at": due, "created_at": self.now,
                                 "working_time_only": held, "unit": self.policy.code,
                                 "attachment": attachment if channel == "email" else None})
        new = self.repo.add_notifications(notes) + self.repo.add_messages(messages)
        self.queued += new
        return new


def _address(person: StaffRecord, channel: str) -> str | None:
    if channel == "email":
        return person.email or None
    if channel == "sms":
        return person.phone or None
    if channel == "wecom":
        return person.login
    return None
