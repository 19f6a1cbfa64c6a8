"""What a claim and a release write to PostgreSQL: the ``cases`` table's growth (with its TOAST) and the
WAL per claim or release, and their CPU and wall time in process.

    .venv/bin/python bench/claim_writes.py [--cases 10] [--rounds 10] [--pg URL | --sqlite] [--root DIR]

Opens ``--cases`` complaints of the demo organisation (each waits at its first step, in its group's
queue), then ``--rounds`` times claims and releases each first step as zhang.wei
(``Runtime.claim_task`` / ``release_task``), and prints per claim or release: the bytes
``pg_total_relation_size('cases')`` grew by (the table is not vacuumed during the run, so every row
version written stays), the WAL written (``pg_current_wal_lsn``: the whole server's, so others'
activity on a shared server shows too), CPU and wall milliseconds, and the stored workflow JSON's
length. ``--root DIR`` runs another checkout's code (e.g. ``git worktree add /tmp/base <commit>``) with
this bench, for a before/after. On PostgreSQL it creates and drops its own database.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run(db_url: str, data_dir: Path, args: argparse.Namespace) -> None:
    from sqlalchemy import text

    from bench.intake import INTAKE
    from engine.clock import SystemClock
    from engine.org import load_org
    from engine.settings import Settings
    from webui.services import build_services

    services = build_services(Settings(database_url=db_url, data_dir=data_dir, secret_key="bench"),
                              SystemClock())
    rt, store = services.runtime, services.store
    rt.register_processes()
    rt.import_org(load_org(args.root / "engine" / "demo" / "org.yaml"))
    who = "zhang.wei"
    cases = [rt.open_case("complaint", {**INTAKE, "customer_phone": f"1390000{i:04d}"}, who)
             for i in range(args.cases)]
    tasks = [c.tasks[0].task_id for c in cases]
    pg = store.dialect == "postgresql"

    def size() -> tuple[Any, Any]:
        if not pg:
            return 0, None
        with store.engine.connect() as conn:
            row = conn.execute(text("SELECT pg_total_relation_size('cases'), pg_current_wal_lsn()")).first()
        assert row is not None
        return row[0], row[1]

    size0, lsn0 = size()
    c0, w0 = time.process_time(), time.perf_counter()
    n = 0
    for _ in range(args.rounds):
        for task_id in tasks:
            rt.claim_task(task_id, who)
            rt.release_task(task_id, who)
            n += 2
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    size1, lsn1 = size()
    with store.read() as tx:
        json_chars = sum(len(getattr(tx.lock_case(case_id=c.id, lock=False), "workflow", "") or "")
                         for c in cases) / len(cases)
    print(f"{args.root.name}: {n} claims and releases of {args.cases} complaints' first steps on "
          f"{'PostgreSQL' if pg else 'SQLite'}; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    if pg:
        with store.engine.connect() as conn:
            wal = conn.execute(text("SELECT pg_wal_lsn_diff(:a, :b)"), {"a": lsn1, "b": lsn0}).scalar()
        print(f"  cases table +{(size1 - size0) / n:,.0f} bytes, WAL {float(wal or 0) / n:,.0f} bytes "
              f"(the server's) per claim or release")
    print(f"  {cpu * 1000 / n:.2f} ms CPU, {wall * 1000 / n:.2f} ms wall per claim or release; "
          f"workflow JSON {json_chars:,.0f} characters per case")
    store.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10, help="complaints (default 10)")
    parser.add_argument("--rounds", type=int, default=10, help="claim + release rounds (default 10)")
    parser.add_argument("--pg", default=os.environ.get("KEFU_TEST_POSTGRES_URL")
                        or "postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose code runs (default this)")
    args = parser.parse_args()
    args.root = args.root.resolve()
    sys.path.insert(0, str(args.root))
    from bench.load import on_database

    on_database(args, "kefu-claim-", run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
