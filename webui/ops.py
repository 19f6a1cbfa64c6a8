"""Operations: ``/healthz`` and ``/readyz`` for load balancers, the request id and the access log.

- ``GET /healthz``: 200 while the process serves requests (it touches nothing else).
- ``GET /readyz``: 200 when the database answers and its schema is at the newest migration, else 503
  with the reason (a load balancer sends no traffic to the process until then).
- Every response carries ``X-Request-ID``: the caller's own (letters, digits, ``._-``, at most 64
  characters) or a new random one.
- The ``kefu.access`` logger gets one JSON line per request: time, request id, user (the signed-in
  staff member or the API token's), method, path, status, duration in ms and the process id.
  ``kefu serve`` writes it to stdout; an app embedded elsewhere attaches its own handler.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, g, jsonify, request

from webui.context import services

__all__ = ["ACCESS_LOG", "bp", "init_app", "log_to_stdout", "readiness"]

bp = Blueprint("ops", __name__)
ACCESS_LOG = logging.getLogger("kefu.access")
_INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_HEAD: dict[str, str] = {}


@bp.get("/healthz")
def healthz() -> Any:
    """Alive: the process answers (no database access)."""
    return jsonify({"status": "ok", "pid": os.getpid()})


def _head_revision() -> str:
    """The newest migration shipped with this code (read once per process)."""
    if "head" not in _HEAD:
        from engine.store import Store

        _HEAD["head"] = Store.head_revision()
    return _HEAD["head"]


def readiness(store: Any) -> tuple[bool, dict[str, Any]]:
    """(ready, details): the database answers and is at the newest migration."""
    head = _head_revision()
    try:
        current = store.schema_revision()
    except Exception as exc:  # noqa: BLE001 - ConfigError or a driver error: not ready, say why
        return False, {"status": "unavailable", "database": "unreachable",
                       "reason": str(exc).splitlines()[0][:300], "head": head}
    if current != head:
        reason = f"the database is at migration {current or 'none'}, not {head}; run 'kefu init' to upgrade"
        return False, {"status": "unavailable", "database": "reachable", "migration": current, "head": head,
                       "reason": reason}
    return True, {"status": "ready", "database": "reachable", "migration": current, "head": head}


@bp.get("/readyz")
def readyz() -> Any:
    """Ready: the database is reachable and at the newest migration; 503 with the reason otherwise."""
    ready, details = readiness(services().store)
    return jsonify(details), 200 if ready else 503


def _start() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _INCOMING_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _user() -> str | None:
    for name in ("api_actor", "actor"):
        who = g.get(name)
        if who is not None:
            return str(getattr(who, "login", who))
    return None


def _finish(response: Response) -> Response:
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    if ACCESS_LOG.isEnabledFor(logging.INFO):
        started = g.get("request_started")
        duration = (time.perf_counter() - started) * 1000 if started is not None else None
        ACCESS_LOG.info(json.dumps({
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"), "request_id": request_id,
            "user": _user(), "method": request.method, "path": request.path, "status": response.status_code,
            "duration_ms": round(duration, 2) if duration is not None else None, "pid": os.getpid(),
        }, ensure_ascii=False))
    return response


def log_to_stdout() -> None:
    """Write the access log to stdout, one JSON line per request (``kefu serve`` does this)."""
    import sys

    if any(getattr(h, "_kefu_stdout", False) for h in ACCESS_LOG.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._kefu_stdout = True  # type: ignore[attr-defined]
    ACCESS_LOG.addHandler(handler)
    ACCESS_LOG.setLevel(logging.INFO)
    ACCESS_LOG.propagate = False


def init_app(app: Flask) -> None:
    """Register the health routes; time, number and log every request (the first and last hooks)."""
    app.register_blueprint(bp)
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)  # after_request hooks run in reverse: registered first, it runs last
