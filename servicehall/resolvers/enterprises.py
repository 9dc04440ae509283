"""Reads of the enterprise registry (ENT-3, basic record)."""

from __future__ import annotations

from servicehall.codes import normalize_code, parse_credit_code, parse_registration_number


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
