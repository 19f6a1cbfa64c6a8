"""Survey campaigns 回访调查 (R6.3, 001 篇3 三、3–5): quarterly opinion visits and half-yearly
satisfaction surveys of a project's households, and their coverage against the policy's target.

A campaign is opened for a project, a kind and the period that contains a day: ``opinion`` every
``return_visit.opinion_every_months`` (3: quarters from January), ``survey`` every
``return_visit.survey_every_months`` (6: halves). It must reach the project's households as they
stood when it opened, ``opinion_coverage_percent`` or ``survey_coverage_percent`` of them (98 % in the
group, 99 % where hn-region's overlay raises it); the target is kept with the campaign.

A household's visit is either a *signed survey* (the owner's signed form, uploaded) or a *phone
record* signed by ``return_visit.phone_record_signers`` staff: whoever records it and a second
colleague. With ``return_visit.survey_signed`` a satisfaction survey must be the signed form.
Coverage = households reached / households to reach, two ``COUNT``s; the households still to reach
are one anti-join (``engine.store.campaign_repo``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from engine.clock import Clock
from engine.errors import ConflictError, FormError, NotFoundError
from engine.permissions import Target, require, subject_of
from engine.runtime.access import load_staff
from engine.store import Store
from engine.store.campaign_repo import CampaignRecord, CampaignRepo

__all__ = ["KINDS", "METHODS", "Campaigns", "Progress", "open_in", "period_of"]

KINDS = ("opinion", "survey")
KIND_ZH = {"opinion": "意见征询回访", "survey": "满意度调查"}
METHODS = ("signed_survey", "phone")
METHOD_ZH = {"signed_survey": "业主签字问卷", "phone": "电话回访（两人签字）"}
MAX_RECORD = 4000
MAX_FILE = 10 * 1024 * 1024
FILE_KINDS = {b"%PDF": ".pdf", b"\x89PNG": ".png", b"\xff\xd8\xff": ".jpg"}


def _form(message: str, field: str, en: str, zh: str) -> FormError:
    error = FormError(message, {field: en}, zh=zh)
    error.errors_zh = {field: zh}  # type: ignore[attr-defined]
    return error


def period_of(day: date, every_months: int) -> tuple[date, date]:
    """The first and last day of the period of ``every_months`` months (from January) containing ``day``."""
    first_month = (day.month - 1) // every_months * every_months + 1
    last_month = first_month + every_months - 1
    return (
        date(day.year, first_month, 1),
        date(day.year, last_month, calendar.monthrange(day.year, last_month)[1]),
    )


def open_in(tx: Any, project: str, subsidiary: str | None, kind: str, policy: Any, starts: date, ends: date,
            actor: str, now: Any, *, once: bool = False) -> CampaignRecord | None:
    """Open the campaign inside ``tx`` (unchecked: the caller asked ``campaign.open``, or is the worker):
    the policy's target kept with it, its households copied, audited. With ``once`` (the worker) None
    when the period's campaign was opened meanwhile."""
    repo = CampaignRepo(tx)
    target = int(policy.get(f"return_visit.{kind}_coverage_percent"))
    campaign_id = repo.open(project=project, subsidiary=subsidiary, kind=kind, starts_on=starts, ends_on=ends,
                            target_percent=target, opened_by=actor, opened_at=now, once=once)
    if campaign_id is None:
        return None
    tx.append_audit(None, [{"actor": actor, "action": "campaign.opened", "data": {
        "campaign": campaign_id, "project": project, "kind": kind, "from": starts.isoformat(),
        "to": ends.isoformat(), "target_percent": target}}], now)
    found = repo.campaign(campaign_id)
    assert found is not None
    return found


@dataclass(frozen=True)
class Progress:
    """A campaign's coverage: households to reach, reached, the rate and the target."""

    campaign: CampaignRecord
    households: int
    reached: int
    by_method: dict[str, int]
    satisfaction: dict[str, int]
    remaining: list[dict[str, str]]

    @property
    def coverage(self) -> float | None:
        """Reached / to reach (None for a project without households)."""
        return self.reached / self.households if self.households else None

    @property
    def needed(self) -> int:
        """Households still to reach to meet the target: ceil(target % × households) − reached."""
        return max(0, -(-self.campaign.target_percent * self.households // 100) - self.reached)

    @property
    def met(self) -> bool:
        """The target is reached."""
        return self.households > 0 and self.needed == 0

    def as_dict(self) -> dict[str, Any]:
        """JSON figures."""
        c = self.campaign
        return {
            "id": c.id,
            "project": c.project,
            "kind": c.kind,
            "starts_on": c.starts_on.isoformat(),
            "ends_on": c.ends_on.isoformat(),
            "target_percent": c.target_percent,
            "households": self.households,
            "reached": self.reached,
            "coverage": None if self.coverage is None else round(self.coverage, 4),
            "needed": self.needed,
            "met": self.met,
            "by_method": self.by_method,
            "satisfaction": self.satisfaction,
            "remaining": self.remaining,
        }


class Campaigns:
    """Open campaigns, record visits and read progress, on a store, a clock and the policy set."""

    def __init__(self, store: Store, clock: Clock, policies: Any, data_dir: Path) -> None:
        self.store = store
        self.clock = clock
        self.policies = policies
        self.data_dir = Path(data_dir)

    def policy(self, project: str, subsidiary: str | None) -> Any:
        """The effective policy of the project (its subsidiary's, or the group's, when it has no file)."""
        for code in (project, subsidiary, None):
            try:
                return self.policies.effective(code)
            except NotFoundError:
                continue
        raise AssertionError("the group policy always exists")

    def _project(self, tx: Any, project: str) -> tuple[str, str | None]:
        units = tx.units()
        found = units.get(project)
        if found is None or found.kind != "project":
            choices = ", ".join(sorted(c for c, u in units.items() if u.kind == "project"))
            raise NotFoundError(f"no project {project!r}; use one of {choices}", zh=f"没有项目“{project}”")
        return project, found.parent

    def _require(self, tx: Any, actor: str, action: str, project: str, subsidiary: str | None) -> None:
        subject = subject_of(load_staff(tx, actor), tx.units)
        require(
            subject, action, Target("household", subsidiary, project), policy=self.policy(project, subsidiary)
        )

    def open(self, actor: str, project: str, kind: str, day: Any = None) -> CampaignRecord:
        """Open the project's campaign of ``kind`` for the period containing ``day`` (default today)."""
        if kind not in KINDS:
            raise _form(
                f"kind {kind!r}: use opinion or survey", "kind", "opinion or survey", "请选择回访类型"
            )
        now = self.clock.now()
        with self.store.write() as tx:
            project, subsidiary = self._project(tx, project)
            self._require(tx, actor, "campaign.open", project, subsidiary)
            policy = self.policy(project, subsidiary)
            try:
                when = (
                    policy.calendar.localize(now).date()
                    if day in (None, "")
                    else (day if isinstance(day, date) else date.fromisoformat(str(day)))
                )
            except ValueError:
                raise _form(
                    f"day {day!r}: use YYYY-MM-DD", "day", "YYYY-MM-DD", "日期格式为 YYYY-MM-DD"
                ) from None
            every = int(policy.get(f"return_visit.{kind}_every_months"))
            starts, ends = period_of(when, every)
            repo = CampaignRepo(tx)
            if repo.find(project, kind, starts) is not None:
                raise ConflictError(
                    f"the {kind} campaign of {project} for {starts}–{ends} is open already",
                    zh=f"该项目{starts}至{ends}的{KIND_ZH[kind]}已开启",
                )
            opened = open_in(tx, project, subsidiary, kind, policy, starts, ends, actor, now)
            assert opened is not None
            return opened

    def _campaign(self, repo: CampaignRepo, campaign_id: Any) -> CampaignRecord:
        try:
            found = repo.campaign(int(campaign_id))
        except (TypeError, ValueError):
            found = None
        if found is None:
            raise NotFoundError(f"no campaign {campaign_id!r}", zh=f"没有编号为 {campaign_id} 的回访调查")
        return found

    def record(
        self,
        actor: str,
        campaign_id: Any,
        *,
        household: str,
        method: str,
        record: str,
        satisfaction: str | None = None,
        second_signer: str | None = None,
        day: Any = None,
        signed_form: bytes | None = None,
    ) -> dict[str, Any]:
        """Record one household's visit (``campaign.visit``); the signed form is kept under the data dir."""
        now = self.clock.now()
        with self.store.write() as tx:
            repo = CampaignRepo(tx)
            campaign = self._campaign(repo, campaign_id)
            self._require(tx, actor, "campaign.visit", campaign.project, campaign.subsidiary)
            policy = self.policy(campaign.project, campaign.subsidiary)
            errors: dict[str, str] = {}
            errors_zh: dict[str, str] = {}

            def bad(field: str, en: str, zh: str) -> None:
                errors[field], errors_zh[field] = en, zh

            household = (household or "").strip()
            if not repo.is_target(campaign.id, household):
                bad("household", "not a household of this campaign", "不是本次回访范围内的住户")
            elif repo.visit(campaign.id, household) is not None:
                raise ConflictError(f"household {household} was reached already", zh="该住户已回访")
            if method not in METHODS:
                bad("method", "signed_survey or phone", "请选择回访方式")
            signed = bool(policy.get("return_visit.survey_signed"))
            if campaign.kind == "survey" and signed and method == "phone":
                bad(
                    "method",
                    "a satisfaction survey is signed by the owner (return_visit.survey_signed)",
                    "满意度调查须业主签字，请上传签字问卷",
                )
            signers = int(policy.get("return_visit.phone_record_signers"))
            second = (second_signer or "").strip() or None
            if method == "phone" and signers >= 2:
                other = tx.staff(second) if second else None
                if other is None or not other.active or second == actor:
                    bad(
                        "second_signer",
                        "a second staff member signs the phone record",
                        f"电话回访记录须{signers}人签字：请填写另一位同事的登录名",
                    )
            if method == "signed_survey":
                kind = next(
                    (ext for magic, ext in FILE_KINDS.items() if (signed_form or b"").startswith(magic)), None
                )
                if not signed_form or kind is None or len(signed_form) > MAX_FILE:
                    bad(
                        "signed_form",
                        "the signed form as PDF, PNG or JPEG up to 10 MB",
                        "请上传业主签字的问卷（PDF、PNG 或 JPEG，10 MB 以内）",
                    )
            scale = [str(s["code"]) for s in policy.get("satisfaction.scale")]
            if campaign.kind == "survey" and satisfaction not in scale:
                bad("satisfaction", f"one of {', '.join(scale)}", "请选择满意度")
            elif satisfaction not in (None, "") and satisfaction not in scale:
                bad("satisfaction", f"one of {', '.join(scale)}", "请选择满意度")
            record = (record or "").strip()
            if not record or "\x00" in record or len(record) > MAX_RECORD:
                bad(
                    "record",
                    f"required: the owner's answers (at most {MAX_RECORD} characters)",
                    "请填写回访记录（业主意见）",
                )
            try:
                visited = (
                    policy.calendar.localize(now).date()
                    if day in (None, "")
                    else (day if isinstance(day, date) else date.fromisoformat(str(day)))
                )
                if not campaign.starts_on <= visited <= campaign.ends_on:
                    bad(
                        "day",
                        f"within {campaign.starts_on} – {campaign.ends_on}",
                        f"回访日期须在{campaign.starts_on}至{campaign.ends_on}之间",
                    )
            except ValueError:
                bad("day", "YYYY-MM-DD", "日期格式为 YYYY-MM-DD")
                visited = campaign.starts_on
            if errors:
                error = FormError("the visit record is invalid", errors, zh="回访记录填写有误")
                error.errors_zh = errors_zh  # type: ignore[attr-defined]
                raise error
            path = None
            if method == "signed_survey" and signed_form:
                ext = next(ext for magic, ext in FILE_KINDS.items() if signed_form.startswith(magic))
                folder = self.data_dir / "campaigns" / str(campaign.id)
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / f"{household}{ext}"
                target.write_bytes(signed_form)
                path = str(target.relative_to(self.data_dir))
            repo.add_visit(
                campaign_id=campaign.id,
                household=household,
                method=method,
                satisfaction=satisfaction or None,
                record=record,
                file=path,
                recorded_by=actor,
                second_signer=second if method == "phone" else None,
                visited_on=visited,
                recorded_at=now,
            )
            tx.append_audit(
                None,
                [
                    {
                        "actor": actor,
                        "action": "campaign.visited",
                        "data": {
                            "campaign": campaign.id,
                            "household": household,
                            "method": method,
                            "second_signer": second if method == "phone" else None,
                        },
                    }
                ],
                now,
            )
            found = repo.visit(campaign.id, household)
            assert found is not None
            return found

    def progress(self, actor: str | None, campaign_id: Any) -> Progress:
        """The campaign's coverage, live (``campaign.read``)."""
        with self.store.read() as tx:
            repo = CampaignRepo(tx)
            campaign = self._campaign(repo, campaign_id)
            if actor is not None:
                self._require(tx, actor, "campaign.read", campaign.project, campaign.subsidiary)
            households, reached = repo.counts(campaign.id)
            return Progress(
                campaign,
                households,
                reached,
                repo.by_method(campaign.id),
                repo.satisfaction(campaign.id),
                repo.remaining(campaign.id),
            )

    def visits(self, actor: str, campaign_id: Any) -> list[dict[str, Any]]:
        """Every visit of a campaign with its household's room."""
        with self.store.read() as tx:
            repo = CampaignRepo(tx)
            campaign = self._campaign(repo, campaign_id)
            self._require(tx, actor, "campaign.read", campaign.project, campaign.subsidiary)
            return repo.visits(campaign.id)

    def listing(self, actor: str) -> list[Progress]:
        """The campaigns of the projects ``actor`` covers, newest first, with their progress."""
        with self.store.read() as tx:
            subject = subject_of(load_staff(tx, actor), tx.units)
            repo = CampaignRepo(tx)
            found = repo.campaigns(
                subsidiary=None if subject.group_level else subject.subsidiary, project=subject.project
            )
            out = []
            for c in found:
                households, reached = repo.counts(c.id)
                out.append(
                    Progress(c, households, reached, repo.by_method(c.id), repo.satisfaction(c.id), [])
                )
            return out
