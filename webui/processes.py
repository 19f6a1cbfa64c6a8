"""The process area 流程 (issue 14): processes and their versions, the web modeler with drafts that are
checked on save, deploying a draft, the diff of two versions on the diagram and moving open cases.

Process owners (``process_owner`` at the group) edit, deploy and migrate; managers and group-level
staff read. Every route asks ``engine.permissions`` through the engine functions it calls
(``engine.process_drafts``, ``Runtime.migrate_cases``).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, flash, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup

from engine.errors import DiagramError, FormError, KefuError, NotFoundError, PermissionDenied
from engine.permissions import Target, require
from webui.context import current_actor, login_required, services
from webui.errors import error_body, message_of, status_of
from webui.i18n import lang, localtime

__all__ = ["bp", "init_app"]

bp = Blueprint("processes", __name__, url_prefix="/processes")


def _require(action: str) -> None:
    """Ask ``engine.permissions`` before a page that offers ``action`` at all (the engine asks again)."""
    subject = current_actor().subject
    if subject is None:
        raise PermissionDenied("sign in again", zh="请重新登录")
    require(subject, action, Target("process", None))


def _json_for_script(value: Any) -> Markup:
    """JSON safe inside <script>: no closing tags, no HTML comment openers."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@bp.get("")
@login_required
def index() -> Any:
    """Every process with its versions, the current one, who deployed it, open cases per version."""
    catalog = services().process_catalog(current_actor())
    return render_template("processes/index.html", catalog=catalog, names=services().staff_names(),
                           process_names=_process_names(p.process_id for p in catalog))


def _process_names(process_ids: Any) -> dict[str, str]:
    """Every diagram the processes run (their called processes too) by name, "投诉处理 Complaint"."""
    runtime = services().runtime
    return {d.process_id: d.name for pid in process_ids for d in runtime.current_definition(pid).diagrams()}


@bp.get("/<process_id>/modeler")
@login_required
def modeler(process_id: str) -> Any:
    """The modeler on the actor's draft (or the current version); read-only without ``process.edit``."""
    return _modeler_page(process_id)


def _modeler_page(process_id: str, status: int = 200, error: str | None = None) -> Any:
    actor = current_actor()
    data = services().process_modeler(actor, process_id)
    may_edit = actor.may("process.edit")
    config = {
        "process": process_id, "xml": data["xml"], "forms": data["forms"], "findings": data["findings"],
        "clean": data["clean"] and data["draft"], "checked": data["checked"],
        "lanes": data["lanes"], "deadlines": data["deadlines"], "lists": data["lists"],
        "field_types": data["field_types"], "actions": data["actions"], "readOnly": not may_edit,
        "lang": lang(),
        "urls": {"save": url_for("processes.save_draft", process_id=process_id),
                 "modeler_of": url_for("processes.modeler", process_id="__PROCESS__")},
    }
    return render_template("processes/modeler.html", data=data, config=_json_for_script(config),
                           process_name=_process_names([process_id]).get(process_id, process_id),
                           may_edit=may_edit, may_deploy=actor.may("process.deploy"), error=error), status


@bp.post("/<process_id>/draft")
@login_required
def save_draft(process_id: str) -> Any:
    """Save the draft (JSON ``{xml, forms}``) and check it; answers the findings as JSON."""
    body = request.get_json(silent=True)
    try:
        if not isinstance(body, dict):
            raise FormError("send a JSON object {xml, forms}", {"xml": "required"},
                            zh="请求内容应为 {xml, forms}")
        draft = services().save_process_draft(current_actor(), process_id, body.get("xml"), body.get("forms"))
    except KefuError as exc:
        answer = error_body(exc)
        answer["error"]["message"] = message_of(exc)
        return jsonify(answer), status_of(exc)
    saved = localtime(draft.saved_at, "%Y-%m-%d %H:%M:%S")
    return jsonify({"saved_at": saved, "clean": draft.clean, "findings": draft.findings})


@bp.post("/<process_id>/draft/discard")
@login_required
def discard_draft(process_id: str) -> Any:
    """Throw the draft away: the modeler opens the current version again."""
    services().discard_process_draft(current_actor(), process_id)
    flash("草稿已放弃" if lang() == "zh" else "Draft discarded", "success")
    return redirect(url_for("processes.modeler", process_id=process_id))


@bp.post("/<process_id>/deploy")
@login_required
def deploy(process_id: str) -> Any:
    """Deploy the saved draft as the new current version (a clean check; audited)."""
    try:
        done = services().deploy_process_draft(current_actor(), process_id)
    except DiagramError as exc:
        findings = getattr(exc, "findings", [])
        text = (f"发布被拒绝：检查发现 {len(findings) or 1} 个问题，请在草稿中改正后保存" if lang() == "zh"
                else f"Deploy refused: {len(findings) or 1} problem(s); fix them in the draft and save")
        return _modeler_page(process_id, 422, text)
    labels = "、".join(f"{r.process_id} {r.version.label}" for r in done) or process_id
    if lang() == "zh":
        flash(f"已发布：{labels}。新案件将按新版本办理；在办案件可在“迁移”页迁移。" if done
              else "草稿与当前版本相同，没有发布新版本", "success")
    else:
        flash(f"Deployed: {labels}." if done else "The draft equals the current version; nothing deployed",
              "success")
    return redirect(url_for("processes.index"))


@bp.get("/<process_id>/diff")
@login_required
def diff(process_id: str) -> Any:
    """Two versions compared: added, removed and changed elements coloured on both diagrams."""
    old = request.args.get("from", "").strip() or "v1"
    new = request.args.get("to", "").strip() or "current"
    data = services().process_diff(current_actor(), process_id, old, new)
    config = {"before": "diff-before", "after": "diff-after", "lang": lang(),
              "before_xml": data["before_xml"], "after_xml": data["after_xml"], "marks": data["marks"]}
    entry = next((p for p in services().process_catalog(current_actor()) if p.process_id == process_id), None)
    versions: list[Any] = entry.versions if entry is not None else []
    name = entry.name if entry is not None else process_id
    return render_template("processes/diff.html", data=data, config=_json_for_script(config),
                           versions=versions, process_id=process_id, process_name=name)


@bp.route("/<process_id>/migrate", methods=["GET", "POST"])
@login_required
def migrate(process_id: str) -> Any:
    """Move open cases: a dry run lists each case movable or not with the reason; applying moves the
    selected ones, each in its own transaction, and shows the result per case."""
    actor = current_actor()
    summary = _summary(actor, process_id)
    _require("process.migrate")
    target = (request.values.get("to") or (summary.current.record.label if summary.current else "")).strip()
    moves = applied = None
    status = 200
    if request.method == "POST":
        try:
            if request.form.get("apply"):
                numbers = [n for n in request.form.getlist("case") if n.strip()]
                if not numbers:
                    raise FormError("select at least one case to move", {"case": "required"},
                                    zh="请至少选择一个要迁移的案件")
                applied = services().migrate_cases(actor, process_id, target, numbers, dry_run=False)
                summary = _summary(actor, process_id)  # the open cases per version have moved
            else:
                moves = services().migrate_cases(actor, process_id, target, None, dry_run=True)
        except KefuError as exc:
            status = status_of(exc)
            flash(message_of(exc), "error")
    return render_template("processes/migrate.html", summary=summary, target=target, moves=moves,
                           applied=applied), status


def _summary(actor: Any, process_id: str) -> Any:
    found = next((p for p in services().process_catalog(actor) if p.process_id == process_id), None)
    if found is None:
        raise NotFoundError(f"no process {process_id!r} is deployed", zh=f"没有已发布的流程 {process_id}")
    return found


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
