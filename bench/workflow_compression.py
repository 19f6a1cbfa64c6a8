"""PostgreSQL's cost of a case's stored workflow, compressed with pglz (before) and lz4 (migration 0027).

    .venv/bin/python bench/workflow_compression.py [--lifecycles 2] [--rounds 30] [--pg URL]

Collects real workflow texts: a complaint's dump after its opening and after each of its steps
(``bench/intake.py``'s raw SpiffWorkflow lifecycle, through kefu's own ``dump_workflow``), then, on its
own database ``kefu_toast_<pid>`` (created and dropped), keeps them in two tables that differ only in
the column's compression, pglz and lz4. Each round, in turns, rewrites every text once in each table,
one UPDATE per row and one commit each, as a step rewrites its case's row, and reads each back
(``SELECT workflow``, the lock statement's detoast). Prints the bytes stored, the PostgreSQL backend's
CPU (``/proc``) and the client's wall time per UPDATE and per read, and last ``ratio:`` = pglz ÷ lz4
backend CPU per UPDATE. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

import bench.intake as intake  # noqa: E402
from bench.load import _cpu, create_database, drop_database  # noqa: E402

METHODS = ("pglz", "lz4")


def workflow_texts(lifecycles: int) -> list[str]:
    """Every dump of ``lifecycles`` complaint lifecycles, as kefu writes them."""
    texts: list[str] = []
    original = intake.dump_workflow

    def keep(workflow: object) -> str:
        text = original(workflow)
        texts.append(text)
        return text

    intake.dump_workflow = keep
    try:
        intake.raw_batches(instance_only=True, converters="kefu")(lifecycles)
    finally:
        intake.dump_workflow = original
    return texts


def measure(conn: psycopg.Connection, table: str, texts: list[str], round_: int) -> tuple[float, float,
                                                                                            float, float]:
    """(backend CPU s, wall s) of rewriting every text, then of reading every text back."""
    backend = conn.info.backend_pid
    cpu, wall = _cpu(backend), time.perf_counter()
    for i, text in enumerate(texts):
        # a different value each round, as each step's dump differs from the last
        conn.execute(f"UPDATE {table} SET workflow = %s WHERE id = %s", (f"{text} {round_}", i))
        conn.commit()
    write_cpu, write_wall = _cpu(backend) - cpu, time.perf_counter() - wall
    cpu, wall = _cpu(backend), time.perf_counter()
    for i in range(len(texts)):
        conn.execute(f"SELECT workflow FROM {table} WHERE id = %s", (i,)).fetchone()
    conn.commit()
    return write_cpu, write_wall, _cpu(backend) - cpu, time.perf_counter() - wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("KEFU_TEST_POSTGRES_URL")
                        or "postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL URL whose user may create databases")
    parser.add_argument("--lifecycles", type=int, default=2,
                        help="complaint lifecycles dumped (default 2)")
    parser.add_argument("--rounds", type=int, default=30,
                        help="rewrites of every text per method (default 30)")
    args = parser.parse_args()
    texts = workflow_texts(args.lifecycles)
    sizes = sorted(len(t.encode()) for t in texts)
    print(f"{len(texts)} workflow texts of {args.lifecycles} complaint lifecycle(s): "
          f"{sizes[0]:,}–{sizes[-1]:,} bytes, median {sizes[len(sizes) // 2]:,}; "
          f"load average {os.getloadavg()[0]:.2f}")
    name = f"kefu_toast_{os.getpid()}"
    conninfo = create_database(args.pg, name)
    try:
        with psycopg.connect(conninfo) as conn:
            methods = conn.execute(
                "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'").fetchone()
            if not methods or "lz4" not in methods[0]:
                raise SystemExit("this PostgreSQL has no lz4 (14 or newer, built with lz4): "
                                 "nothing to compare")
            for method in METHODS:
                conn.execute(f"CREATE TABLE t_{method} "
                             f"(id integer PRIMARY KEY, workflow text COMPRESSION {method})")
                with conn.cursor() as cur:
                    cur.executemany(f"INSERT INTO t_{method} VALUES (%s, %s)", list(enumerate(texts)))
            conn.commit()
            totals = {m: [0.0, 0.0, 0.0, 0.0] for m in METHODS}
            for r in range(args.rounds):
                # in turns, each method first half the time
                for method in (METHODS if r % 2 == 0 else METHODS[::-1]):
                    for k, value in enumerate(measure(conn, f"t_{method}", texts, r)):
                        totals[method][k] += value
            stored: dict[str, tuple[int, int]] = {}
            for m in METHODS:
                row = conn.execute(f"SELECT sum(pg_column_size(workflow)), sum(octet_length(workflow)) "
                                   f"FROM t_{m}").fetchone()
                assert row is not None
                stored[m] = (int(row[0]), int(row[1]))
    finally:
        drop_database(args.pg, name)
    n = len(texts) * args.rounds
    print(f"{'':6}{'stored':>12}{'UPDATE CPU':>12}{'UPDATE wall':>13}{'read CPU':>10}{'read wall':>11}"
          "   (per row, ms)")
    for m in METHODS:
        size, raw = stored[m]
        wc, ww, rc, rw = (1000 * v / n for v in totals[m])
        print(f"{m:6}{size / len(texts):9,.0f} B{wc:12.3f}{ww:13.3f}{rc:10.3f}{rw:11.3f}   "
              f"({raw / size:.1f} × compressed)")
    print(f"ratio: {totals['pglz'][0] / totals['lz4'][0]:.2f}  (pglz ÷ lz4, PostgreSQL CPU per UPDATE; "
          f"read {totals['pglz'][2] / max(totals['lz4'][2], 1e-9):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
