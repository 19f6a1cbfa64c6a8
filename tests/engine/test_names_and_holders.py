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


def test_the_holders_read_leaves_out_the_units_staff_who_hold_none_of_the_roles(  # type: ignore[no-untyped-def]
        runtime, store, monkeypatch):
    """The case page's people and ``group_holders`` read, of the queues' units, only the staff whose roles
    name one of the groups' roles (issue 18, docs/scaling.md item 54): 40 more engineers and guards in the
    project and its departments are not read (on the code before: every one of them, each answer the
    same), a holder of the role itself, of the group named with its unit and of a role that is a prefix of
    another are; a role code a JSON writer might escape reads the units' staff as before."""
    from engine.store import StaffRecord, web_queries
    from engine.store.org_repo import OrgRepo

    read: list[int] = []
    original = web_queries._holders

    def counted(wanted, parent, rows):  # type: ignore[no-untyped-def]
        read.append(len(rows))
        return original(wanted, parent, rows)

    monkeypatch.setattr(web_queries, "_holders", counted)
    with store.write() as tx:  # a role named with the queue's unit, and roles whose codes contain the role's
        repo = OrgRepo(tx)
        repo.add_staff(StaffRecord("named.one", "甲", "sz-property-lyc-engineering",
                                   ("engineer", "cs_specialist@sz-property-lyc")))
        repo.add_staff(StaffRecord("prefix.one", "乙", "sz-property-lyc-cs", ("cs_specialist_trainee",)))
        repo.add_staff(StaffRecord("odd.one", "丙", "sz-property-lyc-cs", ("值班员",)))
    with store.read() as tx:
        units = tx.units()
    groups = GROUPS[2] + ["值班员@sz-property-lyc"]

    def answers() -> tuple[list[int], object]:
        read.clear()
        got = [names_and_holders(store, LOGINS[1], GROUPS[0], units),
               names_and_holders(store, LOGINS[1], groups, units),
               group_holders(store, GROUPS[0], units), group_holders(store, GROUPS[0])]
        return list(read), got

    first, before = answers()
    holders = before[0][1]["cs_specialist@sz-property-lyc"]
    assert ("named.one", "甲") in holders and ("wang.fang", "王芳") in holders
    assert "prefix.one" not in {login for login, _name in holders}
    assert before[1][1]["值班员@sz-property-lyc"] == [("odd.one", "丙")]
    with store.write() as tx:
        repo = OrgRepo(tx)
        for i in range(20):
            repo.add_staff(StaffRecord(f"eng.{i:02d}", f"工{i}", "sz-property-lyc-engineering",
                                       ("engineer",)))
            repo.add_staff(StaffRecord(f"guard.{i:02d}", f"保{i}", "sz-property-lyc", ("security_guard",)))
    after, again = answers()
    assert again == before
    # the escaped code's read takes every staff member of the units, the others none of the 40
    assert [a - b for a, b in zip(after, first, strict=True)] == [0, 40, 0, 0]
