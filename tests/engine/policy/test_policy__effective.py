"""EffectivePolicy: values with provenance, typed accessors, deadlines, snapshots, immutability."""

from __future__ import annotations

import dataclasses
import json

import pytest

from engine.durations import Duration, Schedule
from engine.errors import NotFoundError, PolicyError
from engine.policy import EffectivePolicy, PolicySet, Provenance
from tests.conftest import shanghai


def test_provenance_points_at_the_file_and_line_that_set_the_value(policy_set: PolicySet) -> None:
    project = policy_set.effective("sz-property-lyc")
    assert project.provenance("consultation.reply") == Provenance("policies/subsidiaries/sz-property.yaml", 8)
    assert project.provenance("repair.deadlines.dispatch") == Provenance(
        "policies/projects/sz-property-lyc.yaml", 12
    )
    assert project.provenance("complaint.deadlines.reply").path == "policies/group.yaml"
    assert str(project.provenance("channels[kiosk]")) == "policies/projects/sz-property-lyc.yaml:8"


def test_group_line_numbers_are_one_based(policy_set: PolicySet) -> None:
    where = policy_set.effective().provenance("consultation.reply")
    lines = (policy_set.directory / "group.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[where.line - 1].strip().startswith("reply: 2 hours")


@pytest.mark.parametrize(
    ("method", "name", "hint"),
    [
        ("get", "consultation.replay", "did you mean 'consultation.reply'?"),
        ("provenance", "complaint.deadlines.vist", "did you mean 'complaint.deadlines.visit'?"),
        ("responsible_department", "leasng", "did you mean 'leasing'?"),
        ("lane", "cs_dsk", "did you mean 'cs_desk'?"),
    ],
)
def test_unknown_names_raise_not_found_with_a_hint(
    policy_set: PolicySet, method: str, name: str, hint: str
) -> None:
    with pytest.raises(NotFoundError) as caught:
        getattr(policy_set.effective(), method)(name)
    assert hint in caught.value.message


def test_unknown_unit_raises_not_found_with_a_hint(policy_set: PolicySet) -> None:
    with pytest.raises(NotFoundError) as caught:
        policy_set.effective("sz-proprety")
    assert "did you mean 'sz-property'?" in caught.value.message


def test_subtree_key_gives_a_mapping(policy_set: PolicySet) -> None:
    volume = policy_set.effective().get("complaint.escalation.volume")
    assert volume == {"window": "30 days", "report_at": 5, "investigate_at": 8, "report_due": "3 days",
                      "rewrite_due": "2 working days", "review_due": "2 days", "investigate_due": "7 days"}


def test_duration_and_schedule_are_parsed(policy_set: PolicySet) -> None:
    group = policy_set.effective()
    assert isinstance(group.duration("complaint.deadlines.dispatch"), Duration)
    assert isinstance(group.schedule("complaint.schedules.reminders"), Schedule)


def test_dispatch_deadline_is_thirty_minutes_in_working_time(policy_set: PolicySet) -> None:
    due = policy_set.effective().deadline("complaint.deadlines.dispatch", shanghai("2026-11-23 10:00"))
    assert due == shanghai("2026-11-23 10:30")


def test_dispatch_deadline_after_hours_uses_the_region_working_hours(policy_set: PolicySet) -> None:
    start = shanghai("2026-11-23 19:00")
    assert policy_set.effective().deadline("complaint.deadlines.dispatch", start) == shanghai(
        "2026-11-24 09:30"
    )
    assert policy_set.effective("hn-region").deadline("complaint.deadlines.dispatch", start) == shanghai(
        "2026-11-24 10:00"
    )


@pytest.mark.parametrize(
    ("key", "start", "origin", "due"),
    [
        # R2.5, 000 投诉的处理1C: off-hours the order clocks start when work starts …
        ("complaint.deadlines.order_raise", "2026-09-30 17:50", None, "2026-10-08 09:00"),
        ("complaint.deadlines.order_sign", "2026-09-30 17:55", "2026-09-30 17:50", "2026-10-08 09:30"),
        # … and neither ends after the dispatch deadline counted from the end of the call
        ("complaint.deadlines.order_sign", "2026-10-08 09:00", "2026-09-30 17:50", "2026-10-08 09:30"),
        ("complaint.deadlines.order_sign", "2026-11-23 10:10", "2026-11-23 10:00", "2026-11-23 10:30"),
        # working-time complaints keep the wall clock, even when it runs past the end of the day
        ("complaint.deadlines.order_raise", "2026-11-23 17:20", None, "2026-11-23 17:50"),
        ("complaint.deadlines.order_sign", "2026-11-23 17:45", "2026-11-23 17:20", "2026-11-23 17:50"),
        # lunch break: work starts again at 13:30
        ("complaint.deadlines.order_raise", "2026-11-23 12:10", None, "2026-11-23 14:00"),
        ("complaint.deadlines.order_sign", "2026-11-23 12:20", "2026-11-23 12:10", "2026-11-23 14:30"),
    ],
)
def test_order_deadlines_start_when_work_starts_and_never_end_after_the_dispatch_deadline(
        policy_set: PolicySet, key: str, start: str, origin: str | None, due: str) -> None:
    group = policy_set.effective()
    when = group.deadline(key, shanghai(start), shanghai(origin) if origin else None)
    assert when == shanghai(due)


def test_values_cannot_be_changed_through_the_api(policy_set: PolicySet) -> None:
    group = policy_set.effective()
    group.get("complaint.categories").clear()
    assert group.get("complaint.categories")
    with pytest.raises(dataclasses.FrozenInstanceError):
        group.code = "other"  # type: ignore[misc]


def test_snapshot_is_json_and_round_trips(policy_set: PolicySet) -> None:
    project = policy_set.effective("sz-property-lyc")
    snapshot = json.loads(json.dumps(project.snapshot(), ensure_ascii=False))
    assert snapshot["chain"] == ["group", "sz-property", "sz-property-lyc"]
    assert len(snapshot["fingerprint"]) == 64
    pinned = EffectivePolicy.from_snapshot(snapshot, policy_set.calendars_dir)
    assert pinned.get("consultation.reply") == "24 hours"
    assert pinned.provenance("consultation.reply") == project.provenance("consultation.reply")
    assert pinned.fingerprint == project.fingerprint
    assert pinned == project and pinned != policy_set.effective("sz-property")
    start = shanghai("2026-11-23 19:00")
    assert pinned.deadline("complaint.deadlines.dispatch", start) == project.deadline(
        "complaint.deadlines.dispatch", start
    )


def test_units_with_different_rules_have_different_fingerprints(policy_set: PolicySet) -> None:
    prints = {policy_set.effective(code).fingerprint for code in (None, *policy_set.units)}
    assert len(prints) == 4


def test_altered_snapshot_is_refused(policy_set: PolicySet) -> None:
    snapshot = policy_set.effective("sz-property").snapshot()
    snapshot["values"]["consultation"]["reply"] = "72 hours"
    with pytest.raises(PolicyError) as caught:
        EffectivePolicy.from_snapshot(snapshot, policy_set.calendars_dir)
    assert caught.value.code == "policy.E025"


def test_incomplete_snapshot_is_refused(policy_set: PolicySet) -> None:
    with pytest.raises(PolicyError) as caught:
        EffectivePolicy.from_snapshot({"code": "x"}, policy_set.calendars_dir)
    assert caught.value.code == "policy.E025"
