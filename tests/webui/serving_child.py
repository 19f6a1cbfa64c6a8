"""A server process for tests/webui/test_serving.py, served through ``webui/serving.py``.

``python serving_child.py gthread|sync PORT TIMEOUT [WORKERS]`` serves a test-only WSGI app on gunicorn
with one worker process (``gthread``: WORKERS, default 1) and a gunicorn ``timeout`` of TIMEOUT seconds:
``gthread`` through ``serve`` as ``kefu serve --workers N`` runs it, ``sync`` (gunicorn's other worker,
never kefu's) as the control that shows what a timeout does to a long request there. The app answers
``/pid``, ``/sleep?s=N`` (waits N seconds, as a request waiting on the database) and ``/busy?s=N`` (N
seconds of Python work, as an export building its workbook), each with the serving process's pid on the
first line and, for the long ones, ``BODY`` bytes after it.

``python serving_child.py no-gunicorn ARGS…`` runs ``kefu ARGS…`` as where gunicorn cannot run
(``gunicorn_available`` answers False).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

BODY = 2_000_000


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    seconds = float(parse_qs(environ.get("QUERY_STRING", "")).get("s", ["0"])[0])
    filler = b""
    if path == "/sleep":
        time.sleep(seconds)
        filler = b"s" * BODY
    elif path == "/busy":
        end, spun = time.monotonic() + seconds, 0
        while time.monotonic() < end:
            spun += sum(range(1000))
        filler = b"b" * BODY
    body = f"{os.getpid()}\n".encode() + filler
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def main(argv: list[str]) -> None:
    from webui import serving

    if argv[0] == "no-gunicorn":
        from engine.cli import main as kefu

        serving.gunicorn_available = lambda: False  # as on Windows or macOS
        sys.exit(kefu(argv[1:]))
    kind, port, timeout = argv[0], int(argv[1]), int(argv[2])
    workers = int(argv[3]) if len(argv) > 3 else 1
    services = SimpleNamespace(store=SimpleNamespace(engine=SimpleNamespace(dispose=lambda close=True: None)))
    if kind == "gthread":
        serving.serve(app, services, host="127.0.0.1", port=port, threads=4, workers=workers, timeout=timeout)
        return
    # gunicorn turns "sync" with several threads into gthread: one thread
    server = serving._gunicorn(app, services, host="127.0.0.1", port=port, threads=1, workers=1,
                               timeout=timeout)
    server.cfg.set("worker_class", kind)
    serving.tune_gc()
    server.run()


if __name__ == "__main__":
    main(sys.argv[1:])
