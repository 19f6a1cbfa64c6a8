"""kefu web UI: ``create_app(settings)`` builds the Flask app (staff pages and the ``/api/v1`` JSON API)."""

from __future__ import annotations

import importlib
import secrets
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g, redirect, url_for
from flask_wtf.csrf import CSRFProtect

from engine.settings import Settings, load_settings
from webui.context import calendar_outlook, intake_desks, main_nav, site_urls, timeline_actions
from webui.services import Services, build_services
from webui.uploads import MAX_UPLOAD_BYTES

__all__ = ["AREAS", "create_app", "csrf"]

csrf = CSRFProtect()
# One module per area, each with ``init_app(app)`` registering its blueprint; add new areas here
# (``ops`` first: its hooks time and log every request).
AREAS = ("ops", "auth", "account", "inbox", "intake", "case_list", "cases", "api", "faq", "repair",
         "visitors", "archives", "org", "holidays", "processes", "reports", "notices", "simulation",
         "assessment", "assessment_api", "policies", "campaigns", "campaigns_api", "contacts",
         "reviews", "review_api")


def _secret_key(settings: Settings) -> str:
    """The configured secret, else one kept in the data dir so sessions survive a restart."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> Flask:
    """The kefu web app on ``settings`` (default: the ``KEFU_*`` environment)."""
    from webui import errors, i18n, validation

    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES + 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        KEFU_TIMEZONE=ZoneInfo("Asia/Shanghai"),
        KEFU_BASE_URL=settings.base_url,
    )
    app.extensions["kefu"] = services or build_services(settings)

    @app.before_request  # first of the hooks: the policy version in force is read once per request
    def _request_scope() -> None:
        scope = app.extensions["kefu"].request()
        scope.__enter__()
        g.kefu_request_scope = scope

    @app.teardown_request
    def _end_request_scope(_exc: BaseException | None) -> None:
        scope = g.pop("kefu_request_scope", None)
        if scope is not None:
            scope.__exit__(None, None, None)

    csrf.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    validation.bound_ids(app)  # before the areas: their <int:…> routes take the bounded converter
    for name in AREAS:
        importlib.import_module(f"webui.{name}").init_app(app)
    validation.init_app(app)  # after the areas: the signed-in actor is loaded first
    app.jinja_env.globals["calendar_outlook"] = calendar_outlook
    app.jinja_env.globals["intake_desks"] = intake_desks
    app.jinja_env.globals["main_nav"] = main_nav
    app.jinja_env.globals["timeline_actions"] = timeline_actions
    app.jinja_env.globals["site_urls"] = site_urls

    @app.get("/")
    def index() -> Any:
        return redirect(url_for("inbox.show"))

    return app
