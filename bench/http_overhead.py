"""Where a completion's time goes over HTTP: the complaint lifecycle three ways, interleaved.

    .venv/bin/python bench/http_overhead.py [--cases 20] [--batch 5] [--pg URL | --sqlite] [--profile N]
                                            [--without-cache]

- **raw**: SpiffWorkflow alone, serialising after every step (``bench/intake.py``'s no-spec baseline:
  SpiffWorkflow's own converters; before docs/scaling.md item 58 it wrote with kefu's converters);
- **runtime**: kefu's ``Runtime.open_case`` / ``complete_task`` in process, on the database;
- **wsgi**: the same steps through the web app's API (``POST /api/v1/cases``,
  ``POST /api/v1/tasks/<id>/complete``, with an API token) called as a WSGI app in this process: every
  layer of a request but the socket and the HTTP parsing of the server.

Per transition (an opening or a completion; the visit's photo is attached outside the timing, as
``bench/intake.py`` does), it prints wall and CPU milliseconds of each and the ratios raw ÷ wsgi and
runtime ÷ wsgi, so the HTTP layer's own cost is the difference between the last two. ``--profile N``
then profiles N more lifecycles through the WSGI app (cProfile) and prints the functions of kefu, Flask
and SQLAlchemy with the most cumulative time. On PostgreSQL (the default) it creates and drops its own
database ``kefu_http_<pid>``. ``--without-cache`` adds the runtime and wsgi kinds run with the
workflow cache off (``KEFU_WORKFLOW_CACHE_SIZE=0``, ``engine/runtime/wfcache.py``), interleaved with
the others, and prints the cache's hits and misses.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.intake import INTAKE, STEPS, WORKERS, raw_batches  # noqa: E402
from bench.load import on_database  # noqa: E402

Batch = Callable[[int], tuple[float, float, int]]  # n lifecycles → (wall s, CPU s, transitions)


def _setup(db_url: str, data_dir: Path) -> tuple[Any, Any, dict[str, str]]:
    from engine.clock import SystemClock
    from engine.org import load_org
    from engine.settings import Settings
    from webui import create_app
    from webui.services import build_services

    settings = Settings(database_url=db_url, data_dir=data_dir, secret_key="bench")
    services = build_services(settings, SystemClock())
    services.runtime.register_processes()
    services.runtime.import_org(load_org(ROOT / "engine" / "demo" / "org.yaml"))
    tokens = {login: services.issue_token(login, "http bench") for login in {"zhang.wei", *WORKERS.values()}}
    app = create_app(settings, services=services)
    return services, app, tokens


def runtime_batches(services: Any) -> Batch:
    from webui.demo import visit_photo

    runtime = services.runtime

    def batch(n: int) -> tuple[float, float, int]:
        wall = cpu = 0.0
        steps = 0
        for _ in range(n):
            w0, c0 = time.perf_counter(), time.process_time()
            case = runtime.open_case("complaint", INTAKE, "zhang.wei")
            wall += time.perf_counter() - w0
            cpu += time.process_time() - c0
            for name, data in STEPS:
                task = next(t for t in case.tasks if t.task_name == name)
                if name == "visit_customer":
                    visit_photo(runtime, case.number, WORKERS[name])
                w0, c0 = time.perf_counter(), time.process_time()
                case = runtime.complete_task(task.task_id, WORKERS[name], data)
                wall += time.perf_counter() - w0
                cpu += time.process_time() - c0
            steps += len(STEPS) + 1
            assert case.status == "closed", case.status
        return wall, cpu, steps

    return batch


def without_cache(runtime: Any, batch: Batch) -> Batch:
    """``batch`` run with the runtime's workflow cache off (size 0), then on again as it was."""
    def run(n: int) -> tuple[float, float, int]:
        size, runtime.workflows.size = runtime.workflows.size, 0
        runtime.workflows.clear()
        try:
            return batch(n)
        finally:
            runtime.workflows.size = size
    return run


def wsgi_batches(services: Any, app: Any, tokens: dict[str, str]) -> Batch:
    from webui.demo import visit_photo

    client = app.test_client()
    runtime = services.runtime
    # The API's answers are plain JSON: the dates as the API takes them (ISO strings).
    steps = [(name, data) for name, data in STEPS]

    def headers(login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[login]}"}

    def batch(n: int) -> tuple[float, float, int]:
        wall = cpu = 0.0
        count = 0
        for _ in range(n):
            w0, c0 = time.perf_counter(), time.process_time()
            response = client.post("/api/v1/cases", json={"process": "complaint", "data": INTAKE},
                                   headers=headers("zhang.wei"))
            wall += time.perf_counter() - w0
            cpu += time.process_time() - c0
            assert response.status_code == 201, response.get_data(as_text=True)[:300]
            number = response.get_json()["number"]
            for name, data in steps:
                with services.store.read() as tx:  # the task id, outside the timing (a client knows it)
                    task_id = next(t.task_id for t in tx.case_tasks(tx.find_case(number).id)
                                   if t.task_spec == name)
                if name == "visit_customer":
                    visit_photo(runtime, number, WORKERS[name])
                w0, c0 = time.perf_counter(), time.process_time()
                response = client.post(f"/api/v1/tasks/{task_id}/complete",
                                       json={"task": f"complaint.{name}", "data": data},
                                       headers=headers(WORKERS[name]))
                wall += time.perf_counter() - w0
                cpu += time.process_time() - c0
                assert response.status_code == 200, (name, response.get_data(as_text=True)[:300])
            count += len(steps) + 1
        return wall, cpu, count

    return batch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20, help="lifecycles of each kind (default 20)")
    parser.add_argument("--batch", type=int, default=5, help="lifecycles per turn (default 5)")
    parser.add_argument("--pg", default=os.environ.get("KEFU_TEST_POSTGRES_URL")
                        or "postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="then profile N lifecycles through the WSGI app (cProfile)")
    parser.add_argument("--top", type=int, default=40, help="profile lines to print (default 40)")
    parser.add_argument("--without-cache", action="store_true",
                        help="also run the runtime and wsgi kinds with the workflow cache off, interleaved")
    args = parser.parse_args()
    on_database(args, "kefu-http-", run)
    return 0


def run(db_url: str, data_dir: Path, args: argparse.Namespace) -> None:
    from engine.processes import timer_clock  # noqa: F401 (raw_batches uses it)

    services, app, tokens = _setup(db_url, data_dir)
    raw = raw_batches(instance_only=True)

    def raw_batch(n: int) -> tuple[float, float, int]:
        c0 = time.process_time()
        wall = raw(n)
        return wall, time.process_time() - c0, n * (len(STEPS) + 1)

    kinds: dict[str, Batch] = {"raw": raw_batch, "runtime": runtime_batches(services),
                               "wsgi": wsgi_batches(services, app, tokens)}
    if args.without_cache:
        kinds["runtime-0"] = without_cache(services.runtime, kinds["runtime"])
        kinds["wsgi-0"] = without_cache(services.runtime, kinds["wsgi"])
    for run_ in kinds.values():
        run_(1)  # warm-up
    totals = {k: [0.0, 0.0, 0] for k in kinds}
    done = 0
    while done < args.cases:
        n = min(args.batch, args.cases - done)
        for kind, run_ in kinds.items():
            wall, cpu, steps = run_(n)
            totals[kind][0] += wall
            totals[kind][1] += cpu
            totals[kind][2] += steps
        done += n
    backend = "SQLite" if db_url.startswith("sqlite") else "PostgreSQL"
    print(f"{args.cases} complaint lifecycles of each kind on {backend}, {len(STEPS) + 1} transitions each; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    per = {k: (w * 1000 / s, c * 1000 / s) for k, (w, c, s) in totals.items()}
    for kind, (wall, cpu) in per.items():
        print(f"  {kind:8} {wall:7.2f} ms wall  {cpu:7.2f} ms CPU per transition")
    print(f"raw ÷ wsgi: {per['raw'][0] / per['wsgi'][0]:.2f} (wall)   runtime ÷ wsgi: "
          f"{per['runtime'][0] / per['wsgi'][0]:.2f} (wall), {per['runtime'][1] / per['wsgi'][1]:.2f} (CPU)")
    if args.without_cache:
        cache = services.runtime.workflows
        print(f"without the workflow cache: raw ÷ wsgi-0 {per['raw'][0] / per['wsgi-0'][0]:.2f} (wall); "
              f"cache size {cache.size}: {cache.hits} hits, {cache.misses} misses")
    if args.profile:
        profiler = cProfile.Profile()
        batch = kinds["wsgi"]
        profiler.enable()
        batch(args.profile)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(r"(engine|webui|flask|werkzeug|sqlalchemy|jsonschema|"
                                                   r"psycopg|SpiffWorkflow|jinja2)", args.top)
        stats.sort_stats("tottime").print_stats(25)
    services.store.dispose()


if __name__ == "__main__":
    sys.exit(main())
