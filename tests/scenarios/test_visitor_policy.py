"""R4.1, R4.4: what a visitor's register requires and how an abnormal visit is handled are the policy's
(``visitor.required_fields``, ``visitor.abnormal``): a unit that changes them changes the desk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine import visitors
from engine.errors import FormError
from engine.store.worker_repo import WorkerRepo
from tests.conftest import ROOT
from tests.scenarios.conftest import Desk, desk_with_overlay
from tests.scenarios.test_visitor_reception import register

# 丽雅苑 (the guard's project) also registers the visitor's phone, and treats a drunk visitor as a
# serious violation told to its CS centre as well as security.
PROJECT = (ROOT / "policies" / "projects" / "sz-property-lyc.yaml").read_text(encoding="utf-8") + """
visitor:
  required_fields: [customer_name, purpose, room|host_name|routed_desk, visitor_phone]
  abnormal:
    - {code: drunk, name: 醉酒滋事, action: refuse_entry, notify: [security, cs_centre]}
"""


@pytest.fixture
def gate(desk: Desk) -> Desk:
    """The shipped policies, with the demo households."""
    visitors.import_households(desk.runtime, ROOT / "engine" / "demo" / "households.yaml")
    return desk


@pytest.fixture
def strict(tmp_path: Path) -> Iterator[Desk]:
    """丽雅苑 with the project overlay above."""
    desk = desk_with_overlay(tmp_path, "projects/sz-property-lyc.yaml", PROJECT)
    visitors.import_households(desk.runtime, ROOT / "engine" / "demo" / "households.yaml")
    yield desk
    desk.runtime.store.dispose()


def _errors(caught: pytest.ExceptionInfo[FormError]) -> tuple[dict[str, Any], dict[str, Any]]:
    return dict(caught.value.errors), dict(caught.value.errors_zh)  # type: ignore[attr-defined]


def test_the_group_requires_the_visitors_name(gate: Desk) -> None:
    with pytest.raises(FormError) as caught:
        register(gate, customer_name=None)
    assert _errors(caught)[0] == {"customer_name": "required"}


def test_the_group_requires_whom_the_visitor_sees_a_room_a_person_or_a_desk(gate: Desk) -> None:
    with pytest.raises(FormError) as caught:  # visiting a resident, but neither household nor host given
        register(gate, household=None, host_name=None)
    en, zh = _errors(caught)
    assert set(en) == {"room", "host_name", "routed_desk"}
    assert zh["room"] == "必填：受访住户房号、受访人、办理部门至少填一项"
    assert register(gate, household=None, host_name="物业前台小王").host_name == "物业前台小王"
    assert register(gate, purpose="fees", household=None, host_name=None).purpose == "fees"  # its desk


def test_a_project_that_adds_a_required_field_gets_it_required(strict: Desk) -> None:
    with pytest.raises(FormError) as caught:
        register(strict)
    assert _errors(caught) == ({"visitor_phone": "required"}, {"visitor_phone": "必填"})
    assert register(strict, visitor_phone="13712345678").visitor_name == "李明"


def test_the_form_describes_what_the_policy_requires(strict: Desk) -> None:
    policy = strict.runtime.policies.effective("sz-property-lyc")
    form = strict.runtime.registry.get("visitor_reception").start_form
    fields = {f["name"]: f for f in form.describe(policy)}
    assert fields["visitor_phone"]["required"] and fields["customer_name"]["required"]
    assert fields["room"]["one_of"] == ["room", "host_name", "routed_desk"] and not fields["room"]["required"]
    assert not fields["note"]["required"]


def test_an_abnormal_kind_a_project_adds_takes_the_path_its_action_names(strict: Desk) -> None:
    visit = register(strict, visitor_phone="13712345678", abnormal="drunk", abnormal_note="酒后闯入大堂")
    assert "record_refusal" in strict.open_tasks(visit.number)  # action: refuse_entry
    with strict.runtime.store.read() as tx:
        repo = WorkerRepo(tx)
        told = {login: [n.title for n in repo.notifications(login)] for login in ("peng.jun", "zhang.wei",
                                                                                  "luo.yong")}
    # notify: [security, cs_centre] — the departments of the visit's project, not of other projects
    assert told == {"peng.jun": ["来访异常：醉酒滋事"], "zhang.wei": ["来访异常：醉酒滋事"], "luo.yong": []}


def test_the_group_tells_only_the_projects_security_of_a_safety_risk(gate: Desk) -> None:
    register(gate, abnormal="safety_risk")
    with gate.runtime.store.read() as tx:
        repo = WorkerRepo(tx)
        assert [n.kind for n in repo.notifications("peng.jun")] == ["visitor.abnormal"]
        assert repo.notifications("zhang.wei") == [] and repo.notifications("luo.yong") == []

