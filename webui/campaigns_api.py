"""``/api/v1/campaigns``: survey campaigns (R6.3) for integrations — the campaigns of one's projects
with their coverage, one campaign's progress with the households still to reach, and a household's
visit recorded as a phone record signed by two staff (JSON) or as the owner's signed survey (multipart
with the signed form).

The same questions as the pages (``engine.campaigns``: ``campaign.read`` and ``campaign.visit`` with
the project's subsidiary; the other subsidiary gets 403 and nothing is written). A body is checked
against the OpenAPI document first (422 naming the field); a well-formed visit the campaign's rules
refuse (a survey recorded by phone, a day outside the period, a household reached already) is a 409
that names the field, in English and Chinese; a household the campaign does not reach is a 404.
"""

from __future__ import annotations

import base64
from typing import Any

from flask import Blueprint, Flask, g, jsonify, request

from engine.campaigns import Campaigns
from engine.errors import FormError, NotFoundError, UnknownReference
from webui.api import _args, _refuse, refusal, token_required
from webui.context import services
from webui.form_schema import DATE, problems
from webui.openapi import _SOME_TEXT, _TEXT

__all__ = ["bp", "init_app", "visit_schema"]

bp = Blueprint("campaigns_api", __name__, url_prefix="/api/v1/campaigns")
_LOGIN = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_.-]+$"}
_DAY = {"type": "string", "format": "date", "pattern": DATE}
_RECORD = {**_SOME_TEXT, "maxLength": 4000}


_BASE64 = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"


def visit_schema(scale: list[str]) -> dict[str, Any]:
    """The JSON body of a visit: a phone record names the colleague who signs it too; a signed survey
    carries the owner's signed form (PDF, PNG or JPEG, base64)."""
    return {"type": "object", "additionalProperties": False, "required": ["household", "method", "record"],
            "properties": {
                "household": {**_TEXT, "minLength": 1, "maxLength": 64},
                "method": {"type": "string", "enum": ["phone", "signed_survey"]},
                "record": _RECORD,
                "satisfaction": {"type": "string", "enum": scale,
                                 "description": "required in a satisfaction survey"},
                "second_signer": {**_LOGIN, "description": "phone: the second staff member who signs"},
                "day": {**_DAY, "description": "the day of the visit, within the period (default today)"},
                "signed_form": {"type": "string", "contentEncoding": "base64", "pattern": _BASE64,
                                "maxLength": 14_000_000,
                                "description": "signed_survey: the owner's signed form, PDF, PNG or JPEG "
                                "up to 10 MB, base64"}}}


def _book() -> Campaigns:
    svc = services()
    return Campaigns(svc.store, svc.clock, svc.policies, svc.data_dir)


def _scale() -> list[str]:
    return [str(s["code"]) for s in services().policy(None).get("satisfaction.scale")]


def _summary(progress: Any) -> dict[str, Any]:
    body = progress.as_dict()
    body.pop("remaining", None)
    return body


@bp.get("")
@token_required
def list_campaigns() -> Any:
    """The campaigns of the projects the caller covers, newest period first: ``?project=CODE``."""
    project = str(_args({"project": _TEXT}).get("project", ""))
    found = _book().listing(g.api_actor.login)
    if project:
        units = services().units()
        if project not in units or units[project].kind != "project":
            raise NotFoundError(f"no project {project!r}", zh=f"没有项目“{project}”")
        found = [p for p in found if p.campaign.project == project]
    return jsonify({"items": [_summary(p) for p in found]})


@bp.get("/<int:campaign_id>")
@token_required
def progress(campaign_id: int) -> Any:
    """A campaign's live coverage against its target, with the households still to reach."""
    return jsonify(_book().progress(g.api_actor.login, campaign_id).as_dict())


def _conflict(exc: FormError) -> Exception:
    """A schema-valid visit the rules refuse: 404 for a household the campaign does not reach, else 409
    naming the field (the body was well formed; the campaign's rules or state refuse it)."""
    if set(exc.errors) == {"household"}:
        zh = dict(getattr(exc, "errors_zh", None) or exc.errors)
        missing = UnknownReference(f"the campaign does not reach household: {exc.errors['household']}",
                                   dict(exc.errors), zh=zh["household"])
        missing.errors_zh = zh  # type: ignore[attr-defined]
        return missing
    return refusal(exc)


@bp.post("/<int:campaign_id>/visits")
@token_required
def record(campaign_id: int) -> Any:
    """Record one household's visit: a phone record with its second signer, or a signed survey with the
    form (base64)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise FormError("the request body must be a JSON object", {"body": "expected a JSON object"},
                        zh="请求内容须为 JSON 对象")
    found = problems(visit_schema(_scale()), body)
    if found:
        raise _refuse(found, "the visit")
    form = base64.b64decode(body["signed_form"]) if body.get("signed_form") else None
    book = _book()
    book.progress(g.api_actor.login, campaign_id)  # 404 unknown campaign, 403 outside one's projects
    second = body.get("second_signer")
    if second:
        with services().store.read() as tx:
            known = tx.staff(str(second))
        if known is None:
            raise UnknownReference(f"no staff member {second!r}", {"second_signer": "no such staff member"},
                                   zh=f"没有员工“{second}”")
    try:
        visit = book.record(g.api_actor.login, campaign_id, household=str(body["household"]),
                            method=str(body["method"]), record=str(body["record"]),
                            satisfaction=body.get("satisfaction"), second_signer=second,
                            day=body.get("day"), signed_form=form)
    except FormError as exc:
        raise _conflict(exc) from None
    out = {k: visit.get(k) for k in ("household", "method", "satisfaction", "recorded_by", "second_signer")}
    out["visited_on"] = visit["visited_on"].isoformat()
    out["signed_form"] = bool(visit.get("file"))
    return jsonify({"campaign": campaign_id, **out,
                    "progress": _summary(book.progress(g.api_actor.login, campaign_id))}), 201


def init_app(app: Flask) -> None:
    """Register the blueprint (token-authenticated, so exempt from the form CSRF check)."""
    from webui import csrf

    app.register_blueprint(bp)
    csrf.exempt(bp)
