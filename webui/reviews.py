"""The 复盘 pages under 统计 (R2.18): the weekly leftover lists, the monthly major-complaint lists and the
quarterly systemic analyses of one's subsidiaries; a list with a note form per complaint and the
sign-off for its reviewer; a department's systemic task with its answer form; each as Excel.
``engine.reviews`` asks ``review.read|generate|sign|answer`` with the list's subsidiary."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, Response, redirect, render_template, request, url_for

from engine.errors import ConflictError, FormError
from engine.review_export import STATUS_ZH, review_title, review_xlsx
from engine.reviews import KINDS, LIST_KINDS, Reviews
from webui.context import current_actor, login_required, services
from webui.errors import field_errors, post_form
from webui.i18n import lang, localtime
from webui.labels import status_name

__all__ = ["bp", "init_app"]

bp = Blueprint("reviews", __name__, url_prefix="/reviews")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _book() -> Reviews:
    svc = services()
    return Reviews(svc.store, svc.clock, svc.policies)


def _subsidiaries() -> list[tuple[str, str]]:
    subject = current_actor().subject
    out = []
    for code, u in sorted(services().units().items()):
        if u.kind != "subsidiary" or subject is None:
            continue
        if subject.group_level or (subject.project is None and subject.subsidiary == code):
            out.append((code, u.name))
    return out


def _labels() -> dict[str, dict[str, str]]:
    svc = services()
    policy = svc.policy(None)
    return {"categories": {str(c["code"]): str(c["name"]) for c in policy.get("complaint.categories")},
            "departments": {str(d["code"]): str(d["name"]) for d in policy.get("departments")},
            "units": svc.unit_names()}


def _index(values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
           status: int = 200) -> Any:
    actor = current_actor()
    kind = request.args.get("kind", "")
    book = _book()
    return render_template(
        "reviews/index.html", reviews=book.listing(actor.login, kind=kind or None),
        tasks=book.my_tasks(actor.login),
        kinds={k: v[2] for k, v in KINDS.items()}, list_kinds=LIST_KINDS, kind=kind, status_zh=STATUS_ZH,
        subsidiaries=_subsidiaries() if actor.supervisor else [], names=services().unit_names(),
        labels=_labels(), values=values or {}, errors=errors or {}), status


@bp.get("")
@login_required
def index() -> Any:
    """The lists of one's subsidiaries, newest first; one's open systemic tasks; the on-demand form."""
    return _index()


@bp.post("")
@login_required
def generate() -> Any:
    """The current period's list, generated now unless the worker has."""
    def act(values: dict[str, str]) -> str:
        made = _book().generate(current_actor().login, values["kind"], values["unit"] or None)
        return url_for("reviews.show", review_id=made["id"])

    return post_form(("kind", "unit"), act, _index)


def _show(review_id: int, errors: dict[str, str] | None = None, message: str | None = None,
          values: dict[str, str] | None = None, status: int = 200) -> Any:
    svc = services()
    review = _book().show(current_actor().login, review_id)
    unit_name = svc.unit_names().get(review["unit"], review["unit"])
    for item in review["items"]:  # as the page shows them: received in local time, the status by name
        data = item["data"]
        opened = data.get("opened_at")
        data["received"] = localtime(datetime.fromisoformat(opened)) if opened else ""
        data["status_name"] = status_name(data.get("status"))
    # R2.4 a systemic task of a department nobody heads (an org gap): flagged 无人可办 for the reader
    tasks = [t for t in review.get("tasks") or [] if not t.get("answered_at") and t.get("candidate_group")]
    holders = svc.group_holders([str(t["candidate_group"]) for t in tasks]) if tasks else {}
    nobody = {t["id"] for t in tasks if not holders.get(str(t["candidate_group"]))}
    return render_template(
        "reviews/show.html", review=review, title=review_title(review, unit_name), status_zh=STATUS_ZH,
        nobody=nobody,
        names=svc.staff_names(), labels=_labels(), errors=errors or {}, message=message, values=values or {},
        role_names={str(r["code"]): str(r["name"]) for r in svc.policy(review["unit"]).get("roles")}), status


@bp.get("/<int:review_id>")
@login_required
def show(review_id: int) -> Any:
    """A list: each complaint as it stood, its note; the sign-off."""
    return _show(review_id)


@bp.post("/<int:review_id>/items/<int:item_id>")
@login_required
def note(review_id: int, item_id: int) -> Any:
    """The reviewer's note on one complaint; a bad note comes back with what was typed."""
    text = request.form.get("note", "")
    try:
        _book().note(current_actor().login, review_id, item_id, text)
    except FormError as exc:
        return _show(review_id, {str(item_id): field_errors(exc).get("note", exc.message)},
                     values={str(item_id): text}, status=422)
    return redirect(url_for("reviews.show", review_id=review_id, _anchor=f"item-{item_id}"))


@bp.post("/<int:review_id>/sign")
@login_required
def sign(review_id: int) -> Any:
    """Sign the list off (every complaint noted); it is frozen from then on."""
    try:
        _book().sign(current_actor().login, review_id)
    except ConflictError as exc:
        message = (exc.zh or exc.message) if lang() == "zh" else exc.message
        return _show(review_id, message=message, status=409)
    return redirect(url_for("reviews.show", review_id=review_id))


@bp.get("/<int:review_id>.xlsx")
@login_required
def download(review_id: int) -> Any:
    """The list as Excel: the complaints with their notes (and the systemic tasks with their answers)."""
    svc = services()
    review = _book().show(current_actor().login, review_id)
    body = review_xlsx(review, svc.unit_names().get(review["unit"], review["unit"]), svc.staff_names(),
                       _labels(), svc.policy(review["unit"]).calendar)
    name = f"review-{review['unit']}-{review['kind']}-{review['period']}.xlsx"
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _task(task_id: int, errors: dict[str, str] | None = None, value: str = "", status: int = 200) -> Any:
    svc = services()
    task = _book().task(current_actor().login, task_id)
    unit_name = svc.unit_names().get(task["subsidiary"], task["subsidiary"])
    return render_template(
        "reviews/task.html", task=task, title=review_title(task["review"], unit_name), labels=_labels(),
        names=svc.staff_names(), errors=errors or {}, value=value), status


@bp.get("/tasks/<int:task_id>")
@login_required
def task(task_id: int) -> Any:
    """A department's systemic task: the quarter's complaints by cause, the answer form."""
    return _task(task_id)


@bp.post("/tasks/<int:task_id>")
@login_required
def answer(task_id: int) -> Any:
    """The department's optimisation measures (once)."""
    text = request.form.get("answer", "")
    try:
        _book().answer(current_actor().login, task_id, text)
    except FormError as exc:
        return _task(task_id, field_errors(exc), text, 422)
    return redirect(url_for("reviews.task", task_id=task_id))


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
