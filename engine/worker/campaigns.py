"""Survey campaigns on the worker (R6.3): open each period's campaigns, check each ended one once.

Every sweep, for each project of the subsidiary whose policy says ``return_visit.campaigns_by_worker``:
the quarterly opinion visit and the half-yearly satisfaction survey of the period containing today (the
project's calendar) are opened unless someone opened them already; a project without households has
none. A period missed entirely by the worker gets no campaign (there was no one to reach then).

A campaign whose period has ended is checked once: its coverage counts the visits *recorded* before the
period's end (midnight after ``ends_on`` in the project's zone), so a worker running twice, late or a
week after the end judges the same figures. The check is written as an alert ``campaign_closed:<id>``
(kept for both outcomes, the anti-join that finds the unchecked ones); a campaign below its target also
raises ``campaign_coverage:<id>`` and tells ``return_visit.coverage_alert_to`` nearest the project (the
project's own holder, else the subsidiary's, else the group's), in the app and by e-mail.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from engine.campaigns import KIND_ZH, KINDS, open_in, period_of
from engine.store.campaign_repo import CampaignRecord, CampaignRepo
from engine.worker.context import RunContext

__all__ = ["CHECKED", "campaign_check"]

CHECKED = "campaign_closed:"
KIND_EN = {"opinion": "opinion visit", "survey": "satisfaction survey"}


def _needed(target: int, households: int, reached: int) -> int:
    return max(0, -(-target * households // 100) - reached)


def campaign_check(ctx: RunContext, policy_of: Callable[[str, str], Any]) -> dict[str, int]:
    """Open the periods' campaigns of the subsidiary's projects and check the ended ones."""
    repo = CampaignRepo(ctx.repo.tx)
    units = ctx.directory.units
    projects = sorted(c for c, u in units.items() if u.kind == "project" and u.parent == ctx.unit)
    for project in projects:
        policy = policy_of(project, ctx.unit)
        if not policy.get("return_visit.campaigns_by_worker") or not repo.household_count(project):
            continue
        today = policy.calendar.localize(ctx.now).date()
        for kind in KINDS:
            starts, ends = period_of(today, int(policy.get(f"return_visit.{kind}_every_months")))
            if repo.find(project, kind, starts) is not None:
                continue
            # another worker opening it first is no failure: the insert does nothing (ON CONFLICT)
            if open_in(ctx.repo.tx, project, ctx.unit, kind, policy, starts, ends, "system", ctx.now,
                       once=True) is None:
                continue
            ctx.count("opened")
    today = ctx.policy.calendar.localize(ctx.now).date()
    for campaign in repo.ended_unchecked(ctx.unit, today + timedelta(days=1), CHECKED):
        _check(ctx, repo, campaign, policy_of(campaign.project, ctx.unit))
    return dict(ctx.counts)


def _check(ctx: RunContext, repo: CampaignRepo, campaign: CampaignRecord, policy: Any) -> None:
    zone = policy.calendar.tz
    end = datetime.combine(campaign.ends_on + timedelta(days=1), time(0), tzinfo=zone)
    if ctx.now < end:
        return  # ended in the subsidiary's zone, not yet in the project's
    households = repo.counts(campaign.id)[0]
    reached = repo.reached_before(campaign.id, end)
    needed = _needed(campaign.target_percent, households, reached)
    met = households > 0 and needed == 0
    figures = {"campaign": campaign.id, "project": campaign.project, "kind": campaign.kind,
               "from": campaign.starts_on.isoformat(), "to": campaign.ends_on.isoformat(),
               "households": households, "reached": reached, "target_percent": campaign.target_percent,
               "needed": needed, "met": met}
    if not ctx.repo.add_alert(key=f"{CHECKED}{campaign.id}", kind="campaign_closed", unit=campaign.project,
                              case_id=None, at=ctx.now, data=figures):
        return
    ctx.count("checked")
    if met:
        return
    role = str(policy.get("return_visit.coverage_alert_to"))
    if not ctx.repo.add_alert(key=f"campaign_coverage:{campaign.id}", kind="campaign_coverage",
                              unit=campaign.project, case_id=None, at=ctx.now, data={**figures, "to": role}):
        return
    units = ctx.directory.units
    group = ctx.directory.group_unit()
    people = ctx.directory.nearest(role, campaign.project, ctx.unit, group)
    name = units[campaign.project].name if campaign.project in units else campaign.project
    coverage = f"{reached / households:.1%}" if households else "—"
    ctx.notifier.tell(people, "campaign_coverage", f"campaign:{campaign.id}", unit=name,
                      campaign=KIND_ZH[campaign.kind], campaign_en=KIND_EN[campaign.kind],
                      start=campaign.starts_on.isoformat(), end=campaign.ends_on.isoformat(), reached=reached,
                      households=households, coverage=coverage, target=f"{campaign.target_percent}%",
                      needed=needed)
    ctx.count("below_target")
