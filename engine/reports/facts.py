"""The facts a case contributes to the statistics, kept in ``case_stats`` by every transition (R7.1).

A report must count a month of cases in SQL, without reading workflows or audit logs and without a
Python loop over cases; so each transition writes, in its own transaction, the few columns a report
counts:

* the case's unit, receipt time (``received_at``: the call's end when given), status, outcome,
  final category, channel, urgency and responsible department, and ``valid``;
* its content and corrective actions (``CONTENT_FIELDS``, ``CORRECTIVE_FIELDS`` of the workflow
  data), the last return visit's satisfaction and when it was recorded;
* per deadline kind (``dispatch``, ``visit``, ``reply``, ``completion``) the deadline and when it was
  met: a user task whose diagram gives it the property ``statistic`` (and optionally
  ``statistic_due``) writes its deadline when it opens and its completion time when completed; a
  task opened again (an order returned, a closure sent back) is judged on its last round;
* at closure, the handling time in **working minutes** of the case's own calendar (received →
  closed), computed once here with ``BusinessCalendar.working_minutes_between``, so that the average
  in working hours is an ``AVG`` (a calendar table would have to encode every unit's working hours
  and holidays in SQL; a duration stored at close is exact and costs one computation per case).

**Valid** (R2.13, R7.1): a complaint counts as valid unless it was withdrawn or cancelled, or merged
into another as its duplicate. ``is_valid`` is the one place that decides it: withdrawal and merging
(``Runtime.withdraw_case``, ``decide_merge``) set the status ``withdrawn``/``merged``; a case whose data
names its original (``merged_into``/``duplicate_of``, e.g. cases imported that way) is a duplicate too.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from engine.store.report_repo import ReportRepo

__all__ = ["CONTENT_FIELDS", "CORRECTIVE_FIELDS", "INVALID_STATUSES", "backfill", "cooperation_of",
           "facts_of", "is_valid", "record_facts"]

# Fields of a case's data that say what the complaint is about, and what was done about it.
CONTENT_FIELDS = ("description",)
CORRECTIVE_FIELDS = ("on_spot_resolution", "actions_taken", "plan", "completion_record")
INVALID_STATUSES = frozenset({"withdrawn", "cancelled", "merged"})
MERGED_FIELDS = ("merged_into", "duplicate_of")
COOPERATION_STEP = "confirm_cooperation"  # engine.complaints.CONFIRM_COOPERATION (R2.4)


def is_valid(status: str | None, data: dict[str, Any]) -> bool:
    """A complaint is valid unless withdrawn, cancelled or merged into another case as a duplicate."""
    if status in INVALID_STATUSES:
        return False
    return not any(data.get(name) for name in MERGED_FIELDS)


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None


def _text(data: dict[str, Any], names: tuple[str, ...]) -> str | None:
    parts = [str(data[n]).strip() for n in names if data.get(n) not in (None, "") and str(data[n]).strip()]
    return "\n".join(parts) or None


def facts_of(case: dict[str, Any], data: dict[str, Any], events: list[dict[str, Any]], now: datetime,
             *, opened_at: datetime | None = None, still_open: Collection[str] = ()) -> dict[str, Any]:
    """The ``case_stats`` columns this transition sets (all of them when ``opened_at`` is given).

    ``still_open``: the steps with an instance opened before these events and still open after them.
    A multi-instance step (the cooperating departments' confirmations, R2.4) is met when its last
    instance is completed: completing one while another is open leaves the kind's ``_done`` empty.
    """
    out: dict[str, Any] = {
        "status": case.get("status") or "open",
        "outcome": case.get("outcome"),
        "valid": is_valid(case.get("status"), data),
        "category": case.get("category"),
        "channel": case.get("channel"),
        "urgency": case.get("urgency"),
        "responsible_department": case.get("responsible_department"),
        "subsidiary": case.get("subsidiary"),
        "project": case.get("project"),
        "closed_at": case.get("closed_at"),
        "content": _text(data, CONTENT_FIELDS),
        "corrective": _text(data, CORRECTIVE_FIELDS),
    }
    if opened_at is not None:
        out.update(case_id=case["id"], number=case["number"], process_id=case["process_id"],
                   first_receiver=case.get("first_receiver"),
                   opened_at=_moment(data.get("received_at")) or opened_at)
    for ev in events:
        ev_data = ev.get("data") or {}
        statistic = ev_data.get("statistic")
        at = ev.get("at") or now
        if ev["action"] == "task.opened" and isinstance(statistic, dict):
            out[f"{statistic['kind']}_due"] = _moment(statistic.get("due_at"))
            out[f"{statistic['kind']}_done"] = None
        elif ev["action"] == "task.completed":
            if isinstance(statistic, str) and ev_data.get("task") not in still_open:
                out[f"{statistic}_done"] = at
            form = ev_data.get("form") or {}
            if form.get("satisfaction"):
                out["satisfaction"], out["visited_at"] = str(form["satisfaction"]), at
    return out


Opened = list[tuple[str, str, datetime | None]]  # (task id, department, due time)


def cooperation_of(events: list[dict[str, Any]], now: datetime) -> tuple[Opened, list[tuple[str, datetime]]]:
    """R2.4 the cooperating departments' steps these events open (task id, department, due time) and
    confirm (task id, when); a step that ends unconfirmed with the complaint stays unconfirmed."""
    opened: Opened = []
    confirmed: list[tuple[str, datetime]] = []
    for ev in events:
        data = ev.get("data") or {}
        if data.get("task") != COOPERATION_STEP or not ev.get("task_id"):
            continue
        if ev["action"] == "task.opened" and data.get("department"):
            opened.append((str(ev["task_id"]), str(data["department"]), _moment(data.get("due_at"))))
        elif ev["action"] == "task.completed":
            confirmed.append((str(ev["task_id"]), ev.get("at") or now))
    return opened, confirmed


def record_facts(tx: Any, transition: Any) -> None:
    """Write the case's facts of this transition (inside its transaction)."""
    t = transition
    case = t.case
    data = t.synced_data if t.synced_data is not None else t.workflow_data()  # _commit: right after sync
    opening = not t.original
    fresh = {row.task_id for row in t.new_rows}
    still_open = {row.task_spec for row in t.rows.values() if row.task_id not in fresh}
    values = facts_of(case, data, t.events, t.now, opened_at=t.now if opening else None,
                      still_open=still_open)
    if case.get("closed_at") is not None and t.original.get("closed_at") is None:
        received = _moment(data.get("received_at")) or t.now
        values["handling_minutes"] = _working_minutes(t.policy, received, case["closed_at"])
    repo = ReportRepo(tx)
    if opening:
        repo.insert_facts(values)
    else:
        repo.update_facts(case["id"], values)
    opened, confirmed = cooperation_of(t.events, t.now)
    if opened or confirmed:
        repo.record_cooperation(case["id"], opened, confirmed)


def backfill(runtime: Any) -> int:
    """Write the facts of every case that has none (cases from before migration 0014); how many.

    The audit log of such a case has no ``statistic`` in its task events: each task's kind comes
    from its diagram, a ``statistic_due`` naming a field of the case data (``dispatch_due``) reads
    it, and ``statistic_done`` is evaluated on the completed form. ``kefu init`` runs it.
    """
    from types import SimpleNamespace

    with runtime.store.read() as tx:
        missing = ReportRepo(tx).cases_without_facts()
    for case_id in missing:
        with runtime.store.write() as tx:
            record = tx.lock_case(case_id=case_id)
            if record is None or ReportRepo(tx).has_facts(case_id):
                continue
            t = runtime._begin(tx, record, write=False)
            data = t.workflow_data()
            tasks = t.definition.user_tasks
            events: list[dict[str, Any]] = []
            for ev in tx.case_audit(case_id):
                item: dict[str, Any] = {"action": ev.action, "at": ev.at, "data": dict(ev.data)}
                info = tasks.get(str(ev.data.get("task", "")))
                if info is not None and info.statistic and "statistic" not in ev.data:
                    if ev.action == "task.opened":
                        due = ev.data.get("due_at")
                        if info.statistic_due_expr and info.statistic_due_expr.isidentifier():
                            due = data.get(info.statistic_due_expr, due)
                        item["data"]["statistic"] = {"kind": info.statistic, "due_at": due}
                    elif ev.action == "task.completed":
                        form = SimpleNamespace(data=dict(ev.data.get("form") or {}))
                        if not info.statistic_done_expr or t.wf.script_engine.evaluate(
                                form, info.statistic_done_expr):
                            item["data"]["statistic"] = info.statistic
                events.append(item)
            case = {**t.case, "opened_at": record.opened_at}
            open_now = {row.task_spec for row in tx.case_tasks(case_id)}
            values = facts_of(case, data, events, t.now, opened_at=record.opened_at, still_open=open_now)
            if record.closed_at is not None:
                received = _moment(data.get("received_at")) or record.opened_at
                values["handling_minutes"] = _working_minutes(t.policy, received, record.closed_at)
            ReportRepo(tx).insert_facts(values)
    return len(missing)


def _working_minutes(policy: Any, start: datetime, end: datetime) -> int:
    if end <= start:
        return 0
    return int(policy.calendar.working_minutes_between(start, end))
