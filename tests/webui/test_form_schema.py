"""The API's field schemas are a strict subset of the engine's converters: every value a schema
allows is accepted by the engine (property tests over the patterns), and the schemas come from the
forms files."""

from __future__ import annotations

from datetime import UTC

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.identity import check_id_document
from engine.processes.fields import convert
from engine.processes.forms import FieldSpec
from webui.form_schema import AMOUNT, DATE, DATETIME, NOT_BLANK, PHONE, FormSchemas, problems, visitor_inputs

EXAMPLES = settings(max_examples=300, deadline=None)


@EXAMPLES
@given(st.from_regex(PHONE))
def test_every_phone_the_schema_allows_is_a_phone_to_the_engine(value):
    convert(value, FieldSpec("p", "phone"), [], UTC)


@EXAMPLES
@given(st.from_regex(DATETIME))
def test_every_datetime_the_schema_allows_converts(value):
    convert(value, FieldSpec("t", "datetime"), [], UTC)


@EXAMPLES
@given(st.from_regex(DATE))
def test_every_date_the_schema_allows_converts(value):
    convert(value, FieldSpec("d", "date"), [], UTC)


@EXAMPLES
@given(st.from_regex(AMOUNT))
def test_every_amount_the_schema_allows_converts(value):
    convert(value, FieldSpec("a", "amount"), [], UTC)


@EXAMPLES
@given(st.from_regex(NOT_BLANK))
def test_a_required_text_the_schema_allows_is_not_blank_to_the_engine(value):
    assert value.strip()


@pytest.mark.parametrize("kind", ["passport", "hk_macau", "taiwan"])
def test_every_document_number_the_visitor_schema_allows_passes_the_id_check(kind):
    from types import SimpleNamespace

    _, rules = visitor_inputs(SimpleNamespace(get=lambda key: True))
    [pattern] = [r["then"]["properties"]["id_number"]["pattern"] for r in rules
                 if r.get("if", {}).get("properties", {}).get("id_type", {}).get("const") == kind]

    @EXAMPLES
    @given(st.from_regex(pattern))
    def check(number):
        check_id_document(kind, number)

    check()


def test_the_visitor_schema_needs_a_valid_id_for_a_walk_in_but_not_for_a_booking(services):
    schema = FormSchemas(services.registry, services.policy(None)).start["visitor_reception"]
    booked = problems(schema, {"customer_name": "李明", "purpose": "visit_resident", "booked": True})
    assert booked == {"room": ("required: give one of room, host_name, routed_desk",
                               "必填：room、host_name、routed_desk 至少填一项")}
    walk_in = {"customer_name": "李明", "purpose": "visit_resident", "host_name": "周建国"}
    assert "id_number" in problems(schema, walk_in)
    assert problems(schema, {**walk_in, "booked": True}) == {}
    assert problems(schema, {**walk_in, "id_number": "440305199003071236"}) == {}
    bad = problems(schema, {**walk_in, "id_number": "440305199003071235"})
    assert "check digit" in bad["id_number"][0]
    assert problems(schema, {**walk_in, "id_type": "passport", "id_number": "E12345678"}) == {}
    assert "id_number" in problems(schema, {**walk_in, "id_type": "passport", "id_number": "ABCDE"})


def test_form_schemas_follow_the_forms_files(services):
    forms = FormSchemas(services.registry, services.policy(None))
    assert set(forms.start) == {d.process_id for d in services.registry.startable()}  # no stage opens a case
    assert "complaint_plan" not in forms.start and "complaint_plan.visit_customer" in forms.tasks
    faq = forms.start["consultation"]["properties"]["faq_entry_id"]["anyOf"][0]
    assert faq["pattern"] == "^(#?[0-9]{1,9})$"  # the forms file's own pattern
    party = forms.start["visitor_reception"]["properties"]["party_size"]["anyOf"][0]
    assert party["minimum"] == 1 and party["maximum"] == 2**31 - 1
    assert problems(forms.tasks["complaint.raise_order"], {"order_summary": "x"}) == {
        "required_completion": ("required", "必填")}


@pytest.mark.parametrize("years", [(2024, 2098), (2000, 2099), (2025, 2025), (1999, 2101)])
def test_date_patterns_take_exactly_the_calendars_years_and_real_days(years):
    import re

    from webui.form_schema import year_patterns

    day, moment = (re.compile(p) for p in year_patterns(years))
    assert [y for y in range(1900, 2200) if day.match(f"{y}-01-15")] == list(range(years[0], years[1] + 1))
    assert bool(day.match("2024-02-29")) == (years[0] <= 2024 <= years[1])
    assert not day.match("2025-02-29") and not day.match("2026-04-31") and not day.match("2026-13-01")
    assert bool(moment.match("2025-06-30T23:59:59.5+08:00")) == (years[0] <= 2025 <= years[1])


def test_the_api_schemas_follow_the_calendars_years(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    import re

    form = doc["components"]["schemas"]["Open_complaint"]["properties"]["data"]
    pattern = form["properties"]["call_ended_at"]["anyOf"][0]["pattern"]
    assert re.match(pattern, "2026-11-23T10:00") and not re.match(pattern, "2000-01-01T00:00")
