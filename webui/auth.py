"""Sign in and out, and the language switch."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from webui.context import services
from webui.i18n import LANGUAGES

__all__ = ["bp", "init_app"]

bp = Blueprint("auth", __name__)
# The pages (GET) that ask no policy: their session is read alone. Every other page's versions in force
# come with its session's row (``Services.actor_for_session(with_reading=True)``).
ASKS_NO_POLICY = frozenset({"notices.bell", "notices.index", "case_list.earlier_of", "account.show"})
# The pages that write nothing and show the bell: its count comes with the session's row too.
BELL_WITH_SESSION = frozenset({"cases.show"})


def _safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site, else the inbox.

    Browsers drop tabs and newlines from a URL and read a backslash as ``/``, so ``/%09/evil.example``
    (decoded: slash, tab, slash) would leave the site: any control character or backslash is refused,
    and what remains must parse (urllib) as a bare path: no scheme, no host, one leading slash.
    """
    fallback = url_for("inbox.show")
    if not target or any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return fallback
    try:
        parts = urlsplit(target)
    except ValueError:
        return fallback
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.before_app_request
def load_actor() -> None:
    """Put the signed-in actor on ``g``: None when anonymous, or when the server ended the session."""
    g.actor = None
    g.session_unread = None
    if request.path.startswith(("/api/", "/static/")):
        return  # the API authenticates by token; static files need nobody
    secret = session.get("sid")
    if isinstance(secret, str) and secret:
        # a page (GET) asks the policy: its versions in force come with the session's row
        reading = request.method == "GET" and request.endpoint not in ASKS_NO_POLICY
        g.actor, g.session_unread = services().session_check(
            secret, with_reading=reading, with_unread=reading and request.endpoint in BELL_WITH_SESSION)
        if g.actor is None:
            session.pop("sid", None)


def _client() -> tuple[str, str]:
    return request.headers.get("User-Agent", ""), request.remote_addr or ""


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The sign-in page."""
    if request.method == "POST":
        actor = services().authenticate(request.form.get("login", ""), request.form.get("password", ""))
        if actor is not None:
            lang = session.get("lang")
            session.clear()  # a new cookie (and CSRF token) for the signed-in user
            session["sid"] = services().start_session(actor, *_client())
            if lang:
                session["lang"] = lang
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong login or password."), "error")
        return render_template("login.html", login=request.form.get("login", "")), 401
    return render_template("login.html", login="")


@bp.post("/logout")
def logout() -> Any:
    """Sign out: the session ends on the server (a copied cookie is dead too); keeps the language."""
    secret = session.get("sid")
    if isinstance(secret, str) and secret:
        services().end_session(secret)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@bp.post("/lang/<code>")
def set_language(code: str) -> Any:
    """Switch the page language."""
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next")))


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
