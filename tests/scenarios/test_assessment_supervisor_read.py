"""A violation notice's direct supervisor (R8.2) is found among the staff of the person's chain of units
(``supervisor_levels``), read in one statement, not by reading every staff member one by one: the same
supervisor for everyone of the demo and the scaled organisation (issue 18, docs/scaling.md item 50)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event

from bench.load import scaled_org
from engine.assessment import Assessment, AssessmentRules, direct_supervisor, supervisor_levels
from engine.clock import FixedClock
from engine.org import load_org
from engine.runtime import Runtime
from engine.runtime.access import placement_of
from engine.store import StaffRecord
from engine.store.org_repo import OrgRepo
from tests.conftest import shanghai


def _same_supervisors(runtime: Runtime, every: int = 1) -> int:
    """Everyone's (every ``every``-th's) direct supervisor under their subsidiary's rules, from every staff
    member and from their levels' staff: the same."""
    compared = found = 0
    with runtime.store.read() as tx:
        units = tx.units()
        repo = OrgRepo(tx)
        everyone = repo.all_staff()
        rules = {code: AssessmentRules.of(runtime.policies.effective(code))
                 for code, unit in units.items() if unit.kind == "subsidiary"}
        for person in everyone[::every]:
            subsidiary = placement_of(units, person.unit).subsidiary
            if subsidiary is None:
                continue
            homes = [code for level in supervisor_levels(person, units) for code in level]
            mine = direct_supervisor(person, repo.staff_in(homes), units, rules[subsidiary])
            assert mine == direct_supervisor(person, everyone, units, rules[subsidiary]), person.login
            compared += 1
            found += mine is not None
    assert found > compared // 3  # a supervisor was found for many of them
    return compared


def test_everyones_supervisor_is_found_among_their_levels_staff(runtime: Runtime, tmp_path: Path) -> None:
    with runtime.store.write() as tx:  # an inactive CS manager above the CS team: not a supervisor
        OrgRepo(tx).add_staff(StaffRecord("gone.manager", "离职", "sz-property-cs", ("cs_manager",),
                                          active=False))
    assert _same_supervisors(runtime) > 50
    path = tmp_path / "scaled-org.yaml"
    scaled_org(path)
    runtime.import_org(load_org(path))
    assert _same_supervisors(runtime, every=7) > 300


def test_a_notice_reads_as_many_statements_with_more_staff_elsewhere(runtime: Runtime,
                                                                     clock: FixedClock) -> None:
    """Without a named supervisor the notice finds one in one statement, not one per staff member: the
    same count with 40 more staff in the other subsidiary (on the code before, 40 more)."""
    clock.set(shanghai("2026-11-30 10:00"))
    assessment = Assessment(runtime.store, clock, runtime.policies)
    statements: list[str] = []
    event.listen(runtime.store.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *a: statements.append(statement))

    def notice() -> tuple[str | None, int]:
        statements.clear()
        found = assessment.issue("li.na", person="wang.fang", issue="discipline", points=1,
                                 occurred_on="2026-11-02", text="迟到")
        return found.supervisor, len(statements)

    first = notice()
    with runtime.store.write() as tx:
        repo = OrgRepo(tx)
        for i in range(40):
            repo.add_staff(StaffRecord(f"other.{i:02d}", f"别处{i}", "hn-region-bhw-cs", ("cs_specialist",)))
    second = notice()
    assert first[0] == second[0] == "li.na"
    assert second[1] == first[1]
