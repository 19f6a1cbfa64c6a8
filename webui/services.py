"""The one seam between the web UI and the engine: build the Runtime from settings, expose what views need.

Views call one method here per request; permissions and org scope are checked by the runtime and
by the scoped store queries, never only in templates. Nothing here imports Flask.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from engine import process_drafts
from engine.clock import Clock, SystemClock, local_minutes
from engine.credentials import Credentials, SessionLimits, TokenCheck
from engine.errors import FieldConflict, FormError, KefuError, NotFoundError
from engine.org_admin import OrgAdmin
from engine.permissions import Subject, Target, can, require, subject_of, unit_subject
from engine.policy_drafts import PolicyDesk
from engine.policy_versions import one_reading
from engine.repair_orders import photo_stages
from engine.runtime import CaseView
from engine.runtime.access import candidate_groups
from engine.settings import Settings
from engine.spreadsheet import safe_row
from engine.store import web_queries as wq
from engine.store.authenticated import authenticated, one_request
from engine.store.records import barred_logins
from engine.store.web_queries import InboxFilter, InboxScope
from webui.forms import form_error
from webui.models import (
    Actor,
    AttachmentView,
    CalendarView,
    CaseListPage,
    CaseListRow,
    CasePage,
    InboxPage,
    InboxRow,
    OpenedCase,
)
from webui.uploads import check_upload, store_upload
from webui.viewdata import case_page, mask_phone

__all__ = ["Services", "build_services"]


class Services:
    """What the web UI may ask of the engine, for one configured database, policy set and clock."""

    def __init__(
        self, *, store: Any, runtime: Any, policies: Any, registry: Any, clock: Clock, data_dir: Path,
        limits: SessionLimits | None = None, max_image_pixels: int = Settings.max_image_pixels,
    ) -> None:
        self.store = store
        self.runtime = runtime
        self.policies = policies
        self.registry = registry
        self.clock = clock
        self.data_dir = Path(data_dir)
        self._policy_cache: dict[str | None, Any] = {}
        self._policy_stamp = 0
        self._choices_cache: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
        self._desks: dict[str, set[str]] | None = None  # process → roles of its lanes (the intake menu)
        self.credentials = Credentials(store, clock, limits)
        self.max_image_pixels = max_image_pixels

    # -- people --------------------------------------------------------------------------------
    def authenticate(self, login: str, password: str) -> Actor | None:
        """The actor when the password matches an active staff member's hash, else None."""
        hashed = wq.password_hash(self.store, login.strip())
        if not hashed or not check_password_hash(hashed, password):
            return None
        return self.actor(login.strip())

    def set_password(self, login: str, password: str) -> None:
        """Store a salted hash of ``password`` for ``login``."""
        if not wq.set_password_hash(self.store, login, generate_password_hash(password)):
            raise NotFoundError(f"no staff member {login!r}")

    def has_password(self, login: str) -> bool:
        """True when ``login`` can sign in with a password."""
        return bool(wq.password_hash(self.store, login))

    def runtime_at(self, clock: Clock) -> Any:
        """Another Runtime on the same store and definitions, reading ``clock`` (demo seeding)."""
        return type(self.runtime)(
            self.store, self.policies, self.registry, clock, self.policies.calendars_dir
        )

    def actor(self, login: str) -> Actor:
        """The staff member ``login`` with the runtime's candidate groups and "all" scope."""
        with self.store.read() as tx:
            found = self._actor_in(tx, login)
        if found is None:
            raise NotFoundError(f"no active staff member {login!r}")
        return found

    def _actor_in(self, tx: Any, login: str) -> Actor | None:
        staff = tx.staff(login)
        if staff is None or not staff.active:
            return None
        authenticated(staff)  # the request's writes answer the permission question with it
        # The staff row carries its unit's chain and name: the units are read only when the chain
        # is cut short (every authenticated request read all of them, 2,400 staff's worth of org).
        subject = subject_of(staff, tx.units)
        everything = subject.subsidiary is None
        seen: tuple[tuple[str, str], ...] = () if everything else (("subsidiary", str(subject.subsidiary)),)
        scope = InboxScope(
            login=staff.login,
            groups=tuple(candidate_groups(staff)),
            units=seen,
            everything=everything,
            supervisor=can(subject, "inbox.all", Target("unit", subject.subsidiary)).allowed,
        )
        unit_name = staff.unit_name or staff.unit
        return Actor(staff.login, staff.name, staff.unit, tuple(staff.roles), scope, unit_name, subject)

    # -- sessions ------------------------------------------------------------------------------
    def start_session(self, actor: Actor, user_agent: str, ip: str) -> str:
        """Sign ``actor`` in: the secret for the session cookie (the database keeps its hash)."""
        return self.credentials.start_session(actor.login, user_agent, ip)

    def actor_for_session(self, secret: str, *, with_reading: bool = False) -> Actor | None:
        """The active actor of a live session, else None (one lookup; last use written once a minute).
        ``with_reading`` (a page, which asks the policy): on PostgreSQL the versions in force are read
        in the session's statement and kept as the request's reading, as ``check_token`` does."""
        return self.session_check(secret, with_reading=with_reading)[0]

    def session_check(self, secret: str, *, with_reading: bool = False,
                      with_unread: bool = False) -> tuple[Actor | None, int | None]:
        """(``actor_for_session``'s actor; with ``with_unread`` too, on PostgreSQL, the actor's unread
        notifications, ``unread_notices``' count read in the same statement, else None): for a page that
        writes nothing, whose bell shows the count as it was when the request began."""
        from engine.store.worker_repo import UNREAD_CAP

        keep = getattr(self.policies, "keep_reading", None) if self.store.dialect == "postgresql" else None
        heads = with_reading and keep is not None
        with self.store.read() as tx:
            verdict = self.credentials.judge_session(tx, secret, with_heads=heads,
                                                     unread_cap=UNREAD_CAP if heads and with_unread else None)
            if verdict.heads is not None and verdict.login is not None and keep is not None:
                keep(verdict.heads, tx)
            actor = self._actor_in(tx, verdict.login) if verdict.login else None
        self.credentials.settle(verdict)
        return actor, verdict.unread if actor is not None else None

    def end_session(self, secret: str) -> None:
        """Log out: the session ends on the server, whatever copies of its cookie exist."""
        self.credentials.end_session(secret, "logout")

    def staff_names(self, logins: list[str] | None = None) -> dict[str, str]:
        """login → display name (of ``logins``, or of everyone)."""
        return wq.staff_names(self.store, logins)

    def intake_desks(self, actor: Actor) -> frozenset[str]:
        """The processes whose intake the menu offers ``actor``: those with a lane (``lanes:`` of the
        group policy) bound to a role the actor holds; supervisors and group-level staff get every one.
        Opening a case stays open to anyone (R0.5); this only keeps the menu to each person's work."""
        if actor.supervisor or actor.scope.everything:
            return frozenset(self._desk_roles())
        held = {role.split("@")[0] for role in actor.roles}
        return frozenset(pid for pid, roles in self._desk_roles().items() if roles & held)

    def _desk_roles(self) -> dict[str, set[str]]:
        if self._desks is None:
            lanes = self.policies.effective(None).get("lanes")
            self._desks = {d.process_id: {str(lanes[lane]["role"]) for lane in d.lanes if lane in lanes}
                           for d in self.registry.startable()}  # a stage opens no case of its own
        return self._desks

    def group_holders(self, groups: list[str],
                      units: Mapping[str, Any] | None = None) -> dict[str, list[tuple[str, str]]]:
        """``role@unit`` → [(login, name)] of who holds it now (for "who may take this task");
        ``units``: every org unit (``units()``), when the caller has them."""
        return wq.group_holders(self.store, groups, units)

    def names_and_holders(self, logins: list[str], groups: list[str], units: Mapping[str, Any]
                          ) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
        """``staff_names(logins)`` and ``group_holders(groups, units)`` in one read."""
        return wq.names_and_holders(self.store, logins, groups, units)

    def policy_desk(self) -> PolicyDesk:
        """Policy pages, drafts, review and publishing (every method asks the permission function)."""
        return PolicyDesk(self.store, self.policies, self.clock)

    def field_labels(self) -> dict[str, dict[str, str]]:
        """The Chinese labels of the form fields a policy list names (the rules document uses them)."""
        from engine.policy.crosscheck import field_labels

        return field_labels(self.registry.definitions())

    def org_admin(self) -> OrgAdmin:
        """Organisation administration on this store (every method asks the permission function)."""
        return OrgAdmin(self.store, self.policies, self.clock)

    def contacts(self) -> Any:
        """The contact book (R0.3) on this store (every method asks the permission function)."""
        from engine.contacts import Contacts

        return Contacts(self.store, self.policies, self.clock)

    def reset_password(self, actor: Actor, login: str) -> str:
        """A new random password for ``login`` (their administrator asks; shown once, only its hash kept)."""
        password = secrets.token_urlsafe(9)
        self.org_admin().reset_password(actor.login, login, generate_password_hash(password))
        return password

    # -- holiday calendar (issue 17) -------------------------------------------------------------
    # -- statistics (R7.1) ------------------------------------------------------------------------
    def monthly_report(self, actor: Actor, month: str, unit: str | None, *,
                       all_items: bool = False) -> dict[str, Any]:
        """The unit's monthly figures as ``actor`` may read them (``report.read``): with the first page
        of the month's complaints, or all of them (``all_items``: the Excel and the PDF)."""
        from engine.reports.monthly import ITEMS_PER_PAGE, monthly_statistics

        per_page = None if all_items else ITEMS_PER_PAGE
        return monthly_statistics(self.store, self.policies, month, unit, now=self.clock.now(),
                                  subject=_subject(actor), items_per_page=per_page)

    def monthly_report_items(self, actor: Actor, month: str, unit: str | None, page: int,
                             per_page: int) -> dict[str, Any]:
        """One page of the unit's complaints of the month as ``actor`` may read them (``report.read``)."""
        from engine.reports.monthly import monthly_items

        return monthly_items(self.store, self.policies, month, unit, page=page, per_page=per_page,
                             now=self.clock.now(), subject=_subject(actor))

    def ranking_report(self, actor: Actor, month: str, unit: str | None) -> dict[str, Any]:
        """The unit's rankings of ``month`` as ``actor`` may read them (``report.read``)."""
        from engine.reports.ranking import monthly_ranking

        return monthly_ranking(self.store, self.policies, month, unit, now=self.clock.now(),
                               subject=_subject(actor))

    def quarterly_report(self, actor: Actor, period: str, unit: str | None) -> dict[str, Any]:
        """The unit's quarterly analysis as ``actor`` may read it (``report.read``)."""
        from engine.reports.quarterly import quarterly_analysis

        return quarterly_analysis(self.store, self.policies, period, unit, now=self.clock.now(),
                                  subject=_subject(actor))

    def bad_debt_report(self, actor: Actor, year: int, unit: str | None) -> dict[str, Any]:
        """The unit's year-end bad-debt analysis (R2.16) as ``actor`` may read it."""
        from engine.reports.quarterly import bad_debt_analysis

        return bad_debt_analysis(self.store, self.policies, year, unit, now=self.clock.now(),
                                 subject=_subject(actor))

    def dashboard(self, actor: Actor, month: str, unit: str | None) -> dict[str, Any]:
        """The dashboard's chart data of the unit's month as ``actor`` may read it (``report.read``)."""
        from engine.reports.dashboard import dashboard_figures

        return dashboard_figures(self.store, self.policies, month, unit, now=self.clock.now(),
                                 subject=_subject(actor))

    def report_units(self, actor: Actor) -> list[tuple[str, str, str]]:
        """(code, name, kind) of the groups, subsidiaries and projects whose report ``actor`` may read."""
        from engine.reports.monthly import LEVELS, report_target

        units = self.units()
        subject = _subject(actor)
        order = {kind: i for i, kind in enumerate(LEVELS)}
        found = [u for u in units.values() if u.kind in LEVELS
                 and can(subject, "report.read", report_target(units, u)).allowed]
        return [(u.code, u.name, u.kind) for u in sorted(found, key=lambda u: (order[u.kind], u.code))]

    # -- simulation (issue 17) -------------------------------------------------------------------
    def simulation_units(self, actor: Actor) -> list[tuple[str, str]]:
        """(code, name) of the projects ``actor`` may simulate a case in (``policy.simulate``)."""
        from engine.reports.monthly import report_target

        units, subject = self.units(), _subject(actor)
        return [(u.code, u.name) for u in sorted(units.values(), key=lambda u: u.code)
                if u.kind == "project" and can(subject, "policy.simulate", report_target(units, u)).allowed]

    def overlay_units(self, unit: str) -> list[tuple[str, str]]:
        """(code, name) of the policy files a draft of ``unit``'s rules may replace: its project's and its
        subsidiary's (a project without a file of its own gets one from the draft, as on publishing)."""
        units = self.units()
        out, at = [], units.get(unit)
        while at is not None and at.kind != "group":
            if at.kind in ("project", "subsidiary"):
                out.append((at.code, at.name))
            at = units.get(at.parent) if at.parent else None
        return out

    def simulate(self, actor: Actor, process: str, at: datetime, unit: str, path: str,
                 overlay: tuple[str, str] | None) -> tuple[Any, Any, Any]:
        """The current rules' run, the overlay's (or None) and their comparison (or None)."""
        from engine.reports.monthly import report_target
        from engine.simulation import Overlay, compare, org_of, simulate

        units = self.units()
        if unit not in units:
            raise FormError(f"no unit {unit!r}", {"unit": "choose a project"}, zh="请选择项目")
        require(_subject(actor), "policy.simulate", report_target(units, units[unit]))
        org = org_of(self.store)
        options = {"policies": self.policies, "registry": self.registry, "org": org}
        try:
            current = simulate(process, at, unit, path, **options)
        except KefuError as exc:
            raise _form_error("process", exc) from exc
        if overlay is None:
            return current, None, None
        if overlay[0] not in {code for code, _ in self.overlay_units(unit)}:
            raise _form_error("overlay_unit", KefuError(
                f"a draft of {unit!r} replaces its project's or its subsidiary's rules, not {overlay[0]!r}",
                zh="草案只能替换本项目或所属公司的细则"))
        try:
            draft = simulate(process, at, unit, path, overlay=Overlay(overlay[0], overlay[1]), **options)
        except KefuError as exc:
            raise _form_error("overlay", exc) from exc
        return current, draft, compare(current, draft)

    def calendar_region(self) -> str:
        """The group policy's holiday region."""
        return str(self.policies.effective(None).get("calendar.region"))

    def calendar_view(self, actor: Actor, region: str, year: int | None) -> CalendarView:
        """A region's years with their source, one year's days, and whether ``actor`` may publish."""
        from engine.calendar import CalendarDays
        from engine.calendar_publish import calendar_regions, calendar_years, year_status

        regions = calendar_regions(self.policies)
        if region not in regions:
            raise NotFoundError(f"no holiday region {region!r}; known: {', '.join(regions)}",
                                zh=f"没有节假日地区 {region}（已有：{'、'.join(regions)}）")
        today = self.policy(None).calendar.localize(self.clock.now()).date()
        years = calendar_years(self.policies.calendars_dir, region, today)
        chosen = year if year is not None and 2000 <= year <= 2099 else today.year
        days = CalendarDays.load(self.policies.calendars_dir, region)
        status = year_status(days, chosen)
        data = days.year(chosen) if status.status != "missing" else None
        suggested = next((y.year for y in years if y.status != "file" and y.year >= today.year),
                         today.year + 1)
        may = can(_subject(actor), "calendar.publish", Target("calendar", None)).allowed
        return CalendarView(region, regions, years, status, dict(data.holidays) if data else {},
                            dict(data.workdays) if data else {}, may, suggested)

    def preview_notice(self, actor: Actor, year: int, region: str, texts: list[str]) -> Any:
        """What the pasted notice would change (``engine.calendar_publish.preview_notice``)."""
        from engine.calendar_publish import preview_notice

        return preview_notice(self.runtime, actor.login, year, texts, region or self.calendar_region())

    def publish_notice(self, actor: Actor, year: int, region: str, texts: list[str]) -> Any:
        """Publish the year from the notice and recompute (``engine.calendar_publish.publish_notice``)."""
        from engine.calendar_publish import publish_notice

        return publish_notice(self.runtime, actor.login, year, texts, region or self.calendar_region())

    def standing_deputy(self, login: str) -> str | None:
        """The login of ``login``'s standing deputy (代理人), if any."""
        with self.store.read() as tx:
            staff = tx.staff(login)
        return staff.deputy if staff is not None else None

    def units(self) -> dict[str, Any]:
        """Every org unit by code."""
        with self.store.read() as tx:
            return tx.units()

    # -- inbox ---------------------------------------------------------------------------------
    def inbox(self, actor: Actor, view: str, flt: InboxFilter, *, unread: bool = False) -> InboxPage:
        """One page of an inbox tab ("mine", "queue", "overdue", "all") with the tab counts; ``unread``:
        with the actor's unread notifications (``unread_notices``) read in the counts' statement."""
        if view not in wq.VIEWS:
            raise NotFoundError(f"unknown inbox view {view!r}; use one of {', '.join(wq.VIEWS)}")
        if view == "all":
            require(_subject(actor), "inbox.all", Target("unit", _subject(actor).subsidiary))
        now = self.clock.now()  # due timers are the worker's: the page leaves out what they cancelled
        result = wq.inbox_page(self.store, actor.scope, view, flt, now, self.runtime.interruptible_tasks,
                               unread=unread)
        names = self.staff_names([t.assignee for t in result.rows if t.assignee])
        # a queue nobody holds (a department without a head, R2.4): flagged 无人可办 for whoever sees it;
        # on a lane its case's first receiver may not take (``not_first_receiver``, R5.2) she is no holder
        # of it, here as in the permission check: no claim button for her, 无人可办 when she is the only one;
        # so for whoever the row excludes (they did a step its ``not_completed_by`` names, R6.3)
        mine = actor.scope.groups
        excluding = {t.task_id for t in result.rows if t.assignee is None and t.lane
                     and _excludes_first_receiver(self.policy(t.project or t.subsidiary), t.lane)}
        receivers = wq.first_receivers(self.store, [t.case_id for t in result.rows if t.task_id in excluding])
        queues = sorted({str(t.candidate_group) for t in result.rows
                         if t.assignee is None and t.candidate_group
                         and (t.candidate_group not in mine or t.task_id in excluding or t.excluded)})
        held = self.group_holders(queues) if queues else {}
        rows = []
        for t in result.rows:
            barred = {*barred_logins(t.excluded),
                      *([receivers.get(t.case_id)] if t.task_id in excluding else [])}
            takers = [login for login, _name in held.get(str(t.candidate_group), []) if login not in barred]
            left, working = self.time_left(t.due_at, t.subsidiary)
            rows.append(
                InboxRow(
                    task_id=t.task_id,
                    number=t.number,
                    process_id=t.process_id,
                    title=t.title,
                    category=self.choice_name("complaint.categories", t.category, t.subsidiary),
                    room=t.room or "",
                    customer_name=t.customer_name or "",
                    phone=mask_phone(t.customer_phone),
                    assignee=t.assignee,
                    assignee_name=names.get(t.assignee or "", t.assignee or ""),
                    due_at=t.due_at,
                    minutes_left=left,
                    working_time=working,
                    status=t.status or "",
                    can_claim=t.assignee is None and t.candidate_group in actor.scope.groups
                    and actor.login not in barred,
                    can_release=t.assignee == actor.login,
                    provisional_year=t.provisional_year,
                    spec=t.task_spec,
                    nobody=t.assignee is None and str(t.candidate_group) in held and not takers,
                )
            )
        pages = max(1, math.ceil(result.total / max(flt.per_page, 1)))
        return InboxPage(view, rows, result.total, result.counts, min(max(flt.page, 1), pages), pages,
                         result.unread)

    def claim(self, actor: Actor, task_id: str) -> None:
        """Take a task from the group queue."""
        self.runtime.claim_task(task_id, actor.login)

    def release(self, actor: Actor, task_id: str) -> None:
        """Give a claimed task back to its group queue."""
        self.runtime.release_task(task_id, actor.login)

    def withdraw(self, actor: Actor, number: str, reason: Any) -> CaseView:
        """Withdraw a complaint with a reason (issue 15); the engine checks who may."""
        return self.runtime.withdraw_case(number, actor.login, reason)

    def propose_merge(self, actor: Actor, number: str, into: Any) -> dict[str, Any]:
        """Propose merging a duplicate complaint into its original (issue 15)."""
        return self.runtime.propose_merge(number, actor.login, into)

    def decide_merge(self, actor: Actor, number: str, confirm: bool) -> CaseView:
        """Confirm or reject the pending merge of a complaint."""
        return self.runtime.decide_merge(number, actor.login, confirm)

    def transfer_candidates(self, actor: Actor, task_id: str) -> list[tuple[str, str, str]]:
        """(login, name, unit name) of the active people who may do an open task: the holders of its
        candidate group (role@unit), the actor left out; the transfer picker lists them."""
        from engine.store.worker_repo import WorkerRepo

        with self.store.read() as tx:
            row = tx.task(task_id)
            case = tx.find_case(row.number) if row is not None else None
            if row is None or case is None:
                raise NotFoundError(f"task {task_id[:8]} is no longer open", zh="该任务已不在待办中")
            require(_subject(actor), "case.read", Target.of_case(case))
            units = tx.units()
            group = row.candidate_group or ""
            role, _, unit = group.partition("@")
            # who may hold it: the staff of its unit and of the unit's departments, and everyone
            # holding a role named with its unit (``role@unit``), not every staff member
            places = {unit} | {c for c, u in units.items() if u.parent == unit and u.kind == "department"}
            barred = {actor.login, *barred_logins(row.excluded)}  # R6.3 not who did a step it checks
            people = [s for s in WorkerRepo(tx).active_staff(homes=sorted(places), named=True)
                      if s.login not in barred]
        out = []
        for person in people:
            home = units.get(person.unit)
            homes = {person.unit} | ({home.parent} if home is not None and home.kind == "department"
                                     and home.parent else set())
            holds = any(r == group if "@" in r else (r == role and unit in homes) for r in person.roles)
            if holds:
                out.append((person.login, person.name, home.name if home is not None else person.unit))
        return sorted(out, key=lambda item: item[1])

    def transfer(self, actor: Actor, task_id: str, to: str, reason: str, *, to_queue: bool = False) -> None:
        """转交: hand a task to another person (picked by name or login, from the people who may do it,
        or anyone in the case's scope), to a department (unit code), or back to its queue, with a reason
        the timeline shows."""
        to, reason = to.strip(), reason.strip()
        missing = [("reason", reason)] if to_queue else [("to", to), ("reason", reason)]
        errors = {k: ("required", "必填") for k, v in missing if not v}
        if errors:
            raise form_error("say who receives the task and why", errors)
        with self.store.read() as tx:
            row = tx.task(task_id)
            case = tx.find_case(row.number) if row is not None else None
            if row is None or case is None:
                raise NotFoundError(f"task {task_id[:8]} is no longer open", zh="该任务已不在待办中")
            require(_subject(actor), "task.transfer", Target.of_task(row, case.first_receiver))
            units = tx.units()
        if to_queue:
            if row.assignee is None or not row.candidate_group:
                raise form_error("the task is already in its queue",
                                 {"to": ("the task is already in its queue", "该任务已在待认领队列中")})
            wq.transfer_task(self.store, task_id, actor.login, expected_assignee=row.assignee,
                             values={"assignee": None, "claimed_at": None},
                             data={"to": "queue", "to_name": "待认领队列", "reason": reason[:2000],
                                   "title": row.title}, at=self.clock.now())
            return
        login = self._transfer_login(actor, task_id, to)
        with self.store.read() as tx:
            target = tx.staff(login) if login else None
        if target is not None and target.active:
            receiver: Subject = subject_of(target, units)
            values: dict[str, Any] = {"assignee": target.login, "claimed_at": self.clock.now()}
            to_name = target.name
        elif to in units and units[to].kind == "department":
            receiver = unit_subject(to, units)
            values = {"assignee": None, "claimed_at": None, "candidate_group": f"{row.role}@{to}", "unit": to}
            to_name = units[to].name
        else:
            raise form_error(
                f"{to!r} is neither a staff member nor a department code",
                {"to": (f"no staff member or department {to!r}", f"没有名为“{to}”的员工或部门")},
            )
        if target is not None and target.login in barred_logins(row.excluded):
            raise form_error(
                f"{target.login} did an earlier step of this case that this step must be done apart from "
                "(R6.3 two signatures, two people); hand it to someone else",
                {"to": (f"{target.name} may not take this step: they did an earlier step it checks",
                        f"{target.name} 已办理本案的前一环节（如电话回访记录），此环节须由另一人办理")},
            )
        if not can(receiver, "task.receive", Target.of_case(case)):
            raise form_error(
                f"{to} works outside this case's subsidiary and may not receive its task",
                {"to": (f"{to} is outside this case's subsidiary; hand it to someone who may see the case",
                        f"{to} 不属于本案件所在公司，不能转交给对方")},
            )
        wq.transfer_task(
            self.store,
            task_id,
            actor.login,
            expected_assignee=row.assignee,
            values=values,
            data={"to": to if target is None else target.login, "to_name": to_name, "reason": reason[:2000],
                  "title": row.title},
            at=self.clock.now(),
        )

    def _transfer_login(self, actor: Actor, task_id: str, typed: str) -> str | None:
        """The login a transfer names: a login, or a name (unique among the people who may do the task,
        else among all staff); None when it names nobody (perhaps a department)."""
        names = self.staff_names()
        if typed in names:
            return typed
        people = self.transfer_candidates(actor, task_id)
        candidates = [login for login, name, _unit in people if name == typed]
        if len(candidates) == 1:
            return candidates[0]
        everyone = [login for login, name in names.items() if name == typed]
        if len(everyone) == 1 and not candidates:
            return everyone[0]
        if len(candidates) > 1 or len(everyone) > 1:
            found = candidates or everyone
            raise form_error(f"{len(found)} people are called {typed!r}; type the login",
                             {"to": (f"several people are called {typed!r}: {', '.join(found)}",
                                     f"有 {len(found)} 位员工叫“{typed}”，请输入登录名：{'、'.join(found)}")})
        return None

    # -- in-app notifications (the bell) --------------------------------------------------------------
    def unread_notices(self, actor: Actor) -> int:
        """How many of the actor's in-app notifications are unread (up to 99; the bell shows 99+ above)."""
        from engine.store.worker_repo import WorkerRepo

        with self.store.read() as tx:
            return WorkerRepo(tx).unread_count(actor.login)

    def notices(self, actor: Actor, limit: int = 100) -> list[Any]:
        """The actor's in-app notifications, newest first (only their own: read state is per person)."""
        from engine.store.worker_repo import WorkerRepo

        with self.store.read() as tx:
            return WorkerRepo(tx).notifications(actor.login, limit=limit)

    def mark_notices_read(self, actor: Actor, ids: list[int] | None) -> int:
        """Mark the actor's notifications ``ids`` (every unread one when None) read."""
        from engine.store.worker_repo import WorkerRepo

        with self.store.write() as tx:
            repo = WorkerRepo(tx)
            if ids is None:
                return repo.mark_all_read(actor.login, self.clock.now())
            return repo.mark_read(actor.login, ids, self.clock.now())

    # -- cases ---------------------------------------------------------------------------------
    def intake_form(
        self, process_id: str, subsidiary: str | None = None
    ) -> tuple[dict[str, str], list[dict]]:
        """The title and field descriptions of a process's start form (its current version's)."""
        definition = self.runtime.current_definition(process_id)
        form = definition.start_form
        title = form.title or {"zh": definition.name, "en": definition.name}
        policy = self.policy(subsidiary)
        fields = form.describe(policy)
        for spec, described in zip(form.fields, fields, strict=True):
            if spec.choices_from and described["choices"]:
                extra = {
                    i.get("code"): i for i in policy.get(spec.choices_from) or [] if isinstance(i, Mapping)
                }
                described["choices"] = [{**extra.get(c["code"], {}), **c} for c in described["choices"]]
        return title, fields

    def intake_projects(self, actor: Actor) -> tuple[list[tuple[str, str]], str | None]:
        """The projects an intake may name, ``(code, "公司 · 项目")`` (the actor's subsidiary first; R0.5:
        anyone may receive a case for any project), and the actor's own project (the default; None
        above project level, where the desk must choose)."""
        units = self.units()
        subject = _subject(actor)
        mine = subject.subsidiary

        def label(code: str) -> str:
            parent = units[code].parent
            return f"{units[parent].name} · {units[code].name}" if parent in units else units[code].name

        codes = sorted((c for c, u in units.items() if u.kind == "project"),
                       key=lambda c: (units[c].parent != mine, units[c].parent or "", c))
        return [(c, label(c)) for c in codes], subject.project

    def open_case(self, actor: Actor, process_id: str, data: Any, answer_base: str = "") -> OpenedCase:
        """Open a case from an intake form or the API; returns its number and first deadline.

        Processes with rows of their own (visits, archive requests, consultations answered from the
        FAQ book) are opened by their domain step (``engine.intake``), with their rows, in one
        transaction. ``answer_base``: kefu's address as residents reach it (visitor host links).
        """
        from engine.intake import open_case

        view = open_case(self.runtime, process_id, data, actor.login, answer_base=answer_base)
        case = _case_of(view)
        tasks = list(getattr(view, "tasks", []) or [])
        due = min((t.due_at for t in tasks if t.due_at is not None), default=None)
        return OpenedCase(case.number, case.status, due, case.closed_at is not None)

    def case_page(self, actor: Actor, number: str, *, reveal_phone: bool = False) -> CasePage:
        """The case page data; the runtime refuses cases outside the actor's scope. ``reveal_phone``:
        the full phone number once, after ``reveal_phone`` audited the click."""
        reads = self.runtime.case_page_reads(number, actor.login)  # the view, its path and its waits
        case = _case_of(reads.view)
        return case_page(self, actor, reads, case, self.attachments(case.id), reveal_phone=reveal_phone)

    def complete(self, actor: Actor, task_id: str, data: Mapping[str, Any], form: str | None = None) -> str:
        """Complete a task with its form data; returns the case number. ``form``: the form filled
        (``<process>.<task>``), checked against the task in the completion's transaction."""
        view = self.runtime.complete_task(task_id, actor.login, dict(data), form=form)
        return _case_of(view).number

    def cases(self, actor: Actor, flt: Any) -> tuple[list[Any], int]:
        """A page of the cases ``actor`` may see (``engine.store.case_queries.CaseFilter``) and the total.

        The scope is ``case.read``'s (the reader's subsidiary, group-level staff everything, and the
        cases they received themselves)."""
        from engine.store.case_queries import case_list

        return case_list(self.store, actor.scope, flt, self.clock.now())

    def find_cases(self, actor: Actor, flt: Any, language: str = "zh") -> CaseListPage:
        """The case list and search page: one page of rows with names, masked phones and open tasks."""
        rows, total = self.cases(actor, flt)
        per_page = max(1, min(flt.per_page, 200))
        pages = max(1, math.ceil(min(total, wq.COUNT_CAP) / per_page))
        return CaseListPage(self._case_rows(rows, language), total, max(flt.page, 1), pages)

    def _case_rows(self, rows: list[Any], language: str) -> list[CaseListRow]:
        from engine.store.case_queries import open_tasks
        from webui.labels import status_name

        tasks = open_tasks(self.store, [r.number for r in rows])
        holders = {t.assignee for ts in tasks.values() for t in ts if t.assignee}
        names = self.staff_names(sorted(holders)) if holders else {}
        units = self.unit_names()
        now = self.clock.now()
        queue = "待认领" if language == "zh" else "in the queue"
        # a complaint's category name once per category and subsidiary, not once per row: each
        # choice_name asks the database which policy version is in force
        categories: dict[tuple[Any, Any], str] = {}
        out = []
        for r in rows:
            listed = [(t.title, names.get(t.assignee, t.assignee) if t.assignee else queue, t.due_at,
                       t.due_at is not None and t.due_at < now) for t in tasks.get(r.number, [])]
            if r.process_id == "complaint" and (r.category, r.subsidiary) not in categories:
                categories[(r.category, r.subsidiary)] = self.choice_name("complaint.categories", r.category,
                                                                          r.subsidiary)
            out.append(CaseListRow(
                number=r.number, process_id=r.process_id,
                category=categories[(r.category, r.subsidiary)] if r.process_id == "complaint" else "",
                status=r.status, status_name=status_name(r.status)[language],
                customer_name=r.customer_name or "", phone=mask_phone(r.customer_phone), room=r.room or "",
                unit_name=units.get(r.project or "", "") or units.get(r.subsidiary or "", ""),
                opened_at=r.opened_at, closed_at=r.closed_at, tasks=listed))
        return out

    def export_cases(self, actor: Actor, flt: Any, language: str = "zh") -> tuple[bytes, int]:
        """Every case of the filter (up to ``EXPORT_CAP``) as an Excel workbook, and how many matched.

        Text typed by people (names, rooms …) can start with ``=``, ``+``, ``-`` or ``@``: such a cell is
        written as text with a leading apostrophe, so no spreadsheet runs it as a formula."""
        from io import BytesIO

        from openpyxl import Workbook

        from engine.store.case_queries import EXPORT_CAP, case_list
        from webui.labels import PROCESS_NAMES

        rows, total = case_list(self.store, actor.scope, flt, self.clock.now(), cap=EXPORT_CAP)
        listed = self._case_rows(rows, language)
        zone = self.runtime.zone
        zh = language == "zh"
        header = (["案件编号", "类型", "投诉类别", "状态", "客户", "电话", "房号", "项目", "受理时间",
                   "结案时间", "当前步骤"] if zh else
                  ["Case", "Type", "Category", "Status", "Customer", "Phone", "Room", "Unit", "Opened",
                   "Closed", "Current steps"])
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "案件" if zh else "Cases"
        sheet.append(header)

        def when(moment: datetime | None) -> str:
            return local_minutes(moment, zone) if moment is not None else ""

        for row, r in enumerate(listed, start=2):
            steps = "；".join(f"{title}（{holder}）" for title, holder, _due, _late in r.tasks)
            kind = PROCESS_NAMES.get(r.process_id, {}).get(language, r.process_id)
            values = [r.number, kind, r.category, r.status_name, r.customer_name, r.phone, r.room,
                      r.unit_name, when(r.opened_at), when(r.closed_at), steps]
            sheet.append(safe_row(values))
            # by position: ``sheet[sheet.max_row]`` read every cell written so far, for each row (a
            # 10,000-row export took 40 s, 92 % of it there; docs/scaling.md item 57)
            for column in range(1, len(values) + 1):
                sheet.cell(row=row, column=column).data_type = "s"
        buffer = BytesIO()
        book.save(buffer)
        return buffer.getvalue(), total

    def earlier_cases(self, actor: Actor, *, phone: str = "", project: str = "", room: str = "",
                      exclude: str = "", language: str = "zh") -> dict[str, list[CaseListRow]]:
        """The customer's (same phone) and the household's (same project and room) other cases the
        actor may see, newest first."""
        from engine.store.case_queries import earlier_cases

        found = earlier_cases(self.store, actor.scope, phone=phone[:40], project=project[:64],
                              room=room[:100], exclude=exclude)
        return {key: self._case_rows(rows, language) for key, rows in found.items()}

    def earlier_cases_of(self, actor: Actor, number: str,
                         language: str = "zh") -> dict[str, list[CaseListRow]]:
        """The other cases of a case's customer and household (the case itself asks ``case.read``)."""
        case = _case_of(self.runtime.get_case(number, actor.login))
        return self.earlier_cases(actor, phone=case.customer_phone or "", project=case.project or "",
                                  room=case.room or "", exclude=case.number, language=language)

    def unit_names(self) -> dict[str, str]:
        """Org unit code → name (cached per minute: units rarely change)."""
        cached = getattr(self, "_unit_names", None)
        now = self.clock.now()
        if cached is None or (now - cached[0]).total_seconds() > 60:
            cached = (now, {code: unit.name for code, unit in self.units().items()})
            self._unit_names = cached
        return cached[1]

    def case_list_units(self, actor: Actor) -> list[tuple[str, str]]:
        """The subsidiaries and projects the actor's case list can filter on: (code, name)."""
        units = self.units()
        mine = {code for kind, code in actor.scope.units if kind == "subsidiary"}
        out = []
        for code, unit in sorted(units.items(), key=lambda item: (item[1].kind != "subsidiary", item[0])):
            if unit.kind not in ("subsidiary", "project"):
                continue
            home = code if unit.kind == "subsidiary" else unit.parent
            if actor.scope.everything or home in mine:
                out.append((code, unit.name))
        return out

    def staff_login(self, actor: Actor, typed: str) -> str:
        """The login of a staff member typed as a login or a full name (one match), else FormError."""
        typed = typed.strip()
        names = self.staff_names()
        if typed in names:
            return typed
        matches = [login for login, name in names.items() if name == typed]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise form_error(f"no staff member {typed!r}", {"assignee": (f"no staff member {typed!r}",
                                                                          f"没有名为“{typed}”的员工")})
        raise form_error(f"{len(matches)} staff members are called {typed!r}; pick one by login",
                         {"assignee": (f"several people are called {typed!r}: " + ", ".join(matches),
                                       f"有 {len(matches)} 位员工叫“{typed}”：" + "、".join(matches))})

    def photo_stage_codes(self) -> list[str]:
        """The group policy's repair photo stages (the API document's enum)."""
        return list(photo_stages(self.policy(None)))

    def task_form(self, task_id: str) -> str | None:
        """``<process>.<task>`` of an open task (the form its completion takes), or None."""
        with self.store.read() as tx:
            row = tx.task(task_id)
        return None if row is None else f"{row.process_id}.{row.task_spec}"

    def task_fields(self, actor: Actor, number: str, spec: str) -> list[dict[str, Any]]:
        """The described fields of task ``spec`` in a case the actor may see (empty when unknown)."""
        case = _case_of(self.runtime.get_case(number, actor.login))
        form = self.definition(case.process_id, case.process_version).forms.get(spec)
        return form.describe(self.runtime.pinned_policy(case.policy_fingerprint)) if form is not None else []

    def who_finished(self, task_id: str) -> tuple[str, datetime] | None:
        """(name, time) of whoever completed a task that is no longer open."""
        found = wq.task_finished_by(self.store, task_id)
        if found is None:
            return None
        return self.staff_names([found[0]]).get(found[0], found[0]), found[2]

    def definition(self, process_id: str, version: str) -> Any:
        """The process definition a case is pinned to."""
        return self.runtime.definition(process_id, version)

    def diagram_xml(self, actor: Actor, number: str, process: str | None = None) -> str:
        """The BPMN XML the case runs (its pinned version): its process's diagram, or the diagram of
        ``process``, one its call activities run."""
        view = self.runtime.get_case(number, actor.login)
        case = _case_of(view)
        definition = self.definition(case.process_id, case.process_version)
        wanted = process or case.process_id
        found = next((d for d in definition.diagrams() if d.process_id == wanted), None)
        if found is None:
            known = ", ".join(d.process_id for d in definition.diagrams())
            raise NotFoundError(f"case {number} runs no process {wanted!r} (its processes: {known})",
                                zh=f"案件 {number} 没有流程 {wanted}（其流程：{known}）")
        return str(definition.sources[found.file])

    def comment(self, actor: Actor, number: str, text: str) -> None:
        """Add a comment to the case's timeline."""
        if not text.strip():
            raise form_error("a comment cannot be empty", {"text": ("required", "必填")})
        case = _case_of(self.runtime.get_case(number, actor.login))
        require(_subject(actor), "case.comment", Target.of_case(case))
        wq.add_case_event(
            self.store, case.id, actor.login, "comment", {"text": text.strip()[:4000]}, self.clock.now()
        )

    def reveal_phone(self, actor: Actor, number: str) -> str | None:
        """Record that ``actor`` asked to see a case's full phone number (R0.8: an audited click, or
        ``POST /api/v1/cases/<number>/phone``) and return it (None when the case has none)."""
        case = _case_of(self.runtime.get_case(number, actor.login))
        require(_subject(actor), "case.reveal_phone", Target.of_case(case))
        phone = self.runtime.case_data(number, actor.login).get("customer_phone")
        wq.add_case_event(self.store, case.id, actor.login, "phone.revealed",
                          {"field": "customer_phone"}, self.clock.now())
        return str(phone) if phone not in (None, "") else None

    # -- attachments ---------------------------------------------------------------------------
    def attach(
        self, actor: Actor, number: str, filename: str, content_type: str, body: bytes,
        stage: str | None = None,
    ) -> AttachmentView:
        """Store an upload under the data dir by its sha256 and record it on the case.

        ``stage``: which repair stage a photo shows (a code of the case's ``repair.photo_stages``).
        """
        case = self.runtime.case_record(number, actor.login)
        require(_subject(actor), "case.attach", Target.of_case(case))
        if not body:
            raise form_error("the file is empty", {"file": ("the file is empty", "文件为空")})
        stage = (stage or "").strip() or None
        if stage is not None:
            stages = photo_stages(self.runtime.pinned_policy(case.policy_fingerprint)) \
                if case.process_id == "repair" else {}
            if not stages:  # a fact about the case, not about the request: 409 to the API
                error = FieldConflict(f"case {number} is a {case.process_id} case: only repair photos have a "
                                      "stage; send the file without one",
                                      {"stage": "only repair photos have a stage"},
                                      zh="只有报修照片才有拍照节点")
                error.errors_zh = {"stage": f"没有“{stage}”这个拍照节点：只有报修照片才有拍照节点"}  # type: ignore[attr-defined]
                raise error
            if stage not in stages:
                known = ", ".join(stages) or "none: only repair photos have stages"
                raise form_error(f"unknown photo stage {stage!r}",
                                 {"stage": (f"unknown photo stage {stage!r}; use one of {known}",
                                            f"没有“{stage}”这个拍照节点")})
        kind = check_upload(body, content_type, self.max_image_pixels)
        digest, relative = store_upload(self.data_dir, body, kind)
        clean_name = Path(filename or "upload").name[:200] or "upload"
        now = self.clock.now()
        ident = wq.add_attachment(
            self.store,
            case_id=case.id,
            task_id=None,
            filename=clean_name,
            content_type=kind,
            size=len(body),
            sha256=digest,
            storage_path=str(relative),
            uploaded_by=actor.login,
            at=now,
            stage=stage,
        )
        return AttachmentView(ident, clean_name, kind, len(body), digest, actor.name, now, stage)

    def attachments(self, case_id: str) -> list[AttachmentView]:
        """Attachments of one case."""
        return [
            AttachmentView(a.id, a.filename, a.content_type, a.size, a.sha256, name, a.uploaded_at, a.stage)
            for a, name in wq.named_attachments(self.store, case_id)  # with the uploaders' names
        ]

    def attachment_file(self, actor: Actor, number: str, attachment_id: int) -> tuple[Path, str, str]:
        """(path, content type, file name) of an attachment of a case the actor may read."""
        case = _case_of(self.runtime.get_case(number, actor.login))
        for a in wq.attachments(self.store, [case.id]):
            if a.id == attachment_id:
                return self.data_dir / a.storage_path, a.content_type, a.filename
        raise NotFoundError(f"case {number} has no attachment {attachment_id}")

    # -- API tokens ----------------------------------------------------------------------------
    def issue_token(self, login: str, label: str, expires_in: timedelta | None = None) -> str:
        """A new API token for the active staff member ``login`` (shown once; its hash is kept)."""
        self.actor(login)
        return self.credentials.issue_token(login, label, expires_in)[0]

    def check_token(self, token: str, *, with_reading: bool = False,
                    process: str | None = None) -> tuple[Actor | None, TokenCheck]:
        """(the active actor an API token acts as, or None; the check saying why not). ``with_reading``
        (a request that asks the policy): the versions in force are read in the token's statement and
        kept as the request's reading (``VersionedPolicies.keep_reading``), not in a round trip of
        their own later; ``process`` (an intake's): that process's current version too."""
        # PostgreSQL: a round trip saved (SQLite has none to save: it reads them when asked, as before)
        keep = getattr(self.policies, "keep_reading", None) if self.store.dialect == "postgresql" else None
        with self.store.read() as tx:  # the token, the staff member and the units: one transaction
            check = self.credentials.judge_token(tx, token, with_heads=with_reading and keep is not None,
                                                 process=process)
            if check.heads is not None and check.login is not None and keep is not None:
                keep(check.heads, tx)
            actor = self._actor_in(tx, check.login) if check.login else None
        if check.login is not None and actor is None:
            why = f"the token's staff member {check.login} is no longer active"
            return None, TokenCheck(None, "inactive", why)
        self.credentials.settle_token(check)
        return actor, check

    def actor_for_token(self, token: str) -> Actor | None:
        """The active actor an API token belongs to, or None."""
        return self.check_token(token)[0]

    # -- policy helpers ------------------------------------------------------------------------
    @contextmanager
    def request(self) -> Iterator[None]:
        """One web request: the policy versions in force are read once in it (``one_reading``), not at
        every ``policy()``, ``choices()`` or runtime permission check — an inbox page of 25 rows asked
        50 times, each its own database transaction. The next request sees what was published. The
        staff member it authenticates as is read once too (``engine.store.authenticated``); its reads share
        one pooled connection (``Store.one_connection``)."""
        with one_reading(), one_request(), self.store.one_connection():
            yield

    def _fresh_caches(self) -> None:
        """Forget cached policies when another version came into force (``engine.policy_versions``)."""
        current = getattr(self.policies, "current", None)
        stamp = id(current()) if current is not None else 0
        if stamp != self._policy_stamp:
            self._policy_stamp = stamp
            self._policy_cache.clear()
            self._choices_cache.clear()

    def policy(self, subsidiary: str | None) -> Any:
        """The effective policy of a subsidiary (the group's when None or it has no overlay)."""
        self._fresh_caches()
        cache = self._policy_cache
        if subsidiary not in cache:
            try:
                cache[subsidiary] = self.policies.effective(subsidiary)
            except NotFoundError:
                cache[subsidiary] = self.policies.effective(None)
        return cache[subsidiary]

    def choices(self, key: str, subsidiary: str | None = None) -> list[dict[str, Any]]:
        """A policy list of ``{code, name, …}`` (cached until another policy version comes into force)."""
        self._fresh_caches()
        cache_key = (key, subsidiary)
        if cache_key not in self._choices_cache:
            try:
                items = self.policy(subsidiary).get(key) or []
            except KefuError:
                items = []
            self._choices_cache[cache_key] = [dict(i) for i in items if isinstance(i, Mapping)]
        return self._choices_cache[cache_key]

    def choice_name(self, key: str, code: str | None, subsidiary: str | None) -> str:
        """The display name of a policy list entry (its code when unknown)."""
        if not code:
            return ""
        return next(
            (str(i.get("name", code)) for i in self.choices(key, subsidiary) if i.get("code") == code), code
        )

    def calendar_outlook(self, actor: Actor) -> list[tuple[int, str]]:
        """``(year, 'provisional'|'missing')`` of the years without a holiday file from today to 60 days
        ahead, for the people who run the service: supervisors and managers (the roles of the "all
        open" tab) and group staff. Everyone else gets nothing: they cannot act on it."""
        if not actor.supervisor:
            return []
        units = actor.scope.units
        subsidiary = units[0][1] if units and units[0][0] == "subsidiary" else None
        calendar = self.policy(subsidiary).calendar
        return list(calendar.days.years_ahead(calendar.localize(self.clock.now()).date()))

    def time_left(self, due: datetime | None, subsidiary: str | None) -> tuple[int | None, bool]:
        """Minutes to ``due`` (working minutes while the calendar is in working time) and whether so."""
        if due is None:
            return None, False
        now = self.clock.now()
        wall = math.floor((due - now).total_seconds() / 60)
        if wall <= 0:
            return wall, False
        try:
            calendar = self.policy(subsidiary).calendar
            if not calendar.is_working_time(now):
                return wall, False
            return calendar.working_minutes_between(now, due), True
        except KefuError:  # e.g. no holiday data for the year: fall back to wall-clock time
            return wall, False


    # -- processes (issue 14: the process area, the modeler, deploy, diff, migration) -------------------
    def process_catalog(self, actor: Actor) -> list[Any]:
        """Every process with its versions, open cases and the actor's drafts (``process.read``)."""
        return process_drafts.process_catalog(self.runtime, actor.login)

    def process_modeler(self, actor: Actor, process_id: str) -> dict[str, Any]:
        """What the modeler page opens: the draft or current diagram and forms, and what it may pick."""
        data = process_drafts.draft_of(self.runtime, actor.login, process_id)
        return {**data, **process_drafts.modeler_choices(self.runtime)}

    def save_process_draft(self, actor: Actor, process_id: str, xml: Any, forms: Any) -> Any:
        """Save and check the actor's draft (``process.edit``)."""
        return process_drafts.save_draft(self.runtime, actor.login, process_id, xml, forms)

    def discard_process_draft(self, actor: Actor, process_id: str) -> bool:
        """Throw the actor's draft away (``process.edit``)."""
        return process_drafts.discard_draft(self.runtime, actor.login, process_id)

    def deploy_process_draft(self, actor: Actor, process_id: str) -> list[Any]:
        """Deploy the actor's saved draft (``process.deploy``; a clean check)."""
        return process_drafts.deploy_draft(self.runtime, actor.login, process_id)

    def process_diff(self, actor: Actor, process_id: str, old: str, new: str) -> dict[str, Any]:
        """Two versions compared, with the marks for their diagrams (``process.read``)."""
        return process_drafts.version_diff(self.runtime, actor.login, process_id, old, new)

    def migrate_cases(self, actor: Actor, process_id: str, to: str, numbers: list[str] | None,
                      dry_run: bool) -> list[Any]:
        """Move open cases to version ``to`` (or only say which could move) (``process.migrate``)."""
        return self.runtime.migrate_cases(process_id, to, actor.login, numbers=numbers, dry_run=dry_run)


def _case_of(view: Any) -> Any:
    return getattr(view, "case", view)


def _form_error(field: str, exc: KefuError) -> FormError:
    """An engine refusal shown on the form field it is about (the typed input stays)."""
    error = FormError(exc.message, {field: exc.message}, zh=exc.zh)
    error.errors_zh = {field: exc.zh or exc.message}  # type: ignore[attr-defined]
    return error


def _subject(actor: Actor) -> Subject:
    if actor.subject is None:  # an Actor built by hand (tests): no rights at all
        return Subject(actor.login, actor.unit, frozenset(), frozenset(), None, None, None)
    return actor.subject


def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    """Open the configured database (migrating it), load policies and diagrams, and build the Runtime."""
    from engine.credentials import import_token_file
    from engine.policy import load_policy_set
    from engine.policy_versions import VersionedPolicies
    from engine.processes import ProcessRegistry
    from engine.runtime import Runtime
    from engine.store import Store
    from engine.worker.events import install as install_notifications

    store = Store(settings.database_url)
    store.migrate()
    clock = clock or SystemClock()
    import_token_file(store, Path(settings.data_dir) / "api_tokens.json", clock)  # the pre-0007 file, once
    limits = SessionLimits(idle=settings.span("session_idle_timeout"),
                           max_age=settings.span("session_max_age"))
    # the files under policies/, with the versions published in the browser over them
    policies = VersionedPolicies(store, settings.policies_dir, clock, load_policy_set(settings.policies_dir))
    registry = ProcessRegistry.load(settings.processes_dir)
    runtime = Runtime(store, policies, registry, clock, policies.calendars_dir,
                      workflow_cache=settings.workflow_cache_size)
    install_notifications(runtime)  # outbox rows in the transaction of the step that causes them
    return Services(
        store=store,
        runtime=runtime,
        policies=policies,
        registry=registry,
        clock=clock,
        data_dir=settings.data_dir,
        limits=limits,
        max_image_pixels=settings.max_image_pixels,
    )


def _excludes_first_receiver(policy: Any, lane: str) -> bool:
    """True when the policy's ``lanes.<lane>`` says its case's first receiver may not take its steps."""
    binding = policy.get(f"lanes.{lane}") if policy.has(f"lanes.{lane}") else None
    return isinstance(binding, dict) and bool(binding.get("not_first_receiver"))
