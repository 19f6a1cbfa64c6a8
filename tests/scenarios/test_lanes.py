"""R0.1, R2.12, R2.17: who works a step is the policy's ``lanes:`` binding; a subsidiary that rebinds a
lane changes who gets the task, and nothing else in the diagram or the code names that role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.errors import PermissionDenied
from engine.policy.rules import render_rules
from tests.conftest import ROOT
from tests.scenarios.conftest import Desk, desk_with_overlay

# sz-property has its chairman, not its general manager, assign temporary advisers, and its CS
# manager review closures; hn-region keeps the group's bindings.
REBOUND = (ROOT / "policies" / "subsidiaries" / "sz-property.yaml").read_text(encoding="utf-8") + """
lanes:
  adviser_assigner: {role: chairman, scope: subsidiary}
  closure_reviewer: {role: cs_manager, scope: subsidiary}
"""


@pytest.fixture
def rebound(tmp_path: Path) -> Iterator[Desk]:
    """The demo desk on a copy of the shipped policies whose sz-property rebinds two lanes."""
    desk = desk_with_overlay(tmp_path, "subsidiaries/sz-property.yaml", REBOUND)
    yield desk
    desk.runtime.store.dispose()


def _to_expert_timeout(desk: Desk, actor: str = "zhang.wei", **intake: str) -> str:
    n = desk.open(actor, category="real_estate", **intake).number
    desk.complete(n, "raise_order", order_summary="地产相关投诉",
                  required_completion="2026-11-27T17:00:00+08:00")
    desk.complete(n, "sign_order", order_decision="sign")
    desk.visit_photo(n)
    desk.complete(n, "visit_customer", contact_result="agreed", visit_record="已上门", plan="请顾问出具意见",
                  agreed_completion="2026-11-26T17:00:00+08:00", customer_confirmed_plan=True,
                  needs_expert=True)
    desk.wait(hours=25)  # R2.17: the adviser has not answered within 24 hours
    return n


def test_a_subsidiary_that_rebinds_the_adviser_assigner_gives_the_task_to_that_role(rebound: Desk) -> None:
    n = _to_expert_timeout(rebound)
    task = rebound.task(n, "assign_temporary_adviser")
    assert (task.role, task.unit) == ("chairman", "sz-property")
    with pytest.raises(PermissionDenied):  # the group's binding (the general manager) no longer applies here
        rebound.complete(n, "assign_temporary_adviser", "guo.zhenhua", temporary_adviser="sun.lei")
    rebound.complete(n, "assign_temporary_adviser", "chen.guodong", temporary_adviser="sun.lei")
    assert rebound.task(n, "temporary_expert_answer").assignee == "sun.lei"


def test_the_other_subsidiary_keeps_the_group_binding(rebound: Desk) -> None:
    n = _to_expert_timeout(rebound, actor="tian.tian", project="hn-region-bhw")
    task = rebound.task(n, "assign_temporary_adviser")
    assert (task.role, task.unit) == ("general_manager", "hn-region")


def test_the_rules_document_names_the_rebound_role(rebound: Desk) -> None:
    policies = rebound.runtime.policies
    text = render_rules(policies.effective("sz-property"), policies.effective(), {}, "text")
    line = next(x for x in text.splitlines() if "顾问无法联系时指定临时顾问" in x)
    assert "本公司的董事长" in line and "集团：本公司的总经理" in line
