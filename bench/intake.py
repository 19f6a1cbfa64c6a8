"""Benchmark: complaint lifecycles through kefu vs raw SpiffWorkflow on the same diagram.

    .venv/bin/python bench/intake.py [--cases N] [--batch B] [--synchronous NORMAL]

kefu: open a complaint and complete every task of the full closure path (11 completions), each a
transaction on a SQLite file (WAL, synchronous=FULL): workflow JSON, inbox rows, audit chain, numbering.
raw: the same diagram, data and completions with SpiffWorkflow alone, serializing after every
step like a persisted engine must (create + run + serialize; deserialize + complete + serialize),
measured three times: with SpiffWorkflow's stock serializer (the spec copied into every instance's
JSON); with the specs left out (``lean``: the same instance JSON kefu stores, written and read by
SpiffWorkflow's own converters, minus the spec: the no-spec baseline issue 18's goal names); and with
the specs left out by kefu's own converters (``lean-kefu``: ``dump_workflow``/``load_workflow``, which
write the same text with less CPU since docs/scaling.md items 39 and 44). ``lean`` is SpiffWorkflow
alone, so the difference to kefu is what kefu adds (database, inbox rows, audit chain, numbering,
access checks) less what kefu's converters save; ``lean-kefu`` is stricter still (kefu's own
converters' saving counted in the baseline too), printed beside it. Until 2026-12-04 23:00 UTC ``lean`` used
kefu's converters, so it moved with items 39 and 44 (docs/scaling.md item 58).

The measurements are interleaved: batches of B cases of each kind take turns until each has run N
cases, so a machine that speeds up or slows down during the run (a shared one does, by ±20 % within
minutes) affects all of them alike. Prints cases/s for each, the spread of the per-turn ratios and,
last, ``ratio: X`` (kefu ÷ the no-spec raw, from the totals) and kefu ÷ ``lean-kefu``. Goal: ratio ≥ 0.5.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from SpiffWorkflow import TaskState  # noqa: E402
from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.spiff.specs.defaults import UserTask  # noqa: E402

from engine.clock import FixedClock  # noqa: E402
from engine.org import load_org  # noqa: E402
from engine.policy import load_policy_set  # noqa: E402
from engine.processes import ProcessRegistry, build_script_engine, timer_clock  # noqa: E402
from engine.runtime import Runtime  # noqa: E402
from engine.runtime.serializer import VERSION, dump_workflow, load_workflow  # noqa: E402
from engine.store import Store  # noqa: E402
from tests.conftest import shanghai  # noqa: E402
from webui.demo import visit_photo  # noqa: E402

INTAKE: dict[str, Any] = {
    "customer_name": "周先生", "customer_phone": "13912345678", "room": "3栋1单元1202",
    "description": "楼上漏水", "customer_request": "尽快维修", "channel": "phone", "category": "facilities",
    "urgency": "normal", "scope": "household", "severity": "general", "read_back_confirmed": True,
}
STEPS: list[tuple[str, dict[str, Any]]] = [
    ("raise_order", {"order_summary": "请物业部处理", "required_completion": "2026-11-27T17:00:00+08:00"}),
    ("sign_order", {"order_decision": "sign"}),
    ("visit_customer", {"contact_result": "agreed", "visit_record": "已上门", "plan": "修复",
                        "agreed_completion": "2026-11-26T17:00:00+08:00", "customer_confirmed_plan": True}),
    ("reply_customer",
     {"reply_method": "phone", "reply_content": "已安排", "done_within_reply_window": True}),
    ("carry_out_work", {"progress": "完成", "work_result": "finished"}),
    ("apply_closure", {"completion_record": "客户签字", "customer_signed": True}),
    ("check_closure", {"check_result": "accept", "return_visit_needed": True}),
    ("contact_customer", {"reached": True, "attempt_note": "接通"}),
    ("record_return_visit", {"visit_method": "on_site", "satisfaction": "satisfied",
                             "return_visit_record": "满意", "customer_agrees": True}),
    ("deputy_gm_review", {"deputy_decision": "approve"}),
    ("gm_approve", {"gm_decision": "approve", "final_outcome": "resolved"}),
]


WORKERS = {"raise_order": "zhang.wei", "sign_order": "lin.lihua", "visit_customer": "yang.fan",
           "reply_customer": "yang.fan", "carry_out_work": "yang.fan", "apply_closure": "yang.fan",
           "check_closure": "zhang.wei", "contact_customer": "zhang.wei", "record_return_visit": "zhang.wei",
           "deputy_gm_review": "wu.jianping", "gm_approve": "lin.lihua"}
Batch = Callable[[int], float]


def kefu_batches(workdir: Path, synchronous: str | None = None) -> tuple[Batch, Callable[[], None]]:
    """A function running n full lifecycles through kefu's runtime on SQLite (seconds), and a closer.

    ``synchronous`` overrides kefu's ``PRAGMA synchronous=FULL`` (e.g. ``NORMAL``) to show what the
    fsync per commit costs; kefu itself always runs FULL (a committed case number survives power loss).
    """
    clock = FixedClock(shanghai("2026-11-23 10:00"))
    store = Store(f"sqlite:///{workdir / 'bench.db'}")
    if synchronous is not None:
        from sqlalchemy import event

        @event.listens_for(store.engine, "connect")
        def _relax(dbapi_connection: Any, _record: Any) -> None:  # runs after the store's own listener
            dbapi_connection.execute(f"PRAGMA synchronous={synchronous}")

    store.migrate()
    runtime = Runtime(store, load_policy_set(ROOT / "policies"), ProcessRegistry.load(ROOT / "processes"),
                      clock, calendars_dir=ROOT / "policies" / "calendars")
    runtime.register_processes()
    runtime.import_org(load_org(ROOT / "engine" / "demo" / "org.yaml"))

    def batch(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            case = runtime.open_case("complaint", INTAKE, "zhang.wei")
            for name, data in STEPS:
                task = next(t for t in case.tasks if t.task_name == name)
                if name == "visit_customer":  # R2.7: an agreed plan needs the visit's photo first
                    visit_photo(runtime, case.number, WORKERS[name])
                case = runtime.complete_task(task.task_id, WORKERS[name], data)
            assert case.status == "closed", case.status
            clock.advance(timedelta(seconds=1))
        return time.perf_counter() - start

    return batch, store.dispose


def spiff_instance_converters() -> tuple[Callable[[BpmnWorkflow], str], Callable[[str, Any], BpmnWorkflow]]:
    """(dump, load) of a workflow's instance JSON by SpiffWorkflow's own converters, the specs left out:
    the text ``dump_workflow`` writes (``test_the_dump_writes_what_spiffworkflows_converters_write…``),
    by the converters kefu used before docs/scaling.md items 39 and 44 (``load(text, definition)``)."""
    from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter

    class InstanceOnly(BpmnWorkflowConverter):  # type: ignore[misc]
        def to_dict(self, workflow: Any) -> dict[str, Any]:
            dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
            dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
            dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
            return dct

    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure({**SPIFF_CONFIG,
                                                                          BpmnWorkflow: InstanceOnly}))
    registry = serializer.registry

    def dump(wf: BpmnWorkflow) -> str:
        registry._encoder_mode = True  # noqa: SLF001 (as dump_workflow encodes)
        try:
            return json.dumps(serializer.to_dict(wf), cls=serializer._encoder_cls,  # noqa: SLF001
                              ensure_ascii=False, separators=(",", ":"))
        finally:
            registry._encoder_mode = False  # noqa: SLF001

    def load(text: str, definition: Any) -> BpmnWorkflow:
        dct = json.loads(text)
        dct["spec"] = definition.spec
        dct["subprocess_specs"] = dict(definition.subprocess_specs)
        workflow: BpmnWorkflow = serializer.from_dict(dct)
        return workflow

    return dump, load


def raw_batches(instance_only: bool = False, converters: str = "spiff") -> Batch:
    """A function running n full lifecycles with SpiffWorkflow alone (serialize after every step).

    ``instance_only``: the specs left out of the JSON, by SpiffWorkflow's own converters
    (``converters="spiff"``, the issue's no-spec baseline) or by kefu's (``"kefu"``: ``dump_workflow``
    and ``load_workflow``, the stricter baseline)."""
    clock = FixedClock(shanghai("2026-11-23 10:00"))
    definition = ProcessRegistry.load(ROOT / "processes").get("complaint")
    policy = load_policy_set(ROOT / "policies").effective("sz-property-lyc")
    engine = build_script_engine(policy, clock)
    # The diagram's service tasks call kefu actions (the visit record's checks), which need a case's
    # transaction: SpiffWorkflow alone runs the task and stores an empty result.
    engine.call_service = lambda *_args, **_kwargs: "{}"  # type: ignore[method-assign]
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    # The same cleaned data kefu hands the engine, prepared outside the timed loop.
    intake = definition.start_form.clean(INTAKE, policy)
    steps = [(name, definition.forms[name].clean(data, policy)) for name, data in STEPS]
    dump: Callable[[BpmnWorkflow], str]
    load: Callable[[str], BpmnWorkflow]
    if instance_only and converters == "kefu":
        def dump(wf: BpmnWorkflow) -> str:
            return dump_workflow(wf)

        def load(text: str) -> BpmnWorkflow:
            return load_workflow(text, VERSION, definition.spec, definition.subprocess_specs)
    elif instance_only:
        if converters != "spiff":
            raise ValueError(f"converters: 'spiff' or 'kefu', not {converters!r}")
        spiff_dump, spiff_load = spiff_instance_converters()
        dump = spiff_dump

        def load(text: str) -> BpmnWorkflow:
            return spiff_load(text, definition)
    else:
        dump, load = serializer.serialize_json, serializer.deserialize_json

    def batch(n: int) -> float:
        start = time.perf_counter()
        with timer_clock(clock):
            for _ in range(n):
                wf = BpmnWorkflow(definition.spec, definition.subprocess_specs, script_engine=engine)
                wf.task_tree.set_data(**intake, first_receiver="zhang.wei")
                wf.do_engine_steps()
                text = dump(wf)
                for name, data in steps:
                    wf = load(text)
                    wf.script_engine = engine
                    task = next(t for t in wf.get_tasks(state=TaskState.READY, spec_class=UserTask)
                                if t.task_spec.name == name)
                    task.set_data(**data)
                    task.run()
                    wf.do_engine_steps()
                    text = dump(wf)
                assert wf.is_completed()
        return time.perf_counter() - start

    return batch


def main() -> int:
    """Run all kinds interleaved, print cases/s, the spread of per-turn ratios and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300, help="lifecycles of each kind (default 300)")
    parser.add_argument("--batch", type=int, default=10, help="lifecycles per turn (default 10)")
    parser.add_argument("--synchronous", choices=["NORMAL", "OFF"],
                        help="also measure kefu with this PRAGMA synchronous (information only; the ratio "
                             "is kefu as shipped, FULL)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        kefu, close_kefu = kefu_batches(Path(tmp) / "full")
        kinds: dict[str, Batch] = {"kefu": kefu, "stock": raw_batches(),
                                   "lean": raw_batches(instance_only=True),
                                   "lean-kefu": raw_batches(instance_only=True, converters="kefu")}
        closers = [close_kefu]
        if args.synchronous:
            relaxed, close_relaxed = kefu_batches(Path(tmp) / "relaxed", args.synchronous)
            kinds["relaxed"] = relaxed
            closers.append(close_relaxed)
        for run in kinds.values():
            run(2)  # warm-up: first-use caches, the first pages of the database file
        seconds = dict.fromkeys(kinds, 0.0)
        turn_ratios = []
        done = 0
        while done < args.cases:
            n = min(args.batch, args.cases - done)
            turn = {kind: run(n) for kind, run in kinds.items()}
            for kind, spent in turn.items():
                seconds[kind] += spent
            turn_ratios.append(turn["lean"] / turn["kefu"])
            done += n
        for close in closers:
            close()
    rate = {kind: args.cases / spent for kind, spent in seconds.items()}
    steps = len(STEPS) + 1
    print(f"cases: {args.cases} of each kind, in turns of {args.batch}; {steps} transitions per case")
    labels = {"stock": "raw SpiffWorkflow, stock JSON", "lean": "raw SpiffWorkflow, no spec JSON",
              "lean-kefu": "raw, no spec, kefu's converters",
              "kefu": "kefu on SQLite", "relaxed": f"kefu, synchronous={args.synchronous}"}
    for kind in [k for k in ("stock", "lean", "lean-kefu", "kefu", "relaxed") if k in rate]:
        ms = 1000 / rate[kind] / steps
        extra = f"; ratio {rate[kind] / rate['lean']:.2f}" if kind == "relaxed" else ""
        print(f"{labels[kind] + ':':33}{rate[kind]:8.1f} cases/s  ({ms:.2f} ms per transition{extra})")
    low, mid, high = (statistics.quantiles(turn_ratios, n=4) if len(turn_ratios) > 1
                      else [turn_ratios[0]] * 3)
    print(f"per-turn ratios (kefu ÷ no-spec raw): quartiles {low:.2f} / {mid:.2f} / {high:.2f} "
          f"over {len(turn_ratios)} turns")
    print(f"kefu / stock raw: {rate['kefu'] / rate['stock']:.2f}")
    print(f"kefu / no-spec raw on kefu's converters (stricter): {rate['kefu'] / rate['lean-kefu']:.2f}")
    print(f"ratio: {rate['kefu'] / rate['lean']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
