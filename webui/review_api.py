"""``/api/v1/reviews``: the review lists and systemic tasks (R2.18) for other systems.

The same permission questions as the 复盘 pages (``review.read|generate|sign|answer``); the operations
are in the OpenAPI document (``webui.openapi``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, g, jsonify

from engine.errors import FormError
from engine.reviews import KINDS, LIST_KINDS, Reviews
from webui.api import _args, _json_body, _plain, token_required
from webui.context import services
from webui.openapi import _TEXT

__all__ = ["bp", "init_app"]

bp = Blueprint("review_api", __name__, url_prefix="/api/v1/reviews")


def _book() -> Reviews:
    svc = services()
    return Reviews(svc.store, svc.clock, svc.policies)


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise FormError(f"{key!r} must be a text", {key: "required text"}, zh="请填写文字")
    return value


@bp.get("")
@token_required
def list_reviews() -> Any:
    """The lists the caller may read: ``?kind=leftover|major|systemic&unit=CODE``."""
    args = _args({"kind": {"enum": list(KINDS)}, "unit": _TEXT})
    rows = _book().listing(g.api_actor.login, kind=args.get("kind"), unit=args.get("unit") or None)
    return jsonify({"items": [_plain(r) for r in rows]})


@bp.post("")
@token_required
def generate() -> Any:
    """The current period's list: ``{"kind": "leftover"|"major", "unit": CODE}``."""
    body = _json_body("kind", "unit")
    kind = body.get("kind")
    if kind not in LIST_KINDS:
        raise FormError("kind: leftover or major", {"kind": "leftover or major"}, zh="请选择复盘类型")
    unit = body.get("unit")
    if unit is not None and not isinstance(unit, str):
        raise FormError("unit must be a subsidiary code", {"unit": "a subsidiary code"}, zh="请填写公司代码")
    made = _book().generate(g.api_actor.login, str(kind), unit or None)
    return jsonify(_plain(_book().show(g.api_actor.login, made["id"]))), 201


@bp.get("/<review_id>")
@token_required
def show(review_id: str) -> Any:
    """A list with its complaints and notes (a systemic analysis with its tasks)."""
    return jsonify(_plain(_book().show(g.api_actor.login, review_id)))


@bp.post("/<review_id>/items/<item_id>/note")
@token_required
def note(review_id: str, item_id: str) -> Any:
    """The reviewer's note on one complaint: ``{"note": "..."}``."""
    body = _json_body("note")
    return jsonify(_plain(_book().note(g.api_actor.login, review_id, item_id, _text(body, "note"))))


@bp.post("/<review_id>/sign")
@token_required
def sign(review_id: str) -> Any:
    """Sign the list off (every complaint noted); it is frozen from then on."""
    return jsonify(_plain(_book().sign(g.api_actor.login, review_id)))


@bp.post("/tasks/<task_id>/answer")
@token_required
def answer(task_id: str) -> Any:
    """A department's optimisation measures: ``{"answer": "..."}``."""
    body = _json_body("answer")
    return jsonify(_plain(_book().answer(g.api_actor.login, task_id, _text(body, "answer"))))


def init_app(app: Flask) -> None:
    """Register the blueprint (token-authenticated, so exempt from the form CSRF check)."""
    from webui import csrf

    app.register_blueprint(bp)
    csrf.exempt(bp)
