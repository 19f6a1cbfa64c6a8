"""Policy drafts (issue 17): a subsidiary's editor drafts, the group's reviewer reviews, the editor publishes
with an effective time; cases opened before keep the old deadline, cases opened after get the new one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from engine.clock import FixedClock
from engine.errors import ConflictError, FormError, NotFoundError, PermissionDenied
from engine.org import load_org
from engine.policy_drafts import PolicyDesk
from engine.policy_versions import VersionedPolicies
from engine.runtime import Runtime
from tests.conftest import ROOT, shanghai
from tests.scenarios.conftest import Desk
from tests.scenarios.test_consultation import ask

TWELVE = "extends: group\n\nunit:\n  name: 深圳物业公司\n\nconsultation:\n  reply: 12 hours\n"


@pytest.fixture
def versioned(runtime: Runtime, clock: FixedClock, policies_dir) -> VersionedPolicies:  # type: ignore[no-untyped-def]
    policies = VersionedPolicies(runtime.store, policies_dir, clock, base=runtime.policies)
    runtime.policies = policies
    return policies


@pytest.fixture
def desk(runtime: Runtime, clock: FixedClock, versioned: VersionedPolicies) -> Desk:
    return Desk(runtime, clock, load_org(ROOT / "engine" / "demo" / "org.yaml"))


@pytest.fixture
def policy_desk(runtime: Runtime, clock: FixedClock, versioned: VersionedPolicies) -> PolicyDesk:
    return PolicyDesk(runtime.store, versioned, clock)


def events(runtime: Runtime, prefix: str = "policy.") -> list[dict]:
    with runtime.store.read() as tx:
        return [{"action": e.action, "actor": e.actor, **e.data} for e in tx.chain_events("system")
                if e.action.startswith(prefix) and e.action != "policy.pinned"]


def with_reply(text: str, reply: str) -> str:
    return re.sub(r"reply: \d+ hours", f"reply: {reply}", text, count=1)


def approved(policy_desk: PolicyDesk, reply: str = "12 hours") -> int:
    draft = policy_desk.create("song.yu", "sz-property")
    policy_desk.save("song.yu", draft.id, with_reply(draft.text, reply))
    policy_desk.submit("song.yu", draft.id)
    policy_desk.review("lv.qing", draft.id, approve=True)
    return draft.id


def test_a_published_reply_time_applies_to_cases_opened_from_its_effective_time_only(desk, policy_desk,
                                                                                     runtime):
    draft_id = approved(policy_desk)
    effective = shanghai("2026-11-23 14:00")
    published = policy_desk.publish("song.yu", draft_id, effective)
    assert published.status == "published" and published.effective_at == effective

    desk.at("2026-11-23 13:59")
    before = ask(desk)  # 丽雅苑 (a project of 深圳物业) a minute before: the old 24 hours
    assert desk.due(before, "ask_expert") == shanghai("2026-11-24 13:59")
    desk.at("2026-11-23 14:00")
    after = ask(desk)
    assert desk.due(after, "ask_expert") == shanghai("2026-11-24 02:00")  # 12 hours
    desk.at("2026-11-23 15:00")
    other = ask(desk, actor="tian.tian")  # 滨海湾 (华南区域) keeps the group's 2 hours
    assert desk.due(other, "ask_expert") == shanghai("2026-11-23 17:00")

    # the earlier case still reads its pinned 24 hours after the change
    pinned = desk.runtime.pinned_policy(desk.case(before).policy_fingerprint)
    assert pinned.get("consultation.reply") == "24 hours"
    assert [e["action"] for e in events(runtime)] == [
        "policy.draft_created", "policy.draft_saved", "policy.submitted", "policy.approved",
        "policy.published"]
    assert events(runtime)[-1]["actor"] == "song.yu" and events(runtime)[3]["actor"] == "lv.qing"


def test_earlier_versions_stay_readable_and_the_newest_in_force_wins(policy_desk, versioned, clock):
    first = approved(policy_desk, "12 hours")
    policy_desk.publish("song.yu", first, clock.now())
    second = approved(policy_desk, "6 hours")
    policy_desk.publish("song.yu", second, clock.now() + timedelta(days=1))
    assert versioned.effective("sz-property").get("consultation.reply") == "12 hours"
    clock.advance(timedelta(days=1))
    assert versioned.effective("sz-property-lyc").get("consultation.reply") == "6 hours"
    versions = [d for d in policy_desk.drafts("song.yu", "sz-property") if d.status == "published"]
    assert [("reply: 6 hours" in v.text, "reply: 12 hours" in v.text) for v in versions] == [(True, False),
                                                                                          (False, True)]


def test_48_hours_is_shown_on_its_line_as_a_bound_violation_and_cannot_be_submitted(policy_desk, runtime):
    draft = policy_desk.create("song.yu", "sz-property")
    saved, result = policy_desk.save("song.yu", draft.id, with_reply(draft.text, "48 hours"))
    assert saved.text.count("48 hours") == 1 and not saved.clean  # saved anyway: nothing typed is lost
    [finding] = result.findings
    assert finding.code == "policy.E016" and finding.line == 8
    assert "48小时" in finding.zh and "24小时" in finding.zh and "不超过" in finding.zh
    with pytest.raises(FormError) as refused:
        policy_desk.submit("song.yu", draft.id)
    assert "第8行" in (refused.value.zh or "")
    assert policy_desk.draft("song.yu", draft.id).status == "draft"


def test_an_unknown_key_is_found_on_its_line_with_a_suggestion(policy_desk):
    draft = policy_desk.create("song.yu", "sz-property")
    text = draft.text.replace("consultation:\n  reply: 24 hours", "consultation:\n  replly: 24 hours")
    _, result = policy_desk.save("song.yu", draft.id, text)
    [finding] = result.findings
    assert finding.code == "policy.E004" and finding.line == 8
    assert "consultation.replly" in finding.zh and "reply" in finding.zh


def test_the_author_cannot_review_their_own_draft_and_a_return_needs_a_note(policy_desk, runtime):
    draft = policy_desk.create("song.yu", "sz-property")
    policy_desk.save("song.yu", draft.id, with_reply(draft.text, "12 hours"))
    policy_desk.submit("song.yu", draft.id)
    with pytest.raises(PermissionDenied):
        policy_desk.review("song.yu", draft.id, approve=True)  # not a reviewer (and the author)
    with pytest.raises(FormError):
        policy_desk.review("lv.qing", draft.id, approve=False, note=" ")
    returned = policy_desk.review("lv.qing", draft.id, approve=False, note="请说明依据")
    assert returned.status == "draft" and returned.review_note == "请说明依据"
    with pytest.raises(ConflictError):
        policy_desk.publish("song.yu", draft.id, shanghai("2026-11-24 09:00"))  # not approved


def test_a_past_effective_time_is_refused(policy_desk, clock):
    draft_id = approved(policy_desk)
    with pytest.raises(FormError) as refused:
        policy_desk.publish("song.yu", draft_id, clock.now() - timedelta(hours=1))
    assert refused.value.errors == {"effective_at": "in the past"}
    assert policy_desk.draft("song.yu", draft_id).status == "approved"


@pytest.mark.parametrize(("actor", "unit"), [
    ("ma.lin", "sz-property"),  # 华南区域's editor at 深圳物业
    ("song.yu", "hn-region"),  # and the other way round
    ("tang.jing", "sz-property"),  # 丽雅苑's editor at its subsidiary
    ("xu.lan", "sz-property"),  # an organisation administrator is no policy editor
])
def test_nobody_drafts_outside_their_unit(policy_desk, runtime, actor, unit):
    with pytest.raises(PermissionDenied):
        policy_desk.create(actor, unit)
    assert events(runtime) == []


def test_an_editor_of_one_subsidiary_cannot_touch_the_draft_of_another(policy_desk, runtime):
    draft = policy_desk.create("song.yu", "sz-property")
    for call in (lambda: policy_desk.save("ma.lin", draft.id, "extends: group\n"),
                 lambda: policy_desk.submit("ma.lin", draft.id),
                 lambda: policy_desk.discard("ma.lin", draft.id),
                 lambda: policy_desk.draft("ma.lin", draft.id)):
        with pytest.raises(PermissionDenied):
            call()
    assert policy_desk.draft("song.yu", draft.id).text == draft.text
    assert [e["action"] for e in events(runtime)] == ["policy.draft_created"]
    assert [d.id for d in policy_desk.drafts("ma.lin")] == []


def test_a_project_editor_drafts_the_project_overlay_and_one_open_draft_per_unit(policy_desk):
    draft = policy_desk.create("tang.jing", "sz-property-lyc")
    assert draft.path == "projects/sz-property-lyc.yaml" and draft.subsidiary == "sz-property"
    with pytest.raises(ConflictError):
        policy_desk.create("song.yu", "sz-property-lyc")  # the subsidiary's editor covers it, but one draft
    with pytest.raises(NotFoundError):
        policy_desk.create("song.yu", "group")


def test_a_project_without_a_file_gets_its_first_overlay_from_a_draft(policy_desk, versioned, clock):
    draft = policy_desk.create("song.yu", "sz-property-jhy")  # 锦华园 has no file under policies/projects
    assert draft.text == "extends: sz-property\n" and draft.path == "projects/sz-property-jhy.yaml"
    policy_desk.save("song.yu", draft.id, "extends: sz-property\n\nconsultation:\n  reply: 8 hours\n")
    policy_desk.submit("song.yu", draft.id)
    policy_desk.review("lv.qing", draft.id, approve=True)
    policy_desk.publish("song.yu", draft.id, clock.now())
    assert versioned.effective("sz-property-jhy").get("consultation.reply") == "8 hours"
    assert versioned.effective("sz-property").get("consultation.reply") == "24 hours"
