"""Tables of the staff quality assessment 服务质量考核 (R8): violation notices and their appeals.

``violation_notices`` holds one row per 《客服部员工过失通知单》: the person, their direct supervisor
(fixed when the notice is issued, R8.2), the kind of issue, the points in force and the month they
count in. A notice is never deleted: an appeal that succeeds lowers its points or cancels it, and
``notice_appeals`` keeps every appeal with who decided it at which level of the chain.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base, UTCDateTime

__all__ = ["NoticeAppeal", "ViolationNotice"]


class ViolationNotice(Base):
    """A violation notice 过失通知单 with its points (R8.1)."""

    __tablename__ = "violation_notices"
    __table_args__ = (
        Index("ix_violation_notices_subsidiary_month", "subsidiary", "month"),
        Index("ix_violation_notices_person_month", "person", "month"),
        Index("ix_violation_notices_supervisor_month", "supervisor", "month"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subsidiary: Mapped[str | None] = mapped_column(String(64))
    project: Mapped[str | None] = mapped_column(String(64))
    person: Mapped[str] = mapped_column(String(64))
    supervisor: Mapped[str | None] = mapped_column(String(64))
    issue: Mapped[str] = mapped_column(String(64))
    points: Mapped[int] = mapped_column(Integer)  # in force (after appeals)
    issued_points: Mapped[int] = mapped_column(Integer)
    occurred_on: Mapped[date] = mapped_column(Date)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM of occurred_on: the month it counts in
    text: Mapped[str] = mapped_column(Text)
    supervisor_liable: Mapped[bool] = mapped_column(Boolean)  # 经查实 the supervisor shares the blame
    status: Mapped[str] = mapped_column(String(20))  # in_force, appealed, cancelled
    appeals: Mapped[int] = mapped_column(Integer)  # appeals made so far (the next goes one level up)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer)


class NoticeAppeal(Base):
    """One appeal of a notice and its decision at one level of ``assessment.appeal_chain`` (R8.2)."""

    __tablename__ = "notice_appeals"
    __table_args__ = (UniqueConstraint("notice_id", "level", name="uq_notice_appeals_level"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(Integer, index=True)
    level: Mapped[int] = mapped_column(Integer)  # index into the appeal chain
    role: Mapped[str] = mapped_column(String(64))  # the role that decides at this level
    reason: Mapped[str] = mapped_column(Text)
    appealed_by: Mapped[str] = mapped_column(String(64))
    appealed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decision: Mapped[str | None] = mapped_column(String(20))  # upheld, reduced, cancelled
    points_after: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
