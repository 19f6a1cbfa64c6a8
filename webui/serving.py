"""Serving the WSGI app: gunicorn on Linux, waitress in one process where gunicorn cannot run.

``kefu serve --workers N`` runs gunicorn's ``gthread`` workers, from N = 1: N processes of
``--threads`` threads each, forked from one master that built the app once (``preload``), so the
demo preparation and the start-up messages happen once. Each process then opens its own database
connections (the pool inherited from the master is dropped after the fork, never shared). Sessions and
API tokens live in the database, so any process serves any signed-in user. Where gunicorn cannot run
(not Linux, or not installed), ``--workers 1`` serves on waitress, in one process with threads. Why
one process runs on gunicorn too, and what its timeout means: docs/scaling.md item 57, ``TIMEOUT``.
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
import time
from typing import Any

import click

__all__ = ["CONNECTION_LIMIT", "GC_THRESHOLDS", "TIMEOUT", "gunicorn_available", "serve", "tune_gc",
           "waitress_options"]


def gunicorn_available() -> bool:
    """True where gunicorn can run: Linux with the package installed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


# Open connections one waitress process accepts. Its default of 100 left the 101st keep-alive client
# (a browser keeps its connection open) waiting for ever, unaccepted, while the others kept theirs
# (bench/load.py, 100 clients on one process); gunicorn's gthread workers accept 1,000 each.
CONNECTION_LIMIT = 1000


def waitress_options(threads: int) -> dict[str, Any]:
    """The options ``kefu serve --workers 1`` gives waitress."""
    return {"threads": threads, "ident": "kefu", "connection_limit": CONNECTION_LIMIT}


# The cyclic garbage collector's thresholds in a serving process (Python's default is 700, 10, 10). A
# SpiffWorkflow workflow is a few thousand objects in cycles (tasks and their parents), and a process keeps
# up to KEFU_WORKFLOW_CACHE_SIZE of them: at the default thresholds it ran a young collection every few
# requests and, now and then, a full one over 250,000 objects that stopped every thread for up to 119 ms;
# at these, 0.35 -> 0.05 ms of collecting per transition and the longest pause 119 -> 24 ms with the same
# peak memory (152 MB after 80 complaint lifecycles; docs/scaling.md item 32).
GC_THRESHOLDS = (50_000, 20, 100)


# gunicorn's master replaces a worker process whose heartbeat is older than this many seconds. A
# ``gthread`` process beats from its main thread, which waits for connections and hands the requests to
# its thread pool: a request longer than this (an export, a report) does not stop the beat and is
# served to the end (tests/webui/test_serving.py, with a timeout of 2 s). What it catches is a process
# whose main thread has not run for that long: hung, not busy (gunicorn's ``sync`` worker, where the
# beat waits for the request, is the one that ends long requests; kefu does not use it). Nothing kefu
# does keeps the main thread from Python's lock for whole seconds, so a lower value would catch a hung
# process sooner; but replacing a process ends every request in flight in it, and a machine starved of
# CPU or memory can stall a healthy one for seconds: kept at 120 s (docs/scaling.md item 57).
TIMEOUT = 120


def tune_gc() -> None:
    """Before serving: collect what start-up left, move everything start-up built (the app, diagrams,
    policies, templates) into the collector's permanent generation (``gc.freeze``; after a fork the
    workers share those pages untouched) and collect less often (``GC_THRESHOLDS``)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def serve(app: Any, services: Any, *, host: str, port: int, threads: int, workers: int,
          timeout: int | None = None) -> None:
    """Serve ``app`` until stopped (Ctrl-C or SIGTERM); ``timeout``: gunicorn's (default ``TIMEOUT``)."""
    tune_gc()
    if workers == 1 and not gunicorn_available():
        import waitress

        # SIGTERM ends waitress' loop as Ctrl-C does, so `kefu serve --with-worker` stops its worker too
        # (by default SIGTERM ended the process at once and left the worker running; gunicorn's master
        # handles SIGTERM itself)
        main = threading.current_thread() is threading.main_thread()  # where a handler can be set
        before = signal.signal(signal.SIGTERM, _exit) if main else None
        try:
            # waitress: a production WSGI server (pure Python, threads); put TLS in a reverse proxy in front.
            waitress.serve(app, host=host, port=port, **waitress_options(threads))
        finally:
            if main:
                signal.signal(signal.SIGTERM, before)
        return
    if not gunicorn_available():
        raise click.UsageError(
            f"--workers {workers} needs gunicorn, which runs on Linux only (this is {sys.platform}); "
            "use --workers 1 here, or run several `kefu serve --port …` behind a reverse proxy")
    _gunicorn(app, services, host=host, port=port, threads=threads, workers=workers, timeout=timeout).run()


def _exit(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)  # waitress' loop ends on it as on KeyboardInterrupt


# A process that holds more connections waits a little before it accepts the next one, so the process
# with fewer wins the race for it (every process of ``--workers N`` polls the one listening socket, and a
# kept-alive connection stays with the process that accepted it): 0.2 ms per connection held, at most
# 5 ms (docs/scaling.md item 59).
ACCEPT_DELAY_PER_CONNECTION = 0.0002
ACCEPT_DELAY_MAX = 0.005


def _thread_worker() -> type:
    """gunicorn's ``gthread`` worker, except that a new connection which has sent nothing yet goes back
    to the main thread's poller at once instead of holding a pool thread while it waits.

    gunicorn 27 waits up to 5 s in a pool thread for a new connection's first bytes: with 8 threads, 8
    idle connections (a browser's preconnects, a slow or hostile client) held every thread of the
    process, and each further one 5 s more (20 idle connections delayed a request by 25 s on 4 threads).
    Deferred, such a connection costs the process nothing until it speaks, and is closed after
    gunicorn's keep-alive time if it never does (the lesson of waitress' ``CONNECTION_LIMIT`` for
    gunicorn; tests/webui/test_serving.py)."""
    from gunicorn.workers import gthread

    class KefuThreadWorker(gthread.ThreadWorker):
        def accept(self, listener: Any) -> None:
            if self.cfg.workers > 1 and self.nr_conns:
                time.sleep(min(self.nr_conns * ACCEPT_DELAY_PER_CONNECTION, ACCEPT_DELAY_MAX))
            super().accept(listener)

        def handle(self, conn: Any) -> Any:
            if not conn.initialized and not conn.data_ready and not conn.wait_for_data(0):
                return gthread._DEFER
            return super().handle(conn)

    return KefuThreadWorker


def _gunicorn(app: Any, services: Any, *, host: str, port: int, threads: int, workers: int,
              timeout: int | None = None) -> Any:
    from gunicorn.app.base import BaseApplication

    def post_fork(_server: Any, _worker: Any) -> None:
        # The master's pooled connections must not be used by two processes: drop them, unclosed.
        services.store.engine.dispose(close=False)

    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": _thread_worker(),  # gthread
        "threads": threads,
        "preload_app": True,
        "post_fork": post_fork,
        "timeout": TIMEOUT if timeout is None else timeout,
        "graceful_timeout": 20,
        "accesslog": None,  # kefu writes its own JSON access log (webui/ops.py)
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "kefu",
    }

    class KefuGunicorn(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    return KefuGunicorn()
