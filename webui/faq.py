"""The FAQ book 《答客户100问》 pages: browse by line, Chinese search, add, edit, retire, add from a case."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for

from engine.errors import FormError
from engine.faq import FaqBook
from webui.context import current_actor, login_required, services
from webui.errors import field_errors
from webui.i18n import pick

__all__ = ["bp", "init_app"]

bp = Blueprint("faq", __name__, url_prefix="/faq")

FIELDS = ("line", "question", "answer", "keywords")


def _book() -> FaqBook:
    svc = services()
    return FaqBook.for_policy(svc.store, svc.clock, svc.policies.effective(None))


def _lines(book: FaqBook) -> list[dict[str, str]]:
    """The book's lines with their department names from the policy."""
    names = {d["code"]: d for d in services().policies.effective(None).get("departments")}
    return [{"code": code, "name": pick({"zh": names.get(code, {}).get("name", code),
                                          "en": names.get(code, {}).get("en", code)})} for code in book.lines]


def _added(entry_id: int) -> str:
    return pick({"zh": f"已加入《答客户100问》第 {entry_id} 条。", "en": f"Added as FAQ entry {entry_id}."})


@bp.get("")
@login_required
def index() -> Any:
    """The book by line, or the hits of a search."""
    book = _book()
    query = request.args.get("q", "").strip()
    line = request.args.get("line") or None
    if line is not None and line not in book.lines:
        line = None
    hits = book.search(query, line=line) if query else None
    entries = None if query else book.entries(line)
    return render_template("faq/index.html", query=query, line=line, lines=_lines(book), hits=hits,
                           entries=entries)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    """Add an entry."""
    book = _book()
    values = {k: request.form.get(k, "") for k in FIELDS} if request.method == "POST" else {
        "line": request.args.get("line", ""), "question": "", "answer": "", "keywords": ""}
    if request.method == "POST":
        try:
            entry = book.add(actor=current_actor().login, **values)
        except FormError as exc:
            return render_template("faq/edit.html", entry=None, values=values, errors=field_errors(exc),
                                   lines=_lines(book)), 422
        flash(_added(entry.id), "success")
        return redirect(url_for("faq.show", entry_id=entry.id))
    return render_template("faq/edit.html", entry=None, values=values, errors={}, lines=_lines(book))


@bp.get("/<int:entry_id>")
@login_required
def show(entry_id: int) -> Any:
    """One entry with its revisions."""
    book = _book()
    revisions = book.revisions(entry_id)
    return render_template("faq/show.html", entry=book.get(entry_id), revisions=revisions,
                           names=services().staff_names(sorted({r.by for r in revisions})),
                           lines={x["code"]: x["name"] for x in _lines(book)})


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id: int) -> Any:
    """Change the agreed wording (the old one stays as a revision)."""
    book = _book()
    entry = book.get(entry_id)
    values = {k: getattr(entry, k) for k in FIELDS}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in FIELDS}
        try:
            version = int(request.form.get("version", "0"))
        except ValueError:
            version = 0
        try:
            book.update(entry_id, version=version, actor=current_actor().login, **values)
        except FormError as exc:
            return render_template("faq/edit.html", entry=entry, values=values, errors=field_errors(exc),
                                   lines=_lines(book)), 422
        flash(pick({"zh": "说法已更新。", "en": "Wording updated."}), "success")
        return redirect(url_for("faq.show", entry_id=entry_id))
    return render_template("faq/edit.html", entry=entry, values=values, errors={}, lines=_lines(book))


@bp.post("/<int:entry_id>/retire")
@login_required
def retire(entry_id: int) -> Any:
    """Take an entry out of the book (kept with its history)."""
    try:
        version = int(request.form.get("version", "0"))
    except ValueError:
        version = 0
    _book().retire(entry_id, version=version, actor=current_actor().login)
    flash(pick({"zh": "该条目已停用。", "en": "Entry retired."}), "success")
    return redirect(url_for("faq.index"))


@bp.post("/from-case")
@bp.post("/from-case/<number>")
@login_required
def from_case(number: str = "") -> Any:
    """One step: a consultation's question and confirmed wording become an entry."""
    number = (number or request.form.get("number", "")).strip()
    if not number:
        raise FormError("give the consultation's case number", {"number": "required"})
    svc = services()
    entry = _book().add_from_consultation(svc.runtime, number, current_actor().login,
                                          line=request.form.get("line") or None)
    flash(_added(entry.id), "success")
    return redirect(url_for("faq.show", entry_id=entry.id))


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
