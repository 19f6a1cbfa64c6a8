"""Owner archives 业主档案 (R5): checklist, stored documents, access by policy, audit, retention.

Who may do what is decided by ``engine.permissions`` (actions ``archive.*``), with the household's or
the record's unit in the question: reading files needs a role of ``archive.allowed_roles`` whose unit
covers the household (or an unexpired direct-view grant); a request is filed by staff of the
household's subsidiary; only the requester reads the answer; disposal decisions and legal holds are
for ``archive.disposal_reviewer`` / ``archive.legal_hold_role`` of the record's subsidiary (or the
group). A disposal decision is taken only on a record that exists, is closed and whose retention has
ended, and never under a legal hold.

Every checklist view, view, download, upload, relay, hold and disposal decision is an event of the
``system`` audit chain (who, what, why, when), so ``kefu audit verify`` covers them. Files live
under ``<data_dir>/archives/<household>/<sha256>`` and are checked against their SHA-256 when read.
Nothing is deleted: expired records appear on the disposal-review list (R5.3); a legal hold keeps a
record off it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.errors import ConflictError, FormError, KefuError, NotFoundError, PermissionDenied
from engine.permissions import Decision, Subject, Target, can, require, subject_of
from engine.runtime.access import load_staff, placement_of
from engine.store import StaffRecord
from engine.store.archive_repo import RECORD_LENGTH, ArchiveRepo
from engine.store.visitor_repo import VisitorRepo

__all__ = [
    "ACTIONS",
    "ArchiveIntegrityError",
    "ChecklistItem",
    "Decision",
    "RetentionRecord",
    "checklist",
    "decide_access",
    "decide_disposal",
    "disposal_review",
    "download_document",
    "lift_legal_hold",
    "place_legal_hold",
    "read_answer",
    "relay_answer",
    "request_access",
    "store_document",
    "view_document",
]

ACTIONS = (
    "checklist",
    "view",
    "download",
    "upload",
    "request",
    "read_answer",
    "disposal_review",
    "legal_hold",
)
_FILE_ACTIONS = {"checklist", "view", "download", "upload"}
_VERBS = {"checklist": "open the checklist of", "upload": "file documents in"}


class ArchiveIntegrityError(KefuError):
    """A stored archive file no longer matches its SHA-256: it must be restored from the backup."""

    code = "archive.E001"


@dataclass(frozen=True)
class ChecklistItem:
    """One R5.1 document type of a household: present (with its latest file) or missing."""

    code: str
    name: str
    marked: bool
    present: bool
    document_id: int | None
    filename: str | None
    sha256: str | None
    uploaded_at: datetime | None


@dataclass(frozen=True)
class RetentionRecord:
    """A record whose retention period has ended: for a person to decide on (kefu deletes nothing)."""

    record: str
    record_class: str
    title: str
    subsidiary: str | None
    kept_since: datetime
    expired_at: datetime


# -- access decisions -------------------------------------------------------------------------------
_PERMISSION = {
    "checklist": "archive.checklist",
    "view": "archive.view",
    "download": "archive.download",
    "upload": "archive.upload",
    "request": "archive.request",
    "read_answer": "archive.read_answer",
    "disposal_review": "archive.dispose",
    "legal_hold": "archive.hold",
}
_VERBS_ZH = {"checklist": "查看清单", "upload": "归档到", "view": "查阅", "download": "下载",
             "request": "申请查询"}


def _household(tx: Any, code: str, subject: Subject | None = None) -> dict[str, Any]:
    """A household; NotFoundError with a did-you-mean among the households ``subject`` works for."""
    household = VisitorRepo(tx).household(code)
    if household is None:
        import difflib

        codes = VisitorRepo(tx).household_codes()
        if subject is not None and not subject.group_level:
            units = tx.units()
            mine = [h["code"] for h in VisitorRepo(tx).households()
                    if placement_of(units, h["project"]).subsidiary == subject.subsidiary]
            codes = [c for c in codes if c in mine]
        hint = difflib.get_close_matches(code, codes, n=1)
        raise NotFoundError(f"no household {code!r}" + (f"; did you mean {hint[0]!r}?" if hint else ""),
                            zh=f"没有住户 {code}" + (f"；您是否要找 {hint[0]}？" if hint else ""))
    return household


def _roles(staff: StaffRecord) -> set[str]:
    return {r.split("@", 1)[0] for r in staff.roles}


def _policy(runtime: Any, project: str | None, subsidiary: str | None) -> Any:
    return runtime._effective_policy(project, subsidiary)


def _grant(runtime: Any, tx: Any, staff: StaffRecord, household: str) -> str | None:
    """The number of an unexpired direct-view grant of this household to this requester, if any."""
    now = runtime.clock.now()
    for number in ArchiveRepo(tx).open_requests(staff.login, "view_granted"):
        data = runtime.case_data(number, staff.login)
        expires = data.get("view_expires_at")
        if data.get("household") == household and expires and datetime.fromisoformat(expires) > now:
            return str(number)
    return None


def decide_access(runtime: Any, actor: str, household: str, action: str) -> Decision:
    """May ``actor`` do ``action`` on the archive of ``household``? (never raises for a plain no)."""
    if action not in ACTIONS:
        raise FormError(f"archive action {action!r} is unknown; use one of {', '.join(ACTIONS)}")
    with runtime.store.read() as tx:
        staff = load_staff(tx, actor)
        units = tx.units()
        subject = subject_of(staff, units)
        home = _household(tx, household, subject)
        project = home["project"]
        subsidiary = placement_of(units, project).subsidiary
        policy = _policy(runtime, project, subsidiary)
        target = Target("household", subsidiary, project)
        decision = can(subject, _PERMISSION[action], target, policy=policy)
        if not decision and action in {"view", "download"}:
            grant = _grant(runtime, tx, staff, household)
            if grant:
                target = Target("household", subsidiary, project, grant=grant)
                decision = can(subject, _PERMISSION[action], target, policy=policy)
        return decision


def _require(runtime: Any, actor: str, household: str, action: str) -> Decision:
    decision = decide_access(runtime, actor, household, action)
    if not decision.allowed:
        raise PermissionDenied(
            f"{actor} may not {_VERBS.get(action, action)} this archive: {decision.reason}",
            zh=f"您无权{_VERBS_ZH.get(action, '处理')}该档案：{decision.zh}",
        )
    return decision


def _audit(runtime: Any, tx: Any, actor: str, action: str, **data: Any) -> None:
    tx.append_audit(None, [{"actor": actor, "action": action, "data": data}], runtime.clock.now())


def _why(why: str | None) -> str:
    text = (why or "").strip()
    if not text:
        raise FormError(
            "say why you need the archive (the reason is kept in the audit log)", {"why": "required"}
        )
    return text


# -- checklist and documents -----------------------------------------------------------------------
def checklist(runtime: Any, actor: str, household: str, why: str) -> list[ChecklistItem]:
    """The R5.1 document types of a household, present or missing (audited as a view)."""
    _require(runtime, actor, household, "checklist")
    with runtime.store.write() as tx:
        home = _household(tx, household)
        policy = _policy(runtime, home["project"], None)
        latest: dict[str, dict[str, Any]] = {}
        for stored in ArchiveRepo(tx).documents(household):
            latest[stored["doc_type"]] = stored
        _audit(runtime, tx, actor, "archive.checklist_viewed", household=household, why=_why(why))
    out = []
    for item in policy.get("archive.documents"):
        doc = latest.get(item["code"])
        out.append(
            ChecklistItem(
                item["code"],
                item["name"],
                bool(item.get("marked")),
                doc is not None,
                doc["id"] if doc else None,
                doc["filename"] if doc else None,
                doc["sha256"] if doc else None,
                doc["uploaded_at"] if doc else None,
            )
        )
    return out


def store_document(
    runtime: Any,
    actor: str,
    household: str,
    doc_type: str,
    filename: str,
    content: bytes,
    data_dir: Path,
    why: str = "归档",
) -> int:
    """Store a file in a household's archive (content-addressed by SHA-256); the document id."""
    _require(runtime, actor, household, "upload")
    if not content:
        raise FormError(f"file {filename!r} is empty; choose the scanned document", {"file": "empty"})
    digest = hashlib.sha256(content).hexdigest()
    with runtime.store.write() as tx:
        home = _household(tx, household)
        policy = _policy(runtime, home["project"], None)
        codes = [d["code"] for d in policy.get("archive.documents")]
        if doc_type not in codes:
            raise FormError(
                f"document type {doc_type!r} is unknown; use one of {', '.join(codes)}",
                {"doc_type": doc_type},
            )
        relative = Path("archives") / household / digest
        target = Path(data_dir) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():  # same bytes, same file: never overwritten
            tmp = target.with_suffix(".part")
            tmp.write_bytes(content)
            tmp.replace(target)
        document_id = ArchiveRepo(tx).add_document(
            household=household,
            project=home["project"],
            doc_type=doc_type,
            filename=filename[:200],
            stored_path=str(relative),
            sha256=digest,
            size=len(content),
            uploaded_by=actor,
            uploaded_at=runtime.clock.now(),
        )
        _audit(
            runtime,
            tx,
            actor,
            "archive.uploaded",
            household=household,
            document=document_id,
            doc_type=doc_type,
            sha256=digest,
            why=why,
        )
    return document_id


def _read(
    runtime: Any, actor: str, document_id: int, why: str, data_dir: Path, action: str
) -> tuple[dict, bytes]:
    with runtime.store.read() as tx:
        doc = ArchiveRepo(tx).document(document_id)
    if doc is None:
        raise NotFoundError(f"no archive document {document_id}")
    decision = _require(runtime, actor, doc["household"], "view" if action == "viewed" else "download")
    reason = _why(why)
    content = (Path(data_dir) / doc["stored_path"]).read_bytes()
    if hashlib.sha256(content).hexdigest() != doc["sha256"]:
        raise ArchiveIntegrityError(
            f"archive document {document_id} ({doc['filename']}) does not match its "
            f"SHA-256 {doc['sha256'][:12]}…; restore it from the backup"
        )
    with runtime.store.write() as tx:
        _audit(
            runtime,
            tx,
            actor,
            f"archive.{action}",
            household=doc["household"],
            document=document_id,
            doc_type=doc["doc_type"],
            why=reason,
            basis=decision.reason,
        )
    return doc, content


def view_document(runtime: Any, actor: str, document_id: int, why: str, data_dir: Path) -> tuple[dict, bytes]:
    """(metadata, bytes) of a document shown on screen; audited with the reason."""
    return _read(runtime, actor, document_id, why, data_dir, "viewed")


def download_document(
    runtime: Any, actor: str, document_id: int, why: str, data_dir: Path
) -> tuple[dict, bytes]:
    """(metadata, bytes) of a document downloaded; audited with the reason."""
    return _read(runtime, actor, document_id, why, data_dir, "downloaded")


# -- requests: approval and relay (processes/archive_access.bpmn) -------------------------------------
def request_access(
    runtime: Any,
    actor: str,
    household: str,
    purpose: str,
    question: str,
    documents: Sequence[str] = (),
    direct_view: bool = False,
) -> Any:
    """File a request for information from a household's archive (R5.2); the request case."""
    _require(runtime, actor, household, "request")
    with runtime.store.read() as tx:
        home = _household(tx, household)
    return runtime.open_case(
        "archive_access",
        {
            "household": household,
            "room": home["room"],
            "project": home["project"],
            "request_purpose": purpose,
            "question": question,
            "documents_asked": list(documents),
            "direct_view_requested": direct_view,
        },
        actor,
    )


def _task(runtime: Any, number: str, actor: str, name: str) -> str:
    for task in runtime.get_case(number, actor).tasks:
        if task.task_name == name:
            return str(task.task_id)
    raise NotFoundError(f"request {number} has no open step {name!r} now")


def relay_answer(runtime: Any, number: str, actor: str, answer: str, documents: Sequence[str] = ()) -> Any:
    """The CS specialist looked the archive up and relays the answer (text only) to the requester."""
    data = runtime.case_data(number, actor)
    _require(runtime, actor, data["household"], "view")
    case = runtime.complete_task(
        _task(runtime, number, actor, "relay_answer"),
        actor,
        {"answer": answer, "documents_consulted": list(documents)},
    )
    with runtime.store.write() as tx:
        _audit(
            runtime,
            tx,
            actor,
            "archive.relayed",
            household=data["household"],
            request=number,
            requester=case.first_receiver,
            why=data["request_purpose"],
            documents=list(documents),
        )
    return case


def read_answer(runtime: Any, number: str, actor: str) -> dict[str, Any]:
    """What the requester gets: status, outcome and the answer text — never the file (R5.2)."""
    case = runtime.get_case(number, actor)
    with runtime.store.read() as tx:
        subject = subject_of(load_staff(tx, actor), tx.units)
    if case.process_id != "archive_access":
        raise NotFoundError(f"{number} is not an archive request", zh=f"{number} 不是档案查询申请")
    require(subject, "archive.read_answer", Target.of_case(case))
    data = runtime.case_data(number, actor)
    out = {
        "number": number,
        "status": case.status,
        "outcome": case.outcome,
        "answer": data.get("answer"),
        "decision_note": data.get("decision_note"),
        "view_expires_at": data.get("view_expires_at"),
    }
    with runtime.store.write() as tx:
        _audit(
            runtime,
            tx,
            actor,
            "archive.answer_read",
            household=data.get("household"),
            request=number,
            why=data.get("request_purpose"),
        )
    return out


# -- retention, disposal review, legal holds (R5.3) --------------------------------------------------
def _years(policy: Any, record_class: str) -> int | None:
    classes = {c["code"]: c["retention"] for c in policy.get("archive.record_classes")}
    kind = classes[record_class]
    value = {
        "owner": policy.get("archive.retention.owner"),
        "marked": policy.get("archive.retention.marked_years"),
        "other": policy.get("archive.retention.other_years"),
    }[kind]
    return None if value == "permanent" else int(value)


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


@dataclass(frozen=True)
class _Record:
    """A record named ``kind:ref`` as the retention rules see it."""

    record: str
    subsidiary: str | None
    project: str | None
    record_class: str | None  # None: no retention class (e.g. a complaint case): never on the list
    since: datetime | None  # when its retention started (closed, arrived); None while still open


def _record(tx: Any, record: str) -> _Record:
    """Resolve ``case:NUMBER``, ``visit:NUMBER`` or ``household:CODE``; FormError / NotFoundError."""
    if not isinstance(record, str) or len(record) > RECORD_LENGTH or "\x00" in record:
        raise FormError(f"a record is written case:NUMBER, visit:NUMBER or household:CODE "
                        f"(at most {RECORD_LENGTH} characters)",
                        {"record": "case:NUMBER, visit:NUMBER or household:CODE"},
                        zh="记录应写作 case:编号、visit:编号 或 household:住户编号"
                           f"（不超过 {RECORD_LENGTH} 字）")
    kind, _, ref = record.partition(":")
    units = tx.units()
    if kind == "case" and ref:
        case = tx.find_case(ref)
        if case is not None:
            kept = "archive_access" if case.process_id == "archive_access" else None
            return _Record(record, case.subsidiary, case.project, kept, case.closed_at)
    elif kind == "visit" and ref:
        visit = VisitorRepo(tx).visit(ref)
        if visit is not None:
            return _Record(record, visit["subsidiary"], visit["project"], "visit_log", visit["arrived_at"])
    elif kind == "household" and ref:
        home = VisitorRepo(tx).household(ref)
        if home is not None:
            where = placement_of(units, home["project"])
            return _Record(record, where.subsidiary, home["project"], "owner_archive", None)
    else:
        raise FormError(f"record {record!r} is not case:NUMBER, visit:NUMBER or household:CODE",
                        {"record": "case:NUMBER, visit:NUMBER or household:CODE"},
                        zh="记录应写作 case:编号、visit:编号 或 household:住户编号")
    raise NotFoundError(f"no record {record!r}", zh=f"没有记录 {record}")


def _steward(runtime: Any, tx: Any, actor: str, action: str,
             record: str | None = None) -> tuple[Subject, Any]:
    """The actor, checked for the role of ``action`` (then for the record's subsidiary); the record."""
    subject = subject_of(load_staff(tx, actor), tx.units)
    own = _policy(runtime, None, subject.subsidiary)
    # The role first, in the actor's own unit, so nobody without it learns which records exist.
    require(subject, "archive.disposal_review" if action == "archive.dispose" else action,
            Target("record", subject.subsidiary), policy=own)
    if record is None:
        return subject, None
    found = _record(tx, record)
    require(subject, action, Target("record", found.subsidiary, found.project),
            policy=_policy(runtime, found.project, found.subsidiary))
    return subject, found


def disposal_review(runtime: Any, actor: str) -> list[RetentionRecord]:
    """Records whose retention ended, not on legal hold and not decided yet (the actor's subsidiary)."""
    now = runtime.clock.now()
    with runtime.store.read() as tx:
        subject, _ = _steward(runtime, tx, actor, "archive.disposal_review")
        subsidiary = subject.subsidiary
        repo = ArchiveRepo(tx)
        held, decided = repo.held_records(), repo.decided_records()
        candidates: list[tuple[str, str, str, str | None, datetime]] = []
        for number, sub, _project, closed_at in repo.closed_cases("archive_access"):
            candidates.append((f"case:{number}", "archive_access", f"档案查询 {number}", sub, closed_at))
        for row in VisitorRepo(tx).search_visits(projects=None, limit=100000):
            candidates.append(
                (
                    f"visit:{row['number']}",
                    "visit_log",
                    f"来访登记 {row['number']}",
                    row["subsidiary"],
                    row["arrived_at"],
                )
            )
    out = []
    for record, record_class, title, sub, since in candidates:
        if subsidiary is not None and sub != subsidiary:
            continue
        if record in held or record in decided:
            continue
        years = _years(_policy(runtime, None, sub), record_class)
        if years is None:
            continue
        expired = _add_years(since, years)
        if expired <= now:
            out.append(RetentionRecord(record, record_class, title, sub, since, expired))
    return sorted(out, key=lambda r: r.expired_at)


def decide_disposal(runtime: Any, actor: str, record: str, decision: str, note: str | None = None) -> None:
    """Record a person's decision (keep / dispose) on a record whose retention has ended (R5.3).

    Refused: a record that does not exist, one of another subsidiary, one still open or still within
    its retention period, one already decided, and one under a legal hold.
    """
    if decision not in {"keep", "dispose"}:
        raise FormError(f"decision {decision!r} is unknown; use keep or dispose", {"decision": decision},
                        zh="处理决定只能是“保留”(keep)或“销毁”(dispose)")
    now = runtime.clock.now()
    with runtime.store.write() as tx:
        _subject, found = _steward(runtime, tx, actor, "archive.dispose", record)
        repo = ArchiveRepo(tx)
        if record in repo.held_records():
            raise ConflictError(
                f"{record} is under a legal hold; it cannot be disposed of or reviewed until "
                "the hold is lifted", zh=f"{record} 处于法律保全中，解除前不能处理"
            )
        policy = _policy(runtime, found.project, found.subsidiary)
        years = _years(policy, found.record_class) if found.record_class else None
        if found.record_class is None or years is None:
            raise ConflictError(f"{record} has no retention period that ends (owner archives are kept "
                                "permanently); it is never disposed of",
                                zh=f"{record} 须永久保存或无保存期限，不能销毁")
        if found.since is None:
            raise ConflictError(f"{record} is still open; its retention starts when it closes",
                                zh=f"{record} 尚未办结，保存期自办结起算")
        expires = _add_years(found.since, years)
        if expires > now:
            until = expires.astimezone(runtime.zone).date().isoformat()
            raise ConflictError(f"{record} is kept until {until} ({years} years); decide after that",
                                zh=f"{record} 保存期至 {until}（{years} 年），期满后才能处理")
        earlier = repo.decided_records().get(record)
        if earlier is not None:
            raise ConflictError(f"{record} was already decided ({earlier})",
                                zh=f"{record} 已有处理决定（{earlier}）")
        repo.decide(record, decision, note, actor, now)
        _audit(
            runtime, tx, actor, "archive.disposal_decided", record=record, decision=decision, why=note or ""
        )


def place_legal_hold(runtime: Any, actor: str, record: str, reason: str) -> None:
    """Put a record (``case:NUMBER``, ``visit:NUMBER`` or ``household:CODE``) under a legal hold."""
    with runtime.store.write() as tx:
        _steward(runtime, tx, actor, "archive.hold", record)
        ArchiveRepo(tx).place_hold(record, _why(reason), actor, runtime.clock.now())
        _audit(runtime, tx, actor, "archive.hold_placed", record=record, why=reason)


def lift_legal_hold(runtime: Any, actor: str, record: str, reason: str) -> int:
    """Lift the holds of a record (they stay on file, marked lifted); how many."""
    with runtime.store.write() as tx:
        _steward(runtime, tx, actor, "archive.hold", record)
        count = ArchiveRepo(tx).lift_hold(record, actor, runtime.clock.now())
        _audit(runtime, tx, actor, "archive.hold_lifted", record=record, why=_why(reason))
    return count
