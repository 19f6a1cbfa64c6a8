"""Benchmark: the worker's timer sweep with 100,000 waiting cases beside 100 due ones vs the 100 alone.

    .venv/bin/python bench/sweep.py [--waiting 100000] [--due 100] [--rounds 3] [--postgres ADMIN_URL]

One real complaint is driven through the engine until it waits on its one-week silence timer; its
row (workflow included) is cloned ``--due`` times as due cases into two SQLite databases, and the
big one also gets ``--waiting`` cases whose timers are months away (bulk inserts with stdlib
sqlite3; their workflow is never read, which is the point). Each round copies both databases and
runs, on each, the due-row query (``next_timer_at`` index) and then the worker's timer sweep
(``Worker.fire_timers``: find the due rows, load, fire and save each case). Prints the medians and,
last, ``ratio: X`` = big ÷ small sweep time. Goal: ratio ≤ 1.5. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.clock import FixedClock  # noqa: E402
from engine.store import Store  # noqa: E402
from engine.worker import Worker  # noqa: E402
from tests.conftest import shanghai  # noqa: E402
from tests.engine.worker.conftest import make_desk, shipped_policies, to_work  # noqa: E402

START = "2026-11-23 10:00"
LATER = "2027-03-01 00:00:00.000000"  # the waiting cases' timers: months away


def build_base(url: str) -> str:
    """Migrate ``url``, import the demo org and drive one complaint until it waits on its silence timer.

    Returns the case number.
    """
    store = Store(url)
    store.migrate()
    desk = make_desk(store, FixedClock(shanghai(START)))
    n = desk.open().number
    to_work(desk, n)
    desk.complete(n, "carry_out_work", progress="完成", work_result="finished")
    desk.complete(n, "apply_closure", completion_record="客户签字", customer_signed=True)
    desk.complete(n, "check_closure", check_result="accept", return_visit_needed=False)
    case = desk.case(n)
    assert case.next_timer_at is not None
    store.dispose()
    return n


def clone(path: Path, number: str, due: int, waiting: int) -> None:
    """Add ``due`` copies of the waiting case (due) and ``waiting`` copies whose timer is far away."""
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    row = dict(db.execute("SELECT * FROM cases WHERE number = ?", (number,)).fetchone())
    columns = list(row)
    sql = f"INSERT INTO cases ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"

    def rows(count: int, prefix: str, timer: str, workflow: str) -> list[tuple[Any, ...]]:
        out = []
        for i in range(count):
            values = {**row, "id": uuid.uuid4().hex, "number": f"{prefix}-{i:07d}", "next_timer_at": timer,
                      "workflow": workflow}
            out.append(tuple(values[c] for c in columns))
        return out

    db.executemany(sql, rows(due, "DUE", row["next_timer_at"], row["workflow"]))
    for start in range(0, waiting, 20_000):
        db.executemany(sql, rows(min(20_000, waiting - start), f"WAIT{start}", LATER, "{}"))
    db.commit()
    db.execute("ANALYZE")
    db.close()


Result = tuple[float, float, int]


def postgres_round(admin: str, due: int, waiting: int, queries: int, work: Path) -> dict[str, Result]:
    """One round on PostgreSQL: two fresh databases kefu_bench_*, built, measured and dropped."""
    import psycopg

    out = {}
    for name, count in (("small", 0), ("big", waiting)):
        database = f"kefu_bench_{name}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        url = admin.rsplit("/", 1)[0] + f"/{database}"
        try:
            number = build_base(url)
            with psycopg.connect(url) as conn:
                cur = conn.execute("SELECT * FROM cases WHERE number = %s", (number,))
                columns = [d.name for d in cur.description or ()]
                row = dict(zip(columns, cur.fetchone() or (), strict=True))
                sql = (f"INSERT INTO cases ({', '.join(columns)}) "
                       f"VALUES ({', '.join('%s' for _ in columns)})")
                later = shanghai("2027-03-01 00:00")
                for prefix, n, timer, workflow in (("DUE", due - 1, row["next_timer_at"], row["workflow"]),
                                                   ("WAIT", count, later, "{}")):
                    values = [tuple({**row, "id": uuid.uuid4().hex, "number": f"{prefix}-{i:07d}",
                                     "next_timer_at": timer, "workflow": workflow}[c] for c in columns)
                              for i in range(n)]
                    with conn.cursor() as c:
                        c.executemany(sql, values)
                conn.execute("ANALYZE cases")
            out[name] = measure(url, due, queries, work)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    return out


def measure(url: str, due: int, queries: int, work: Path) -> tuple[float, float, int]:
    """(seconds per due-row query, seconds for the timer sweep, timers fired) on the database at ``url``.

    ``due`` cases are due there; the query asks for all of them.
    """
    store = Store(url)
    desk = make_desk(store, FixedClock(shanghai("2026-12-03 12:00")))  # past the one-week timers
    worker = Worker(store, desk.runtime, shipped_policies(), desk.clock, data_dir=work)
    now = desk.clock.now()
    with store.read() as tx:
        tx.due_cases(now, due)  # warm the connection and the statement cache
        start = time.perf_counter()
        for _ in range(queries):
            found = tx.due_cases(now, due)
        query = (time.perf_counter() - start) / queries
    assert len(found) == due, (len(found), due)
    start = time.perf_counter()
    fired = worker.fire_timers()
    sweep = time.perf_counter() - start
    with store.read() as tx:
        assert tx.due_cases(now, due) == []
    store.dispose()
    return query, sweep, fired


def main() -> int:
    """Build both databases, time them in alternating rounds, print the ratio last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--postgres", metavar="URL", help="Run on PostgreSQL instead (an admin URL, e.g. "
                        "postgresql://postgres@127.0.0.1:5432/postgres); databases are created and dropped.")
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float, int]]] = {"small": [], "big": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.postgres:
            for _ in range(args.rounds):
                found = postgres_round(args.postgres, args.due, args.waiting, args.queries, work)
                for name in results:
                    results[name].append(found[name])
            return report(args, results, "PostgreSQL")
        number = build_base(f"sqlite:///{work / 'base.db'}")
        small, big = work / "small.db", work / "big.db"
        shutil.copyfile(work / "base.db", small)
        shutil.copyfile(work / "base.db", big)
        clone(small, number, args.due - 1, 0)  # the original case is one of the due ones
        clone(big, number, args.due - 1, args.waiting)
        for i in range(args.rounds):
            for name in (("small", "big") if i % 2 == 0 else ("big", "small")):
                copy = work / f"run-{name}-{i}.db"
                shutil.copyfile(small if name == "small" else big, copy)
                results[name].append(measure(f"sqlite:///{copy}", args.due, args.queries, work))
                copy.unlink()
    return report(args, results, "SQLite")


def report(args: argparse.Namespace, results: dict[str, list[tuple[float, float, int]]], backend: str) -> int:
    """Print the medians and, last, the ratio."""
    q_small = statistics.median(r[0] for r in results["small"])
    q_big = statistics.median(r[0] for r in results["big"])
    s_small = statistics.median(r[1] for r in results["small"])
    s_big = statistics.median(r[1] for r in results["big"])
    fired = results["big"][0][2]
    print(f"{backend}: due cases: {args.due}; waiting cases beside them: {args.waiting}; "
          f"rounds: {args.rounds}")
    print(f"due-row query:  only due {q_small * 1000:7.3f} ms   with waiting {q_big * 1000:7.3f} ms   "
          f"ratio {q_big / q_small:.2f}")
    print(f"timer sweep:    only due {s_small * 1000:7.1f} ms   with waiting {s_big * 1000:7.1f} ms   "
          f"({fired} timers fired, {s_big / fired * 1000:.2f} ms per case)")
    print(f"ratio: {s_big / s_small:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
