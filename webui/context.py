"""Request context helpers: the services object, the signed-in actor, ``login_required``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, redirect, request, url_for

from webui.models import Actor
from webui.services import Services

__all__ = ["calendar_outlook", "current_actor", "intake_desks", "login_required", "services"]

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
