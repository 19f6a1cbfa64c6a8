"""The hostile inputs of issue 13 (item 7 and the injection cases), as form/query text, path values and
raw JSON bodies."""

from __future__ import annotations

import json

__all__ = ["EVERYWHERE", "FIELDS", "JSON_BODIES", "PATH_INTS", "PATH_TEXTS", "QUERY_NAMES", "TEXTS",
           "deep_json", "json_text"]

# Text for any form field or query parameter.
TEXTS: dict[str, str] = {
    "nul": "a\x00b",
    "control": "\x1b[31m\x07\x08x",
    "digits5000": "9" * 5000,
    "page20": "99999999999999999999",
    "int31": str(2**31),
    "negative": "-1",
    "float_inf": "1e309",
    "nan": "NaN",
    "dt_overflow_high": "9999-12-31T23:59:59-23:59",
    "dt_overflow_low": "0001-01-01T00:00",
    "dt_garbage": "2026-13-45T25:61",
    "formula": '=HYPERLINK("http://evil.example/","点我")',
    "markup": '"><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>',
    "long": "长" * 5000,
    "blank": "   ",
    "sql": "' OR 1=1 --",
    "path": "../../../../etc/passwd",
}

# The subset sent in every field of every form and every query at once (the suite's time budget);
# the rest go to the API's forms and to the counters.
EVERYWHERE = ("nul", "control", "digits5000", "page20", "dt_overflow_high", "dt_overflow_low", "formula",
              "markup")

# Values for path segments: the route's own kind of id is added by the suite (own and foreign).
PATH_INTS = [str(2**31), "9" * 40]
PATH_TEXTS = ["NOPE-1", "a%00b", "%ED%A0%80", "X" * 300]

# Query parameters the pages and the API read.
QUERY_NAMES = ("q", "page", "view", "sort", "category", "from", "to", "status", "process", "state", "unit",
               "why", "year", "region", "next", "project", "household", "month", "format", "stage", "line")

# Form fields: every name the templates post, and the fields of the forms files the suite fills.
FIELDS = ("answer", "next", "line", "q", "purpose", "name", "login", "deputy", "action", "why", "version",
          "room", "reason", "question", "id_type", "id_number", "household", "documents", "department",
          "decision", "category", "year", "visitor_phone", "view", "urgency", "unit", "to", "text",
          "starts_at", "stage", "sort", "severity", "scope", "roles_elsewhere", "roles", "region", "ref",
          "record", "read_back_confirmed", "phone", "password", "parent", "number", "notice", "note", "kind",
          "keywords", "host_name", "handover", "expected_at", "escort_requested", "ends_at", "email",
          "doc_type", "direct_view", "description", "decision_note", "customer_request", "customer_name",
          "code", "booked", "amendment", "abnormal_note", "abnormal", "customer_phone", "event_time",
          "channel", "evidence", "call_ended_at", "order_summary", "required_completion", "order_items",
          "order_note", "location", "location_detail")


def deep_json(depth: int) -> bytes:
    """``depth`` nested arrays."""
    return b"[" * depth + b"]" * depth


# Raw JSON bodies for the API's POST operations; "{form}" is replaced with the operation's form key.
JSON_BODIES: dict[str, bytes] = {
    "array": b"[]",
    "string": b'"x"',
    "number": b"1",
    "null": b"null",
    "not_json": b"{not json",
    "deep_100000": deep_json(100_000),
    "deep_object": b'{"data":' * 5000 + b"1" + b"}" * 5000,
    "digits5000": b'{"process": "complaint", "data": {"customer_name": ' + b"9" * 5000 + b"}}",
    "int_too_big": b'{"process": "complaint", "data": {"customer_phone": ' + b"9" * 30 + b"}}",
    "lone_surrogate": b'{"process": "complaint", "data": {"customer_name": "\\ud800"}}',
    "lone_surrogate_key": b'{"process": "\\udfff", "data": {}}',
    "process_not_string": b'{"process": ["complaint"], "data": {}}',
    "process_number": b'{"process": 12, "data": {}}',
    "data_list": b'{"process": "complaint", "data": []}',
    "data_string": b'{"process": "complaint", "data": "x"}',
    "task_not_string": b'{"task": {"a": 1}, "data": {}}',
    "task_data_list": b'{"task": "complaint.raise_order", "data": [1]}',
    "nan": b'{"process": "complaint", "data": {"customer_name": NaN}}',
    "infinity": b'{"process": "complaint", "data": {"customer_name": 1e999}}',
}


def json_text(value: object) -> bytes:
    """``value`` as JSON that may carry NUL and control characters."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
