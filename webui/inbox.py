"""The task inbox: my tasks, my group's queue, overdue, all open (supervisors); claim and release."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, redirect, render_template, request, url_for

from engine.contacts import overdue
from engine.reviews import Reviews
from engine.store.web_queries import SORTS, VIEWS, InboxFilter
from webui.context import current_actor, login_required, services

__all__ = ["bp", "init_app", "inbox_filter"]

bp = Blueprint("inbox", __name__)


def inbox_filter(args: Any) -> tuple[str, InboxFilter]:
    """(view, filter) from query or form arguments; unknown values fall back to defaults."""
    view = args.get("view", "mine")
    view = view if view in VIEWS else "mine"
    sort = args.get("sort", "due")
    try:
        page = max(1, int(args.get("page", 1)))
    except ValueError:
        page = 1
    return view, InboxFilter(
        q=args.get("q", "").strip()[:100],
        category=args.get("category", ""),
        sort=sort if sort in SORTS else "due",
        page=page,
    )


def _render(view: str, flt: InboxFilter, status: int = 200) -> Any:
    actor = current_actor()
    table_only = bool(request.headers.get("HX-Request"))
    # a whole page shows the bell: its count comes with the tab counts, not in a statement of its own
    page = services().inbox(actor, view, flt, unread=not table_only)
    categories = services().choices("complaint.categories")
    if table_only:
        return render_template("_inbox_table.html", page=page, flt=flt, categories=categories), status
    # the CS centre's other task: contact changes to acknowledge (R0.3, on the 通讯录 page)
    changes = services().contacts().pending(actor.login)
    now = services().clock.now()
    late = sum(1 for p in changes if overdue(p.change, now))
    # the quarterly systemic-issue tasks (R2.18) of the actor's department, beside the case tasks
    svc = services()
    review_tasks = Reviews(svc.store, svc.clock, svc.policies).my_tasks(actor.login)
    unread = page.unread
    return render_template("inbox.html", page=page, flt=flt, categories=categories,
                           contact_changes=len(changes), contact_changes_late=late,
                           review_tasks=review_tasks, unread_notices=lambda: unread), status


@bp.get("/inbox")
@login_required
def show() -> Any:
    """An inbox tab; htmx requests get only the tabs and table."""
    view, flt = inbox_filter(request.args)
    return _render(view, flt)


def _after_action() -> Any:
    view, flt = inbox_filter(request.form)
    if request.headers.get("HX-Request"):
        return _render(view, flt)
    back = request.form.get("next", "")
    if back.startswith("/cases/"):
        return redirect(back)
    return redirect(
        url_for("inbox.show", view=view, q=flt.q, category=flt.category, sort=flt.sort, page=flt.page)
    )


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str) -> Any:
    """Claim a task from the group queue."""
    services().claim(current_actor(), task_id)
    return _after_action()


@bp.post("/tasks/<task_id>/release")
@login_required
def release(task_id: str) -> Any:
    """Give a task back to the group queue."""
    services().release(current_actor(), task_id)
    return _after_action()


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
