"""May this actor do this to this object? One answer, from one table (STYLE 19).

Every write path asks here: the web pages and the API through ``webui.services`` and the engine
functions they call, the CLI through the same engine functions, the worker when it decides whom to
tell about a case. ``can(subject, action, target)`` answers with a :class:`Decision`;
``require(...)`` raises ``PermissionDenied`` (or ``ConflictError`` when someone else holds the
task). The object's unit is always part of the question: a :class:`Target` carries the subsidiary
and project of the case, task, household or record it describes.

Scopes used below. *In the subsidiary*: the actor is group-level staff (a unit above every
subsidiary), or works in the object's subsidiary. *Covers*: the actor's unit is the object's
project, or (for subsidiary staff) its subsidiary, or the group. *Holds*: the actor holds the
task's candidate group ``role@unit``.

=======================  ========================================================================
action                   allowed when
=======================  ========================================================================
case.open                any active staff member, for any project (R0.5: nobody may refuse an
                         issue; the first receiver follows it even in another subsidiary)
case.read                the case's first receiver, or in the subsidiary
case.comment             as case.read
case.reveal_phone        as case.read: the customer's full phone number for a reader whose roles are
                         not in ``privacy.full_phone_roles`` (an explicit, audited click, R0.8)
case.attach              as case.read
case.message             as case.read (a customer's reply, a host's answer, a repeat complaint)
task.claim               case.read, the task unassigned and the actor holds its candidate group; never
                         the case's first receiver where the lane says ``not_first_receiver``
task.complete            case.read, and the actor is the assignee or (unassigned) holds the group;
                         as task.claim for ``not_first_receiver`` lanes (no self-approval, R5.2);
                         claim and complete: never someone the task's row ``excluded`` (they did a step
                         its user task's ``not_completed_by`` names: two signatures, two people, R6.3)
task.release             case.read, and the actor claimed the task
task.transfer            as task.complete
task.receive             the person a task is transferred to: case.read for them
inbox.all                a supervisor role (``ALL_VIEW_ROLES``) or group-level staff
visit.register           covers the household's project
visit.answer             covers the visit's project (the host's answer taken by phone)
archive.checklist        a role of ``archive.allowed_roles`` that covers the household
archive.view             as archive.checklist, or an unexpired direct-view grant (R5.2)
archive.download         as archive.view
archive.upload           as archive.checklist
archive.request          in the household's subsidiary (a supervisor there decides, R5.2)
archive.read_answer      the requester (first receiver of the request) only
archive.disposal_review  ``archive.disposal_reviewer`` at subsidiary or group level
archive.dispose          ``archive.disposal_reviewer`` of the record's subsidiary, or the group's
archive.hold             ``archive.legal_hold_role`` of the record's subsidiary, or the group's
faq.edit                 a role of ``consultation.faq_editors`` (the book is the group's)
org.manage               ``org_admin`` whose level covers the unit: group-level administrators
                         everything, a subsidiary's its subsidiary, a project's its project (units,
                         staff, roles, deputies, deactivation; the unit is the staff member's)
org.absence              the staff member themself (their own leave), or as org.manage
calendar.publish         ``org_admin`` at group level (holiday files serve every subsidiary)
contact.edit             as org.manage; a department's own head for its internal contact; the
                         CS centre (``cs_manager``, ``cs_centre_gm``) covering an area for its
                         external contacts (R0.3)
contact.read             any active staff member (the contact list is the whole group's)
contact.acknowledge      a role of ``interfaces.acknowledged_by`` (the CS centre) in the unit's
                         subsidiary, or at group level (R0.3: a change reaches the CS centre)
process.read             the process area (versions, diagrams, diffs): a process owner, group-level
                         staff, or a supervisor role (``ALL_VIEW_ROLES``), read-only
process.edit             ``process_owner`` held at the group unit (processes are group-wide): drafts
process.deploy           as process.edit: a new current version of a process
process.migrate          as process.edit: moving open cases of any subsidiary to another version
policy.simulate          in the unit's subsidiary: a run of the real engine on a throw-away database
                         (issue 17) with the unit's rules, never another subsidiary's
assessment.issue         a role of ``assessment.issuers`` covering the person's unit, never for oneself
                         (``engine.assessment`` also wants a rank above the person's, R8.1)
assessment.appeal        the person the notice is about (R8.2)
assessment.decide        the role of the appeal's level of ``assessment.appeal_chain`` in the notice's
                         subsidiary (or at group level); never the person or the issuer
assessment.read          a manager role (``ALL_VIEW_ROLES``) or an issuer covering the person or unit
                         (a person reads their own statement without asking)
policy.read              any staff member, within their scope: the group's policy everyone; a
                         subsidiary's its own staff (and its projects'), a project's its own and its
                         subsidiary's staff; group-level staff every unit (issue 17)
policy.edit              ``policy_editor`` whose level covers the unit: a subsidiary's editor its
                         subsidiary and its projects, a project's its project (drafts, submitting)
policy.publish           as policy.edit: an approved draft is published with its effective time
policy.review            ``policy_reviewer`` at group level (approves or returns a submitted draft;
                         never their own: engine.policy_drafts)
campaign.open            a supervisor or manager role (``ALL_VIEW_ROLES``) covering the project (R6.3)
campaign.visit           covers the project: its staff, its subsidiary's, the group's
campaign.read            as campaign.visit
review.read              as report.read for the list's subsidiary, or its reviewer (R2.18: the role the
                         policy names, ``review.role``) in the subsidiary or at group level
review.generate          as report.read: a list of the current period on demand
review.sign              the list's reviewer role in its subsidiary or at group level: notes and sign-off
review.answer            a holder of the systemic task's candidate group (the department's answering role)
report.read              a supervisor or manager role (``ALL_VIEW_ROLES``) whose level covers the
                         report's unit: group-level staff every unit, a subsidiary's its subsidiary
                         and its projects, a project's its project (R7.1 statistics)
=======================  ========================================================================

Policy values (the roles of ``archive.*`` and ``consultation.faq_editors``) are read from the policy
of the object's unit, passed as ``policy``. Refusals never name another subsidiary's case number,
task title or customer: a staff member outside the scope learns only that the object is outside it.
Every text comes in English and Chinese (``Decision.reason`` / ``Decision.zh``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import ConflictError, PermissionDenied
from engine.store.records import CaseRecord, StaffRecord, TaskRecord, UnitRecord, barred_logins

__all__ = [
    "ACTIONS",
    "ALL_VIEW_ROLES",
    "ORG_ADMIN",
    "POLICY_EDITOR",
    "POLICY_REVIEWER",
    "PROCESS_OWNER",
    "SYSTEM",
    "Decision",
    "Subject",
    "Target",
    "allowed_actions",
    "can",
    "require",
    "subject_of",
    "unit_subject",
]

# The process owner 流程负责人 (issue 14): edits, deploys and migrates the group's diagrams.
PROCESS_OWNER = "process_owner"
# Roles that see every open task of their subsidiary in the "all" view (group-level staff see all).
ALL_VIEW_ROLES = frozenset({"cs_supervisor", "cs_manager", "cs_centre_gm", "cs_centre_deputy_gm", "chairman",
                            "general_manager"})


@dataclass(frozen=True)
class Subject:
    """Who acts: a login with bare roles, candidate groups and the units above their own."""

    login: str
    unit: str
    roles: frozenset[str]
    groups: frozenset[str]
    group: str | None
    subsidiary: str | None
    project: str | None

    @property
    def group_level(self) -> bool:
        """True for staff of a unit above every subsidiary (the group CS centre, say)."""
        return self.subsidiary is None and self.group is not None


# The organisation administrator of a level: the group, a subsidiary or a project (issue 17).
ORG_ADMIN = "org_admin"
# A unit's policy editor 策略编辑 and the group's policy reviewer 策略审核 (issue 17).
POLICY_EDITOR = "policy_editor"
POLICY_REVIEWER = "policy_reviewer"
# Who keeps an area's external contacts besides the administrator: the CS centre (000 一、客服接口).
_CONTACT_KEEPERS = frozenset({"cs_manager", "cs_centre_gm"})


# The worker and timers: group-level, no roles; used where the system acts on its own account.
SYSTEM = Subject("system", "", frozenset(), frozenset(), "system", None, None)


def _groups(staff: StaffRecord) -> frozenset[str]:
    homes = [staff.unit]
    if staff.unit_kind == "department" and staff.unit_parent:
        homes.append(staff.unit_parent)
    out: set[str] = set()
    for role in staff.roles:
        out.update([role] if "@" in role else [f"{role}@{home}" for home in homes])
    return frozenset(out)


def subject_of(
    staff: StaffRecord,
    units: Mapping[str, UnitRecord] | Callable[[], Mapping[str, UnitRecord]] | None = None,
) -> Subject:
    """The subject of a staff record; its unit chain places it (``units`` when the chain is cut short)."""
    chain = list(staff.unit_chain)
    if not chain or chain[-1][1] != "group":
        table = units() if callable(units) else units
        if table:
            chain, seen = [], set()
            at: str | None = staff.unit
            while at and at in table and at not in seen:
                seen.add(at)
                chain.append((at, table[at].kind))
                at = table[at].parent
    found: dict[str, str] = {}
    for code, kind in chain:
        found.setdefault(kind, code)
    roles = frozenset(r.split("@", 1)[0] for r in staff.roles)
    return Subject(staff.login, staff.unit, roles, _groups(staff), found.get("group"),
                   found.get("subsidiary"), found.get("project"))


def unit_subject(code: str, units: Mapping[str, UnitRecord]) -> Subject:
    """A unit as a receiver (a department a task is transferred to): its place in the org, no roles."""
    found: dict[str, str] = {}
    seen: set[str] = set()
    at: str | None = code
    while at and at in units and at not in seen:
        seen.add(at)
        found.setdefault(units[at].kind, at)
        at = units[at].parent
    return Subject(code, code, frozenset(), frozenset(), found.get("group"), found.get("subsidiary"),
                   found.get("project"))


@dataclass(frozen=True)
class Target:
    """The object of an action, reduced to what the rules read: its units and its people.

    ``kind`` is ``case``, ``task``, ``household``, ``record`` (a retention record), ``faq``, ``unit``,
    ``staff`` or ``calendar``; ``person`` is the staff member an org action is about, ``unit_kind``
    the kind of the unit it touches (``department``, ``project`` …).
    """

    kind: str
    subsidiary: str | None
    project: str | None = None
    first_receiver: str | None = None
    assignee: str | None = None
    claimed: bool = False
    candidate_group: str | None = None
    role: str | None = None
    unit: str | None = None
    grant: str | None = None  # archive.view/download: the actor's own request granting a direct view
    person: str | None = None
    unit_kind: str | None = None
    # The task's lane says its case's first receiver may not take it (``lanes.<lane>.not_first_receiver``):
    # nobody approves their own request (R5.2).
    excludes_first_receiver: bool = False
    # Who may not take the task: they completed a step its user task's ``not_completed_by`` names (R6.3 the
    # countersign of a phone record is never its recorder's); the inbox row's ``excluded``.
    excluded: frozenset[str] = frozenset()

    @classmethod
    def of_case(cls, case: CaseRecord | Any) -> Target:
        """A case (record or view)."""
        return cls("case", case.subsidiary, case.project, first_receiver=case.first_receiver)

    @classmethod
    def of_task(cls, row: TaskRecord | Any, first_receiver: str | None = None, policy: Any = None) -> Target:
        """An open task (inbox row) of a case whose first receiver is ``first_receiver``; ``policy`` (the
        case's pinned policy) says whether the task's lane excludes the first receiver."""
        binding = _lane_binding(policy, getattr(row, "lane", None))
        return cls("task", row.subsidiary, row.project, first_receiver=first_receiver,
                   assignee=row.assignee, claimed=row.claimed_at is not None,
                   candidate_group=row.candidate_group, role=row.role, unit=row.unit,
                   excludes_first_receiver=bool(binding.get("not_first_receiver")),
                   excluded=barred_logins(getattr(row, "excluded", None)))


def _lane_binding(policy: Any, lane: str | None) -> dict[str, Any]:
    """The policy's ``lanes.<lane>`` entry, or nothing (no policy, no lane, or not a lane of it)."""
    if policy is None or not lane or not policy.has(f"lanes.{lane}"):
        return {}
    binding = policy.get(f"lanes.{lane}")
    return binding if isinstance(binding, dict) else {}


@dataclass(frozen=True)
class Decision:
    """The answer: allowed or not, and why in English and Chinese; ``conflict`` when a colleague holds it."""

    allowed: bool
    reason: str
    zh: str
    conflict: bool = False

    def __bool__(self) -> bool:
        return self.allowed


def _yes(reason: str, zh: str) -> Decision:
    return Decision(True, reason, zh)


def _no(reason: str, zh: str, *, conflict: bool = False) -> Decision:
    return Decision(False, reason, zh, conflict)


def _in_subsidiary(s: Subject, t: Target) -> bool:
    return s.group_level or (s.subsidiary is not None and s.subsidiary == t.subsidiary)


def _covers(s: Subject, t: Target) -> bool:
    if s.project is not None:
        return s.project == t.project
    return _in_subsidiary(s, t)


def _outside(s: Subject) -> Decision:
    where = s.subsidiary or s.unit or "no unit"
    return _no(f"{s.login} works for {where}; this belongs to another subsidiary",
               f"您属于 {where}，无权处理其他公司的记录")


def _roles(policy: Any, key: str) -> frozenset[str]:
    if policy is None:
        raise TypeError(f"the permission rule reads {key}: pass the policy of the object's unit")
    value = policy.get(key)
    return frozenset([str(value)] if isinstance(value, str) else [str(v) for v in value or ()])


def _report_read(s: Subject, t: Target, policy: Any) -> Decision:
    if not (s.roles & ALL_VIEW_ROLES):
        return _no(f"the statistics are for supervisors and managers ({', '.join(sorted(ALL_VIEW_ROLES))}); "
                   f"{s.login} holds {', '.join(sorted(s.roles)) or 'no roles'}",
                   "统计报表仅限主管、经理及以上人员查阅")
    if t.unit_kind == "group":
        if s.group_level:
            return _yes("group-level manager", "集团管理人员")
        return _no(f"{s.login} works for {_level(s)}; the group's statistics are for group-level staff",
                   f"您属于 {_level(s)}，无权查阅集团的统计报表")
    if t.unit_kind == "subsidiary" and s.project is not None:
        return _no(f"{s.login} works at {s.project}; the statistics of {t.subsidiary} are for its company",
                   f"您属于 {s.project}，无权查阅公司的统计报表")
    if _covers(s, t):
        return _yes("the unit covers the report's unit", "本单位的统计报表")
    return _no(f"{s.login} works for {_level(s)}; this report belongs to another unit",
               f"您属于 {_level(s)}，无权查阅其他单位的统计报表")


# -- the rules ---------------------------------------------------------------------------------------
def _case_read(s: Subject, t: Target, policy: Any) -> Decision:
    if t.first_receiver is not None and s.login == t.first_receiver:
        return _yes("first receiver (R0.5)", "首问责任人")
    if _in_subsidiary(s, t):
        return _yes("same subsidiary", "本公司")
    return _outside(s)


def _case_open(s: Subject, t: Target, policy: Any) -> Decision:
    if s.group is None and s.subsidiary is None and s.login != SYSTEM.login:
        return _no(f"{s.login} belongs to no unit of the org", f"{s.login} 不属于任何组织单位")
    return _yes("anyone receives an issue (R0.5)", "首问负责，任何人不得拒绝受理")


def _case_withdraw(s: Subject, t: Target, policy: Any) -> Decision:
    if not _in_subsidiary(s, t):
        return _outside(s)
    allowed = _roles(policy, "complaint.withdraw_roles")
    if s.roles & allowed:
        return _yes("CS desk or supervisor of the case's subsidiary", "本公司客服人员")
    return _no(f"withdrawing a complaint is for {', '.join(sorted(allowed))} of its subsidiary; "
               f"{s.login} holds {', '.join(sorted(s.roles)) or 'no roles'}",
               "只有本公司的客服专员、客服主管或客服经理可以撤回投诉")


def _merge_confirm(s: Subject, t: Target, policy: Any) -> Decision:
    if not _in_subsidiary(s, t):
        return _outside(s)
    allowed = _roles(policy, "complaint.merge_confirm_roles")
    if s.roles & allowed:
        return _yes("CS supervisor or manager of the case's subsidiary", "本公司客服主管")
    return _no(f"confirming a merge is for {', '.join(sorted(allowed))} of the case's subsidiary; "
               f"{s.login} holds {', '.join(sorted(s.roles)) or 'no roles'}",
               "只有本公司的客服主管或客服经理可以确认合并")


def _task_work(s: Subject, t: Target, policy: Any, *, claim: bool = False) -> Decision:
    seen = _case_read(s, t, policy)
    if not seen:
        return seen
    if t.excludes_first_receiver and t.first_receiver == s.login:
        return _no(f"{s.login} received this case, and its first receiver may not take this step "
                   "(nobody approves their own request)",
                   "您是本案的首问责任人（申请人），不能办理此环节（不能审批自己的申请）")
    if s.login in t.excluded:
        return _no(f"{s.login} did an earlier step of this case that this step must be done apart from "
                   "(a phone return visit's record is signed by two people, R6.3); someone else must take it",
                   "您已办理本案的前一环节（如电话回访记录），此环节须由另一人办理（电话回访记录须两人签字）")
    if t.assignee == s.login:
        if claim:
            return _no("the task is already yours", "该任务已在您名下", conflict=True)
        return _yes("assignee", "任务处理人")
    if t.assignee is not None and t.claimed:
        return _no(f"the task was claimed by {t.assignee}; only they may work it unless they release it",
                   f"该任务已被 {t.assignee} 领取；对方释放前只有对方可以处理", conflict=True)
    if t.assignee is not None:
        return _no(f"the task is assigned to {t.assignee}; only they may work it",
                   f"该任务已指派给 {t.assignee}，只有对方可以处理")
    if t.candidate_group in s.groups:
        return _yes(f"holds {t.candidate_group}", f"具备 {t.candidate_group} 角色")
    held = ", ".join(sorted(s.groups)) or "no roles"
    return _no(f"{s.login} may not work this task: it needs role {t.role!r} in unit {t.unit!r} "
               f"(you hold: {held})",
               f"您无权处理此任务：需要 {t.unit} 的 {t.role} 角色（您的角色：{held}）")


def _task_release(s: Subject, t: Target, policy: Any) -> Decision:
    seen = _case_read(s, t, policy)
    if not seen:
        return seen
    if t.claimed and t.assignee == s.login:
        return _yes("claimer", "领取人")
    who = f"claimed by {t.assignee}" if t.claimed else "not claimed"
    whom = f"已被 {t.assignee} 领取" if t.claimed else "未被领取"
    return _no(f"the task is {who}; only its claimer may release it", f"该任务{whom}，只有领取人可以释放",
               conflict=True)


def _inbox_all(s: Subject, t: Target, policy: Any) -> Decision:
    if s.group_level or s.roles & ALL_VIEW_ROLES:
        return _yes("supervisor", "主管")
    held = ", ".join(sorted(s.roles)) or "no roles"
    return _no(f"the 'all' view is for supervisors and managers ({', '.join(sorted(ALL_VIEW_ROLES))}) "
               f"and group-level staff; {s.login} holds {held}",
               "“全部”视图仅限主管、经理及集团人员")


def _covering(s: Subject, t: Target, policy: Any) -> Decision:
    if _covers(s, t):
        return _yes("the unit covers the project", "本单位负责该项目")
    if _in_subsidiary(s, t):
        return _no(f"{s.login} works at {s.project}; this belongs to another project",
                   f"您属于 {s.project}，无权处理其他项目的记录")
    return _outside(s)


def _archive_files(s: Subject, t: Target, policy: Any, *, grant: bool = False) -> Decision:
    allowed = _roles(policy, "archive.allowed_roles")
    if s.roles & allowed and _covers(s, t):
        return _yes(f"role {sorted(s.roles & allowed)[0]} may read archives of {t.project}",
                    f"{sorted(s.roles & allowed)[0]} 可查阅本项目档案")
    if grant and t.grant:
        return _yes(f"direct view approved by request {t.grant}", f"查阅申请 {t.grant} 已批准直接查阅")
    if not s.roles & allowed:
        why, zh = "not a role that may read owner archives", "您的角色无权查阅业主档案"
    elif _in_subsidiary(s, t):
        why, zh = f"archives of {t.project} are outside {s.unit}", "该档案不属于您所在的单位"
    else:
        why, zh = "the archive belongs to another subsidiary", "该档案属于其他公司"
    return _no(f"{why}; file a request (archive_access) for a supervisor to approve",
               f"{zh}；请提交档案查询申请，由主管审批")


def _archive_request(s: Subject, t: Target, policy: Any) -> Decision:
    if _in_subsidiary(s, t):
        return _yes("any staff member of the subsidiary may ask; a supervisor decides (R5.2)",
                    "本公司员工均可申请，由主管审批")
    return _outside(s)


def _read_answer(s: Subject, t: Target, policy: Any) -> Decision:
    if t.first_receiver is not None and s.login == t.first_receiver:
        return _yes("the requester", "申请人")
    return _no("only the requester reads the answer of an archive request", "只有申请人可以查看查询答复")


def _retention_role(key: str, *, listing: bool = False) -> Callable[[Subject, Target, Any], Decision]:
    def rule(s: Subject, t: Target, policy: Any) -> Decision:
        roles = _roles(policy, key)
        named = "/".join(sorted(roles))
        if not s.roles & roles or s.project is not None:
            return _no(f"only {named} of a subsidiary or the group may do this ({key})",
                       f"只有公司或集团的 {named} 可以执行此操作（{key}）")
        if listing or s.group_level or s.subsidiary == t.subsidiary:
            return _yes(f"{named} of {s.subsidiary or s.group}", f"{s.subsidiary or s.group} 的 {named}")
        return _outside(s)

    return rule


def _faq_edit(s: Subject, t: Target, policy: Any) -> Decision:
    editors = _roles(policy, "consultation.faq_editors")
    if s.roles & editors:
        return _yes("FAQ editor", "《答客问》维护人")
    return _no(f"{s.login} may not change the FAQ book; it is kept by the roles "
               f"{', '.join(sorted(editors))} (policy consultation.faq_editors)",
               f"只有 {', '.join(sorted(editors))} 可以修改《答客户100问》")


def _level(s: Subject) -> str:
    return s.project or s.subsidiary or s.group or s.unit or "no unit"


def _org_manage(s: Subject, t: Target, policy: Any) -> Decision:
    if ORG_ADMIN not in s.roles:
        return _no(f"{s.login} is not an organisation administrator (role {ORG_ADMIN})",
                   "您不是组织管理员，无权维护组织和人员")
    if _covers(s, t):
        return _yes(f"organisation administrator of {_level(s)}", f"{_level(s)} 的组织管理员")
    return _no(f"{s.login} administers {_level(s)}; this unit is outside it",
               f"您只能管理 {_level(s)} 范围内的单位和人员")


def _org_absence(s: Subject, t: Target, policy: Any) -> Decision:
    if t.person is not None and t.person == s.login:
        return _yes("their own absence", "本人请假")
    return _org_manage(s, t, policy)


def _calendar_publish(s: Subject, t: Target, policy: Any) -> Decision:
    if ORG_ADMIN in s.roles and s.group_level:
        return _yes("group organisation administrator", "集团组织管理员")
    return _no("holiday calendars serve every subsidiary: only a group-level organisation administrator "
               f"({ORG_ADMIN}) publishes them", "节假日安排适用于全集团，只有集团组织管理员可以发布")


def _contact_edit(s: Subject, t: Target, policy: Any) -> Decision:
    managed = _org_manage(s, t, policy)
    if managed:
        return managed
    if t.unit_kind == "department" and s.unit == t.unit and "department_head" in s.roles:
        return _yes("head of the department", "本部门负责人")
    if t.unit_kind != "department" and s.roles & _CONTACT_KEEPERS and _covers(s, t):
        return _yes("the CS centre publishes the area's external contacts", "客服中心公布对外接口")
    return _no(f"{s.login} may not change this unit's contacts: its department head, the CS centre "
               "(external contacts) or an organisation administrator over it may",
               "您无权修改该单位的对接信息（由部门负责人、客服中心或组织管理员维护）")


def _contact_read(s: Subject, t: Target, policy: Any) -> Decision:
    if s.group is None and s.subsidiary is None:
        return _no(f"{s.login} belongs to no unit of the org", f"{s.login} 不属于任何组织单位")
    return _yes("the contact list is the whole group's", "全集团通讯录")


def _policy_simulate(s: Subject, t: Target, policy: Any) -> Decision:
    if _in_subsidiary(s, t):
        return _yes("in the unit's subsidiary", "本公司单位")
    return _outside(s)


def _contact_acknowledge(s: Subject, t: Target, policy: Any) -> Decision:
    roles = _roles(policy, "interfaces.acknowledged_by")
    if not s.roles & roles:
        return _no(f"{s.login} does not acknowledge contact changes: the CS centre's "
                   f"{', '.join(sorted(roles))} do", "对接信息变更由客服中心确认")
    if _in_subsidiary(s, t):
        return _yes("the CS centre of the unit's subsidiary", "本公司客服中心")
    return _outside(s)


def _process_owner(s: Subject, t: Target, policy: Any) -> Decision:
    if s.group is not None and f"{PROCESS_OWNER}@{s.group}" in s.groups:
        return _yes("process owner of the group", "集团流程负责人")
    held = ", ".join(sorted(s.groups)) or "no roles"
    return _no(f"{s.login} may not deploy processes, edit their drafts or move their cases: that needs the "
               f"role {PROCESS_OWNER!r} (流程负责人) at the group {s.group or ''} (you hold: {held})",
               f"只有集团的流程负责人（{PROCESS_OWNER}）可以修改、发布流程或迁移案件（您的角色：{held}）")


def _process_read(s: Subject, t: Target, policy: Any) -> Decision:
    owner = _process_owner(s, t, policy)
    if owner:
        return owner
    if s.group_level or s.roles & ALL_VIEW_ROLES:
        return _yes("managers read the processes", "管理人员可查看流程")
    return _no(f"the process area is for process owners, managers ({', '.join(sorted(ALL_VIEW_ROLES))}) and "
               f"group-level staff; {s.login} holds {', '.join(sorted(s.roles)) or 'no roles'}",
               "流程页面仅限流程负责人、主管、经理及集团人员")


def _assessment_issue(s: Subject, t: Target, policy: Any) -> Decision:
    if t.person is not None and s.login == t.person:
        return _no("nobody issues a violation notice to themself", "不能给自己签发过失通知单")
    if not s.roles & _roles(policy, "assessment.issuers"):
        issuers = ", ".join(sorted(_roles(policy, "assessment.issuers")))
        return _no(f"violation notices are issued by {issuers}; "
                   f"{s.login} holds {', '.join(sorted(s.roles)) or 'no roles'}",
                   "只有政策规定的岗位可以签发过失通知单")
    if _covers(s, t):
        return _yes("an issuer covering the person's unit", "本单位员工")
    return _outside(s)


def _assessment_appeal(s: Subject, t: Target, policy: Any) -> Decision:
    if t.person is not None and s.login == t.person:
        return _yes("the person the notice is about", "本人申诉")
    return _no("only the person the notice is about appeals it", "只有被处罚人本人可以申诉")


def _target_role(s: Subject, t: Target, *, what: str, nobody: str, zh: str, holder: str,
                 holder_zh: str) -> Decision:
    """The target's role (``t.role``), held by the actor, in the target's subsidiary (or at group level):
    ``what`` is done by that role (``nobody`` when the target names none); ``zh`` refuses in Chinese."""
    if t.role is None or t.role not in s.roles:
        held = ", ".join(sorted(s.roles)) or "no roles"
        return _no(f"{what} by {t.role or nobody}; {s.login} holds {held}", zh)
    if _in_subsidiary(s, t):
        return _yes(holder, holder_zh)
    return _outside(s)


def _assessment_decide(s: Subject, t: Target, policy: Any) -> Decision:
    if s.login in (t.person, t.assignee):
        return _no("the person and the issuer do not decide the appeal", "被处罚人和签发人不能处理该申诉")
    return _target_role(s, t, what="this appeal is decided", nobody="nobody (none is waiting)",
                        zh="该申诉不由您的岗位处理", holder="the role of the appeal's level",
                        holder_zh="申诉处理岗位")


def _assessment_read(s: Subject, t: Target, policy: Any) -> Decision:
    if t.person is not None and s.login == t.person:
        return _yes("their own statement", "本人的考核记录")
    if not s.roles & (ALL_VIEW_ROLES | _roles(policy, "assessment.issuers")):
        return _no("the assessment records are for managers and the issuers of notices",
                   "考核记录仅限管理人员及签发人查阅")
    if _covers(s, t):
        return _yes("the unit covers the person", "本单位的考核记录")
    return _outside(s)


def _policy_read(s: Subject, t: Target, policy: Any) -> Decision:
    if t.subsidiary is None or s.group_level:
        return _yes("the group's policy is read by everyone; group staff read every unit's",
                    "集团标准全员可查阅")
    if s.subsidiary == t.subsidiary and (s.project is None or t.project is None or s.project == t.project):
        return _yes("a policy of the actor's own unit", "本单位的规定")
    return _no(f"{s.login} works for {_level(s)}; this unit's policy is for its own staff",
               f"您属于 {_level(s)}，无权查看其他单位的规定")


def _policy_edit(s: Subject, t: Target, policy: Any) -> Decision:
    if POLICY_EDITOR not in s.roles:
        return _no(f"{s.login} is not a policy editor (role {POLICY_EDITOR})",
                   "您不是策略编辑人，无权起草或发布规定")
    if t.subsidiary is not None and _covers(s, t):
        return _yes(f"policy editor of {_level(s)}", f"{_level(s)} 的策略编辑人")
    return _no(f"{s.login} edits the policy of {_level(s)}; this unit is outside it",
               f"您只能起草 {_level(s)} 范围内的规定")


def _policy_review(s: Subject, t: Target, policy: Any) -> Decision:
    if POLICY_REVIEWER in s.roles and s.group_level:
        return _yes("the group's policy reviewer", "集团策略审核人")
    return _no(f"drafts are reviewed by the group's policy reviewer ({POLICY_REVIEWER} at group level); "
               f"{s.login} is not", "只有集团的策略审核人可以审核规定草案")


def _campaign_open(s: Subject, t: Target, policy: Any) -> Decision:
    if not s.roles & ALL_VIEW_ROLES:
        return _no(f"campaigns are opened by supervisors and managers ({', '.join(sorted(ALL_VIEW_ROLES))})",
                   "回访调查由主管、经理及以上人员开启")
    return _covering(s, t, policy)


def _review_sign(s: Subject, t: Target, policy: Any) -> Decision:
    return _target_role(s, t, what="this list is signed off", nobody="nobody",
                        zh="该复盘清单不由您的岗位签认", holder="the list's reviewer",
                        holder_zh="复盘清单签认人")


def _review_read(s: Subject, t: Target, policy: Any) -> Decision:
    if t.role is not None and t.role in s.roles and _in_subsidiary(s, t):
        return _yes("the list's reviewer", "复盘清单签认人")
    return _report_read(s, t, policy)


def _review_answer(s: Subject, t: Target, policy: Any) -> Decision:
    if t.candidate_group is not None and t.candidate_group in s.groups:
        return _yes("the department's answering role", "责任部门负责人")
    role = (t.candidate_group or "nobody").split("@", 1)[0]
    return _no(f"this task is answered by the department's {role}; {s.login} is not it",
               "该整改任务不由您负责")


Rule = Callable[[Subject, Target, Any], Decision]
ACTIONS: dict[str, Rule] = {
    "case.open": _case_open,
    "report.read": _report_read,
    "review.read": _review_read,
    "review.generate": _report_read,
    "review.sign": _review_sign,
    "review.answer": _review_answer,
    "campaign.open": _campaign_open,
    "campaign.visit": _covering,
    "campaign.read": _covering,
    "assessment.issue": _assessment_issue,
    "assessment.appeal": _assessment_appeal,
    "assessment.decide": _assessment_decide,
    "assessment.read": _assessment_read,
    "case.read": _case_read,
    "case.comment": _case_read,
    "case.reveal_phone": _case_read,
    "case.attach": _case_read,
    "case.message": _case_read,
    "case.withdraw": _case_withdraw,
    "case.merge": _case_withdraw,
    "case.merge_confirm": _merge_confirm,
    "task.claim": lambda s, t, p: _task_work(s, t, p, claim=True),
    "task.complete": _task_work,
    "task.release": _task_release,
    "task.transfer": _task_work,
    "task.receive": _case_read,
    "inbox.all": _inbox_all,
    "visit.register": _covering,
    "visit.answer": _covering,
    "archive.checklist": _archive_files,
    "archive.view": lambda s, t, p: _archive_files(s, t, p, grant=True),
    "archive.download": lambda s, t, p: _archive_files(s, t, p, grant=True),
    "archive.upload": _archive_files,
    "archive.request": _archive_request,
    "archive.read_answer": _read_answer,
    "archive.disposal_review": _retention_role("archive.disposal_reviewer", listing=True),
    "archive.dispose": _retention_role("archive.disposal_reviewer"),
    "archive.hold": _retention_role("archive.legal_hold_role"),
    "faq.edit": _faq_edit,
    "org.manage": _org_manage,
    "org.absence": _org_absence,
    "calendar.publish": _calendar_publish,
    "contact.edit": _contact_edit,
    "contact.read": _contact_read,
    "policy.read": _policy_read,
    "policy.edit": _policy_edit,
    "policy.publish": _policy_edit,
    "policy.review": _policy_review,
    "contact.acknowledge": _contact_acknowledge,
    "process.read": _process_read,
    "policy.simulate": _policy_simulate,
    "process.edit": _process_owner,
    "process.deploy": _process_owner,
    "process.migrate": _process_owner,
}


# Rules that read the policy: left out of ``allowed_actions``'s default list when no policy is given.
_POLICY_RULES = frozenset({"case.withdraw", "case.merge", "case.merge_confirm", "contact.acknowledge"})


def can(subject: Subject, action: str, target: Target, *, policy: Any = None) -> Decision:
    """May ``subject`` do ``action`` to ``target``? ``policy``: the effective policy of the target's unit."""
    rule = ACTIONS.get(action)
    if rule is None:
        raise KeyError(f"no permission rule for action {action!r}; add it to engine.permissions.ACTIONS")
    return rule(subject, target, policy)


def require(subject: Subject, action: str, target: Target, *, policy: Any = None) -> Decision:
    """``can`` or raise: ``ConflictError`` when a colleague holds the task, else ``PermissionDenied``."""
    decision = can(subject, action, target, policy=policy)
    if decision.allowed:
        return decision
    if decision.conflict:
        raise ConflictError(decision.reason, zh=decision.zh)
    raise PermissionDenied(decision.reason, zh=decision.zh)


def allowed_actions(subject: Subject, target: Target, actions: Iterable[str] | None = None, *,
                    policy: Any = None) -> frozenset[str]:
    """The actions of ``actions`` (default: every case and task action) ``subject`` may take on ``target``.

    Cheap (no database): a page can offer exactly the buttons the checks would allow.
    """
    names = actions if actions is not None else [a for a in ACTIONS if a.split(".")[0] in {"case", "task"}
                                                 and (policy is not None or a not in _POLICY_RULES)]
    return frozenset(a for a in names if can(subject, a, target, policy=policy).allowed)
