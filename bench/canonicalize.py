"""CPU of ``canonicalize``, ``dump_workflow`` and ``load_workflow`` per step of a complaint (issue 18).

    .venv/bin/python bench/canonicalize.py [--repeat 30] [--root DIR]

Runs the complaint lifecycle of ``tests/engine/runtime/test_runtime__workflow_cache.py`` on SQLite (a
temporary file) and, after each step, loads the case's workflow and times ``canonicalize`` over it
(``--repeat`` times, the median; a loaded workflow is what a live one is made into, and walking it again
does the same work), then ``dump_workflow`` of it likewise, interleaved with the same dump by
SpiffWorkflow's own converters (``--root``'s kefu left out the specs only before item 39), then
``load_workflow`` of the step's row text, interleaved with SpiffWorkflow's own converters' load of it
(kefu's task converter loads since item 44). Prints each step's medians in ms and their means.
``--root``: a checkout of another version of kefu to measure (e.g. ``git archive`` of main), with this
interpreter.
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
    from engine.runtime.serializer import VERSION, load_workflow
    from tests.engine.runtime.test_runtime__workflow_cache import _spiff_dump, _spiff_serializer

    def spiff_load(written: str, definition: object) -> object:
        import json

        dct = json.loads(written)
        dct["spec"] = definition.spec  # type: ignore[attr-defined]
        dct["subprocess_specs"] = dict(definition.subprocess_specs)  # type: ignore[attr-defined]
        return _spiff_serializer().from_dict(dct)

    medians, dumps, spiff, loads, spiff_loads = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        desk = lifecycle._desk(f"sqlite:///{tmp}/bench.db", 0)
        for _ in lifecycle.complaint(desk):
            with desk.runtime.store.read() as tx:
                number = tx.conn.execute(text("SELECT number FROM cases")).scalar_one()
            wf, definition, written = lifecycle._workflow(desk, number)
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
            cpu, theirs = [], []
            for _ in range(args.repeat):
                start = time.process_time()
                load_workflow(written, VERSION, definition.spec, definition.subprocess_specs)
                cpu.append(time.process_time() - start)
                start = time.process_time()
                spiff_load(written, definition)
                theirs.append(time.process_time() - start)
            loads.append(statistics.median(cpu) * 1000)
            spiff_loads.append(statistics.median(theirs) * 1000)
        desk.runtime.store.dispose()
    print(f"{args.root}: canonicalize ms per step {' '.join(f'{m:.2f}' for m in medians)}; "
          f"mean {statistics.fmean(medians):.3f} ms")
    print(f"{args.root}: dump_workflow ms per step {' '.join(f'{m:.2f}' for m in dumps)}; "
          f"mean {statistics.fmean(dumps):.3f} ms")
    print(f"SpiffWorkflow's converters, the same dump: {' '.join(f'{m:.2f}' for m in spiff)}; "
          f"mean {statistics.fmean(spiff):.3f} ms")
    print(f"{args.root}: load_workflow ms per step {' '.join(f'{m:.2f}' for m in loads)}; "
          f"mean {statistics.fmean(loads):.3f} ms")
    print(f"SpiffWorkflow's converters, the same load: {' '.join(f'{m:.2f}' for m in spiff_loads)}; "
          f"mean {statistics.fmean(spiff_loads):.3f} ms")
    print(f"ratio: SpiffWorkflow's converters ÷ {args.root}'s, the same work (> 1: kefu's faster): dump "
          f"{statistics.fmean(spiff) / statistics.fmean(dumps):.2f}, load "
          f"{statistics.fmean(spiff_loads) / statistics.fmean(loads):.2f}")


if __name__ == "__main__":
    main()
