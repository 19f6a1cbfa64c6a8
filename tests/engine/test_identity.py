"""ID documents (R4.1) and masking (R0.8): engine.identity."""

from __future__ import annotations

from datetime import date

import pytest

from engine.errors import FormError
from engine.identity import IdDocumentError, check_id_document, mask_id_number, resident_id_check_digit


@pytest.mark.parametrize("number", ["11010519491231002X", "440305199003071236", "44030619851120456X"])
def test_a_resident_id_with_the_right_check_digit_is_accepted(number: str) -> None:
    assert check_id_document("resident_id", number) == number


def test_a_lower_case_x_and_spaces_are_normalised() -> None:
    assert check_id_document("resident_id", " 110105 19491231 002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("first17", "digit"), [("11010519491231002", "X"), ("44030519900307123", "6"), ("11010519900307123", "9")]
)
def test_the_check_digit_follows_gb_11643(first17: str, digit: str) -> None:
    assert resident_id_check_digit(first17) == digit


def test_a_wrong_check_digit_names_the_expected_one() -> None:
    with pytest.raises(IdDocumentError) as caught:
        check_id_document("resident_id", "110105199003071234")
    assert str(caught.value).startswith("ID number 110105199003071234: check digit should be 9")
    assert "校验码应为 9" in caught.value.zh
    assert isinstance(caught.value, FormError) and caught.value.errors["id_number"]


@pytest.mark.parametrize(
    ("number", "phrase"),
    [
        ("11010519900307123", "has 18 characters"),
        ("1101051990030712345", "has 18 characters"),
        ("11010519901307123X", "birth date 19901307 is not a valid date"),
        ("11010518000230123X", "birth date 18000230 is not a valid date"),
        ("1101051990030712A4", "has 18 characters, 17 digits"),
    ],
)
def test_a_malformed_resident_id_says_what_is_wrong(number: str, phrase: str) -> None:
    with pytest.raises(IdDocumentError) as caught:
        check_id_document("resident_id", number)
    assert phrase in str(caught.value)
    assert number in str(caught.value)


def test_a_birth_date_in_the_future_is_refused() -> None:
    first17 = "11010520300101123"
    with pytest.raises(IdDocumentError, match="in the future"):
        check_id_document("resident_id", first17 + resident_id_check_digit(first17), date(2026, 11, 23))


@pytest.mark.parametrize(
    ("kind", "number"),
    [
        ("passport", "E12345678"),
        ("passport", "G1234567"),
        ("hk_macau", "H12345678"),
        ("hk_macau", "M1234567890"),
        ("taiwan", "12345678"),
        ("taiwan", "1234567890"),
    ],
)
def test_other_documents_in_their_basic_format_are_accepted(kind: str, number: str) -> None:
    assert check_id_document(kind, number) == number


@pytest.mark.parametrize(
    ("kind", "number", "phrase"),
    [
        ("passport", "ABCDEFG", "5 to 17 letters and digits"),
        ("passport", "E1", "5 to 17 letters and digits"),
        ("hk_macau", "X12345678", "H or M followed by 8 or 10 digits"),
        ("hk_macau", "H1234", "H or M followed by 8 or 10 digits"),
        ("taiwan", "1234567", "8 digits"),
    ],
)
def test_other_documents_in_a_wrong_format_are_refused(kind: str, number: str, phrase: str) -> None:
    with pytest.raises(IdDocumentError, match=phrase):
        check_id_document(kind, number)


def test_an_unknown_document_type_lists_the_known_ones() -> None:
    with pytest.raises(IdDocumentError, match="use one of resident_id, passport, hk_macau, taiwan"):
        check_id_document("driving_licence", "123")


def test_a_missing_number_is_refused() -> None:
    with pytest.raises(IdDocumentError, match="missing"):
        check_id_document("passport", "  ")


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("44030519900307123X", "4403**********123X"),
        ("E12345678", "E123*5678"),
        ("H1234567", "H*******"),
        ("", ""),
        (None, ""),
    ],
)
def test_masking_keeps_the_first_and_last_four(number: str | None, masked: str) -> None:
    assert mask_id_number(number) == masked
