"""``/api/v1/assessment``: the month's staff statements as JSON for HR and finance systems, and the
violation notices issued, appealed and decided from other systems (R8).

The same permission questions as the 考核 page (``engine.assessment``: ``assessment.read``,
``assessment.issue`` by a role of ``assessment.issues`` ranking above the person, ``assessment.appeal``
by the person, ``assessment.decide`` by the role of the appeal's level), always with the person's
subsidiary: the other subsidiary gets 403 and nothing is written. A body is checked against the
OpenAPI document first (422 naming the field); a person or supervisor that does not exist is a 404; a
well-formed request the rules refuse (a day after today, fewer points that are not fewer, a notice
already cancelled) is a 409 naming the field. The person is told in the app when a notice is issued
against them and when an appeal is decided. The operations are in the OpenAPI document
(``webui.openapi``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, g, jsonify, request

from engine.assessment import DECISIONS, Assessment
from engine.errors import FormError, NotFoundError, PermissionDenied, UnknownReference
from engine.store.assessment_repo import AssessmentRepo
from webui.api import _args, _refuse, refusal, token_required
from webui.context import services
from webui.form_schema import DATE, problems
from webui.openapi import _SOME_TEXT, _TEXT, MONTH

__all__ = ["appeal_schema", "bp", "decision_schema", "init_app", "issue_schema"]

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


_LOGIN = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_.-]+$"}
_WORDS = {**_SOME_TEXT, "maxLength": 2000}


def issue_schema(issues: list[str], most: int) -> dict[str, Any]:
    """The body of a new notice: the group policy's issue codes and 1 … dismissal_points points."""
    return {"type": "object", "additionalProperties": False,
            "required": ["person", "issue", "points", "occurred_on", "text"],
            "properties": {"person": _LOGIN, "issue": {"enum": issues},
                           "points": {"type": "integer", "minimum": 1, "maximum": most},
                           "occurred_on": {"type": "string", "format": "date", "pattern": DATE,
                                           "description": "the day it happened (not after today); "
                                           "its month is the month it counts in"},
                           "text": _WORDS,
                           "supervisor": {**_LOGIN, "description": "the direct supervisor, when not the "
                                          "nearest higher rank"},
                           "supervisor_liable": {"type": "boolean", "description": "经查实: the "
                                                 "supervisor's fault is proven (the 70/30 split)"}}}


def appeal_schema() -> dict[str, Any]:
    """The body of an appeal: why the notice is unfair."""
    return {"type": "object", "additionalProperties": False, "required": ["reason"],
            "properties": {"reason": _WORDS}}


def decision_schema(most: int) -> dict[str, Any]:
    """The body of a decision: upheld, reduced (to ``points``) or cancelled, with the reasons."""
    return {"type": "object", "additionalProperties": False, "required": ["decision", "answer"],
            "properties": {"decision": {"enum": list(DECISIONS)},
                           "points": {"type": "integer", "minimum": 1, "maximum": most,
                                      "description": "reduced: the points now, fewer than before"},
                           "answer": _WORDS}}


def _rules() -> Any:
    return _book().rules(None)


def _body(schema: dict[str, Any], what: str) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise FormError("the request body must be a JSON object", {"body": "expected a JSON object"},
                        zh="请求内容须为 JSON 对象")
    found = problems(schema, body)
    if found:
        raise _refuse(found, what)
    return body


def _staff(login: str, field: str) -> None:
    with services().store.read() as tx:
        found = tx.staff(login)
    if found is None or not found.active:
        raise UnknownReference(f"no active staff member {login!r}", {field: "no active staff member"},
                               zh=f"没有在职员工“{login}”")


def _notice_body(notice: Any, rules: Any, appeals: list[Any] | None = None) -> dict[str, Any]:
    body = _notice(notice, rules)
    body["month"] = notice.month
    if appeals is not None:
        body["appeals"] = [{"level": a.level, "role": a.role, "reason": a.reason,
                            "appealed_by": a.appealed_by,
                            "appealed_at": a.appealed_at.isoformat(), "decision": a.decision,
                            "points_after": a.points_after, "answer": a.answer, "decided_by": a.decided_by,
                            "decided_at": a.decided_at.isoformat() if a.decided_at else None}
                           for a in appeals]
    return body


@bp.post("/notices")
@token_required
def issue_notice() -> Any:
    """Issue a violation notice against a person (``assessment.issue``); the person is told in the app."""
    rules = _rules()
    body = _body(issue_schema([c for c, _ in rules.issues], rules.dismissal_points), "the notice")
    _staff(str(body["person"]), "person")
    if body.get("supervisor"):
        _staff(str(body["supervisor"]), "supervisor")
    book = _book()
    try:
        notice = book.issue(g.api_actor.login, person=str(body["person"]), issue=str(body["issue"]),
                            points=body["points"], occurred_on=body["occurred_on"], text=str(body["text"]),
                            supervisor=body.get("supervisor"),
                            supervisor_liable=bool(body.get("supervisor_liable", False)))
    except FormError as exc:
        if "rank above" in exc.message:  # the issuing roles of the policy: a question of who, not of what
            raise PermissionDenied(exc.message, zh=exc.zh) from None
        raise refusal(exc) from None
    return jsonify(_notice_body(notice, book.rules(notice.subsidiary), [])), 201


@bp.get("/notices/<int:notice_id>")
@token_required
def read_notice(notice_id: int) -> Any:
    """A notice with its appeals: for its person, their supervisor or a reader of the person's unit."""
    book = _book()
    notice, appeals = book.notice_view(g.api_actor.login, notice_id)
    return jsonify(_notice_body(notice, book.rules(notice.subsidiary), appeals))


@bp.post("/notices/<int:notice_id>/appeal")
@token_required
def appeal_notice(notice_id: int) -> Any:
    """The person appeals the notice to the next level of ``assessment.appeal_chain``."""
    body = _body(appeal_schema(), "the appeal")
    book = _book()
    try:
        book.appeal(g.api_actor.login, notice_id, str(body["reason"]))
    except FormError as exc:
        raise refusal(exc) from None
    notice, appeals = book.notice_view(g.api_actor.login, notice_id)
    return jsonify(_notice_body(notice, book.rules(notice.subsidiary), appeals)), 201


@bp.post("/notices/<int:notice_id>/decision")
@token_required
def decide_notice(notice_id: int) -> Any:
    """The role of the appeal's level decides it; the person is told in the app."""
    body = _body(decision_schema(_rules().dismissal_points), "the decision")
    book = _book()
    try:
        notice = book.decide(g.api_actor.login, notice_id, str(body["decision"]), points=body.get("points"),
                             answer=str(body["answer"]))
    except FormError as exc:
        raise refusal(exc) from None
    with services().store.read() as tx:
        appeals = AssessmentRepo(tx).appeals(notice.id)
    return jsonify(_notice_body(notice, book.rules(notice.subsidiary), appeals))


def init_app(app: Flask) -> None:
    """Register the blueprint (token-authenticated, so exempt from the form CSRF check)."""
    from webui import csrf

    app.register_blueprint(bp)
    csrf.exempt(bp)
