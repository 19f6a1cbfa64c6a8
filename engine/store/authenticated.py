"""The staff member a web request authenticated as, kept for the rest of that request (issue 18).

A request reads the signed-in person's staff row (with their unit's chain) together with their
session or API token. The request's write transaction used to read the same row again to answer the
permission question (``engine.runtime.access.load_staff``): one more round trip per claim, completion
or intake. Inside ``one_request()`` (``Services.request()`` enters it around every web request) the
authenticating read leaves the record here (``authenticated``) and ``load_staff`` answers from it.

This asks nothing less of the database than the re-read did: neither locks the staff row, so an
organisation change committed between the two reads was as invisible to the write a millisecond
later. A write that changes staff rows in the same request (``staff_changed``: the org import, the
organisation admin) drops what was kept, so the request's later writes read the rows again.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from engine.store.records import StaffRecord

__all__ = ["authenticated", "keep_ahead", "known_actor", "one_request", "staff_changed", "take_ahead"]

# Inside one_request(): login → the active staff record the request authenticated as.
_KEPT: ContextVar[dict[str, StaffRecord] | None] = ContextVar("kefu_authenticated_staff", default=None)
# Inside one_request(): rows read ahead with the authenticating statement (an intake's process version,
# ``AuthRepo.token_to_check``), for the first repository call of the request that asks them (``Tx.ahead``).
_AHEAD: ContextVar[dict[Hashable, list[Any]] | None] = ContextVar("kefu_request_ahead", default=None)


@contextmanager
def one_request() -> Iterator[None]:
    """Within the block, the staff member the request authenticated as is read once."""
    token, ahead = _KEPT.set({}), _AHEAD.set({})
    try:
        yield
    finally:
        _AHEAD.reset(ahead)
        _KEPT.reset(token)


def authenticated(record: StaffRecord | None) -> None:
    """The request authenticated as ``record`` (read with its session or token): keep it, when active
    and inside ``one_request()``."""
    kept = _KEPT.get()
    if kept is not None and record is not None and record.active:
        kept[record.login] = record


def known_actor(login: str) -> StaffRecord | None:
    """The staff record this request authenticated as, if ``login`` is who it is."""
    kept = _KEPT.get()
    return None if kept is None else kept.get(login)


def staff_changed() -> None:
    """Staff rows were written: the rest of the request reads them again."""
    kept = _KEPT.get()
    if kept is not None:
        kept.clear()


def keep_ahead(key: Hashable, rows: list[Any]) -> None:
    """Rows read ahead in this request for the repository call that asks them by ``key`` (once)."""
    kept = _AHEAD.get()
    if kept is not None:
        kept[key] = rows


def take_ahead(key: Hashable) -> list[Any] | None:
    """The rows this request read ahead for ``key`` (once: a second ask reads again), or None."""
    kept = _AHEAD.get()
    return None if kept is None else kept.pop(key, None)
