"""Server CPU per request, one request kind at a time, and what dominates it (cProfile).

    .venv/bin/python bench/request_cpu.py [--lifecycles 20] [--pg URL | --sqlite] [--profile] [--top 15]
                                          [--workflow-cache N] [--show KIND] [--scaled]
                                          [--connections one|each|both]

The load bench's request kinds (``bench/load.py``), each through the web app as a WSGI app in this
process (every layer of a request but the socket): intake of a complaint, a repair and a consultation
(API), the inbox page (web session) and the inbox API list, the case page, and advancing a complaint
through its whole lifecycle as the people who hold its steps: claim, the visit's photo (API upload),
complete. The demo organisation, on its own PostgreSQL database ``kefu_load_<pid>`` (created and
dropped) unless ``--sqlite``; ``--scaled``: the load bench's organisation instead (``bench/load.py``'s
``scaled_org``: 2 subsidiaries × 6 projects × 200 staff, 2,455 staff; the same people work the steps).

Prints per kind: requests, CPU and wall milliseconds per request, and SQL statements per request (an
SQLAlchemy ``before_cursor_execute`` hook plus psycopg's ``Cursor.execute``/``executemany`` for the
statements run on the driver; a pipeline's statements count once each) and, on PostgreSQL, round trips
per request: a statement sent alone, a pipeline (one sync), a BEGIN, a COMMIT or ROLLBACK each count
one; then the staff directories a request's transitions built (``dirs``: one per transition that tells
someone, ``engine.worker.people.transition_directory``) and the connections it checked out of the pool
(``conns``: SQLAlchemy's ``checkout`` event; each ``Store.read()`` and ``write()`` took one before
``Store.one_connection``); the dispatch (``sign_order``: its completion
tells the order's holders) has its own line under ``complete``. ``--show KIND`` lists the statements of
the last measured request of that kind, each with its round trip. ``--connections each``: a web
request's reads each take a pooled connection (as before ``Store.one_connection``); ``both``: the
rounds alternate between the two in one process (same load, same database), each kind printed for
both with ``ratio:`` each ÷ one of its CPU per request. ``--profile`` runs the same
requests again under cProfile, one profile per kind, and prints for each kind the functions with the
most own time (any code) and the most cumulative time (kefu's functions and templates, Jinja's
render, SpiffWorkflow's workflow (de)serialiser), with their share of the kind's profiled time;
``--dump DIR`` also writes each kind's profile (``pstats``) to DIR. ``--workflow-cache N``: the
server's ``KEFU_WORKFLOW_CACHE_SIZE`` (default the setting's; 0 to measure without it). The garbage
collector runs with the serving settings (``webui.serving.tune_gc``: start-up frozen, thresholds
``GC_THRESHOLDS``), so a page's figure does not move when another kind's garbage sets a collection off in
it; ``--default-gc`` keeps Python's defaults.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.intake import INTAKE, STEPS, WORKERS  # noqa: E402
from bench.load import CONSULTATION, PASSWORD, REPAIR, on_database, scaled_org  # noqa: E402

KINDS = ["intake complaint", "intake repair", "intake consultation", "inbox page", "inbox api", "case page",
         "claim", "photo", "complete"]
DESK = "zhang.wei"  # the CS specialist whose session reads the pages
DISPATCH = "  of which sign_order"  # the dispatch (tells the order's holders): its "complete" on a line too


class Meter:
    """CPU, wall time and statements per request kind; optionally one cProfile per kind."""

    def __init__(self, profile: bool) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)
        self.count: dict[str, int] = defaultdict(int)
        self.statements: dict[str, int] = defaultdict(int)
        self.trips: dict[str, int] = defaultdict(int)
        self.directories: dict[str, int] = defaultdict(int)
        self.checkouts: dict[str, int] = defaultdict(int)
        self.shown: dict[str, list[str]] = {}
        self.profiles: dict[str, cProfile.Profile] = {}
        self.profile = profile
        self.current: str | None = None
        self.suffix = ""  # the kinds' names in this round (``--connections both``: " (each)")

    def statement(self, text: str = "", trip: bool = False) -> None:
        if self.current is not None:
            self.statements[self.current] += 1
            if trip:
                self.trips[self.current] += 1
            self.shown.setdefault(self.current, []).append(f"{'trip' if trip else '    '}  {text}")

    def checkout(self, *_args: Any) -> None:
        """A connection taken from the pool."""
        if self.current is not None:
            self.checkouts[self.current] += 1

    def round_trip(self, text: str) -> None:
        """A round trip that is no statement of a cursor (BEGIN, a pipeline's sync, COMMIT)."""
        if self.current is not None:
            self.trips[self.current] += 1
            self.shown.setdefault(self.current, []).append(f"trip  {text}")

    @contextmanager
    def measure(self, kind: str, also: str | None = None) -> Iterator[None]:
        """Time one request of ``kind`` (and count it under ``also`` too: a step's own line)."""
        kind, also = kind + self.suffix, also + self.suffix if also else None
        profiler = self.profiles.setdefault(kind, cProfile.Profile()) if self.profile else None
        self.current = kind
        self.shown[kind] = []
        before = (self.statements[kind], self.trips[kind], self.directories[kind], self.checkouts[kind])
        w0, c0 = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        try:
            yield
        finally:
            if profiler is not None:
                profiler.disable()
            cpu, wall = time.process_time() - c0, time.perf_counter() - w0
            for name in (kind, also) if also else (kind,):
                self.cpu[name] += cpu
                self.wall[name] += wall
                self.count[name] += 1
            if also:
                self.statements[also] += self.statements[kind] - before[0]
                self.trips[also] += self.trips[kind] - before[1]
                self.directories[also] += self.directories[kind] - before[2]
                self.checkouts[also] += self.checkouts[kind] - before[3]
            self.current = None


def _count_statements(engine: Any, meter: Meter) -> None:
    """Every statement sent: psycopg's cursors on PostgreSQL (SQLAlchemy's and the driver's own),
    SQLAlchemy's hook on SQLite; on PostgreSQL also the round trips (``Meter.round_trip``)."""
    if engine.dialect.name != "postgresql":
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", lambda *a, **k: meter.statement())
        return
    import psycopg
    from psycopg import pq

    def text(query: Any) -> str:
        raw = query.decode() if isinstance(query, bytes) else query if isinstance(query, str) else str(query)
        return " ".join(raw.split())[:160]

    for name in ("execute", "executemany"):
        original = getattr(psycopg.Cursor, name)

        def wrapped(self: Any, query: Any, *args: Any, _original: Callable[..., Any] = original,
                    **kw: Any) -> Any:
            conn = self.connection
            if not conn._autocommit and conn.pgconn.transaction_status == pq.TransactionStatus.IDLE:
                meter.round_trip("BEGIN")  # psycopg sends it first, alone (in a pipeline too: with a sync)
            # alone: its own round trip (an executemany outside a pipeline is one pipeline: one too)
            meter.statement(text(query), trip=conn._pipeline is None)
            return _original(self, query, *args, **kw)

        setattr(psycopg.Cursor, name, wrapped)
    enter = psycopg.Pipeline.__enter__

    def entered(self: Any) -> Any:
        if self.level == 0:
            meter.round_trip("(pipeline: the statements below it, one sync)")
        return enter(self)

    fetch = psycopg.Cursor._fetch_pipeline

    def fetched(self: Any) -> Any:
        if self._execmany_returning is not False and not self.pgresult and self._conn._pipeline:
            meter.round_trip("(flush: the pipeline's statements so far, up to this result)")
        return fetch(self)

    psycopg.Cursor._fetch_pipeline = fetched  # type: ignore[method-assign]
    for name in ("commit", "rollback"):
        original = getattr(psycopg.Connection, name)

        def ended(self: Any, _original: Callable[..., Any] = original, _name: str = name) -> Any:
            if self.pgconn.transaction_status != pq.TransactionStatus.IDLE:
                meter.round_trip(_name.upper())
            return _original(self)

        setattr(psycopg.Connection, name, ended)
    psycopg.Pipeline.__enter__ = entered  # type: ignore[method-assign]


def _count_directories(meter: Meter) -> None:
    """Every staff directory a transition builds (its first ``transition_directory``)."""
    from engine.worker import events, people

    original = people.transition_directory

    def counted(transition: Any) -> Any:
        if getattr(transition, "_directory", None) is None and meter.current is not None:
            meter.directories[meter.current] += 1
        return original(transition)

    people.transition_directory = counted
    events.transition_directory = counted


def _connections(store: Any, mode: str) -> None:
    """``one``: a web request's reads share one pooled connection (``Store.one_connection``, as served);
    ``each``: every read takes its own, as before it."""
    from contextlib import nullcontext

    if mode == "each":
        store.one_connection = nullcontext
    else:
        store.__dict__.pop("one_connection", None)


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 190, 170)).save(buffer, format="PNG")
    return buffer.getvalue()


def run(db_url: str, data_dir: Path, args: argparse.Namespace) -> None:
    from werkzeug.security import generate_password_hash

    from engine.clock import SystemClock
    from engine.org import load_org
    from engine.settings import Settings
    from engine.store import web_queries as wq
    from webui import create_app
    from webui.services import build_services
    from webui.serving import tune_gc

    settings = Settings(database_url=db_url, data_dir=data_dir, secret_key="bench").with_overrides(
        workflow_cache_size=args.workflow_cache)
    services = build_services(settings, SystemClock())
    services.runtime.register_processes()
    org = ROOT / "engine" / "demo" / "org.yaml"
    if args.scaled:
        org = data_dir.parent / "scaled-org.yaml"
        scaled_org(org)
    services.runtime.import_org(load_org(org))
    logins = {DESK, *WORKERS.values()}
    tokens = {login: services.issue_token(login, "request bench") for login in logins}
    wq.set_password_hash(services.store, DESK, generate_password_hash(PASSWORD))
    app = create_app(settings, services=services)
    if not args.default_gc:
        tune_gc()  # as `kefu serve` does, so a collection is not charged to whichever request set it off
    api = app.test_client()
    web = app.test_client()
    page = web.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    signed = web.post("/login", data={"login": DESK, "password": PASSWORD,
                                      "csrf_token": csrf.group(1) if csrf else ""})
    assert signed.status_code == 302, signed.status_code
    photo = _png()

    def headers(login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[login]}"}

    def lifecycle(meter: Meter, n: int) -> None:
        phone = f"139{n:08d}"
        for process, data in (("repair", REPAIR), ("consultation", CONSULTATION)):
            with meter.measure(f"intake {process}"):
                r = api.post("/api/v1/cases", headers=headers(DESK),
                             json={"process": process, "data": {**data, "customer_phone": phone}})
            assert r.status_code == 201, r.get_data(as_text=True)[:300]
        with meter.measure("intake complaint"):
            r = api.post("/api/v1/cases", headers=headers(DESK),
                         json={"process": "complaint", "data": {**INTAKE, "customer_phone": phone}})
        assert r.status_code == 201, r.get_data(as_text=True)[:300]
        number = r.get_json()["number"]
        for name, data in STEPS:
            who = WORKERS[name]
            with meter.measure("inbox page"):
                r = web.get("/inbox", query_string={"view": "queue" if n % 2 else "mine"})
            assert r.status_code == 200, r.status_code
            with meter.measure("inbox api"):
                r = api.get("/api/v1/tasks", query_string={"view": "queue" if n % 2 else "mine"},
                            headers=headers(DESK))
            assert r.status_code == 200, r.status_code
            with meter.measure("case page"):
                r = web.get(f"/cases/{number}")
            assert r.status_code == 200, r.status_code
            with services.store.read() as tx:  # the task, outside the timing (a client knows it)
                task = next(t for t in tx.case_tasks(tx.find_case(number).id) if t.task_spec == name)
            if task.assignee is None:
                with meter.measure("claim"):
                    r = api.post(f"/api/v1/tasks/{task.task_id}/claim", headers=headers(who))
                assert r.status_code == 200, (name, r.get_data(as_text=True)[:300])
            if name == "visit_customer":
                with meter.measure("photo"):
                    r = api.post(f"/api/v1/cases/{number}/attachments", headers=headers(who),
                                 data={"file": (io.BytesIO(photo), "photo.png", "image/png")},
                                 content_type="multipart/form-data")
                assert r.status_code == 201, r.get_data(as_text=True)[:300]
            with meter.measure("complete", also=DISPATCH if name == "sign_order" else None):
                r = api.post(f"/api/v1/tasks/{task.task_id}/complete",
                             json={"task": f"complaint.{name}", "data": data}, headers=headers(who))
            assert r.status_code == 200, (name, r.get_data(as_text=True)[:300])

    warm = Meter(False)
    for n in range(3):
        lifecycle(warm, n)
    meter = Meter(False)
    _count_statements(services.store.engine, meter)
    _count_directories(meter)
    from sqlalchemy import event

    event.listen(services.store.engine, "checkout", meter.checkout)
    modes = ["one", "each"] if args.connections == "both" else [args.connections]
    for n in range(args.lifecycles):
        for index, mode in enumerate(modes):  # round n of each mode: the same views (n's parity)
            _connections(services.store, mode)
            meter.suffix = " (each)" if mode == "each" and len(modes) > 1 else ""
            lifecycle(meter, 100 + n + 10_000 * index)
    meter.suffix = ""
    backend = "SQLite" if db_url.startswith("sqlite") else "PostgreSQL"
    org_name = "the scaled" if args.scaled else "the demo"
    print(f"{args.lifecycles} rounds on {backend}, {org_name} org (each: 3 intakes, a complaint's 11 steps "
          f"with the pages before each); {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    pg = backend == "PostgreSQL"
    print(f"{'kind':28}{'req':>6}{'CPU ms':>9}{'wall ms':>9}{'stmts':>7}" + (f"{'trips':>7}" if pg else "")
          + f"{'dirs':>6}{'conns':>7}")
    for kind in [k + suffix for k in (*KINDS, DISPATCH) for suffix in ("", " (each)")]:
        c = meter.count[kind]
        if c:
            print(f"{kind:28}{c:6d}{meter.cpu[kind] * 1000 / c:9.2f}{meter.wall[kind] * 1000 / c:9.2f}"
                  f"{meter.statements[kind] / c:7.2f}" + (f"{meter.trips[kind] / c:7.2f}" if pg else "")
                  + f"{meter.directories[kind] / c:6.2f}{meter.checkouts[kind] / c:7.2f}")
    if len(modes) > 1:
        def per(kind: str) -> float:
            return meter.cpu[kind] / meter.count[kind]

        print("ratio: CPU per request, a connection per read ÷ one per request: " + ", ".join(
            f"{kind} {per(kind + ' (each)') / per(kind):.3f}" for kind in KINDS
            if meter.count[kind] and meter.count[kind + " (each)"]))
    for kind in args.show or []:
        print(f"\n--- the last {kind} request's statements ---")
        print("\n".join(meter.shown.get(kind, ["(none)"])))
    if not args.profile:
        services.store.dispose()
        return
    profiled = Meter(True)
    for n in range(args.lifecycles):
        lifecycle(profiled, 1000 + n)
    pattern = r"/(engine|webui)/|/templates/|SpiffWorkflow/bpmn/serializer/workflow|jinja2/environment.py"
    for kind in KINDS:
        profiler = profiled.profiles.get(kind)
        if profiler is None:
            continue
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        if args.dump:
            stats.dump_stats(str(Path(args.dump) / f"{kind.replace(' ', '_')}.prof"))
        total = stats.total_tt  # type: ignore[attr-defined]
        print(f"\n=== {kind}: {profiled.count[kind]} requests, {total * 1000 / profiled.count[kind]:.2f} ms "
              f"profiled per request ===")
        rows = stats.stats  # type: ignore[attr-defined]
        for label, key in (("cumulative", 3), ("own", 2)):
            print(f"-- by {label} time (share of the kind's profiled time)")
            ranked = sorted(rows.items(), key=lambda kv: kv[1][key], reverse=True)
            shown = 0
            for (file, line, func), value in ranked:
                if label == "cumulative" and not re.search(pattern, file):
                    continue
                where = re.sub(r".*/(site-packages|i18p|main)/", "", file)
                per = value[key] * 1000 / profiled.count[kind]
                print(f"  {100 * value[key] / total:5.1f} %  {per:7.3f} ms  "
                      f"{value[1]:6d} calls  {where}:{line} {func}")
                shown += 1
                if shown >= args.top:
                    break
    services.store.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifecycles", type=int, default=20, help="measured rounds (default 20)")
    parser.add_argument("--pg", default=os.environ.get("KEFU_TEST_POSTGRES_URL")
                        or "postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    parser.add_argument("--profile", action="store_true", help="then profile each kind (cProfile)")
    parser.add_argument("--show", action="append", choices=KINDS, metavar="KIND",
                        help="list the statements of the last request of KIND (repeatable)")
    parser.add_argument("--top", type=int, default=15, help="profile lines per list (default 15)")
    parser.add_argument("--dump", metavar="DIR", help="with --profile: also write each kind's profile to DIR")
    parser.add_argument("--default-gc", action="store_true",
                        help="keep Python's garbage-collector settings (default: kefu serve's, tune_gc)")
    parser.add_argument("--scaled", action="store_true",
                        help="the load bench's scaled organisation (2,455 staff) instead of the demo's")
    parser.add_argument("--connections", choices=["one", "each", "both"], default="one",
                        help="a web request's reads on one pooled connection (as served), on one each (as "
                             "before), or both in alternate rounds with their ratio")
    parser.add_argument("--workflow-cache", type=int, default=None, metavar="N",
                        help="the server's workflow cache size (default the setting's; 0: off)")
    args = parser.parse_args()
    if args.dump:
        Path(args.dump).mkdir(parents=True, exist_ok=True)
    on_database(args, "kefu-req-", run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
