"""The worker's survey campaigns (R6.3): each period's opinion visit and satisfaction survey opened for
the projects with households, and a period that ends below its target (98 % in the group, 99 % in
hn-region) raised once to ``return_visit.coverage_alert_to`` — the same figures whether the worker runs on
time, twice, or a week late, over the year end (a holiday: the e-mail waits, the in-app notice does not)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine.campaigns import Campaigns, open_in
from engine.store.campaign_repo import CampaignRepo
from engine.store.visitor_repo import VisitorRepo
from engine.store.worker_repo import WorkerRepo
from tests.engine.worker.conftest import make_worker
from tests.scenarios.conftest import Desk


def _households(desk: Desk) -> None:
    with desk.runtime.store.write() as tx:
        repo = VisitorRepo(tx)
        for project, prefix in (("sz-property-lyc", "lyc"), ("hn-region-bhw", "bhw")):
            for n in range(100):
                repo.upsert_household(f"{prefix}-{n:03d}", project, f"9栋{n:03d}", f"业主{n}")


def _campaigns(desk: Desk) -> dict[tuple[str, str, date], int]:
    with desk.runtime.store.read() as tx:
        found = CampaignRepo(tx).campaigns()
    return {(c.project, c.kind, c.starts_on): c.id for c in found}


def _phone(book: Campaigns, campaign: int, household: str, day: str | None = None) -> None:
    book.record("wang.fang" if household.startswith("lyc") else "fan.ming", campaign, household=household,
                method="phone", record="业主反映电梯噪音", day=day,
                second_signer="zhang.wei" if household.startswith("lyc") else "tian.tian")


@pytest.mark.parametrize("on_time", [True, False], ids=["on-time", "a-week-late"])
def test_periods_are_opened_and_a_shortfall_is_raised_once_however_late(
        sqlite_desk: Desk, tmp_path: Path, on_time: bool) -> None:
    desk = sqlite_desk
    _households(desk)
    worker = make_worker(desk, tmp_path)
    desk.at("2026-11-23 10:00")
    worker.run_once()
    report = worker.run_once()  # twice: nothing more
    opened = _campaigns(desk)
    assert sorted(opened) == [
        ("hn-region-bhw", "opinion", date(2026, 10, 1)), ("hn-region-bhw", "survey", date(2026, 7, 1)),
        ("sz-property-lyc", "opinion", date(2026, 10, 1)), ("sz-property-lyc", "survey", date(2026, 7, 1))]
    assert report.campaigns == {}
    book = Campaigns(desk.runtime.store, desk.clock, desk.runtime.policies, tmp_path)
    lyc, bhw = opened[("sz-property-lyc", "opinion", date(2026, 10, 1))], opened[
        ("hn-region-bhw", "opinion", date(2026, 10, 1))]
    with desk.runtime.store.read() as tx:
        targets = {c.id: c.target_percent for c in CampaignRepo(tx).campaigns()}
    assert (targets[lyc], targets[bhw]) == (98, 99)
    for n in range(98):  # 98 of 100: the group's 98 % met, hn-region's 99 % not
        _phone(book, lyc, f"lyc-{n:03d}")
        _phone(book, bhw, f"bhw-{n:03d}")
    if on_time:
        desk.at("2027-01-01 00:05")  # New Year's Day: a holiday
        worker.run_once()
    # a visit of the 31st entered on the 3rd, after the period: it does not lift the ended figure
    desk.at("2027-01-03 10:00")
    _phone(book, bhw, "bhw-098", day="2026-12-31")
    desk.at("2027-01-08 09:00")
    worker.run_once()
    worker.run_once()
    with worker.store.read() as tx:
        repo = WorkerRepo(tx)
        closed = {a["data"]["campaign"]: a["data"] for a in repo.alerts("campaign_closed")}
        short = repo.alerts("campaign_coverage")
        gm_sz = [n for n in repo.notifications("lin.lihua") if n.kind == "campaign_coverage"]
        gm_hn = [n for n in repo.notifications("han.xue") if n.kind == "campaign_coverage"]
    assert sorted(closed) == sorted(opened.values())  # every ended campaign checked, once
    assert closed[lyc] | {"campaign": 0} == {
        "campaign": 0, "project": "sz-property-lyc", "kind": "opinion", "from": "2026-10-01",
        "to": "2026-12-31", "households": 100, "reached": 98, "target_percent": 98, "needed": 0, "met": True}
    assert (closed[bhw]["reached"], closed[bhw]["needed"], closed[bhw]["met"]) == (98, 1, False)
    surveys = {opened[("sz-property-lyc", "survey", date(2026, 7, 1))],
               opened[("hn-region-bhw", "survey", date(2026, 7, 1))]}
    assert sorted(a["data"]["campaign"] for a in short) == sorted({bhw} | surveys)
    assert {a["data"]["to"] for a in short} == {"cs_centre_gm"}
    assert len(gm_sz) == 1 and len(gm_hn) == 2  # the GM nearest each project, once per campaign
    assert "丽雅苑" in gm_sz[0].title
    bhw_notice = next(n for n in gm_hn if "意见征询" in n.title)
    assert all(part in bhw_notice.body for part in ("回访98户/应回访100户", "覆盖率98.0%", "99%", "尚差1户"))
    # the new periods (2027 Q1, H1) were opened on the first sweep after the year end
    assert sorted(k for k in _campaigns(desk) if k[2].year == 2027) == [
        ("hn-region-bhw", "opinion", date(2027, 1, 1)), ("hn-region-bhw", "survey", date(2027, 1, 1)),
        ("sz-property-lyc", "opinion", date(2027, 1, 1)), ("sz-property-lyc", "survey", date(2027, 1, 1))]


def test_a_campaign_opened_by_hand_is_kept_and_projects_without_households_get_none(
        desk: Desk, tmp_path: Path) -> None:
    """On both backends; a second worker opening the same period writes nothing (ON CONFLICT DO NOTHING)."""
    _households(desk)
    book = Campaigns(desk.runtime.store, desk.clock, desk.runtime.policies, tmp_path)
    mine = book.open("he.jing", "sz-property-lyc", "opinion")
    make_worker(desk, tmp_path).run_once()
    found = _campaigns(desk)
    assert found[("sz-property-lyc", "opinion", date(2026, 10, 1))] == mine.id
    assert {k[0] for k in found} == {"sz-property-lyc", "hn-region-bhw"}
    with desk.runtime.store.read() as tx:
        by = {c.id: c.opened_by for c in CampaignRepo(tx).campaigns()}
    assert by[mine.id] == "he.jing" and sorted(set(by.values())) == ["he.jing", "system"]
    second = make_worker(desk, tmp_path).run_once()  # another worker: nothing more, no failure
    assert second.campaigns == {} and not second.failures and len(_campaigns(desk)) == 4
    policy = book.policy("sz-property-lyc", "sz-property")
    with desk.runtime.store.write() as tx:  # the race itself: the period's row exists, the insert is a no-op
        assert open_in(tx, "sz-property-lyc", "sz-property", "opinion", policy, date(2026, 10, 1),
                       date(2026, 12, 31), "system", desk.clock.now(), once=True) is None
    assert len(_campaigns(desk)) == 4
