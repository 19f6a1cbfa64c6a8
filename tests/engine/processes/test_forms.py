"""Cleaning submitted form data: every field type, required fields, unknown fields, choices."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from engine.errors import FormError
from engine.processes import FieldSpec, FormSpec
from tests.engine.processes.conftest import FakePolicy

INLINE = ({"code": "normal", "name": "一般"}, {"code": "high", "name": "紧急"})


def clean_one(policy: FakePolicy, field: FieldSpec, value: Any) -> Any:
    """Clean ``value`` as the only field of a form."""
    return FormSpec("f", (field,)).clean({field.name: value}, policy)[field.name]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (FieldSpec("v", "text"), "  张三  ", "张三"),
        (FieldSpec("v", "text"), 12, "12"),
        (FieldSpec("v", "textarea"), "x" * 10000, "x" * 10000),
        (FieldSpec("v", "phone"), "138 0013 8000", "13800138000"),
        (FieldSpec("v", "phone"), "+86 13800138000", "13800138000"),
        (FieldSpec("v", "phone"), "0755-12345678", "0755-12345678"),
        (FieldSpec("v", "phone"), "075512345678", "0755-12345678"),
        (FieldSpec("v", "phone"), "01012345678", "010-12345678"),
        (FieldSpec("v", "phone"), "(020) 8765 4321", "020-87654321"),
        (FieldSpec("v", "phone"), "4001234567", "400-123-4567"),
        (FieldSpec("v", "phone"), "400-123-4567", "400-123-4567"),
        (FieldSpec("v", "datetime"), "2026-11-23 14:30", "2026-11-23T14:30:00+08:00"),
        (FieldSpec("v", "datetime"), "2026-11-23T06:30:00Z", "2026-11-23T14:30:00+08:00"),
        (FieldSpec("v", "datetime"), datetime(2026, 11, 23, 14, 30, tzinfo=UTC), "2026-11-23T22:30:00+08:00"),
        (FieldSpec("v", "date"), "2026-11-23", "2026-11-23"),
        (FieldSpec("v", "choice", choices=INLINE), "high", "high"),
        (FieldSpec("v", "choice", choices_from="complaint.categories"), "attitude", "attitude"),
        (FieldSpec("v", "multi_choice", choices=INLINE), ["high", "normal", "high"], ["high", "normal"]),
        (FieldSpec("v", "multi_choice", choices=INLINE), "high", ["high"]),
        (FieldSpec("v", "boolean"), True, True),
        (FieldSpec("v", "boolean"), "false", False),
        (FieldSpec("v", "boolean"), "1", True),
        (FieldSpec("v", "boolean"), "No", False),
        (FieldSpec("v", "boolean"), "是", True),
        (FieldSpec("v", "boolean"), "否", False),
        (FieldSpec("v", "integer"), "42", 42),
        (FieldSpec("v", "integer", min=0, max=5), 5, 5),
        (FieldSpec("v", "integer"), 1070.0, 1070),  # JSON Schema's integer: 1070.0 is one
        (FieldSpec("v", "text", pattern="#?[0-9]{1,9}"), " #12 ", "#12"),
        (FieldSpec("v", "amount"), "1280.5", "1280.50"),
        (FieldSpec("v", "amount"), "¥1,280", "1280.00"),
        (FieldSpec("v", "amount"), 0, "0.00"),
    ],
)  # fmt: skip
def test_valid_value_is_converted_to_its_stored_form(
    policy: FakePolicy, field: FieldSpec, value: Any, expected: Any
) -> None:
    assert clean_one(policy, field, value) == expected


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        (FieldSpec("v", "text"), ["a"], "expected text"),
        (FieldSpec("v", "text"), "x" * 2001, "at most 2000"),
        (FieldSpec("v", "text", max_length=5), "abcdef", "at most 5"),
        (FieldSpec("v", "textarea"), "x" * 10001, "at most 10000"),
        (FieldSpec("v", "phone"), "12345", "'12345' is not a phone number"),
        (FieldSpec("v", "phone"), "12800138000", "not a phone number"),
        (FieldSpec("v", "datetime"), "23/11/2026", "'23/11/2026' is not a date and time"),
        (FieldSpec("v", "date"), "2026-13-01", "'2026-13-01' is not a date"),
        (FieldSpec("v", "choice", choices=INLINE), "urgent", "'urgent' is not one of: normal, high"),
        (FieldSpec("v", "multi_choice", choices=INLINE), ["high", "x", "y"], "'x', 'y' not among"),
        (FieldSpec("v", "multi_choice", choices=INLINE), 3, "expected a list"),
        (FieldSpec("v", "boolean"), "maybe", "'maybe' is not yes or no"),
        (FieldSpec("v", "integer"), "4.5", "'4.5' is not a whole number"),
        (FieldSpec("v", "integer"), True, "not a whole number"),
        (FieldSpec("v", "integer"), 4.5, "4.5 is not a whole number"),
        (FieldSpec("v", "text", pattern="#?[0-9]{1,9}"), "twelve", "does not have the expected form"),
        (FieldSpec("v", "integer", min=1), 0, "below the minimum 1"),
        (FieldSpec("v", "integer", max=5), 6, "above the maximum 5"),
        (FieldSpec("v", "amount"), "-1", "negative"),
        (FieldSpec("v", "amount"), "1.005", "more than 2 decimal places"),
        (FieldSpec("v", "amount"), "lots", "'lots' is not an amount"),
        (FieldSpec("v", "amount"), "NaN", "not an amount"),
    ],
)
def test_bad_value_is_refused_with_a_message_quoting_it(policy: FakePolicy, field: FieldSpec, value: Any,
                                                        fragment: str) -> None:  # fmt: skip
    with pytest.raises(FormError) as caught:
        clean_one(policy, field, value)

    assert fragment in caught.value.errors["v"]
    assert caught.value.errors_zh["v"]  # type: ignore[attr-defined]


def test_every_bad_field_and_every_unknown_field_is_listed_at_once(policy: FakePolicy) -> None:
    form = FormSpec("intake", (FieldSpec("name", "text", required=True), FieldSpec("phone", "phone")))

    with pytest.raises(FormError) as caught:
        form.clean({"phone": "abc", "deadline": "x", "extra": 1}, policy)

    errors = caught.value.errors
    assert errors["name"] == "required"
    assert "not a phone number" in errors["phone"]
    assert errors["deadline"] == "unknown field 'deadline'; this form accepts: name, phone"
    assert set(errors) == {"name", "phone", "deadline", "extra"}
    assert caught.value.errors_zh["name"] == "必填"  # type: ignore[attr-defined]
    assert "form 'intake'" in caught.value.message


@pytest.mark.parametrize("blank", [None, "", "   ", []])
def test_blank_value_counts_as_missing(policy: FakePolicy, blank: Any) -> None:
    form = FormSpec("f", (FieldSpec("note", "text", required=True),))

    with pytest.raises(FormError) as caught:
        form.clean({"note": blank}, policy)

    assert caught.value.errors == {"note": "required"}


def test_absent_optional_field_gets_its_default_or_none(policy: FakePolicy) -> None:
    form = FormSpec(
        "f", (FieldSpec("urgency", "choice", choices=INLINE, default="normal"), FieldSpec("note", "text"))
    )

    assert form.clean({}, policy) == {"urgency": "normal", "note": None}


def test_data_that_is_not_a_mapping_is_refused(policy: FakePolicy) -> None:
    with pytest.raises(FormError, match="expects a mapping"):
        FormSpec("f").clean(["a"], policy)  # type: ignore[arg-type]


def test_describe_resolves_choices_from_the_policy(policy: FakePolicy) -> None:
    form = FormSpec(
        "f",
        (
            FieldSpec("category", "choice", required=True, choices_from="complaint.categories"),
            FieldSpec("note", "text", label={"zh": "备注", "en": "Note"}),
        ),
    )

    described = form.describe(policy)

    assert described[0]["choices"] == [
        {"code": "facilities", "name": "房屋设备"},
        {"code": "attitude", "name": "服务态度"},
    ]
    assert described[0]["required"] is True
    assert described[1] == {
        "name": "note", "type": "text", "required": False, "label": {"zh": "备注", "en": "Note"},
        "help": None, "choices": None, "default": None, "min": None, "max": None, "max_length": None,
        "pattern": None,
    }  # fmt: skip


def test_policy_choices_may_be_a_code_to_name_mapping() -> None:
    policy = FakePolicy(**{"satisfaction.scale": {"good": "满意", "bad": "不满意"}})
    field = FieldSpec("rating", "choice", choices_from="satisfaction.scale")

    assert field.resolve_choices(policy) == [
        {"code": "good", "name": "满意"},
        {"code": "bad", "name": "不满意"},
    ]
    assert clean_one(policy, field, "bad") == "bad"


def test_naive_datetime_is_read_in_the_policy_time_zone() -> None:
    policy = FakePolicy(**{"calendar.timezone": "Asia/Urumqi"})

    assert clean_one(policy, FieldSpec("v", "datetime"), "2026-11-23 14:30") == "2026-11-23T14:30:00+06:00"
