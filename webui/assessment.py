"""The 考核 pages (R8): issue a violation notice, a unit's month, a notice with its appeals, one's own
statement, the month as Excel. Every answer comes from ``engine.assessment``, which asks
``engine.permissions`` (``assessment.issue|appeal|decide|read``) with the person's subsidiary."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, redirect, render_template, request, url_for

from engine.assessment import DECISION_ZH, STATUS_ZH, Assessment
from engine.assessment_export import statements_xlsx
from engine.errors import FormError
from webui.context import current_actor, login_required, services
from webui.errors import field_errors
from webui.reports import recent_months

__all__ = ["bp", "init_app"]

bp = Blueprint("assessment", __name__, url_prefix="/assessment")
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FIELDS = ("person", "issue", "points", "occurred_on", "text", "supervisor")


def _book() -> Assessment:
    svc = services()
    return Assessment(svc.store, svc.clock, svc.policies)


def _months() -> list[str]:
    svc = services()
    return recent_months(svc.policy(None).calendar.localize(svc.clock.now()).date())


def _page(values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
          status: int = 200) -> Any:
    actor = current_actor()
    book = _book()
    months = _months()
    month = request.args.get("month") or months[0]
    units = book.units(actor.login)
    unit = request.args.get("unit") or (units[0][0] if units else "")
    figures = None
    if unit and any(code == unit for code, _ in units):
        figures = book.unit_month(actor.login, unit, month)
    policy = services().policy(actor.subject.subsidiary if actor.subject else None)
    rules = book.rules(actor.subject.subsidiary if actor.subject else None)
    issuer = bool(set(actor.subject.roles if actor.subject else ()) & set(rules.issuers))
    mine = book.person_month(actor.login, actor.login, month)
    people = _people(units, figures) if issuer else []
    return render_template(
        "assessment/index.html", units=units, unit=unit, months=months, month=month, figures=figures,
        mine=mine, issuer=issuer, rules=rules, pending=book.pending(actor.login), people=people,
        values=values or {"occurred_on": policy.calendar.localize(services().clock.now()).date().isoformat()},
        errors=errors or {}, status_zh=STATUS_ZH), status


def _people(units: list[tuple[str, str]], figures: Any) -> list[tuple[str, str]]:
    """(login, name) of the staff of the shown unit, for the issue form's list."""
    svc = services()
    if figures is None:
        return []
    found = svc.units()
    codes = {figures["unit"]}
    grew = True
    while grew:
        more = {c for c, u in found.items() if u.parent in codes} - codes
        grew = bool(more)
        codes |= more
    with svc.store.read() as tx:
        staff = [s for s in (tx.staff(login) for login in tx.staff_logins()) if s is not None]
    return sorted(((s.login, s.name) for s in staff if s.active and s.unit in codes), key=lambda p: p[0])


@bp.get("")
@login_required
def index() -> Any:
    """The month of a unit (managers and issuers), the issue form, appeals waiting, one's own month."""
    return _page()


@bp.post("/notices")
@login_required
def issue() -> Any:
    """Issue a notice; on bad input the form comes back with every typed value and the field errors."""
    values: dict[str, Any] = {k: request.form.get(k, "") for k in _FIELDS}
    proven = "proven" in request.form
    values["proven"] = proven
    try:
        notice = _book().issue(current_actor().login, person=values["person"], issue=values["issue"],
                               points=values["points"], occurred_on=values["occurred_on"],
                               text=values["text"], supervisor=values["supervisor"] or None,
                               supervisor_liable=proven)
    except FormError as exc:
        return _page(values, field_errors(exc), 422)
    return redirect(url_for("assessment.notice", notice_id=notice.id))


def _notice_page(notice_id: int, errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                 status: int = 200) -> Any:
    actor = current_actor()
    book = _book()
    notice, appeals = book.notice_view(actor.login, notice_id)
    rules = book.rules(notice.subsidiary)
    with services().store.read() as tx:
        names = {login: s.name for login in {notice.person, notice.issued_by, notice.supervisor,
                                             *(a.decided_by for a in appeals)} if login
                 and (s := tx.staff(login)) is not None}
        issued_by = tx.staff(notice.issued_by)
    level = book.next_level(notice, rules, issued_by.roles if issued_by else ())
    waiting = next((a for a in appeals if a.decision is None), None)
    roles = actor.subject.roles if actor.subject else frozenset()
    may_decide = (waiting is not None and waiting.role in roles
                  and actor.login not in (notice.person, notice.issued_by))
    may_appeal = actor.login == notice.person and notice.status == "in_force" and level is not None
    return render_template("assessment/notice.html", notice=notice, appeals=appeals, rules=rules, names=names,
                           may_appeal=may_appeal, may_decide=may_decide, waiting=waiting,
                           next_role=rules.appeal_chain[level] if level is not None else None,
                           errors=errors or {}, values=values or {}, status_zh=STATUS_ZH,
                           decision_zh=DECISION_ZH), status


@bp.get("/notices/<int:notice_id>")
@login_required
def notice(notice_id: int) -> Any:
    """A notice, its appeals, and the appeal or decision form when the actor may use it."""
    return _notice_page(notice_id)


@bp.post("/notices/<int:notice_id>/appeal")
@login_required
def appeal(notice_id: int) -> Any:
    """The person appeals to the next level."""
    reason = request.form.get("reason", "")
    try:
        _book().appeal(current_actor().login, notice_id, reason)
    except FormError as exc:
        return _notice_page(notice_id, field_errors(exc), {"reason": reason}, 422)
    return redirect(url_for("assessment.notice", notice_id=notice_id))


@bp.post("/notices/<int:notice_id>/decide")
@login_required
def decide(notice_id: int) -> Any:
    """The role of the appeal's level decides."""
    values = {k: request.form.get(k, "") for k in ("decision", "points", "answer")}
    try:
        _book().decide(current_actor().login, notice_id, values["decision"], points=values["points"] or None,
                       answer=values["answer"])
    except FormError as exc:
        return _notice_page(notice_id, field_errors(exc), values, 422)
    return redirect(url_for("assessment.notice", notice_id=notice_id))


@bp.get("/people/<login>")
@login_required
def person(login: str) -> Any:
    """A person's month: one's own always, another's for a manager or issuer covering them."""
    months = _months()
    month = request.args.get("month") or months[0]
    mine = _book().person_month(current_actor().login, login, month)
    return render_template("assessment/person.html", mine=mine, months=months, month=month,
                           status_zh=STATUS_ZH)


@bp.get("/<unit>/<month>.xlsx")
@login_required
def download(unit: str, month: str) -> Any:
    """The unit's month as Excel: statements, notices, the public list."""
    figures = _book().unit_month(current_actor().login, unit, month)
    body = statements_xlsx(figures, figures["unit_name"])
    name = f"assessment-{unit}-{month}.xlsx"
    return Response(body, mimetype=_XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
