"""The account page: one's own sessions (end one, or log out everywhere), API tokens and absences."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for

from engine.credentials import Credentials
from webui.context import current_actor, login_required, services
from webui.i18n import pick

__all__ = ["bp", "init_app"]

bp = Blueprint("account", __name__, url_prefix="/account")


def _current_ref() -> str:
    secret = session.get("sid")
    return Credentials.ref_of(secret) if isinstance(secret, str) and secret else ""


@bp.get("")
@login_required
def show() -> Any:
    """Who I am, where I am signed in, and my API tokens."""
    svc = services()
    login = current_actor().login
    sessions = [(Credentials.ref(s), s) for s in svc.credentials.sessions(login)]
    tokens = svc.credentials.tokens(login)
    limits = svc.credentials.limits
    admin = svc.org_admin()
    colleagues = {s.login: s.name for s in admin.colleagues(login, login)}
    return render_template("account.html", sessions=sessions, current=_current_ref(), tokens=tokens,
                           now=svc.clock.now(), idle=int(limits.idle.total_seconds() // 60),
                           max_age=int(limits.max_age.total_seconds() // 60),
                           absences=admin.absences(login, login), colleagues=colleagues,
                           deputy=svc.standing_deputy(login))


@bp.post("/sessions/end")
@login_required
def end_one() -> Any:
    """End one of my other sessions (another browser or device)."""
    ref = request.form.get("ref", "")
    if ref and ref != _current_ref() and services().credentials.end_sessions(current_actor().login, "ended",
                                                                             refs=[ref]):
        flash(pick({"zh": "该会话已结束，那台设备需要重新登录。",
                    "en": "That session has ended; the device must sign in again."}), "ok")
    else:
        flash(pick({"zh": "没有找到这个会话（可能已经结束）。",
                    "en": "No such session of yours (it may have ended already)."}), "error")
    return redirect(url_for("account.show"))


@bp.post("/sessions/end-all")
@login_required
def end_all() -> Any:
    """Log out everywhere: every session of mine ends, this one included."""
    count = services().credentials.end_sessions(current_actor().login, "everywhere")
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(pick({"zh": f"已在所有设备上退出登录（{count} 个会话）。",
                "en": f"Signed out everywhere ({count} session(s))."}), "ok")
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
