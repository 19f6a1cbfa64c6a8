"""Sessions and API tokens in the database: time limits, revocation, deactivation, concurrent issue."""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from engine.clock import FixedClock
from engine.credentials import Credentials, SessionLimits, import_token_file, secret_hash
from engine.errors import KefuError, NotFoundError
from engine.org import load_org
from engine.store import Store
from engine.store.auth_repo import AuthRepo
from tests.conftest import ROOT, shanghai

LIMITS = SessionLimits(idle=timedelta(hours=2), max_age=timedelta(hours=12))


@pytest.fixture
def creds(store: Store, clock: FixedClock) -> Credentials:
    return Credentials(store, clock, LIMITS)


def test_a_session_lives_until_it_is_idle_too_long(creds, clock):
    secret = creds.start_session("wang.fang", "Firefox", "10.0.0.1")
    clock.advance(timedelta(hours=1, minutes=59))
    assert creds.session_login(secret) == "wang.fang"  # use moves the idle limit on
    clock.advance(timedelta(hours=1, minutes=59))
    assert creds.session_login(secret) == "wang.fang"
    clock.advance(timedelta(hours=2))
    assert creds.session_login(secret) is None
    with creds.store.read() as tx:
        assert AuthRepo(tx).session(secret_hash(secret)).end_reason == "idle"


def test_a_session_ends_at_its_absolute_limit_however_busy(creds, clock):
    secret = creds.start_session("wang.fang")
    for _ in range(11):
        clock.advance(timedelta(hours=1))
        assert creds.session_login(secret) == "wang.fang"
    clock.advance(timedelta(hours=1))
    assert creds.session_login(secret) is None


def test_only_the_hash_of_the_session_secret_is_stored(creds):
    secret = creds.start_session("wang.fang")
    with creds.store.read() as tx:
        rows = AuthRepo(tx).sessions_of("wang.fang")
    assert [r.id_hash for r in rows] == [secret_hash(secret)] and secret not in repr(rows)


def test_last_use_is_written_at_most_once_a_minute(creds, clock):
    secret = creds.start_session("wang.fang")
    start = clock.now()
    clock.advance(timedelta(seconds=59))
    with creds.store.read() as tx:
        verdict = creds.judge_session(tx, secret)
    assert verdict.login == "wang.fang" and not verdict.touch
    clock.advance(timedelta(seconds=1))
    assert creds.session_login(secret) == "wang.fang"
    assert creds.sessions("wang.fang")[0].last_seen_at == start + timedelta(minutes=1)


def test_log_out_everywhere_ends_every_session_of_that_person_only(creds):
    mine = [creds.start_session("wang.fang") for _ in range(3)]
    other = creds.start_session("zhang.wei")
    assert creds.end_sessions("wang.fang") == 3
    assert [creds.session_login(s) for s in mine] == [None, None, None]
    assert creds.session_login(other) == "zhang.wei"


def test_one_session_can_be_ended_by_its_reference(creds):
    keep, drop = creds.start_session("wang.fang"), creds.start_session("wang.fang")
    assert creds.end_sessions("wang.fang", "ended", refs=[Credentials.ref_of(drop)]) == 1
    assert creds.session_login(keep) == "wang.fang" and creds.session_login(drop) is None
    # a reference of someone else's session ends nothing
    theirs = creds.start_session("zhang.wei")
    assert creds.end_sessions("wang.fang", "ended", refs=[Credentials.ref_of(theirs)]) == 0
    assert creds.session_login(theirs) == "zhang.wei"


def test_a_token_is_refused_once_revoked_by_id_or_prefix(creds):
    token, record = creds.issue_token("wang.fang", "hotline")
    assert creds.check_token(token).login == "wang.fang"
    assert creds.revoke_token(record.prefix[:9]).id == record.id
    check = creds.check_token(token)
    assert check.login is None and check.refusal == "revoked" and f"#{record.id}" in check.message
    other, second = creds.issue_token("wang.fang", "app")
    creds.revoke_token(str(second.id))
    assert creds.check_token(other).refusal == "revoked"


def test_a_token_expires(creds, clock):
    token, record = creds.issue_token("wang.fang", "pilot", timedelta(days=90))
    assert record.expires_at == clock.now() + timedelta(days=90)
    clock.advance(timedelta(days=89, hours=23))
    assert creds.check_token(token).login == "wang.fang"
    clock.advance(timedelta(hours=1))
    check = creds.check_token(token)
    assert (check.login, check.refusal) == (None, "expired") and "expired at" in check.message


def test_unknown_tokens_and_bad_references_are_refused_clearly(creds):
    assert creds.check_token("kefu_nope").refusal == "unknown"
    with pytest.raises(NotFoundError) as missing:
        creds.revoke_token("kefu_zzzzzzzz")
    with pytest.raises(KefuError) as short:
        creds.revoke_token("ke")
    with pytest.raises(KefuError) as unlabelled:
        creds.issue_token("wang.fang", "  ")
    assert "kefu api-token list" in str(missing.value)
    assert "prefix" in str(short.value) and "label" in str(unlabelled.value)


def test_an_ambiguous_prefix_names_the_candidates_and_revokes_nothing(creds, clock):
    with creds.store.write() as tx:
        for n, prefix in enumerate(("kefu_Abcd1234", "kefu_Abcd5678")):
            AuthRepo(tx).add_token(token_hash=str(n) * 64, prefix=prefix, login="wang.fang", label=f"t{n}",
                                   created_at=clock.now(), last_used_at=None, expires_at=None,
                                   revoked_at=None, revoked_reason=None)
    with pytest.raises(KefuError) as ambiguous:
        creds.revoke_token("kefu_Abcd")
    assert "matches 2 tokens" in str(ambiguous.value) and "kefu_Abcd5678" in str(ambiguous.value)
    assert not any(t.revoked_at for t in creds.tokens("wang.fang"))
    assert creds.revoke_token("kefu_Abcd5").label == "t1"


def test_token_uses_record_their_last_use(creds, clock):
    token, _ = creds.issue_token("wang.fang", "hotline")
    creds.check_token(token)
    assert creds.tokens("wang.fang")[0].last_used_at == clock.now()


def test_the_json_token_file_is_imported_once_and_its_tokens_keep_working(creds, clock, tmp_path):
    legacy = "kefu_legacy-token-value"
    path = tmp_path / "api_tokens.json"
    path.write_text(json.dumps({secret_hash(legacy): {"login": "wang.fang", "label": "old hotline",
                                                       "created": "2026-10-01T08:00:00+00:00"}}))
    assert import_token_file(creds.store, path, clock) == 1
    assert not path.exists() and (tmp_path / "api_tokens.json.imported").exists()
    assert import_token_file(creds.store, path, clock) == 0
    assert creds.check_token(legacy).login == "wang.fang"
    [record] = creds.tokens()
    assert (record.label, record.prefix, record.created_at.isoformat()) == (
        "old hotline", None, "2026-10-01T08:00:00+00:00")


def test_a_corrupt_token_file_stops_the_start_with_a_clear_message(store, clock, tmp_path):
    path = tmp_path / "api_tokens.json"
    path.write_text('{"abc": ')
    with pytest.raises(KefuError, match="not valid JSON"):
        import_token_file(store, path, clock)


def _issue_in_process(url: str, n: int) -> list[str]:
    store = Store(url)
    creds = Credentials(store, FixedClock(shanghai("2026-11-23 10:00")))
    try:
        return [creds.issue_token("wang.fang", f"proc-{n}-{i}")[0] for i in range(5)]
    finally:
        store.dispose()


def test_twenty_tokens_issued_at_once_by_threads_and_processes_all_work(store, creds, db_url):
    with ThreadPoolExecutor(max_workers=10) as pool:
        threads = list(pool.map(lambda i: creds.issue_token("wang.fang", f"thread-{i}")[0], range(10)))
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        procs = [t for batch in pool.starmap(_issue_in_process, [(db_url, 0), (db_url, 1)]) for t in batch]
    tokens = threads + procs
    assert len(set(tokens)) == 20
    assert all(creds.check_token(t).login == "wang.fang" for t in tokens)
    assert len(creds.tokens("wang.fang")) == 20


def test_deactivating_staff_ends_their_sessions_and_revokes_their_tokens(runtime, creds, clock):
    secret = creds.start_session("wang.fang")
    token, _ = creds.issue_token("wang.fang", "hotline")
    other = creds.start_session("zhang.wei")
    org = load_org(ROOT / "engine" / "demo" / "org.yaml")
    staff = {login: p for login, p in org.staff.items() if login != "wang.fang"}  # no longer listed
    runtime.import_org(type(org)(org.path, org.group, org.units, staff))
    assert creds.session_login(secret) is None
    assert creds.check_token(token).refusal == "revoked"
    assert creds.session_login(other) == "zhang.wei"
    with runtime.store.read() as tx:
        assert tx.staff("wang.fang").active is False
        [event] = [e for e in tx.chain_events("system") if e.action == "org.imported"][-1:]
    assert event.data["deactivated"] == ["wang.fang"]
    assert (event.data["sessions_ended"], event.data["tokens_revoked"]) == (1, 1)


def test_an_org_file_can_mark_someone_inactive(runtime, creds, tmp_path):
    text = (ROOT / "engine" / "demo" / "org.yaml").read_text(encoding="utf-8")
    marker = "login: wang.fang,"
    assert marker in text
    path = tmp_path / "org.yaml"
    path.write_text(text.replace(marker, marker + " active: false,"), encoding="utf-8")
    token, _ = creds.issue_token("wang.fang", "hotline")
    runtime.import_org(load_org(path))
    assert creds.check_token(token).refusal == "revoked"
