"""The hall's own numbers, checked before any lookup.

- Case number (办件编号) of this hall: 6-digit division of the district, 8-digit date of
  submission, 5-digit serial of the day and an ISO 7064 MOD 11-2 check character: 20
  characters, written in groups as ``440403-20261126-00017-2``. The check character catches
  every single mistyped digit and every swap of two neighbours before a lookup is made.
- Licence number (证照编号) of this hall's e-licences: the catalogue code of the licence
  type (2 to 8 capitals and digits, starting with a capital), the 6-digit division of the
  district, the 4-digit year of issue, a 6-digit serial within code and year, and an
  ISO 7064 MOD 37,36 check character (``0``-``9``, ``A``-``Z``) over all of it. Written
  ``SPJY-440403-2026-000123-9``, stored without hyphens (the tail has a fixed length, so
  the code is whatever precedes it). The check character catches every single mistyped
  character and all but about 1 in 250 swaps of two neighbours.

Every failure raises a typed error whose ``details["check"]`` names the failed check.
"""

from __future__ import annotations

import re
from datetime import date

from servicehall.codes import mod11_2_check_character, normalize_code
from servicehall.errors import InvalidCaseNumber, InvalidLicenseNumber

DISTRICT_DIVISION = "440403"
_CASE_NUMBER = re.compile(r"\d{19}[\dX]")


def make_case_number(submitted: date, serial: int, *, division: str = DISTRICT_DIVISION) -> str:
    if not 1 <= serial <= 99999:
        raise ValueError("a day holds at most 99999 cases")
    first19 = f"{division}{submitted:%Y%m%d}{serial:05d}"
    return first19 + mod11_2_check_character(first19)


def format_case_number(number: str) -> str:
    """``44040320261126000172`` → ``440403-20261126-00017-2`` (how it is printed)."""
    return f"{number[:6]}-{number[6:14]}-{number[14:19]}-{number[19:]}"


def parse_case_number(raw: str, *, field: str = "caseNumber") -> str:
    """A case number as typed (spaces and hyphens allowed, lower-case ``x``), checked.

    Raises:
        InvalidCaseNumber: with ``details["check"]`` LENGTH, DATE or CHECK_CHARACTER.
    """
    number = normalize_code(raw).replace("-", "")
    if not _CASE_NUMBER.fullmatch(number):
        raise InvalidCaseNumber(
            "办件编号应为20位（如440403-20261126-00017-2）",
            field=field,
            details={"check": "LENGTH"},
        )
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidCaseNumber(
            "办件编号中的日期无效", field=field, details={"check": "DATE"}
        ) from None
    if mod11_2_check_character(number[:19]) != number[19]:
        raise InvalidCaseNumber(
            "办件编号校验位不正确，请核对是否输错",
            field=field,
            details={"check": "CHECK_CHARACTER"},
        )
    return number


ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ALNUM_VALUE = {ch: i for i, ch in enumerate(ALPHANUMERIC)}


def _mod37_36(text: str) -> int:
    """The running value of ISO 7064 MOD 37,36 (a hybrid system over 36 symbols)."""
    check = 18
    for ch in text:
        check = ((check or 36) * 2 % 37 + _ALNUM_VALUE[ch]) % 36
    return check


def mod37_36_check_character(text: str) -> str:
    """ISO 7064 MOD 37,36 check character for digits and capitals.

    Example:
        >>> mod37_36_check_character("A12425GABC1234002")
        'M'
    """
    return ALPHANUMERIC[(1 - (_mod37_36(text) or 36) * 2 % 37) % 36]


CATALOG_CODE = re.compile(r"[A-Z][A-Z0-9]{1,7}")
_LICENSE_NUMBER = re.compile(r"([A-Z][A-Z0-9]{1,7})(\d{6})(\d{4})(\d{6})([0-9A-Z])")


def make_license_number(
    catalog_code: str, year: int, serial: int, *, division: str = DISTRICT_DIVISION
) -> str:
    """A licence number (stored form, without hyphens)."""
    if not CATALOG_CODE.fullmatch(catalog_code):
        raise ValueError(f"catalogue code {catalog_code!r} is not 2 to 8 capitals and digits")
    if not 1 <= serial <= 999_999:
        raise ValueError("a catalogue code holds at most 999999 licences a year")
    body = f"{catalog_code}{division}{year:04d}{serial:06d}"
    return body + mod37_36_check_character(body)


def format_license_number(number: str) -> str:
    """``SPJY44040320260001239`` → ``SPJY-440403-2026-000123-9`` (how it is printed)."""
    code = number[:-17]
    tail = number[-17:]
    return f"{code}-{tail[:6]}-{tail[6:10]}-{tail[10:16]}-{tail[16]}"


def parse_license_number(raw: str, *, field: str = "licenseNumber") -> str:
    """A licence number as typed (spaces and hyphens allowed, any case), checked.

    Raises:
        InvalidLicenseNumber: with ``details["check"]`` FORMAT or CHECK_CHARACTER.
    """
    number = "".join(normalize_code(raw).replace("-", "").split())
    if not _LICENSE_NUMBER.fullmatch(number):
        raise InvalidLicenseNumber(
            "证照编号格式不正确（如SPJY-440403-2026-000123-9）",
            field=field,
            details={"check": "FORMAT"},
        )
    if _mod37_36(number) != 1:
        raise InvalidLicenseNumber(
            "证照编号校验位不正确，请核对是否输错",
            field=field,
            details={"check": "CHECK_CHARACTER"},
        )
    return number
