"""The 回访调查 pages (R6.3): the campaigns of one's projects with their live coverage, opening one,
a campaign's progress with the households still to reach and the form that records a visit (a signed
survey uploaded, or a phone record with a second signer), and its Excel. ``engine.campaigns`` asks
``campaign.open|visit|read`` with the project's subsidiary."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, redirect, render_template, request, url_for

from engine.campaign_export import campaign_xlsx
from engine.campaigns import KIND_ZH, METHOD_ZH, Campaigns
from engine.errors import FormError
from webui.context import current_actor, login_required, services
from webui.errors import field_errors, post_form

__all__ = ["bp", "init_app"]

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
_VISIT = ("household", "method", "record", "satisfaction", "second_signer", "day")


def _book() -> Campaigns:
    svc = services()
    return Campaigns(svc.store, svc.clock, svc.policies, svc.data_dir)


def _projects() -> list[tuple[str, str]]:
    actor = current_actor()
    subject = actor.subject
    units = services().units()
    out = []
    for code, u in sorted(units.items()):
        if u.kind != "project":
            continue
        if subject is None or not (
            subject.group_level
            or subject.project == code
            or (subject.project is None and subject.subsidiary == u.parent)
        ):
            continue
        out.append((code, u.name))
    return out


def _index(
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200
) -> Any:
    actor = current_actor()
    return render_template(
        "campaigns/index.html",
        campaigns=_book().listing(actor.login),
        projects=_projects(),
        names=services().unit_names(),
        kinds=KIND_ZH,
        values=values or {},
        errors=errors or {},
        manager=actor.supervisor,
    ), status


@bp.get("")
@login_required
def index() -> Any:
    """The campaigns of one's projects, newest first, and the form to open one."""
    return _index()


@bp.post("")
@login_required
def open_campaign() -> Any:
    """Open a project's campaign for the period of today."""
    def act(values: dict[str, str]) -> str:
        campaign = _book().open(current_actor().login, values["project"], values["kind"])
        return url_for("campaigns.show", campaign_id=campaign.id)

    return post_form(("project", "kind"), act, _index)


def _show(
    campaign_id: int,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Any:
    book = _book()
    progress = book.progress(current_actor().login, campaign_id)
    visits = book.visits(current_actor().login, campaign_id)
    svc = services()
    policy = book.policy(progress.campaign.project, progress.campaign.subsidiary)
    return render_template(
        "campaigns/show.html",
        progress=progress,
        visits=visits,
        kinds=KIND_ZH,
        methods=METHOD_ZH,
        scale=[(str(s["code"]), str(s["name"])) for s in policy.get("satisfaction.scale")],
        project_name=svc.unit_names().get(progress.campaign.project, progress.campaign.project),
        names=svc.staff_names(),
        values=values or {},
        errors=errors or {},
    ), status


@bp.get("/<int:campaign_id>")
@login_required
def show(campaign_id: int) -> Any:
    """A campaign's live coverage, its visits and the households still to reach."""
    return _show(campaign_id)


@bp.post("/<int:campaign_id>/visits")
@login_required
def record(campaign_id: int) -> Any:
    """Record one household's visit; bad input comes back with everything typed."""
    values = {k: request.form.get(k, "") for k in _VISIT}
    upload = request.files.get("signed_form")
    try:
        _book().record(
            current_actor().login,
            campaign_id,
            household=values["household"],
            method=values["method"],
            record=values["record"],
            satisfaction=values["satisfaction"] or None,
            second_signer=values["second_signer"] or None,
            day=values["day"] or None,
            signed_form=upload.read() if upload else None,
        )
    except FormError as exc:
        return _show(campaign_id, values, field_errors(exc), 422)
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


@bp.get("/<int:campaign_id>.xlsx")
@login_required
def download(campaign_id: int) -> Any:
    """The campaign as Excel: coverage, visits, households still to reach."""
    book = _book()
    progress = book.progress(current_actor().login, campaign_id)
    visits = book.visits(current_actor().login, campaign_id)
    svc = services()
    body = campaign_xlsx(
        progress, visits, svc.unit_names().get(progress.campaign.project, ""), svc.staff_names()
    )
    name = f"campaign-{campaign_id}.xlsx"
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
