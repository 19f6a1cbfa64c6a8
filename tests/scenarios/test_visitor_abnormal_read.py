"""An abnormal visit tells the departments its policy entry names in the visit's project (else its
subsidiary), reading their staff only, not every staff member (issue 18, docs/scaling.md item 51)."""

from __future__ import annotations

import pytest

from engine.store import StaffRecord
from engine.store import worker_repo as worker_repo_module
from engine.store.org_repo import OrgRepo
from engine.store.worker_repo import WorkerRepo
from tests.scenarios.conftest import Desk
from tests.scenarios.test_visitor_reception import gate, register  # noqa: F401  (the fixture)
from tests.staff_reads import StaffReads


def _told(desk: Desk, number: str) -> list[str]:
    with desk.runtime.store.read() as tx:
        return sorted(n.recipient for s in WorkerRepo(tx).all_staff()
                      for n in WorkerRepo(tx).notifications(s.login) if n.case_number == number)


def test_an_abnormal_visit_reads_the_told_departments_staff_only(gate: Desk,  # noqa: F811
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    with gate.runtime.store.write() as tx:  # another project's guard and one gone from 丽雅苑's team
        repo = OrgRepo(tx)
        repo.add_staff(StaffRecord("bhw.guard", "白湖湾保安", "hn-region-bhw-security", ("security_guard",)))
        repo.add_staff(StaffRecord("gone.guard", "离职", "sz-property-lyc-security", ("security_guard",),
                                   active=False))
    reads = StaffReads(monkeypatch, worker_repo_module, key=lambda person: str(person.unit))
    first = register(gate, abnormal="safety_risk", abnormal_note="携带大量易燃物品").number
    rows = len(reads.seen)
    reads.off()
    told = _told(gate, first)
    assert "peng.jun" in told and "bhw.guard" not in told and "gone.guard" not in told
    with gate.runtime.store.write() as tx:
        repo = OrgRepo(tx)
        for i in range(40):
            repo.add_staff(StaffRecord(f"other.{i:02d}", f"别处{i}", "hn-region-bhw-security",
                                       ("security_guard",)))
    reads.on()
    reads.seen.clear()
    second = register(gate, abnormal="crime", abnormal_note="持械威胁").number
    assert len(reads.seen) == rows  # none of the 40 (on the code before: every active staff member, 40 more)
    assert set(reads.seen) <= {"sz-property-lyc-security", "sz-property-security"}  # the project's, else
    # its subsidiary's department
    reads.off()
    assert _told(gate, second) == told
