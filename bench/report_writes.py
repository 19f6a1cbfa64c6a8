"""Benchmark: what keeping the report's cells costs a transition (issue 16), on PostgreSQL.

    .venv/bin/python bench/report_writes.py URL [--transitions 600]

``URL``: a database kept by ``bench/report.py --keep`` (its big one: 1,000,000 cases, cells built by
its first report). Each round writes one transition's facts of a complaint received in 2026-12 (the
running month of that world) in its own committed transaction, in turns of three kinds: as kefu does
now (``ReportRepo.update_facts``: the row and, in the same statement, the cells) changing a count (a
deadline met: the month's totals cell changes) and changing none (status and texts only: no cell
is written), and the bare ``UPDATE`` of the row alone that kefu wrote before the cells. Prints the
median and p90 of each, the difference per transition, and how many of the writes to ``case_stats``
and to ``report_cells`` were HOT (no index touched) during the run. The facts are put back at the
end (the same rows are rewritten, so the report's figures are unchanged).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, update  # noqa: E402

from engine.store import Store  # noqa: E402
from engine.store.report_repo import STATS, ReportRepo  # noqa: E402

DECEMBER = datetime(2026, 12, 1, tzinfo=UTC) - timedelta(hours=8)


def hot(store: Store) -> dict[str, tuple[int, int]]:
    """(updates, HOT updates) of the two tables so far."""
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
                                    "WHERE relname IN ('case_stats', 'report_cells')").all()
    return {name: (int(upd), int(hot_upd)) for name, upd, hot_upd in rows}


def main() -> int:
    """Write, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--transitions", type=int, default=600)
    args = parser.parse_args()
    store = Store(args.url)
    with store.read() as tx:
        if not ReportRepo(tx).cells_kept("Asia/Shanghai"):
            print("the cells are not kept yet: run bench/report.py --reuse on this database first")
            return 1
        keep = ("case_id", "status", "content", "dispatch_done", "valid", "category", "closed_at")
        cases = [dict(r._mapping) for r in tx.conn.execute(
            select(*[STATS.c[k] for k in keep]).where(STATS.c.process_id == "complaint",
                                                      STATS.c.opened_at >= DECEMBER,
                                                      STATS.c.dispatch_due.is_not(None))
            .limit(args.transitions))]
    before = hot(store)
    times: dict[str, list[float]] = {"count changes": [], "no count changes": [], "bare UPDATE (before)": []}
    now = DECEMBER + timedelta(days=1)
    for i, case in enumerate(cases):
        kind = list(times)[i % 3]
        values = {"status": "in_progress", "content": f"{case['content']} ", "valid": case["valid"],
                  "category": case["category"], "closed_at": case["closed_at"]}
        if kind == "count changes":
            values["dispatch_done"] = None if case["dispatch_done"] else now
        started = time.perf_counter()
        with store.write() as tx:
            if kind == "bare UPDATE (before)":
                tx.conn.execute(update(STATS).where(STATS.c.case_id == case["case_id"]).values(**values))
            else:
                ReportRepo(tx).update_facts(case["case_id"], values)
        times[kind].append(time.perf_counter() - started)
    after = hot(store)
    for case in cases:  # put the facts back
        with store.write() as tx:
            ReportRepo(tx).update_facts(case["case_id"], {k: case[k] for k in keep if k != "case_id"})
    store.dispose()
    for kind, spent in times.items():
        cut = sorted(spent)
        print(f"{kind}: median {statistics.median(spent) * 1000:.2f} ms, "
              f"p90 {cut[int(len(cut) * 0.9)] * 1000:.2f} ms over {len(spent)} transactions")
    base = statistics.median(times["bare UPDATE (before)"])
    for kind in ("count changes", "no count changes"):
        print(f"cost per transition ({kind}): {(statistics.median(times[kind]) - base) * 1000:+.2f} ms")
    for name in ("case_stats", "report_cells"):
        upd = after.get(name, (0, 0))[0] - before.get(name, (0, 0))[0]
        hot_upd = after.get(name, (0, 0))[1] - before.get(name, (0, 0))[1]
        print(f"{name}: {upd} updates during the run, {hot_upd} HOT (statistics lag by up to a second)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
