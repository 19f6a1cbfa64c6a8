"""A transition's staff directory (``PlaceDirectory``) reads the staff of the case's place, not every staff
member, and answers every question as the full directory (``Directory`` over ``WorkerRepo.all_staff``)
does: the same people, in the same order (issue 18, docs/scaling.md item 49)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.load import scaled_org
from engine.clock import FixedClock
from engine.org import load_org
from engine.runtime.access import chain
from engine.store import StaffRecord, Store
from engine.store import worker_repo as worker_repo_module
from engine.store.org_repo import OrgRepo
from engine.store.worker_repo import WorkerRepo
from engine.worker.events import install
from engine.worker.people import Directory, PlaceDirectory
from tests.conftest import shanghai
from tests.engine.worker.conftest import REQUIRED_BY, make_desk
from tests.scenarios.conftest import Desk
from tests.staff_reads import StaffReads

# Staff an org file cannot hold: roles named with their unit (given in the org admin pages), held far from
# the holder's own unit; a named role held in the holder's own unit too; logins whose order depends on
# the database's collation (upper case, punctuation); an inactive holder of a named role.
_EXTRA = [
    StaffRecord("far.supervisor", "远端主管", "hn-region-bhw-cs",
                ("cs_supervisor@sz-property-lyc", "cs_specialist")),
    StaffRecord("far.head", "远端部长", "hn-region-cs", ("department_head@sz-property-lyc-engineering",)),
    StaffRecord("near.named", "本地", "sz-property-lyc-cs",
                ("cs_specialist@sz-property-lyc-cs", "cs_specialist")),
    StaffRecord("Zed.Upper", "大写", "sz-property-lyc-cs", ("cs_specialist",)),
    StaffRecord("a_b", "下划线", "sz-property-lyc-cs", ("cs_specialist",)),
    StaffRecord("a.b", "点", "sz-property-lyc-cs", ("cs_specialist",)),
    StaffRecord("ab", "无", "sz-property-lyc-cs", ("cs_specialist",)),
    StaffRecord("gone.named", "离职", "hn-region-cs", ("chairman@sz-property",), active=False),
]


def _add_extra(store: Store) -> None:
    with store.write() as tx:
        repo = OrgRepo(tx)
        for person in _EXTRA:
            repo.add_staff(person)


def _scaled_desk(store: Store, tmp_path: Path) -> Desk:
    desk = make_desk(store, FixedClock(shanghai("2026-11-23 10:00")))
    path = tmp_path / "scaled-org.yaml"
    scaled_org(path)
    desk.runtime.import_org(load_org(path))
    return desk


def _places(units: dict[str, Any]) -> list[tuple[str | None, str]]:
    """(project, subsidiary) of a case at every project and at every subsidiary itself."""
    out: list[tuple[str | None, str]] = []
    for code, unit in units.items():
        if unit.kind == "project":
            out.append((code, str(unit.parent)))
        elif unit.kind == "subsidiary":
            out.append((None, code))
    return sorted(out, key=lambda p: (p[1], p[0] or ""))


def _compare(store: Store, places: list[tuple[str | None, str]] | None = None) -> int:
    """Ask the full and the place's directory every question, for every place; returns how many."""
    asked = 0
    with store.read() as tx:
        repo = WorkerRepo(tx)
        units = tx.units()
        full = Directory(repo.all_staff(), units)
        everyone = OrgRepo(tx).all_staff()
        logins = [p.login for p in everyone] + ["nobody.here"]
        roles = sorted({r for p in everyone for r in p.roles if "@" not in r}) + ["no_such_role"]
        named = sorted({r for p in everyone for r in p.roles if "@" in r})
        codes = sorted(units) + ["no-such-unit"]
        departments = sorted({u.department for u in units.values() if u.department}) + [None]
        for project, subsidiary in places or _places(units):
            case = {"project": project, "subsidiary": subsidiary, "first_receiver": "zhang.wei"}
            inside = {u.code for u in chain(units, project or subsidiary)}
            # three directories of the place, each asked first something else: a holder outside the
            # place, a login, a group of the place
            far = next(c for c in codes if c not in inside)
            for question, arg in (("holders", f"cs_specialist@{far}"), ("person", "yang.fan"),
                                  ("holders", f"cs_supervisor@{project or subsidiary}")):
                place = PlaceDirectory(repo.active_staff, units, [project, subsidiary])
                getattr(place, question)(arg)
                assert place.group_unit() == full.group_unit()
                assert place.subsidiaries() == full.subsidiaries()
                for group in [None, "", "cs_specialist", *named,
                              *(f"{r}@{c}" for r in roles for c in codes)]:
                    assert place.holders(group) == full.holders(group), group
                    asked += 1
                for login in [None, "", *logins]:
                    assert place.person(login) == full.person(login), login
                    assert place.of_task(f"engineer@{project}", login) == full.of_task(
                        f"engineer@{project}", login), login
                    asked += 2
                for role in roles:
                    for department in departments:
                        assert place.for_place(role, project, subsidiary, department) == full.for_place(
                            role, project, subsidiary, department), (role, department)
                        asked += 1
                    assert place.nearest(role, project, subsidiary, full.group_unit()) == full.nearest(
                        role, project, subsidiary, full.group_unit()), role
                    for code in codes:
                        assert place.in_unit(role, code) == full.in_unit(role, code), (role, code)
                        asked += 1
                    people = full.holders(f"{role}@{project or subsidiary}")
                    assert place.may_read(people, case) == full.may_read(people, case)
    return asked


def test_a_place_directory_answers_as_the_full_directory_in_the_demo_org(store: Store) -> None:
    make_desk(store, FixedClock(shanghai("2026-11-23 10:00")))
    _add_extra(store)
    assert _compare(store) > 10_000


def test_a_place_directory_answers_as_the_full_directory_in_the_scaled_org(store: Store,
                                                                          tmp_path: Path) -> None:
    _scaled_desk(store, tmp_path)
    _add_extra(store)
    with store.read() as tx:
        assert len(WorkerRepo(tx).all_staff()) > 2_400
    assert _compare(store, [("sz-property-lyc", "sz-property"), ("hn-region-p3", "hn-region"),
                            (None, "hn-region")]) > 10_000


def _order_notices(desk: Desk) -> list[tuple[str, str]]:
    with desk.runtime.store.read() as tx:
        return sorted((m.recipient, m.channel) for m in WorkerRepo(tx).messages() if m.kind == "order_signed")


def test_a_dispatch_reads_the_staff_of_its_place_not_of_other_projects(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The signed order's notices read the staff of the case's project, subsidiary and group and their
    departments, and the named-role holders: as many rows with 40 more staff in another project."""
    desk = make_desk(store, FixedClock(shanghai("2026-11-23 10:00")))
    install(desk.runtime)
    _add_extra(store)
    reads = StaffReads(monkeypatch, worker_repo_module, key=lambda person: str(person.unit))

    def dispatch() -> list[str]:
        n = desk.open().number
        desk.complete(n, "raise_order", order_summary="请物业部处理", required_completion=REQUIRED_BY)
        reads.seen.clear()
        desk.complete(n, "sign_order", order_decision="sign")
        return list(reads.seen)

    first = dispatch()
    assert _order_notices(desk) == [("yang.fan", "email"), ("yang.fan", "sms")]
    with store.write() as tx:
        repo = OrgRepo(tx)
        for i in range(40):
            repo.add_staff(StaffRecord(f"other.{i:02d}", f"别处{i}", "hn-region-bhw-cs", ("cs_specialist",)))
    second = dispatch()
    assert len(second) == len(first)
    with store.read() as tx:
        units = tx.units()
    place = {u.code for u in chain(units, "sz-property-lyc")}
    homes = place | {c for c, u in units.items() if u.parent in place and u.kind == "department"}
    named = {p.unit for p in _EXTRA if p.active and any("@" in r for r in p.roles)}
    assert set(second) <= homes | named, sorted(set(second) - homes - named)
    assert second.count("hn-region-bhw-cs") == 1  # its named-role holder, none of the 40 others
    assert _order_notices(desk) == [("yang.fan", "email"), ("yang.fan", "email"), ("yang.fan", "sms"),
                                    ("yang.fan", "sms")]
