"""Repair dispatch orders 派工单: issue one (numbered in its step), the print view (4 copies), the PDF."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, render_template

from engine.print_order import SIGNATURES, copy_label, render_order_pdf
from engine.repair_orders import dispatch_order, printable_order
from webui.context import current_actor, login_required, services

__all__ = ["bp", "init_app"]

bp = Blueprint("repair", __name__, url_prefix="/repair")


def _company(subsidiary: str | None) -> str:
    policies = services().policies
    try:
        return str(policies.effective(subsidiary).get("unit.name"))
    except Exception:  # an org unit without an overlay: the group's name
        return str(policies.effective(None).get("unit.name"))


@bp.get("/<number>/order")
@login_required
def order(number: str) -> Any:
    """The print-friendly order: one block per copy, page breaks between them."""
    found = dispatch_order(services().runtime, number, current_actor().login)
    printable = printable_order(found, services().runtime.zone)
    labels = [copy_label(i, c) for i, c in enumerate(printable.copies)] or [""]
    return render_template("repair/order.html", printable=printable, labels=labels,
                           company=_company(found.subsidiary), signatures=SIGNATURES)


@bp.get("/<number>/order.pdf")
@login_required
def order_pdf(number: str) -> Any:
    """The same order as a PDF (reportlab, built-in Chinese font)."""
    found = dispatch_order(services().runtime, number, current_actor().login)
    pdf = render_order_pdf(printable_order(found, services().runtime.zone), _company(found.subsidiary))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{found.number}.pdf"'})


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
