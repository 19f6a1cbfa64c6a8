"""An API token's check (issue 18): it reads the columns the check and the actor use — never the staff
member's password hash, nor the token's own hash back — and, on PostgreSQL, a request that asks the
policy (a GET, an intake) gets the versions in force in the token's statement, kept as the request's
reading: no round trip of their own. A revoked or expired token is still refused on the very next
request: nothing of a check outlives its request. A web page (GET) gets the versions in force with its
session the same way, and an ended session is refused on the next page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from engine.org import load_org
from engine.policy_drafts import PolicyDesk
from engine.policy_versions import one_reading
from engine.settings import Settings
from tests.conftest import shanghai
from tests.webui.conftest import DEMO_ORG
from webui import create_app
from webui.services import Services, build_services


def _seen(store: Any) -> tuple[list[str], Any]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(store.engine, "before_cursor_execute", record)
    return seen, record


def test_the_token_check_reads_no_password_hash_nor_the_tokens_hash(services: Services) -> None:
    token = services.issue_token("wang.fang", "test")
    seen, record = _seen(services.store)
    try:
        actor, check = services.check_token(token)
    finally:
        event.remove(services.store.engine, "before_cursor_execute", record)
    assert actor is not None and actor.login == "wang.fang" and check.login == "wang.fang"
    [statement] = [s for s in seen if "api_tokens" in s and s.startswith("SELECT")]
    columns = statement.split(" FROM ")[0]
    assert "password_hash" not in columns and "token_hash" not in columns and "created_at" not in columns, \
        columns
    # the record's fields, the unit's name, 4 × (code, kind)
    assert statement.count(" AS staff_") == 8 + 1 + 8


@pytest.fixture
def pg_services(database_factory: Any, tmp_path: Path) -> Iterator[tuple[Services, Any]]:
    """Services on PostgreSQL with the demo org, and an API client of the app over them."""
    from engine.clock import FixedClock

    settings = Settings(database_url=database_factory.fresh("postgresql"), data_dir=tmp_path / "data",
                        secret_key="test-secret")
    svc = build_services(settings, FixedClock(shanghai("2026-11-23 09:00")))
    svc.runtime.import_org(load_org(DEMO_ORG))
    yield svc, create_app(settings, services=svc).test_client()
    svc.store.dispose()


@pytest.mark.postgres
def test_a_reading_request_gets_the_versions_in_force_with_its_token(pg_services: Any) -> None:
    svc, api = pg_services
    desk = PolicyDesk(svc.store, svc.policies, svc.clock)
    draft = desk.create("song.yu", "sz-property")
    desk.save("song.yu", draft.id, re.sub(r"reply: \d+ hours", "reply: 12 hours", draft.text, count=1))
    desk.submit("song.yu", draft.id)
    desk.review("lv.qing", draft.id, approve=True)
    desk.publish("song.yu", draft.id, svc.clock.now())
    token = svc.issue_token("wang.fang", "test")
    headers = {"Authorization": f"Bearer {token}"}
    seen, record = _seen(svc.store)
    try:
        listed = api.get("/api/v1/tasks?view=queue", headers=headers)
        reads = list(seen)
        seen.clear()
        claimed = api.post("/api/v1/tasks/nope/claim", headers=headers)  # a POST that reads no policy
    finally:
        event.remove(svc.store.engine, "before_cursor_execute", record)
    assert listed.status_code == 200, listed.get_data(as_text=True)
    heads = [s for s in reads if "FROM policy_drafts" in s and "effective_at" in s]
    assert len(heads) == 1 and "api_tokens" in heads[0], reads  # one statement: the token and the heads
    assert claimed.status_code == 404 and not any("policy_drafts" in s for s in seen), seen
    # the reading kept is the versions in force, as read alone
    with one_reading():
        actor, check = svc.check_token(token, with_reading=True)
        assert actor is not None and check.heads and len(check.heads) == 1
        assert svc.policies.current() is svc.policies.at(svc.clock.now())
        assert svc.policies.current().effective("sz-property").get("consultation.reply") == "12 hours"


@pytest.mark.postgres
def test_a_revoked_or_expired_token_is_refused_on_the_next_request(pg_services: Any) -> None:
    svc, api = pg_services
    token = svc.issue_token("wang.fang", "test")
    expiring, _record = svc.credentials.issue_token("wang.fang", "short", expires_in=timedelta(minutes=5))
    for path in ("/api/v1/tasks?view=queue", "/api/v1/cases"):
        assert api.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert api.get(path, headers={"Authorization": f"Bearer {expiring}"}).status_code == 200
    svc.credentials.revoke_token(token[:12], "lost phone")
    svc.clock.advance(timedelta(minutes=6))  # type: ignore[attr-defined]
    for path, method in (("/api/v1/tasks?view=queue", "get"), ("/api/v1/cases", "post")):
        for presented, reason in ((token, "revoked"), (expiring, "expired")):
            answer = getattr(api, method)(path, headers={"Authorization": f"Bearer {presented}"},
                                          json={"process": "complaint", "data": {}})
            assert answer.status_code == 401, (path, answer.get_data(as_text=True))
            assert answer.get_json()["error"]["reason"] == reason


CONSULTATION = {"customer_name": "吴先生", "room": "3栋2单元701", "channel": "phone",
                "question": "小区什么时候开通燃气？", "line": "property", "customer_phone": "13900000001"}


@pytest.mark.postgres
def test_an_intakes_process_version_comes_with_its_token(pg_services: Any) -> None:
    """An API intake's process version is read in the token's statement (with the versions in force);
    its transaction reads none. The first intake of a runtime that has still to register the process
    registers it and reads the version after (what was read with the token is dropped)."""
    svc, api = pg_services
    token = svc.issue_token("wang.fang", "test")
    headers = {"Authorization": f"Bearer {token}"}
    numbers = []
    seen, record = _seen(svc.store)
    try:
        for _ in range(2):  # the first registers the process's version, the second finds it stored
            seen.clear()
            answer = api.post("/api/v1/cases", headers=headers,
                              json={"process": "consultation", "data": CONSULTATION})
            assert answer.status_code == 201, answer.get_data(as_text=True)
            numbers.append(answer.get_json()["number"])
    finally:
        event.remove(svc.store.engine, "before_cursor_execute", record)
    versions = [s for s in seen if "FROM process_versions" in s]
    assert len(versions) == 1 and "api_tokens" in versions[0], seen  # the second intake: one statement
    with svc.store.read() as tx:
        current = tx.conn.exec_driver_sql(
            "SELECT version FROM process_versions WHERE process_id = 'consultation' AND current").scalar()
        pinned = tx.conn.exec_driver_sql(
            "SELECT DISTINCT process_version FROM cases WHERE number IN (%(a)s, %(b)s)",
            {"a": numbers[0], "b": numbers[1]}).scalars().all()
    assert pinned == [current]


def _publish_12_hours(svc: Services) -> None:
    desk = PolicyDesk(svc.store, svc.policies, svc.clock)
    draft = desk.create("song.yu", "sz-property")
    desk.save("song.yu", draft.id, re.sub(r"reply: \d+ hours", "reply: 12 hours", draft.text, count=1))
    desk.submit("song.yu", draft.id)
    desk.review("lv.qing", draft.id, approve=True)
    desk.publish("song.yu", draft.id, svc.clock.now())


@pytest.mark.postgres
def test_a_page_gets_the_versions_in_force_with_its_session(pg_services: Any) -> None:
    """A web page (GET) reads the published heads in its session's statement, none of its own; a POST
    reads the session alone, and so do the pages that ask no policy (the bell's fragment …). The reading
    kept is the one ``at(now)`` gives."""
    svc, browser = pg_services
    _publish_12_hours(svc)
    secret = svc.credentials.start_session("wang.fang")
    with browser.session_transaction() as cookie:
        cookie["sid"] = secret
    seen, record = _seen(svc.store)
    try:
        pages = {}
        for path in ("/inbox", "/inbox?view=queue", "/faq", "/notifications/bell", "/notifications"):
            seen.clear()
            page = browser.get(path)
            assert page.status_code == 200, (path, page.status_code)
            pages[path] = list(seen)
        seen.clear()
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
        assert csrf is not None
        switched = browser.post("/lang/en", data={"csrf_token": csrf.group(1), "next": "/inbox"})
    finally:
        event.remove(svc.store.engine, "before_cursor_execute", record)
    for path, reads in pages.items():
        heads = [s for s in reads if "FROM policy_drafts" in s and "effective_at" in s]
        if path.startswith("/notifications"):  # asks no policy (ASKS_NO_POLICY): no heads read at all
            assert not heads, (path, reads)
            continue
        assert len(heads) == 1 and "web_sessions" in heads[0], (path, reads)  # one statement: both
    assert switched.status_code == 302
    [session_read] = [s for s in seen if "web_sessions" in s]
    assert "policy_drafts" not in session_read, session_read
    with one_reading():
        actor = svc.actor_for_session(secret, with_reading=True)
        assert actor is not None and actor.login == "wang.fang"
        assert svc.policies.current() is svc.policies.at(svc.clock.now())
        assert svc.policies.current().effective("sz-property").get("consultation.reply") == "12 hours"


@pytest.mark.postgres
def test_an_ended_or_timed_out_session_is_refused_on_the_next_page(pg_services: Any) -> None:
    svc, browser = pg_services
    for end in ("logout", "idle"):
        secret = svc.credentials.start_session("wang.fang")
        with browser.session_transaction() as cookie:
            cookie["sid"] = secret
        assert browser.get("/inbox").status_code == 200
        if end == "logout":
            svc.end_session(secret)
        else:
            svc.clock.advance(svc.credentials.limits.idle + timedelta(minutes=1))  # type: ignore[attr-defined]
        answer = browser.get("/inbox")
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], (end, answer.status_code)


@pytest.mark.postgres
def test_the_case_pages_bell_counts_with_its_session(pg_services: Any) -> None:
    """The case page (it writes nothing) reads its bell's count in the session's statement, none of its
    own; the bell shows what ``unread_notices`` gives (read ones and other people's left out, the cap).
    Other pages read the session without it."""
    from sqlalchemy import delete, insert

    from engine.store.worker_repo import NOTES

    svc, browser = pg_services
    token = svc.issue_token("wang.fang", "test")
    opened = browser.post("/api/v1/cases", headers={"Authorization": f"Bearer {token}"},
                          json={"process": "consultation", "data": CONSULTATION})
    assert opened.status_code == 201, opened.get_data(as_text=True)
    number = opened.get_json()["number"]
    secret = svc.credentials.start_session("wang.fang")
    with browser.session_transaction() as cookie:
        cookie["sid"] = secret
    bell = re.compile(r'<a class="bell.*?</a>', re.S)
    at = svc.clock.now()
    for unread in (0, 3, 120):
        with svc.store.write() as tx:
            tx.conn.execute(delete(NOTES))
            rows = [{"key": f"n{i}", "recipient": who, "kind": "info", "title": "t", "body": "b",
                     "case_number": None, "created_at": at, "read_at": None}
                    for i, who in enumerate(["wang.fang"] * unread + ["song.yu"] * 2)]
            rows.append({**rows[0], "key": "read", "recipient": "wang.fang", "read_at": at})
            tx.conn.execute(insert(NOTES), rows)
        seen, record = _seen(svc.store)
        try:
            page = browser.get(f"/cases/{number}").get_data(as_text=True)
        finally:
            event.remove(svc.store.engine, "before_cursor_execute", record)
        counts = [s for s in seen if "FROM notifications" in s]
        assert len(counts) == 1 and "web_sessions" in counts[0], (unread, seen)
        alone = bell.search(browser.get("/notifications/bell").get_data(as_text=True))
        shown = bell.search(page)
        assert alone is not None and shown is not None and shown.group(0) == alone.group(0), unread
        count = f'<span class="count">{"99+" if unread > 99 else unread}</span>'
        assert (count in shown.group(0)) == bool(unread), shown.group(0)
    seen, record = _seen(svc.store)
    try:
        browser.get("/faq")
    finally:
        event.remove(svc.store.engine, "before_cursor_execute", record)
    [session_read] = [s for s in seen if "web_sessions" in s]
    assert "notifications" not in session_read and any("FROM notifications" in s for s in seen), seen
