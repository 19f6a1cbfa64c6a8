"""Survey campaigns (R6.3) on the demo org and the shipped policy: periods, coverage against the
group's 98 % and hn-region's 99 % at their edges, the two ways a visit is recorded, and who may act."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine.campaigns import Campaigns, period_of
from engine.clock import FixedClock
from engine.errors import ConflictError, FormError, NotFoundError, PermissionDenied
from engine.runtime import Runtime
from engine.store.visitor_repo import VisitorRepo
from tests.conftest import shanghai

PDF = b"%PDF-1.4\n% signed survey\n"


@pytest.fixture
def campaigns(runtime: Runtime, clock: FixedClock, tmp_path: Path) -> Campaigns:
    clock.set(shanghai("2026-11-23 10:00"))
    with runtime.store.write() as tx:
        repo = VisitorRepo(tx)
        for project, prefix, count in (("sz-property-lyc", "lyc", 100), ("hn-region-bhw", "bhw", 100)):
            for n in range(count):
                repo.upsert_household(f"{prefix}-t-{n:03d}", project, f"9栋{n:03d}", f"业主{n}")
    return Campaigns(runtime.store, clock, runtime.policies, tmp_path)


def _phone(
    c: Campaigns, campaign: int, household: str, by: str = "wang.fang", second: str = "zhang.wei"
) -> None:
    c.record(
        by, campaign, household=household, method="phone", record="业主反映电梯噪音", second_signer=second
    )


@pytest.mark.parametrize(
    ("day", "every", "period"),
    [
        (date(2026, 11, 23), 3, (date(2026, 10, 1), date(2026, 12, 31))),
        (date(2026, 1, 1), 3, (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 3, 31), 3, (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 6, 30), 6, (date(2026, 1, 1), date(2026, 6, 30))),
        (date(2026, 7, 1), 6, (date(2026, 7, 1), date(2026, 12, 31))),
    ],
)
def test_a_campaign_covers_the_quarter_or_half_year_of_its_day(
    day: date, every: int, period: tuple[date, date]
) -> None:
    assert period_of(day, every) == period


def test_the_group_target_is_met_at_98_of_100_households_not_at_97(campaigns: Campaigns) -> None:
    opened = campaigns.open("he.jing", "sz-property-lyc", "opinion")
    assert (opened.starts_on, opened.ends_on, opened.target_percent) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
        98,
    )
    progress = campaigns.progress("he.jing", opened.id)
    assert (progress.households, progress.reached, progress.needed) == (100, 0, 98)
    for n in range(96):
        _phone(campaigns, opened.id, f"lyc-t-{n:03d}")
    campaigns.record(
        "wang.fang",
        opened.id,
        household="lyc-t-096",
        method="signed_survey",
        record="业主签字确认",
        signed_form=PDF,
    )
    progress = campaigns.progress("he.jing", opened.id)
    assert (progress.reached, progress.needed, progress.met, progress.coverage) == (97, 1, False, 0.97)
    assert progress.by_method == {"phone": 96, "signed_survey": 1}
    _phone(campaigns, opened.id, "lyc-t-097")
    done = campaigns.progress("he.jing", opened.id)
    assert (done.reached, done.needed, done.met, done.coverage) == (98, 0, True, 0.98)
    assert [h["code"] for h in done.remaining] == ["lyc-t-098", "lyc-t-099"]  # still to reach, by room


def test_hn_region_needs_99_percent(campaigns: Campaigns) -> None:
    opened = campaigns.open("feng.tingting", "hn-region-bhw", "opinion")
    assert opened.target_percent == 99  # the hn-region overlay raises the group's 98
    for n in range(98):
        _phone(campaigns, opened.id, f"bhw-t-{n:03d}", by="fan.ming", second="tian.tian")
    progress = campaigns.progress("feng.tingting", opened.id)
    assert (progress.households, progress.reached, progress.needed, progress.met) == (100, 98, 1, False)
    _phone(campaigns, opened.id, "bhw-t-098", by="fan.ming", second="tian.tian")
    assert campaigns.progress("feng.tingting", opened.id).met is True


def test_a_satisfaction_survey_is_signed_and_a_phone_record_needs_a_second_signer(
    campaigns: Campaigns,
) -> None:
    survey = campaigns.open("he.jing", "sz-property-lyc", "survey")
    assert (survey.starts_on, survey.ends_on) == (date(2026, 7, 1), date(2026, 12, 31))
    with pytest.raises(FormError) as caught:
        _phone(campaigns, survey.id, "lyc-t-000")
    assert set(caught.value.errors) == {"method", "satisfaction"}
    with pytest.raises(FormError) as caught:
        campaigns.record(
            "wang.fang",
            survey.id,
            household="lyc-t-000",
            method="signed_survey",
            record="满意",
            satisfaction="satisfied",
            signed_form=b"not a scan",
        )
    assert set(caught.value.errors) == {"signed_form"}
    visit = campaigns.record(
        "wang.fang",
        survey.id,
        household="lyc-t-000",
        method="signed_survey",
        record="满意",
        satisfaction="satisfied",
        signed_form=PDF,
    )
    assert visit["file"] == f"campaigns/{survey.id}/lyc-t-000.pdf"
    assert (campaigns.data_dir / visit["file"]).read_bytes() == PDF
    assert campaigns.progress("he.jing", survey.id).satisfaction == {"satisfied": 1}
    with pytest.raises(ConflictError):
        campaigns.record(
            "wang.fang",
            survey.id,
            household="lyc-t-000",
            method="signed_survey",
            record="又一次",
            satisfaction="satisfied",
            signed_form=PDF,
        )
    opinion = campaigns.open("he.jing", "sz-property-lyc", "opinion")
    for second in (None, "wang.fang", "nobody"):
        with pytest.raises(FormError) as caught:
            _phone(campaigns, opinion.id, "lyc-t-001", second=second)  # type: ignore[arg-type]
        assert set(caught.value.errors) == {"second_signer"}
    with pytest.raises(FormError) as caught:
        _phone(campaigns, opinion.id, "bhw-t-001")  # another project's household
    assert set(caught.value.errors) == {"household"}
    with pytest.raises(ConflictError):
        campaigns.open("he.jing", "sz-property-lyc", "opinion", "2026-12-31")  # the same quarter


def test_a_household_added_later_does_not_move_the_target(campaigns: Campaigns, runtime: Runtime) -> None:
    opened = campaigns.open("he.jing", "sz-property-lyc", "opinion")
    with runtime.store.write() as tx:
        VisitorRepo(tx).upsert_household("lyc-new", "sz-property-lyc", "10栋101", "新业主")
    assert campaigns.progress("he.jing", opened.id).households == 100


@pytest.mark.parametrize(
    ("actor", "action"),
    [
        ("shi.lei", "open"),
        ("feng.tingting", "open"),
        ("wang.fang", "open"),  # another subsidiary; a specialist
        ("fan.ming", "visit"),
        ("tian.tian", "visit"),
        ("fan.ming", "read"),
    ],
)
def test_the_other_subsidiary_neither_opens_nor_records_nor_reads(
    campaigns: Campaigns, actor: str, action: str
) -> None:
    opened = campaigns.open("he.jing", "sz-property-lyc", "opinion")
    with pytest.raises(PermissionDenied):
        if action == "open":
            campaigns.open(actor, "sz-property-lyc", "survey")
        elif action == "visit":
            _phone(campaigns, opened.id, "lyc-t-000", by=actor, second="zhang.wei")
        else:
            campaigns.progress(actor, opened.id)
    assert campaigns.progress("he.jing", opened.id).reached == 0
    assert len(campaigns.listing("he.jing")) == 1


def test_unknown_things_are_named(campaigns: Campaigns) -> None:
    with pytest.raises(NotFoundError):
        campaigns.open("he.jing", "nowhere", "opinion")
    with pytest.raises(FormError):
        campaigns.open("he.jing", "sz-property-lyc", "census")
    with pytest.raises(NotFoundError):
        campaigns.progress("he.jing", 999)
