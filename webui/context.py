"""Request context helpers: the services object, the signed-in actor, ``login_required``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, redirect, request, url_for
from markupsafe import Markup

from webui.models import Actor
from webui.services import Services

__all__ = ["calendar_outlook", "current_actor", "intake_desks", "login_required", "main_nav", "services",
           "site_urls", "timeline_actions"]

F = TypeVar("F", bound=Callable[..., Any])


def services() -> Services:
    """The app's services (built once by ``create_app``)."""
    return current_app.extensions["kefu"]


def current_actor() -> Actor:
    """The signed-in actor (only inside ``login_required`` views)."""
    return g.actor


def calendar_outlook() -> list[tuple[int, str]]:
    """The header's holiday-calendar warning for the signed-in actor (``Services.calendar_outlook``)."""
    actor = g.get("actor")
    return services().calendar_outlook(actor) if actor is not None else []


def intake_desks() -> frozenset[str]:
    """The processes whose intake link the signed-in actor's menu offers (``Services.intake_desks``)."""
    actor = g.get("actor")
    return services().intake_desks(actor) if actor is not None else frozenset()


# The header's menu as rendered, by everything it depends on: about twenty ``url_for``s and labels that
# every page rendered again, now once per process for each language, script root, page and menu.
_NAV: dict[tuple[Any, ...], Markup] = {}
_NAV_KEPT = 2048  # a bound; more menus than this empty the dict and start again


def main_nav() -> Markup:
    """The signed-in actor's menu (``_nav.html``) with the current page's entry marked."""
    from webui.i18n import lang

    actor = g.actor
    endpoint = request.endpoint
    intake = ((request.view_args or {}).get("process_id", "complaint") if endpoint == "intake.new_case"
              else None)
    key = (lang(), request.script_root, endpoint, request.blueprint, intake, intake_desks(),
           bool(actor.org_admin), bool(actor.supervisor), actor.may("process.read"))
    html = _NAV.get(key)
    if html is None:
        language, root, endpoint, blueprint, intake, desks, org_admin, supervisor, may_read = key
        html = Markup(current_app.jinja_env.get_template("_nav.html").render(
            endpoint=endpoint, blueprint=blueprint, intake=intake, desks=desks, org_admin=org_admin,
            supervisor=supervisor, may_read_processes=may_read))
        if len(_NAV) >= _NAV_KEPT:
            _NAV.clear()
        _NAV[key] = html
    return html


_SITE: dict[str, dict[str, str]] = {}


def site_urls() -> dict[str, str]:
    """The page frame's fixed links (styles, scripts, the brand, account, sign-out, the language
    switch), built once per script root instead of on every page."""
    root = request.script_root
    urls = _SITE.get(root)
    if urls is None:
        urls = _SITE[root] = {
            "kefu.css": url_for("static", filename="kefu.css"),
            "htmx.min.js": url_for("static", filename="vendor/htmx.min.js"),
            "kefu.js": url_for("static", filename="kefu.js"),
            "inbox": url_for("inbox.show"),
            "account": url_for("account.show"),
            "logout": url_for("auth.logout"),
            "to_en": url_for("auth.set_language", code="en"),
            "to_zh": url_for("auth.set_language", code="zh_CN"),
        }
    return urls


_ACTIONS: dict[str, dict[str, Any]] = {}


def timeline_actions() -> dict[str, Any]:
    """The case timeline's words for each audit action (``_timeline_actions.html``), once per language:
    the case page built the dict of 27 translations and 7 picks on every view."""
    from webui.i18n import lang

    language = lang()
    actions = _ACTIONS.get(language)
    if actions is None:
        module: Any = current_app.jinja_env.get_template("_timeline_actions.html").make_module()
        actions = _ACTIONS[language] = dict(module.actions)
    return actions


def login_required(view: F) -> F:
    """Send anonymous visitors to the login page, remembering where they wanted to go."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("actor") is None:
            return redirect(
                url_for("auth.login", next=request.full_path if request.query_string else request.path)
            )
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
