"""A request's reads on one pooled connection (``Store.one_connection``) against a checkout per read.

    .venv/bin/python bench/read_connection.py [--requests 2000] [--reads 5] [--rounds 5] [--sqlite]

Each "request" runs ``--reads`` reads (``Store.read()``, one primary-key lookup of a staff row each, as a
page's session check and reads are short), either each on a connection checked out of the pool (with
its autocommit switch and reset on return on PostgreSQL: before) or all on the one connection the
request keeps (after). The two run in turns, ``--rounds`` times, on the same database (PostgreSQL at
127.0.0.1:5432 in a database of its own, created and dropped, unless ``--sqlite``). Prints CPU and wall
microseconds per read of each, and ``ratio:`` before ÷ after of the CPU medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _time(store: object, requests: int, reads: int, shared: bool) -> tuple[float, float]:
    from sqlalchemy import text

    lookup = text("SELECT login, name FROM staff WHERE login = :l")
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(requests):
        with store.one_connection() if shared else nullcontext():  # type: ignore[attr-defined]
            for _ in range(reads):
                with store.read() as tx:  # type: ignore[attr-defined]
                    tx.conn.execute(lookup, {"l": "zhang.wei"}).first()
    n = requests * reads
    return (time.process_time() - c0) * 1e6 / n, (time.perf_counter() - w0) * 1e6 / n


def run(url: str, args: argparse.Namespace) -> None:
    from engine.clock import SystemClock
    from engine.org import load_org
    from engine.policy import load_policy_set
    from engine.processes import ProcessRegistry
    from engine.runtime import Runtime
    from engine.store import Store

    store = Store(url)
    store.migrate()
    policies = load_policy_set(ROOT / "policies")
    runtime = Runtime(store, policies, ProcessRegistry.load(ROOT / "processes"), SystemClock(),
                      policies.calendars_dir)
    runtime.import_org(load_org(ROOT / "engine" / "demo" / "org.yaml"))
    _time(store, 200, args.reads, False)  # warm the pool and the statement caches
    _time(store, 200, args.reads, True)
    results: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for _ in range(args.rounds):
        for shared in (False, True):
            results[shared].append(_time(store, args.requests, args.reads, shared))
    store.dispose()
    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    print(f"{backend}: {args.rounds} rounds of {args.requests} requests × {args.reads} reads, in turns; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    medians = {}
    for shared, label in ((False, "a checkout per read (before)"), (True, "one connection per request")):
        cpu = [c for c, _ in results[shared]]
        wall = [w for _, w in results[shared]]
        medians[shared] = statistics.median(cpu)
        print(f"  {label:32} CPU us/read {' '.join(f'{c:6.1f}' for c in cpu)}  median {medians[shared]:6.1f}"
              f"   wall median {statistics.median(wall):6.1f}")
    print(f"ratio: {medians[False] / medians[True]:.2f} (CPU per read, before / after)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--reads", type=int, default=5, help="reads per request (default 5: a case page's)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--pg", default=os.environ.get("KEFU_TEST_POSTGRES_URL")
                        or "postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if args.sqlite:
        with tempfile.TemporaryDirectory(prefix="kefu-reads-") as tmp:
            run(f"sqlite:///{tmp}/kefu.db", args)
        return 0
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"kefu_reads_{uuid.uuid4().hex[:10]}"
    admin = args.pg.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        run(make_url(admin).set(database=name).render_as_string(hide_password=False), args)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
