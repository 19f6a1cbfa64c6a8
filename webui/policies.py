"""Policy pages (issue 17): every staff member reads the rules of their units; a unit's policy editor
drafts a change (a form per rule, or the YAML in a code editor checked live), the group's policy
reviewer reviews it, the editor publishes it with an effective time.

The engine (``engine.policy_drafts``) asks the permission function for every read and write and
audits each step; these views parse the input, call it and render.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from engine.errors import FormError
from engine.policy import PolicyErrors
from engine.policy.catalogue import ENTRIES, RECORD_FIELDS
from engine.policy.document import chapters, document_title, render_docx, render_pdf
from engine.policy.yaml_edit import LIST_KINDS, SCALAR_KINDS, form_text
from engine.policy_drafts import STATUS_ZH, PolicyDesk
from webui.context import current_actor, login_required, services
from webui.errors import field_errors
from webui.i18n import pick

__all__ = ["bp", "init_app"]

bp = Blueprint("policies", __name__, url_prefix="/policies")
STATUS_EN = {"draft": "Draft", "submitted": "Awaiting review", "approved": "Approved, to publish",
             "published": "Published", "discarded": "Discarded"}
FIELD_NAMES = {"code": {"zh": "代码", "en": "Code"}, "name": {"zh": "名称", "en": "Name"},
               "en": {"zh": "英文名", "en": "English name"}, "help": {"zh": "说明", "en": "Help"},
               "scheme": {"zh": "分类体系", "en": "Scheme"}, "group": {"zh": "类别组", "en": "Group"},
               "department": {"zh": "第一责任部门", "en": "Responsible department"},
               "cooperating": {"zh": "配合部门（逗号分隔）", "en": "Cooperating departments"},
               "price": {"zh": "价格（元）", "en": "Price (yuan)"}, "unit": {"zh": "计价单位", "en": "Unit"},
               "supervisor": {"zh": "直属上级岗位", "en": "Supervisor role"},
               "emergency_plan": {"zh": "启动应急预案", "en": "Emergency plan"},
               "responsible": {"zh": "责任岗位", "en": "Responsible role"},
               "desk": {"zh": "转办部门", "en": "Desk"}, "action": {"zh": "处置方式", "en": "Action"},
               "notify": {"zh": "通知部门", "en": "Notify"}, "marked": {"zh": "※记录", "en": "Marked ※"},
               "retention": {"zh": "保管期限", "en": "Retention"}}


def _desk() -> PolicyDesk:
    return services().policy_desk()


def _names() -> dict[str, str]:
    """Unit code → name: the org's units, then the policy's own names for its units."""
    svc = services()
    current = svc.policies.current()
    names = {code: str(current.unit(code).name) for code in ("group", *current.units)}
    for unit in _desk().readable_units(current_actor().login):
        names.setdefault(unit.code, unit.name)
    return names


def _effective(unit: str) -> tuple[Any, Any]:
    """(the unit's effective policy now, the group's): a project without an overlay has its company's."""
    current = services().policies.current()
    if unit == "group":
        return current.effective(None), current.effective(None)
    with services().store.read() as tx:
        org = tx.units()
    code: str | None = unit
    while code and code not in current.units and code in org and org[code].kind != "group":
        code = org[code].parent
    policy = current.effective(code if code in current.units else None)
    return policy, current.effective(None)


@bp.get("")
@login_required
def index() -> Any:
    """The units whose rules the actor may read, the drafts they may see, what waits for them."""
    actor = current_actor()
    desk = _desk()
    units = desk.readable_units(actor.login)
    drafts = [d for d in desk.drafts(actor.login) if d.status != "discarded"]
    reviewer = desk.may(actor.login, "group", "policy.review")
    return render_template("policies/index.html", units=units, drafts=drafts, reviewer=reviewer,
                           status_name=_status_name, names=_names())


def _status_name(status: str) -> str:
    return pick({"zh": STATUS_ZH.get(status, status), "en": STATUS_EN.get(status, status)})


@bp.get("/<unit>")
@login_required
def unit_page(unit: str) -> Any:
    """A unit's rules in force, chapter by chapter; its changes against the group; its versions."""
    actor = current_actor()
    desk = _desk()
    desk.target(actor.login, unit, "policy.read")
    policy, group = _effective(unit)
    names = _names()
    found = chapters(policy, group, names, services().field_labels())
    changed = [a for c in found for a in c.articles if a.changed]
    versions = [] if unit == "group" else [d for d in desk.drafts(actor.login, unit)
                                           if d.status in ("published", "draft", "submitted", "approved")]
    editor = unit != "group" and desk.may(actor.login, unit, "policy.edit")
    inherited = unit != "group" and policy.code != unit
    return render_template("policies/unit.html", unit=unit, unit_name=names.get(unit, unit), chapters=found,
                           changed=changed, versions=versions, editor=editor, inherited=inherited,
                           policy=policy, names=names, title=document_title(policy, group, names),
                           status_name=_status_name, now=services().clock.now())


def _download(unit: str, kind: str) -> Response:
    actor = current_actor()
    _desk().target(actor.login, unit, "policy.read")
    policy, group = _effective(unit)
    names = _names()
    render = render_docx if kind == "docx" else render_pdf
    data = render(policy, group, names, services().field_labels(),
                  generated=services().clock.now().astimezone(current_app.config["KEFU_TIMEZONE"]))
    mime = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document" if kind == "docx"
            else "application/pdf")
    response = Response(data, mimetype=mime)
    filename = f"{document_title(policy, group, names)}.{kind}"
    from urllib.parse import quote

    response.headers["Content-Disposition"] = (f"attachment; filename=\"{unit}-rules.{kind}\"; "
                                               f"filename*=UTF-8''{quote(filename)}")
    return response


@bp.get("/<unit>/rules.docx")
@login_required
def rules_docx(unit: str) -> Any:
    """The unit's 实施细则 as a Word document."""
    return _download(unit, "docx")


@bp.get("/<unit>/rules.pdf")
@login_required
def rules_pdf(unit: str) -> Any:
    """The unit's 实施细则 as a PDF."""
    return _download(unit, "pdf")


@bp.post("/<unit>/drafts")
@login_required
def create(unit: str) -> Any:
    """Start a draft of the unit's overlay from the version in force."""
    draft = _desk().create(current_actor().login, unit)
    return redirect(url_for("policies.draft", draft_id=draft.id))


def _draft_page(draft_id: int, status: int = 200, **values: Any) -> Any:
    actor = current_actor()
    desk = _desk()
    found = desk.draft(actor.login, draft_id)
    names = _names()
    draft_chapters: list[Any] = []
    problem, raw = None, {}
    try:
        tree = services().policies.with_texts({found.path: found.text})
        code = found.unit if found.unit in tree.units else None
        draft_policy = tree.effective(code)
        draft_chapters = chapters(draft_policy, tree.effective(None), names, services().field_labels())
        raw = {a.key: form_text(draft_policy.get(a.key)) for c in draft_chapters for a in c.articles}
    except PolicyErrors:
        problem = True
    diff = [line for line in difflib.unified_diff(found.base_text.splitlines(), found.text.splitlines(),
                                                  lineterm="", n=1)][2:]
    values.setdefault("errors", {})
    values.setdefault("findings", found.findings)
    # the simulation page (webui/simulation.py) runs a case beside this draft in a project it covers
    org = services().units()
    sim_unit = next((code for code, _ in services().simulation_units(actor)
                     if code == found.project or (not found.project and org[code].parent == found.unit)),
                    None)
    return render_template(
        "policies/draft.html", draft=found, names=names, chapters=draft_chapters, problem=problem,
        editor=desk.may(actor.login, found.unit, "policy.edit"),
        reviewer=desk.may(actor.login, found.unit, "policy.review") and found.author != actor.login,
        status_name=_status_name, scalar_kinds=SCALAR_KINDS, list_kinds=LIST_KINDS,
        record_fields=RECORD_FIELDS, field_names=FIELD_NAMES, now=services().clock.now(), raw=raw,
        sim_unit=sim_unit, kinds={e.key: e.kind for e in ENTRIES},
        fields_of={e.key: e.fields for e in ENTRIES}, diff=diff,
        **values), status


@bp.get("/drafts/<int:draft_id>")
@login_required
def draft(draft_id: int) -> Any:
    """A draft (or a version): its text with the findings on their lines, its review, its steps."""
    return _draft_page(draft_id)


@bp.post("/drafts/<int:draft_id>")
@login_required
def save(draft_id: int) -> Any:
    """Save the YAML text; the findings come back on their lines (saved even with findings)."""
    _, result = _desk().save(current_actor().login, draft_id, request.form.get("text", ""))
    if result.clean:
        flash(pick({"zh": "已保存，检查通过。", "en": "Saved; no problems found."}), "success")
    else:
        flash(pick({"zh": f"已保存，发现 {len(result.findings)} 处问题，修正后才能提交审核。",
                    "en": f"Saved with {len(result.findings)} problem(s); fix them before submitting."}),
              "error")
    return redirect(url_for("policies.draft", draft_id=draft_id) + "#yaml")


@bp.post("/drafts/<int:draft_id>/rule")
@login_required
def edit_rule(draft_id: int) -> Any:
    """Set one rule from its form (a value of its kind, or one entry of a list)."""
    key = request.form.get("key", "")
    try:
        _, result = _desk().edit_rule(current_actor().login, draft_id, key, request.form.to_dict())
    except FormError as exc:
        return _draft_page(draft_id, 422, failed=exc, failed_key=key, errors=field_errors(exc))
    flash(pick({"zh": "已修改并保存。" if result.clean else "已修改并保存，但有问题需要修正（见下方）。",
                "en": "Changed and saved." if result.clean
                else "Changed and saved; see the problems below."}),
          "success" if result.clean else "error")
    return redirect(url_for("policies.draft", draft_id=draft_id) + f"#rule-{key}")


@bp.post("/drafts/<int:draft_id>/check")
@login_required
def check(draft_id: int) -> Any:
    """Check a text as this draft's overlay without saving it (the code editor's live check)."""
    desk = _desk()
    actor = current_actor()
    found = desk.draft(actor.login, draft_id)
    desk.target(actor.login, found.unit, "policy.edit")
    body = request.get_json(silent=True) or {}
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str):
        return jsonify({"error": {"code": "kefu.E400", "message": "send {\"text\": \"…\"}"}}), 400
    result = desk.check_text(found.unit, "project" if found.project else "subsidiary", text)
    return jsonify({"clean": result.clean, "findings": [f.as_dict() for f in result.findings]})


@bp.post("/drafts/<int:draft_id>/submit")
@login_required
def submit(draft_id: int) -> Any:
    """Send a clean draft to the group's policy reviewer."""
    try:
        _desk().submit(current_actor().login, draft_id)
    except FormError as exc:
        return _draft_page(draft_id, 422, failed=exc)
    flash(pick({"zh": "已提交集团审核。", "en": "Submitted for review."}), "success")
    return redirect(url_for("policies.draft", draft_id=draft_id))


@bp.post("/drafts/<int:draft_id>/review")
@login_required
def review(draft_id: int) -> Any:
    """Approve a submitted draft or return it with a note."""
    approve = request.form.get("decision") == "approve"
    try:
        _desk().review(current_actor().login, draft_id, approve, request.form.get("note", ""))
    except FormError as exc:
        return _draft_page(draft_id, 422, failed=exc, errors=field_errors(exc),
                           note=request.form.get("note", ""))
    flash(pick({"zh": "已审核通过。" if approve else "已退回修改。",
                "en": "Approved." if approve else "Returned."}), "success")
    return redirect(url_for("policies.draft", draft_id=draft_id))


@bp.post("/drafts/<int:draft_id>/publish")
@login_required
def publish(draft_id: int) -> Any:
    """Publish an approved draft with its effective date and time."""
    text = request.form.get("effective_at", "").strip()
    try:
        moment = datetime.fromisoformat(text) if text else services().clock.now()
    except ValueError:
        exc = FormError(f"{text!r} is not a date and time", {"effective_at": "YYYY-MM-DDTHH:MM"},
                        zh=f"“{text}”不是有效的日期时间")
        exc.errors_zh = {"effective_at": "请填写日期和时间"}  # type: ignore[attr-defined]
        return _draft_page(draft_id, 422, failed=exc, errors=field_errors(exc), effective_text=text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=current_app.config["KEFU_TIMEZONE"])
    try:
        _desk().publish(current_actor().login, draft_id, moment)
    except FormError as exc:
        return _draft_page(draft_id, 422, failed=exc, errors=field_errors(exc), effective_text=text)
    flash(pick({"zh": "已发布。生效后新受理的案件按新规定执行，此前的案件保持原规定。",
                "en": "Published. Cases opened from the effective time follow it; earlier cases keep "
                      "theirs."}),
          "success")
    return redirect(url_for("policies.draft", draft_id=draft_id))


@bp.post("/drafts/<int:draft_id>/discard")
@login_required
def discard(draft_id: int) -> Any:
    """Discard an unpublished draft (it stays readable)."""
    found = _desk().discard(current_actor().login, draft_id)
    flash(pick({"zh": "草案已作废。", "en": "Draft discarded."}), "success")
    return redirect(url_for("policies.unit_page", unit=found.unit))


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)

