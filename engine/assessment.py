"""Staff quality assessment 服务质量考核 (R8, 001 篇2): violation notices, appeals, monthly statements.

A notice 《客服部员工过失通知单》 is issued by a role of ``assessment.issuers`` that ranks above the person
(the list runs lowest first) and covers their unit; it names an issue of ``assessment.issues``, its
points and the day it happened, whose month it counts in. The person's *direct supervisor* is fixed
when it is issued: the nearest holder of a higher rank, in the person's unit, then in each unit above
it together with that unit's department of the same kind (a project's CS staff → the subsidiary's CS
centre). The issuer may name another supervisor.

An appeal goes up ``assessment.appeal_chain``: the first level ranked above the issuer decides
(upheld, reduced to fewer points, or cancelled); the person may appeal that decision to the next level;
the last level's decision is final (001 篇2 4.3).

The money of a person's month (all from the policy, ``assessment.*``)::

    points         = Σ points of the month's notices not cancelled
    point fine     = points × yuan_per_point
    extra fine     = extra_fine.amount when extra_fine.from_points ≤ points ≤ extra_fine.to_points
    sanction       = sanction.from_points ≤ points ≤ sanction.to_points  (administrative sanction)
    dismissal      = points ≥ dismissal_points                            (proposed)
    shared         = point fine of the notices whose issue recurs ≥ supervisor_liable_repeats times in
                     the month, and of those the issuer marked 经查实 (the supervisor's fault is proven)
    supervisor     = shared × joint_liability.supervisor_percent %  (borne by the direct supervisor)
    person pays    = point fine − supervisor share + extra fine
    published      = points ≥ publish.points, or one issue ≥ publish.repeats times (公布张贴)

The extra fine follows the person's own points and is not shared; the supervisor's share is money only
(the points stay the person's). Amounts are kept in fen so that a 70/30 split of an odd sum is exact:
the supervisor's share is rounded down to the fen, the person bears the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine.clock import Clock
from engine.errors import ConflictError, FormError, NotFoundError
from engine.permissions import Subject, Target, can, require, subject_of
from engine.runtime.access import load_staff
from engine.store import StaffRecord, Store, UnitRecord
from engine.store.assessment_repo import AppealRecord, AssessmentRepo, IssueSum, NoticeRecord
from engine.store.org_repo import OrgRepo

__all__ = [
    "DECISIONS",
    "Assessment",
    "AssessmentRules",
    "PersonMonth",
    "direct_supervisor",
    "supervisor_levels",
    "month_figures",
    "unit_month_in",
]

DECISIONS = ("upheld", "reduced", "cancelled")
DECISION_ZH = {"upheld": "维持", "reduced": "减少扣分", "cancelled": "撤销"}
STATUS_ZH = {"in_force": "生效", "appealed": "申诉中", "cancelled": "已撤销"}
MAX_TEXT = 2000


def _form(message: str, errors: dict[str, str], errors_zh: dict[str, str], zh: str) -> FormError:
    error = FormError(message, errors, zh=zh)
    error.errors_zh = errors_zh  # type: ignore[attr-defined]
    return error


def _changed(notice: NoticeRecord) -> ConflictError:
    return ConflictError(f"notice {notice.id} was changed meanwhile; reload it",
                         zh="通知单已被他人更新，请刷新")


@dataclass(frozen=True)
class AssessmentRules:
    """The ``assessment.*`` values of one effective policy."""

    yuan_per_point: int
    extra_from: int
    extra_to: int
    extra_amount: int
    sanction_from: int
    sanction_to: int
    dismissal_points: int
    publish_points: int
    publish_repeats: int
    responsible_percent: int
    supervisor_percent: int
    liable_repeats: int
    issuers: tuple[str, ...]
    appeal_chain: tuple[str, ...]
    issues: tuple[tuple[str, str], ...]  # (code, name)

    @classmethod
    def of(cls, policy: Any) -> AssessmentRules:
        """The rules of an effective policy."""
        extra = policy.get("assessment.extra_fine")
        sanction = policy.get("assessment.sanction")
        publish = policy.get("assessment.publish")
        joint = policy.get("assessment.joint_liability")
        return cls(
            yuan_per_point=int(policy.get("assessment.yuan_per_point")),
            extra_from=int(extra["from_points"]), extra_to=int(extra["to_points"]),
            extra_amount=int(extra["amount"]),
            sanction_from=int(sanction["from_points"]), sanction_to=int(sanction["to_points"]),
            dismissal_points=int(policy.get("assessment.dismissal_points")),
            publish_points=int(publish["points"]), publish_repeats=int(publish["repeats"]),
            responsible_percent=int(joint["responsible_percent"]),
            supervisor_percent=int(joint["supervisor_percent"]),
            liable_repeats=int(policy.get("assessment.supervisor_liable_repeats")),
            issuers=tuple(str(r) for r in policy.get("assessment.issuers")),
            appeal_chain=tuple(str(r) for r in policy.get("assessment.appeal_chain")),
            issues=tuple((str(i["code"]), str(i["name"])) for i in policy.get("assessment.issues")),
        )

    def rank(self, roles: Iterable[str]) -> int:
        """The highest index in ``issuers`` of these roles (-1: none of them)."""
        bare = {r.split("@", 1)[0] for r in roles}
        return max((i for i, role in enumerate(self.issuers) if role in bare), default=-1)

    def issue_name(self, code: str) -> str:
        """The issue's name (the code when the policy no longer lists it)."""
        return dict(self.issues).get(code, code)


@dataclass
class PersonMonth:
    """One person's month: points, money in fen, thresholds reached, what they bear as a supervisor."""

    person: str
    points: int = 0
    notices: int = 0
    point_fine: int = 0
    extra_fine: int = 0
    shared: int = 0  # point fine of their notices that the supervisor shares
    passed_on: int = 0  # the supervisors' part of ``shared``
    as_supervisor: int = 0  # what they bear for their staff's notices
    sanction: bool = False
    dismissal: bool = False
    repeats: dict[str, int] = field(default_factory=dict)  # issue → notices in force
    liable_for: dict[str, int] = field(default_factory=dict)  # staff login → fen borne for them

    @property
    def total(self) -> int:
        """What the person pays this month, in fen."""
        return self.point_fine - self.passed_on + self.extra_fine + self.as_supervisor

    def published(self, rules: AssessmentRules) -> bool:
        """Posted on the public notice list (4.2.5)."""
        return self.points >= rules.publish_points or any(n >= rules.publish_repeats
                                                          for n in self.repeats.values())

    def as_dict(self, rules: AssessmentRules) -> dict[str, Any]:
        """The figures as JSON (money in yuan with two decimals as text)."""
        return {
            "person": self.person, "points": self.points, "notices": self.notices,
            "point_fine": yuan(self.point_fine), "extra_fine": yuan(self.extra_fine),
            "shared_with_supervisor": yuan(self.passed_on), "as_supervisor": yuan(self.as_supervisor),
            "total": yuan(self.total), "sanction": self.sanction, "dismissal": self.dismissal,
            "published": self.published(rules), "repeats": dict(sorted(self.repeats.items())),
            "liable_for": {k: yuan(v) for k, v in sorted(self.liable_for.items())},
        }


def yuan(fen: int) -> str:
    """Fen as yuan text: 1250 → ``12.50``."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def month_figures(sums: Iterable[IssueSum], rules: AssessmentRules) -> dict[str, PersonMonth]:
    """Every person's month from the per-issue sums of ``AssessmentRepo.issue_sums``."""
    rows = list(sums)
    people: dict[str, PersonMonth] = {}

    def of(login: str) -> PersonMonth:
        return people.setdefault(login, PersonMonth(login))

    for row in rows:
        me = of(row.person)
        me.points += row.points
        me.notices += row.notices
        me.repeats[row.issue] = me.repeats.get(row.issue, 0) + row.notices
    per_point = rules.yuan_per_point * 100
    for row in rows:
        me = people[row.person]
        repeated = me.repeats[row.issue] >= rules.liable_repeats
        shared_points = row.points if repeated else row.liable_points
        if row.supervisor is None or shared_points == 0:
            continue
        shared = shared_points * per_point
        part = shared * rules.supervisor_percent // 100
        me.shared += shared
        me.passed_on += part
        boss = of(row.supervisor)
        boss.as_supervisor += part
        boss.liable_for[row.person] = boss.liable_for.get(row.person, 0) + part
    for me in people.values():
        me.point_fine = me.points * per_point
        if rules.extra_from <= me.points <= rules.extra_to:
            me.extra_fine = rules.extra_amount * 100
        me.sanction = rules.sanction_from <= me.points <= rules.sanction_to
        me.dismissal = me.points >= rules.dismissal_points
    return people


def supervisor_levels(person: StaffRecord, units: Mapping[str, UnitRecord]) -> list[list[str]]:
    """The units ``direct_supervisor`` looks in, nearest level first: the person's unit, then each unit
    above it, each with its departments of the person's department (the CS centre above a CS team)."""
    kind = units[person.unit].department if person.unit in units else None
    out: list[list[str]] = []
    at: str | None = person.unit
    seen: set[str] = set()
    while at and at in units and at not in seen:
        seen.add(at)
        out.append([at] + [u.code for u in units.values() if u.parent == at and u.kind == "department"
                           and kind is not None and u.department == kind and u.code != at])
        at = units[at].parent
    return out


def direct_supervisor(person: StaffRecord, staff: Iterable[StaffRecord], units: Mapping[str, UnitRecord],
                      rules: AssessmentRules) -> str | None:
    """The nearest active holder of a rank above the person's (see the module docstring), or None.
    ``staff`` needs only those of the units of ``supervisor_levels``."""
    mine = rules.rank(person.roles)
    by_unit: dict[str, list[StaffRecord]] = {}
    for s in staff:
        if s.active and s.login != person.login and rules.rank(s.roles) > mine:
            by_unit.setdefault(s.unit, []).append(s)
    for places in supervisor_levels(person, units):
        found = [s for place in places for s in by_unit.get(place, [])]
        if found:
            return min(found, key=lambda s: (rules.rank(s.roles), s.login)).login
    return None


def _place(staff: StaffRecord, units: Mapping[str, UnitRecord]) -> tuple[str | None, str | None]:
    """(subsidiary, project) of a staff member's unit."""
    found: dict[str, str] = {}
    at: str | None = staff.unit
    seen: set[str] = set()
    while at and at in units and at not in seen:
        seen.add(at)
        found.setdefault(units[at].kind, at)
        at = units[at].parent
    return found.get("subsidiary"), found.get("project")


class Assessment:
    """Issue notices, appeal and decide, and read the month's figures, on a store and a policy set."""

    def __init__(self, store: Store, clock: Clock, policies: Any) -> None:
        self.store = store
        self.clock = clock
        self.policies = policies

    def rules(self, subsidiary: str | None) -> AssessmentRules:
        """The rules in force for a subsidiary (the group's when None)."""
        return AssessmentRules.of(self.policies.effective(subsidiary))

    def _subject(self, tx: Any, login: str) -> Subject:
        return subject_of(load_staff(tx, login), tx.units)

    def _person(self, tx: Any, login: str) -> StaffRecord:
        staff = tx.staff(login)
        if staff is None or not staff.active:
            raise _form(f"no active staff member {login!r}", {"person": f"no active staff member {login!r}"},
                        {"person": f"没有在职员工“{login}”"}, zh=f"没有在职员工“{login}”")
        return staff

    def person_target(self, tx: Any, staff: StaffRecord, policy: Any = None) -> Target:
        """The permission target of a person: their subsidiary and project."""
        subsidiary, project = _place(staff, tx.units())
        return Target("staff", subsidiary, project, person=staff.login, unit=staff.unit)

    # -- writes --------------------------------------------------------------------------------------
    def issue(self, actor: str, *, person: str, issue: str, points: Any, occurred_on: Any, text: str,
              supervisor: str | None = None, supervisor_liable: bool = False) -> NoticeRecord:
        """Issue a violation notice (``assessment.issue``); audited on the system chain."""
        now = self.clock.now()
        with self.store.write() as tx:
            staff = self._person(tx, (person or "").strip())
            target = self.person_target(tx, staff)
            rules = self.rules(target.subsidiary)
            policy = self.policies.effective(target.subsidiary)
            require(self._subject(tx, actor), "assessment.issue", target, policy=policy)
            me = tx.staff(actor)
            if rules.rank(me.roles if me else ()) <= rules.rank(staff.roles):
                raise _form(f"{actor} does not rank above {staff.login} in assessment.issuers",
                            {"person": "the issuer must rank above the person"},
                            {"person": "只能对下级员工签发过失通知单"}, zh="只能对下级员工签发过失通知单")
            errors: dict[str, str] = {}
            errors_zh: dict[str, str] = {}
            codes = [c for c, _ in rules.issues]
            if issue not in codes:
                errors["issue"] = f"{issue!r} is not in assessment.issues; use one of {', '.join(codes)}"
                errors_zh["issue"] = "请选择违规问题类别"
            try:
                count = int(str(points).strip())
            except ValueError:
                count = 0
            if not 1 <= count <= rules.dismissal_points:
                errors["points"] = f"a whole number from 1 to {rules.dismissal_points}"
                errors_zh["points"] = f"扣分须为 1 至 {rules.dismissal_points} 的整数"
            day: date | None = None
            try:
                day = occurred_on if isinstance(occurred_on, date) else date.fromisoformat(str(occurred_on))
            except ValueError:
                errors["occurred_on"] = "a date YYYY-MM-DD"
                errors_zh["occurred_on"] = "请填写日期（如 2026-11-05）"
            today = rules_today = policy.calendar.localize(now).date()
            if day is not None and day > rules_today:
                errors["occurred_on"] = f"{day} is after today ({today})"
                errors_zh["occurred_on"] = "违规日期不能晚于今天"
            text = (text or "").strip()
            if not text or "\x00" in text:
                errors["text"] = "required: what happened"
                errors_zh["text"] = "请填写违规事实"
            elif len(text) > MAX_TEXT:
                errors["text"] = f"at most {MAX_TEXT} characters"
                errors_zh["text"] = f"不超过 {MAX_TEXT} 字"
            boss = (supervisor or "").strip() or None
            if boss is not None:
                found = tx.staff(boss)
                if found is None or not found.active or boss == staff.login:
                    errors["supervisor"] = f"no active staff member {boss!r} other than the person"
                    errors_zh["supervisor"] = f"没有在职员工“{boss}”"
            else:
                units = tx.units()
                homes = [code for level in supervisor_levels(staff, units) for code in level]
                boss = direct_supervisor(staff, OrgRepo(tx).staff_in(homes) if homes else [], units, rules)
            if errors:
                raise _form("the violation notice is invalid", errors, errors_zh, zh="过失通知单填写有误")
            assert day is not None
            repo = AssessmentRepo(tx)
            notice_id = repo.insert_notice(
                subsidiary=target.subsidiary, project=target.project, person=staff.login, supervisor=boss,
                issue=issue, points=count, issued_points=count, occurred_on=day, month=day.strftime("%Y-%m"),
                text=text, supervisor_liable=bool(supervisor_liable), issued_by=actor, issued_at=now)
            tx.append_audit(None, [{"actor": actor, "action": "assessment.notice_issued", "data": {
                "notice": notice_id, "person": staff.login, "issue": issue, "points": count,
                "on": day.isoformat(), "supervisor": boss,
                "supervisor_liable": bool(supervisor_liable)}}], now)
            found_notice = repo.notice(notice_id)
            assert found_notice is not None
            _tell(tx, policy, now, staff, "assessment_notice", f"notice:{notice_id}",
                  notice=notice_id, issue=rules.issue_name(issue), points=count, on=day.isoformat(),
                  by=me.name if me else actor)
            return found_notice

    def _notice(self, repo: AssessmentRepo, notice_id: Any) -> NoticeRecord:
        try:
            found = repo.notice(int(notice_id))
        except (TypeError, ValueError):
            found = None
        if found is None:
            raise NotFoundError(f"no violation notice {notice_id!r}",
                                zh=f"没有编号为 {notice_id} 的过失通知单")
        return found

    def next_level(self, notice: NoticeRecord, rules: AssessmentRules,
                   issuer_roles: Iterable[str]) -> int | None:
        """The chain level the next appeal of ``notice`` goes to, or None when no level is left."""
        bare = {r.split("@", 1)[0] for r in issuer_roles}
        above = max((i for i, role in enumerate(rules.appeal_chain) if role in bare), default=-1) + 1
        level = above + notice.appeals
        return level if level < len(rules.appeal_chain) else None

    def appeal(self, actor: str, notice_id: Any, reason: str) -> AppealRecord:
        """The person appeals a notice to the next level of the chain (``assessment.appeal``)."""
        now = self.clock.now()
        with self.store.write() as tx:
            repo = AssessmentRepo(tx)
            notice = self._notice(repo, notice_id)
            policy = self.policies.effective(notice.subsidiary)
            target = Target("staff", notice.subsidiary, notice.project, person=notice.person)
            require(self._subject(tx, actor), "assessment.appeal", target, policy=policy)
            reason = (reason or "").strip()
            if not reason or "\x00" in reason or len(reason) > MAX_TEXT:
                raise _form("say why the notice is unfair",
                            {"reason": f"required, at most {MAX_TEXT} characters"},
                            {"reason": "请填写申诉理由"}, zh="请填写申诉理由")
            if notice.status != "in_force":
                state = STATUS_ZH.get(notice.status, notice.status)
                raise ConflictError(f"notice {notice.id} is {notice.status}; only one in force is appealed",
                                    zh=f"该通知单{state}，不能申诉")
            rules = AssessmentRules.of(policy)
            issuer = tx.staff(notice.issued_by)
            level = self.next_level(notice, rules, issuer.roles if issuer else ())
            if level is None:
                raise ConflictError(f"notice {notice.id}: the last level of the appeal chain has decided",
                                    zh="已是最高一级的处理决定，不能再申诉")
            if not repo.update_notice(notice.id, notice.version, status="appealed",
                                      appeals=notice.appeals + 1):
                raise _changed(notice)
            appeal_id = repo.add_appeal(notice_id=notice.id, level=level, role=rules.appeal_chain[level],
                                        reason=reason, appealed_by=actor, appealed_at=now)
            tx.append_audit(None, [{"actor": actor, "action": "assessment.appealed", "data": {
                "notice": notice.id, "level": level, "role": rules.appeal_chain[level]}}], now)
            return next(a for a in repo.appeals(notice.id) if a.id == appeal_id)

    def decide(self, actor: str, notice_id: Any, decision: str, *, points: Any = None,
               answer: str = "") -> NoticeRecord:
        """The role at the appeal's level decides it (``assessment.decide``): upheld, reduced or cancelled."""
        now = self.clock.now()
        with self.store.write() as tx:
            repo = AssessmentRepo(tx)
            notice = self._notice(repo, notice_id)
            pending = [a for a in repo.appeals(notice.id) if a.decision is None]
            policy = self.policies.effective(notice.subsidiary)
            target = Target("staff", notice.subsidiary, notice.project, person=notice.person,
                            role=pending[0].role if pending else None, assignee=notice.issued_by)
            require(self._subject(tx, actor), "assessment.decide", target, policy=policy)
            if not pending:
                raise ConflictError(f"notice {notice.id} has no appeal waiting",
                                    zh="该通知单没有待处理的申诉")
            appeal = pending[0]
            errors: dict[str, str] = {}
            errors_zh: dict[str, str] = {}
            after = notice.points
            if decision not in DECISIONS:
                errors["decision"] = f"one of {', '.join(DECISIONS)}"
                errors_zh["decision"] = "请选择处理结果"
            elif decision == "reduced":
                try:
                    after = int(str(points).strip())
                except ValueError:
                    after = 0
                if not 1 <= after < notice.points:
                    errors["points"] = f"fewer points than {notice.points}, at least 1"
                    errors_zh["points"] = f"减少后的扣分须为 1 至 {notice.points - 1}"
            elif decision == "cancelled":
                after = 0
            answer = (answer or "").strip()
            if not answer or "\x00" in answer or len(answer) > MAX_TEXT:
                errors["answer"] = "required: the reasons of the decision"
                errors_zh["answer"] = "请填写处理意见"
            if errors:
                raise _form("the decision is invalid", errors, errors_zh, zh="申诉处理填写有误")
            if not repo.decide_appeal(appeal.id, decision=decision, points_after=after, answer=answer,
                                      decided_by=actor, decided_at=now):
                raise ConflictError("the appeal was decided meanwhile; reload it",
                                    zh="该申诉已被处理，请刷新")
            status = "cancelled" if decision == "cancelled" else "in_force"
            if not repo.update_notice(notice.id, notice.version, status=status,
                                      points=after if decision != "cancelled" else notice.points):
                raise _changed(notice)
            tx.append_audit(None, [{"actor": actor, "action": "assessment.appeal_decided", "data": {
                "notice": notice.id, "level": appeal.level, "decision": decision, "points": after}}], now)
            found = repo.notice(notice.id)
            assert found is not None
            person = tx.staff(notice.person)
            if person is not None:
                judge = tx.staff(actor)
                ref = f"notice:{notice.id}:appeal:{appeal.id}"
                _tell(tx, policy, now, person, "assessment_decision", ref,
                      notice=notice.id, decision=DECISION_ZH[decision], decision_en=decision,
                      points=found.points if decision != "cancelled" else 0,
                      by=judge.name if judge else actor, answer=answer)
            return found

    # -- reads ---------------------------------------------------------------------------------------
    def notice_view(self, actor: str, notice_id: Any) -> tuple[NoticeRecord, list[AppealRecord]]:
        """A notice and its appeals, for its person, their supervisor or a reader of the person's unit."""
        with self.store.read() as tx:
            repo = AssessmentRepo(tx)
            notice = self._notice(repo, notice_id)
            subject = self._subject(tx, actor)
            if actor not in (notice.person, notice.supervisor):
                policy = self.policies.effective(notice.subsidiary)
                require(subject, "assessment.read", Target("staff", notice.subsidiary, notice.project,
                                                           person=notice.person), policy=policy)
            return notice, repo.appeals(notice.id)

    def unit_month(self, actor: str | None, unit: str, month: str) -> dict[str, Any]:
        """A subsidiary's or project's month: every notice, each person's figures, the public list."""
        _check_month(month)
        with self.store.read() as tx:
            units = tx.units()
            subsidiary, project = _unit_place(units, unit)
            if actor is not None:
                policy = self.policies.effective(subsidiary)
                require(self._subject(tx, actor), "assessment.read",
                        Target("unit", subsidiary, project, unit=unit), policy=policy)
            figures = unit_month_in(tx, self.rules(subsidiary), subsidiary, month, project=project)
            return {**figures, "unit": unit, "unit_name": units[unit].name}

    def units(self, actor: str) -> list[tuple[str, str]]:
        """(code, name) of the subsidiaries and projects whose month ``actor`` may read."""
        with self.store.read() as tx:
            subject = self._subject(tx, actor)
            units = tx.units()
        out = []
        for code, u in sorted(units.items(), key=lambda kv: (kv[1].kind != "subsidiary", kv[0])):
            if u.kind not in ("subsidiary", "project"):
                continue
            subsidiary, project = _unit_place(units, code)
            target = Target("unit", subsidiary, project, unit=code)
            if can(subject, "assessment.read", target, policy=self.policies.effective(subsidiary)).allowed:
                out.append((code, u.name))
        return out

    def person_month(self, actor: str, person: str, month: str) -> dict[str, Any]:
        """One person's statement: their notices, their figures, what they bear for their staff."""
        _check_month(month)
        with self.store.read() as tx:
            staff = tx.staff(person)
            if staff is None:
                raise NotFoundError(f"no staff member {person!r}", zh=f"没有员工“{person}”")
            target = self.person_target(tx, staff)
            if actor != person:
                require(self._subject(tx, actor), "assessment.read", target,
                        policy=self.policies.effective(target.subsidiary))
            rules = self.rules(target.subsidiary)
            repo = AssessmentRepo(tx)
            notices = repo.notices(month, involving=person)
            sums = repo.issue_sums(month, people=[person])
            # the repeat counts of the staff they answer for need those people's whole month
            staff_of = sorted({s.person for s in sums if s.person != person})
            if staff_of:
                sums = repo.issue_sums(month, people=[person, *staff_of])
            figures = month_figures(sums, rules).get(person, PersonMonth(person))
            names = {login: s.name for login in {person, *staff_of, *(n.issued_by for n in notices)}
                     if (s := tx.staff(login)) is not None}
        return {"person": person, "name": staff.name, "month": month, "subsidiary": target.subsidiary,
                "notices": notices, "figures": figures.as_dict(rules), "names": names, "rules": rules}

    def pending(self, actor: str) -> list[tuple[AppealRecord, NoticeRecord]]:
        """The appeals waiting for a role ``actor`` holds, in their subsidiary (all for group staff)."""
        with self.store.read() as tx:
            subject = self._subject(tx, actor)
            found = AssessmentRepo(tx).pending_appeals(sorted(subject.roles),
                                                       None if subject.group_level else subject.subsidiary)
        return [(a, n) for a, n in found if n.issued_by != actor and n.person != actor]


def unit_month_in(tx: Any, rules: AssessmentRules, subsidiary: str, month: str, *,
                  project: str | None = None) -> dict[str, Any]:
    """``Assessment.unit_month`` inside an open transaction, unchecked (the worker's month close)."""
    repo = AssessmentRepo(tx)
    notices = repo.notices(month, subsidiary=subsidiary, project=project)
    people = month_figures(repo.issue_sums(month, subsidiary=subsidiary, project=project), rules)
    names = {login: s.name for login in people.keys() | {n.issued_by for n in notices} | {
        n.supervisor for n in notices if n.supervisor} if (s := tx.staff(login)) is not None}
    rows = [people[p].as_dict(rules) for p in sorted(people, key=lambda p: (-people[p].points, p))]
    return {"subsidiary": subsidiary, "project": project, "month": month, "notices": notices,
            "people": rows, "public": [r for r in rows if r["published"]], "names": names, "rules": rules}


def _tell(tx: Any, policy: Any, now: Any, person: StaffRecord, kind: str, ref: str, **values: Any) -> None:
    """Tell the person in the app, in the transaction of the notice or decision (once per ``ref``)."""
    from engine.store.worker_repo import WorkerRepo
    from engine.worker.outbox import Notifier

    Notifier(WorkerRepo(tx), policy, now).tell([person], kind, ref, **values)


def _unit_place(units: Mapping[str, UnitRecord], unit: str) -> tuple[str, str | None]:
    """(subsidiary, project) of a subsidiary or project code; a clear error for anything else."""
    found = units.get(unit)
    if found is not None and found.kind == "subsidiary":
        return unit, None
    if found is not None and found.kind == "project" and found.parent:
        return found.parent, unit
    choices = ", ".join(sorted(c for c, u in units.items() if u.kind in ("subsidiary", "project")))
    raise _form(f"unit {unit!r}: use a subsidiary or project ({choices})", {"unit": f"one of {choices}"},
                {"unit": "请选择公司或项目"}, zh="请选择公司或项目")


def _check_month(month: str) -> None:
    text = str(month or "")
    ok = (len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit()
          and 1 <= int(text[5:]) <= 12)
    if not ok:
        raise _form(f"month {month!r}: use YYYY-MM", {"month": "YYYY-MM, e.g. 2026-11"},
                    {"month": "月份格式为 YYYY-MM（如 2026-11）"}, zh="月份格式为 YYYY-MM（如 2026-11）")
