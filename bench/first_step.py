"""CPU of a complaint's opening and of its first completion, in process (issue 18; the workflow cache).

    .venv/bin/python bench/first_step.py [--cases 30] [--root DIR] [--sqlite | --pg ADMIN_URL]

The demo organisation (as ``tests/engine/runtime/test_runtime__workflow_cache.py`` builds it) on a
SQLite file, or with ``--pg`` on a PostgreSQL database of its own (created and dropped); ``--cases``
complaints opened (``Runtime.open_case``) and each one's first step completed (``raise_order``), in
turns. Prints the median CPU of each call (the commit and what runs after it included: the cache's
keeping), and the cache's hits and misses. ``--root``: a checkout of another version of kefu to
measure (e.g. ``git archive`` of main), with this interpreter.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--pg", default=None)
    args = parser.parse_args()
    sys.path.insert(0, args.root)
    import tests.engine.runtime.test_runtime__workflow_cache as lifecycle

    with tempfile.TemporaryDirectory() as tmp:
        url, drop = f"sqlite:///{tmp}/bench.db", None
        if args.pg:
            import psycopg

            name = f"kefu_first_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.pg, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            url, drop = args.pg.rsplit("/", 1)[0] + "/" + name, name
        try:
            desk = lifecycle._desk(url, 100)
            opening, first = [], []
            for _ in range(args.cases):
                start = time.process_time()
                number = desk.open(category="facilities").number
                opening.append(time.process_time() - start)
                start = time.process_time()
                desk.complete(number, "raise_order", order_summary="请物业部处理",
                              required_completion="2026-11-27T17:00:00+08:00")
                first.append(time.process_time() - start)
            cache = desk.runtime.workflows
            desk.runtime.store.dispose()
        finally:
            if drop:
                with psycopg.connect(args.pg, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE "{drop}" WITH (FORCE)')
    opening, first = opening[3:], first[3:]  # the first ones compile and warm up
    print(f"{args.root}: opening {statistics.median(opening) * 1000:.2f} ms, first completion "
          f"{statistics.median(first) * 1000:.2f} ms CPU (median of {len(first)}); cache {cache.hits} hits, "
          f"{cache.misses} misses")


if __name__ == "__main__":
    main()
