"""What a resident without an account proves a case with (CASE-1, RATE-1, STA-4).

Either the applicant's name, or the last six characters of the applicant's resident ID
number (digits and ``X``, what a kiosk's numeric keypad types; issue 21). Exactly one of
the two is given. Every mismatch (no such case, another name, another suffix, an
enterprise's case proven by an ID suffix) answers the same ``NOT_FOUND``, so guessing
learns nothing; the callers count every attempt against the same lookup limits.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from servicehall.codes import normalize_code
from servicehall.errors import InvalidInput, NotFound
from servicehall.models import ApplicantKind, Case
from servicehall.numbering import parse_case_number
from servicehall.resolvers.cases import NOT_FOUND_MESSAGE, same_name

#: How many trailing characters of the ID number prove a case.
ID_SUFFIX_LENGTH = 6
_SUFFIX = re.compile(rf"\d{{{ID_SUFFIX_LENGTH - 1}}}[\dX]")
SUFFIX_NOT_FOUND_MESSAGE = "未找到该办件，请核对办件编号和申请人证件号码后六位"


@dataclass(frozen=True, slots=True)
class Proof:
    """The applicant's name or the ID number's last six characters (one of them)."""

    applicant_name: str | None = None
    id_number_suffix: str | None = None

    def __post_init__(self) -> None:
        name = (self.applicant_name or "").strip()
        suffix = (self.id_number_suffix or "").strip()
        if bool(name) == bool(suffix):
            raise InvalidInput(
                "请输入申请人姓名或申请人证件号码后六位（二者选一）", field="applicantName"
            )
        if suffix and not _SUFFIX.fullmatch(normalize_code(suffix)):
            raise InvalidInput(
                f"证件号码后六位应为{ID_SUFFIX_LENGTH}位数字（最后一位可为X）",
                field="idNumberSuffix",
            )

    @property
    def by_suffix(self) -> bool:
        return bool((self.id_number_suffix or "").strip())

    def matches(self, case: Case) -> bool:
        if not self.by_suffix:
            return same_name(case.applicant_name, self.applicant_name or "")
        if case.applicant_kind != ApplicantKind.PERSON:
            return False
        given = normalize_code(self.id_number_suffix or "")
        stored = normalize_code(case.applicant_code)[-ID_SUFFIX_LENGTH:]
        return len(stored) == ID_SUFFIX_LENGTH and secrets.compare_digest(stored, given)

    @property
    def not_found(self) -> str:
        return SUFFIX_NOT_FOUND_MESSAGE if self.by_suffix else NOT_FOUND_MESSAGE


async def proven_case(case_number: str, proof: Proof) -> Case:
    """The case whose number and proof both match; one ``NOT_FOUND`` for every mismatch."""
    number = parse_case_number(case_number)
    case = await Case.get_or_none(case_number=number)
    if case is None or not proof.matches(case):
        raise NotFound(proof.not_found, field="caseNumber")
    return case
