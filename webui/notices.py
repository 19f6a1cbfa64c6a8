"""In-app notifications: the bell with the unread count in the top bar, the list, marking read.

The worker's outbox delivers the ``in_app`` channel as rows of ``notifications`` (one per person,
``engine/worker/outbox.py``); this page shows a person their own and nobody else's.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for

from webui.context import current_actor, login_required, services

__all__ = ["bp", "init_app"]

bp = Blueprint("notices", __name__)


@bp.get("/notifications")
@login_required
def index() -> Any:
    """The actor's notifications, newest first; unread ones stand out."""
    return render_template("notifications.html", notices=services().notices(current_actor()))


@bp.get("/notifications/bell")
@login_required
def bell() -> Any:
    """The bell with its count (htmx refreshes it every minute)."""
    return render_template("_bell.html", unread=services().unread_notices(current_actor()))


@bp.post("/notifications/read")
@login_required
def mark_read() -> Any:
    """Mark one notification (``id``) or all of them read."""
    raw = request.form.get("id", "")
    if raw and not raw.isdigit():
        abort(400)
    services().mark_notices_read(current_actor(), [int(raw)] if raw else None)
    return redirect(url_for("notices.index"))


@bp.post("/notifications/<int:notice_id>/open")
@login_required
def open_notice(notice_id: int) -> Any:
    """Mark a notification read and go to its case (or back to the list)."""
    services().mark_notices_read(current_actor(), [notice_id])
    case = request.form.get("case", "")
    mine = {n.id: n for n in services().notices(current_actor())}
    notice = mine.get(notice_id)
    if notice is not None and notice.case_number and notice.case_number == case:
        return redirect(url_for("cases.show", number=case))
    return redirect(url_for("notices.index"))


def init_app(app: Flask) -> None:
    """Register the blueprint and the bell's count for every page."""
    app.register_blueprint(bp)

    @app.context_processor
    def unread() -> dict[str, Any]:
        from flask import g

        actor = getattr(g, "actor", None)
        if actor is None:
            return {"unread_notices": None}
        kept = getattr(g, "session_unread", None)  # read with the session (webui.auth.BELL_WITH_SESSION)
        if kept is not None:
            return {"unread_notices": lambda: kept}
        return {"unread_notices": lambda: services().unread_notices(actor)}
