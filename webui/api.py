"""JSON API ``/api/v1`` for integrations (hotline, WeChat, app): bearer tokens, the pages' checks.

Every request is checked against the OpenAPI document first (``webui/openapi.py``): a body or
query parameter outside its schema is a 422 naming the field, in English and Chinese, before any
engine call. The engine then applies its own rules and permissions.
"""

from __future__ import annotations

import math
from dataclasses import asdict, fields
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request, url_for

from engine.errors import ConflictError, FormError
from engine.processes.registry import worker_only_refusal
from engine.store.case_queries import CaseFilter
from engine.store.web_queries import COUNT_CAP, SORTS, VIEWS, InboxFilter
from webui.context import services
from webui.form_schema import NO_NUL, FormSchemas, problems
from webui.models import InboxRow
from webui.openapi import CASE_LIST_PARAMS, ITEMS_PER_PAGE, MONTH, QUARTER, YEAR, openapi_document
from webui.viewdata import mask_phone

__all__ = ["RuleRefusal", "bp", "init_app", "refusal"]

bp = Blueprint("api", __name__, url_prefix="/api/v1")
_TEXT = {"type": "string", "maxLength": 200, "pattern": NO_NUL}
_PAGE = {"type": "integer", "minimum": 1, "maximum": 100_000}


def token_required(view: Any) -> Any:
    """Authenticate ``Authorization: Bearer <token>``; 401 JSON otherwise."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        # a read, or an intake, asks the policy: its versions in force come with the token's row, and an
        # intake's process's current version with them
        intake = request.endpoint == "api.open_case"
        reading = request.method == "GET" or intake
        body = request.get_json(silent=True) if intake else None
        process = body.get("process") if isinstance(body, dict) else None
        process = process if isinstance(process, str) and 0 < len(process) <= 64 else None
        actor, check = (services().check_token(token, with_reading=reading, process=process) if token
                        else (None, None))
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


def _schemas() -> FormSchemas:
    svc = services()
    cached = getattr(svc, "_api_form_schemas", None)
    if cached is None:  # policies and diagrams do not change while the app runs
        cached = FormSchemas(svc.registry, svc.policy(None), _calendar_years(svc))
        svc._api_form_schemas = cached  # type: ignore[attr-defined]
    return cached


def _calendar_years(svc: Any) -> tuple[int, int]:
    """The run of years around this one that the calendar has files or statutory rules for, less the
    last (a deadline from its last days would fall into a year without data)."""
    days = svc.policy(None).calendar.days
    this = svc.clock.now().year
    if days.status(this) == "missing":
        return this, this
    low, high = this, this
    while low > this - 50 and days.status(low - 1) != "missing":
        low -= 1
    while high < this + 100 and days.status(high + 1) != "missing":
        high += 1
    return low, max(this, high - 1)


def _refuse(found: dict[str, tuple[str, str]], what: str) -> FormError:
    error = FormError(f"{len(found)} field(s) of {what} break the API's schema (see /api/v1/openapi.json)",
                      {k: en for k, (en, _) in found.items()})
    error.errors_zh = {k: zh for k, (_, zh) in found.items()}  # type: ignore[attr-defined]
    return error


class RuleRefusal(ConflictError, FormError):
    """A well-formed request the rules or the record's state refuse: 409 (as the OpenAPI document
    promises a schema-valid body is never a 422), with the fields named like a 422's."""

    code = "kefu.E409"

    def __init__(self, message: str, errors: dict[str, str], *, zh: str | None = None) -> None:
        FormError.__init__(self, message, errors, zh=zh)


def refusal(exc: FormError) -> RuleRefusal:
    """The engine's FormError about a schema-valid body, as a 409 naming the same fields."""
    found = RuleRefusal(f"refused by the rules: {exc}", dict(exc.errors), zh=exc.zh)
    found.errors_zh = dict(getattr(exc, "errors_zh", None) or exc.errors)  # type: ignore[attr-defined]
    return found


def _json_body(*keys: str) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise FormError("the request body must be a JSON object", {"body": "expected a JSON object"})
    unknown = sorted(set(body) - set(keys))
    if unknown:
        raise FormError(f"unknown key(s) {unknown}; the body has {', '.join(keys)}",
                        {k: f"unknown key; use {', '.join(keys)}" for k in unknown})
    return body


def _args(spec: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The query parameters of ``spec`` (name → schema), converted and checked; absent ones left out."""
    values: dict[str, Any] = {}
    for name, schema in spec.items():
        given = request.args.getlist(name)
        if not given:
            continue
        if len(given) > 1:
            raise FormError(f"query parameter {name!r} is given {len(given)} times; give it once",
                            {name: "give it once"}, zh=f"查询参数 {name} 只能给一次")
        raw = given[0]
        if schema.get("type") == "integer":
            text = raw.strip()
            values[name] = int(text) if text.isdigit() and len(text) <= 9 else raw
        else:
            values[name] = raw
    found = problems({"type": "object", "properties": spec}, values)
    if found:
        raise _refuse(found, "the query")
    return values


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
    """Open a case: ``{"process": "complaint", "data": {...}}`` (the process's start form)."""
    body = _json_body("process", "data")
    forms = _schemas().start
    process_id = body.get("process")
    if isinstance(process_id, str) and process_id in _schemas().worker_only:  # R2.13: by the count only
        raise worker_only_refusal(process_id, _schemas().worker_only[process_id])
    if not isinstance(process_id, str) or process_id not in forms:
        known = ", ".join(forms)
        stages = _schemas().stages
        if isinstance(process_id, str) and process_id in stages:
            root = process_id
            while stages.get(root):
                root = stages[root]
            raise FormError(f"process {process_id!r} is a stage of {stages[process_id] or 'another process'} "
                            f"(one of its call activities) and opens no case on its own; open {root!r} "
                            f"(one of {known})", {"process": f"a stage; open {root}"},
                            zh=f"流程 {process_id} 是其他流程中的一个阶段（调用活动），不能单独受理；"
                               f"请受理 {root}")
        raise FormError(f"'process' must be one of {known}", {"process": f"one of {known}"})
    data = body.get("data")
    found = problems(forms[process_id], data) if "data" in body else {"data": ("required", "必填")}
    if found:
        raise _refuse(found, f"the {process_id} start form")
    base = current_app.config.get("KEFU_BASE_URL") or request.url_root
    opened = services().open_case(g.api_actor, process_id, dict(data or {}), answer_base=base)
    location = url_for("api.read_case", number=opened.number)
    return jsonify(_plain(asdict(opened))), 201, {"Location": location}


@bp.get("/cases")
@token_required
def list_cases() -> Any:
    """Cases the caller may see, newest first: ``?q=&process=&status=&state=open|closed&category=&unit=
    &from=&to=&overdue=true&assignee=&page=`` (the filters of the case list page)."""
    args = _args(CASE_LIST_PARAMS(sorted(_schemas().start)))
    zone = services().runtime.zone

    def day(key: str, shift: int = 0) -> datetime | None:
        if key not in args:
            return None
        return datetime.combine(datetime.fromisoformat(args[key]).date() + timedelta(days=shift), time(),
                                zone)

    flt = CaseFilter(process=args.get("process", ""), status=args.get("status", ""),
                     state=args.get("state", ""), unit=args.get("unit", ""), q=args.get("q", ""),
                     category=args.get("category", ""), overdue=args.get("overdue") == "true",
                     assignee=args.get("assignee", ""),
                     opened_from=day("from"), opened_before=day("to", 1), page=args.get("page", 1))
    rows, total = services().cases(g.api_actor, flt)
    pages = max(1, math.ceil(min(total, COUNT_CAP) / flt.per_page))
    items = [_plain(asdict(r)) for r in rows]
    for item in items:  # the list never shows a whole phone number (R0.8)
        item["customer_phone"] = mask_phone(item.get("customer_phone"))
    return jsonify({"total": total, "page": flt.page, "pages": pages, "items": items})


_INBOX_ROW_FIELDS = tuple(f.name for f in fields(InboxRow))


@bp.get("/tasks")
@token_required
def list_tasks() -> Any:
    """The caller's inbox: ``?view=mine|queue|overdue|all&q=&category=&sort=&page=``."""
    args = _args({"view": {"enum": list(VIEWS)}, "q": _TEXT, "category": _TEXT,
                  "sort": {"enum": sorted(SORTS)}, "page": _PAGE})
    view = args.get("view", "mine")
    flt = InboxFilter(q=args.get("q", "").strip(), category=args.get("category", ""),
                      sort=args.get("sort", "due"), page=args.get("page", 1))
    page = services().inbox(g.api_actor, view, flt)
    items = []
    for row in page.rows:  # a row's fields are plain values: no deep copy of each (dataclasses.asdict)
        item = {name: _plain(getattr(row, name)) for name in _INBOX_ROW_FIELDS}
        item["form"] = f"{row.process_id}.{row.spec}"
        items.append(item)
    return jsonify({"view": page.view, "total": page.total, "page": page.page, "pages": page.pages,
                    "counts": page.counts, "items": items})


@bp.get("/reports/monthly")
@token_required
def monthly_report() -> Any:
    """A unit's monthly statistics (R7.1): ``?month=YYYY-MM&unit=<group, subsidiary or project>``."""
    args = _args({"month": MONTH, "unit": _TEXT})
    if "month" not in args:
        raise FormError("query parameter 'month' is required (YYYY-MM, e.g. 2026-11)",
                        {"month": "required"}, zh="请填写月份（YYYY-MM）")
    return jsonify(services().monthly_report(g.api_actor, args["month"], args.get("unit")))


@bp.get("/reports/monthly/items")
@token_required
def monthly_report_items() -> Any:
    """One page of a unit's complaints of the month (the report's list, in receipt order):
    ``?month=YYYY-MM&unit=&page=1&per_page=50``."""
    from engine.reports.monthly import ITEMS_PER_PAGE as FIRST

    args = _args({"month": MONTH, "unit": _TEXT, "page": _PAGE, "per_page": ITEMS_PER_PAGE})
    if "month" not in args:
        raise FormError("query parameter 'month' is required (YYYY-MM, e.g. 2026-11)",
                        {"month": "required"}, zh="请填写月份（YYYY-MM）")
    return jsonify(services().monthly_report_items(g.api_actor, args["month"], args.get("unit"),
                                                   args.get("page", 1), args.get("per_page", FIRST)))


@bp.get("/reports/ranking")
@token_required
def ranking_report() -> Any:
    """The month's rankings (R7.2): ``?month=YYYY-MM&unit=<group, subsidiary or project>``."""
    args = _args({"month": MONTH, "unit": _TEXT})
    if "month" not in args:
        raise FormError("query parameter 'month' is required (YYYY-MM, e.g. 2026-11)",
                        {"month": "required"}, zh="请填写月份（YYYY-MM）")
    return jsonify(services().ranking_report(g.api_actor, args["month"], args.get("unit")))


@bp.get("/reports/quarterly")
@token_required
def quarterly_report() -> Any:
    """A unit's quarterly analysis (R7.1): ``?quarter=2026Q3&unit=<group, subsidiary or project>``."""
    args = _args({"quarter": QUARTER, "unit": _TEXT})
    if "quarter" not in args:
        raise FormError("query parameter 'quarter' is required (e.g. 2026Q3)", {"quarter": "required"},
                        zh="请填写季度（如 2026Q3）")
    return jsonify(services().quarterly_report(g.api_actor, args["quarter"], args.get("unit")))


@bp.get("/reports/bad-debt")
@token_required
def bad_debt_report() -> Any:
    """The year-end bad-debt analysis (R2.16): ``?year=2026&unit=<group, subsidiary or project>``."""
    args = _args({"year": YEAR, "unit": _TEXT})
    if "year" not in args:
        raise FormError("query parameter 'year' is required (e.g. 2026)", {"year": "required"},
                        zh="请填写年份（如 2026）")
    return jsonify(services().bad_debt_report(g.api_actor, args["year"], args.get("unit")))


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
    """Complete a task: ``{"task": "<process>.<task>", "data": {...}}`` (the task's form)."""
    body = _json_body("task", "data")
    forms = _schemas().tasks
    key = body.get("task")
    if not isinstance(key, str) or key not in forms:
        raise FormError("'task' must name the task's form as <process>.<task> (the `form` of the task in "
                        "GET /tasks or GET /cases/{number})", {"task": "unknown form"})
    data = body.get("data")
    found = problems(forms[key], data) if "data" in body else {"data": ("required", "必填")}
    if found:
        raise _refuse(found, f"the form {key}")
    # The task's own form is checked in the completion's transaction, with the task row it locks: an
    # unknown task is a 404, another task's form a 409 (it was a read transaction of its own before).
    number = services().complete(g.api_actor, task_id, dict(data or {}), form=key)
    return jsonify({"task_id": task_id, "case": number})


def _case_json(number: str) -> dict[str, Any]:
    page = services().case_page(g.api_actor, number)
    body = _plain(asdict(page))
    body.pop("case_id", None)
    body["summary"] = dict(page.summary)
    for task in body["tasks"]:
        task["form"] = f"{page.process_id}.{task['spec']}"
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
    unknown = sorted((set(request.form) - {"stage"}) | (set(request.files) - {"file"}))
    if unknown:
        names = [u[:40] or "(unnamed)" for u in unknown[:5]]
        raise FormError(f"unknown part(s) {names}; send 'file' and optionally 'stage'",
                        {name: "unknown part; the parts are file and stage" for name in names})
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise FormError("send the file as multipart field 'file'", {"file": "required"})
    saved = services().attach(g.api_actor, number, upload.filename, upload.mimetype or "", upload.read(),
                              stage=request.form.get("stage"))
    return jsonify(_plain(asdict(saved))), 201


@bp.post("/cases/<number>/withdraw")
@token_required
def withdraw(number: str) -> Any:
    """Withdraw a complaint: ``{"reason": "..."}`` (required)."""
    body = _json_body("reason")
    view = services().withdraw(g.api_actor, number, body.get("reason"))
    return jsonify({"number": view.number, "status": view.status})


@bp.post("/cases/<number>/phone")
@token_required
def reveal_phone(number: str) -> Any:
    """The customer's full phone number: an explicit ask, the page's rule, audited as phone.revealed."""
    return jsonify({"number": number, "customer_phone": services().reveal_phone(g.api_actor, number)})


@bp.post("/cases/<number>/merge")
@token_required
def merge(number: str) -> Any:
    """Propose merging a duplicate complaint into its original: ``{"into": "<number>"}``."""
    body = _json_body("into")
    proposal = services().propose_merge(g.api_actor, number, body.get("into"))
    return jsonify({"number": number, "into": proposal["into"], "status": "proposed"})


@bp.post("/cases/<number>/merge/confirm")
@token_required
def merge_confirm(number: str) -> Any:
    """A supervisor confirms the pending merge: the duplicate ends as ``merged``."""
    view = services().decide_merge(g.api_actor, number, True)
    return jsonify({"number": view.number, "status": view.status})


@bp.post("/cases/<number>/merge/reject")
@token_required
def merge_reject(number: str) -> Any:
    """A supervisor rejects the pending merge: the case runs on."""
    view = services().decide_merge(g.api_actor, number, False)
    return jsonify({"number": view.number, "status": view.status})


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3.1 description of this API."""
    forms = _schemas()
    stages = services().photo_stage_codes()
    return jsonify(openapi_document(forms, sorted(forms.start), stages))


def init_app(app: Flask) -> None:
    """Register the blueprint (token-authenticated, so exempt from the form CSRF check)."""
    from webui import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
