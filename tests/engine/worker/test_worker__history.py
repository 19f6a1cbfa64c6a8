"""The case history the jobs judge by (``tasks_at``): the audit log as of a moment."""

from __future__ import annotations

from typing import Any

from engine.store import AuditRecord
from engine.worker.context import tasks_at
from tests.conftest import shanghai


def _event(seq: int, at: str, action: str, task_id: str | None = None, **data: Any) -> AuditRecord:
    return AuditRecord(id=seq, chain="c", seq=seq, case_id="c", task_id=task_id, actor="system",
                       action=action, at=shanghai(at), data=data, prev_hash="", hash="")


def test_a_recomputed_deadline_moves_the_due_time_of_the_open_tasks_due_then() -> None:
    # i12-cal: an official year replaced a provisional one; the open work step was due 01-04 17:00
    old, new = "2027-01-04T17:00:00+08:00", "2027-01-05T17:00:00+08:00"
    events = [
        _event(1, "2026-12-31 10:00", "task.opened", "t1", task="carry_out_work", due_at=old),
        _event(2, "2026-12-31 10:00", "task.opened", "t2", task="raise_order", due_at=old),
        _event(3, "2026-12-31 11:00", "task.completed", "t2"),
        _event(4, "2027-01-02 09:00", "deadline.recomputed", old_due=old, new_due=new, changed=True),
    ]
    before = {t.task_id: t.due_at for t in tasks_at(events, shanghai("2027-01-01 12:00"))}
    after = {t.task_id: t.due_at for t in tasks_at(events, shanghai("2027-01-03 12:00"))}
    assert before == {"t1": shanghai("2027-01-04 17:00"), "t2": shanghai("2027-01-04 17:00")}
    assert after == {"t1": shanghai("2027-01-05 17:00"), "t2": shanghai("2027-01-04 17:00")}  # t2 was done
