"""Web sessions and API tokens: random secrets handed out once, kept in the database as SHA-256 hashes.

A **session** is one signed-in browser. Its cookie holds a random id; the ``web_sessions`` row
(keyed by the id's hash, so a database reader cannot sign in with it) says whose it is, when it
was last used and when it ends: after ``idle`` without use, ``max_age`` after sign-in, on logout,
on "log out everywhere" and when the staff member is deactivated. Checking a session is one
primary-key lookup; ``last_seen_at`` is written at most once per ``touch_every``.

An **API token** acts as a staff member for integrations. It has a label, created and last-used
times, an optional expiry, and can be revoked; only its hash and a short prefix (to tell tokens
apart in lists) are stored. Either kind works only while its staff member is active.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from engine.clock import Clock
from engine.errors import KefuError, NotFoundError
from engine.store import Store
from engine.store.auth_repo import AuthRepo, SessionRecord, TokenRecord, TokenUse
from engine.store.repo import Tx

__all__ = [
    "TOKEN_PREFIX",
    "Credentials",
    "SessionLimits",
    "SessionRecord",
    "SessionVerdict",
    "TokenCheck",
    "TokenRecord",
    "end_all_for",
    "import_token_file",
    "secret_hash",
]

TOKEN_PREFIX = "kefu_"
_SHOWN = len(TOKEN_PREFIX) + 8  # "kefu_" and 8 random characters identify a token in lists


def secret_hash(secret: str) -> str:
    """The SHA-256 hex digest under which a session id or token is stored.

    A plain hash suffices: the secrets are 256-bit random values, not guessable passwords.
    """
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class SessionLimits:
    """When a web session ends by itself, and how often its last use is recorded."""

    idle: timedelta = timedelta(hours=2)
    max_age: timedelta = timedelta(hours=12)
    touch_every: timedelta = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionVerdict:
    """What a session lookup found: the login when live, and whether to end or touch the row."""

    login: str | None
    id_hash: str
    owner: str | None = None
    end: str = ""  # idle | expired
    touch: bool = False
    # the published policy heads read with the session (``judge_session(with_heads=True)``), else None
    heads: list[tuple[int, str, datetime]] | None = field(default=None, compare=False, repr=False)
    # the person's unread notifications read with the session (``judge_session(unread_cap=…)``), else None
    unread: int | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of presenting a token: the login it acts as, or why it is refused."""

    login: str | None
    refusal: str = ""  # unknown | revoked | expired | inactive
    message: str = ""
    token_id: int | None = None  # set when its last use is to be recorded
    # the published policy heads read with the token (``judge_token(with_heads=True)``), else None
    heads: list[tuple[int, str, datetime]] | None = field(default=None, compare=False, repr=False)


def end_all_for(tx: Tx, login: str, at: datetime, reason: str) -> tuple[int, int]:
    """End every session and revoke every token of ``login`` inside ``tx``; (sessions, tokens)."""
    repo = AuthRepo(tx)
    return repo.end_sessions(login, at, reason), repo.revoke_tokens(at, reason, login=login)


class Credentials:
    """Sessions and tokens on a store, with a clock and the session limits."""

    def __init__(self, store: Store, clock: Clock, limits: SessionLimits | None = None) -> None:
        self.store = store
        self.clock = clock
        self.limits = limits or SessionLimits()

    # -- sessions ----------------------------------------------------------------------------------
    def start_session(self, login: str, user_agent: str = "", ip: str = "") -> str:
        """A new session for ``login``; returns the secret for the cookie (stored only hashed)."""
        secret = secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.store.write() as tx:
            AuthRepo(tx).add_session(
                id_hash=secret_hash(secret), login=login, created_at=now, last_seen_at=now,
                expires_at=now + self.limits.max_age, user_agent=_clip(user_agent, 300), ip=_clip(ip, 64))
        return secret

    def judge_session(self, tx: Tx, secret: str, *, with_heads: bool = False,
                      unread_cap: int | None = None) -> SessionVerdict:
        """Look a session up inside the caller's read transaction (one primary-key lookup); with
        ``with_heads`` the published policy heads come in the same statement (``SessionVerdict.heads``),
        and with ``unread_cap`` the unread notifications' count (``SessionVerdict.unread``)."""
        id_hash = secret_hash(secret)
        row, heads, unread = AuthRepo(tx).session_to_check(id_hash, with_heads=with_heads,
                                                           unread_cap=unread_cap)
        now = self.clock.now()
        if row is None or row.ended_at is not None:
            return SessionVerdict(None, id_hash, heads=heads)
        if now >= row.expires_at:
            return SessionVerdict(None, id_hash, row.login, end="expired", heads=heads)
        if now >= row.last_seen_at + self.limits.idle:
            return SessionVerdict(None, id_hash, row.login, end="idle", heads=heads)
        return SessionVerdict(row.login, id_hash, row.login,
                              touch=now - row.last_seen_at >= self.limits.touch_every, heads=heads,
                              unread=unread)

    def settle(self, verdict: SessionVerdict) -> None:
        """Write what a verdict asks for: end a timed-out session, or record its use (once a minute)."""
        if verdict.owner is None or not (verdict.end or verdict.touch):
            return
        now = self.clock.now()
        with self.store.write() as tx:
            repo = AuthRepo(tx)
            if verdict.end:
                repo.end_sessions(verdict.owner, now, verdict.end, [verdict.id_hash])
            else:
                repo.touch_session(verdict.id_hash, now)

    def session_login(self, secret: str) -> str | None:
        """The login of a live session (recording its use at most once a minute), else None."""
        with self.store.read() as tx:
            verdict = self.judge_session(tx, secret)
        self.settle(verdict)
        return verdict.login

    def end_session(self, secret: str, reason: str = "logout") -> bool:
        """End one session by its secret (logout); False when it was not open."""
        id_hash = secret_hash(secret)
        with self.store.write() as tx:
            repo = AuthRepo(tx)
            row = repo.session(id_hash)
            return row is not None and repo.end_sessions(row.login, self.clock.now(), reason, [id_hash]) > 0

    def end_sessions(self, login: str, reason: str = "everywhere", refs: list[str] | None = None) -> int:
        """End ``login``'s open sessions (or those whose :meth:`ref` is in ``refs``); how many ended."""
        with self.store.write() as tx:
            repo = AuthRepo(tx)
            hashes = None
            if refs is not None:
                hashes = [s.id_hash for s in repo.sessions_of(login) if self.ref(s) in refs]
            return repo.end_sessions(login, self.clock.now(), reason, hashes)

    def sessions(self, login: str) -> list[SessionRecord]:
        """``login``'s live sessions, last used first."""
        now = self.clock.now()
        with self.store.read() as tx:
            rows = AuthRepo(tx).sessions_of(login)
        return [s for s in rows if now < s.expires_at and now < s.last_seen_at + self.limits.idle]

    @staticmethod
    def ref(session: SessionRecord) -> str:
        """A short public name of a session (the start of its hash), for lists and buttons."""
        return session.id_hash[:12]

    @staticmethod
    def ref_of(secret: str) -> str:
        """The :meth:`ref` of the session with this secret."""
        return secret_hash(secret)[:12]

    # -- tokens ------------------------------------------------------------------------------------
    def issue_token(self, login: str, label: str,
                    expires_in: timedelta | None = None) -> tuple[str, TokenRecord]:
        """A new token acting as ``login``: (the token, shown once; its stored record)."""
        label = label.strip()
        if not label or len(label) > 200:
            raise KefuError("give the token a label of 1 to 200 characters (what it is for, e.g. hotline)")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.store.write() as tx:
            repo = AuthRepo(tx)
            repo.add_token(token_hash=secret_hash(token), prefix=token[:_SHOWN], login=login, label=label,
                           created_at=now, last_used_at=None,
                           expires_at=now + expires_in if expires_in else None,
                           revoked_at=None, revoked_reason=None)
            record = repo.token(secret_hash(token))
        assert record is not None
        return token, record

    def judge_token(self, tx: Tx, token: str, *, with_heads: bool = False,
                    process: str | None = None) -> TokenCheck:
        """Look a token up inside the caller's read transaction (one unique-index lookup); with
        ``with_heads`` the published policy heads come in the same statement (``TokenCheck.heads``),
        and ``process``'s current version for the request (``AuthRepo.token_to_check``)."""
        now = self.clock.now()
        row, heads = AuthRepo(tx).token_to_check(secret_hash(token), with_heads=with_heads, process=process)
        if row is None:
            return TokenCheck(None, "unknown", "unknown API token", heads=heads)
        if row.revoked_at is not None:
            return TokenCheck(None, "revoked", f"API token {_name(row)} was revoked at "
                              f"{row.revoked_at.isoformat(timespec='seconds')} ({row.revoked_reason})",
                              heads=heads)
        if row.expires_at is not None and now >= row.expires_at:
            return TokenCheck(None, "expired", f"API token {_name(row)} expired at "
                              f"{row.expires_at.isoformat(timespec='seconds')}", heads=heads)
        touch = row.last_used_at is None or now - row.last_used_at >= self.limits.touch_every
        return TokenCheck(row.login, token_id=row.id if touch else None, heads=heads)

    def settle_token(self, check: TokenCheck) -> None:
        """Record a token's use when its check asks for it (at most once a minute)."""
        if check.token_id is not None:
            with self.store.write() as tx:
                AuthRepo(tx).touch_token(check.token_id, self.clock.now())

    def check_token(self, token: str) -> TokenCheck:
        """Who a presented token acts as, or why it is refused (recording its use at most once a minute)."""
        with self.store.read() as tx:
            check = self.judge_token(tx, token)
        self.settle_token(check)
        return check

    def tokens(self, login: str | None = None) -> list[TokenRecord]:
        """Every token (of ``login``), oldest first, revoked and expired ones included."""
        with self.store.read() as tx:
            return AuthRepo(tx).tokens(login)

    def revoke_token(self, ref: str, reason: str = "revoked") -> TokenRecord:
        """Revoke the token whose id is ``ref`` or whose prefix starts with it; its record."""
        ref = ref.strip()
        if len(ref) < 1 or (not ref.isdigit() and len(ref) < len(TOKEN_PREFIX) + 4):
            raise KefuError(f"{ref!r}: give a token id (kefu api-token list) or at least "
                            f"{len(TOKEN_PREFIX) + 4} characters of its prefix, e.g. kefu_Ab3d")
        with self.store.write() as tx:
            repo = AuthRepo(tx)
            found = repo.tokens_matching(ref)
            if not found:
                raise NotFoundError(f"no API token with id or prefix {ref!r}; see kefu api-token list")
            if len(found) > 1:
                names = ", ".join(_name(t) for t in found)
                raise KefuError(f"{ref!r} matches {len(found)} tokens ({names}); give its id")
            repo.revoke_tokens(self.clock.now(), reason, ids=[found[0].id])
            record = repo.token(found[0].token_hash)
        assert record is not None
        return record


def import_token_file(store: Store, path: Path, clock: Clock) -> int:
    """Move the tokens of the former ``api_tokens.json`` into the table, once; how many were new.

    The file held ``sha256(token) → {login, label, created}``; the hashes are the same, so the
    tokens keep working. The file is renamed to ``*.imported`` and never read again.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return 0
    try:
        entries = json.loads(text)
    except ValueError:
        raise KefuError(f"{path}: not valid JSON; repair or remove it, then start again "
                        "(its tokens are imported into the database once)") from None
    added = 0
    with store.write() as tx:
        repo = AuthRepo(tx)
        for digest, entry in (entries.items() if isinstance(entries, dict) else ()):
            if not isinstance(entry, dict) or not isinstance(digest, str) or len(digest) != 64:
                continue
            created = _when(entry.get("created")) or clock.now()
            added += bool(repo.add_token(
                token_hash=digest, prefix=None, login=str(entry.get("login", ""))[:64],
                label=str(entry.get("label") or "imported")[:200], created_at=created, last_used_at=None,
                expires_at=None, revoked_at=None, revoked_reason=None))
    try:
        path.replace(path.with_name(path.name + ".imported"))
    except FileNotFoundError:  # another process imported it at the same moment
        pass
    return added


def _when(text: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _name(token: TokenRecord | TokenUse) -> str:
    return f"#{token.id} {token.prefix or '(imported)'} «{token.label}»"


def _clip(text: str, size: int) -> str:
    return (text or "").replace("\x00", "")[:size]
