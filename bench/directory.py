"""A transition's staff directory: every active staff member, or the staff of the case's place (issue 18).

    .venv/bin/python bench/directory.py [--rounds 120] [--pg URL | --sqlite]

On the load bench's scaled organisation (``bench/load.py``'s ``scaled_org``: 2 subsidiaries × 6 projects ×
200 staff, 2,455 staff), on its own PostgreSQL database (created and dropped) unless ``--sqlite``. Each
round is one read transaction for a case at one of the 12 projects in turn (their units read before the
timing, as a transition has them), asking what a dispatch and a ``notify.roles`` ask: the holders of the
order's candidate groups (``of_task``: the engineers of the project's engineering department and the
department's head), the responsible department's head (``for_place``), the CS centre's general manager and
the chairman (nearest upwards), each list through ``may_read``. Two ways, in turns, the same rounds:

- **full**: ``Directory(WorkerRepo.all_staff(), units)``, the transition's directory before item 49;
- **place**: ``PlaceDirectory`` (``transition_directory`` since item 49): the staff of the case's project,
  subsidiary and group and of their departments, with the named-role holders, in one statement.

Prints per way: milliseconds per round (CPU and wall), staff rows read and statements per round, and the
answers' checksum (the same people in the same order both ways), then the ratio full / place.

Then, the same way, a violation notice's direct supervisor (R8.2, ``engine.assessment``) for a CS
specialist of each project in turn: **each** (every staff member read one by one, ``Tx.staff`` for every
login, as ``Assessment.issue`` did before item 50) and **levels** (the staff of the person's
``supervisor_levels`` in one statement, ``OrgRepo.staff_in``), with its ratio each / levels.

Last, the staff a request reads to find a group's holders (item 51: the transfer picker's, for the CS
specialists of each project in turn): **all** (every staff member, ``OrgRepo.all_staff``, before) and
**group** (``WorkerRepo.active_staff`` of the group's unit and its departments, with the named-role
holders), the same holders both ways, with its ratio all / group.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import on_database, scaled_org  # noqa: E402


def _ask(directory: Any, project: str, subsidiary: str) -> list[str]:
    """The logins a dispatch and a notify.roles of a case at ``project`` tell, in order."""
    case = {"project": project, "subsidiary": subsidiary, "first_receiver": None}
    asked = [directory.of_task(f"engineer@{project}", None),
             directory.of_task(f"department_head@{project}-engineering", None),
             directory.for_place("department_head", project, subsidiary, "engineering"),
             directory.for_place("cs_centre_gm", project, subsidiary),
             directory.for_place("chairman", project, subsidiary)]
    return [p.login for people in asked for p in directory.may_read(people, case)]


def run(db_url: str, data_dir: Path, args: argparse.Namespace) -> None:
    from sqlalchemy import event

    from engine.clock import SystemClock
    from engine.org import load_org
    from engine.settings import Settings
    from engine.store.worker_repo import WorkerRepo
    from engine.worker.people import Directory, PlaceDirectory
    from webui.services import build_services

    services = build_services(Settings(database_url=db_url, data_dir=data_dir, secret_key="bench"),
                              SystemClock())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "org.yaml"
        scaled_org(path)
        services.runtime.import_org(load_org(path))
    store = services.store
    with store.read() as tx:
        units = tx.units()
        staff = len(WorkerRepo(tx).all_staff())
    projects = sorted((code, str(u.parent)) for code, u in units.items() if u.kind == "project")
    statements = [0]
    event.listen(store.engine, "before_cursor_execute",
                 lambda *a, **k: statements.__setitem__(0, statements[0] + 1))

    def full(repo: WorkerRepo, rows: list[int]) -> Any:
        people = repo.all_staff()
        rows[0] += len(people)
        return lambda project, subsidiary: Directory(people, units)

    def place(repo: WorkerRepo, rows: list[int]) -> Any:
        def read(**kw: Any) -> Any:
            found = repo.active_staff(**kw)
            rows[0] += len(found)
            return found

        return lambda project, subsidiary: PlaceDirectory(read, units, [project, subsidiary])

    ways: dict[str, Callable[[WorkerRepo, list[int]], Any]] = {"full": full, "place": place}
    totals = {name: [0.0, 0.0, 0, 0] for name in ways}  # cpu, wall, rows, statements
    sums = {name: hashlib.sha256() for name in ways}
    for turn in range(4):  # a warm-up turn first, then three measured turns, the ways in turns
        for name, way in ways.items():
            rows = [0]
            s0, c0, w0 = statements[0], time.process_time(), time.perf_counter()
            for i in range(args.rounds):
                project, subsidiary = projects[i % len(projects)]
                with store.read() as tx:
                    directory = way(WorkerRepo(tx), rows)(project, subsidiary)
                    told = _ask(directory, project, subsidiary)
                if turn == 0:
                    sums[name].update(repr(told).encode())
            if turn == 0:
                continue
            total = totals[name]
            total[0] += time.process_time() - c0
            total[1] += time.perf_counter() - w0
            total[2] += rows[0]
            total[3] += statements[0] - s0
    backend = "SQLite" if db_url.startswith("sqlite") else "PostgreSQL"
    n = 3 * args.rounds
    print(f"{backend}, {staff} active staff, {len(projects)} projects; {args.rounds} rounds × 3 turns per "
          f"way, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"{'way':8}{'CPU ms':>9}{'wall ms':>9}{'rows':>8}{'stmts':>7}  answers")
    for name, (cpu, wall, rows_read, stmts) in totals.items():
        print(f"{name:8}{cpu * 1000 / n:9.3f}{wall * 1000 / n:9.3f}{rows_read / n:8.1f}{stmts / n:7.2f}"
              f"  {sums[name].hexdigest()[:12]}")
    assert sums["full"].digest() == sums["place"].digest(), "the two ways told different people"
    print(f"ratio: full / place  CPU {totals['full'][0] / totals['place'][0]:.2f}  "
          f"wall {totals['full'][1] / totals['place'][1]:.2f}")
    _supervisors(services, projects, statements, max(1, args.rounds // 10))
    _picker(store, projects, statements, args.rounds)
    store.dispose()


def _holds(person: Any, group: str, units: Any) -> bool:
    """The transfer picker's test (``Services.transfer_candidates``): ``person`` holds ``group``."""
    role, _, unit = group.partition("@")
    home = units.get(person.unit)
    homes = {person.unit} | ({home.parent} if home is not None and home.kind == "department" and home.parent
                             else set())
    return any(r == group if "@" in r else (r == role and unit in homes) for r in person.roles)


def _picker(store: Any, projects: list[tuple[str, str]], statements: list[int], rounds: int) -> None:
    """The holders of ``cs_specialist@<project>``: from every staff member, or from the group's units."""
    from engine.store.org_repo import OrgRepo
    from engine.store.worker_repo import WorkerRepo

    def every(tx: Any, unit: str, units: Any) -> Any:
        return [s for s in OrgRepo(tx).all_staff() if s.active]

    def group(tx: Any, unit: str, units: Any) -> Any:
        places = {unit} | {c for c, u in units.items() if u.parent == unit and u.kind == "department"}
        return WorkerRepo(tx).active_staff(homes=sorted(places), named=True)

    ways = {"all": every, "group": group}
    totals = {name: [0.0, 0.0, 0] for name in ways}
    found: dict[str, list[list[str]]] = {name: [] for name in ways}
    for turn in range(4):
        for name, way in ways.items():
            s0, c0, w0 = statements[0], time.process_time(), time.perf_counter()
            for i in range(rounds):
                unit = projects[i % len(projects)][0]
                wanted = f"cs_specialist@{unit}"
                with store.read() as tx:
                    units = tx.units()
                    people = way(tx, unit, units)
                    holders = [p.login for p in people if _holds(p, wanted, units)]
                if turn == 0:
                    found[name].append(holders)
            if turn == 0:
                continue
            totals[name][0] += time.process_time() - c0
            totals[name][1] += time.perf_counter() - w0
            totals[name][2] += statements[0] - s0
    assert found["all"] == found["group"], "the two ways found different holders"
    n = 3 * rounds
    print(f"\na group's holders (the transfer picker's people), {rounds} rounds × 3 turns per way")
    print(f"{'way':8}{'CPU ms':>9}{'wall ms':>9}{'stmts':>8}")
    for name, (cpu, wall, stmts) in totals.items():
        print(f"{name:8}{cpu * 1000 / n:9.3f}{wall * 1000 / n:9.3f}{stmts / n:8.1f}")
    print(f"ratio: all / group  CPU {totals['all'][0] / totals['group'][0]:.2f}  "
          f"wall {totals['all'][1] / totals['group'][1]:.2f}")


def _supervisors(services: Any, projects: list[tuple[str, str]], statements: list[int], rounds: int) -> None:
    """A notice's direct supervisor: every staff member read one by one, or the levels' staff."""
    from engine.assessment import AssessmentRules, direct_supervisor, supervisor_levels
    from engine.store.org_repo import OrgRepo

    store = services.store
    with store.read() as tx:
        people = [next(p for p in OrgRepo(tx).staff_in([f"{code}-cs"]) if "cs_specialist" in p.roles)
                  for code, _ in projects]
    rules = {sub: AssessmentRules.of(services.runtime.policies.effective(sub)) for _, sub in projects}

    def each(tx: Any, person: Any, units: Any) -> Any:
        return [s for s in (tx.staff(login) for login in tx.staff_logins()) if s is not None]

    def levels(tx: Any, person: Any, units: Any) -> Any:
        return OrgRepo(tx).staff_in([code for level in supervisor_levels(person, units) for code in level])

    ways = {"each": each, "levels": levels}
    totals = {name: [0.0, 0.0, 0] for name in ways}
    found: dict[str, list[str | None]] = {name: [] for name in ways}
    for turn in range(4):
        for name, way in ways.items():
            s0, c0, w0 = statements[0], time.process_time(), time.perf_counter()
            for i in range(rounds):
                person = people[i % len(people)]
                subsidiary = projects[i % len(projects)][1]
                with store.read() as tx:
                    units = tx.units()
                    boss = direct_supervisor(person, way(tx, person, units), units, rules[subsidiary])
                if turn == 0:
                    found[name].append(boss)
            if turn == 0:
                continue
            totals[name][0] += time.process_time() - c0
            totals[name][1] += time.perf_counter() - w0
            totals[name][2] += statements[0] - s0
    assert found["each"] == found["levels"], "the two ways found different supervisors"
    n = 3 * rounds
    print(f"\na notice's direct supervisor, {rounds} rounds × 3 turns per way "
          f"({sum(b is not None for b in found['levels'])} of {rounds} found one)")
    print(f"{'way':8}{'CPU ms':>9}{'wall ms':>9}{'stmts':>8}")
    for name, (cpu, wall, stmts) in totals.items():
        print(f"{name:8}{cpu * 1000 / n:9.3f}{wall * 1000 / n:9.3f}{stmts / n:8.1f}")
    print(f"ratio: each / levels  CPU {totals['each'][0] / totals['levels'][0]:.2f}  "
          f"wall {totals['each'][1] / totals['levels'][1]:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=120, help="rounds per way and turn (default 120)")
    parser.add_argument("--pg", default=os.environ.get("KEFU_TEST_POSTGRES_URL")
                        or "postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    on_database(parser.parse_args(), "kefu-directory-", run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
