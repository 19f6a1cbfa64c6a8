"""Run an app on 127.0.0.1 with a free port in a background thread (browser tests, screenshots)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Yield the base URL of ``app`` served in a thread; stop it afterwards."""
    server = make_server("127.0.0.1", 0, _buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def _buffered(app: Flask) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """``app`` with each response body read and closed before werkzeug writes it. When the browser drops
    a connection mid-response (a page left while ``kefu.js`` loads), werkzeug's dev server can raise
    out of its clean-up before closing the app's iterable, and the static file's handle is left to the
    garbage collector: a ResourceWarning that fails whichever test is running then."""
    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
    return wsgi
