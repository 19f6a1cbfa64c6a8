"""Sessions and API tokens in SQL: one indexed lookup per request, writes only when something changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, false, func, select, update

from engine.store.auth_models import ApiToken, WebSession
from engine.store.authenticated import keep_ahead
from engine.store.models import Staff
from engine.store.policy_repo import DRAFTS
from engine.store.process_repo import CURRENT_VERSION, current_ahead
from engine.store.repo import STAFF_COLUMNS, STAFF_JOINED, Tx, staff_record
from engine.store.worker_repo import NOTES

__all__ = ["AuthRepo", "SessionRecord", "TokenRecord", "TokenUse"]

SESSIONS: Table = WebSession.__table__  # type: ignore[assignment]
TOKENS: Table = ApiToken.__table__  # type: ignore[assignment]
# A session or token and its staff member (their unit's chain and name) in one statement: the
# request's actor is known without a second round trip (``Tx.staff`` answers from what was read).
_SESSION_BY_HASH = (select(SESSIONS, *STAFF_COLUMNS)
                    .select_from(SESSIONS.outerjoin(STAFF_JOINED, Staff.login == SESSIONS.c.login))
                    .where(SESSIONS.c.id_hash == bindparam("h")))
_TOKEN_BY_HASH = (select(TOKENS, *STAFF_COLUMNS)
                  .select_from(TOKENS.outerjoin(STAFF_JOINED, Staff.login == TOKENS.c.login))
                  .where(TOKENS.c.token_hash == bindparam("h")))
# A token's check reads what the check and its messages use (not the hash it was found by, nor when
# it was made) and, on a request that will ask the policy, the versions in force with it: the published
# heads, FULL JOIN ON false (each side's rows, the other side's columns NULL), one statement.
_CHECK_FIELDS = ("id", "prefix", "login", "label", "last_used_at", "expires_at", "revoked_at",
                 "revoked_reason")
_TOKEN_TO_CHECK = (select(*[TOKENS.c[name] for name in _CHECK_FIELDS], *STAFF_COLUMNS)
                   .select_from(TOKENS.outerjoin(STAFF_JOINED, Staff.login == TOKENS.c.login))
                   .where(TOKENS.c.token_hash == bindparam("h")))
_T = _TOKEN_TO_CHECK.subquery("t")
_H = select(DRAFTS.c.id.label("head_id"), DRAFTS.c.unit.label("head_unit"),
            DRAFTS.c.effective_at.label("head_effective_at")).where(
    DRAFTS.c.status == bindparam("status", "published")).subquery("h")
_TOKEN_AND_HEADS = select(_T, _H).select_from(_T.join(_H, false(), full=True))
# An intake's: its process's current version too (``ProcessRepo.current``, kept for the request).
_V = CURRENT_VERSION.subquery("v")
_TOKEN_HEADS_VERSION = select(_T, _H, _V).select_from(
    _T.join(_H, false(), full=True).join(_V, false(), full=True))
# A web page's session check (a GET, which asks the policy) brings the versions in force the same way.
_S = _SESSION_BY_HASH.subquery("s")
_SESSION_AND_HEADS = select(_S, _H).select_from(_S.join(_H, false(), full=True))
# …and on a page that writes nothing, the bell's count: the session's person's unread notifications,
# counted to ``unread_limit`` (``WorkerRepo.unread_count``'s count, correlated: the login comes with the row).
_UNREAD = select(func.count()).select_from(
    select(NOTES.c.id).where(NOTES.c.recipient == SESSIONS.c.login, NOTES.c.read_at.is_(None))
    .limit(bindparam("unread_limit")).correlate(SESSIONS).subquery()).scalar_subquery().label("unread")
_SU = _SESSION_BY_HASH.add_columns(_UNREAD).subquery("s")
_SESSION_HEADS_UNREAD = select(_SU, _H).select_from(_SU.join(_H, false(), full=True))
_SESSION_FIELDS = [c.name for c in SESSIONS.c]
_TOKEN_FIELDS = [c.name for c in TOKENS.c]
_TOUCH_SESSION = update(SESSIONS).where(SESSIONS.c.id_hash == bindparam("h")).values(
    last_seen_at=bindparam("at"))
_TOUCH_TOKEN = update(TOKENS).where(TOKENS.c.id == bindparam("i")).values(last_used_at=bindparam("at"))


@dataclass(frozen=True)
class SessionRecord:
    """A web session row (``id_hash`` is the SHA-256 of the cookie's secret)."""

    id_hash: str
    login: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str
    ip: str
    ended_at: datetime | None
    end_reason: str | None


def _row_and_heads(rows: Sequence[Any], key: str) -> tuple[Any, list[tuple[int, str, datetime]]]:
    """A ``FULL JOIN … ON false`` read split again: the row whose ``key`` is set (the session's or the
    token's; None when there is none) and the published policy heads, as ``PolicyRepo.published_heads``."""
    row = next((r for r in rows if getattr(r, key) is not None), None)
    heads = [(int(r.head_id), str(r.head_unit), r.head_effective_at) for r in rows if r.head_id is not None]
    return row, heads


@dataclass(frozen=True)
class TokenUse:
    """What a token's check reads of its row (``AuthRepo.token_to_check``)."""

    id: int
    prefix: str | None
    login: str
    label: str
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None


@dataclass(frozen=True)
class TokenRecord:
    """An API token row (never the token itself)."""

    id: int
    token_hash: str
    prefix: str | None
    login: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None


class AuthRepo:
    """Repository functions of sessions and tokens inside one store transaction."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.conn = tx.conn

    # -- sessions ----------------------------------------------------------------------------------
    def add_session(self, **values: Any) -> None:
        """Insert a session row."""
        self.conn.execute(SESSIONS.insert().values(**values, ended_at=None, end_reason=None))

    def session(self, id_hash: str) -> SessionRecord | None:
        """The session with this hash (primary-key lookup)."""
        return self.session_to_check(id_hash)[0]

    def session_to_check(self, id_hash: str, *, with_heads: bool = False, unread_cap: int | None = None
                         ) -> tuple[SessionRecord | None, list[tuple[int, str, datetime]] | None, int | None]:
        """The session with this hash (its staff member kept for ``Tx.staff``), ``with_heads`` the
        published policy heads (``PolicyRepo.published_heads``) read in the same statement (else None),
        as ``token_to_check`` reads them with a token, and with ``unread_cap`` too (only with the heads)
        the session's person's unread notifications counted to ``unread_cap + 1`` (else None)."""
        unread = None
        if not with_heads:
            row = self.conn.execute(_SESSION_BY_HASH, {"h": id_hash}).first()
            heads = None
        else:
            if unread_cap is None:
                rows = self.conn.execute(_SESSION_AND_HEADS, {"h": id_hash}).all()
            else:
                rows = self.conn.execute(_SESSION_HEADS_UNREAD,
                                         {"h": id_hash, "unread_limit": unread_cap + 1}).all()
            row, heads = _row_and_heads(rows, "id_hash")
            if unread_cap is not None and row is not None:
                unread = int(row.unread or 0)
        if row is None:
            return None, heads, None
        self.tx.known_staff(staff_record(row))  # the signed-in person, for ``Tx.staff``
        m = row._mapping
        return SessionRecord(**{name: m[name] for name in _SESSION_FIELDS}), heads, unread

    def touch_session(self, id_hash: str, at: datetime) -> None:
        """Record that the session was used at ``at``."""
        self.conn.execute(_TOUCH_SESSION, {"h": id_hash, "at": at})

    def sessions_of(self, login: str, open_only: bool = True) -> list[SessionRecord]:
        """A staff member's sessions, last used first."""
        stmt = select(SESSIONS).where(SESSIONS.c.login == login)
        if open_only:
            stmt = stmt.where(SESSIONS.c.ended_at.is_(None))
        rows = self.conn.execute(stmt.order_by(SESSIONS.c.last_seen_at.desc()))
        return [SessionRecord(**r._mapping) for r in rows]

    def end_sessions(self, login: str, at: datetime, reason: str,
                     id_hashes: Sequence[str] | None = None) -> int:
        """End open sessions of ``login`` (only ``id_hashes`` when given); how many ended."""
        stmt = update(SESSIONS).where(SESSIONS.c.login == login, SESSIONS.c.ended_at.is_(None))
        if id_hashes is not None:
            stmt = stmt.where(SESSIONS.c.id_hash.in_(list(id_hashes)))
        result: Any = self.conn.execute(stmt.values(ended_at=at, end_reason=reason))
        return int(result.rowcount or 0)

    # -- tokens ------------------------------------------------------------------------------------
    def add_token(self, **values: Any) -> int:
        """Insert a token row unless its hash is known; its id (None when it was there already)."""
        stmt = self.tx._insert(ApiToken).values(**values).on_conflict_do_nothing(
            index_elements=[TOKENS.c.token_hash]).returning(TOKENS.c.id)
        found = self.conn.execute(stmt).scalar()
        return int(found) if found is not None else 0

    def token(self, token_hash: str) -> TokenRecord | None:
        """The token with this hash (unique-index lookup); its staff member comes with it (``Tx.staff``
        answers from it for the rest of the transaction)."""
        row = self.conn.execute(_TOKEN_BY_HASH, {"h": token_hash}).first()
        if row is None:
            return None
        self.tx.known_staff(staff_record(row))
        m = row._mapping
        return TokenRecord(**{name: m[name] for name in _TOKEN_FIELDS})

    def token_to_check(self, token_hash: str, *, with_heads: bool = False, process: str | None = None
                       ) -> tuple[TokenUse | None, list[tuple[int, str, datetime]] | None]:
        """The token with this hash as its check reads it (its staff member kept for ``Tx.staff``) and,
        ``with_heads``, the published policy heads (``PolicyRepo.published_heads``) read in the same
        statement (else None); with ``process`` too (an intake), that process's current version, kept
        for the request's ``ProcessRepo.current`` (``engine.store.authenticated.keep_ahead``)."""
        if not with_heads:
            row = self.conn.execute(_TOKEN_TO_CHECK, {"h": token_hash}).first()
            heads = None
        else:
            if process is None:
                rows = self.conn.execute(_TOKEN_AND_HEADS, {"h": token_hash}).all()
            else:
                rows = self.conn.execute(_TOKEN_HEADS_VERSION, {"h": token_hash, "process_id": process}).all()
            row, heads = _row_and_heads(rows, "id")
            if process is not None and row is not None:
                keep_ahead(current_ahead(process), [r for r in rows if r.process_id is not None])
        if row is None:
            return None, heads
        self.tx.known_staff(staff_record(row))
        m = row._mapping
        return TokenUse(**{name: m[name] for name in _CHECK_FIELDS}), heads

    def touch_token(self, token_id: int, at: datetime) -> None:
        """Record that the token was used at ``at``."""
        self.conn.execute(_TOUCH_TOKEN, {"i": token_id, "at": at})

    def tokens(self, login: str | None = None) -> list[TokenRecord]:
        """Tokens (of ``login``), oldest first."""
        stmt = select(TOKENS)
        if login is not None:
            stmt = stmt.where(TOKENS.c.login == login)
        return [TokenRecord(**r._mapping) for r in self.conn.execute(stmt.order_by(TOKENS.c.id))]

    def tokens_matching(self, ref: str) -> list[TokenRecord]:
        """Tokens whose id is ``ref`` or whose prefix starts with ``ref``."""
        cond = TOKENS.c.prefix.startswith(ref, autoescape=True)
        if ref.isdigit() and len(ref) < 10:
            cond = cond | (TOKENS.c.id == int(ref))
        return [TokenRecord(**r._mapping) for r in self.conn.execute(select(TOKENS).where(cond))]

    def revoke_tokens(self, at: datetime, reason: str, *, login: str | None = None,
                      ids: Sequence[int] | None = None) -> int:
        """Revoke live tokens of ``login`` or with ``ids``; how many were revoked."""
        stmt = update(TOKENS).where(TOKENS.c.revoked_at.is_(None))
        if login is not None:
            stmt = stmt.where(TOKENS.c.login == login)
        if ids is not None:
            stmt = stmt.where(TOKENS.c.id.in_(list(ids)))
        result: Any = self.conn.execute(stmt.values(revoked_at=at, revoked_reason=reason))
        return int(result.rowcount or 0)
