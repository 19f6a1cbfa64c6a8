"""Reviews 复盘 (R2.18, 003 第31条、第32条、第42条): the weekly leftover list, the monthly list of major,
collective and common-issue complaints, and the quarterly systemic-issue analysis.

*Lists.* The worker generates each subsidiary's list on the policy's schedule
(``complaint.schedules.leftover_review``: the complaints still open at the week's occurrence that
were received before it; ``complaint.schedules.major_review``: those of them whose severity makes the
``complaint.escalation.major_responsible`` responsible), and a manager may generate the current
period's list on demand: the same list, as it stood at the schedule's last occurrence. Each
complaint is kept as it stood then (number, project, received, severity, final cause, status,
responsible department, content). The reviewer the policy names (``complaint.escalation.
leftover_review_to`` / ``major_review_to``) of the subsidiary, or of the group, writes a note per
complaint and signs the list off once every complaint has one; a signed list is frozen (no note
changes) and every note and the sign-off are audited.

*Systemic analysis.* On ``complaint.schedules.systemic_analysis`` in the first month of each period
of ``complaint.reviews.systemic_every_months`` months, the worker counts the previous period's valid
complaints per responsible department and final cause (one ``GROUP BY`` over ``case_stats``) and
gives each department a task for its ``complaint.reviews.systemic_answer_role``: the optimisation
measures, due ``complaint.reviews.systemic_answer_within`` after (15 calendar days, 003 第42条). The
task shows in the holder's inbox and on the reviews page; an answer after the due time, or none by
it, is booked once in the penalty ledger (``complaint.reviews.systemic_late_fine``, kind
``systemic_late``) by the daily job on ``complaint.schedules.progress_entry``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from engine.clock import Clock
from engine.durations import parse_schedule
from engine.errors import ConflictError, FormError, NotFoundError
from engine.permissions import Target, can, require, subject_of
from engine.runtime.access import load_staff
from engine.store import CaseRecord, Store
from engine.store.review_repo import STATS, ReviewRepo
from engine.store.worker_repo import WorkerRepo

__all__ = ["KINDS", "LIST_KINDS", "Reviews", "book_late_answers", "case_policy_of", "make_list",
           "make_systemic", "select_cases"]

COMPLAINT = "complaint"
# kind -> (schedule key, reviewer key, Chinese name, English name)
KINDS: dict[str, tuple[str, str | None, str, str]] = {
    "leftover": ("complaint.schedules.leftover_review", "complaint.escalation.leftover_review_to",
                 "遗留投诉周复盘", "Weekly leftover review"),
    "major": ("complaint.schedules.major_review", "complaint.escalation.major_review_to",
              "重大/群体性/共性问题投诉月度复盘", "Monthly major-complaint review"),
    "systemic": ("complaint.schedules.systemic_analysis", None, "系统性问题季度分析",
                 "Quarterly systemic-issue analysis"),
}
LIST_KINDS = ("leftover", "major")
MAX_NOTE = 2000
MAX_ANSWER = 4000
LATE_KIND = "systemic_late"


def _form(field: str, en: str, zh: str) -> FormError:
    error = FormError(f"{field}: {en}", {field: en}, zh=zh)
    error.errors_zh = {field: zh}  # type: ignore[attr-defined]
    return error


def _text(field: str, value: str | None, limit: int, what_zh: str) -> str:
    """A required free text of at most ``limit`` characters, stripped; else the field's error."""
    text = (value or "").strip()
    if not text or "\x00" in text or len(text) > limit:
        raise _form(field, f"required, at most {limit} characters", f"请填写{what_zh}（不超过{limit}字）")
    return text


def _id(value: Any) -> int | None:
    """A row id from a path or form (None when it is not one: no overflow reaches the database)."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def case_policy_of(tx: Any, policies: Any) -> Callable[[CaseRecord], Any]:
    """The pinned policy of a case (its snapshot), else its unit's effective policy."""
    from engine.policy import EffectivePolicy

    cache: dict[str, Any] = {}

    def get(case: CaseRecord) -> Any:
        found = cache.get(case.policy_fingerprint)
        if found is None:
            snapshot = tx.policy_snapshot(case.policy_fingerprint)
            if snapshot is not None:
                found = EffectivePolicy.from_snapshot(snapshot, getattr(policies, "calendars_dir", None))
            else:
                for code in (case.project, case.subsidiary, None):
                    try:
                        found = policies.effective(code)
                        break
                    except NotFoundError:
                        continue
            cache[case.policy_fingerprint] = found
        return found

    return get


def select_cases(repo: WorkerRepo, kind: str, unit: str, occurrence: datetime,
                 case_policy: Callable[[CaseRecord], Any]) -> tuple[list[CaseRecord], dict[str, str]]:
    """The complaints of a list at ``occurrence`` and each one's severity (from its intake form)."""
    cases = [c for c in repo.cases_open_at(COMPLAINT, unit, occurrence) if c.opened_at < occurrence]
    severity: dict[str, str] = {}
    for ev in repo.case_events([c.id for c in cases], ["case.opened"], before=occurrence):
        form = ev.data.get("form", {}) if isinstance(ev.data, dict) else {}
        if ev.case_id and form.get("severity"):
            severity[ev.case_id] = str(form["severity"])
    if kind == "major":
        chosen = []
        for case in cases:
            policy = case_policy(case)
            chief = policy.get("complaint.escalation.major_responsible")
            levels = {s["code"] for s in policy.get("complaint.severity") if s.get("responsible") == chief}
            if severity.get(case.id) in levels:
                chosen.append(case)
        cases = chosen
    return cases, severity


def _items(tx: Any, cases: list[CaseRecord], severity: dict[str, str], policy: Any) -> list[dict[str, Any]]:
    """Each complaint as it stands: the list keeps this copy."""
    facts: dict[str, Any] = {}
    ids = [c.id for c in cases]
    for start in range(0, len(ids), 500):
        rows = tx.conn.execute(select(STATS.c.case_id, STATS.c.category, STATS.c.content)
                               .where(STATS.c.case_id.in_(ids[start:start + 500])))
        facts.update({r[0]: r for r in rows})
    names = {str(s["code"]): str(s["name"]) for s in policy.get("complaint.severity")}
    out = []
    for case in cases:
        fact = facts.get(case.id)
        content = (fact[2] if fact is not None else None) or ""
        code = severity.get(case.id)
        out.append({"case_id": case.id, "case_number": case.number, "data": {
            "project": case.project, "opened_at": case.opened_at.isoformat(),
            "severity": code, "severity_name": names.get(code or "", code),
            "category": (fact[1] if fact is not None else None) or case.category,
            "status": case.status, "responsible_department": case.responsible_department,
            "room": case.room, "content": content[:300]}})
    return out


def make_list(tx: Any, repo: WorkerRepo, kind: str, unit: str, period: str, occurrence: datetime, *,
              by: str, now: datetime, policy: Any, case_policy: Callable[[CaseRecord], Any],
              ) -> tuple[int | None, list[CaseRecord]]:
    """Generate the list of ``kind`` for ``unit`` and ``period`` (once); (its id or None, its complaints)."""
    cases, severity = select_cases(repo, kind, unit, occurrence, case_policy)
    role_key = KINDS[kind][1]
    review_id = ReviewRepo(tx).add(
        {"kind": kind, "unit": unit, "period": period, "occurrence_at": occurrence,
         "reviewer_role": str(policy.get(role_key)) if role_key else None, "generated_by": by,
         "generated_at": now, "status": "open", "signed_by": None, "signed_at": None,
         "summary": {"count": len(cases)}},
        _items(tx, cases, severity, policy))
    if review_id is not None:
        tx.append_audit(None, [{"actor": by, "action": "review.generated",
                                "data": {"review": review_id, "kind": kind, "unit": unit, "period": period,
                                         "cases": [c.number for c in cases]}}], now)
    return review_id, cases


def _quarter_of(local: datetime, every: int) -> tuple[str, datetime, datetime] | None:
    """For an occurrence in a period's first month: the previous period's label and local bounds."""
    if (local.month - 1) % every:
        return None
    end = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    months = end.year * 12 + end.month - 1 - every
    start = end.replace(year=months // 12, month=months % 12 + 1)
    index = (start.month - 1) // every + 1
    label = f"{start.year:04d}{'Q' if every == 3 else 'P'}{index}"
    return label, start, end


def make_systemic(ctx: Any) -> dict[str, Any]:
    """The worker's quarterly analysis for ``ctx.unit``: one task per responsible department."""
    every = max(1, int(ctx.policy.get("complaint.reviews.systemic_every_months")))
    found = _quarter_of(ctx.local(ctx.occurrence), every)
    if found is None:
        return {"skipped": "not the first month of a period"}
    label, start, end = found
    tx = ctx.repo.tx
    reviews = ReviewRepo(tx)
    rows = reviews.departments(ctx.unit, start.astimezone(UTC), end.astimezone(UTC))
    by_department: dict[str, dict[str, int]] = {}
    for row in rows:
        by_department.setdefault(row["department"], {})[row["category"] or "-"] = row["count"]
    review_id = reviews.add(
        {"kind": "systemic", "unit": ctx.unit, "period": label, "occurrence_at": ctx.occurrence,
         "reviewer_role": None, "generated_by": "worker", "generated_at": ctx.now, "status": "open",
         "signed_by": None, "signed_at": None,
         "summary": {"from": start.date().isoformat(), "to": (end - timedelta(days=1)).date().isoformat(),
                     "departments": {d: sum(c.values()) for d, c in by_department.items()}}}, [])
    if review_id is None:
        return {"exists": 1}
    role = str(ctx.policy.get("complaint.reviews.systemic_answer_role"))
    within = ctx.policy.duration("complaint.reviews.systemic_answer_within")
    due = within.apply(ctx.occurrence, ctx.calendar)
    fine = int(ctx.policy.get("complaint.reviews.systemic_late_fine"))
    departments = {str(d["code"]): str(d["name"]) for d in ctx.policy.get("departments")}
    categories = {str(c["code"]): str(c["name"]) for c in ctx.policy.get("complaint.categories")}
    unit_name = ctx.directory.units[ctx.unit].name if ctx.unit in ctx.directory.units else ctx.unit
    for department, counts in sorted(by_department.items()):
        people = ctx.directory.for_place(role, None, ctx.unit, department)
        group = _department_group(ctx, role, department)
        task_id = reviews.add_task({
            "review_id": review_id, "subsidiary": ctx.unit, "department": department,
            "candidate_group": group, "opened_at": ctx.occurrence, "due_at": due,
            "data": {"period": label, "count": sum(counts.values()), "categories": counts},
            "answer": None, "answered_by": None, "answered_at": None})
        words = "、".join(f"{categories.get(c, c)}{n}宗" for c, n in sorted(counts.items()))
        ctx.notifier.tell(people, "systemic_task", f"{review_id}:{department}", unit=unit_name, quarter=label,
                          department=departments.get(department, department), count=sum(counts.values()),
                          categories=words, due=ctx.text(due), fine=fine)
        tx.append_audit(None, [{"actor": "worker", "action": "review.task_opened",
                                "data": {"review": review_id, "task": task_id, "department": department,
                                         "due_at": due.isoformat(), "to": [p.login for p in people]}}],
                        ctx.now)
        ctx.count("tasks")
    return {"tasks": len(by_department), **ctx.counts}


def _department_group(ctx: Any, role: str, department: str) -> str:
    """``role@unit`` of the department of ``ctx.unit`` (the subsidiary itself when it has none)."""
    from engine.runtime.access import resolve_lane

    fields = {"project": None, "subsidiary": ctx.unit, "responsible_department": department}
    _, unit, _ = resolve_lane({"role": role, "scope": "responsible_department"}, fields,
                              lambda: ctx.directory.units)
    return f"{role}@{unit}"


def book_late_answers(ctx: Any) -> dict[str, Any]:
    """Daily: a systemic task answered after its due time, or not answered by it, is fined once."""
    reviews = ReviewRepo(ctx.repo.tx)
    fine = int(ctx.policy.get("complaint.reviews.systemic_late_fine"))
    for task in reviews.late_tasks(ctx.unit, ctx.occurrence):
        answered = task["answered_at"]
        if answered is not None and answered > ctx.occurrence:
            answered = None  # not answered yet as of this occurrence
        person = ctx.directory.person(task["answered_by"]) if answered is not None else None
        people = [person] if person is not None else ctx.directory.holders(task["candidate_group"])
        period = task["data"].get("period", "")
        due = ctx.text(task["due_at"])
        if answered is not None:
            text = f"{period}系统性问题优化措施时限{due}，{ctx.text(answered)}提出（逾期扣罚{fine}元）"
            text_en = (f"{period} systemic-issue measures due {due}, answered {ctx.text(answered)} "
                       f"({fine} yuan)")
        else:
            text = f"{period}系统性问题优化措施时限{due}，逾期未提出（扣罚{fine}元）"
            text_en = f"{period} systemic-issue measures due {due}, not answered ({fine} yuan)"
        for who in people:
            key = f"{LATE_KIND}:{task['id']}:{who.login}"
            new = ctx.repo.add_penalty(
                key=key, month=ctx.month, occurred_at=answered or ctx.occurrence, subsidiary=ctx.unit,
                staff=who.login, role="responsible", kind=LATE_KIND, amount=fine, bonus_percent_min=None,
                bonus_percent_max=None, case_id=None, case_number=None,
                detail={"task": task["id"], "review": task["review_id"], "department": task["department"],
                        "due_at": task["due_at"].isoformat(),
                        "answered_at": answered.isoformat() if answered else None,
                        "text": text, "text_en": text_en},
                created_at=ctx.now)
            if not new:
                continue
            from engine.worker.context import penalty_words  # engine.worker imports this module

            ctx.notifier.tell([who], "penalty", key, channels=["in_app"], case=f"{period}系统性问题分析",
                              reason=LATE_KIND, amount=fine, **penalty_words(fine, None), detail=text,
                              detail_en=text_en, month=ctx.month)
            ctx.count(LATE_KIND)
    return dict(ctx.counts)


class Reviews:
    """The review lists and systemic tasks for people: list, show, generate, note, sign, answer."""

    def __init__(self, store: Store, clock: Clock, policies: Any) -> None:
        self.store = store
        self.clock = clock
        self.policies = policies

    def policy(self, unit: str | None) -> Any:
        """The effective policy of a unit (the group's when the set does not know it)."""
        try:
            return self.policies.effective(unit)
        except NotFoundError:
            return self.policies.effective(None)

    def _subject(self, tx: Any, actor: str) -> Any:
        return subject_of(load_staff(tx, actor), tx.units)

    def _target(self, review: dict[str, Any]) -> Target:
        return Target("review", review["unit"], unit=review["unit"], unit_kind="subsidiary",
                      role=review["reviewer_role"])

    def _review(self, repo: ReviewRepo, review_id: Any, *, lock: bool = False) -> dict[str, Any]:
        number = _id(review_id)
        found = repo.review(number, lock=lock) if number is not None else None
        if found is None:
            raise NotFoundError(f"no review {review_id!r}", zh=f"没有编号为 {review_id} 的复盘清单")
        return found

    def _subsidiary(self, tx: Any, subject: Any, unit: str | None) -> str:
        units = tx.units()
        code = unit or subject.subsidiary
        found = units.get(code or "")
        if found is None or found.kind != "subsidiary":
            choices = ", ".join(sorted(c for c, u in units.items() if u.kind == "subsidiary"))
            raise NotFoundError(f"no subsidiary {code!r}; use one of {choices}",
                                zh=f"没有公司“{code or ''}”，请选择公司")
        return str(code)

    def listing(self, actor: str, *, kind: str | None = None, unit: str | None = None,
                ) -> list[dict[str, Any]]:
        """The lists the actor may read, newest first (a subsidiary's staff: their own subsidiary's)."""
        with self.store.read() as tx:
            subject = self._subject(tx, actor)
            code = unit or (None if subject.group_level else subject.subsidiary)
            if code is not None:
                code = self._subsidiary(tx, subject, code)
            rows = ReviewRepo(tx).reviews(kind=kind if kind in KINDS else None, unit=code, limit=200)
            out = []
            for row in rows:
                try:
                    require(subject, "review.read", self._target(row), policy=self.policy(row["unit"]))
                except Exception:  # noqa: BLE001 - a list outside the actor's scope is left out
                    continue
                out.append(row)
            return out

    def show(self, actor: str, review_id: Any) -> dict[str, Any]:
        """A list with its items (and a systemic analysis with its tasks)."""
        with self.store.read() as tx:
            repo = ReviewRepo(tx)
            review = self._review(repo, review_id)
            subject = self._subject(tx, actor)
            require(subject, "review.read", self._target(review), policy=self.policy(review["unit"]))
            return {**review, "items": repo.items(review["id"]), "tasks": repo.tasks(review_id=review["id"]),
                    "may_sign": review["reviewer_role"] in subject.roles and review["status"] == "open"}

    def generate(self, actor: str, kind: str, unit: str | None = None) -> dict[str, Any]:
        """The list of ``kind`` for the current period, generated now if the worker has not yet."""
        if kind not in LIST_KINDS:
            raise _form("kind", "leftover or major", "请选择复盘类型（遗留投诉周复盘或重大投诉月度复盘）")
        now = self.clock.now()
        with self.store.write() as tx:
            subject = self._subject(tx, actor)
            code = self._subsidiary(tx, subject, unit)
            policy = self.policy(code)
            role = str(policy.get(KINDS[kind][1] or ""))
            require(subject, "review.generate",
                    Target("review", code, unit=code, unit_kind="subsidiary", role=role), policy=policy)
            schedule = parse_schedule(str(policy.get(KINDS[kind][0])))
            period, occurrence = schedule.last_at_or_before(now, policy.calendar)
            repo = ReviewRepo(tx)
            existing = repo.find(kind, code, period)
            if existing is None:
                make_list(tx, WorkerRepo(tx), kind, code, period, occurrence.astimezone(UTC), by=actor,
                          now=now, policy=policy, case_policy=case_policy_of(tx, self.policies))
                existing = repo.find(kind, code, period)
            assert existing is not None
            return existing

    def note(self, actor: str, review_id: Any, item_id: Any, note: str) -> dict[str, Any]:
        """The reviewer's note on one complaint of an open list."""
        now = self.clock.now()
        text = _text("note", note, MAX_NOTE, "复盘意见")
        with self.store.write() as tx:
            repo = ReviewRepo(tx)
            review = self._review(repo, review_id, lock=True)
            subject = self._subject(tx, actor)
            require(subject, "review.sign", self._target(review), policy=self.policy(review["unit"]))
            if review["status"] != "open":
                raise ConflictError("the list is signed off and frozen", zh="该清单已签认，不能再修改")
            number = _id(item_id)
            item = repo.item(review["id"], number) if number is not None else None
            if item is None:
                raise NotFoundError(f"no item {item_id!r} in review {review['id']}", zh="清单中没有该投诉")
            repo.note(item["id"], text, actor, now)
            tx.append_audit(None, [{"actor": actor, "action": "review.noted",
                                    "data": {"review": review["id"], "case": item["case_number"],
                                             "note": text, "previous": item["note"]}}], now)
            found = repo.item(review["id"], item["id"])
            assert found is not None
            return found

    def sign(self, actor: str, review_id: Any) -> dict[str, Any]:
        """Sign the list off once every complaint has a note; the list is frozen from then on."""
        now = self.clock.now()
        with self.store.write() as tx:
            repo = ReviewRepo(tx)
            review = self._review(repo, review_id, lock=True)
            subject = self._subject(tx, actor)
            require(subject, "review.sign", self._target(review), policy=self.policy(review["unit"]))
            if review["status"] != "open":
                raise ConflictError("the list is signed off already", zh="该清单已签认")
            missing = repo.unnoted(review["id"])
            if missing:
                raise ConflictError(f"{missing} complaint(s) have no note yet: note each before signing off",
                                    zh=f"还有{missing}宗投诉未填写复盘意见，请逐项填写后再签认")
            repo.sign(review["id"], actor, now)
            notes = {i["case_number"]: i["note"] for i in repo.items(review["id"])}
            tx.append_audit(None, [{"actor": actor, "action": "review.signed",
                                    "data": {"review": review["id"], "kind": review["kind"],
                                             "unit": review["unit"], "period": review["period"],
                                             "notes": notes}}], now)
            return self._review(repo, review["id"])

    def my_tasks(self, actor: str, *, open_only: bool = True) -> list[dict[str, Any]]:
        """The systemic tasks of the actor's groups (the inbox shows the open ones)."""
        with self.store.read() as tx:
            subject = self._subject(tx, actor)
            return ReviewRepo(tx).tasks(groups=sorted(subject.groups), open_only=open_only)

    def _task(self, repo: ReviewRepo, task_id: Any) -> dict[str, Any]:
        number = _id(task_id)
        task = repo.task(number) if number is not None else None
        if task is None:
            raise NotFoundError(f"no systemic task {task_id!r}", zh=f"没有编号为 {task_id} 的整改任务")
        return task

    def task(self, actor: str, task_id: Any) -> dict[str, Any]:
        """A systemic task with its analysis, for its department (``review.answer``) or a reader of the
        analysis (``review.read``); ``may_answer`` when the actor answers it and it is open."""
        with self.store.read() as tx:
            repo = ReviewRepo(tx)
            task = self._task(repo, task_id)
            review = self._review(repo, task["review_id"])
            subject = self._subject(tx, actor)
            policy = self.policy(task["subsidiary"])
            target = Target("review_task", task["subsidiary"], candidate_group=task["candidate_group"])
            holder = can(subject, "review.answer", target, policy=policy).allowed
            if not holder:
                require(subject, "review.read", self._target(review), policy=policy)
            return {**task, "review": review, "may_answer": holder and task["answered_at"] is None}

    def answer(self, actor: str, task_id: Any, answer: str) -> dict[str, Any]:
        """A department's optimisation measures for its systemic task (once; late ones are fined)."""
        now = self.clock.now()
        text = _text("answer", answer, MAX_ANSWER, "优化措施及整改方案")
        with self.store.write() as tx:
            repo = ReviewRepo(tx)
            task = self._task(repo, task_id)
            subject = self._subject(tx, actor)
            require(subject, "review.answer",
                    Target("review_task", task["subsidiary"], candidate_group=task["candidate_group"]),
                    policy=self.policy(task["subsidiary"]))
            if not repo.answer(task["id"], text, actor, now):
                raise ConflictError("the task is answered already", zh="该整改任务已提交")
            tx.append_audit(None, [{"actor": actor, "action": "review.answered",
                                    "data": {"task": task["id"], "review": task["review_id"],
                                             "department": task["department"],
                                             "late": now > task["due_at"]}}],
                            now)
            found = repo.task(task["id"])
            assert found is not None
            return found


def kind_names(kinds: Iterable[str] = KINDS) -> dict[str, str]:
    """Chinese names of the kinds."""
    return {k: KINDS[k][2] for k in kinds}
