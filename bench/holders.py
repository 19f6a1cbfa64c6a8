"""Who holds a case page's open queues: the units' staff, or only those whose roles name the queue's role
(issue 18, docs/scaling.md item 54).

    .venv/bin/python bench/holders.py [--rounds 240] [--pg URL | --sqlite]

On the load bench's scaled organisation (``bench/load.py``'s ``scaled_org``: 2 subsidiaries × 6 projects ×
200 staff, 2,455 staff), on its own PostgreSQL database (created and dropped) unless ``--sqlite``. Each
round is the case page's read of its people (``web_queries.names_and_holders``: the names of three staff
members of the project and the holders of one open task's queue) for a case at one of the 12 projects in
turn, the queue in turn ``cs_specialist@<project>`` (40 holders of the project's 200 staff),
``engineer@<project>`` (80) and ``department_head@<project>-engineering`` (1), then ``group_holders`` of the
same queue (the escalation's and the org admins' read). Two ways, in turns, the same rounds:

- **units**: every active staff member of the queue's unit and its departments, as before item 54;
- **roles**: only those whose roles' JSON text names the queue's role or the queue (``_holding``).

Prints per way: milliseconds per round (CPU and wall), staff rows read per round, the answers' checksum
(the same names and holders both ways), then ``ratio:`` units / roles.
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


def run(db_url: str, data_dir: Path, args: argparse.Namespace) -> None:
    from engine.clock import SystemClock
    from engine.org import load_org
    from engine.settings import Settings
    from engine.store import web_queries
    from engine.store.org_repo import OrgRepo
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
        projects = sorted(code for code, u in units.items() if u.kind == "project")
        logins = {p: [s.login for s in OrgRepo(tx).staff_in([f"{p}-cs"])][:3] for p in projects}
    queues = ["cs_specialist@{p}", "engineer@{p}", "department_head@{p}-engineering"]
    rows = [0]
    original_holders, original_holding = web_queries._holders, web_queries._holding

    def counted(wanted: Any, parent: Any, found: Any) -> Any:
        rows[0] += len(found)
        return original_holders(wanted, parent, found)

    web_queries._holders = counted  # type: ignore[assignment]
    ways: dict[str, Callable[[set[str]], Any]] = {"units": lambda wanted: None, "roles": original_holding}
    totals = {name: [0.0, 0.0, 0] for name in ways}  # cpu, wall, rows
    sums = {name: hashlib.sha256() for name in ways}
    try:
        for turn in range(4):  # a warm-up turn first, then three measured turns, the ways in turns
            for name, way in ways.items():
                web_queries._holding = way  # type: ignore[assignment]
                rows[0] = 0
                c0, w0 = time.process_time(), time.perf_counter()
                for i in range(args.rounds):
                    project = projects[i % len(projects)]
                    group = queues[(i // len(projects)) % len(queues)].format(p=project)
                    got = (web_queries.names_and_holders(store, logins[project], [group], units),
                           web_queries.group_holders(store, [group], units))
                    if turn == 0:
                        sums[name].update(repr(got).encode())
                if turn == 0:
                    continue
                total = totals[name]
                total[0] += time.process_time() - c0
                total[1] += time.perf_counter() - w0
                total[2] += rows[0]
    finally:
        web_queries._holders, web_queries._holding = original_holders, original_holding
    backend = "SQLite" if db_url.startswith("sqlite") else "PostgreSQL"
    n = 3 * args.rounds
    print(f"{backend}, {len(projects)} projects; {args.rounds} rounds × 3 turns per way (a round: the case "
          f"page's names and holders, then group_holders), {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f}")
    print(f"{'way':8}{'CPU ms':>9}{'wall ms':>9}{'rows':>8}  answers")
    for name, (cpu, wall, read) in totals.items():
        print(f"{name:8}{cpu * 1000 / n:9.3f}{wall * 1000 / n:9.3f}{read / n:8.1f}  "
              f"{sums[name].hexdigest()[:12]}")
    assert sums["units"].digest() == sums["roles"].digest(), "the two ways found different people"
    print(f"ratio: units / roles  CPU {totals['units'][0] / totals['roles'][0]:.2f}  "
          f"wall {totals['units'][1] / totals['roles'][1]:.2f}")
    store.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=240, help="rounds per way and turn (default 240)")
    parser.add_argument("--pg", default=os.environ.get("KEFU_TEST_POSTGRES_URL")
                        or "postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    on_database(parser.parse_args(), "kefu-holders-", run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
