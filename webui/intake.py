"""The intake desk: a process's start form (complaint, repair, consultation); number and deadline shown."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import FormError, NotFoundError, StepError
from engine.processes.registry import worker_only_refusal
from webui.context import current_actor, login_required, services
from webui.errors import field_errors
from webui.forms import form_data, form_error
from webui.i18n import localtime

__all__ = ["bp", "init_app"]

bp = Blueprint("intake", __name__)
INTAKE_PROCESSES = ("complaint", "repair", "consultation")


def _subsidiary() -> str | None:
    units = current_actor().scope.units
    return units[0][1] if units and units[0][0] == "subsidiary" else None


@bp.route("/cases/new", methods=["GET", "POST"])
@bp.route("/cases/new/<process_id>", methods=["GET", "POST"])
@login_required
def new_case(process_id: str = "complaint") -> Any:
    """Show the start form; on submit open the case."""
    if process_id not in INTAKE_PROCESSES:
        if process_id in services().registry.worker_only():  # R2.13: opened by the count, never by hand
            raise worker_only_refusal(process_id, services().registry.get(process_id).name)
        raise NotFoundError(f"no intake form for process {process_id!r}",
                            zh=f"流程 {process_id} 没有受理表单")
    title, fields = services().intake_form(process_id, _subsidiary())
    if process_id == "consultation":  # the agreed wording comes from the FAQ book, not from the desk
        fields = [f for f in fields if f["name"] != "faq_answer"]
    values: dict[str, Any] = {f["name"]: f["default"] for f in fields if f["default"] is not None}
    # Links may prefill the form, e.g. the FAQ page's "answer a customer with this entry".
    values.update({f["name"]: request.args[f["name"]] for f in fields if request.args.get(f["name"])})
    errors: dict[str, str] = {}
    failed = False
    projects, own = services().intake_projects(current_actor())
    project = own or ""
    if request.method == "POST":
        values = form_data(fields, request.form)
        project = request.form.get("project", own or "").strip()
        try:
            if project and project not in dict(projects):
                raise form_error(f"unknown project {project[:40]!r}", {"project": (
                    f"unknown project {project[:40]!r}; pick one of the list", "请从列表中选择项目")})
            if not project:  # staff above project level say which project the case belongs to (R0.5)
                raise form_error("choose the project the case belongs to", {"project": (
                    "choose the project the case belongs to", "请选择案件所属项目")})
            opened = services().open_case(current_actor(), process_id, {**values, "project": project})
        except FormError as exc:
            errors = field_errors(exc)
        except StepError as exc:  # a step of the diagram failed: say why, keep what was typed
            errors = {_("Process step"): exc.message}
            failed = True
        else:
            if opened.closed:
                flash(
                    _("Case %(number)s was solved on the spot and is closed.", number=opened.number),
                    "success",
                )
            else:
                values = {"number": opened.number, "due": localtime(opened.dispatch_due) or "—"}
                flash(
                    _("Case %(number)s opened. Dispatch deadline: %(due)s", **values)
                    if process_id == "complaint"
                    else _("Case %(number)s opened. First step due: %(due)s", **values),
                    "success",
                )
            return redirect(url_for("cases.show", number=opened.number, opened=1))
    status = 400 if failed else 422 if errors else 200
    return render_template(
        "intake.html", title=title, fields=fields, values=values, errors=errors, process_id=process_id,
        projects=projects, project=project,
    ), status


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
