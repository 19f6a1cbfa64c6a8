"""Error pages: KefuError → a friendly 4xx in the user's language; anything else → a logged, generic 500.

API paths (``/api/``) get JSON ``{"error": {"code", "message", "fields"}}`` instead of a page.
Nothing but a KefuError's own message (written for people) ever reaches the browser.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.errors import ActionError, ConflictError, FormError, KefuError, NotFoundError, PermissionDenied
from webui.i18n import lang

__all__ = ["error_body", "field_errors", "init_app", "message_of", "status_of"]

_STATUS = {NotFoundError: 404, PermissionDenied: 403, ConflictError: 409, FormError: 422, ActionError: 422}


def status_of(exc: KefuError) -> int:
    """The HTTP status of an engine error."""
    for kind, status in _STATUS.items():
        if isinstance(exc, kind):
            return status
    return 400


def _headline(status: int) -> str:
    return {
        400: _("The request could not be carried out."),
        403: _("You are not allowed to do this."),
        404: _("Not found."),
        405: _("This action is not available here."),
        409: _("Someone else changed this first."),
        413: _("The file is too large."),
        422: _("Some fields need attention."),
    }.get(status, _("Something went wrong."))


def field_errors(exc: FormError) -> dict[str, str]:
    """Field → message in the user's language."""
    if lang() == "zh":
        return dict(getattr(exc, "errors_zh", None) or exc.errors)
    return dict(exc.errors)


def post_form(keys: Sequence[str], act: Callable[[dict[str, str]], str],
              again: Callable[[dict[str, str], dict[str, str], int], Any]) -> Any:
    """A page's form post: the fields ``keys`` as typed; ``act(values)`` does the work and returns the URL
    to go to; a FormError shows the page again, ``again(values, field errors, 422)``, nothing typed lost."""
    values = {k: request.form.get(k, "") for k in keys}
    try:
        target = act(values)
    except FormError as exc:
        return again(values, field_errors(exc), 422)
    return redirect(target)


def error_body(exc: KefuError) -> dict[str, Any]:
    """The JSON error body of an engine error."""
    body: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if getattr(exc, "zh", None):  # the Chinese text staff read, when the error has one
        body["message_zh"] = str(exc.zh)
    if isinstance(exc, FormError):
        body["fields"] = field_errors(exc)
    return {"error": body}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def message_of(exc: KefuError) -> str:
    """The error's message in the page language (its Chinese text on Chinese pages, when it has one)."""
    zh = getattr(exc, "zh", None)
    return str(zh) if zh and lang() == "zh" else exc.message


def _on_kefu_error(exc: KefuError) -> Any:
    status = status_of(exc)
    if _wants_json():
        return jsonify(error_body(exc)), status
    return render_template(
        "error.html", status=status, headline=_headline(status), detail=message_of(exc)
    ), status


def _on_http_error(exc: HTTPException) -> Any:
    status = exc.code or 500
    if isinstance(exc, CSRFError):
        message = _("The form has expired. Reload the page and try again.")
    else:
        message = _headline(status)
    # Keep the exception's own headers: a 405 names the methods the path takes (Allow).
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    if _wants_json():
        return jsonify({"error": {"code": f"http.{status}", "message": message}}), status, headers
    return render_template("error.html", status=status, headline=message, detail=""), status, headers


def _on_unexpected(exc: Exception) -> Any:
    from flask import current_app

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    message = _("An unexpected error occurred; it has been logged. Please try again later.")
    if _wants_json():
        return jsonify({"error": {"code": "kefu.E500", "message": message}}), 500
    return render_template("error.html", status=500, headline=message, detail=""), 500


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(KefuError, _on_kefu_error)
    app.register_error_handler(HTTPException, _on_http_error)
    app.register_error_handler(Exception, _on_unexpected)
