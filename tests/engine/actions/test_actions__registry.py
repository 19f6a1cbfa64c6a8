"""The action registry (engine/actions/registry.py): typed parameters, labels, did-you-mean, description."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.actions import Action, ActionRegistry, Param, default_actions, type_of_value
from engine.errors import ActionError


def _noop(_ctx: Any, **values: Any) -> dict[str, Any]:
    return dict(values)


def registry() -> ActionRegistry:
    reg = ActionRegistry()
    reg.action("demo.order", "开单", label_en="Order", result="{number}",
               params=[Param("copies", "int", "份数"), Param("note", "str", "备注", required=False),
                       Param("rate", "float", "费率", required=False),
                       Param("tags", "list", "标签", required=False),
                       Param("urgent", "bool", "紧急", required=False)])(_noop)
    return reg


def test_bind_accepts_values_of_the_declared_types_and_leaves_out_absent_optionals() -> None:
    action = registry().get("demo.order")
    assert action.bind({"copies": 4, "rate": 2, "tags": ("a", "b"), "urgent": False}) == {
        "copies": 4, "rate": 2, "tags": ["a", "b"], "urgent": False}
    assert action.bind({"copies": 1, "note": None}) == {"copies": 1}  # None counts as absent


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({}, "parameter 'copies' (份数) is required"),
        ({"copies": "4"}, "parameter 'copies' must be int, got str '4'"),
        ({"copies": True}, "parameter 'copies' must be int, got bool True"),  # True is an int in Python
        ({"copies": 4, "rate": "1.5"}, "parameter 'rate' must be float, got str"),
        ({"copies": 4, "tags": "a,b"}, "parameter 'tags' must be list, got str"),
        ({"copies": 4, "coppies": 4}, "unknown parameter 'coppies'; did you mean 'copies'?"),
    ],
)
def test_bind_names_each_missing_unknown_or_ill_typed_parameter(values: dict[str, Any],
                                                                fragment: str) -> None:
    with pytest.raises(ActionError) as caught:
        registry().get("demo.order").bind(values, where="issue")
    assert caught.value.code == "action.E002"
    assert caught.value.message.startswith("action 'demo.order' (service task issue): ")
    assert fragment in caught.value.message


def test_an_unknown_action_gets_a_did_you_mean() -> None:
    with pytest.raises(ActionError, match=r"no action 'demo.ordr'; did you mean 'demo.order'\?") as caught:
        registry().get("demo.ordr")
    assert caught.value.code == "action.E001"


def test_an_action_name_is_registered_once_and_types_are_known() -> None:
    reg = registry()
    with pytest.raises(ValueError, match="registered twice"):
        reg.register(Action("demo.order", "再开单", _noop))
    with pytest.raises(ValueError, match="unknown type 'integer'"):
        Param("copies", "integer", "份数")


def test_the_description_is_json_with_chinese_labels() -> None:
    described = registry().describe()
    assert json.loads(json.dumps(described, ensure_ascii=False)) == described
    assert described[0]["label"] == {"zh": "开单", "en": "Order"}
    assert described[0]["params"][0] == {"name": "copies", "type": "int", "required": True,
                                         "label": {"zh": "份数", "en": "copies"}, "help": ""}


def test_the_shipped_actions_are_registered_by_their_domain_modules() -> None:
    shipped = default_actions()
    assert shipped.names() == ["complaint.notify_cooperating", "complaint.open_linked",
                               "complaint.require_lane_holder",
                               "complaint.require_visit_record", "faq.add_entry", "notify.roles",
                               "penalty.book",
                               "repair.issue_dispatch_order", "repair.require_photos"]
    for action in shipped.describe():
        assert action["label"]["zh"] and all(p["label"]["zh"] for p in action["params"])
    assert shipped.get("repair.issue_dispatch_order").module == "engine.repair_orders"


@pytest.mark.parametrize(("value", "name"), [(True, "bool"), (3, "int"), (2.5, "float"), ("x", "str"),
                                             ([1], "list"), ({}, "dict"), (None, "none")])
def test_type_of_value_names_the_parameter_type(value: Any, name: str) -> None:
    assert type_of_value(value) == name
