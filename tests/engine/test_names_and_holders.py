"""The case page's people (issue 18): the names it shows and who holds its open queues in one read of
``staff``, the same answers as ``staff_names`` and ``group_holders`` apart, on both databases."""

from __future__ import annotations

from sqlalchemy import event, update

from engine.store.models import Staff
from engine.store.web_queries import group_holders, names_and_holders, staff_names

LOGINS = (["wang.fang"], ["wang.fang", "li.na", "liu.qiang", "gone.person", "zheng.xiaoyan"], ["yang.fan"])
GROUPS = (["cs_specialist@sz-property-lyc"], ["department_head@sz-property", "org_admin@sz-property"],
          ["cs_specialist@sz-property-lyc", "cs_manager@sz-property-cs", "department_head@sz-property",
           "cs_supervisor@sz-property-lyc", "no_role@nowhere"], ["plain-queue"], [])


def test_one_read_answers_what_the_two_answered(runtime, store):  # type: ignore[no-untyped-def]
    with store.write() as tx:  # an inactive holder: named on the page (a past step), holding nothing
        tx.session.execute(update(Staff).where(Staff.login == "liu.qiang").values(active=False))
    with store.read() as tx:
        units = tx.units()
    compared = 0
    statements: list[str] = []

    def listen(*args: object) -> None:
        statements.append(str(args[2]))

    for logins in LOGINS:
        for groups in GROUPS:
            statements.clear()
            event.listen(store.engine, "before_cursor_execute", listen)
            try:
                got = names_and_holders(store, logins, groups, units)
            finally:
                event.remove(store.engine, "before_cursor_execute", listen)
            assert got == (staff_names(store, logins), group_holders(store, groups, units)), (logins, groups)
            assert len(statements) == 1
            compared += sum(len(v) for v in got[1].values())
    assert compared > 10
    names, holders = names_and_holders(store, LOGINS[1], GROUPS[2], units)
    assert names["liu.qiang"] == "刘强" and "gone.person" not in names
    assert "liu.qiang" not in {login for held in holders.values() for login, _name in held}
