"""The 时限模拟 page (issue 17): one case of a process received at a chosen time in a project of the
actor's subsidiary, run by the real engine on a throw-away database (``engine.simulation``): every
deadline, reminder, escalation and fine under the current rules, and beside them under a changed
overlay (a draft) typed or pasted as YAML. Every process with a script in ``engine/simulation/paths/``
(complaint, consultation, repair, visitor reception, owner archives). Presets: a complaint on Friday
17:50, on the eve of National Day, in the lunch break; a consultation, a repair, a visitor, an archive
request (``engine/simulation/presets.yaml``). Nothing is written to kefu's database; the scope is
``policy.simulate`` (another subsidiary's project is a 403)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, render_template, request

from engine.errors import FormError
from engine.simulation import load_presets, load_script, script_processes
from webui.context import current_actor, login_required, services
from webui.errors import field_errors

__all__ = ["bp", "init_app"]

bp = Blueprint("simulation", __name__, url_prefix="/simulate")
_FIELDS = ("process", "unit", "at", "path", "overlay_unit", "overlay")


def _bad(field: str, en: str, zh: str) -> FormError:
    error = FormError(en, {field: en}, zh=zh)
    error.errors_zh = {field: zh}  # type: ignore[attr-defined]
    return error


def _moment(text: str, zone: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise _bad("at", f"{text!r} is not a date and time such as 2026-11-27T17:50",
                   "请填写受理时间，如 2026-11-27 17:50") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _page(form: dict[str, str], status: int = 200, **values: Any) -> Any:
    svc, actor = services(), current_actor()
    units = svc.simulation_units(actor)
    values.setdefault("errors", {})
    paths = {p: load_script(p).paths for p in script_processes()}
    overlay_units = svc.overlay_units(form.get("unit") or (units[0][0] if units else ""))
    return render_template("simulation/index.html", form=form, units=units, presets=load_presets(),
                           paths=paths, overlay_units=overlay_units, **values), status


@bp.route("", methods=["GET", "POST"])
@login_required
def index() -> Any:
    """The form; with ``unit`` and ``at`` given (a preset link or the form), the timelines."""
    source = request.form if request.method == "POST" else request.args
    form = {k: source.get(k, "") for k in _FIELDS}
    svc, actor = services(), current_actor()
    units = svc.simulation_units(actor)
    form["process"] = form["process"] or "complaint"
    form["path"] = form["path"] or "happy"
    form["unit"] = form["unit"] or (units[0][0] if units else "")
    known = script_processes()
    if form["process"] not in known:  # a typed or stale link: say so, and show the form for a process it has
        wrong = _bad("process", f"no simulation script for process {form['process'][:60]!r}"
                     f" (one of {', '.join(known)})",
                     "没有这个流程的模拟，请从列表中选择流程")
        return _page({**form, "process": "complaint", "path": "happy"}, 422, errors=field_errors(wrong),
                     failed=wrong)
    if not form["at"]:
        return _page(form)
    try:
        zone = svc.policy(None).calendar.tz
        at = _moment(form["at"], zone)
        # the field shows the policy clock's wall time (a link's 2026-12-31T16:00Z is 2027-01-01T00:00): sent
        # again without an offset, it is read on that clock, the same moment
        form["at"] = at.astimezone(zone).replace(tzinfo=None).isoformat(timespec="minutes")
        overlay = (form["overlay_unit"], form["overlay"]) if form["overlay"].strip() else None
        current, draft, comparison = svc.simulate(actor, form["process"], at, form["unit"], form["path"],
                                                  overlay)
    except FormError as exc:
        return _page(form, 422, errors=field_errors(exc), failed=exc)
    return _page(form, current=current, draft=draft, comparison=comparison)


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
