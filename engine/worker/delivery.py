"""Delivery of the outbox: e-mail over SMTP, SMS and WeCom through a webhook adapter; retries with backoff.

A message is leased (``status = 'sending'``) in one short transaction, sent with no transaction
open, then marked ``sent`` or given a retry time: the policy's ``notifications.retry_backoff``
doubled after each failed attempt, up to ``notifications.retry_attempts`` attempts (then
``dead``). A worker that dies between sending and marking leaves the lease to expire and the
message is sent again; every message carries its outbox key (``Message-ID`` for e-mail, the
``Idempotency-Key`` header for webhooks) so the receiving side can drop such a repeat.
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from engine.errors import ConfigError
from engine.store import Store
from engine.store.worker_repo import MessageRecord, WorkerRepo
from engine.worker.context import span
from engine.worker.outbox import send_at

__all__ = ["DeliveryReport", "SmtpTransport", "Transport", "WebhookTransport", "deliver", "transports_from"]

LEASE = timedelta(minutes=5)
TIMEOUT_SECONDS = 10


class Transport(Protocol):
    """Sends one message; raises ``OSError`` (or a subclass) when it could not."""

    def send(self, message: MessageRecord) -> None:
        """Send ``message``."""
        ...


class SmtpTransport:
    """E-mail over SMTP: ``smtp://[user:password@]host:port[?starttls=1]``."""

    def __init__(self, url: str, sender: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ConfigError(f"SMTP URL {url!r} is not valid; e.g. smtp://mail.example.com:25")
        self.host = parts.hostname
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.ssl = parts.scheme == "smtps"
        self.starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in {"1", "true", "yes"}
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender

    def send(self, message: MessageRecord) -> None:
        """Send one e-mail; its Message-ID is derived from the outbox key."""
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.address
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = f"<{message.key.replace(':', '.').replace(' ', '_')}@kefu>"
        mail.set_content(message.body)
        # e.g. the monthly report's Excel (engine.reports.delivery); one path a line (the penalty ledger
        # and the staff statements go together)
        for line in (message.attachment or "").splitlines():
            path = Path(line)
            mail.add_attachment(path.read_bytes(), maintype="application",
                                subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                filename=path.name)
        client = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
        with client(self.host, self.port, timeout=TIMEOUT_SECONDS) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(mail)


class WebhookTransport:
    """SMS or WeCom through an adapter that takes a JSON POST; 2xx is success."""

    def __init__(self, url: str, channel: str) -> None:
        if urlsplit(url).scheme not in {"http", "https"}:
            raise ConfigError(f"webhook URL {url!r} is not valid; e.g. https://sms-gateway.example/send")
        self.url = url
        self.channel = channel

    def send(self, message: MessageRecord) -> None:
        """POST ``{channel, to, subject, text, key}``; raises OSError on a non-2xx answer."""
        payload = {"channel": self.channel, "to": message.address, "subject": message.subject,
                   "text": message.body, "key": message.key}
        request = urllib.request.Request(
            self.url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.key})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
                answer.read()
        except urllib.error.HTTPError as exc:
            raise OSError(f"webhook answered {exc.code} {exc.reason}") from None


def transports_from(settings: Any) -> dict[str, Transport]:
    """The transports the settings configure (a channel without one keeps its messages queued)."""
    out: dict[str, Transport] = {}
    if settings.smtp_url:
        out["email"] = SmtpTransport(settings.smtp_url, settings.mail_from)
    if settings.sms_webhook_url:
        out["sms"] = WebhookTransport(settings.sms_webhook_url, "sms")
    if settings.wecom_webhook_url:
        out["wecom"] = WebhookTransport(settings.wecom_webhook_url, "wecom")
    return out


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    sent: int = 0
    failed: int = 0
    dead: int = 0
    held: int = 0


def deliver(store: Store, now: datetime, transports: Mapping[str, Transport],
            policy_for: Callable[[str | None], Any], limit: int = 200) -> DeliveryReport:
    """Send the due messages of every configured channel once; failures get a retry time.

    ``policy_for(unit)`` is the effective policy of a message's unit: its calendar holds a
    working-time-only message until work starts (a message claimed outside it, e.g. after a lease
    ran out at night, goes back to the queue), and its retry settings apply.
    """
    report = DeliveryReport()
    if not transports:
        return report
    with store.write() as tx:
        batch = WorkerRepo(tx).claim_messages(now, sorted(transports), LEASE, limit)
    for message in batch:
        policy = policy_for(message.unit)
        if message.working_time_only and not policy.get("notifications.around_the_clock") \
                and not policy.calendar.is_working_time(now):
            with store.write() as tx:
                WorkerRepo(tx).message_held(message.id, send_at(policy, now))
            report.held += 1
            continue
        attempts = int(policy.get("notifications.retry_attempts"))
        backoff = span(policy.duration("notifications.retry_backoff"), now, policy.calendar)
        error: str | None = None
        try:
            transports[message.channel].send(message)
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        with store.write() as tx:
            repo = WorkerRepo(tx)
            if error is None:
                repo.message_sent(message.id, now)
                report.sent += 1
            elif message.attempts >= attempts:
                repo.message_failed(message.id, error, None)
                report.dead += 1
            else:
                retry = now + backoff * (2 ** (message.attempts - 1))
                retry = send_at(policy, retry) if message.working_time_only else retry
                repo.message_failed(message.id, error, retry)
                report.failed += 1
    return report
