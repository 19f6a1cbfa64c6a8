"""The transfer picker reads the holders of the task's candidate group, not every staff member: the staff
of its unit and the unit's departments, and the holders of a role named with its unit (issue 18,
docs/scaling.md item 51)."""

from __future__ import annotations

import pytest

from engine.store import StaffRecord
from engine.store import org_repo as org_repo_module
from engine.store import worker_repo as worker_repo_module
from engine.store.org_repo import OrgRepo
from tests.staff_reads import StaffReads
from tests.webui.conftest import open_complaint


def test_the_picker_lists_the_same_holders_reading_the_groups_units_only(  # type: ignore[no-untyped-def]
        login, services, monkeypatch: pytest.MonkeyPatch) -> None:
    browser = login("wang.fang")
    number = open_complaint(browser)
    task = services.runtime.get_case(number, "wang.fang").tasks[0]
    browser.post(f"/tasks/{task.task_id}/claim", {"next": f"/cases/{number}"})
    group = services.runtime.get_case(number, "wang.fang").tasks[0].candidate_group
    actor = services.actor("wang.fang")
    before = services.transfer_candidates(actor, task.task_id)
    with services.store.write() as tx:  # a holder of the group named with its unit, far from it; one gone
        repo = OrgRepo(tx)
        repo.add_staff(StaffRecord("far.holder", "远端", "hn-region-bhw-cs", (group,)))
        repo.add_staff(StaffRecord("gone.holder", "离职", "hn-region-bhw-cs", (group,), active=False))
    reads = StaffReads(monkeypatch, org_repo_module, worker_repo_module, key=lambda person: person.login)
    named = services.transfer_candidates(actor, task.task_id)
    assert named == sorted([*before, ("far.holder", "远端", "客服中心")], key=lambda item: item[1])
    first = len(reads.seen)
    with services.store.write() as tx:
        repo = OrgRepo(tx)
        for i in range(40):
            repo.add_staff(StaffRecord(f"other.{i:02d}", f"别处{i}", "hn-region-bhw-cs", ("cs_specialist",)))
    reads.seen.clear()
    assert services.transfer_candidates(actor, task.task_id) == named
    assert len(reads.seen) == first  # none of the 40 (on the code before: every staff member, 40 more)
    assert "far.holder" in reads.seen and "gone.holder" not in reads.seen
