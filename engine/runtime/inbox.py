"""The inbox side of the runtime: listing, claiming, releasing, case pages, audit and org import.

Listing never deserializes a workflow and never writes: due timers are fired by the worker (and by
the case page and task completion, for their one case). So that a list never offers a task a deadline
already cancelled, it leaves out the steps an interrupting timer can cancel (``interruptible_tasks``)
while their case has a timer due that the worker has not fired yet (``live_tasks``); what the timer
adds (an escalation step) appears with the worker's next sweep.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from engine.errors import KefuError, NotFoundError
from engine.permissions import Subject, Target, require, subject_of
from engine.runtime.access import candidate_groups, load_staff
from engine.runtime.serializer import completed_elements, completed_elements_in, upgrade_workflow_dict
from engine.runtime.views import CasePageReads, CaseView, InboxItem
from engine.runtime.waits import WaitPoint, may_wait, waiting_points
from engine.store import StaffRecord, Tx, UnitRecord
from engine.store.audit import ChainProblem, verify_chain
from engine.store.repo_cases import live_tasks

if TYPE_CHECKING:
    from engine.clock import Clock
    from engine.processes import ProcessDefinition, ProcessRegistry
    from engine.runtime.transition import Transition
    from engine.store import CaseRecord, Store, TaskRecord

__all__ = ["VIEWS", "InboxMixin"]

VIEWS = ("mine", "queue", "overdue", "all")
MIN_PREFIX = 8


class InboxMixin:
    """Inbox, claim/release, case view, audit verification and org import of ``Runtime``."""

    store: Store
    policies: Any
    clock: Clock
    registry: ProcessRegistry
    _definitions: dict[tuple[str, str], ProcessDefinition]
    _zone: tzinfo | None = None
    _interruptible: tuple[tuple[tuple[str, str], ...], frozenset[str]] | None = None

    def _try_advance(self, case_id: str) -> int:
        """``_advance`` that logs a failed step instead of raising it (``Runtime`` provides it)."""
        raise NotImplementedError

    def _advance(self, case_id: str) -> int:
        """Refresh one case's due timers (``Runtime`` provides it)."""
        raise NotImplementedError

    def _policy(self, tx: Tx, fingerprint: str) -> Any:
        """The effective policy a case is pinned to (``Runtime`` provides it)."""
        raise NotImplementedError

    def _open_row(self, tx: Tx, task_id: str) -> TaskRecord:
        """The open inbox row or why it is gone (``Runtime`` provides it)."""
        raise NotImplementedError

    def _begin(self, tx: Tx, case: CaseRecord, actor: str = "system", *, write: bool = True,
               now: datetime | None = None) -> Transition:
        """Load a case's workflow around its pinned diagram and policy (``Runtime`` provides it)."""
        raise NotImplementedError

    def _definition(self, tx: Tx, process_id: str, version: str) -> ProcessDefinition:
        """The pinned process version (``Runtime`` provides it)."""
        raise NotImplementedError

    @property
    def zone(self) -> tzinfo:
        """The group policy's time zone (for messages and display)."""
        cached = self._zone
        if cached is None:
            try:
                cached = ZoneInfo(str(self.policies.effective(None).get("calendar.timezone")))
            except (KefuError, KeyError, ValueError):
                cached = ZoneInfo("Asia/Shanghai")
            self._zone = cached
        return cached

    def resolve_task_id(self, task_id: str) -> str:
        """A full task id from a unique prefix of at least 8 characters."""
        task_id = task_id.strip().lower()
        if len(task_id) >= 36:
            return task_id
        if len(task_id) < MIN_PREFIX:
            raise NotFoundError(f"task id {task_id!r} is too short; give at least {MIN_PREFIX} characters")
        with self.store.read() as tx:
            matches = tx.task_ids_starting(task_id) or tx.audited_task_ids_starting(task_id)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise NotFoundError(f"task id prefix {task_id!r} is ambiguous ({', '.join(matches)}); give more")
        raise NotFoundError(f"no open task starts with {task_id!r}; list yours with 'kefu inbox'")

    def inbox(self, actor: str, view: str = "mine") -> list[InboxItem]:
        """Open tasks for ``actor``: mine, queue (unclaimed in my roles), overdue, or all I may oversee."""
        if view not in VIEWS:
            raise NotFoundError(f"no inbox view {view!r}; choose one of {', '.join(VIEWS)}")
        now = self.clock.now()
        with self.store.read() as tx:
            staff = load_staff(tx, actor)
            groups = candidate_groups(staff)
            scope = self._all_scope(subject_of(staff, tx.units)) if view == "all" else None
        live = live_tasks(now, self.interruptible_tasks)
        with self.store.read() as tx:
            if view == "mine":
                rows = tx.inbox(assignee=staff.login, live=live)
            elif view == "queue":
                rows = tx.inbox(groups=groups, live=live)
            elif view == "overdue":
                rows = tx.inbox(assignee=staff.login, groups=groups, due_before=now, live=live)
            else:
                rows = tx.inbox(everything=scope is None, subsidiary=scope, live=live)
        return [InboxItem.from_record(r) for r in rows]

    @property
    def interruptible_tasks(self) -> frozenset[str]:
        """Task specs an interrupting timer can cancel, in the current diagrams and the stored versions
        loaded so far (``ProcessDefinition.interruptible_tasks``)."""
        definitions = [*self.registry.definitions(), *self._definitions.values()]
        key = tuple(sorted({(d.process_id, d.version) for d in definitions}))
        cached = self._interruptible
        if cached is None or cached[0] != key:
            names = frozenset().union(*(d.interruptible_tasks for d in definitions))
            cached = self._interruptible = (key, names)
        return cached[1]

    def _all_scope(self, subject: Subject) -> str | None:
        """None for group-level staff (everything), the subsidiary for supervisors; else refuse."""
        require(subject, "inbox.all", Target("unit", subject.subsidiary, subject.project))
        return None if subject.group_level else subject.subsidiary

    def claim_task(self, task_id: str, actor: str) -> InboxItem:
        """Take a queued task so colleagues see it is being worked."""
        return self._set_claim(task_id, actor, claim=True)

    def release_task(self, task_id: str, actor: str) -> InboxItem:
        """Give a claimed task back to its queue."""
        return self._set_claim(task_id, actor, claim=False)

    def _set_claim(self, task_id: str, actor: str, *, claim: bool) -> InboxItem:
        task_id = self.resolve_task_id(task_id)
        now = self.clock.now()
        with self.store.write() as tx:
            staff = load_staff(tx, actor)
            # The case locked with its open rows in one statement (as a completion does), the task's row
            # among them; a task no longer open is explained by _open_row (completed by whom, cancelled).
            case = tx.lock_case_of_task(task_id)
            row = next((t for t in tx.case_tasks(case.id) if t.task_id == task_id), None) if case else None
            if case is None or row is None:
                row = self._open_row(tx, task_id)  # raises unless it opened meanwhile: then as before
                case = tx.lock_case(case_id=row.case_id)
                row = self._open_row(tx, task_id)  # again, now that the case is locked
            assert case is not None
            require(subject_of(staff, tx.units), "task.claim" if claim else "task.release",
                    Target.of_task(row, case.first_receiver, self._policy(tx, case.policy_fingerprint)))
            assignee, claimed_at = (staff.login, now) if claim else (row.default_assignee, None)
            event = {"actor": staff.login, "action": "task.claimed" if claim else "task.released",
                     "task_id": task_id, "data": {"task": row.task_spec, "title": row.title}}
            with tx.case_writes():  # PostgreSQL: the row, the audit event and the case row in one round trip
                tx.set_assignee(task_id, assignee, claimed_at)
                tx.append_audit(case.id, [event], now)
                tx.update_case(case.id)
        # the row as written (it was read again after the write: a statement for what is known)
        return InboxItem.from_record(replace(row, assignee=assignee, claimed_at=claimed_at))

    def get_case(self, number: str, actor: str) -> CaseView:
        """A case with its open tasks and its timeline from the audit log."""
        with self.store.read() as tx:
            case = self._readable_case(tx, number, actor)
            due = case.next_timer_at is not None and case.next_timer_at <= self.clock.now()
        if due:
            self._try_advance(case.id)
        with self.store.read() as tx:
            again = tx.find_case(number)
            assert again is not None
            return CaseView.build(again, tx.case_tasks(again.id), tx.case_audit(again.id))

    def case_page_reads(self, number: str, actor: str) -> CasePageReads:
        """What the case page reads of a case, from one read of its row: the case view (``get_case``),
        the path it took (``completed_elements``) and where it waits (``waiting_points``); a due timer
        fires first, as ``get_case`` does. The page asked the three apart: four reads of the case's row
        (``get_case`` read it twice), each answering ``case.read`` again. The path and the waits are
        None when the workflow cannot be read (the page then shows the timeline's steps)."""
        with self.store.read() as tx:
            case = self._readable_case(tx, number, actor, workflow=True)
            due = case.next_timer_at is not None and case.next_timer_at <= self.clock.now()
            if not due:
                return self._page_reads(tx, case)
        self._try_advance(case.id)
        with self.store.read() as tx:
            again = tx.lock_case(number=number, lock=False)
            assert again is not None
            return self._page_reads(tx, again)

    def _page_reads(self, tx: Tx, case: CaseRecord) -> CasePageReads:
        view = CaseView.build(case, tx.case_tasks(case.id), tx.case_audit(case.id))
        try:  # the workflow's JSON parsed once for the path and the waits
            definition = self._definition(tx, case.process_id, case.process_version)
            stored = upgrade_workflow_dict(json.loads(case.workflow or "{}"), case.serializer_version)
        except KefuError:
            return CasePageReads(view, None, None)
        try:
            path: list[str] | None = completed_elements_in(stored, definition.spec,
                                                           definition.subprocess_specs)
        except KefuError:
            path = None
        try:
            waits: list[WaitPoint] | None = self._waits(tx, case, stored)
        except KefuError:
            waits = None
        return CasePageReads(view, path, waits)

    def case_record(self, number: str, actor: str) -> CaseRecord:
        """A case's row (no workflow, tasks nor timeline) as ``actor`` may read it: for a request that
        needs the case's fields and the permission question answered, not the whole case view (a file
        upload read the case's tasks and its audit timeline for that: a third of its time)."""
        with self.store.read() as tx:
            return self._readable_case(tx, number, actor)

    def case_data(self, number: str, actor: str) -> dict[str, Any]:
        """The workflow data of a case (the fields its scripts and forms set), read-only."""
        with self.store.read() as tx:
            case = self._readable_case(tx, number, actor, workflow=True)
            return dict(self._begin(tx, case, write=False).workflow_data())

    def completed_elements(self, number: str, actor: str) -> list[str]:
        """The diagram element ids a case has passed through (events, gateways, automatic and user
        steps, in the order they completed): the path the case page's diagram marks as done."""
        with self.store.read() as tx:
            case = self._readable_case(tx, number, actor, workflow=True)
            definition = self._definition(tx, case.process_id, case.process_version)
            return completed_elements(case.workflow or "{}", case.serializer_version, definition.spec,
                                      definition.subprocess_specs)

    def waiting_points(self, number: str, actor: str) -> list[WaitPoint]:
        """Where the case waits (a catch event, an event-based gateway, a boundary timer of no open
        step): each with its name, the diagram it is in and the events that end it, a timer's due time
        (UTC). Empty for a closed case and one that is only at user tasks."""
        with self.store.read() as tx:
            return self._waits(tx, self._readable_case(tx, number, actor, workflow=True))

    def _waits(self, tx: Tx, case: CaseRecord, stored: dict[str, Any] | None = None) -> list[WaitPoint]:
        """``waiting_points`` of a case row read with its workflow (``stored``: its JSON already parsed
        and upgraded, only read)."""
        if case.closed_at is not None:
            return []
        definition = self._definition(tx, case.process_id, case.process_version)
        if stored is None:
            stored = upgrade_workflow_dict(json.loads(case.workflow or "{}"), case.serializer_version)
        if not may_wait(stored, definition.spec, definition.subprocess_specs):
            return []  # only at user tasks: no rebuild of the workflow (a case page's most costly read)
        t = self._begin(tx, case, write=False)
        return waiting_points(t.wf, t.timers())

    def _readable_case(self, tx: Tx, number: str, actor: str, *, workflow: bool = False) -> CaseRecord:
        """The case ``number`` if ``actor`` may read it (``case.read``), with its workflow when asked;
        not found with a did-you-mean among the cases they may see, or refused."""
        subject = subject_of(load_staff(tx, actor), tx.units)
        case = tx.lock_case(number=number, lock=False) if workflow else tx.find_case(number)
        if case is None:
            raise self._no_case(tx, number, subject)
        require(subject, "case.read", Target.of_case(case))
        return case

    def _no_case(self, tx: Tx, number: str, subject: Subject | None = None) -> NotFoundError:
        """Not found, with a did-you-mean among the cases ``subject`` may see (never anyone else's)."""
        if subject is None or subject.group_level:
            visible = tx.case_numbers()
        else:
            visible = tx.case_numbers(subsidiary=subject.subsidiary or "", first_receiver=subject.login)
        hint = difflib.get_close_matches(number, visible, n=1)
        tip_en = f"; did you mean {hint[0]!r}?" if hint else ""
        tip_zh = f"；您是否要找 {hint[0]}？" if hint else ""
        return NotFoundError(f"no case {number!r}{tip_en}", zh=f"没有案件 {number}{tip_zh}")

    def verify_audit_chain(self) -> list[ChainProblem]:
        """Check every audit chain; the first broken event of each broken chain."""
        problems = []
        with self.store.read() as tx:
            for chain, head, count in tx.audit_chains():
                problem = verify_chain(chain, tx.chain_events(chain), head, count)
                if problem is not None:
                    problems.append(problem)
        return problems

    def import_org(self, org: Any, actor: str = "system") -> tuple[int, int]:
        """Insert or update org units and staff from ``load_org`` data; (units changed, staff changed).

        The file is the whole organisation: staff it marks inactive or no longer lists are
        deactivated; their web sessions and API tokens end and their open tasks go back to their
        queues (``engine.runtime.handover``), in the same transaction, audited as ``org.imported``.
        """
        from engine.credentials import end_all_for
        from engine.runtime.handover import hand_over

        by_code = {u.code: u for u in _items(org.units)}
        if getattr(org, "group", None) is not None:
            by_code.setdefault(org.group.code, org.group)
        places: dict[tuple[Any, Any], int] = {}  # a unit's place among its siblings of its kind
        units = []
        for u in by_code.values():
            places[u.parent, u.kind] = position = places.get((u.parent, u.kind), 0) + 1
            department = getattr(u, "department", None)
            units.append(UnitRecord(u.code, u.name, u.kind, u.parent, department, position))
        people = [
            StaffRecord(s.login, s.name, s.unit, tuple(s.roles or ()), getattr(s, "phone", None),
                        getattr(s, "email", None), bool(getattr(s, "active", True)),
                        deputy=getattr(s, "deputy", None))
            for s in _items(org.staff)
        ]
        now = self.clock.now()
        with self.store.write() as tx:
            was_active = tx.active_logins()
            changed_units = tx.upsert_units(units)
            changed_staff = tx.upsert_staff(people)
            listed = {p.login for p in people}
            missing = sorted(was_active - listed)
            tx.deactivate_staff(missing)
            changed_staff += len(missing)
            gone = sorted(was_active - tx.active_logins())
            ended = {login: end_all_for(tx, login, now, "deactivated") for login in gone}
            held = [row for login in gone for row in tx.inbox(assignee=login, limit=100_000)]
            queued = hand_over(tx, [r for r in held if r.candidate_group], to=None, units=tx.units(),
                               actor=actor, reason="deactivated", at=now, extra={"by": "org.import"})
            counts = {"units": len(units), "staff": len(people), "units_changed": changed_units,
                      "staff_changed": changed_staff, "deactivated": gone,
                      "sessions_ended": sum(s for s, _ in ended.values()),
                      "tokens_revoked": sum(t for _, t in ended.values()),
                      "tasks_to_queue": len(queued),
                      "tasks_kept": sorted(r.task_id for r in held if not r.candidate_group)}
            event = {"actor": actor, "action": "org.imported", "data": counts}
            tx.append_audit(None, [event], now)
        return changed_units, changed_staff


def _items(values: Any) -> Iterable[Any]:
    return values.values() if isinstance(values, Mapping) else values
