"""The edge's own checks: what no page or API operation can take, refused before any view runs.

Issue 13 item 7: inputs that used to reach the database or a parser and come back as a 500. A
``before_request`` hook (``init_app``) refuses each with a 4xx that names the field, in Chinese on
Chinese pages (a :class:`FormError` with ``zh`` texts, rendered by ``webui.errors``; 422 JSON on the
API, as its OpenAPI document declares):

- a NUL character in any path segment, query parameter or form field (name or value): PostgreSQL
  cannot store it in a text column and SQLite would cut the text short;
- the counters the pages read from the query or a form (``page``, ``version``) outside their range;
- a JSON body that is nested deeper than ``MAX_JSON_DEPTH`` (parsing it would exhaust the stack), that
  is not valid JSON (``NaN``, an integer of thousands of digits), or that carries a lone surrogate or a
  NUL in a string, or an integer or number no column can hold.

Path integers (``<int:…>``) are bounded by :class:`BoundedInt` (``bound_ids``): an id of 2³¹ or more is
a plain 404, as no row can have it. Form-specific rules (lengths, choices, dates) stay with the forms.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter, ValidationError

from engine.errors import FormError, NotFoundError

__all__ = ["INT_MAX", "MAX_JSON_DEPTH", "PARAMETER_RANGES", "BoundedInt", "bound_ids", "check_request",
           "init_app"]

# The largest id a row can have: the id columns are 32-bit integers on PostgreSQL.
INT_MAX = 2**31 - 1
# No kefu document nests deeper than a few levels (a form's data object holds lists of objects at most).
MAX_JSON_DEPTH = 32
# Integer parameters the pages read from the query string or a form: name → (lowest, highest).
PARAMETER_RANGES = {"page": (1, 100_000), "version": (0, INT_MAX)}
# Integers a JSON body may carry: what a 64-bit column holds.
_JSON_INT_BITS = 63
_BRACKETS = re.compile(rb"[\[\]{}]")
_STRINGS = re.compile(rb'"(?:\\.|[^"\\])*"', re.S)


class BoundedInt(IntegerConverter):
    """``<int:…>`` for ids: at most ten digits and ``INT_MAX``, else the route does not match (a 404)."""

    regex = r"\d{1,10}"

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = 0,  # noqa: A002 (werkzeug's names)
                 max: int | None = INT_MAX, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> Any:
        try:
            return super().to_python(value)
        except ValueError as exc:  # pragma: no cover - the regex already bounds the digits
            raise ValidationError() from exc


# Chinese names of the fields this module refuses (others are shown as sent).
_LABELS_ZH = {"page": "页码", "version": "版本号", "body": "请求体", "query": "查询参数", "form": "表单字段",
              "q": "搜索内容", "view": "视图", "sort": "排序", "category": "类别", "next": "跳转地址"}


def _refuse(field: str, en: str, zh: str) -> FormError:
    error = FormError(f"{field}: {en}", {field: en}, zh=f"{_LABELS_ZH.get(field, field)}：{zh}")
    error.errors_zh = {field: zh}  # type: ignore[attr-defined]
    return error


def _show(name: str) -> str:
    return repr(name.replace("\x00", "\\0")[:40])


def _check_text(where: str, name: str, value: str) -> None:
    if "\x00" in name:
        raise _refuse(where, f"the parameter name {_show(name)} contains a NUL character",
                      f"参数名 {_show(name)} 含有空字符（NUL），请删除后重试")
    if "\x00" in value:
        raise _refuse(name, "contains a NUL character (\\0); remove it and send again",
                      "含有空字符（NUL），请删除后重试")


def _check_counter(name: str, value: str) -> None:
    low, high = PARAMETER_RANGES[name]
    text = value.strip()
    if not text:
        return  # left empty: the page takes its default (the first page, no version)
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(high)) and low <= int(text) <= high):
        raise _refuse(name, f"must be a whole number from {low} to {high}",
                      f"须为 {low} 到 {high} 之间的整数")


def _depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (strings, with their brackets, skipped)."""
    deepest = depth = 0
    for match in _BRACKETS.finditer(_STRINGS.sub(b'""', body)):
        if match.group(0) in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _walk(value: Any, path: str) -> Iterator[tuple[str, str, str]]:
    """(field, en, zh) for every value of a parsed JSON document that no column can hold."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path, "contains a NUL character (\\u0000)", "含有空字符（NUL）"
        elif any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
            yield (path, "contains a lone surrogate (an invalid \\ud800–\\udfff escape)",
                   "含有无效的 Unicode 代理字符")
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if value.bit_length() > _JSON_INT_BITS:
            yield path, "is too large a number (at most 19 digits)", "数字过大（最多 19 位）"
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield path, "is not a finite number", "不是有限的数字"
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            yield from _walk(key, inner)
            yield from _walk(item, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def _check_json(body: bytes) -> None:
    if _depth(body) > MAX_JSON_DEPTH:
        raise _refuse("body", f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep",
                      f"JSON 嵌套超过 {MAX_JSON_DEPTH} 层")
    try:
        parsed = json.loads(body, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as exc:  # also an integer of more than 4,300 digits
        reason = str(exc).splitlines()[0][:120]
        raise _refuse("body", f"the body is not valid JSON ({reason})", "请求体不是有效的 JSON") from exc
    for field, en, zh in _walk(parsed, ""):
        raise _refuse(field or "body", en, zh)


def check_request() -> None:
    """Refuse what no view can take (see the module docstring); None when the request may go on."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and "\x00" in value:
            raise NotFoundError(f"no such {name}: it contains a NUL character",
                                zh=f"找不到该对象：{name} 含有空字符（NUL）")
    for where, params in (("query", request.args), ("form", request.form)):
        for name, value in params.items(multi=True):
            _check_text(where, name, value)
            if name in PARAMETER_RANGES:
                _check_counter(name, value)
    if request.mimetype == "application/json" or request.is_json:
        body = request.get_data(cache=True)
        if body.strip():
            _check_json(body)


def bound_ids(app: Flask) -> None:
    """Make ``<int:…>`` the bounded converter: call it before any blueprint adds its routes."""
    app.url_map.converters["int"] = BoundedInt


def init_app(app: Flask) -> None:
    """Check every request before its view; registered after the areas, so the signed-in actor is known
    (an error page keeps its menu) and the API's token check still comes after this one."""
    app.before_request(check_request)
