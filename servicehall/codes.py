"""Identification codes of Chinese enterprises and residents, checked before any lookup.
The hall's own case and licence numbers are ``numbering.py``.

- Unified Social Credit Code (统一社会信用代码), GB 32100-2015: 18 characters from a
  31-symbol set (digits and capitals without I, O, S, V, Z):
  ``[1] registration authority [2] entity type [3-8] division code [9-17] organisation code
  [18] check character``, where the check character makes
  ``sum(value(c_i) * 3^(i-1) mod 31) + value(c_18) ≡ 0 (mod 31)``.
- Organisation code (组织机构代码), GB 11714-1997: 8 body characters and a check character
  ``11 - sum(value * w) mod 11`` with weights 3, 7, 9, 10, 5, 8, 4, 2 (10 → ``X``, 11 → ``0``).
- Legacy business registration number (工商注册号), GS 15001-2006: 15 digits whose last is an
  ISO 7064 MOD 11,10 check digit.
- Resident ID number (公民身份号码), GB 11643-1999: 6-digit division, 8-digit birth date,
  3-digit sequence and an ISO 7064 MOD 11-2 check character (``X`` for 10).

Every failure raises a typed error whose ``details["check"]`` names the failed check.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from servicehall import clock
from servicehall.errors import InvalidCreditCode, InvalidIdNumber, InvalidRegistrationNumber

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

#: Registration authorities of GB 32100-2015 (with the 2017/2018 additions N and A)
#: and the entity types each may issue.
REGISTRATION_AUTHORITIES: dict[str, tuple[str, str]] = {
    "1": ("机构编制", "1239"),
    "2": ("外交", "19"),
    "3": ("司法行政", "1234569"),
    "4": ("文化", "19"),
    "5": ("民政", "1239"),
    "6": ("旅游", "129"),
    "7": ("宗教", "129"),
    "8": ("工会", "19"),
    "9": ("市场监督管理", "123"),
    "A": ("中央军委改革和编制办公室", "19"),
    "N": ("农业农村", "1239"),
    "Y": ("其他", "1"),
}

#: Province-level prefixes of GB/T 2260 administrative division codes.
PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)

CHECKS = {
    "LENGTH": "长度应为18位",
    "CHARSET": "含有不允许的字符（不使用I、O、S、V、Z）",
    "REGISTRATION_AUTHORITY": "登记管理部门或机构类别代码无效",
    "DIVISION_CODE": "登记管理机关行政区划码无效",
    "ORGANIZATION_CODE": "组织机构代码（第9至17位）校验不通过",
    "CHECK_CHARACTER": "校验码（第18位）不正确",
}


@dataclass(frozen=True, slots=True)
class CreditCode:
    """A Unified Social Credit Code that passed every check."""

    value: str

    @property
    def registration_authority(self) -> str:
        return REGISTRATION_AUTHORITIES[self.value[0]][0]

    @property
    def division_code(self) -> str:
        return self.value[2:8]

    @property
    def organization_code(self) -> str:
        """The embedded GB 11714 organisation code, written ``XXXXXXXX-X``."""
        return f"{self.value[8:16]}-{self.value[16]}"


def normalize_code(raw: str) -> str:
    """Full-width to half-width, trimmed, upper case: what people type is what we check."""
    return unicodedata.normalize("NFKC", raw).strip().upper()


def uscc_check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_character(body: str) -> str:
    """The GB 11714 check character for an 8-character organisation code body."""
    total = sum(_org_value(ch) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _org_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10


def _fail(check: str, code: str, field: str) -> InvalidCreditCode:
    return InvalidCreditCode(
        f"统一社会信用代码“{code}”{CHECKS[check]}",
        field=field,
        details={"check": check},
    )


def parse_credit_code(raw: str, *, field: str = "creditCode") -> CreditCode:
    """Validate a Unified Social Credit Code.

    Raises:
        InvalidCreditCode: with ``details["check"]`` one of :data:`CHECKS`.

    Example:
        >>> parse_credit_code("914403001922038216").organization_code
        '19220382-1'
    """
    code = normalize_code(raw)
    if len(code) != 18:
        raise _fail("LENGTH", code, field)
    if any(ch not in _USCC_VALUE for ch in code):
        raise _fail("CHARSET", code, field)
    authority = REGISTRATION_AUTHORITIES.get(code[0])
    if authority is None or code[1] not in authority[1]:
        raise _fail("REGISTRATION_AUTHORITY", code, field)
    if not code[2:8].isdigit() or code[2:4] not in PROVINCE_PREFIXES:
        raise _fail("DIVISION_CODE", code, field)
    if org_code_check_character(code[8:16]) != code[16]:
        raise _fail("ORGANIZATION_CODE", code, field)
    if uscc_check_character(code[:17]) != code[17]:
        raise _fail("CHECK_CHARACTER", code, field)
    return CreditCode(code)


def mod11_10_check_digit(digits: str) -> str:
    """ISO 7064 MOD 11,10 check digit for a string of decimal digits."""
    product = 10
    for ch in digits:
        total = product % 11 + int(ch)
        product = ((total % 10) or 10) * 2
    return str((1 - product % 11) % 10)


_REG_NUMBER = re.compile(r"\d{15}")


def parse_registration_number(raw: str, *, field: str = "registrationNumber") -> str:
    """Validate a legacy 15-digit business registration number (工商注册号).

    Raises:
        InvalidRegistrationNumber: with ``details["check"]`` LENGTH, DIVISION_CODE or
            CHECK_CHARACTER.
    """
    number = normalize_code(raw)
    if not _REG_NUMBER.fullmatch(number):
        raise InvalidRegistrationNumber(
            f"工商注册号“{number}”应为15位数字", field=field, details={"check": "LENGTH"}
        )
    if number[:2] not in PROVINCE_PREFIXES:
        raise InvalidRegistrationNumber(
            f"工商注册号“{number}”的登记机关行政区划码无效",
            field=field,
            details={"check": "DIVISION_CODE"},
        )
    if mod11_10_check_digit(number[:14]) != number[14]:
        raise InvalidRegistrationNumber(
            f"工商注册号“{number}”校验位不正确", field=field, details={"check": "CHECK_CHARACTER"}
        )
    return number


def make_credit_code(authority: str, kind: str, division: str, org_body: str) -> str:
    """Assemble a valid credit code from its parts (for demo data and tests)."""
    org = org_body + org_code_check_character(org_body)
    first17 = f"{authority}{kind}{division}{org}"
    return first17 + uscc_check_character(first17)


def make_registration_number(prefix14: str) -> str:
    """Append the MOD 11,10 check digit to 14 digits (for demo data and tests)."""
    return prefix14 + mod11_10_check_digit(prefix14)


_ID_NUMBER = re.compile(r"\d{17}[\dX]")


def id_number_check_character(first17: str) -> str:
    """The GB 11643 check character for 17 digits (ISO 7064 MOD 11-2)."""
    return mod11_2_check_character(first17)


def parse_id_number(raw: str, *, field: str = "idNumber") -> str:
    """Validate an 18-character resident ID number.

    Raises:
        InvalidIdNumber: with ``details["check"]`` LENGTH, DIVISION_CODE, BIRTH_DATE or
            CHECK_CHARACTER.
    """
    number = normalize_code(raw)
    if not _ID_NUMBER.fullmatch(number):
        raise InvalidIdNumber("身份证号码应为18位", field=field, details={"check": "LENGTH"})
    if number[:2] not in PROVINCE_PREFIXES:
        raise InvalidIdNumber(
            "身份证号码的地址码无效", field=field, details={"check": "DIVISION_CODE"}
        )
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or not date(1900, 1, 1) <= born <= clock.local_today():
        raise InvalidIdNumber(
            "身份证号码的出生日期无效", field=field, details={"check": "BIRTH_DATE"}
        )
    if id_number_check_character(number[:17]) != number[17]:
        raise InvalidIdNumber(
            "身份证号码校验位不正确", field=field, details={"check": "CHECK_CHARACTER"}
        )
    return number


def mask_id_number(number: str) -> str:
    """``440403199001011234`` → ``4404**********1234`` (shown, never the whole number)."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:] if len(number) > 8 else "****"


def make_id_number(division: str, born: date, sequence: int) -> str:
    """A valid ID number (demo data and tests)."""
    first17 = f"{division}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_character(first17)


def parse_enterprise_code(raw: str, *, field: str = "creditCode") -> tuple[str, str]:
    """Which registry key ``raw`` is: ``("credit_code", code)`` or ``("registration_number",
    number)`` for a legacy 15-digit registration number (ENT-2 accepts both).

    Raises:
        InvalidCreditCode / InvalidRegistrationNumber: naming the failed check.
    """
    code = normalize_code(raw)
    if len(code) == 15 and code.isdigit():
        return "registration_number", parse_registration_number(code, field=field)
    return "credit_code", parse_credit_code(code, field=field).value


def mod11_2_check_character(digits: str) -> str:
    """ISO 7064 MOD 11-2 over any number of digits (``X`` stands for 10)."""
    total = 0
    for digit in digits:
        total = (total + int(digit)) * 2 % 11
    value = (12 - total) % 11
    return "X" if value == 10 else str(value)
