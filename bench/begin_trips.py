"""What a transaction's BEGIN costs on its own round trip, against sending it with the first statement.

    .venv/bin/python bench/begin_trips.py [--pg URL] [--n 3000] [--rounds 2]

Raw psycopg on the PostgreSQL of ``--pg``, a transaction of two small SELECTs and COMMIT, ``--n`` times
per way, the ways in turns, ``--rounds`` times: **alone** (psycopg sends BEGIN and waits for it before
the first statement: what ``Store.write`` does), **pipeline** (an autocommit connection; BEGIN queued in
one psycopg pipeline with the first SELECT: one round trip less), **simple** (an autocommit connection;
``BEGIN; <the first SELECT with its parameters bound client-side>`` as one simple-protocol query).
Prints wall and CPU microseconds per transaction and the load average (docs/scaling.md item 40).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import psycopg

QUERY = "SELECT count(*) FROM pg_namespace WHERE nspname = %s"


def alone(conn: Any) -> None:
    cur = conn.cursor()
    cur.execute(QUERY, ("x",))
    cur.fetchall()
    cur.execute(QUERY, ("y",))
    cur.fetchall()
    conn.commit()


def pipeline(conn: Any) -> None:
    cur = conn.cursor()
    with conn.pipeline():
        conn.execute("BEGIN", prepare=False)
        cur.execute(QUERY, ("x",))
    cur.fetchall()
    cur.execute(QUERY, ("y",))
    cur.fetchall()
    conn.commit()


def simple(conn: Any) -> None:
    cur = conn.cursor()
    cur.execute("BEGIN; " + psycopg.ClientCursor(conn).mogrify(QUERY, ("x",)))
    cur.nextset()
    cur.fetchall()
    cur.execute(QUERY, ("y",))
    cur.fetchall()
    conn.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("KEFU_TEST_POSTGRES_URL")
                        or "postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    ways: list[tuple[str, Callable[[Any], None], bool]] = [
        ("alone", alone, False), ("pipeline", pipeline, True), ("simple", simple, True)]
    print(f"{os.cpu_count()} cores; µs per transaction (2 SELECTs + COMMIT), {args.n} each")
    for _ in range(args.rounds):
        for name, way, autocommit in ways:
            with psycopg.connect(args.pg.replace("postgresql+psycopg://", "postgresql://"),
                                 autocommit=autocommit) as conn:
                for _ in range(200):
                    way(conn)
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(args.n):
                    way(conn)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"  {name:9} {wall / args.n * 1e6:7.1f} µs wall {cpu / args.n * 1e6:7.1f} µs CPU  "
                  f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
