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

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from engine.store.records import StaffRecord

__all__ = ["authenticated", "known_actor", "one_request", "staff_changed"]

# Inside one_request(): login → the active staff record the request authenticated as.
_KEPT: ContextVar[dict[str, StaffRecord] | None] = ContextVar("kefu_authenticated_staff", default=None)


@contextmanager
def one_request() -> Iterator[None]:
    """Within the block, the staff member the request authenticated as is read once."""
    token = _KEPT.set({})
    try:
        yield
    finally:
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
