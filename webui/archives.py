"""Owner-archive pages (R5): checklist, documents, access requests (approve, relay, answer), disposal review.

Every decision is made in ``engine.archives``: these views only parse input, call one function and
render. A requester's page shows the answer text only; files are served only through
``view_document``/``download_document``, which check access and write the audit event.
"""

from __future__ import annotations

import mimetypes
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, Response, abort, flash, redirect, render_template, request, url_for

from engine import archives
from engine.errors import FormError, NotFoundError
from engine.store.visitor_repo import VisitorRepo
from webui.context import current_actor, login_required, services
from webui.errors import message_of
from webui.i18n import pick
from webui.uploads import check_pixels, sniff

__all__ = ["bp", "init_app"]

bp = Blueprint("archives", __name__, url_prefix="/archives")
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain"}


def _policy() -> Any:
    return services().policies.effective(None)


@bp.get("")
@login_required
def index() -> Any:
    """Households the actor may open, and a request form for the others."""
    svc = services()
    actor = current_actor().login
    with svc.store.read() as tx:
        rows = VisitorRepo(tx).households(None, request.args.get("room") or None)
    allowed = [h for h in rows if archives.decide_access(svc.runtime, actor, h["code"], "checklist").allowed]
    return render_template("archives/index.html", households=allowed, room=request.args.get("room", ""))


@bp.get("/household/<code>")
@login_required
def household(code: str) -> Any:
    """The R5.1 checklist of a household: present and missing documents (asks for the reason first)."""
    why = request.args.get("why", "").strip()
    if not why:
        return render_template("archives/why.html", code=code)
    items = archives.checklist(services().runtime, current_actor().login, code, why)
    with services().store.read() as tx:
        home = VisitorRepo(tx).household(code)
    return render_template(
        "archives/checklist.html",
        items=items,
        home=home,
        why=why,
        missing=sum(1 for i in items if not i.present),
    )


@bp.post("/household/<code>/upload")
@login_required
def upload(code: str) -> Any:
    """Store a scanned document in the archive."""
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(pick({"zh": "请选择文件。", "en": "Choose a file."}), "error")
    else:
        content = file.read()
        if (sniff(content) or "").startswith("image/"):
            check_pixels(content, services().max_image_pixels)
        archives.store_document(
            services().runtime,
            current_actor().login,
            code,
            request.form.get("doc_type", ""),
            file.filename,
            content,
            services().data_dir,
        )
        flash(pick({"zh": "已归档。", "en": "Filed."}), "success")
    return redirect(url_for("archives.household", code=code, why=request.form.get("why", "归档")))


@bp.get("/document/<int:document_id>")
@login_required
def document(document_id: int) -> Any:
    """Show (``?download=1``: download) a stored document; the reason is required and audited."""
    download = bool(request.args.get("download"))
    reader = archives.download_document if download else archives.view_document
    meta, content = reader(
        services().runtime,
        current_actor().login,
        document_id,
        request.args.get("why", ""),
        services().data_dir,
    )
    kind = mimetypes.guess_type(meta["filename"])[0] or "application/octet-stream"
    if download or kind not in INLINE_TYPES:  # never render stored HTML or scripts in the page's origin
        kind, disposition = "application/octet-stream", "attachment"
    else:
        disposition = "inline"
    return Response(
        content,
        mimetype=kind,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(meta['filename'])}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


@bp.route("/request", methods=["GET", "POST"])
@login_required
def new_request() -> Any:
    """Ask for information from an archive the actor may not open (R5.2)."""
    values = {k: request.form.get(k, "").strip() for k in ("household", "purpose", "question")}
    if request.method == "POST":
        try:
            case = archives.request_access(
                services().runtime,
                current_actor().login,
                values["household"],
                values["purpose"],
                values["question"],
                request.form.getlist("documents"),
                bool(request.form.get("direct_view")),
            )
        except (FormError, NotFoundError) as exc:
            flash(message_of(exc), "error")
            return _request_form(values), 422
        return redirect(url_for("archives.show_request", number=case.number))
    values["household"] = request.args.get("household", "")
    return _request_form(values)


def _request_form(values: dict[str, str]) -> str:
    with services().store.read() as tx:
        rows = VisitorRepo(tx).households()
    return render_template(
        "archives/request.html", values=values, households=rows, documents=_policy().get("archive.documents")
    )


@bp.get("/requests/<number>")
@login_required
def show_request(number: str) -> Any:
    """A request: its requester sees the answer text; the supervisor and the CS specialist act on it."""
    svc = services()
    actor = current_actor().login
    case = svc.runtime.get_case(number, actor)
    if case.process_id != "archive_access":
        abort(404)
    answer = archives.read_answer(svc.runtime, number, actor) if case.first_receiver == actor else None
    page = svc.case_page(current_actor(), number)  # the request's record: what each step decides on, who may
    tasks = {t.spec: t for t in page.tasks if t.needs is None}  # only the steps this reader may take
    return render_template(
        "archives/show_request.html",
        case=case,
        page=page,
        answer=answer,
        tasks=tasks,
        others=[t for t in page.tasks if t.needs is not None],
        documents=_policy().get("archive.documents"),
    )


@bp.post("/requests/<number>/approve")
@login_required
def approve(number: str) -> Any:
    """The supervisor approves or refuses."""
    svc = services()
    task = next(
        (
            t
            for t in svc.runtime.get_case(number, current_actor().login).tasks
            if t.task_name == "approve_request"
        ),
        None,
    )
    if task is None:
        abort(409)
    svc.runtime.complete_task(
        task.task_id,
        current_actor().login,
        {
            "decision": request.form.get("decision", ""),
            "decision_note": request.form.get("decision_note", ""),
        },
    )
    return redirect(url_for("archives.show_request", number=number))


@bp.post("/requests/<number>/relay")
@login_required
def relay(number: str) -> Any:
    """The CS specialist relays the answer (text only)."""
    archives.relay_answer(
        services().runtime,
        number,
        current_actor().login,
        request.form.get("answer", ""),
        request.form.getlist("documents"),
    )
    flash(pick({"zh": "已转告申请人。", "en": "Answer relayed."}), "success")
    return redirect(url_for("archives.show_request", number=number))


@bp.get("/disposal")
@login_required
def disposal() -> Any:
    """Records whose retention ended, for a person to decide (R5.3)."""
    rows = archives.disposal_review(services().runtime, current_actor().login)
    return render_template("archives/disposal.html", rows=rows)


@bp.post("/disposal")
@login_required
def decide() -> Any:
    """Record a decision, or place / lift a legal hold."""
    svc, actor = services(), current_actor().login
    record, action = request.form.get("record", ""), request.form.get("action", "")
    note = request.form.get("note", "")
    if action == "hold":
        archives.place_legal_hold(svc.runtime, actor, record, note)
    elif action == "lift":
        archives.lift_legal_hold(svc.runtime, actor, record, note)
    else:
        archives.decide_disposal(svc.runtime, actor, record, action, note)
    flash(pick({"zh": "已记录。", "en": "Recorded."}), "success")
    return redirect(url_for("archives.disposal"))


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
