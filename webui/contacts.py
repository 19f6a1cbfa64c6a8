"""The 通讯录 page (R0.3, issue 17): every staff member searches the published contacts (an area's 400
hotline and e-mail, a department's contact person, phone and e-mail); those who may (``contact.edit``)
edit a unit's contacts; the CS centre acknowledges each change within ``interfaces.change_notice``.
The intake pages link here. Every change and acknowledgement is done and audited by ``engine.contacts``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for

from engine.contacts import overdue
from engine.errors import FormError
from webui.context import current_actor, login_required, services
from webui.errors import field_errors
from webui.i18n import pick
from webui.org import KIND_NAMES

__all__ = ["bp", "init_app"]

bp = Blueprint("contacts", __name__, url_prefix="/contacts")


@bp.get("")
@login_required
def index() -> Any:
    """The book (searched with ``q``) and, for the CS centre, the changes to acknowledge."""
    actor = current_actor().login
    book = services().contacts()
    query = request.args.get("q", "")
    return render_template("contacts/index.html", cards=book.book(actor, query), query=query,
                           pending=book.pending(actor), now=services().clock.now(), overdue=overdue,
                           kind_names=KIND_NAMES)


@bp.route("/<code>", methods=["GET", "POST"])
@login_required
def edit(code: str) -> Any:
    """One unit's contacts: the form (PermissionDenied for whoever may not edit them)."""
    actor = current_actor().login
    book = services().contacts()
    card = book.card(actor, code)
    values = {c.code: c.value for c in card.channels}
    if request.method == "POST":
        values = {c.code: request.form.get(c.code, "") for c in card.channels}
        try:
            change = book.save(actor, code, values)
        except FormError as exc:
            return render_template("contacts/edit.html", card=card, values=values, errors=field_errors(exc),
                                   kind_names=KIND_NAMES), 422
        if change is None:
            flash(pick({"zh": "没有修改。", "en": "Nothing changed."}), "info")
        else:
            flash(pick({"zh": f"已保存「{card.name}」的对接信息，并已通知客服中心确认。",
                        "en": f"Contacts of {card.name} saved; the CS centre is told."}), "success")
        return redirect(url_for("contacts.index", q=card.name))
    return render_template("contacts/edit.html", card=card, values=values, errors={}, kind_names=KIND_NAMES)


@bp.post("/changes/<int:change_id>/acknowledge")
@login_required
def acknowledge(change_id: int) -> Any:
    """The CS centre has taken note of a change."""
    services().contacts().acknowledge(current_actor().login, change_id)
    flash(pick({"zh": "已确认。", "en": "Acknowledged."}), "success")
    return redirect(url_for("contacts.index"))


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
