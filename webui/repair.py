"""Repair dispatch orders 派工单: issue one (numbered in its step), the print view (4 copies), the PDF."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, flash, redirect, render_template, request, url_for

from engine.errors import FormError
from engine.print_order import SIGNATURES, copy_label, render_order_pdf
from engine.repair_orders import dispatch_order, issue_dispatch_order, printable_order
from webui.context import current_actor, login_required, services
from webui.errors import field_errors
from webui.i18n import pick

__all__ = ["bp", "init_app"]

bp = Blueprint("repair", __name__, url_prefix="/repair")


def _company(subsidiary: str | None) -> str:
    policies = services().policies
    try:
        return str(policies.effective(subsidiary).get("unit.name"))
    except Exception:  # an org unit without an overlay: the group's name
        return str(policies.effective(None).get("unit.name"))


@bp.post("/<number>/tasks/<task_id>/issue-order")
@login_required
def issue(number: str, task_id: str) -> Any:
    """Complete the ``issue_order`` task and issue the numbered order in one transaction."""
    data = {k: request.form.get(k, "") for k in ("order_items", "order_note")}
    try:
        order = issue_dispatch_order(services().runtime, task_id, current_actor().login, data)
    except FormError as exc:
        details = "; ".join(f"{k}: {v}" for k, v in field_errors(exc).items()) or exc.message
        flash(pick({"zh": "派工单未开具：", "en": "Order not issued: "}) + details, "error")
        return redirect(url_for("cases.show", number=number))
    flash(pick({"zh": f"派工单 {order.number} 已开具。", "en": f"Dispatch order {order.number} issued."}),
          "success")
    return redirect(url_for("repair.order", number=order.case_number))


@bp.get("/<number>/order")
@login_required
def order(number: str) -> Any:
    """The print-friendly order: one block per copy, page breaks between them."""
    found = dispatch_order(services().runtime, number, current_actor().login)
    printable = printable_order(found)
    labels = [copy_label(i, c) for i, c in enumerate(printable.copies)] or [""]
    return render_template("repair/order.html", printable=printable, labels=labels,
                           company=_company(found.subsidiary), signatures=SIGNATURES)


@bp.get("/<number>/order.pdf")
@login_required
def order_pdf(number: str) -> Any:
    """The same order as a PDF (reportlab, built-in Chinese font)."""
    found = dispatch_order(services().runtime, number, current_actor().login)
    pdf = render_order_pdf(printable_order(found), _company(found.subsidiary))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{found.number}.pdf"'})


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
