"""ID documents of visitors (R4.1) and the masking of personal numbers in lists and exports (R0.8).

``check_id_document(kind, number)`` returns the normalised number or raises :class:`IdDocumentError`
with a message that quotes the number and says what is wrong, in English and Chinese:

=================  ======================================================================
kind               accepted
=================  ======================================================================
``resident_id``    mainland resident ID 居民身份证: 18 characters, a valid birth date, the
                   GB 11643-1999 check digit (ISO 7064 MOD 11-2; ``X`` for 10)
``passport``       护照: 5–17 letters and digits, at least one digit
``hk_macau``       港澳居民来往内地通行证: ``H`` or ``M`` and 8 or 10 digits
``taiwan``         台湾居民来往大陆通行证: 8 digits (the older 10-character form also)
=================  ======================================================================

``mask_id_number("440305199003071235")`` → ``4403**********123X``-style: the first four and the last
four characters stay, the rest become ``*``, so a list still tells two visitors apart without
showing who they are.
"""

from __future__ import annotations

import re
from datetime import date

from engine.errors import FormError

__all__ = ["ID_KINDS", "IdDocumentError", "check_id_document", "mask_id_number", "resident_id_check_digit"]

ID_KINDS = ("resident_id", "passport", "hk_macau", "taiwan")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_RESIDENT = re.compile(r"\d{17}[\dX]")
_PASSPORT = re.compile(r"[A-Z0-9]{5,17}")
_HK_MACAU = re.compile(r"[HM](\d{8}|\d{10})")
_TAIWAN = re.compile(r"\d{8}|\d{10}")
_KIND_NAMES = {
    "resident_id": "居民身份证",
    "passport": "护照",
    "hk_macau": "港澳居民来往内地通行证",
    "taiwan": "台湾居民来往大陆通行证",
}


class IdDocumentError(FormError):
    """An ID document number that does not fit its kind; ``zh`` is the Chinese message."""

    code = "identity.E001"

    def __init__(self, en: str, zh: str, field: str = "id_number") -> None:
        super().__init__(en, {field: en})
        self.zh = zh
        self.errors_zh = {field: zh}  # the field's message on a Chinese page (webui.errors.field_errors)

    def __str__(self) -> str:
        return self.message


def resident_id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def _normalise(number: str) -> str:
    return re.sub(r"[\s-]", "", str(number or "")).upper()


def _check_resident_id(raw: str, number: str) -> str:
    if not _RESIDENT.fullmatch(number):
        raise IdDocumentError(
            f"ID number {raw}: a resident ID has 18 characters, 17 digits and a digit or X "
            f"(got {len(number)}); check the number on the card",
            f"身份证号 {raw}：应为18位（17位数字加1位数字或X），实际{len(number)}位，请核对证件",
        )
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900:
        raise IdDocumentError(
            f"ID number {raw}: birth date {number[6:14]} is not a valid date; check digits 7–14",
            f"身份证号 {raw}：出生日期 {number[6:14]} 无效，请核对第7–14位",
        )
    expected = resident_id_check_digit(number[:17])
    if number[17] != expected:
        raise IdDocumentError(
            f"ID number {raw}: check digit should be {expected}, not {number[17]}; "
            "a digit was probably misread",
            f"身份证号 {raw}：校验码应为 {expected}（而非 {number[17]}），请核对是否录错",
        )
    return number


def check_id_document(kind: str, number: str, today: date | None = None) -> str:
    """The normalised number when it fits ``kind``; IdDocumentError saying what is wrong otherwise."""
    raw = str(number or "").strip()
    value = _normalise(raw)
    if kind not in ID_KINDS:
        raise IdDocumentError(
            f"ID document type {kind!r} is unknown; use one of {', '.join(ID_KINDS)}",
            f"证件类型 {kind!r} 无效，可选：{'、'.join(_KIND_NAMES.values())}",
        )
    if not value:
        raise IdDocumentError(
            f"the {kind.replace('_', ' ')} number is missing; type it from the document",
            f"请填写{_KIND_NAMES[kind]}号码",
        )
    if kind == "resident_id":
        value = _check_resident_id(raw, value)
        if today is not None and date(int(value[6:10]), int(value[10:12]), int(value[12:14])) > today:
            raise IdDocumentError(
                f"ID number {raw}: birth date {value[6:14]} is in the future",
                f"身份证号 {raw}：出生日期 {value[6:14]} 晚于今天",
            )
        return value
    patterns = {
        "passport": (_PASSPORT, "5 to 17 letters and digits", "5–17位字母或数字"),
        "hk_macau": (_HK_MACAU, "H or M followed by 8 or 10 digits", "H或M加8位或10位数字"),
        "taiwan": (_TAIWAN, "8 digits (older permits: 10)", "8位数字（旧版10位）"),
    }
    pattern, en_rule, zh_rule = patterns[kind]
    if not pattern.fullmatch(value) or (kind == "passport" and not re.search(r"\d", value)):
        raise IdDocumentError(
            f"{kind.replace('_', ' ')} number {raw}: expected {en_rule}",
            f"{_KIND_NAMES[kind]}号码 {raw}：格式应为{zh_rule}",
        )
    return value


def mask_id_number(number: str | None, keep_head: int = 4, keep_tail: int = 4) -> str:
    """The number with all but its first and last four characters replaced by ``*`` (R0.8)."""
    if not number:
        return ""
    text = str(number)
    if len(text) <= keep_head + keep_tail:
        return text[:1] + "*" * (len(text) - 1)
    return text[:keep_head] + "*" * (len(text) - keep_head - keep_tail) + text[-keep_tail:]
