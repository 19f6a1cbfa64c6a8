"""Tables of the survey campaigns (R6.3): a quarterly opinion visit or a half-yearly satisfaction survey
of one project's households.

``campaigns`` holds one row per project, kind and period; ``campaign_households`` the households the
campaign must reach, copied from ``households`` when it opens (its denominator does not move when a
household is added later); ``campaign_visits`` one visit per household: a signed survey (the scanned
form) or a phone record signed by two staff. Coverage is two ``COUNT``s over these indexed rows.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base, UTCDateTime

__all__ = ["Campaign", "CampaignHousehold", "CampaignVisit"]


class Campaign(Base):
    """A survey campaign of one project for one period."""

    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("project", "kind", "starts_on", name="uq_campaigns_period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project: Mapped[str] = mapped_column(String(64))
    subsidiary: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # opinion, survey
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # the last day of the period
    target_percent: Mapped[int] = mapped_column(Integer)  # the policy's coverage when it opened
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CampaignHousehold(Base):
    """A household the campaign must reach."""

    __tablename__ = "campaign_households"
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household: Mapped[str] = mapped_column(String(60), primary_key=True)


class CampaignVisit(Base):
    """The visit of one household: a signed survey or a phone record signed by two staff."""

    __tablename__ = "campaign_visits"
    __table_args__ = (Index("ix_campaign_visits_campaign", "campaign_id", "household", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(Integer)
    household: Mapped[str] = mapped_column(String(60))
    method: Mapped[str] = mapped_column(String(20))  # signed_survey, phone
    satisfaction: Mapped[str | None] = mapped_column(String(40))
    record: Mapped[str] = mapped_column(Text)  # the owner's opinion / the detailed phone record
    file: Mapped[str | None] = mapped_column(String(300))  # the signed form, under the data dir
    recorded_by: Mapped[str] = mapped_column(String(64))
    second_signer: Mapped[str | None] = mapped_column(String(64))  # the phone record's second signature
    visited_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
