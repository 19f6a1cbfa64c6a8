"""An inbox view without rows: its tab counts with its last rows statement, or in a statement of their own
(issue 18, docs/scaling.md item 55).

    .venv/bin/python bench/load.py --phases 20x2 --lifecycles 0 --keep     # prints "kept database NAME"
    .venv/bin/python bench/inbox_counts.py --db NAME [--before REV] [--rounds 400]
    psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE NAME'                   # when done

On a database the load bench kept (its scaled organisation and open tasks), in one process, the
``mine`` view of a CS specialist with nothing claimed and a full queue (``cs_specialist@sz-property-p3``,
with the bell's count), as ``web_queries.inbox_page`` reads it now and as ``web_queries`` at ``--before``
(default ``f204175``, item 54's commit: the counts alone when no statement brought a row) read it,
each on the request's one connection, in turns (a warm-up turn, then three). Prints CPU and wall
milliseconds per view each way, statements per view, the counts (the same both ways), and ``ratio:``
before / after.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _module_at(rev: str, directory: Path) -> Any:
    """``engine/store/web_queries.py`` as it was at ``rev``, imported under another name."""
    text = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:engine/store/web_queries.py"],
                          check=True, capture_output=True, text=True).stdout
    path = directory / "web_queries_before.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("web_queries_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["web_queries_before"] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    from sqlalchemy import event

    from engine.store import web_queries
    from engine.store.db import Store

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a database bench/load.py --keep kept")
    parser.add_argument("--host", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--before", default="f204175", help="the revision to compare with (default f204175)")
    parser.add_argument("--rounds", type=int, default=400, help="views per way and turn (default 400)")
    args = parser.parse_args()
    store = Store(f"{args.host}/{args.db}")
    statements = [0]
    event.listen(store.engine, "before_cursor_execute",
                 lambda *a, **k: statements.__setitem__(0, statements[0] + 1))
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        ways = {"before": _module_at(args.before, Path(tmp)), "after": web_queries}
        totals = {name: [0.0, 0.0, 0] for name in ways}
        counts: dict[str, Any] = {}
        for turn in range(4):
            for name, module in ways.items():
                scope = module.InboxScope(login="nobody.here", groups=("cs_specialist@sz-property-p3",
                                                                       "cs_supervisor@sz-property-p3"))
                flt = module.InboxFilter()
                s0, c0, w0 = statements[0], time.process_time(), time.perf_counter()
                for _ in range(args.rounds):
                    with store.one_connection():
                        page = module.inbox_page(store, scope, "mine", flt, now, ["visit"], unread=True)
                if turn == 0:
                    counts[name] = (page.counts, page.unread, page.rows, page.total)
                    continue
                totals[name][0] += time.process_time() - c0
                totals[name][1] += time.perf_counter() - w0
                totals[name][2] += statements[0] - s0
    store.dispose()
    assert counts["before"] == counts["after"], counts
    assert counts["after"][0]["queue"] > 0 and not counts["after"][2], "the view has rows, or no queue"
    n = 3 * args.rounds
    print(f"an empty inbox view with a full queue, {args.rounds} views × 3 turns per way; counts "
          f"{counts['after'][0]}")
    print(f"{'way':8}{'CPU ms':>9}{'wall ms':>9}{'stmts':>7}")
    for name, (cpu, wall, stmts) in totals.items():
        print(f"{name:8}{cpu * 1000 / n:9.3f}{wall * 1000 / n:9.3f}{stmts / n:7.2f}")
    print(f"ratio: before / after  CPU {totals['before'][0] / totals['after'][0]:.2f}  "
          f"wall {totals['before'][1] / totals['after'][1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
