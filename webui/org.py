"""Organisation administration pages: units, staff, roles, deputies, deactivation and absences.

Each level's administrator (``org_admin``) sees and edits the units at and below their level; the
engine (``engine.org_admin``) asks the permission function for every change and audits it. Anyone
may record their own absence (the account page posts here too).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for

from engine.errors import FormError, NotFoundError
from engine.org_admin import OrgAdmin, OrgScope
from webui.context import current_actor, login_required, services
from webui.errors import field_errors
from webui.i18n import pick

__all__ = ["KIND_NAMES", "bp", "init_app", "parse_local"]

bp = Blueprint("org", __name__, url_prefix="/org")

KIND_NAMES = {"group": {"zh": "集团", "en": "Group"},
              "subsidiary": {"zh": "公司", "en": "Subsidiary"},
              "project": {"zh": "项目（管理处）", "en": "Project"},
              "department": {"zh": "部门", "en": "Department"}}
STAFF_FIELDS = ("login", "name", "unit", "phone", "email", "deputy")


def _admin() -> OrgAdmin:
    return services().org_admin()


def parse_local(text: str | None) -> datetime | None:
    """A ``datetime-local`` value (``2026-11-24T08:30``) read in the policy time zone; None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FormError(f"{text!r} is not a date and time", {"when": "YYYY-MM-DDTHH:MM"},
                        zh=f"“{text}”不是有效的日期时间") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=current_app.config["KEFU_TIMEZONE"])


def _names(key: str) -> list[dict[str, str]]:
    """``{code, name}`` of a group policy list in the page language (roles, departments)."""
    items = services().policies.effective(None).get(key) or ()
    return [{"code": str(i["code"]),
             "name": pick({"zh": i.get("name", i["code"]), "en": i.get("en") or i["code"]})} for i in items]


def _page(template: str, status: int = 200, **values: Any) -> Any:
    values.setdefault("errors", {})
    if "scope" in values:  # a new person's deputy is picked by name among the active staff in scope
        values.setdefault("colleagues", {s.login: s.name for s in values["scope"].staff if s.active})
    return render_template(template, kinds=KIND_NAMES, roles=_names("roles"),
                           departments=_names("departments"), **values), status


def _staff_values() -> dict[str, Any]:
    values: dict[str, Any] = {k: request.form.get(k, "").strip() for k in STAFF_FIELDS}
    values["roles"] = request.form.getlist("roles") + [
        r.strip() for r in request.form.get("roles_elsewhere", "").split(",") if r.strip()]
    return values


@bp.get("")
@login_required
def index() -> Any:
    """The units the actor administers, as a tree, with their staff counts; a form to add a unit."""
    scope = _admin().scope(current_actor().login)
    return _page("org/index.html", scope=scope, counts=_counts(scope), values={})


def _counts(scope: OrgScope) -> dict[str, tuple[int, int]]:
    counts: dict[str, tuple[int, int]] = {}
    for person in scope.staff:
        active, inactive = counts.get(person.unit, (0, 0))
        counts[person.unit] = (active + 1, inactive) if person.active else (active, inactive + 1)
    return counts


@bp.post("/units")
@login_required
def add_unit() -> Any:
    """Add a unit under one the actor administers."""
    values = {k: request.form.get(k, "").strip() for k in ("code", "name", "kind", "parent", "department")}
    try:
        unit = _admin().save_unit(current_actor().login, values, new=True)
    except FormError as exc:
        scope = _admin().scope(current_actor().login)
        return _page("org/index.html", 422, scope=scope, counts=_counts(scope), values=values,
                     errors=field_errors(exc))
    flash(pick({"zh": f"已新增单位「{unit.name}」。", "en": f"Unit {unit.name} added."}), "success")
    return redirect(url_for("org.unit", code=unit.code))


@bp.route("/units/<code>", methods=["GET", "POST"])
@login_required
def unit(code: str) -> Any:
    """One unit: rename it, its staff, add a person."""
    actor = current_actor().login
    scope = _admin().scope(actor)
    if code not in scope.managed:
        raise NotFoundError(f"no unit {code!r} in your scope", zh=f"您管理的范围内没有单位 {code}")
    found = scope.units[code]
    values = {"name": found.name, "department": found.department or ""}
    if request.method == "POST":
        values = {"code": code, "name": request.form.get("name", ""),
                  "department": request.form.get("department", "")}
        try:
            saved = _admin().save_unit(actor, values, new=False)
        except FormError as exc:
            return _page("org/unit.html", 422, scope=scope, unit=found, values=values,
                         errors=field_errors(exc), staff_values={"unit": code}, staff_errors={})
        flash(pick({"zh": f"已保存「{saved.name}」。", "en": f"{saved.name} saved."}), "success")
        return redirect(url_for("org.unit", code=code))
    return _page("org/unit.html", scope=scope, unit=found, values=values, staff_values={"unit": code},
                 staff_errors={})


@bp.post("/staff")
@login_required
def add_staff() -> Any:
    """Add a staff member (they sign in once a password or token is issued)."""
    actor = current_actor().login
    values = _staff_values()
    try:
        person = _admin().save_staff(actor, values, new=True)
    except FormError as exc:
        scope = _admin().scope(actor)
        code = values["unit"] if values["unit"] in scope.managed else scope.managed[0]
        found = scope.units[code]
        return _page("org/unit.html", 422, scope=scope, unit=found,
                     values={"name": found.name, "department": found.department or ""},
                     staff_values=values, staff_errors=field_errors(exc))
    flash(pick({"zh": f"已新增人员 {person.name}（{person.login}）。",
                "en": f"{person.name} ({person.login}) added."}), "success")
    return redirect(url_for("org.person", login=person.login))


def _person_page(login: str, status: int = 200, **extra: Any) -> Any:
    admin = _admin()
    actor = current_actor().login
    view = admin.person(actor, login)
    scope = admin.scope(actor)
    person = view.staff
    values = extra.pop("values", None) or {
        "login": person.login, "name": person.name, "unit": person.unit, "phone": person.phone or "",
        "email": person.email or "", "deputy": person.deputy or "", "roles": list(person.roles)}
    names = {s.login: s.name for s in view.colleagues}
    return _page("org/person.html", status, view=view, scope=scope, values=values, names=names,
                 now=services().clock.now(), **extra)


@bp.route("/staff/<login>", methods=["GET", "POST"])
@login_required
def person(login: str) -> Any:
    """A staff member: their details, roles and deputy; absences; deactivation."""
    if request.method == "POST":
        values = {**_staff_values(), "login": login}
        try:
            _admin().save_staff(current_actor().login, values, new=False)
        except FormError as exc:
            return _person_page(login, 422, values=values, errors=field_errors(exc))
        flash(pick({"zh": "已保存。", "en": "Saved."}), "success")
        return redirect(url_for("org.person", login=login))
    return _person_page(login)


@bp.post("/staff/<login>/deactivate")
@login_required
def deactivate(login: str) -> Any:
    """Deactivate: open tasks back to the queue or to a named person; sessions and tokens end."""
    handover = request.form.get("handover", "queue")
    try:
        done = _admin().deactivate(current_actor().login, login, handover)
    except FormError as exc:
        return _person_page(login, 422, deactivate_errors=field_errors(exc))
    to = pick({"zh": "任务组队列", "en": "their queues"}) if handover in ("", "queue") else handover
    flash(pick({"zh": f"已停用。{len(done.handed_over)} 项待办已转交{to}；结束会话 {done.sessions_ended} 个，"
                      f"吊销令牌 {done.tokens_revoked} 个。",
                "en": f"Deactivated. {len(done.handed_over)} open task(s) went to {to}; "
                      f"{done.sessions_ended} session(s) ended, {done.tokens_revoked} token(s) revoked."}),
          "success")
    return redirect(url_for("org.person", login=login))


@bp.post("/staff/<login>/password")
@login_required
def reset_password(login: str) -> Any:
    """Give a staff member a new password, shown once on the page this returns (never in a cookie or a
    flash message); their sessions end."""
    return _person_page(login, new_password=services().reset_password(current_actor(), login))


@bp.post("/staff/<login>/reactivate")
@login_required
def reactivate(login: str) -> Any:
    """Let a deactivated staff member work again."""
    _admin().reactivate(current_actor().login, login)
    flash(pick({"zh": "已重新启用。", "en": "Active again."}), "success")
    return redirect(url_for("org.person", login=login))


def _back(login: str) -> str:
    target = request.form.get("next", "")
    return url_for("account.show") if target == "account" else url_for("org.person", login=login)


@bp.post("/staff/<login>/absences")
@login_required
def record_absence(login: str) -> Any:
    """Record an absence (one's own, or as the administrator) with the deputy who takes the tasks."""
    form = {k: request.form.get(k, "") for k in ("starts_at", "ends_at", "deputy", "reason")}
    try:
        _, moved = _admin().record_absence(current_actor().login, login, parse_local(form["starts_at"]),
                                           parse_local(form["ends_at"]), form["deputy"], form["reason"])
    except FormError as exc:
        flash(pick({"zh": "请假未登记：", "en": "The absence was not recorded: "})
              + "；".join(field_errors(exc).values() or [str(exc)]), "error")
        return redirect(_back(login))
    flash(pick({"zh": f"已登记请假。{len(moved)} 项到期待办已交代理人。",
                "en": f"Absence recorded. {len(moved)} task(s) due meanwhile went to the deputy."}),
          "success")
    return redirect(_back(login))


@bp.post("/absences/<int:absence_id>/cancel")
@login_required
def cancel_absence(absence_id: int) -> Any:
    """Cancel an absence (tasks already handed over stay with the deputy)."""
    _admin().cancel_absence(current_actor().login, absence_id)
    flash(pick({"zh": "已取消请假。", "en": "Absence cancelled."}), "success")
    target = request.form.get("next", "")
    login = request.form.get("login", "")
    return redirect(url_for("account.show") if target == "account" or not login else url_for("org.person",
                                                                                               login=login))


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
