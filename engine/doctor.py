"""``kefu doctor``: consistency checks of a kefu database for administrators and CI.

Each check yields :class:`Finding` objects (what is wrong, where, and a hint how to fix it):

- ``workflow``  every case row has its serialized workflow state and serializer version;
- ``inbox``     the open inbox rows of each open case are exactly the workflow's READY user tasks;
- ``numbers``   case and dispatch-order numbers are gapless per sequence (subsidiary, prefix, year)
  and none lies beyond its sequence;
- ``domain``    every domain row has its case (visits, dispatch orders, penalties, FAQ entries taken
  from a case, legal holds and disposal decisions on cases) and vice versa (a visitor-reception case has
  its visit, a repair case with an issued order has the order row);
- ``audit``     every hash chain verifies, and so does every signed checkpoint of the audit anchor;
- ``org``       every department the complaint category matrix of a subsidiary's policy needs (first
  responsible or cooperating, R2.4) has a unit of that department with an active head there: without one
  its cooperation steps and its quarterly systemic-issue tasks (R2.18) wait in a queue nobody holds.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engine.audit_anchor import AnchorSettings, verify_audit
from engine.errors import KefuError
from engine.runtime.numbering import unit_short_code
from engine.runtime.transition import ready_user_tasks
from engine.store.archive_models import DisposalDecision, LegalHold
from engine.store.faq_models import DispatchOrder, FaqEntry
from engine.store.models import AuditEvent, Case, NumberSequence, OrgUnit, Staff
from engine.store.visitor_models import Visit
from engine.store.worker_models import Penalty

__all__ = ["CHECKS", "Finding", "run_doctor"]

CHECKS = ("workflow", "inbox", "numbers", "domain", "audit", "org")
_NUMBER = re.compile(r"^([A-Z0-9]+)-([A-Z0-9]+)-(\d{4})-(\d{6,})$")


@dataclass(frozen=True)
class Finding:
    """One problem: the check, what is wrong, and how to fix it."""

    check: str
    problem: str
    hint: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.problem}\n    hint: {self.hint}"


def run_doctor(runtime: Any, anchor: AnchorSettings | None, checks: tuple[str, ...] = CHECKS,
               warnings: list[str] | None = None) -> list[Finding]:
    """Every finding of the chosen checks (empty: the database is consistent)."""
    found: list[Finding] = []
    for name in checks:
        found.extend(_CHECKS[name](runtime, anchor, warnings if warnings is not None else []))
    return found


def _workflow(runtime: Any, _anchor: Any, _warnings: list[str]) -> Iterator[Finding]:
    stmt = select(Case.number, Case.serializer_version, Case.workflow)
    with runtime.store.read() as tx:
        for number, version, workflow in tx.conn.execute(stmt):
            if not workflow or not workflow.lstrip().startswith("{") or not version:
                yield Finding("workflow", f"case {number} has no workflow state",
                              "restore the case row from a backup; the audit log tells what happened to it, "
                              "but a case cannot move on without its state")


def _inbox(runtime: Any, _anchor: Any, _warnings: list[str]) -> Iterator[Finding]:
    with runtime.store.read() as tx:
        ids = list(tx.conn.scalars(select(Case.id).where(Case.closed_at.is_(None)).order_by(Case.number)))
        for case_id in ids:
            case = tx.lock_case(case_id=case_id, lock=False)
            if case is None or not case.workflow:
                continue  # reported by the workflow check
            try:
                # One read-only load of the pinned workflow, as every transition starts.
                state = runtime._begin(tx, case, write=False)  # noqa: SLF001 - the runtime's own loader
            except (KefuError, ValueError, KeyError, TypeError) as exc:
                yield Finding("inbox", f"case {case.number}: its workflow does not load ({exc})",
                              "restore the case row from a backup")
                continue
            ready = {str(t.id) for t in ready_user_tasks(state.wf)}
            rows = {r.task_id for r in tx.case_tasks(case_id)}
            for task_id in sorted(ready - rows):
                yield Finding("inbox", f"case {case.number}: ready task {task_id[:8]} has no inbox row",
                              "nobody can see or claim it; open and save the case again (e.g. `kefu timers "
                              "fire`), or re-create the row from the workflow")
            for task_id in sorted(rows - ready):
                yield Finding("inbox", f"case {case.number}: inbox row {task_id[:8]} is not a ready task "
                              "of its workflow", "delete the stale inbox row; completing it would fail")


def _numbers(runtime: Any, _anchor: Any, _warnings: list[str]) -> Iterator[Finding]:
    issued: dict[tuple[str, str, int], set[int]] = defaultdict(set)
    with runtime.store.read() as tx:
        sequences = tx.conn.execute(select(NumberSequence)).all()
        numbers = list(tx.conn.scalars(select(Case.number)))
        numbers += list(tx.conn.scalars(select(DispatchOrder.number)))
    for number in numbers:
        parsed = _NUMBER.match(number)
        if parsed:
            prefix, short, year, seq = parsed.groups()
            issued[(prefix, short, int(year))].add(int(seq))
    known: set[tuple[str, str, int]] = set()
    for row in sequences:
        key = (row.prefix, unit_short_code(row.subsidiary or None), row.year)
        known.add(key)
        have = issued.get(key, set())
        missing = sorted(set(range(1, row.last + 1)) - have)
        name = f"{row.prefix}-{key[1]}-{row.year}"
        if missing:
            shown = ", ".join(f"{name}-{n:06d}" for n in missing[:10]) + (" …" if len(missing) > 10 else "")
            yield Finding("numbers", f"sequence {name}: {row.last} issued, {len(missing)} missing: {shown}",
                          "a case or order with that number was deleted; restore it from a backup (numbers "
                          "are never reused), then run `kefu audit verify`")
        beyond = sorted(n for n in have if n > row.last)
        if beyond:
            yield Finding("numbers", f"sequence {name}: number(s) beyond its last ({row.last}): "
                          + ", ".join(f"{name}-{n:06d}" for n in beyond[:10]),
                          "the sequence row was reset; set number_sequences.last to the highest number "
                          "issued so no number is handed out twice")
    for key in sorted(set(issued) - known):
        yield Finding("numbers", f"numbers {key[0]}-{key[1]}-{key[2]}-… exist without their sequence row",
                      "re-create the number_sequences row with last = the highest number issued")


def _domain(runtime: Any, _anchor: Any, _warnings: list[str]) -> Iterator[Finding]:
    with runtime.store.read() as tx:
        c = tx.conn
        rows = c.execute(select(Case.id, Case.number, Case.process_id))
        cases = {r.id: (r.number, r.process_id) for r in rows}
        numbers = {number for number, _ in cases.values()}
        visits = {r.case_id: r.number for r in c.execute(select(Visit.case_id, Visit.number))}
        rows = c.execute(select(DispatchOrder.case_id, DispatchOrder.number))
        orders = {r.case_id: r.number for r in rows}
        sources = list(c.execute(select(FaqEntry.id, FaqEntry.source_case)
                                 .where(FaqEntry.source_case.is_not(None))))
        issued = set(c.scalars(select(AuditEvent.case_id)
                               .where(AuditEvent.action == "dispatch_order.issued")))
        fines = list(c.execute(select(Penalty.id, Penalty.case_id, Penalty.case_number, Penalty.staff,
                                      Penalty.amount).where(Penalty.case_id.is_not(None))))
        records = [("legal hold", r) for r in c.scalars(select(LegalHold.record))]
        records += [("disposal decision", r) for r in c.scalars(select(DisposalDecision.record))]
    restore = "restore the case from a backup, or remove the orphaned row after checking the audit log"
    for case_id, number in sorted(visits.items(), key=lambda x: x[1]):
        if case_id not in cases:
            yield Finding("domain", f"visit {number} has no case (case id {case_id})", restore)
    for case_id, number in sorted(orders.items(), key=lambda x: x[1]):
        if case_id not in cases:
            yield Finding("domain", f"dispatch order {number} has no case (case id {case_id})", restore)
    for entry_id, source in sources:
        if source not in numbers:
            yield Finding("domain", f"FAQ entry {entry_id} names case {source}, which does not exist",
                          restore)
    for fine_id, case_id, number, staff, amount in fines:
        if case_id not in cases:
            yield Finding("domain", f"penalty #{fine_id} ({amount} yuan to {staff}) is for case {number}, "
                          "which does not exist", "a fine needs its case as evidence: restore the case from "
                          "a backup, or have the penalty reviewed before the ledger is exported")
    for kind, record in records:
        ref = record.split(":", 1)[1] if record.startswith("case:") else None
        if ref is not None and ref not in numbers:
            yield Finding("domain", f"{kind} on {record}: no such case", restore)
    for case_id, (number, process_id) in sorted(cases.items(), key=lambda x: x[1][0]):
        if process_id == "visitor_reception" and case_id not in visits:
            yield Finding("domain", f"visitor case {number} has no visit row (half-written registration)",
                          "the visit's details and its SMS are missing: register the visit again at the "
                          "desk and close this case, or restore the visits row from a backup")
        if case_id in issued and case_id not in orders:
            yield Finding("domain", f"repair case {number} issued a dispatch order but has no order row",
                          "restore the dispatch_orders row from a backup; its number is in the case's "
                          "dispatch_order.issued audit event")


def _audit(runtime: Any, anchor: AnchorSettings | None, warnings: list[str]) -> Iterator[Finding]:
    report = verify_audit(runtime.store, anchor, runtime.clock)
    warnings.extend(report.warnings)
    for problem in report.problems:
        yield Finding("audit", problem, "compare with a backup and the checkpoint files; the audit log is "
                      "evidence: never repair it in place, investigate who changed what")


def _org(runtime: Any, _anchor: Any, _warnings: list[str]) -> Iterator[Finding]:
    """R2.4 departments the category matrix needs, per subsidiary, without an active department head."""
    with runtime.store.read() as tx:
        units = {str(u.code): u for u in tx.session.scalars(select(OrgUnit))}
        staff = list(tx.session.execute(select(Staff.unit, Staff.roles).where(Staff.active.is_(True))))
    held: set[str] = set()
    for unit, roles in staff:  # a department's staff hold their roles in its parent too (candidate_groups)
        home = units.get(str(unit))
        up = home.parent if home is not None and home.kind == "department" else None
        homes = [unit] + ([up] if up else [])
        for role in roles or []:
            held.update([role] if "@" in role else [f"{role}@{h}" for h in homes])
    for sub in sorted(code for code, u in units.items() if u.kind == "subsidiary"):
        try:
            policy = runtime.policies.effective(sub)
        except KefuError:
            continue  # a subsidiary without a policy of its own: the policy check reports the tree
        needs: dict[str, list[str]] = {}
        for item in policy.get("complaint.categories"):
            for department in [item["department"], *item.get("cooperating", [])]:
                needs.setdefault(str(department), []).append(str(item.get("name", item["code"])))
        for department, categories in sorted(needs.items()):
            name = policy.name_of("departments", department)
            found = [code for code, u in units.items()
                     if u.kind == "department" and u.department == department and u.parent == sub]
            if any(f"department_head@{code}" in held for code in found):
                continue
            shown = "、".join(dict.fromkeys(categories))
            if not found and f"department_head@{sub}" in held:
                continue  # no unit of it: its steps go to the company's department heads, who may take them
            if not found:
                hint = (f"add the department unit under {sub} with its 部门一把手 (组织 page or "
                        "kefu org import): nobody in the company holds department_head, so its steps "
                        "are flagged 无人可办")
                problem = f"{sub}: no {name} ({department}) department unit, needed by {shown}"
                yield Finding("org", problem, hint)
                continue
            yield Finding("org", f"{sub}: {name} ({found[0]}) has no department head, needed by {shown}",
                          f"give someone role department_head in {found[0]} (组织 page or kefu org import): "
                          "its cooperation steps and systemic-issue tasks are flagged 无人可办 until then")


_CHECKS = {"workflow": _workflow, "inbox": _inbox, "numbers": _numbers, "domain": _domain, "audit": _audit,
           "org": _org}
