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
    assert asked and any(text.startswith(QUESTIONS[1]) for text, _ in asked), asked
    assert set(asked.values()) == {1}, asked


def test_a_dispatch_that_read_every_unit_asks_no_department_unit(services: Any) -> None:
    """The dispatch reads every org unit (a lane needs them): the departments' units are found in them,
    not asked again one by one; and the staff its notifications tell are read once."""
    from engine.worker.events import install

    install(services.runtime)  # the order-signed notices, as kefu serve has them (build_services)
    rt = services.runtime
    number = rt.open_case("complaint", CASE, "wang.fang").number
    order = {"order_summary": "请物业部处理楼上漏水", "required_completion": "2026-12-31T17:00:00+08:00"}
    rt.complete_task(_task(services, number, "raise_order"), "wang.fang", order)
    sign = _task(services, number, "sign_order")
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(services.store.engine, "before_cursor_execute", record)
    try:
        done = rt.complete_task(sign, "lin.lihua", {"order_decision": "sign"})
    finally:
        event.remove(services.store.engine, "before_cursor_execute", record)
    assert done.status == "dispatched"
    assert any(s.startswith("SELECT org_units.code, org_units.name") for s in seen), seen  # every unit
    assert not [s for s in seen if s.startswith(QUESTIONS[0])], seen
    # every active staff member, read once for the order-signed notices and the cooperating
    # departments' (it was read for each)
    assert sum("FROM staff LEFT OUTER JOIN org_units" in s and "WHERE staff.active" in s
               for s in seen) == 1, seen
    # each notice's rows in one statement per table (one per row before: six for the dispatch's two)
    writes = [s for s in seen if s.startswith(("INSERT INTO notifications", "INSERT INTO outbox_messages"))]
    with services.store.read() as tx:
        queued = tx.conn.exec_driver_sql("SELECT count(*) FROM outbox_messages").scalar()
        shown = tx.conn.exec_driver_sql("SELECT count(*) FROM notifications").scalar()
    assert queued + shown > len(writes) and len(writes) <= 4, (queued, shown, writes)


def test_the_department_unit_from_the_units_is_the_databases(services: Any) -> None:
    """For every department and every pair of units of the demo organisation, the unit found in the
    org units read is the one ``Tx.department_unit`` finds."""
    from types import SimpleNamespace

    from engine.runtime.transition import Transition

    with services.store.read() as tx:
        units = tx.units()
        departments = sorted({u.department for u in units.values() if u.department})
        places = sorted(code for code, u in units.items() if u.kind in ("project", "subsidiary", "group"))
        assert departments and places
        checked = 0
        for department in departments:
            for near in places:
                for parents in ([near], [near, units[near].parent or near]):
                    local = SimpleNamespace(_department_units={}, _units=units, tx=tx)
                    found = Transition.department_unit(local, department, parents)  # type: ignore[arg-type]
                    assert found == tx.department_unit(department, parents), (department, parents)
                    checked += found is not None
    assert checked  # some departments were found, not only None == None
