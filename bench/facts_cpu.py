"""CPU of a transition's facts write on the client (issue 18): ``ReportRepo.update_facts`` on PostgreSQL.

    .venv/bin/python bench/facts_cpu.py [--writes 400] [--root DIR] [--pg ADMIN_URL]

On a database of its own (``kefu_facts_<random>``, created and dropped) with the cells kept for
Asia/Shanghai, one complaint's facts are written ``--writes`` times, each in its own committed
transaction, as a step writes them (a status, a category alternating, a deadline met). What is timed is
the call inside a psycopg pipeline, as ``Runtime._commit`` makes it: the statement built and sent, not
waited for; so the figure is kefu's and the driver's CPU, not the server's. ``--root``: a checkout of
another version of kefu to measure (e.g. ``git archive`` of main), with this interpreter.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=400)
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    sys.path.insert(0, args.root)
    import psycopg

    from engine.store import Store
    from engine.store.report_repo import ReportRepo

    name = f"kefu_facts_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        store = Store(args.pg.rsplit("/", 1)[0] + "/" + name)
        store.migrate()
        now = datetime(2026, 11, 1, tzinfo=UTC)
        with store.write() as tx:
            ReportRepo(tx).build_cells("Asia/Shanghai", now)
        fact = {"case_id": "c1", "number": "TS-1", "process_id": "complaint", "subsidiary": "sz",
                "project": "sz-1", "opened_at": now, "status": "open", "valid": True, "category": "billing",
                "urgency": "normal"}
        with store.write() as tx:
            ReportRepo(tx).insert_facts(fact)
        cpu = []
        for i in range(args.writes):
            with store.write() as tx:
                driver = tx.conn.connection.driver_connection
                with driver.pipeline():
                    start = time.process_time()
                    ReportRepo(tx).update_facts("c1", {"status": "in_progress",
                                                       "category": ("billing", "safety")[i % 2],
                                                       "dispatch_done": now + timedelta(hours=i)})
                    cpu.append(time.process_time() - start)
        store.dispose()
    finally:
        with psycopg.connect(args.pg, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    cpu = cpu[20:]  # the first ones compile and prepare
    print(f"{args.root}: facts write CPU per transition, median {statistics.median(cpu) * 1000:.3f} ms, "
          f"mean {statistics.fmean(cpu) * 1000:.3f} ms ({len(cpu)} writes)")


if __name__ == "__main__":
    main()
