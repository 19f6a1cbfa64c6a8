"""CPU of the workflow cache's ``canonicalize`` and of ``dump_workflow`` per step of a complaint (issue 18).

    .venv/bin/python bench/canonicalize.py [--repeat 30] [--root DIR]

Runs the complaint lifecycle of ``tests/engine/runtime/test_runtime__workflow_cache.py`` on SQLite (a
temporary file) and, after each step, loads the case's workflow and times ``canonicalize`` over it
(``--repeat`` times, the median; a loaded workflow is what a live one is made into, and walking it again
does the same work), then ``dump_workflow`` of it likewise, interleaved with the same dump by
SpiffWorkflow's own converters (``--root``'s kefu left out the specs only before item 39). Prints each
step's medians in ms and their means. ``--root``: a checkout of another
version of kefu to measure (e.g. ``git archive`` of main), with this interpreter.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
    args = parser.parse_args()
    sys.path.insert(0, args.root)
    from sqlalchemy import text

    import tests.engine.runtime.test_runtime__workflow_cache as lifecycle
    from engine.runtime.serializer import dump_workflow, instance_registry
    from engine.runtime.wfcache import canonicalize

    registry = instance_registry()
    from tests.engine.runtime.test_runtime__workflow_cache import _spiff_dump

    medians, dumps, spiff = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        desk = lifecycle._desk(f"sqlite:///{tmp}/bench.db", 0)
        for _ in lifecycle.complaint(desk):
            with desk.runtime.store.read() as tx:
                number = tx.conn.execute(text("SELECT number FROM cases")).scalar_one()
            wf, _, _ = lifecycle._workflow(desk, number)
            canonicalize(wf, registry)
            cpu = []
            for _ in range(args.repeat):
                start = time.process_time()
                canonicalize(wf, registry)
                cpu.append(time.process_time() - start)
            medians.append(statistics.median(cpu) * 1000)
            cpu, theirs = [], []
            for _ in range(args.repeat):
                start = time.process_time()
                dump_workflow(wf)
                cpu.append(time.process_time() - start)
                start = time.process_time()
                _spiff_dump(wf)
                theirs.append(time.process_time() - start)
            dumps.append(statistics.median(cpu) * 1000)
            spiff.append(statistics.median(theirs) * 1000)
        desk.runtime.store.dispose()
    print(f"{args.root}: canonicalize ms per step {' '.join(f'{m:.2f}' for m in medians)}; "
          f"mean {statistics.fmean(medians):.3f} ms")
    print(f"{args.root}: dump_workflow ms per step {' '.join(f'{m:.2f}' for m in dumps)}; "
          f"mean {statistics.fmean(dumps):.3f} ms")
    print(f"SpiffWorkflow's converters, the same dump: {' '.join(f'{m:.2f}' for m in spiff)}; "
          f"mean {statistics.fmean(spiff):.3f} ms")


if __name__ == "__main__":
    main()
