"""ENT-2, ENT-3: credit codes and registration numbers are checked before any lookup."""

from __future__ import annotations

from datetime import date

import pytest

from servicehall.codes import (
    make_credit_code,
    make_registration_number,
    mod11_10_check_digit,
    org_code_check_character,
    parse_credit_code,
    parse_registration_number,
    uscc_check_character,
)
from servicehall.errors import (
    ErrorCode,
    InvalidCaseNumber,
    InvalidCreditCode,
    InvalidLicenseNumber,
    InvalidRegistrationNumber,
)
from servicehall.numbering import (
    ALPHANUMERIC,
    format_case_number,
    format_license_number,
    make_case_number,
    make_license_number,
    mod37_36_check_character,
    parse_case_number,
    parse_license_number,
)

# Published codes of well-known enterprises: independent evidence the algorithms are right.
REAL_CODES = {
    "914403001922038216": "19220382-1",  # 华为技术有限公司
    "9144030071526726XG": "71526726-X",  # 深圳市腾讯计算机系统有限公司
    "91110108551385082Q": "55138508-2",  # 北京小米科技有限责任公司
    "91330100716105852F": "71610585-2",  # 阿里巴巴（中国）有限公司
}


@pytest.mark.parametrize(("code", "org"), REAL_CODES.items())
def test_real_codes_pass_and_expose_the_organisation_code(code: str, org: str) -> None:
    parsed = parse_credit_code(code)
    assert parsed.value == code
    assert parsed.organization_code == org
    assert parsed.division_code == code[2:8]


def test_input_is_normalised_before_checking() -> None:
    assert parse_credit_code(" ９１４４０３００１９２２０３８２１６ ").value == "914403001922038216"
    assert parse_credit_code("9144030071526726xg").value == "9144030071526726XG"


@pytest.mark.parametrize(
    ("code", "check"),
    [
        ("91440300192203821", "LENGTH"),
        ("9144030019220382166", "LENGTH"),
        ("91440300I92203821X", "CHARSET"),  # I is not in the 31-symbol set
        ("Z14403001922038216", "CHARSET"),
        ("B14403001922038216", "REGISTRATION_AUTHORITY"),
        ("941403001922038216", "REGISTRATION_AUTHORITY"),  # 市场监管 issues types 1-3 only
        ("919903001922038216", "DIVISION_CODE"),  # no province 99
        ("914403001922038226", "ORGANIZATION_CODE"),
        ("914403001922038217", "CHECK_CHARACTER"),
    ],
)
def test_each_failed_check_is_named(code: str, check: str) -> None:
    with pytest.raises(InvalidCreditCode) as caught:
        parse_credit_code(code)
    error = caught.value
    assert error.code is ErrorCode.INVALID_CREDIT_CODE
    assert error.details["check"] == check
    assert error.field == "creditCode"
    assert code[:17] in error.message
    assert error.extensions["code"] == "INVALID_CREDIT_CODE"
    assert error.extensions["check"] == check


def test_every_single_character_typo_is_caught() -> None:
    code = "914403001922038216"
    for position in range(18):
        for replacement in "0123456789ABCDEFGHJKLMNPQRTUWXY":
            if replacement == code[position]:
                continue
            typo = code[:position] + replacement + code[position + 1 :]
            with pytest.raises(InvalidCreditCode):
                parse_credit_code(typo)


def test_check_characters_of_the_standards() -> None:
    assert uscc_check_character("91440300192203821") == "6"
    assert org_code_check_character("71526726") == "X"
    assert make_credit_code("9", "1", "440300", "19220382") == "914403001922038216"


@pytest.mark.parametrize("number", ["440301103097413", "110108000000016"])
def test_published_registration_numbers_pass(number: str) -> None:
    assert parse_registration_number(number) == number


def test_registration_number_failures_are_typed() -> None:
    cases = {
        "44030110309741": "LENGTH",
        "4403011030974A3": "LENGTH",
        "990301103097413": "DIVISION_CODE",
        "440301103097414": "CHECK_CHARACTER",
    }
    for number, check in cases.items():
        with pytest.raises(InvalidRegistrationNumber) as caught:
            parse_registration_number(number)
        assert caught.value.details["check"] == check


def test_mod11_10_detects_every_single_digit_error() -> None:
    number = make_registration_number("44040300012345")
    assert mod11_10_check_digit(number[:14]) == number[14]
    for position in range(15):
        for digit in "0123456789":
            if digit != number[position]:
                typo = number[:position] + digit + number[position + 1 :]
                with pytest.raises(InvalidRegistrationNumber):
                    parse_registration_number(typo)


def test_case_numbers_catch_every_single_typo_and_neighbour_swap() -> None:
    """The check character of a case number catches one mistyped digit anywhere and two
    neighbours swapped, before any lookup (CASE-1)."""
    number = make_case_number(date(2026, 11, 26), 17)
    assert format_case_number(number) == "440403-20261126-00017-2"
    assert parse_case_number(" 440403-20261126-00017-2 ") == number
    for position in range(19):
        for digit in "0123456789":
            typo = number[:position] + digit + number[position + 1 :]
            if typo == number:
                continue
            with pytest.raises(InvalidCaseNumber) as caught:
                parse_case_number(typo)
            assert caught.value.details["check"] in ("CHECK_CHARACTER", "DATE")
    for position in range(18):
        swapped = (
            number[:position] + number[position + 1] + number[position] + number[position + 2 :]
        )
        if swapped != number:
            with pytest.raises(InvalidCaseNumber):
                parse_case_number(swapped)


@pytest.mark.parametrize(
    ("raw", "check"),
    [
        ("44040320261126", "LENGTH"),
        ("4404032026112600017A", "LENGTH"),
        ("44040320261331000172", "DATE"),
    ],
)
def test_malformed_case_numbers(raw: str, check: str) -> None:
    with pytest.raises(InvalidCaseNumber) as caught:
        parse_case_number(raw)
    assert caught.value.details["check"] == check and caught.value.field == "caseNumber"


def test_mod37_36_matches_the_standards_example() -> None:
    """ISO 7064's worked example of MOD 37,36 (also python-stdnum's test vector)."""
    assert mod37_36_check_character("A12425GABC1234002") == "M"


def test_license_numbers_catch_every_single_typo_and_almost_every_swap() -> None:
    """LIC-3: the licence number's check character catches every mistyped character and
    all but about 1 in 250 swaps of two neighbours (what MOD 37,36 promises)."""
    numbers = [
        make_license_number(code, year, serial)
        for code in ("SPJY", "PWXK", "A1", "JZAQ2026")
        for year in (2015, 2026)
        for serial in (1, 17, 4711, 999_999)
    ]
    swaps = missed = 0
    for number in numbers:
        assert parse_license_number(format_license_number(number).lower()) == number
        for i, original in enumerate(number):
            for ch in ALPHANUMERIC:
                if ch != original:
                    typo = number[:i] + ch + number[i + 1 :]
                    with pytest.raises(InvalidLicenseNumber):
                        parse_license_number(typo)
        for i in range(len(number) - 1):
            if number[i] != number[i + 1]:
                swaps += 1
                swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
                try:
                    parse_license_number(swapped)
                    missed += 1
                except InvalidLicenseNumber:
                    pass
    assert missed / swaps < 1 / 100


def test_license_number_format_and_failures() -> None:
    number = make_license_number("SPJY", 2026, 123)
    assert format_license_number(number) == f"SPJY-440403-2026-000123-{number[-1]}"
    assert parse_license_number(f" spjy 440403 2026 000123 {number[-1].lower()} ") == number
    for raw, check in (
        ("SPJY-440403-2026-123-X", "FORMAT"),
        ("1SPJ-440403-2026-000123-X", "FORMAT"),
        ("TOOLONGCODE-440403-2026-000123-X", "FORMAT"),
        (number[:-1] + ("0" if number[-1] != "0" else "1"), "CHECK_CHARACTER"),
    ):
        with pytest.raises(InvalidLicenseNumber) as caught:
            parse_license_number(raw)
        assert caught.value.details["check"] == check
        assert caught.value.code is ErrorCode.INVALID_LICENSE_NUMBER
    with pytest.raises(ValueError, match="capitals"):
        make_license_number("spjy", 2026, 1)
    with pytest.raises(ValueError, match="999999"):
        make_license_number("SPJY", 2026, 1_000_000)
