"""Outbox delivery: e-mail to a real SMTP server (aiosmtpd), SMS through a webhook; retries, no duplicates."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from engine.clock import FixedClock
from engine.policy.catalogue import entry
from engine.store import StaffRecord, Store
from engine.store.worker_repo import WorkerRepo
from engine.worker import (
    SmtpTransport,
    WebhookTransport,
    deliver,
    mark_notifications_read,
    notifications_for,
    unread_count,
)
from engine.worker.outbox import Notifier, send_at
from engine.worker.templates import LOCALES, render
from tests.conftest import shanghai
from tests.engine.worker.conftest import shipped_policies

PERSON = StaffRecord("yang.fan", "杨帆", "sz-property-property", ("department_head",), "13800000008",
                     "yang.fan@huajin.example")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.received: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(message_from_bytes(envelope.content, policy=email_policy.default))
        return "250 OK"


@pytest.fixture
def smtp_port() -> int:
    """A free port on 127.0.0.1 (the test starts the server there when it wants it up)."""
    return _free_port()


def _start_smtp(port: int) -> tuple[Controller, _Inbox]:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


class _Hook:
    """A webhook that fails ``failures`` times with 500, then answers 200; records what it got."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[tuple[str, dict[str, Any]]] = []


@pytest.fixture
def hook() -> Iterator[tuple[str, _Hook]]:
    """A tiny http.server webhook on 127.0.0.1 that fails twice, then succeeds."""
    state = _Hook(failures=2)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if state.failures > 0:
                state.failures -= 1
                self.send_response(500)
            else:
                state.received.append((self.headers["Idempotency-Key"], body))
                self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/send", state
    server.shutdown()
    server.server_close()


def _queue(store: Store, clock: FixedClock, channels: list[str]) -> Any:
    policy = shipped_policies().effective("sz-property")
    with store.write() as tx:
        notifier = Notifier(WorkerRepo(tx), policy, clock.now())
        notifier.channels = channels
        assert notifier.tell([PERSON], "reminder", "sz-property:2026-11-23", count=2, cases="TS-1、TS-2",
                             when="2026-11-23 09:30") == len(channels)
    return policy


def _messages(store: Store) -> list[Any]:
    with store.read() as tx:
        return WorkerRepo(tx).messages()


def _statuses(store: Store) -> list[tuple[str, str, int]]:
    with store.read() as tx:
        return [(m.channel, m.status, m.attempts) for m in WorkerRepo(tx).messages()]


def test_email_goes_out_over_smtp_after_a_failed_attempt_and_only_once(store: Store, smtp_port: int) -> None:
    clock = FixedClock(shanghai("2026-11-23 10:00"))
    policy = _queue(store, clock, ["email"])
    transports = {"email": SmtpTransport(f"smtp://127.0.0.1:{smtp_port}", "kefu@huajin.example")}
    report = deliver(store, clock.now(), transports, lambda unit: policy)  # no server yet: refused
    assert (report.sent, report.failed) == (0, 1)
    assert _statuses(store) == [("email", "pending", 1)]
    controller, inbox = _start_smtp(smtp_port)
    try:
        clock.advance(seconds=30)
        assert deliver(store, clock.now(), transports, lambda unit: policy).sent == 0  # backoff: 1 minute
        clock.advance(seconds=31)
        assert deliver(store, clock.now(), transports, lambda unit: policy).sent == 1
        clock.advance(minutes=10)
        assert deliver(store, clock.now(), transports, lambda unit: policy).sent == 0
    finally:
        controller.stop()
    [mail] = inbox.received
    assert mail["To"] == "yang.fan@huajin.example"
    assert mail["Subject"] == "【投诉提醒】2宗投诉未完成"
    assert "TS-1、TS-2" in mail.get_content()
    assert mail["Message-ID"].startswith("<reminder.sz-property.2026-11-23.yang.fan.email@")
    assert _statuses(store) == [("email", "sent", 2)]


def test_sms_through_the_webhook_backs_off_exponentially_and_is_delivered_once(
        store: Store, hook: tuple[str, _Hook]) -> None:
    url, state = hook
    clock = FixedClock(shanghai("2026-11-23 10:00"))
    policy = _queue(store, clock, ["sms"])
    transports = {"sms": WebhookTransport(url, "sms")}
    assert deliver(store, clock.now(), transports, lambda unit: policy).failed == 1
    with store.read() as tx:
        [message] = WorkerRepo(tx).messages()
    assert message.next_attempt_at == clock.now() + timedelta(minutes=1)
    clock.advance(minutes=1)
    assert deliver(store, clock.now(), transports, lambda unit: policy).failed == 1
    with store.read() as tx:
        [message] = WorkerRepo(tx).messages()
    assert message.next_attempt_at == clock.now() + timedelta(minutes=2)  # doubled
    clock.advance(minutes=2)
    assert deliver(store, clock.now(), transports, lambda unit: policy).sent == 1
    clock.advance(minutes=5)
    assert deliver(store, clock.now(), transports, lambda unit: policy).sent == 0
    [(key, body)] = state.received
    assert key == "reminder:sz-property:2026-11-23:yang.fan:sms"
    assert body["to"] == "13800000008" and body["channel"] == "sms"


def test_a_message_is_given_up_after_the_policys_attempts(store: Store, smtp_port: int) -> None:
    clock = FixedClock(shanghai("2026-11-23 10:00"))
    policy = _queue(store, clock, ["email"])
    transports = {"email": SmtpTransport(f"smtp://127.0.0.1:{smtp_port}", "kefu@huajin.example")}
    for _ in range(int(policy.get("notifications.retry_attempts"))):
        with store.read() as tx:
            [message] = WorkerRepo(tx).messages()
        clock.set(message.next_attempt_at)  # the retry time, moved into working time (lunch, night)
        deliver(store, clock.now(), transports, lambda unit: policy)
    assert _statuses(store) == [("email", "dead", 6)]


def test_nothing_is_sent_outside_working_time_unless_the_policy_runs_around_the_clock(store: Store) -> None:
    clock = FixedClock(shanghai("2026-11-23 23:30"))
    policy = _queue(store, clock, ["email"])
    with store.read() as tx:
        [message] = WorkerRepo(tx).messages()
    assert message.next_attempt_at == shanghai("2026-11-24 08:30")
    transports = {"email": SmtpTransport("smtp://127.0.0.1:1", "k@x")}
    assert deliver(store, clock.now(), transports, lambda unit: policy).sent == 0
    assert _statuses(store) == [("email", "pending", 0)]
    assert send_at(_AroundTheClock(policy), clock.now()) == clock.now()
    holiday = shanghai("2026-10-03 11:00")
    assert send_at(policy, holiday) == shanghai("2026-10-08 08:30")


class _AroundTheClock:
    """The shipped policy with ``notifications.around_the_clock: true``."""

    def __init__(self, policy: Any) -> None:
        self.policy = policy
        self.calendar = policy.calendar

    def get(self, key: str) -> Any:
        return True if key == "notifications.around_the_clock" else self.policy.get(key)


def test_in_app_notifications_are_written_with_the_outbox_and_marked_read(store: Store) -> None:
    clock = FixedClock(shanghai("2026-11-23 10:00"))
    _queue(store, clock, ["in_app", "email"])
    [note] = notifications_for(store, "yang.fan", unread_only=True)
    assert note.title == "【投诉提醒】2宗投诉未完成" and unread_count(store, "yang.fan") == 1
    assert mark_notifications_read(store, "huang.zhiqiang", [note.id], clock) == 0  # not theirs
    assert mark_notifications_read(store, "yang.fan", [note.id], clock) == 1
    assert unread_count(store, "yang.fan") == 0
    assert [m.channel for m in _messages(store)] == ["email"]  # written in the same transaction


TEMPLATES = shipped_policies().effective().get("notifications.templates")


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
@pytest.mark.parametrize("locale", LOCALES)
def test_every_template_renders_in_chinese_and_english_with_the_values_kefu_fills_in(
        kind: str, locale: str) -> None:
    spec = entry(f"notifications.templates.{kind}")
    assert spec is not None
    values = {name: f"<{name}>" for name in spec.fields.split()}  # what the catalogue says kefu passes
    subject, body = render(TEMPLATES[kind], locale, **values)
    assert subject and body and "{" not in subject + body
    if locale == "zh":
        assert re.search(r"[\u4e00-\u9fff]", subject + body)


def test_two_workers_delivering_at_once_send_each_message_once(store: Store) -> None:
    clock = FixedClock(shanghai("2026-11-23 10:00"))
    policy = shipped_policies().effective("sz-property")
    people = [StaffRecord(f"p{i}", f"员工{i}", "sz-property", (), f"1380000{i:04d}", None) for i in range(30)]
    with store.write() as tx:
        notifier = Notifier(WorkerRepo(tx), policy, clock.now())
        assert notifier.tell(people, "reminder", "x", channels=["sms"], count=1, cases="TS-1", when="-") == 30
    sent: list[str] = []
    lock = threading.Lock()

    class Recorder:
        def send(self, message: Any) -> None:
            with lock:
                sent.append(message.key)

    barrier = threading.Barrier(2)
    stores = [Store(store.url) for _ in range(2)]

    def run(own: Store) -> None:
        barrier.wait()
        for _ in range(3):
            deliver(own, clock.now(), {"sms": Recorder()}, lambda unit: policy, limit=7)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.dispose()
    assert len(sent) == 30 and len(set(sent)) == 30
    assert {status for _, status, _ in _statuses(store)} == {"sent"}


def test_a_message_claimed_outside_working_time_goes_back_to_the_queue(store: Store) -> None:
    clock = FixedClock(shanghai("2026-11-23 17:29"))
    policy = _queue(store, clock, ["email"])
    clock.set(shanghai("2026-11-23 19:00"))  # e.g. a crashed worker's lease ran out in the evening
    transports = {"email": SmtpTransport("smtp://127.0.0.1:1", "k@x")}
    report = deliver(store, clock.now(), transports, lambda unit: policy)
    assert (report.sent, report.failed, report.held) == (0, 0, 1)
    [message] = _messages(store)
    assert (message.status, message.attempts) == ("pending", 0)
    assert message.next_attempt_at == shanghai("2026-11-24 08:30")


def test_a_message_follows_the_calendar_of_its_own_unit(store: Store, hook: tuple[str, _Hook]) -> None:
    """hn-region works later than the group: its 17:45 is working time, the group's is not."""
    url, state = hook
    state.failures = 0
    policies = shipped_policies()
    hn = policies.effective("hn-region")
    moment = shanghai("2026-11-23 17:45")
    group = policies.effective(None)
    assert hn.calendar.is_working_time(moment) and not group.calendar.is_working_time(moment)
    with store.write() as tx:
        notifier = Notifier(WorkerRepo(tx), hn, moment)
        notifier.channels = ["sms"]
        notifier.tell([PERSON], "reminder", "hn-region:2026-11-23", count=1, cases="TS-HNR-1",
                      when="2026-11-23 09:30")
    [message] = _messages(store)
    assert message.unit == "hn-region" and message.next_attempt_at == moment
    report = deliver(store, moment, {"sms": WebhookTransport(url, "sms")}, policies.effective)
    assert report.sent == 1 and len(state.received) == 1


def test_a_visitor_sms_is_not_held_for_working_time(store: Store, hook: tuple[str, _Hook]) -> None:
    url, state = hook
    state.failures = 0
    night = shanghai("2026-11-23 21:10")
    with store.write() as tx:
        WorkerRepo(tx).add_message(key="visitor.host:LF-1:13900001202", channel="sms", recipient="resident",
                                   address="13900001202", subject="访客来访", body="…", kind="visitor.host",
                                   case_id=None, next_attempt_at=night, created_at=night,
                                   working_time_only=False, unit="sz-property-lyc")
    policy = shipped_policies().effective("sz-property-lyc")
    assert deliver(store, night, {"sms": WebhookTransport(url, "sms")}, lambda unit: policy).sent == 1
    assert [key for key, _ in state.received] == ["visitor.host:LF-1:13900001202"]
