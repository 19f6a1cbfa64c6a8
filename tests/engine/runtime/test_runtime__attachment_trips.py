"""An attachment's record (the photo upload of the page and the API, issue 18): the case locked first,
the row inserted, then its audit event and the case's audit head in one round trip on PostgreSQL (it
was the ORM session's insert, the lock, the event and the case row one by one)."""

from __future__ import annotations

import pytest

from engine.runtime import Runtime
from engine.store import web_queries as wq
from tests.engine.runtime.conftest import open_ticket
from tests.engine.runtime.test_runtime__round_trips import counting


def _attach(rt: Runtime, case_id: str, name: str = "photo.jpg") -> int:
    return wq.add_attachment(rt.store, case_id=case_id, task_id=None, filename=name,
                             content_type="image/jpeg", size=3, sha256="ab" * 32,
                             storage_path=f"uploads/{name}", uploaded_by="zhang.wei", at=rt.clock.now(),
                             stage="before")


def test_an_attachment_is_recorded_with_its_event_on_the_case(rt: Runtime) -> None:
    case = open_ticket(rt)
    first, second = _attach(rt, case.id), _attach(rt, case.id, "second.jpg")
    assert second > first
    events = [e for e in rt.get_case(case.number, "zhang.wei").timeline if e.action == "attachment.added"]
    assert [e.data["attachment"] for e in events] == [first, second]
    assert events[0].data == {"attachment": first, "filename": "photo.jpg", "sha256": "ab" * 32, "size": 3,
                              "stage": "before"}
    assert [(a.id, a.filename, a.stage) for a in wq.attachments(rt.store, [case.id])] == [
        (first, "photo.jpg", "before"), (second, "second.jpg", "before")]
    assert rt.verify_audit_chain() == []
    with pytest.raises(LookupError, match="does not exist"):
        _attach(rt, "no-such-case")


def test_an_attachments_event_and_case_row_go_in_one_round_trip(pg_rt: Runtime,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    case = open_ticket(pg_rt)
    with counting(monkeypatch) as trips:
        ident = _attach(pg_rt, case.id)
    writes = [(s, p) for s, p in trips.statements
              if s.startswith(("INSERT INTO audit_events", "UPDATE cases"))]
    assert len(writes) == 2 and len({p for _, p in writes}) == 1 and writes[0][1] is not None, writes
    # the lock, the row's insert (its id goes into the event), the event with the case row, the commit: 4
    # (5 before: the insert, the lock, the event, the case row, the commit)
    assert trips.round_trips <= 4, (trips.round_trips, trips.statements)
    statements = [s for s, _ in trips.statements]
    assert statements[0].startswith("SELECT cases.") and statements[1].startswith("INSERT INTO attachments")
    assert [a.id for a in wq.attachments(pg_rt.store, [case.id])] == [ident]
    assert pg_rt.verify_audit_chain() == []
