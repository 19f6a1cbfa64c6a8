"""Drafting, reviewing and publishing a unit's policy in the browser (issue 17).

A subsidiary or project adapts the group's rules in its overlay (``policies/subsidiaries/<code>.yaml``,
``policies/projects/<code>.yaml``). Here its **policy editor** (``policy_editor`` at that level)
edits the overlay as a draft; every save is checked at once against the whole tree as it is in force
(``check_text``): bound violations, unknown keys and bad values come back on their line, in English
and Chinese. A clean draft is **submitted**; the group's **policy reviewer** (``policy_reviewer`` at
group level, never the draft's author) approves it or returns it with a note; the editor
**publishes** an approved draft with an effective date and time (now or later). From that time the
version is in force (``engine.policy_versions``): cases opened from then on pin it, earlier cases
keep their snapshot. Every step is one audit event on the system chain (``policy.draft_created``,
``policy.draft_saved``, ``policy.submitted``, ``policy.approved``, ``policy.returned``,
``policy.published``, ``policy.discarded``, ``policy.imported``).

Statuses: ``draft`` (editable; a returned draft is a draft with the reviewer's note) → ``submitted``
→ ``approved`` → ``published``; ``discarded`` ends a draft. One open draft per unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.errors import ConflictError, FormError, NotFoundError, PermissionDenied, PolicyError
from engine.permissions import Subject, Target, can, require, subject_of
from engine.policy import PolicyErrors
from engine.policy.catalogue import RECORD_FIELDS, entry
from engine.policy.problems_zh import zh_problem
from engine.policy.yaml_edit import LIST_KINDS, SCALAR_KINDS, form_value, set_record, set_rule
from engine.policy_versions import VersionedPolicies, policies_changed, unit_path
from engine.runtime.access import load_staff, placement_of
from engine.store.policy_repo import PolicyDraftRecord, PolicyRepo
from engine.store.records import UnitRecord

__all__ = [
    "MAX_POLICY_BYTES",
    "OPEN_STATUSES",
    "STATUS_ZH",
    "CheckResult",
    "Finding",
    "PolicyDesk",
]

MAX_POLICY_BYTES = 256 * 1024
OPEN_STATUSES = ("draft", "submitted", "approved")
# A publish "now" typed into a form reaches the server a moment later: a minute's grace.
_GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class Finding:
    """One problem of a checked overlay: its line (None: the whole file), code, English and Chinese text;
    ``file`` is the tree path of another unit's file when the draft breaks that one."""

    line: int | None
    code: str
    message: str
    zh: str
    file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form (stored with the draft, sent to the editor)."""
        return {"line": self.line, "code": self.code, "message": self.message, "zh": self.zh,
                "file": self.file}


@dataclass(frozen=True)
class CheckResult:
    """The findings of a draft text: its own lines, and other files it breaks."""

    findings: list[Finding]

    @property
    def clean(self) -> bool:
        """No finding at all: the draft may be submitted and published."""
        return not self.findings


def _placement(units: dict[str, UnitRecord], unit: str) -> tuple[str, str | None, str]:
    """(subsidiary, project, level) of a policy unit; NotFoundError for the group or an unknown unit."""
    found = units.get(unit)
    if found is None or found.kind not in ("subsidiary", "project"):
        raise NotFoundError(f"no subsidiary or project {unit!r}: drafts are made for a subsidiary's or a "
                            "project's overlay (the group standard is kept in policies/group.yaml)",
                            zh=f"没有公司或项目 {unit}")
    place = placement_of(units, unit)
    return str(place.subsidiary), place.project, found.kind


class PolicyDesk:
    """Policy drafts on a store, over the versioned policies, with a clock."""

    def __init__(self, store: Any, policies: VersionedPolicies, clock: Any) -> None:
        self.store = store
        self.policies = policies
        self.clock = clock

    # -- who and where ---------------------------------------------------------------------------
    def _subject(self, tx: Any, actor: str) -> tuple[Subject, dict[str, UnitRecord]]:
        units = tx.units()
        return subject_of(load_staff(tx, actor), units), units

    def _target(self, units: dict[str, UnitRecord], unit: str) -> Target:
        subsidiary, project, _ = _placement(units, unit)
        return Target("policy", subsidiary, project, unit=unit)

    def target(self, actor: str, unit: str, action: str) -> None:
        """Require ``action`` (policy.read/edit/publish/review) of ``actor`` on ``unit``'s policy."""
        with self.store.read() as tx:
            subject, units = self._subject(tx, actor)
            if unit == "group":
                require(subject, action, Target("policy", None, unit="group"))
                return
            require(subject, action, self._target(units, unit))

    def may(self, actor: str, unit: str, action: str) -> bool:
        """``can`` without raising (pages offer only the buttons the checks allow)."""
        with self.store.read() as tx:
            subject, units = self._subject(tx, actor)
            target = Target("policy", None, unit="group") if unit == "group" else self._target(units, unit)
            return bool(can(subject, action, target))

    def readable_units(self, actor: str) -> list[UnitRecord]:
        """The subsidiaries and projects whose policy ``actor`` may read, in tree order."""
        from engine.org_admin import tree_order

        with self.store.read() as tx:
            subject, units = self._subject(tx, actor)
            return [units[c] for c in tree_order(units) if units[c].kind in ("subsidiary", "project")
                    and can(subject, "policy.read", self._target(units, c))]

    # -- texts -----------------------------------------------------------------------------------
    def current_text(self, unit: str, level: str) -> str:
        """The unit's newest overlay: its latest published version (in force or scheduled), its file, or
        a new overlay's first line."""
        base = self.policies.base
        with self.store.read() as tx:
            heads = [(at, i) for i, code, at in PolicyRepo(tx).published_heads() if code == unit]
            if heads:
                newest = max(heads)[1]
                return PolicyRepo(tx).texts([newest])[newest][1]
        if unit in base.units:
            return base.file(unit).path.read_text(encoding="utf-8")
        with self.store.read() as tx:
            parent = tx.units()[unit].parent if level == "project" else "group"
        return f"extends: {parent}\n"

    def check_text(self, unit: str, level: str, text: str) -> CheckResult:
        """Check ``text`` as ``unit``'s overlay against the tree in force now; every finding on its line."""
        if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
            size = MAX_POLICY_BYTES // 1024
            message = f"the overlay is larger than {size} KiB; an overlay sets only what differs"
            zh = f"策略文件超过 {size} KiB；下级策略只写与上级不同的规定"
            return CheckResult([Finding(None, "policy.E002", message, zh)])
        path = unit_path(self.policies.base, unit, level)
        try:
            self.policies.with_texts({path: text})
        except PolicyErrors as exc:
            return CheckResult([self._finding(e, path) for e in exc.errors])
        return CheckResult([])

    def _finding(self, error: PolicyError, path: str) -> Finding:
        mine = error.path is not None and error.path.replace("\\", "/").endswith("/" + path)
        other = None
        if not mine and error.path:
            other = "/".join(error.path.replace("\\", "/").split("/")[-2:])
        return Finding(error.line if mine else None, error.code, error.message, zh_problem(error), other)

    # -- drafts ----------------------------------------------------------------------------------
    def drafts(self, actor: str, unit: str | None = None) -> list[PolicyDraftRecord]:
        """Drafts and versions ``actor`` may read (of ``unit``, or all), newest first."""
        with self.store.read() as tx:
            subject, units = self._subject(tx, actor)
            rows = PolicyRepo(tx).listing(units=[unit] if unit else None)
            return [r for r in rows
                    if r.unit in units and can(subject, "policy.read", self._target(units, r.unit))]

    def draft(self, actor: str, draft_id: int) -> PolicyDraftRecord:
        """One draft or version (policy.read on its unit)."""
        with self.store.read() as tx:
            subject, units = self._subject(tx, actor)
            found = PolicyRepo(tx).get(draft_id)
            if found is None:
                raise NotFoundError(f"no policy draft {draft_id}", zh=f"没有编号为 {draft_id} 的规定草案")
            require(subject, "policy.read", self._target(units, found.unit))
            return found

    def _audit(self, tx: Any, actor: str, action: str, draft: PolicyDraftRecord | int, **data: Any) -> None:
        draft_id = draft if isinstance(draft, int) else draft.id
        unit = data.pop("unit", None) or (None if isinstance(draft, int) else draft.unit)
        tx.append_audit(None, [{"actor": actor, "action": action,
                                "data": {"draft": draft_id, "unit": unit, **data}}], self.clock.now())

    def create(self, actor: str, unit: str) -> PolicyDraftRecord:
        """A new draft of ``unit``'s overlay from the text in force (policy.edit); ConflictError naming
        the open draft when the unit has one."""
        with self.store.read() as tx:
            subject, units = self._subject(tx, actor)
            target = self._target(units, unit)
            subsidiary, project, level = _placement(units, unit)
        require(subject, "policy.edit", target)
        text = self.current_text(unit, level)
        result = self.check_text(unit, level, text)
        now = self.clock.now()
        with self.store.write() as tx:
            repo = PolicyRepo(tx)
            open_ = repo.listing(units=[unit], statuses=list(OPEN_STATUSES))
            if open_:
                raise ConflictError(f"{unit} has an open draft already (no. {open_[0].id}, {open_[0].status} "
                                    f"by {open_[0].author}); continue it or discard it first",
                                    zh=f"该单位已有未完成的草案（第{open_[0].id}号，{open_[0].author}），"
                                       "请继续编辑或先作废")
            draft_id = repo.insert(unit=unit, subsidiary=subsidiary, project=project,
                                   path=unit_path(self.policies.base, unit, level), text=text, base_text=text,
                                   status="draft", author=actor, created_at=now, updated_at=now,
                                   findings=[f.as_dict() for f in result.findings], clean=result.clean)
            self._audit(tx, actor, "policy.draft_created", draft_id, unit=unit)
            found = repo.get(draft_id)
        assert found is not None
        return found

    def _editable(self, tx: Any, actor: str, draft_id: int, action: str, status: str) -> PolicyDraftRecord:
        subject, units = self._subject(tx, actor)
        found = PolicyRepo(tx).lock(draft_id)
        if found is None:
            raise NotFoundError(f"no policy draft {draft_id}", zh=f"没有编号为 {draft_id} 的规定草案")
        require(subject, action, self._target(units, found.unit))
        if found.status != status:
            raise ConflictError(f"draft {draft_id} is {found.status}, not {status}; reload the page",
                                zh=f"该草案当前状态为“{STATUS_ZH.get(found.status, found.status)}”，"
                                   "不能进行此操作，请刷新页面")
        return found

    def save(self, actor: str, draft_id: int, text: str) -> tuple[PolicyDraftRecord, CheckResult]:
        """Store the edited text of a draft (policy.edit) with its check; nothing typed is lost: a draft
        with findings is saved too, it only cannot be submitted."""
        text = text.replace("\r\n", "\n")
        with self.store.read() as tx:
            found = self._editable(tx, actor, draft_id, "policy.edit", "draft")
            level = "project" if found.project else "subsidiary"
        result = self.check_text(found.unit, level, text)
        with self.store.write() as tx:
            found = self._editable(tx, actor, draft_id, "policy.edit", "draft")
            PolicyRepo(tx).update(draft_id, "draft", text=text, updated_at=self.clock.now(),
                                  clean=result.clean,
                                  findings=[f.as_dict() for f in result.findings])
            self._audit(tx, actor, "policy.draft_saved", found, clean=result.clean,
                        findings=len(result.findings))
            saved = PolicyRepo(tx).get(draft_id)
        assert saved is not None
        return saved, result

    def edit_rule(self, actor: str, draft_id: int, key: str,
                  form: Mapping[str, str]) -> tuple[PolicyDraftRecord, CheckResult]:
        """Set one rule of a draft from its form (policy.edit): a value of its kind, or one record of a
        list (added, or replacing the entry with its code); then saved and checked like any edit."""
        spec = entry(key)
        if spec is None:
            raise NotFoundError(f"no rule {key!r}", zh=f"没有规定项 {key}")
        found = self.draft(actor, draft_id)
        if spec.kind == "records":
            item: dict[str, Any] = {}
            for name, (kind, required) in RECORD_FIELDS[spec.fields].items():
                raw = str(form.get(name, "")).strip()
                if raw:
                    item[name] = form_value(kind if isinstance(kind, str) else "text", name, raw)
                elif required and kind != "flag":
                    error = FormError(f"{key}: the field {name} is required", {name: "required"},
                                      zh=f"请填写{_FIELD_ZH.get(name, name)}")
                    error.errors_zh = {name: "必填"}  # type: ignore[attr-defined]
                    raise error
                elif kind == "flag":
                    item[name] = False
            text = set_record(found.text, key, item)
        elif spec.kind in SCALAR_KINDS or spec.kind in LIST_KINDS:
            text = set_rule(found.text, key, form_value(spec.kind, key, str(form.get("value", ""))))
        else:
            raise FormError(f"{key} ({spec.kind}) is edited in the YAML editor", {"value": spec.kind},
                            zh="该规定请在下方的 YAML 编辑器中修改")
        return self.save(actor, draft_id, text)

    def submit(self, actor: str, draft_id: int) -> PolicyDraftRecord:
        """Send a clean draft to the group's policy reviewer (policy.edit)."""
        with self.store.read() as tx:
            found = self._editable(tx, actor, draft_id, "policy.edit", "draft")
        result = self.check_text(found.unit, "project" if found.project else "subsidiary", found.text)
        if not result.clean:
            first = result.findings[0]
            where = f"line {first.line}: " if first.line else ""
            raise FormError(f"the draft has {len(result.findings)} problem(s) and cannot be submitted; "
                            f"{where}{first.message}", {"text": first.message},
                            zh=f"草案有 {len(result.findings)} 处问题，不能提交审核："
                               f"{f'第{first.line}行：' if first.line else ''}{first.zh}")
        if found.text == found.base_text:
            raise FormError("the draft changes nothing; edit a rule first", {"text": "unchanged"},
                            zh="草案与现行规定相同，请先修改")
        with self.store.write() as tx:
            found = self._editable(tx, actor, draft_id, "policy.edit", "draft")
            PolicyRepo(tx).update(draft_id, "draft", status="submitted", submitted_at=self.clock.now(),
                                  review_note=None)
            self._audit(tx, actor, "policy.submitted", found)
        return self.draft(actor, draft_id)

    def review(self, actor: str, draft_id: int, approve: bool, note: str = "") -> PolicyDraftRecord:
        """Approve a submitted draft, or return it to its editor with a note (policy.review)."""
        note = note.strip()
        if not approve and not note:
            error = FormError("say what to change when returning a draft", {"note": "required"},
                              zh="退回时请写明需要修改之处")
            error.errors_zh = {"note": "必填"}  # type: ignore[attr-defined]
            raise error
        with self.store.write() as tx:
            found = self._editable(tx, actor, draft_id, "policy.review", "submitted")
            if found.author == actor:
                raise PermissionDenied(f"{actor} wrote this draft; another policy reviewer must review it",
                                       zh="不能审核自己起草的规定，请由其他审核人审核")
            values: dict[str, Any] = {"reviewer": actor, "reviewed_at": self.clock.now(),
                                      "review_note": note or None,
                                      "status": "approved" if approve else "draft"}
            PolicyRepo(tx).update(draft_id, "submitted", **values)
            self._audit(tx, actor, "policy.approved" if approve else "policy.returned", found,
                        note=note or None)
        return self.draft(actor, draft_id)

    def publish(self, actor: str, draft_id: int, effective_at: datetime) -> PolicyDraftRecord:
        """Publish an approved draft (policy.publish), in force from ``effective_at`` (now or later);
        checked again against the tree in force, which may have changed since the review."""
        now = self.clock.now()
        if effective_at.tzinfo is None:
            raise FormError("the effective time needs its time zone", {"effective_at": "no time zone"},
                            zh="生效时间缺少时区")
        if effective_at < now - _GRACE:
            error = FormError(f"the effective time {effective_at.isoformat()} has passed; cases already "
                              "opened keep the rules they started with, so choose now or later",
                              {"effective_at": "in the past"}, zh="生效时间已过：请选择现在或以后的时间")
            error.errors_zh = {"effective_at": "生效时间不能早于现在"}  # type: ignore[attr-defined]
            raise error
        with self.store.read() as tx:
            found = self._editable(tx, actor, draft_id, "policy.publish", "approved")
        result = self.check_text(found.unit, "project" if found.project else "subsidiary", found.text)
        if not result.clean:
            first = result.findings[0]
            raise FormError(f"the rules in force changed since the review and the draft no longer passes: "
                            f"{first.message}", {"text": first.message},
                            zh=f"审核后现行规定已变化，草案不再通过检查：{first.zh}")
        with self.store.write() as tx:
            found = self._editable(tx, actor, draft_id, "policy.publish", "approved")
            PolicyRepo(tx).update(draft_id, "approved", status="published", publisher=actor, published_at=now,
                                  effective_at=max(effective_at, now))
            self._audit(tx, actor, "policy.published", found, effective_at=max(effective_at, now).isoformat(),
                        reviewer=found.reviewer, path=found.path)
        policies_changed()
        return self.draft(actor, draft_id)

    def discard(self, actor: str, draft_id: int) -> PolicyDraftRecord:
        """End a draft that is not published (policy.edit); it stays readable."""
        with self.store.write() as tx:
            subject, units = self._subject(tx, actor)
            found = PolicyRepo(tx).lock(draft_id)
            if found is None:
                raise NotFoundError(f"no policy draft {draft_id}", zh=f"没有编号为 {draft_id} 的规定草案")
            require(subject, "policy.edit", self._target(units, found.unit))
            if found.status not in OPEN_STATUSES:
                raise ConflictError(f"draft {draft_id} is {found.status}", zh="该草案已发布或已作废")
            PolicyRepo(tx).update(draft_id, found.status, status="discarded", updated_at=self.clock.now())
            self._audit(tx, actor, "policy.discarded", found)
        return self.draft(actor, draft_id)

    def import_text(self, actor: str, unit: str, text: str,
                    effective_at: datetime) -> PolicyDraftRecord | None:
        """Publish ``text`` (a file from version control) as ``unit``'s version from ``effective_at``
        without the browser's review: the group's policy reviewer does it (policy.review); None when
        it equals the unit's newest version.

        A unit without a version is on its file, which applies as soon as a process reads it: its
        first import records the file as it is, in force now (a later effective time is refused);
        from then on its versions decide and an edited file waits for its import.
        """
        with self.store.read() as tx:
            subject, units = self._subject(tx, actor)
            subsidiary, project, level = _placement(units, unit)
            first = not any(code == unit for _, code, _ in PolicyRepo(tx).published_heads())
        require(subject, "policy.review", Target("policy", subsidiary, project, unit=unit))
        now = self.clock.now()
        if first and effective_at > now + _GRACE:
            raise ConflictError(f"{unit} has no published version yet: its file is in force already, so its "
                                "first import is effective now; import it without --effective first, then "
                                "edit the file and import the change with its effective time",
                                zh="该单位尚无发布版本，其文件已在执行：首次导入即时生效")
        if not first and text == self.current_text(unit, level):
            return None
        result = self.check_text(unit, level, text)
        if not result.clean:
            path = unit_path(self.policies.base, unit, level)
            raise PolicyErrors([PolicyError(f.message, path=f.file or path, line=f.line, code=f.code)
                                for f in result.findings])
        with self.store.write() as tx:
            repo = PolicyRepo(tx)
            draft_id = repo.insert(unit=unit, subsidiary=subsidiary, project=project,
                                   path=unit_path(self.policies.base, unit, level), text=text, base_text=text,
                                   status="published", author=actor, created_at=now, updated_at=now,
                                   findings=[], clean=True, reviewer=actor, reviewed_at=now, publisher=actor,
                                   published_at=now, effective_at=max(effective_at, now))
            self._audit(tx, actor, "policy.imported", draft_id, unit=unit,
                        effective_at=max(effective_at, now).isoformat())
            found = repo.get(draft_id)
        policies_changed()
        return found


_FIELD_ZH = {"code": "代码", "name": "名称", "scheme": "分类体系", "group": "类别组",
             "department": "第一责任部门",
             "cooperating": "配合部门", "price": "价格", "unit": "计价单位", "responsible": "责任岗位",
             "action": "处置方式", "retention": "保管期限"}
STATUS_ZH = {"draft": "草稿", "submitted": "待审核", "approved": "已审核待发布", "published": "已发布",
              "discarded": "已作废"}
