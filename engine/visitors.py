"""Visitor reception (R4) around processes/visitor_reception.bpmn: register, host answer, check-in/out,
complaints from visitors, and the visit log with search and a masked CSV export (R0.8).

Every function takes the :class:`~engine.runtime.Runtime` (its store, policies and clock) and the
acting staff login. A visit is a case of ``visitor_reception`` (number ``LF-…``) plus one row of the
visit log, which alone holds the full ID number; lists and exports show it masked.

The host resident is not staff and has no login. The host is told through the outbox (an SMS with a
one-visit answer link, written in the same transaction as the visit row); the answer reaches the case
as the message ``host_accepted``/``host_declined``, audited under the guard who registered the visit
with ``via`` saying how it came (``host_link`` or ``phone``).
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.clock import local_minutes
from engine.errors import FormError, NotFoundError, PermissionDenied
from engine.identity import check_id_document, mask_id_number
from engine.permissions import Target, require, subject_of
from engine.processes import timer_clock
from engine.runtime.access import load_staff, place, placement_of
from engine.spreadsheet import safe_row
from engine.store.limits import check_row
from engine.store.visitor_repo import VisitorRepo
from engine.store.worker_repo import WorkerRepo

__all__ = [
    "HOST_ANSWERS",
    "VisitRow",
    "answer_host",
    "check_in",
    "check_out",
    "export_visits_csv",
    "get_visit",
    "import_households",
    "open_complaint_from_visit",
    "register_visit",
    "search_visits",
]

HOST_ANSWERS = {"accepted": "host_accepted", "declined": "host_declined"}
_YES = {"true", "1", "on", "yes"}
EXPORT_COLUMNS = (
    "number",
    "arrived_at",
    "visitor_name",
    "id_type",
    "id_number_masked",
    "purpose",
    "room",
    "host_name",
    "status",
    "outcome",
    "host_answer",
    "checked_out_at",
    "complaint_number",
)


@dataclass(frozen=True)
class VisitRow:
    """One visit as lists and pages show it: the ID number only masked."""

    number: str
    project: str | None
    visitor_name: str
    id_type: str | None
    id_number_masked: str
    purpose: str
    room: str | None
    host_name: str | None
    household: str | None
    status: str
    outcome: str | None
    host_answer: str | None
    arrived_at: datetime
    checked_out_at: datetime | None
    complaint_number: str | None
    answer_token: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> VisitRow:
        """Build from a repository dict; the full ID number is dropped here."""
        values: dict[str, Any] = {f: row.get(f) for f in cls.__dataclass_fields__}
        values["id_number_masked"] = values["id_number_masked"] or ""
        return cls(**values)


def _policy(runtime: Any, project: str | None, subsidiary: str | None) -> Any:
    return runtime._effective_policy(project, subsidiary)


def _mask(policy: Any, number: str | None) -> str:
    return mask_id_number(
        number, int(policy.get("visitor.id_mask.head")), int(policy.get("visitor.id_mask.tail"))
    )


def _purpose(policy: Any, code: str) -> dict[str, Any]:
    for item in policy.get("visitor.purposes"):
        if item["code"] == code:
            return dict(item)
    codes = ", ".join(p["code"] for p in policy.get("visitor.purposes"))
    raise FormError(f"purpose {code!r} is unknown; use one of {codes}", {"purpose": f"unknown: {code}"})


def _check_id(
    policy: Any, id_type: str | None, id_number: str | None, today: Any
) -> tuple[str | None, str | None]:
    """(normalised, masked) ID number; FormError when the policy requires one and it is missing or bad."""
    if not id_number:
        if policy.get("visitor.id_check"):
            raise FormError(
                "the visitor's ID document is required (visitor.id_check); type its number",
                {"id_number": "required"},
            )
        return None, None
    number = check_id_document(id_type or "resident_id", id_number, today)
    return number, _mask(policy, number)


def register_visit(runtime: Any, actor: str, form: Mapping[str, Any], answer_base: str = "") -> VisitRow:
    """Register a walk-in or a booked visit (R4.1); notify the host or security as the case needs.

    The case, its visit row and the host's SMS are written in one transaction: a value that does not
    fit (a NUL, a text longer than its column) is refused before anything is written, and a failure
    afterwards rolls all of them back. ``answer_base`` is kefu's address as residents' phones reach
    it (``KEFU_BASE_URL``); the host's SMS carries ``<answer_base>/visit/answer/<token>``.
    """
    if not isinstance(form, Mapping):
        raise FormError("a visit registration is a mapping of field → value",
                        zh="访客登记数据必须是“字段 → 值”的对象")
    data = {k: v for k, v in dict(form).items() if v not in (None, "")}
    household_code = data.pop("household", None)
    id_number = data.pop("id_number", None)
    for name, value in (("household", household_code), ("id_number", id_number)):
        if value is not None and not isinstance(value, str):
            raise FormError(f"{name} must be text", {name: "expected text"}, zh=f"{name} 必须是文本")
    check_row("visits", {"household": household_code, "id_number": id_number})
    now = runtime.clock.now()
    with runtime.store.write() as tx:
        staff = load_staff(tx, actor)
        subject = subject_of(staff, tx.units)
        household = VisitorRepo(tx).household(household_code) if household_code else None
        if household_code and household is None:
            raise NotFoundError(f"no household {household_code!r}; pick one from the list of the project",
                                zh=f"没有住户 {household_code}，请从本项目的住户中选择")
        placement = place(tx.units, staff, household["project"] if household else None)
        require(subject, "visit.register", Target("household", placement.subsidiary, placement.project))
        policy = _policy(runtime, placement.project, placement.subsidiary)
        purpose = _purpose(policy, str(data.get("purpose", "")))
        booked = data.get("booked") is True or str(data.get("booked", "")).lower() in _YES
        number, masked = (None, None)
        if not booked or id_number:
            number, masked = _check_id(
                policy, data.get("id_type"), id_number, now.astimezone(runtime.zone).date()
            )
        if number is not None:
            data.setdefault("id_type", "resident_id")
            data["id_number_masked"] = masked
        if purpose.get("desk"):
            data["routed_desk"] = purpose["desk"]
        if household is not None:
            data.setdefault("room", household["room"])
            data["project"] = household["project"]
        definition = runtime.registry.get("visitor_reception")
        cleaned = definition.start_form.clean({k: v for k, v in data.items() if k != "project"}, policy)
        token = secrets.token_urlsafe(24)
        row = {
            "visitor_name": cleaned["customer_name"],
            "visitor_phone": cleaned.get("visitor_phone"),
            "id_type": cleaned.get("id_type"),
            "id_number": number,
            "id_number_masked": masked,
            "purpose": purpose["code"],
            "household": household_code,
            "host_name": cleaned.get("host_name"),
            "note": cleaned.get("note"),
        }
        check_row("visits", row, {"visitor_name": "customer_name"})
        case = runtime.open_case("visitor_reception", data, actor, tx=tx, now=now)
        repo = VisitorRepo(tx)
        repo.add_visit(
            number=case.number,
            case_id=case.id,
            subsidiary=case.subsidiary,
            project=case.project,
            registered_by=staff.login,
            arrived_at=now,
            expected_at=_moment(cleaned.get("expected_at"), runtime),
            answer_token=token,
            **row,
        )
        link = f"{answer_base.rstrip('/')}/visit/answer/{token}"
        _notify(tx, runtime, policy, case, {**data, **cleaned}, household, link, now)
    return get_visit(runtime, case.number, actor)


def _moment(value: Any, runtime: Any) -> datetime | None:
    if not value:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=runtime.zone)


def _notify(
    tx: Any,
    runtime: Any,
    policy: Any,
    case: Any,
    data: Mapping[str, Any],
    household: Mapping[str, Any] | None,
    link: str,
    now: datetime,
) -> None:
    """Queue the host's SMS (walk-ins visiting a resident) and tell the departments an abnormal visit's
    policy entry names (``visitor.abnormal[].notify``) in the visit's project, else its subsidiary."""
    worker = WorkerRepo(tx)
    if data.get("purpose") == "visit_resident" and household is not None:
        for person in household["residents"]:
            if not person["phone"] or (data.get("host_name") and person["name"] != data["host_name"]):
                continue
            expected = _moment(data.get("expected_at"), runtime)
            when = f"（预约{local_minutes(expected, policy.calendar.tz)}）" if expected else ""
            worker.add_message(
                key=f"visitor.host:{case.number}:{person['phone']}",
                channel="sms",
                recipient="resident",
                address=person["phone"],
                subject=f"访客来访 {case.number}",
                body=(
                    f"{person['name']}您好，访客{data['customer_name']}来访{when}，"
                    f"请点击链接答复是否接待：{link}"
                ),
                kind="visitor.host",
                case_id=case.id,
                working_time_only=False,  # the visitor waits at the gate, at any hour
                unit=policy.code,
                next_attempt_at=now,
                created_at=now,
            )
    abnormal = data.get("abnormal")
    if abnormal:
        kind = next(a for a in policy.get("visitor.abnormal") if a["code"] == abnormal)
        units = tx.units()
        told = set(kind.get("notify", []))  # departments of the visit's project (else its subsidiary)
        subsidiary = placement_of(units, case.project).subsidiary
        homes = [c for c, u in units.items()
                 if u.department in told and u.parent in (case.project, subsidiary)]
        staff = [p for p in worker.active_staff(homes=homes) if units[p.unit].department in told]
        here = [p for p in staff if units[p.unit].parent == case.project] or [
            p for p in staff if units[p.unit].parent == subsidiary]
        for person in here:
            worker.add_notification(
                key=f"visitor.abnormal:{case.number}:{person.login}",
                recipient=person.login,
                kind="visitor.abnormal",
                title=f"来访异常：{kind['name']}",
                body=f"{case.number} {data['customer_name']}：{data.get('abnormal_note', '')}",
                case_number=case.number,
                created_at=now,
            )


def get_visit(runtime: Any, number: str, actor: str) -> VisitRow:
    """One visit as the actor may see it (the case's visibility rules; the ID number masked)."""
    case = runtime.get_case(number, actor)  # fires due timers (host absent) and checks visibility
    with runtime.store.read() as tx:
        row = VisitorRepo(tx).visit(case.number)
    if row is None:
        raise NotFoundError(f"{number} is not a visit; visit numbers start with the visitor prefix")
    return VisitRow.from_row(row)


def answer_host(
    runtime: Any,
    answer: str,
    *,
    token: str | None = None,
    number: str | None = None,
    actor: str | None = None,
    via: str = "phone",
) -> VisitRow:
    """Record the host's accept/decline (R4.2): by the host's link (token) or by staff who asked them.

    Staff may record it only for a visit of a project their unit covers (``visit.answer``); the link
    is the host's own capability and acts as the guard who registered the visit.
    """
    if answer not in HOST_ANSWERS:
        raise FormError(f"host answer {answer!r} is unknown; use accepted or declined", {"answer": "unknown"},
                        zh="受访人答复只能是“同意”(accepted)或“拒绝”(declined)")
    with runtime.store.write() as tx:
        repo = VisitorRepo(tx)
        row = repo.visit_by_token(token) if token else repo.visit(number or "")
        if token:
            if row is None:
                raise NotFoundError("this visitor link is not valid", zh="该访客链接无效")
            actor, via = row["registered_by"], "host_link"
        else:
            subject = subject_of(load_staff(tx, actor), tx.units)
            if row is None:
                raise NotFoundError(f"no visit {number!r}", zh=f"没有来访记录 {number}")
            require(subject, "visit.answer", Target("visit", row["subsidiary"], row["project"]))
        assert actor is not None
        payload = {"answer": answer, "via": via}
        now = runtime.clock.now()  # one moment: the step's (its timers, admitted_at) and the answer's
        # Runtime.send_message delivers the event outside timer_clock, so the gateway's timer would be
        # judged against the system clock instead of the injected one; run it with ours.
        with timer_clock(runtime.clock):
            runtime.send_message(row["number"], HOST_ANSWERS[answer], payload, actor, tx=tx, now=now)
        repo.update_visit(row["number"], host_answer=answer, host_answer_at=now, host_answer_via=via)
    return get_visit(runtime, row["number"], row["registered_by"])


def _task_id(runtime: Any, number: str, actor: str, name: str) -> str:
    for task in runtime.get_case(number, actor).tasks:
        if task.task_name == name:
            return str(task.task_id)
    raise NotFoundError(f"visit {number} has no open step {name!r} now", zh=f"来访 {number} 当前没有该步骤")


def _visit_row(tx: Any, number: str) -> dict[str, Any]:
    row = VisitorRepo(tx).visit(number)
    if row is None:
        raise NotFoundError(f"no visit {number!r}", zh=f"没有来访记录 {number}")
    return row


def check_in(runtime: Any, number: str, actor: str, form: Mapping[str, Any]) -> VisitRow:
    """A booked visitor arrives: check the ID document and complete ``check_in`` (one transaction)."""
    data = {k: v for k, v in dict(form).items() if v not in (None, "")}
    task_id = _task_id(runtime, number, actor, "check_in")  # checks the actor may see the visit
    with runtime.store.write() as tx:
        row = _visit_row(tx, number)
        policy = _policy(runtime, row["project"], row["subsidiary"])
        id_type = data.get("id_type") or "resident_id"
        now = runtime.clock.now()  # one moment: the ID check's day, the step's and the arrival's
        full, masked = _check_id(policy, id_type, data.pop("id_number", None),
                                 now.astimezone(runtime.zone).date())
        form_data = {**data, "id_type": id_type, "id_number_masked": masked}
        runtime.complete_task(task_id, actor, form_data, tx=tx, now=now)
        VisitorRepo(tx).update_visit(
            number, id_type=id_type, id_number=full, id_number_masked=masked, arrived_at=now
        )
    return get_visit(runtime, number, actor)


def check_out(runtime: Any, number: str, actor: str) -> VisitRow:
    """Record the visitor leaving now (and the badge back), in one transaction with the step."""
    now = runtime.clock.now()
    task_id = _task_id(runtime, number, actor, "check_out")
    with runtime.store.write() as tx:
        _visit_row(tx, number)
        left = {"checked_out_at": now.astimezone(runtime.zone).isoformat(), "badge_returned": True}
        runtime.complete_task(task_id, actor, left, tx=tx, now=now)
        VisitorRepo(tx).update_visit(number, checked_out_at=now)
    return get_visit(runtime, number, actor)


def open_complaint_from_visit(runtime: Any, number: str, actor: str, complaint: Mapping[str, Any]) -> Any:
    """The visitor came to complain (R4.5): open a complaint (channel visit), link it, finish the step.

    The complaint, the visit's step and the link are written in one transaction.
    """
    task_id = _task_id(runtime, number, actor, "hand_over_complaint")
    with runtime.store.write() as tx:
        row = _visit_row(tx, number)
        data = {"customer_name": row["visitor_name"], "channel": "visit", **dict(complaint)}
        if row["visitor_phone"]:
            data.setdefault("customer_phone", row["visitor_phone"])
        if row["project"]:
            data.setdefault("project", row["project"])
        now = runtime.clock.now()  # one moment for the complaint's opening and the visit's step
        case = runtime.open_case("complaint", data, actor, tx=tx, now=now)
        runtime.complete_task(task_id, actor, {"complaint_number": case.number}, tx=tx, now=now)
        VisitorRepo(tx).update_visit(number, complaint_number=case.number)
    return case


def _visible_projects(tx: Any, actor: str) -> list[str] | None:
    """Projects whose visits the actor may list: their project, their subsidiary's, or all (group)."""
    staff = load_staff(tx, actor)
    units = tx.units()
    mine = placement_of(units, staff.unit)
    if mine.project:
        return [mine.project]
    if mine.subsidiary:
        return [
            u.code
            for u in units.values()
            if u.kind == "project" and placement_of(units, u.code).subsidiary == mine.subsidiary
        ]
    if mine.group:
        return None
    raise PermissionDenied(f"{actor} belongs to no unit; the visit log is shown by unit",
                           zh="您不属于任何组织单位，来访记录按单位查看")


def search_visits(
    runtime: Any,
    actor: str,
    *,
    text: str | None = None,
    purpose: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[VisitRow]:
    """The visit log the actor may see, newest first, ID numbers masked (R4.5, R0.8)."""
    with runtime.store.read() as tx:
        projects = _visible_projects(tx, actor)
        rows = VisitorRepo(tx).search_visits(
            projects=projects, text=text, purpose=purpose, since=since, until=until
        )
    return [VisitRow.from_row(r) for r in rows]


def export_visits_csv(runtime: Any, actor: str, *, headers: Mapping[str, str] | None = None,
                      names: Mapping[str, Mapping[str, str]] | None = None, **filters: Any) -> str:
    """The visit log as CSV (UTF-8 with BOM for spreadsheet programs); ID numbers masked (R0.8); no
    cell is read as a formula (engine.spreadsheet).

    ``headers`` names the columns (default: the column codes) and ``names`` maps a column's codes to the
    words people read (purposes, ID kinds, states), so the web page exports the log in its language.
    """
    zone = runtime.zone
    names = names or {}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([(headers or {}).get(column, column) for column in EXPORT_COLUMNS])
    for visit in search_visits(runtime, actor, **filters):
        values = []
        for column in EXPORT_COLUMNS:
            value = getattr(visit, column)
            if isinstance(value, datetime):
                value = local_minutes(value, zone)
            elif value is not None and column in names:
                value = names[column].get(str(value), value)
            values.append("" if value is None else value)
        writer.writerow(safe_row(values))  # a name like =HYPERLINK(…) stays text
    return out.getvalue()


def import_households(runtime: Any, path: Any) -> int:
    """Load households and residents from a YAML file (format: engine/demo/households.yaml); new ones."""
    import yaml

    with open(path, encoding="utf-8") as handle:
        doc = yaml.safe_load(handle) or {}
    new = 0
    with runtime.store.write() as tx:
        repo = VisitorRepo(tx)
        for item in doc.get("households", []):
            residents = [(r["name"], r.get("phone"), bool(r.get("owner"))) for r in item.get("residents", [])]
            new += repo.upsert_household(
                item["code"], item["project"], item["room"], item["owner_name"], residents
            )
    return new
