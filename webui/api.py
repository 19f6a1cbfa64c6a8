"""JSON API ``/api/v1`` for integrations (hotline, WeChat, app): bearer tokens, the pages' checks."""

from __future__ import annotations

from dataclasses import asdict
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request, url_for

from engine.errors import FormError
from webui.context import services
from webui.inbox import inbox_filter
from webui.openapi import openapi_document

__all__ = ["bp", "init_app"]

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def token_required(view: Any) -> Any:
    """Authenticate ``Authorization: Bearer <token>``; 401 JSON otherwise."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        actor, check = services().check_token(token) if token else (None, None)
        if actor is None:
            why = check.message if check is not None else "missing API token"
            body = {
                "error": {
                    "code": "api.E401",
                    "reason": check.refusal if check is not None else "missing",
                    "message": f"{why}; send 'Authorization: Bearer <token>' with a live token "
                    "(create one with `kefu api-token LOGIN --label L`)",
                }
            }
            return jsonify(body), 401, {"WWW-Authenticate": 'Bearer realm="kefu"'}
        g.api_actor = actor
        return view(*args, **kwargs)

    return wrapped


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise FormError("the request body must be a JSON object", {"body": "expected a JSON object"})
    return body


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return _time(value) if hasattr(value, "isoformat") else value


@bp.post("/cases")
@token_required
def open_case() -> Any:
    """Open a case: ``{"process": "complaint", "data": {...}}``."""
    body = _json_body()
    process_id = body.get("process", "complaint")
    data = body.get("data")
    base = current_app.config.get("KEFU_BASE_URL") or request.url_root
    opened = services().open_case(g.api_actor, process_id, {} if data is None else data, answer_base=base)
    location = url_for("api.read_case", number=opened.number)
    return jsonify(_plain(asdict(opened))), 201, {"Location": location}


@bp.get("/tasks")
@token_required
def list_tasks() -> Any:
    """The caller's inbox: ``?view=mine|queue|overdue|all&q=&category=&sort=&page=``."""
    view, flt = inbox_filter(request.args)
    page = services().inbox(g.api_actor, view, flt)
    return jsonify(
        {
            "view": page.view,
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
            "counts": page.counts,
            "items": [_plain(asdict(r)) for r in page.rows],
        }
    )


@bp.post("/tasks/<task_id>/claim")
@token_required
def claim(task_id: str) -> Any:
    """Claim a task."""
    services().claim(g.api_actor, task_id)
    return jsonify({"task_id": task_id, "assignee": g.api_actor.login})


@bp.post("/tasks/<task_id>/release")
@token_required
def release(task_id: str) -> Any:
    """Release a task to its group queue."""
    services().release(g.api_actor, task_id)
    return jsonify({"task_id": task_id, "assignee": None})


@bp.post("/tasks/<task_id>/complete")
@token_required
def complete(task_id: str) -> Any:
    """Complete a task: ``{"data": {...}}``."""
    data = _json_body().get("data")
    number = services().complete(g.api_actor, task_id, {} if data is None else data)
    return jsonify({"task_id": task_id, "case": number})


def _case_json(number: str) -> dict[str, Any]:
    page = services().case_page(g.api_actor, number)
    body = _plain(asdict(page))
    body.pop("case_id", None)
    body["summary"] = dict(page.summary)
    return body


@bp.get("/cases/<number>")
@token_required
def read_case(number: str) -> Any:
    """A case with its open tasks (and the forms the caller may fill)."""
    body = _case_json(number)
    body.pop("timeline", None)
    return jsonify(body)


@bp.get("/cases/<number>/timeline")
@token_required
def timeline(number: str) -> Any:
    """A case's history from the audit log."""
    return jsonify({"number": number, "events": _case_json(number)["timeline"]})


@bp.post("/cases/<number>/attachments")
@token_required
def attach(number: str) -> Any:
    """Upload one file (multipart field ``file``; ``stage`` for a repair photo: before, during, after)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise FormError("send the file as multipart field 'file'", {"file": "required"})
    saved = services().attach(g.api_actor, number, upload.filename, upload.mimetype or "", upload.read(),
                              stage=request.form.get("stage"))
    return jsonify(_plain(asdict(saved))), 201


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())


def init_app(app: Flask) -> None:
    """Register the blueprint (token-authenticated, so exempt from the form CSRF check)."""
    from webui import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
