"""Visitor desk pages (R4): fast registration, the live host answer, the badge with a QR code, the log.

The host resident has no login: ``/visit/answer/<token>`` is the one-visit link sent to them. Every
rule (ID check, masking, routing, who sees which visits) lives in ``engine.visitors``.
"""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from flask import Blueprint, Flask, Response, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from engine import visitors
from engine.errors import FormError
from engine.runtime.access import Placement, placement_of
from engine.store.visitor_repo import VisitorRepo
from webui.context import current_actor, login_required, services
from webui.errors import field_errors, message_of
from webui.i18n import pick
from webui.labels import OUTCOMES, STATUSES

__all__ = ["bp", "host_bp", "init_app"]

bp = Blueprint("visitors", __name__, url_prefix="/visitors")
host_bp = Blueprint("visit_answer", __name__, url_prefix="/visit")

DESK_FIELDS = (
    "customer_name",
    "id_type",
    "id_number",
    "purpose",
    "household",
    "host_name",
    "visitor_phone",
    "escort_requested",
    "booked",
    "expected_at",
    "abnormal",
    "abnormal_note",
    "note",
)
COMPLAINT_FIELDS = ("room", "description", "customer_request", "category", "urgency", "scope", "severity")


def _placement() -> Placement:
    with services().store.read() as tx:
        return placement_of(tx.units(), current_actor().unit)


def _policy() -> Any:
    where = _placement()
    return services().runtime._effective_policy(where.project, where.subsidiary)


def _households() -> list[dict[str, Any]]:
    project = _placement().project
    with services().store.read() as tx:
        rows = VisitorRepo(tx).households(project)
    if project is None:  # subsidiary staff: their subsidiary's projects only
        with services().store.read() as tx:
            units = tx.units()
        mine = _placement().subsidiary
        rows = [r for r in rows if mine is None or placement_of(units, r["project"]).subsidiary == mine]
    return rows


def _household_projects() -> list[str] | None:
    """The projects whose households the desk may pick: its own project, its subsidiary's, or all."""
    where = _placement()
    if where.project is not None:
        return [where.project]
    if where.subsidiary is None:
        return None
    with services().store.read() as tx:
        units = tx.units()
    return [code for code, unit in units.items()
            if unit.kind == "project" and placement_of(units, code).subsidiary == where.subsidiary]


def _find_households(typed: str) -> list[dict[str, Any]]:
    with services().store.read() as tx:
        return VisitorRepo(tx).find_households(_household_projects(), typed[:50])


@bp.get("/households")
@login_required
def find_household() -> Any:
    """Households found by what the guard types (room, name, phone): htmx fragment of the desk."""
    typed = request.args.get("household_q", "").strip()
    return render_template("visitors/_household_hits.html", hits=_find_households(typed), typed=typed)


def _household_label(code: str) -> str:
    for h in _households():
        if h["code"] == code:
            return f"{h['room']} · {h['owner_name']}"
    return ""


def _desk_page(values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    policy = _policy()
    form = services().runtime.registry.get("visitor_reception").start_form
    fields = form.describe(policy)  # R4.1: what must be filled is the policy's visitor.required_fields
    return render_template(
        "visitors/desk.html",
        values=values,
        errors=errors,
        required={f["name"] for f in fields if f["required"]},
        household_label=_household_label(values.get("household") or "") if values.get("household") else "",
        purposes=policy.get("visitor.purposes"),
        id_kinds=policy.get("visitor.id_kinds"),
        abnormal=policy.get("visitor.abnormal"),
    ), status


@bp.route("/desk", methods=["GET", "POST"])
@login_required
def desk() -> Any:
    """Register a walk-in (or a booking) in one screen."""
    if request.method == "GET":
        return _desk_page({"id_type": "resident_id", "purpose": "visit_resident"}, {})
    values: dict[str, Any] = {k: request.form.get(k, "").strip() for k in DESK_FIELDS}
    for flag in ("escort_requested", "booked"):
        values[flag] = bool(values[flag])
    typed = request.form.get("household_q", "").strip()
    if typed and not values.get("household"):  # typed but not picked (no JavaScript): one match is enough
        hits = _find_households(typed)
        if len(hits) != 1:
            message = ("没有找到这个住户，请核对房号、姓名或电话" if not hits else
                       f"找到 {len(hits)} 户，请从列表中选择一户")
            flash(message, "error")
            values["household_q"] = typed
            return _desk_page(values, {"room": message}, 422)
        values["household"] = hits[0]["code"]
    try:
        base = current_app.config.get("KEFU_BASE_URL") or request.url_root
        visit = visitors.register_visit(services().runtime, current_actor().login, values, base)
    except FormError as exc:
        errors = field_errors(exc)
        flash(message_of(exc), "error")
        return _desk_page(values, errors, 422)
    return redirect(url_for("visitors.show", number=visit.number))


def _visit_page(number: str, template: str) -> Any:
    svc = services()
    actor = current_actor().login
    visit = visitors.get_visit(svc.runtime, number, actor)
    case = svc.runtime.get_case(number, actor)
    tasks = {t.task_name: t for t in case.tasks}
    return render_template(
        template,
        visit=visit,
        tasks=tasks,
        policy=_policy(),
        answer_url=url_for("visit_answer.answer", token=visit.answer_token, _external=True),
    )


@bp.get("/<number>")
@login_required
def show(number: str) -> Any:
    """One visit: the host's answer (polled live), the next step, the badge."""
    return _visit_page(number, "visitors/show.html")


@bp.get("/<number>/status")
@login_required
def status(number: str) -> Any:
    """The live part of the visit page (htmx polls it while the host is asked)."""
    return _visit_page(number, "visitors/_status.html")


@bp.post("/<number>/host")
@login_required
def host_answer(number: str) -> Any:
    """The guard records the host's answer given by phone or in person."""
    visitors.answer_host(
        services().runtime,
        request.form.get("answer", ""),
        number=number,
        actor=current_actor().login,
        via="phone",
    )
    return redirect(url_for("visitors.show", number=number))


@bp.post("/<number>/check-in")
@login_required
def check_in(number: str) -> Any:
    """A booked visitor arrives: check the ID document."""
    form = {k: request.form.get(k, "").strip() for k in ("id_type", "id_number", "abnormal", "abnormal_note")}
    try:
        visitors.check_in(services().runtime, number, current_actor().login, form)
    except FormError as exc:
        flash(message_of(exc), "error")
    return redirect(url_for("visitors.show", number=number))


@bp.post("/<number>/check-out")
@login_required
def check_out(number: str) -> Any:
    """The visitor leaves: record the time."""
    visitors.check_out(services().runtime, number, current_actor().login)
    flash(pick({"zh": "已登记离开时间。", "en": "Check-out recorded."}), "success")
    return redirect(url_for("visitors.show", number=number))


@bp.post("/<number>/complaint")
@login_required
def complaint(number: str) -> Any:
    """The visitor came to complain: open the complaint (channel visit), linked to this visit."""
    data: dict[str, Any] = {k: request.form.get(k, "").strip() for k in COMPLAINT_FIELDS}
    data["read_back_confirmed"] = bool(request.form.get("read_back_confirmed"))
    try:
        case = visitors.open_complaint_from_visit(services().runtime, number, current_actor().login, data)
    except FormError as exc:
        flash(message_of(exc), "error")
        return redirect(url_for("visitors.show", number=number))
    return redirect(url_for("cases.show", number=case.number))


def qr_svg(text: str) -> Markup:
    """An inline SVG QR code of ``text`` (no Pillow needed)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode("utf-8")
    return Markup(svg[svg.index("<svg") :])


@bp.get("/<number>/badge")
@login_required
def badge(number: str) -> Any:
    """The printable visitor badge 访客证: visit number, name, host, QR code."""
    visit = visitors.get_visit(services().runtime, number, current_actor().login)
    return render_template("visitors/badge.html", visit=visit, qr=qr_svg(visit.number))


def _filters() -> dict[str, Any]:
    return {"text": request.args.get("q", "").strip() or None, "purpose": request.args.get("purpose") or None}


@bp.get("/log")
@login_required
def log() -> Any:
    """The visit log with search; ID numbers masked (R0.8)."""
    rows = visitors.search_visits(services().runtime, current_actor().login, **_filters())
    return render_template(
        "visitors/log.html",
        rows=rows,
        q=request.args.get("q", ""),
        purpose=request.args.get("purpose", ""),
        purposes=_policy().get("visitor.purposes"),
    )


_CSV_HEADERS = {
    "number": {"zh": "编号", "en": "Number"}, "arrived_at": {"zh": "到达时间", "en": "Arrived"},
    "visitor_name": {"zh": "访客姓名", "en": "Visitor"}, "id_type": {"zh": "证件类型", "en": "ID document"},
    "id_number_masked": {"zh": "证件号码（已隐去）", "en": "ID number (masked)"},
    "purpose": {"zh": "来访事由", "en": "Purpose"}, "room": {"zh": "房号", "en": "Room"},
    "host_name": {"zh": "受访人", "en": "Host"}, "status": {"zh": "状态", "en": "State"},
    "outcome": {"zh": "结果", "en": "Outcome"}, "host_answer": {"zh": "受访人答复", "en": "Host's answer"},
    "checked_out_at": {"zh": "离开时间", "en": "Left"},
    "complaint_number": {"zh": "转投诉编号", "en": "Complaint"},
}


def _choice_name(choice: Any) -> str:
    name = str(choice.get("name") or choice["code"])
    return pick({"zh": name, "en": str(choice.get("en") or name)})


_HOST_ANSWERS = {"accepted": {"zh": "同意", "en": "Accepted"}, "declined": {"zh": "拒绝", "en": "Declined"}}


@bp.get("/log.csv")
@login_required
def export() -> Any:
    """The visit log as CSV; ID numbers masked (R0.8)."""
    policy = _policy()
    chosen = {key: {str(c["code"]): _choice_name(c) for c in policy.get(key) or []}
              for key in ("visitor.purposes", "visitor.id_kinds")}
    names = {"purpose": chosen["visitor.purposes"], "id_type": chosen["visitor.id_kinds"],
             "status": {code: pick(name) for code, name in STATUSES.items()},
             "outcome": {code: pick(name) for code, name in OUTCOMES.items()},
             "host_answer": {code: pick(name) for code, name in _HOST_ANSWERS.items()}}
    headers = {column: pick(label) for column, label in _CSV_HEADERS.items()}
    text = visitors.export_visits_csv(services().runtime, current_actor().login, headers=headers, names=names,
                                      **_filters())
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=visits.csv"}
    )


@host_bp.route("/answer/<token>", methods=["GET", "POST"])
def answer(token: str) -> Any:
    """The host resident's one-visit page: accept or decline the visitor (no login)."""
    svc = services()
    with svc.store.read() as tx:
        row = VisitorRepo(tx).visit_by_token(token)
    if row is None:
        return render_template("visitors/answer.html", visit=None, done=False), 404
    done = row["host_answer"] is not None or row["status"] != "awaiting_host"
    if request.method == "POST" and not done:
        visitors.answer_host(svc.runtime, request.form.get("answer", ""), token=token)
        with svc.store.read() as tx:
            row = VisitorRepo(tx).visit_by_token(token)
        done = True
    return render_template("visitors/answer.html", visit=row, done=done)


def init_app(app: Flask) -> None:
    """Register the blueprints."""
    app.register_blueprint(bp)
    app.register_blueprint(host_bp)
