"""The case page: header, diagram, task forms, attachments, comments, transfer and the timeline."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from engine.errors import ActionError, ConflictError, FormError, NotFoundError, StepError
from webui.context import current_actor, login_required, services
from webui.errors import field_errors
from webui.forms import form_data
from webui.i18n import lang

__all__ = ["bp", "init_app"]

bp = Blueprint("cases", __name__)


def _render(number: str, status: int = 200, **extra: Any) -> Any:
    page = services().case_page(current_actor(), number)
    extra.setdefault("form_errors", {})
    extra.setdefault("form_values", {})
    return render_template("case.html", case=page, **extra), status


@bp.get("/cases/<number>")
@login_required
def show(number: str) -> Any:
    """The case page."""
    return _render(number)


@bp.post("/cases/<number>/tasks/<task_id>/complete")
@login_required
def complete(number: str, task_id: str) -> Any:
    """Complete a task; bad input and stale tasks come back with the typed values kept."""
    spec = request.form.get("_spec", "")
    fields = services().task_fields(current_actor(), number, spec)
    data = form_data(fields, request.form)
    try:
        services().complete(current_actor(), task_id, data)
    except FormError as exc:
        return _render(number, 422, form_errors={task_id: field_errors(exc)}, form_values={task_id: data})
    except StepError as exc:  # a step of the diagram failed: say why, keep what was typed
        return _render(number, 400, form_errors={task_id: {_("Process step"): exc.message}},
                       form_values={task_id: data})
    except ActionError as exc:  # an action of the diagram failed: the whole step was rolled back
        message = _("The step's automatic action failed and nothing was saved: %(detail)s",
                    detail=exc.message)
        return _render(number, 422, form_errors={task_id: {_("Process step"): message}},
                       form_values={task_id: data})
    except (ConflictError, NotFoundError) as exc:
        page = services().case_page(current_actor(), number)
        if isinstance(exc, NotFoundError) and any(t.task_id == task_id for t in page.tasks):
            raise
        finished = services().who_finished(task_id)
        stale = {
            "by": finished[0] if finished else "",
            "at": finished[1] if finished else None,
            "fields": fields,
            "typed": data,
            "message": exc.message,
        }
        return _render(number, 409, stale=stale)
    flash(_("Task completed."), "success")
    return redirect(url_for("cases.show", number=number))


@bp.post("/cases/<number>/tasks/<task_id>/transfer")
@login_required
def transfer(number: str, task_id: str) -> Any:
    """转交 a task to another person or department with a reason."""
    try:
        services().transfer(
            current_actor(), task_id, request.form.get("to", ""), request.form.get("reason", ""),
            to_queue=request.form.get("to_queue") == "1",
        )
    except FormError as exc:
        return _render(
            number,
            422,
            transfer_errors={task_id: field_errors(exc)},
            transfer_values={task_id: request.form.to_dict()},
        )
    flash(_("Task transferred."), "success")
    return redirect(url_for("cases.show", number=number))


@bp.get("/cases/<number>/tasks/<task_id>/candidates")
@login_required
def transfer_candidates(number: str, task_id: str) -> Any:
    """The people who may do the task, as options of the transfer picker (htmx fragment)."""
    people = services().transfer_candidates(current_actor(), task_id)
    return render_template("_transfer_candidates.html", people=people)


@bp.post("/cases/<number>/phone")
@login_required
def reveal_phone(number: str) -> Any:
    """Show the customer's full phone number once: an explicit click, permission-checked and audited."""
    services().reveal_phone(current_actor(), number)
    page = services().case_page(current_actor(), number, reveal_phone=True)
    return render_template("case.html", case=page, form_errors={}, form_values={}, revealed=True)


@bp.post("/cases/<number>/comments")
@login_required
def comment(number: str) -> Any:
    """Add a comment to the timeline."""
    try:
        services().comment(current_actor(), number, request.form.get("text", ""))
    except FormError as exc:
        return _render(number, 422, comment_errors=field_errors(exc))
    return redirect(url_for("cases.show", number=number) + "#timeline")


@bp.post("/cases/<number>/withdraw")
@login_required
def withdraw(number: str) -> Any:
    """Withdraw a complaint with a reason; a missing reason comes back with what was typed."""
    reason = request.form.get("reason", "")
    try:
        services().withdraw(current_actor(), number, reason)
    except FormError as exc:
        message = (exc.zh or exc.message) if lang() == "zh" else exc.message
        return _render(number, 422, withdraw_errors=message, withdraw_reason=reason)
    flash(_("The complaint was withdrawn."), "success")
    return redirect(url_for("cases.show", number=number))


@bp.post("/cases/<number>/merge")
@login_required
def merge(number: str) -> Any:
    """Propose merging a duplicate complaint into its original (a supervisor confirms)."""
    into = request.form.get("into", "")
    try:
        services().propose_merge(current_actor(), number, into)
    except (FormError, ConflictError) as exc:
        message = (exc.zh or exc.message) if lang() == "zh" else exc.message
        return _render(number, 409 if isinstance(exc, ConflictError) else 422, merge_errors=message,
                       merge_into=into)
    flash(_("The merge was proposed; a supervisor confirms it."), "success")
    return redirect(url_for("cases.show", number=number))


@bp.post("/cases/<number>/merge/decide")
@login_required
def merge_decide(number: str) -> Any:
    """Confirm or reject the pending merge of a duplicate."""
    decision = request.form.get("decision", "")
    if decision not in ("confirm", "reject"):
        return _render(number, 422, merge_decide_error=_("Choose to confirm or reject the merge."))
    try:
        services().decide_merge(current_actor(), number, decision == "confirm")
    except ConflictError as exc:
        message = (exc.zh or exc.message) if lang() == "zh" else exc.message
        return _render(number, 409, merge_decide_error=message)
    flash(_("The merge was confirmed.") if decision == "confirm" else _("The merge was rejected."), "success")
    return redirect(url_for("cases.show", number=number))


@bp.post("/cases/<number>/attachments")
@login_required
def attach(number: str) -> Any:
    """Upload a photo (or video, PDF) to the case."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render(number, 422, upload_error=_("Choose a file or take a photo first."))
    try:
        services().attach(current_actor(), number, upload.filename, upload.mimetype or "", upload.read(),
                          stage=request.form.get("stage"))
    except FormError as exc:
        errors = field_errors(exc)
        return _render(number, 422, upload_error=errors.get("file") or errors.get("stage") or exc.message)
    flash(_("File uploaded."), "success")
    return redirect(url_for("cases.show", number=number) + "#attachments")


@bp.get("/cases/<number>/attachments/<int:attachment_id>")
@login_required
def attachment(number: str, attachment_id: int) -> Any:
    """Download or show an attachment."""
    path, kind, name = services().attachment_file(current_actor(), number, attachment_id)
    if not path.exists():
        raise NotFoundError(f"the file of attachment {attachment_id} is missing from the data directory")
    return send_file(path, mimetype=kind, download_name=name, as_attachment=not kind.startswith("image/"))


@bp.get("/cases/<number>/diagram.bpmn")
@login_required
def diagram(number: str) -> Any:
    """The BPMN XML of the case's pinned process version (for the viewer); ``?process=ID`` gives the
    diagram of a process its call activities run."""
    xml = services().diagram_xml(current_actor(), number, request.args.get("process") or None)
    return Response(xml, mimetype="application/xml")


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
