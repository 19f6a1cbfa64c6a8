"""What one transition reads (issue 18): a step that opens several tasks asks the database each question
about the organisation once — the unit of a department under the case's project or company, and who
holds a role in a unit — however many of its lanes ask it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.webui.test_cooperation import CASE, _task

QUESTIONS = ("SELECT org_units.parent, org_units.code FROM org_units WHERE org_units.kind",
             "SELECT staff.roles FROM staff WHERE staff.active")


@contextmanager
def questions(services: Any) -> Iterator[Counter[tuple[str, str]]]:
    """(statement, its parameters) of every organisation question asked while the block runs."""
    seen: Counter[tuple[str, str]] = Counter()

    def record(_conn, _cursor, statement, params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        text = " ".join(statement.split())
        if text.startswith(QUESTIONS):
            seen[(text, repr(params))] += 1

    event.listen(services.store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(services.store.engine, "before_cursor_execute", record)


def test_a_dispatch_asks_each_organisation_question_once(services: Any) -> None:
    """Signing a 督办令 opens the responsible department's step and a cooperating department's (R2.4),
    each lane resolved for its unit, its escalation and whether the project's department has someone
    holding the role: the same department's unit was read again and again (four reads for three
    questions, two for one unit's role holders)."""
    rt = services.runtime
    number = rt.open_case("complaint", CASE, "wang.fang").number
    order = {"order_summary": "请物业部处理楼上漏水", "required_completion": "2026-12-31T17:00:00+08:00"}
    rt.complete_task(_task(services, number, "raise_order"), "wang.fang", order)
    sign = _task(services, number, "sign_order")
    with questions(services) as asked:
        done = rt.complete_task(sign, "lin.lihua", {"order_decision": "sign"})
    assert done.status == "dispatched" and len(done.tasks) >= 2
    assert asked and any(text.startswith(QUESTIONS[0]) for text, _ in asked), asked
    assert set(asked.values()) == {1}, asked
