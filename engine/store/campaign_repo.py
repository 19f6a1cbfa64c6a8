"""``CampaignRepo``: what the survey campaigns (R6.3) read and write inside one store transaction.

Coverage and the households still to reach are ``COUNT`` and anti-join statements over
``campaign_households`` and ``campaign_visits`` (indexed by campaign), never a loop over households.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, Table, and_, func, insert, literal, select

from engine.store.campaign_models import Campaign, CampaignHousehold, CampaignVisit
from engine.store.repo import Tx
from engine.store.visitor_models import Household
from engine.store.worker_models import Alert

__all__ = ["CampaignRecord", "CampaignRepo"]

CAMPAIGNS: Table = Campaign.__table__  # type: ignore[assignment]
TARGETS: Table = CampaignHousehold.__table__  # type: ignore[assignment]
VISITS: Table = CampaignVisit.__table__  # type: ignore[assignment]
HOUSEHOLDS: Table = Household.__table__  # type: ignore[assignment]
ALERTS: Table = Alert.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class CampaignRecord:
    """A campaign as stored."""

    id: int
    project: str
    subsidiary: str | None
    kind: str
    starts_on: date
    ends_on: date
    target_percent: int
    opened_by: str
    opened_at: datetime


def _campaign(row: object) -> CampaignRecord:
    return CampaignRecord(**{c.key: getattr(row, c.key) for c in CAMPAIGNS.columns})


class CampaignRepo:
    """Campaigns, their households and visits on an open ``Tx``."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.conn = tx.conn

    def find(self, project: str, kind: str, starts_on: date) -> CampaignRecord | None:
        """The campaign of a project, kind and period, or None."""
        row = self.conn.execute(
            select(CAMPAIGNS).where(
                CAMPAIGNS.c.project == project, CAMPAIGNS.c.kind == kind, CAMPAIGNS.c.starts_on == starts_on
            )
        ).first()
        return _campaign(row) if row is not None else None

    def open(self, *, once: bool = False, **values: Any) -> int | None:
        """Insert a campaign and copy its project's households as its targets; returns its id. With
        ``once`` a campaign of the same project, kind and period opened meanwhile (another worker) is
        no error: nothing is written and the answer is None (``ON CONFLICT DO NOTHING``)."""
        insert_ = self.tx._insert(CAMPAIGNS).values(**values)
        if once:
            insert_ = insert_.on_conflict_do_nothing(index_elements=["project", "kind", "starts_on"])
        found = self.conn.execute(insert_.returning(CAMPAIGNS.c.id)).scalar()
        if found is None:
            return None
        campaign_id = int(found)
        chosen = select(literal(campaign_id), HOUSEHOLDS.c.code).where(
            HOUSEHOLDS.c.project == values["project"]
        )
        self.conn.execute(insert(TARGETS).from_select(["campaign_id", "household"], chosen))
        return campaign_id

    def campaign(self, campaign_id: int) -> CampaignRecord | None:
        """The campaign with this id, or None."""
        row = self.conn.execute(select(CAMPAIGNS).where(CAMPAIGNS.c.id == campaign_id)).first()
        return _campaign(row) if row is not None else None

    def campaigns(self, *, subsidiary: str | None = None, project: str | None = None) -> list[CampaignRecord]:
        """Campaigns, newest period first."""
        query = select(CAMPAIGNS).order_by(
            CAMPAIGNS.c.starts_on.desc(), CAMPAIGNS.c.project, CAMPAIGNS.c.kind
        )
        if subsidiary is not None:
            query = query.where(CAMPAIGNS.c.subsidiary == subsidiary)
        if project is not None:
            query = query.where(CAMPAIGNS.c.project == project)
        return [_campaign(r) for r in self.conn.execute(query)]

    def counts(self, campaign_id: int) -> tuple[int, int]:
        """(households to reach, households reached)."""
        targets = self.conn.execute(
            select(func.count()).select_from(TARGETS).where(TARGETS.c.campaign_id == campaign_id)
        ).scalar_one()
        reached = self.conn.execute(
            select(func.count()).select_from(VISITS).where(VISITS.c.campaign_id == campaign_id)
        ).scalar_one()
        return int(targets), int(reached)

    def by_method(self, campaign_id: int) -> dict[str, int]:
        """Visits per method."""
        rows = self.conn.execute(
            select(VISITS.c.method, func.count())
            .where(VISITS.c.campaign_id == campaign_id)
            .group_by(VISITS.c.method)
        )
        return {str(r[0]): int(r[1]) for r in rows}

    def satisfaction(self, campaign_id: int) -> dict[str, int]:
        """Visits per satisfaction answer."""
        rows = self.conn.execute(
            select(VISITS.c.satisfaction, func.count())
            .where(VISITS.c.campaign_id == campaign_id, VISITS.c.satisfaction.is_not(None))
            .group_by(VISITS.c.satisfaction)
        )
        return {str(r[0]): int(r[1]) for r in rows}

    def remaining(self, campaign_id: int) -> list[dict[str, str]]:
        """The households not reached yet (code, room, owner), by room."""
        query = (
            select(HOUSEHOLDS.c.code, HOUSEHOLDS.c.room, HOUSEHOLDS.c.owner_name)
            .select_from(
                TARGETS.join(HOUSEHOLDS, HOUSEHOLDS.c.code == TARGETS.c.household).outerjoin(
                    VISITS,
                    and_(
                        VISITS.c.campaign_id == TARGETS.c.campaign_id,
                        VISITS.c.household == TARGETS.c.household,
                    ),
                )
            )
            .where(TARGETS.c.campaign_id == campaign_id, VISITS.c.id.is_(None))
            .order_by(HOUSEHOLDS.c.room)
        )
        return [{"code": r[0], "room": r[1], "owner_name": r[2]} for r in self.conn.execute(query)]

    def is_target(self, campaign_id: int, household: str) -> bool:
        """Whether the campaign must reach this household."""
        return (
            self.conn.execute(
                select(TARGETS.c.household).where(
                    TARGETS.c.campaign_id == campaign_id, TARGETS.c.household == household
                )
            ).first()
            is not None
        )

    def visit(self, campaign_id: int, household: str) -> dict[str, Any] | None:
        """The household's visit, or None."""
        row = self.conn.execute(
            select(VISITS).where(VISITS.c.campaign_id == campaign_id, VISITS.c.household == household)
        ).first()
        return dict(row._mapping) if row is not None else None

    def add_visit(self, **values: Any) -> None:
        """Record a household's visit."""
        self.conn.execute(insert(VISITS).values(**values))

    def visits(self, campaign_id: int) -> list[dict[str, Any]]:
        """Every visit with the household's room, by room."""
        query = (
            select(VISITS, HOUSEHOLDS.c.room, HOUSEHOLDS.c.owner_name)
            .join(HOUSEHOLDS, HOUSEHOLDS.c.code == VISITS.c.household)
            .where(VISITS.c.campaign_id == campaign_id)
            .order_by(HOUSEHOLDS.c.room)
        )
        return [dict(r._mapping) for r in self.conn.execute(query)]

    # -- what the worker reads (R6.3) ----------------------------------------------------------------
    def household_count(self, project: str) -> int:
        """How many households the project has now."""
        return int(self.conn.execute(
            select(func.count()).select_from(HOUSEHOLDS).where(HOUSEHOLDS.c.project == project)).scalar_one())

    def reached_before(self, campaign_id: int, moment: datetime) -> int:
        """Households whose visit was recorded before ``moment`` (a period's end: the figure a late
        worker computes is the one an early one would have)."""
        return int(self.conn.execute(select(func.count()).select_from(VISITS).where(
            VISITS.c.campaign_id == campaign_id, VISITS.c.recorded_at < moment)).scalar_one())

    def ended_unchecked(self, subsidiary: str, before: date, key_prefix: str) -> list[CampaignRecord]:
        """The subsidiary's campaigns that ended before ``before`` and have no alert keyed
        ``<key_prefix><id>`` yet (one anti-join; the alert is written when one is checked)."""
        key = literal(key_prefix) + func.cast(CAMPAIGNS.c.id, String)
        query = (select(CAMPAIGNS)
                 .outerjoin(ALERTS, ALERTS.c.key == key)
                 .where(CAMPAIGNS.c.subsidiary == subsidiary, CAMPAIGNS.c.ends_on < before,
                        ALERTS.c.id.is_(None))
                 .order_by(CAMPAIGNS.c.ends_on, CAMPAIGNS.c.project, CAMPAIGNS.c.kind))
        return [_campaign(r) for r in self.conn.execute(query)]
