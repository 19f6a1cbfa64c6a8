"""Converters from submitted form values to the plain JSON values stored in workflow data.

Each converter takes the raw value and the field, returns the clean value or raises
:class:`FieldRefused` with an English and a Chinese message that quote the bad value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

__all__ = ["FIELD_TYPES", "FieldRefused", "convert"]

FIELD_TYPES = (
    "text",
    "textarea",
    "phone",
    "datetime",
    "date",
    "choice",
    "multi_choice",
    "boolean",
    "integer",
    "amount",
)
DEFAULT_MAX_LENGTH = {"text": 2000, "textarea": 10000}

_TRUE = {"true", "1", "yes", "y", "on", "是"}
_FALSE = {"false", "0", "no", "n", "off", "否"}
_MOBILE = re.compile(r"1[3-9]\d{9}")
_HOTLINE = re.compile(r"400\d{7}")
_LANDLINE = re.compile(r"(0\d{2,3})-?(\d{7,8})")


class FieldRefused(ValueError):
    """A value does not fit its field; ``en`` and ``zh`` are the messages."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh


class _Field(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def min(self) -> Any: ...
    @property
    def max(self) -> Any: ...
    @property
    def max_length(self) -> int | None: ...
    @property
    def pattern(self) -> str | None: ...


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _text(value: Any, field: _Field, choices: Sequence[dict[str, Any]], zone: tzinfo) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise FieldRefused(f"expected text, got {_show(value)}", f"应为文本，收到 {_show(value)}")
    text = str(value).strip()
    limit = field.max_length or DEFAULT_MAX_LENGTH.get(field.type, 2000)
    if len(text) > limit:
        raise FieldRefused(
            f"is {len(text)} characters long; at most {limit} are allowed",
            f"长度为 {len(text)} 字，最多 {limit} 字",
        )
    pattern = getattr(field, "pattern", None)
    if pattern and text and not re.fullmatch(pattern, text):
        raise FieldRefused(f"{_show(text)} does not have the expected form ({pattern})",
                           f"{_show(text)} 格式不对（应符合 {pattern}）")
    return text


def _phone(value: Any, field: _Field, choices: Sequence[dict[str, Any]], zone: tzinfo) -> str:
    raw = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else None
    if raw is not None:
        compact = re.sub(r"[\s()（）]", "", raw)
        for prefix in ("+86", "0086"):
            if compact.startswith(prefix):
                compact = compact[len(prefix) :].lstrip("-")
        digits = compact.replace("-", "")
        if _MOBILE.fullmatch(digits):
            return digits
        if _HOTLINE.fullmatch(digits):
            return f"400-{digits[3:6]}-{digits[6:]}"
        typed = _LANDLINE.fullmatch(compact) if "-" in compact else None
        if typed:
            return f"{typed.group(1)}-{typed.group(2)}"
        if digits.isdigit() and digits.startswith("0"):
            area = 3 if digits[1] in "12" else 4
            local = digits[area:]
            if 7 <= len(local) <= 8:
                return f"{digits[:area]}-{local}"
    raise FieldRefused(
        f"{_show(value)} is not a phone number; give a mobile (13800138000), "
        "a landline with area code (0755-12345678) or a 400 number (400-123-4567)",
        f"{_show(value)} 不是有效电话号码；"
        "请填写手机号（13800138000）、带区号的座机（0755-12345678）或 400 号码",
    )


def _datetime(value: Any, field: _Field, choices: Sequence[dict[str, Any]], zone: tzinfo) -> str:
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        raise FieldRefused(
            f"{_show(value)} is not a date and time; use ISO 8601 such as 2026-11-23T14:30",
            f"{_show(value)} 不是有效的日期时间；格式如 2026-11-23T14:30",
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=zone)
    try:  # 0001-01-01T00:00 or 9999-12-31T23:59-23:59 cannot be moved into UTC or the zone
        moment.astimezone(UTC)
        return moment.astimezone(zone).isoformat()
    except OverflowError:
        raise FieldRefused(
            f"{_show(value)} is outside the range of dates kefu can keep",
            f"{_show(value)} 超出可记录的日期范围",
        ) from None


def _date(value: Any, field: _Field, choices: Sequence[dict[str, Any]], zone: tzinfo) -> str:
    day: date | None = None
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None:
        raise FieldRefused(
            f"{_show(value)} is not a date; use YYYY-MM-DD such as 2026-11-23",
            f"{_show(value)} 不是有效日期；格式如 2026-11-23",
        )
    _check_range(day.isoformat(), field, str)
    return day.isoformat()


def _codes_text(choices: Sequence[dict[str, Any]]) -> str:
    return ", ".join(str(c["code"]) for c in choices)


def _pick(value: Any, choices: Sequence[dict[str, Any]]) -> Any:
    for choice in choices:
        if value == choice["code"] or (isinstance(value, str) and value.strip() == str(choice["code"])):
            return choice["code"]
    raise FieldRefused(
        f"{_show(value)} is not one of: {_codes_text(choices)}",
        f"{_show(value)} 不在可选项中：{_codes_text(choices)}",
    )


def _choice(value: Any, field: _Field, choices: Sequence[dict[str, Any]], zone: tzinfo) -> Any:
    return _pick(value, choices)


def _multi_choice(value: Any, field: _Field, choices: Sequence[dict[str, Any]], zone: tzinfo) -> list[Any]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list | tuple):
        raise FieldRefused(
            f"expected a list of codes, got {_show(value)}", f"应为选项列表，收到 {_show(value)}"
        )
    picked: list[Any] = []
    bad: list[str] = []
    for item in values:
        try:
            code = _pick(item, choices)
        except FieldRefused:
            bad.append(_show(item))
            continue
        if code not in picked:
            picked.append(code)
    if bad:
        raise FieldRefused(
            f"{', '.join(bad)} not among: {_codes_text(choices)}",
            f"{', '.join(bad)} 不在可选项中：{_codes_text(choices)}",
        )
    return picked


def _boolean(value: Any, field: _Field, choices: Sequence[dict[str, Any]], zone: tzinfo) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise FieldRefused(
        f"{_show(value)} is not yes or no; use true/false",
        f"{_show(value)} 不是“是/否”；请填 true/false 或 是/否",
    )


def _integer(value: Any, field: _Field, choices: Sequence[dict[str, Any]], zone: tzinfo) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer() and abs(value) < 2**53:  # JSON's 3.0 is 3
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        number = int(value.strip())
    if number is None:
        raise FieldRefused(f"{_show(value)} is not a whole number", f"{_show(value)} 不是整数")
    _check_range(number, field, int)
    return number


def _amount(value: Any, field: _Field, choices: Sequence[dict[str, Any]], zone: tzinfo) -> str:
    amount: Decimal | None = None
    if isinstance(value, int | float | Decimal | str) and not isinstance(value, bool):
        text = re.sub(r"[\s,，¥￥元]", "", str(value))
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
    if amount is None or not amount.is_finite():
        raise FieldRefused(
            f"{_show(value)} is not an amount in yuan such as 1280.50",
            f"{_show(value)} 不是有效金额（元），如 1280.50",
        )
    if amount < 0:
        raise FieldRefused(
            f"{_show(value)} is negative; amounts are ≥ 0", f"{_show(value)} 为负数；金额不能小于 0"
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise FieldRefused(
            f"{_show(value)} has more than 2 decimal places", f"{_show(value)} 小数位超过 2 位"
        )
    _check_range(amount, field, Decimal)
    return str(amount.quantize(Decimal("0.01")))


def _check_range(value: Any, field: _Field, kind: Callable[[Any], Any]) -> None:
    if field.min is not None and value < kind(field.min):
        raise FieldRefused(f"{value} is below the minimum {field.min}", f"{value} 小于最小值 {field.min}")
    if field.max is not None and value > kind(field.max):
        raise FieldRefused(f"{value} is above the maximum {field.max}", f"{value} 大于最大值 {field.max}")


_CONVERTERS: dict[str, Callable[[Any, _Field, Sequence[dict[str, Any]], tzinfo], Any]] = {
    "text": _text,
    "textarea": _text,
    "phone": _phone,
    "datetime": _datetime,
    "date": _date,
    "choice": _choice,
    "multi_choice": _multi_choice,
    "boolean": _boolean,
    "integer": _integer,
    "amount": _amount,
}


def convert(value: Any, field: _Field, choices: Sequence[dict[str, Any]], zone: tzinfo) -> Any:
    """The clean value of ``value`` for ``field``; raises :class:`FieldRefused`."""
    return _CONVERTERS[field.type](value, field, choices, zone)
