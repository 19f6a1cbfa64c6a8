"""``/api/v1/assessment``: the month's staff statements as JSON for HR and finance systems (R8).

Read-only: notices are issued, appealed and decided on the 考核 page or with ``kefu assessment``.
The same permission questions as the page (``assessment.read``); the operations are in the OpenAPI
document (``webui.openapi``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, g, jsonify

from engine.assessment import Assessment
from engine.errors import FormError, NotFoundError
from webui.api import _args, token_required
from webui.context import services
from webui.openapi import _TEXT, MONTH

__all__ = ["bp", "init_app"]

bp = Blueprint("assessment_api", __name__, url_prefix="/api/v1/assessment")


def _book() -> Assessment:
    svc = services()
    return Assessment(svc.store, svc.clock, svc.policies)


def _month() -> str:
    args = _args({"month": MONTH})
    if "month" not in args:
        raise FormError("query parameter 'month' is required (YYYY-MM, e.g. 2026-11)",
                        {"month": "required"}, zh="请填写月份（YYYY-MM）")
    return str(args["month"])


def _notice(n: Any, rules: Any) -> dict[str, Any]:
    return {"id": n.id, "person": n.person, "supervisor": n.supervisor, "issue": n.issue,
            "issue_name": rules.issue_name(n.issue), "points": n.points, "issued_points": n.issued_points,
            "occurred_on": n.occurred_on.isoformat(), "status": n.status, "proven": n.supervisor_liable,
            "issued_by": n.issued_by, "text": n.text}


@bp.get("/statements")
@token_required
def unit_statements() -> Any:
    """A subsidiary's or project's month: ``?month=YYYY-MM&unit=CODE``."""
    month = _month()
    # the unit as the document declares it (_TEXT): a long unknown code is a 404, never a 422
    unit = str(_args({"unit": _TEXT}).get("unit", ""))
    with services().store.read() as tx:
        known = tx.units().get(unit)
    if known is None or known.kind not in ("subsidiary", "project"):
        raise NotFoundError(f"no subsidiary or project {unit!r}", zh=f"没有公司或项目“{unit}”")
    figures = _book().unit_month(g.api_actor.login, unit, month)
    rules = figures["rules"]
    return jsonify({"unit": unit, "month": month, "people": figures["people"],
                    "public": [p["person"] for p in figures["public"]],
                    "notices": [_notice(n, rules) for n in figures["notices"]]})


@bp.get("/statements/<login>")
@token_required
def person_statement(login: str) -> Any:
    """One person's month: ``?month=YYYY-MM``."""
    month = _month()
    mine = _book().person_month(g.api_actor.login, login, month)
    return jsonify({"month": month, **mine["figures"],
                    "notices": [_notice(n, mine["rules"]) for n in mine["notices"]]})


def init_app(app: Flask) -> None:
    """Register the blueprint (token-authenticated, so exempt from the form CSRF check)."""
    from webui import csrf

    app.register_blueprint(bp)
    csrf.exempt(bp)
