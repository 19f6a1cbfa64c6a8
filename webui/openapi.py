"""The OpenAPI 3.1 document of ``/api/v1``: request schemas generated from the forms files.

``POST /cases`` takes ``oneOf`` the processes' start forms (discriminator ``process``) and
``POST /tasks/{task_id}/complete`` ``oneOf`` the task forms (discriminator ``task``, written
``<process>.<task>``); choices are the group policy's lists. Every status code an operation
answers is declared, query parameters have enums and ranges, and links lead from a list or a new
case to the operations on it, so a client (or Schemathesis) reaches real ids.
"""

from __future__ import annotations

from typing import Any

from engine.reports.monthly import ITEMS_PER_PAGE as FIRST_ITEMS
from engine.reports.monthly import MAX_ITEMS_PER_PAGE
from engine.store.web_queries import SORTS, VIEWS
from webui.form_schema import DATE, NO_NUL, FormSchemas

__all__ = ["CASE_LIST_PARAMS", "CASE_LIST_TEXTS", "CASE_STATES", "SEARCH_FORMAT", "openapi_document"]

CASE_STATES = ("open", "closed")
# The search text of the case list: a word of at least three letters or digits (a phone's last four
# digits, a room, part of a number) or Chinese characters; the hooks of the contract test draw it.
SEARCH_FORMAT = "kefu-search"
CASE_LIST_TEXTS = {
    "q": "search: case number, customer name, phone or its last 4 digits, room, household, text of the "
         "case; every word must occur (words: 3+ letters or digits, or Chinese characters; a single Chinese "
         "character finds customers by surname; shorter words are a 422)",
    "process": "process id", "status": "the case's status, e.g. dispatched", "state": "open or closed",
    "category": "a complaint category code", "unit": "a subsidiary or project code",
    "from": "opened on or after this day", "to": "opened on or before this day",
    "overdue": "true: only cases with an open task past its due time",
    "assignee": "login of the person holding one of the case's open tasks",
}


def CASE_LIST_PARAMS(processes: list[str]) -> dict[str, dict[str, Any]]:  # noqa: N802 - a table
    """The query parameters of ``GET /cases`` (name → schema), shared by the API and its document."""
    text = {"type": "string", "maxLength": 200, "pattern": NO_NUL}
    day = {"type": "string", "format": "date", "pattern": DATE}
    return {"q": {**text, "maxLength": 100, "format": SEARCH_FORMAT}, "process": {"enum": processes},
            "status": text, "state": {"enum": list(CASE_STATES)}, "category": text, "unit": text,
            "from": day, "to": day, "overdue": {"enum": ["true", "false"]}, "assignee": text,
            "page": {"type": "integer", "minimum": 1, "maximum": 100_000}}
_STATUS_TEXT = {
    "401": "missing, unknown, revoked or expired API token, or its staff member is inactive",
    "403": "the token's staff member may not do this (role or org scope)",
    "404": "no such case, task, process, project, FAQ entry, campaign, household, notice or staff member "
           "(or not visible to the caller)",
    "409": "someone else changed the task or case first, or the task is not the form named in `task`; or "
           "a well-formed request the rules or the record's state refuse (`fields` names what)",
    "413": "the request body is too large",
    "422": "invalid input; `fields` maps each bad field or parameter to a message",
}
_TEXT = {"type": "string", "maxLength": 200, "pattern": NO_NUL}
# Text that is not blank: no NUL, and at least one character that is not white space or a control
# character (what the server strips before it checks a reason or a case number).
_SOME_TEXT = {"type": "string", "minLength": 1, "allOf": [
    {"pattern": NO_NUL},
    {"pattern": "[^\\s\\x00-\\x1f\\x7f-\\xa0\\u1680\\u2000-\\u200a"
                "\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"}]}
_TIME = {"type": ["string", "null"], "description": "ISO 8601 with offset"}
MONTH = {"type": "string", "pattern": "^20[0-9]{2}-(0[1-9]|1[0-2])$", "examples": ["2026-11"]}
# The API offers quarters (statistics.analysis_every_months: 3); other period lengths are the CLI's.
QUARTER = {"type": "string", "pattern": "^20[0-9]{2}Q[1-4]$", "examples": ["2026Q3"]}
YEAR = {"type": "integer", "minimum": 2000, "maximum": 2099, "examples": [2026]}
# Complaints a page of the monthly report's list holds.
ITEMS_PER_PAGE = {"type": "integer", "minimum": 1, "maximum": MAX_ITEMS_PER_PAGE, "default": FIRST_ITEMS}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _op(op_id: str, summary: str, ok: tuple[str, str, dict[str, Any]], errors: tuple[str, ...], *,
        body: dict[str, Any] | None = None, params: list[dict[str, Any]] | None = None,
        links: dict[str, Any] | None = None, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    status, text, schema = ok
    success: dict[str, Any] = {"description": text, "content": _json(schema)}
    if links:
        success["links"] = links
    if headers:
        success["headers"] = headers
    responses = {status: success}
    for code in ("401", *errors):
        responses[code] = {"description": _STATUS_TEXT[code], "content": _json(_ref("Error"))}
    op: dict[str, Any] = {"operationId": op_id, "summary": summary, "responses": responses}
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    if params:
        op["parameters"] = params
    return op


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_.-]+$"}}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


_PAGE = _query("page", "page number from 1", {"type": "integer", "minimum": 1, "maximum": 100_000})
_LINK_TASK = {"task_id": "$response.body#/items/0/task_id"}


def _task_links() -> dict[str, Any]:
    return {name: {"operationId": op, "parameters": _LINK_TASK}
            for name, op in (("ClaimFirst", "claimTask"), ("ReleaseFirst", "releaseTask"),
                             ("CompleteFirst", "completeTask"))}


def _case_links(pointer: str) -> dict[str, Any]:
    number = {"number": f"$response.body#{pointer}"}
    return {name: {"operationId": op, "parameters": number}
            for name, op in (("ReadCase", "readCase"), ("ReadTimeline", "readTimeline"),
                             ("Attach", "attachFile"))}


def _ranking() -> dict[str, Any]:
    score = {"type": ["number", "null"], "minimum": 0, "maximum": 100}
    rank = {"type": ["integer", "null"], "minimum": 1}
    unit = {"type": "object",
            "required": ["unit", "rank", "score", "on_time_rate", "efficiency", "satisfaction"],
            "properties": {"unit": {"type": "string"}, "name": {"type": "string"}, "rank": rank,
                           "valid": {"type": "integer"}, "on_time_rate": score, "efficiency": score,
                           "satisfaction": score, "score": score}}
    specialist = {"type": "object", "required": ["login", "rank", "rating", "bottom", "flagged"],
                  "properties": {
        "login": {"type": "string"}, "name": {"type": "string"}, "rated": {"type": "integer"},
        "rating": {"type": "number"}, "rank": {"type": "integer"}, "bottom": {"type": "boolean"},
        "bottom_months": {"type": "integer"}, "flagged": {"type": "boolean"}}}
    return {"type": "object",
            "required": ["month", "unit", "metrics", "companies", "projects", "specialists"],
            "properties": {
                "month": MONTH, "unit": {"type": "string"},
                "level": {"enum": ["group", "subsidiary", "project"]},
                "metrics": {"type": "array", "items": {"type": "object", "required": ["code", "weight"]}},
                "companies": {"type": "array", "items": unit, "description": "at the group only"},
                "projects": {"type": "array", "items": unit},
                "specialists": {"type": "array", "items": specialist},
                "specialist_rule": {"type": "object"}}}


def _monthly_report() -> dict[str, Any]:
    counts = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
    number = {"type": "integer", "minimum": 0}
    rate = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
    deadline = {"type": "object", "required": ["due", "on_time", "late", "rate"], "properties": {
        "due": number, "on_time": number, "late": number, "rate": rate}}
    alongside = {"type": "object", "required": ["received", "closed", "open"], "properties": {
        "received": number, "closed": number, "open": number}}
    complaints = {"type": "object", "required": ["received", "valid", "closed", "open", "unresolvable",
                                                 "by_category", "by_project"], "properties": {
        "received": number, "valid": number, "closed": number, "open": number, "unresolvable": number,
        "by_category": counts, "by_project": counts, "by_channel": counts, "by_urgency": counts,
        "by_department": counts, "by_project_category": {"type": "object", "additionalProperties": counts},
        "items_total": {**number, "description": "complaints in the list (items): every one received"}}}
    return {"type": "object", "required": ["month", "unit", "complaints", "deadlines", "handling",
                                           "return_visits", "repairs", "consultations", "items"],
            "properties": {
                "month": MONTH, "unit": {"type": "string"}, "unit_name": {"type": "string"},
                "level": {"enum": ["group", "subsidiary", "project"]}, "as_of": _TIME,
                "final": {"type": "boolean", "description": "the month had ended: the figures are final"},
                "complaints": complaints,
                "deadlines": {"type": "object", "additionalProperties": deadline,
                              "description": "dispatch, visit, reply, completion, cooperation"},
                "cooperation_by_department": {
                    "type": "object", "additionalProperties": deadline,
                    "description": "R2.4 per cooperating department (its code): its parts fallen due, "
                                   "confirmed in time and late"},
                "handling": {"type": "object", "properties": {
                    "closed": number, "working_minutes": number,
                    "average_working_hours": {"type": ["number", "null"]}}},
                "return_visits": {"type": "object", "properties": {
                    "closed": number, "visited": number, "coverage": rate, "satisfaction": counts}},
                "repairs": alongside, "consultations": alongside,
                "items": {"type": "array", "items": _ref("ReportItem"),
                          "description": "the first page of the month's complaints (items_page)"},
                "items_page": _ref("ReportItemsPage"),
                "names": {"type": "object"}}}


def _report_items() -> dict[str, Any]:
    """A complaint of the monthly report's list, and where a page of that list stands."""
    text = {"type": "string"}
    required = ["number", "received_at", "content", "corrective", "valid", "closed"]
    item = {"type": "object", "required": required,
            "properties": {"number": text, "project": {"type": ["string", "null"]},
                           "category": {"type": ["string", "null"]}, "received_at": _TIME,
                           "content": text, "corrective": text, "valid": {"type": "boolean"},
                           "closed": {"type": "boolean", "description": "closed by the report's as_of"},
                           "outcome": {"type": ["string", "null"]}}}
    href = {"type": ["string", "null"], "description": "the API address of that page (null: there is none)"}
    where = {"page": {"type": "integer", "minimum": 1},
             "per_page": {"type": ["integer", "null"], "description": "null: the whole list"},
             "pages": {"type": "integer", "minimum": 1},
             "total": {"type": "integer", "minimum": 0}, "next": href, "previous": href}
    page = {"type": "object", "required": ["page", "per_page", "pages", "total", "next", "previous"],
            "properties": where}
    listing = {"type": "object", "required": ["month", "unit", "total", "page", "per_page", "pages", "items"],
               "properties": {**where, "month": MONTH, "unit": text, "unit_name": text,
                              "as_of": _TIME, "final": {"type": "boolean"},
                              "items": {"type": "array", "items": _ref("ReportItem")}}}
    return {"ReportItem": item, "ReportItemsPage": page, "ReportItems": listing}


def _assessment() -> dict[str, Any]:
    yuan = {"type": "string", "pattern": "^-?[0-9]+\\.[0-9]{2}$", "description": "yuan, two decimals"}
    count = {"type": "integer", "minimum": 0}
    person: dict[str, Any] = {"type": "object", "required": ["person", "points", "total", "published"],
                              "properties": {
        "person": {"type": "string"}, "points": count, "notices": count, "point_fine": yuan,
        "extra_fine": yuan, "shared_with_supervisor": yuan, "as_supervisor": yuan, "total": yuan,
        "sanction": {"type": "boolean"}, "dismissal": {"type": "boolean"}, "published": {"type": "boolean"},
        "repeats": {"type": "object", "additionalProperties": count},
        "liable_for": {"type": "object", "additionalProperties": yuan}}}
    notice = {"type": "object", "required": ["id", "person", "issue", "points", "occurred_on", "status"],
              "properties": {"id": {"type": "integer"}, "person": {"type": "string"},
                             "supervisor": {"type": ["string", "null"]}, "issue": {"type": "string"},
                             "issue_name": {"type": "string"}, "points": count, "issued_points": count,
                             "occurred_on": {"type": "string", "format": "date"},
                             "status": {"enum": ["in_force", "appealed", "cancelled"]},
                             "proven": {"type": "boolean"}, "issued_by": {"type": "string"},
                             "text": {"type": "string"}}}
    notices = {"type": "array", "items": notice}
    return {
        "AssessmentMonth": {"type": "object", "required": ["unit", "month", "people", "public", "notices"],
                            "properties": {"unit": {"type": "string"}, "month": MONTH,
                                           "people": {"type": "array", "items": person},
                                           "public": {"type": "array", "items": {"type": "string"}},
                                           "notices": notices}},
        "AssessmentStatement": {**person, "required": [*person["required"], "month", "notices"],
                                "properties": {**person["properties"], "month": MONTH, "notices": notices}},
    }


def _campaigns() -> dict[str, Any]:
    count = {"type": "integer", "minimum": 0}
    counts = {"type": "object", "additionalProperties": count}
    campaign: dict[str, Any] = {"type": "object", "required": ["id", "project", "kind", "starts_on",
                                                               "ends_on", "target_percent", "households",
                                                               "reached", "coverage", "needed", "met"],
                                "properties": {
        "id": {"type": "integer"}, "project": {"type": "string"}, "kind": {"enum": ["opinion", "survey"]},
        "starts_on": {"type": "string", "format": "date"}, "ends_on": {"type": "string", "format": "date"},
        "target_percent": {"type": "integer", "minimum": 0, "maximum": 100}, "households": count,
        "reached": count, "coverage": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        "needed": count, "met": {"type": "boolean"}, "by_method": counts, "satisfaction": counts}}
    household = {"type": "object", "required": ["code", "room"], "properties": {
        "code": {"type": "string"}, "room": {"type": ["string", "null"]},
        "owner_name": {"type": ["string", "null"]}}}
    return {"Campaign": campaign,
            "CampaignProgress": {**campaign, "required": [*campaign["required"], "remaining"],
                                 "properties": {**campaign["properties"], "remaining": {
                                     "type": "array", "items": household,
                                     "description": "the households still to reach, by room"}}}}


def _write_paths(forms: FormSchemas) -> dict[str, Any]:
    """The survey-campaign and assessment operations (R6.3, R8)."""
    from webui.assessment_api import appeal_schema, decision_schema, issue_schema
    from webui.campaigns_api import visit_schema

    policy = forms.policy
    scale = [str(s["code"]) for s in policy.get("satisfaction.scale")]
    issues = [str(i["code"]) for i in policy.get("assessment.issues")]
    most = int(policy.get("assessment.dismissal_points"))
    cid = {"name": "campaign_id", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
    nid = {"name": "notice_id", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
    appeal = {"type": "object", "required": ["level", "role", "reason", "decision"], "properties": {
        "level": {"type": "integer", "minimum": 0}, "role": {"type": "string"}, "reason": {"type": "string"},
        "appealed_by": {"type": "string"}, "appealed_at": {"type": "string"},
        "decision": {"type": ["string", "null"]}, "points_after": {"type": ["integer", "null"]},
        "answer": {"type": ["string", "null"]}, "decided_by": {"type": ["string", "null"]},
        "decided_at": _TIME}}
    notice = {"type": "object", "required": ["id", "person", "issue", "points", "status", "month", "appeals"],
              "properties": {"id": {"type": "integer"}, "person": {"type": "string"},
                             "supervisor": {"type": ["string", "null"]}, "issue": {"type": "string"},
                             "issue_name": {"type": "string"}, "points": {"type": "integer", "minimum": 0},
                             "issued_points": {"type": "integer"}, "occurred_on": {"type": "string"},
                             "month": MONTH, "status": {"enum": ["in_force", "appealed", "cancelled"]},
                             "proven": {"type": "boolean"}, "issued_by": {"type": "string"},
                             "text": {"type": "string"}, "appeals": {"type": "array", "items": appeal}}}
    visit = {"type": "object", "required": ["campaign", "household", "method", "visited_on", "progress"],
             "properties": {"campaign": {"type": "integer"}, "household": {"type": "string"},
                            "method": {"enum": ["phone", "signed_survey"]},
                            "satisfaction": {"type": ["string", "null"]}, "recorded_by": {"type": "string"},
                            "second_signer": {"type": ["string", "null"]}, "visited_on": {"type": "string"},
                            "signed_form": {"type": "boolean"}, "progress": _ref("Campaign")}}
    notice_links = {name: {"operationId": op, "parameters": {"notice_id": "$response.body#/id"}}
                    for name, op in (("ReadNotice", "readNotice"), ("AppealNotice", "appealNotice"),
                                     ("DecideNotice", "decideNotice"))}
    return {
        "/campaigns": {"get": _op(
            "listCampaigns", "The survey campaigns of the caller's projects with their coverage (R6.3)",
            ("200", "newest period first", {"type": "object", "required": ["items"], "properties": {
                "items": {"type": "array", "items": _ref("Campaign")}}}), ("404", "422"),
            links={"ReadFirst": {"operationId": "campaignProgress",
                                 "parameters": {"campaign_id": "$response.body#/items/0/id"}}},
            params=[_query("project", "only this project's campaigns", _TEXT)])},
        "/campaigns/{campaign_id}": {"get": _op(
            "campaignProgress", "A campaign's live coverage against its target and the households still to "
            "reach", ("200", "the progress", _ref("CampaignProgress")), ("403", "404"), params=[cid])},
        "/campaigns/{campaign_id}/visits": {"post": _op(
            "recordVisit", "Record a household's visit: a phone record signed by the recorder and a second "
            "colleague, or the owner's signed survey (the form in base64); 409 when the "
            "campaign's rules refuse it (a satisfaction survey by phone, a day outside the period, a "
            "household reached already), fields named",
            ("201", "the visit and the campaign's coverage now", visit), ("403", "404", "409", "413", "422"),
            body=_json(visit_schema(scale)), params=[cid])},
        "/assessment/notices": {"post": _op(
            "issueNotice", "Issue a violation notice (R8.1) as a role of assessment.issuers ranking above "
            "the person; the person is told in the app; 409 when the rules refuse it (a day after today)",
            ("201", "the notice", notice), ("403", "404", "409", "422"),
            body=_json(issue_schema(issues, most)), links=notice_links)},
        "/assessment/notices/{notice_id}": {"get": _op(
            "readNotice", "A violation notice with its appeals (its person, their supervisor, a reader of "
            "the person's unit)", ("200", "the notice", notice), ("403", "404"), params=[nid])},
        "/assessment/notices/{notice_id}/appeal": {"post": _op(
            "appealNotice", "The person appeals the notice to the next level of assessment.appeal_chain "
            "(R8.2); 409 when it is not in force or the last level has decided",
            ("201", "the notice with its appeals", notice), ("403", "404", "409", "422"),
            body=_json(appeal_schema()), params=[nid])},
        "/assessment/notices/{notice_id}/decision": {"post": _op(
            "decideNotice", "The role of the appeal's level decides it: upheld, reduced (to fewer points) or "
            "cancelled; the person is told in the app; 409 when no appeal waits or the points are not fewer",
            ("200", "the notice with its appeals", notice), ("403", "404", "409", "422"),
            body=_json(decision_schema(most)), params=[nid])},
    }


def _reviews() -> dict[str, Any]:
    count = {"type": "integer", "minimum": 0}
    item = {"type": "object", "required": ["id", "position", "case_number", "data"], "properties": {
        "id": {"type": "integer"}, "position": {"type": "integer"}, "case_id": {"type": "string"},
        "case_number": {"type": "string"},
        "data": {"type": "object", "description": "the complaint as it stood: project, opened_at, severity, "
                                                  "category, status, responsible_department, content"},
        "note": {"type": ["string", "null"]}, "noted_by": {"type": ["string", "null"]}, "noted_at": _TIME}}
    task = {"type": "object", "required": ["id", "department", "due_at", "data"], "properties": {
        "id": {"type": "integer"}, "review_id": {"type": "integer"}, "subsidiary": {"type": "string"},
        "department": {"type": "string"}, "candidate_group": {"type": "string"}, "opened_at": _TIME,
        "due_at": _TIME, "data": {"type": "object", "description": "period, count, categories {code: n}"},
        "answer": {"type": ["string", "null"]}, "answered_by": {"type": ["string", "null"]},
        "answered_at": _TIME}}
    review = {"type": "object", "required": ["id", "kind", "unit", "period", "status"], "properties": {
        "id": {"type": "integer"}, "kind": {"enum": ["leftover", "major", "systemic"]},
        "unit": {"type": "string"},
        "period": {"type": "string", "examples": ["2026-W49", "2026-12", "2026Q3"]},
        "occurrence_at": _TIME, "reviewer_role": {"type": ["string", "null"]},
        "generated_by": {"type": "string"}, "generated_at": _TIME, "status": {"enum": ["open", "signed"]},
        "signed_by": {"type": ["string", "null"]}, "signed_at": _TIME, "summary": {"type": "object"},
        "items": {"oneOf": [count, {"type": "array", "items": item}],
                  "description": "in a list: how many; in one list: the complaints"},
        "noted": count, "tasks": {"type": "array", "items": task}, "may_sign": {"type": "boolean"}}}
    return {"Review": review, "ReviewItem": item, "ReviewTask": task}


def _components(forms: FormSchemas) -> dict[str, Any]:
    task = {"type": "object", "required": ["task_id", "form", "title"], "properties": {
        "task_id": {"type": "string"}, "spec": {"type": "string"}, "title": {"type": "string"},
        "form": {"type": "string", "description": "the `task` value its completion names"},
        "assignee": {"type": ["string", "null"]}, "due_at": _TIME, "fields": {"type": "array"}}}
    text = {"type": "object", "required": ["zh", "en"], "properties": {
        "zh": {"type": "string"}, "en": {"type": "string"}}}
    value = {"type": "object", "required": ["name", "label", "value", "text"],
             "description": "a submitted field: label, value as sent (codes, ISO times), text as shown",
             "properties": {"name": {"type": "string"}, "label": {"type": "object"}, "value": {},
                            "text": text, "type": {"type": "string"}, "by": {"type": "string"},
                            "step": {"type": "string"}}}
    step = {"type": "object", "required": ["task_id", "spec", "title", "by", "at", "fields"], "properties": {
        "task_id": {"type": "string"}, "spec": {"type": "string"}, "title": {"type": "string"},
        "by": {"type": "string", "description": "the staff member's name"}, "by_login": {"type": "string"},
        "at": {"type": "string"}, "due_at": {"type": ["string", "null"]},
        "late": {"type": ["boolean", "null"]},
        "fields": {"type": "array", "items": _ref("FieldValue")}}}
    closure = {"type": ["object", "null"], "required": ["status", "outcome_name", "path"], "properties": {
        "status": {"type": "string"}, "outcome": {"type": ["string", "null"]}, "outcome_name": text,
        "satisfaction": {"oneOf": [{"type": "null"}, _ref("FieldValue")]},
        "path": {"type": "array", "items": {"type": "string"}},
        "ended": {"type": ["object", "null"], "required": ["kind", "by", "at"],
                  "description": "a withdrawn or merged complaint: who ended it, when, why or into which",
                  "properties": {"kind": {"enum": ["withdrawn", "merged"]}, "by": {"type": "string"},
                                 "at": _TIME, "reason": {"type": "string"}, "into": {"type": "string"}}}}}
    task["properties"]["shows"] = {  # type: ignore[index]
        "type": "array", "items": _ref("FieldValue"),
        "description": "the earlier fields this task decides on (its form's `shows`)"}
    case = {"type": "object", "required": ["number", "process_id", "status", "tasks"], "properties": {
        "number": {"type": "string"}, "process_id": {"type": "string"}, "status": {"type": "string"},
        "status_name": text, "phone_masked": {"type": "boolean"}, "opened_at": _TIME, "closed_at": _TIME,
        "first_receiver": {"type": "string"},
        "tasks": {"type": "array", "items": _ref("Task")},
        "steps": {"type": "array", "items": _ref("Step"),
                  "description": "every completed step, oldest first"},
        "closure": closure,
        "waiting": {"type": "array", "description": "where the open case waits besides its open tasks: an "
                    "event-based gateway, a catch event or a boundary timer of no open step (a visitor "
                    "waiting for the host's answer, a checked complaint's week without a repeat); `process` "
                    "is the diagram it is drawn in, `elements` what the case page marks, `due_at` the "
                    "earliest timer that ends it, `text` the case page's line (等待：…)",
                    "items": {"type": "object", "required": ["element", "name", "process", "elements",
                                                            "due_at", "text", "events"], "properties": {
                        "element": {"type": "string"}, "name": text, "process": {"type": "string"},
                        "elements": {"type": "array", "items": {"type": "string"}}, "due_at": _TIME,
                        "text": text,
                        "events": {"type": "array", "items": {"type": "object", "required": [
                            "element", "name", "kind", "due_at"], "properties": {
                            "element": {"type": "string"}, "name": text,
                            "kind": {"type": "string", "enum": ["timer", "message", "event"]},
                            "due_at": _TIME}}}}}},
        "cooperation": {"type": "array", "description": "R2.4 each cooperating department's confirmation of "
                        "its part: state open, confirmed or ended (the complaint closed first)",
                        "items": {"type": "object", "properties": {
                            "department": {"type": "string"},
                            "state": {"type": "string", "enum": ["open", "confirmed", "ended"]},
                            "due_at": _TIME, "late": {"type": "boolean"}, "by": {"type": ["string", "null"]},
                            "at": _TIME, "part": {"type": ["string", "null"]},
                            "contact": {"type": ["string", "null"]},
                            "reason": {"type": ["string", "null"]}}}},
        "escalation": {
            "type": ["object", "null"],
            "description": "R2.13 a volume escalation (null for other processes): the project it is about, "
                           "who must write the report (level report) or investigate on site (level "
                           "investigate) and who holds that role now, the count against the threshold, "
                           "the complaints counted (visible: whether the caller may open that case), the "
                           "latest report with its author, a send-back's comment and the case's files",
            "properties": {
                "level": {"type": "string", "enum": ["report", "investigate"]},
                "project": {"type": "string"}, "subsidiary": {"type": "string"},
                "actor_role": text, "actor_unit": {"type": "string"},
                "actor_names": {"type": "array", "items": {"type": "string"}},
                "count": {"type": ["integer", "null"]}, "threshold": {"type": ["integer", "null"]},
                "window": {"type": "string"},
                "complaints": {"type": "array", "items": {"type": "object", "required": ["number", "visible"],
                               "properties": {"number": {"type": "string"}, "visible": {"type": "boolean"},
                                              "status": text, "opened_at": _TIME,
                                              "room": {"type": "string"}, "category": {"type": "string"}}}},
                "report": {"type": ["object", "null"], "properties": {
                    "text": {"type": "string"}, "by": {"type": "string"}, "at": _TIME}},
                "comment": {"type": ["object", "null"], "properties": {
                    "text": {"type": "string"}, "by": {"type": "string"}, "at": _TIME}},
                "attachments": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "filename": {"type": "string"},
                    "content_type": {"type": "string"}, "size": {"type": "integer"},
                    "uploaded_by": {"type": "string"}, "uploaded_at": _TIME,
                    "stage": {"type": ["string", "null"]}}}}}}}}
    event = {"type": "object", "required": ["at", "actor", "action"], "properties": {
        "at": {"type": "string"}, "actor": {"type": "string", "description": "the staff member's name"},
        "action": {"type": "string"}, "title": {"type": "string"}, "detail": {"type": "string"},
        "decided": {"type": "object", "description": "what a completed step decided, {zh, en}"}}}
    item = {"type": "object", "required": ["task_id", "number", "process_id", "form"], "properties": {
        "task_id": {"type": "string"}, "number": {"type": "string"}, "process_id": {"type": "string"},
        "form": {"type": "string"}, "title": {"type": "string"}, "due_at": _TIME}}
    summary = {"type": "object", "required": ["number", "process_id", "status", "opened_at"], "properties": {
        "number": {"type": "string"}, "process_id": {"type": "string"}, "status": {"type": "string"},
        "subsidiary": {"type": ["string", "null"]}, "project": {"type": ["string", "null"]},
        "room": {"type": ["string", "null"]}, "customer_name": {"type": ["string", "null"]},
        "opened_at": {"type": "string"}, "closed_at": _TIME}}
    error = {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string", "examples": ["kefu.E403", "form.E001", "api.E401"]},
            "message": {"type": "string"},
            "message_zh": {"type": "string", "description": "the message in Chinese, when there is one"},
            "reason": {"type": "string", "enum": ["missing", "unknown", "revoked", "expired", "inactive"]},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}}
    opens: dict[str, Any] = {"oneOf": [], "discriminator": {"propertyName": "process", "mapping": {}}}
    for pid in forms.start:
        name = f"Open_{pid}"
        opens["discriminator"]["mapping"][pid] = f"#/components/schemas/{name}"
        opens["oneOf"].append(_ref(name))
    completes: dict[str, Any] = {"oneOf": [], "discriminator": {"propertyName": "task", "mapping": {}}}
    schemas: dict[str, Any] = {"Error": error, "Task": task, "Case": case, "TaskItem": item,
                               "FieldValue": value, "Step": step, "Event": event,
                               "CaseSummary": summary, "OpenCase": opens, "CompleteTask": completes,
                               "MonthlyReport": _monthly_report(), **_report_items(), **_assessment(),
                               "Ranking": _ranking(), **_campaigns(), **_reviews()}
    for pid, schema in forms.start.items():
        schemas[f"Open_{pid}"] = {"type": "object", "required": ["process", "data"],
                                  "additionalProperties": False,
                                  "properties": {"process": {"const": pid}, "data": schema}}
    for key, schema in forms.tasks.items():
        name = "Complete_" + key.replace(".", "__")
        completes["discriminator"]["mapping"][key] = f"#/components/schemas/{name}"
        completes["oneOf"].append(_ref(name))
        schemas[name] = {"type": "object", "required": ["task", "data"], "additionalProperties": False,
                         "properties": {"task": {"const": key}, "data": schema}}
    return {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas}


def openapi_document(forms: FormSchemas, processes: list[str], stages: list[str]) -> dict[str, Any]:
    """The document served at ``/api/v1/openapi.json``."""
    number, task = _path("number"), _path("task_id")
    decided = {"type": "object", "required": ["number", "status"], "properties": {
        "number": {"type": "string"}, "status": {"type": "string"}}}
    obj = {"type": "object"}
    tasks_page = {"type": "object", "required": ["view", "total", "page", "pages", "items"], "properties": {
        "view": {"enum": list(VIEWS)}, "total": {"type": "integer"}, "page": {"type": "integer"},
        "pages": {"type": "integer"}, "counts": obj, "items": {"type": "array", "items": _ref("TaskItem")}}}
    cases_page = {"type": "object", "required": ["total", "page", "pages", "items"], "properties": {
        "total": {"type": "integer"}, "page": {"type": "integer"}, "pages": {"type": "integer"},
        "items": {"type": "array", "items": _ref("CaseSummary")}}}
    opened = {"type": "object", "required": ["number", "status"], "properties": {
        "number": {"type": "string"}, "status": {"type": "string"}, "dispatch_due": _TIME,
        "closed": {"type": "boolean"}}}
    claimed = {"type": "object", "required": ["task_id", "assignee"], "properties": {
        "task_id": {"type": "string"}, "assignee": {"type": ["string", "null"]}}}
    file_body = {"multipart/form-data": {
        "schema": {"type": "object", "required": ["file"], "additionalProperties": False, "properties": {
            "file": {"type": "string", "format": "binary",
                     "description": "a photo (JPEG, PNG, WebP, HEIC), an MP4/MOV video or a PDF"},
            "stage": {"enum": stages, "description": "a repair photo's stage (repair.photo_stages); "
                      "a 409 on a case that is not a repair"}}},
        "encoding": {"file": {"contentType": "image/jpeg, image/png, image/webp, application/pdf"}}}}
    location = {"Location": {"description": "the new case", "schema": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kefu 客服 API",
            "version": "1.1.0",
            "description": "Cases and tasks for integrations (400 hotline, WeChat, app). Authenticate with "
            "`Authorization: Bearer <token>`; tokens are created with `kefu api-token LOGIN --label L` "
            "and act with that staff member's roles and org scope. Request bodies follow the forms "
            "files: a field that is not declared, or a value outside its schema, is a 422.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/cases": {
                "post": _op("openCase", "Open a case of a process with its start form",
                            ("201", "the case number and first deadline", opened),
                            ("403", "404", "409", "413", "422"), body=_json(_ref("OpenCase")),
                            links=_case_links("/number"), headers=location),
                "get": _op("listCases", "Cases the caller may see, newest first",
                           ("200", "a page of cases", cases_page), ("422",),
                           links=_case_links("/items/0/number"),
                           params=[_query(name, CASE_LIST_TEXTS[name], schema)
                                   for name, schema in CASE_LIST_PARAMS(processes).items() if name != "page"]
                           + [_PAGE]),
            },
            "/cases/{number}": {"get": _op("readCase", "Read a case with its open tasks and their forms",
                                           ("200", "the case", _ref("Case")), ("403", "404"),
                                           params=[number])},
            "/cases/{number}/timeline": {"get": _op(
                "readTimeline", "A case's history from the audit log",
                ("200", "audit events", {"type": "object", "required": ["number", "events"],
                                         "properties": {"number": {"type": "string"},
                                                        "events": {"type": "array",
                                                                   "items": _ref("Event")}}}),
                ("403", "404"), params=[number])},
            "/cases/{number}/attachments": {"post": _op(
                "attachFile", "Attach a photo, video or PDF", ("201", "the attachment", obj),
                ("403", "404", "409", "413", "422"), body=file_body, params=[number])},
            "/cases/{number}/withdraw": {"post": _op(
                "withdrawCase", "Withdraw a complaint the customer takes back (a reason is required); its "
                "workflow is cancelled and it no longer counts as a valid complaint",
                ("200", "withdrawn", {"type": "object", "required": ["number", "status"], "properties": {
                    "number": {"type": "string"}, "status": {"type": "string", "enum": ["withdrawn"]}}}),
                ("403", "404", "409", "422"),
                body=_json({"type": "object", "required": ["reason"], "additionalProperties": False,
                            "properties": {"reason": {**_SOME_TEXT, "maxLength": 500}}}),
                params=[number])},
            "/cases/{number}/merge": {"post": _op(
                "proposeMerge", "Propose merging a duplicate complaint into its original (a complaint of the "
                "same company, not itself, not merged); a CS supervisor or manager confirms",
                ("200", "proposed", {"type": "object", "required": ["number", "into", "status"],
                                     "properties": {"number": {"type": "string"}, "into": {"type": "string"},
                                                    "status": {"type": "string", "enum": ["proposed"]}}}),
                ("403", "404", "409", "422"),
                body=_json({"type": "object", "required": ["into"], "additionalProperties": False,
                            "properties": {"into": {**_SOME_TEXT, "maxLength": 200}}}),
                params=[number])},
            "/cases/{number}/phone": {"post": _op(
                "revealPhone", "The customer's full phone number, for a reader who sees it masked (R0.8): "
                "an explicit ask, allowed to whoever may read the case and audited as phone.revealed",
                ("200", "the full number (null when the case has none)", {
                    "type": "object", "required": ["number", "customer_phone"], "properties": {
                        "number": {"type": "string"}, "customer_phone": {"type": ["string", "null"]}}}),
                ("403", "404"), params=[number])},
            "/cases/{number}/merge/confirm": {"post": _op(
                "confirmMerge", "Confirm the pending merge: the duplicate ends as merged, linked both ways",
                ("200", "merged", decided), ("403", "404", "409"), params=[number])},
            "/cases/{number}/merge/reject": {"post": _op(
                "rejectMerge", "Reject the pending merge: the complaint runs on",
                ("200", "rejected", decided), ("403", "404", "409"), params=[number])},
            "/tasks": {"get": _op(
                "listTasks", "My inbox: one tab, with the counts of every tab",
                ("200", "a page of tasks", tasks_page), ("403", "422"), links=_task_links(),
                params=[_query("view", "inbox tab", {"enum": list(VIEWS)}),
                        _query("q", "search by case number, room, phone or customer name", _TEXT),
                        _query("category", "category code", _TEXT),
                        _query("sort", "sort key", {"enum": sorted(SORTS)}), _PAGE])},
            "/reports/monthly": {"get": _op(
                "monthlyReport", "A unit's monthly statistics (R7.1), as at the month's end",
                ("200", "the figures", _ref("MonthlyReport")), ("403", "404", "422"),
                params=[{**_query("month", "the month, in the unit's time zone", MONTH), "required": True},
                        _query("unit", "a group, subsidiary or project code (default: the group)", _TEXT)])},
            "/reports/monthly/items": {"get": _op(
                "monthlyReportItems", "A page of a unit's complaints of the month (the monthly report's "
                "list: content, corrective actions, closed or not), in receipt order, with the total",
                ("200", "the page", _ref("ReportItems")), ("403", "404", "422"),
                params=[{**_query("month", "the month, in the unit's time zone", MONTH), "required": True},
                        _query("unit", "a group, subsidiary or project code (default: the group)", _TEXT),
                        _PAGE, _query("per_page", "complaints a page", ITEMS_PER_PAGE)])},
            "/assessment/statements": {"get": _op(
                "assessmentStatements", "A subsidiary's or project's staff assessment for a month (R8)",
                ("200", "each person's points and money, the public list, the notices",
                 _ref("AssessmentMonth")), ("403", "404", "422"),
                params=[{**_query("month", "the month the notices count in", MONTH), "required": True},
                        {**_query("unit", "a subsidiary or project code", _TEXT), "required": True}])},
            "/assessment/statements/{login}": {"get": _op(
                "assessmentStatement", "One person's staff assessment for a month (R8)",
                ("200", "their points and money, what they bear for their staff, their notices",
                 _ref("AssessmentStatement")), ("403", "404", "422"),
                params=[_path("login"), {**_query("month", "the month", MONTH), "required": True}])},
            "/reports/ranking": {"get": _op(
                "rankingReport", "The month's rankings (R7.2): companies, projects, CS specialists",
                ("200", "the rankings", _ref("Ranking")), ("403", "404", "422"),
                params=[{**_query("month", "the month, in the unit's time zone", MONTH), "required": True},
                        _query("unit", "a group, subsidiary or project code (default: the group)", _TEXT)])},
            "/reports/quarterly": {"get": _op(
                "quarterlyReport", "A unit's quarterly analysis (R7.1): totals, trend, types, bad debt",
                ("200", "the analysis", obj), ("403", "404", "422"),
                params=[{**_query("quarter", "the period, e.g. 2026Q3", QUARTER), "required": True},
                        _query("unit", "a group, subsidiary or project code (default: the group)", _TEXT)])},
            "/reports/bad-debt": {"get": _op(
                "badDebtReport", "The year-end analysis of the unresolvable complaints (R2.16)",
                ("200", "the analysis, with and without them", obj), ("403", "404", "422"),
                params=[{**_query("year", "the year", YEAR), "required": True},
                        _query("unit", "a group, subsidiary or project code (default: the group)", _TEXT)])},
            "/reviews": {
                "get": _op("listReviews", "The review lists the caller may read, newest first (R2.18)",
                           ("200", "the lists", {"type": "object", "required": ["items"], "properties": {
                               "items": {"type": "array", "items": _ref("Review")}}}), ("404", "422"),
                           params=[_query("kind", "leftover, major or systemic",
                                          {"enum": ["leftover", "major", "systemic"]}),
                                   _query("unit", "a subsidiary code", _TEXT)]),
                "post": _op("generateReview", "This period's weekly or monthly list, generated now unless it "
                            "exists (R2.18)", ("201", "the list with its complaints", _ref("Review")),
                            ("403", "404", "422"),
                            body=_json({"type": "object", "required": ["kind"], "additionalProperties": False,
                                        "properties": {"kind": {"enum": ["leftover", "major"]},
                                                       "unit": {**_TEXT, "description": "a subsidiary code "
                                                                "(default: the caller's)"}}}))},
            "/reviews/{review_id}": {"get": _op(
                "readReview", "A list with its complaints and notes, or an analysis with its tasks",
                ("200", "the list", _ref("Review")), ("403", "404"), params=[_path("review_id")])},
            "/reviews/{review_id}/items/{item_id}/note": {"post": _op(
                "noteReviewItem", "The reviewer's note on one complaint of an open list",
                ("200", "the complaint with its note", _ref("ReviewItem")), ("403", "404", "409", "422"),
                params=[_path("review_id"), _path("item_id")],
                body=_json({"type": "object", "required": ["note"], "additionalProperties": False,
                            "properties": {"note": {**_SOME_TEXT, "maxLength": 2000}}}))},
            "/reviews/{review_id}/sign": {"post": _op(
                "signReview", "Sign the list off once every complaint has a note; it is frozen",
                ("200", "the signed list", _ref("Review")), ("403", "404", "409"),
                params=[_path("review_id")])},
            "/reviews/tasks/{task_id}/answer": {"post": _op(
                "answerReviewTask", "A department's optimisation measures for its systemic task (R2.18)",
                ("200", "the answered task", _ref("ReviewTask")), ("403", "404", "409", "422"),
                params=[_path("task_id")],
                body=_json({"type": "object", "required": ["answer"], "additionalProperties": False,
                            "properties": {"answer": {**_SOME_TEXT, "maxLength": 4000}}}))},
            "/tasks/{task_id}/claim": {"post": _op("claimTask", "Claim a task from the group queue",
                                                   ("200", "claimed", claimed), ("403", "404", "409"),
                                                   params=[task])},
            "/tasks/{task_id}/release": {"post": _op("releaseTask", "Give a task back to its queue",
                                                     ("200", "released", claimed), ("403", "404", "409"),
                                                     params=[task])},
            "/tasks/{task_id}/complete": {"post": _op(
                "completeTask", "Complete a task with its form; `task` names the form",
                ("200", "completed", {"type": "object", "required": ["task_id", "case"], "properties": {
                    "task_id": {"type": "string"}, "case": {"type": "string"}}}),
                ("403", "404", "409", "413", "422"), body=_json(_ref("CompleteTask")), params=[task])},
            **_write_paths(forms),
            "/openapi.json": {"get": {"operationId": "openapi", "summary": "This document", "security": [],
                                      "responses": {"200": {"description": "OpenAPI 3.1",
                                                            "content": _json(obj)}}}},
        },
        "components": _components(forms),
    }
