"""What a record of each department feed (ENT-15) is: its fields, how each is checked
(credit code check character, months in range, amounts non-negative, known types, dates in
order), the model it goes to and the natural key that matches a record sent again.

Writing a batch of them is ``ingest.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from tortoise.models import Model

from servicehall.clock import local_today
from servicehall.codes import parse_credit_code
from servicehall.errors import InvalidInput, ServiceHallError
from servicehall.models import (
    CreditKind,
    CreditRecord,
    InsuranceRecord,
    InsuranceType,
    NonBankCategory,
    NonBankCreditRecord,
    NonBankStatus,
    Qualification,
    TaxRecord,
    TaxType,
)
from servicehall.models.base import LabelledEnum

MAX_AMOUNT = Decimal("1000000000000")


#: Certificate, voucher and decision numbers: letters, digits, CJK ideographs (decision
#: numbers read like 珠斗市监罚〔2026〕37号) and the usual brackets and separators.
REFERENCE = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff（）()〔〕\[\]【】\-/_.]{4,64}")


class FieldInvalid(InvalidInput):
    """One field of one record is bad; ``field`` names it (``creditCode``)."""

    field: str

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


def _text(record: Mapping[str, Any], name: str, limit: int, *, required: bool = True) -> str:
    value = " ".join(str(record.get(name) or "").split())
    if required and not value:
        raise FieldInvalid(name, "不能为空")
    if len(value) > limit:
        raise FieldInvalid(name, f"不能超过{limit}个字")
    return value


def _reference(record: Mapping[str, Any], name: str) -> str:
    value = str(record.get(name) or "").strip()
    if not REFERENCE.fullmatch(value):
        raise FieldInvalid(name, "编号格式不正确")
    return value


def _enum(record: Mapping[str, Any], name: str, kind: type[LabelledEnum]) -> LabelledEnum:
    """A member by value (``vat``), GraphQL name (``VAT``) or label (``增值税``): files
    exported from department systems and spreadsheets use any of the three."""
    value = record.get(name)
    if isinstance(value, kind):
        return value
    text = str(value or "").strip()
    for member in kind:
        if text in (member.value, member.name, member.label):
            return member
    raise FieldInvalid(name, f"不是已知的类型：{text:.20}")


def _maybe_amount(record: Mapping[str, Any], name: str) -> Decimal | None:
    return None if record.get(name) in (None, "") else _amount(record, name)


def _amount(record: Mapping[str, Any], name: str) -> Decimal:
    value = record.get(name)
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise FieldInvalid(name, "金额格式不正确") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise FieldInvalid(name, "金额须为不超过一万亿的非负数")
    if amount != amount.quantize(Decimal("0.01")):
        raise FieldInvalid(name, "金额最多两位小数")
    return amount.quantize(Decimal("0.01"))


def _maybe_date(record: Mapping[str, Any], name: str) -> date | None:
    return None if record.get(name) in (None, "") else _date(record, name)


def _date(record: Mapping[str, Any], name: str) -> date:
    value = record.get(name)
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        raise FieldInvalid(name, "日期格式应为 YYYY-MM-DD") from None
    if not date(1949, 10, 1) <= day <= date(2100, 12, 31):
        raise FieldInvalid(name, "日期超出范围")
    return day


def _month(record: Mapping[str, Any]) -> tuple[int, int]:
    try:
        year, month = int(record.get("year")), int(record.get("month"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise FieldInvalid("month", "年度和月份须为整数") from None
    today = local_today()
    if not 2000 <= year <= today.year:
        raise FieldInvalid("year", f"年度应在2000到{today.year}之间")
    if not 1 <= month <= 12:
        raise FieldInvalid("month", "月份应在1到12之间")
    if (year, month) > (today.year, today.month):
        raise FieldInvalid("month", "不能报送未来月份的数据")
    return year, month


def credit_code_of(record: Mapping[str, Any]) -> str:
    try:
        return parse_credit_code(str(record.get("creditCode") or "")).value
    except ServiceHallError as error:
        raise FieldInvalid("creditCode", error.message) from None


@dataclass(frozen=True)
class Feed:
    """One kind of department data: how to check a record and where it goes."""

    name: str
    label: str
    scope: str
    model: type[Model]
    #: model fields that identify a record (besides nothing else: they are unique)
    key: tuple[str, ...]
    clean: Callable[[Mapping[str, Any]], dict[str, Any]]


def _tax(record: Mapping[str, Any]) -> dict[str, Any]:
    year, month = _month(record)
    start, end = _date(record, "periodStart"), _date(record, "periodEnd")
    if start > end:
        raise FieldInvalid("periodEnd", "税款所属期止不能早于起")
    return {
        "voucher_number": _reference(record, "voucherNumber"),
        "tax_type": _enum(record, "taxType", TaxType),
        "year": year,
        "month": month,
        "amount": _amount(record, "amount"),
        "period_start": start,
        "period_end": end,
        "authority": _text(record, "authority", 64),
    }


def _insurance(record: Mapping[str, Any]) -> dict[str, Any]:
    year, month = _month(record)
    try:
        insured = int(record.get("insuredCount"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise FieldInvalid("insuredCount", "参保人数须为整数") from None
    if not 0 <= insured <= 1_000_000:
        raise FieldInvalid("insuredCount", "参保人数应在0到100万之间")
    return {
        "year": year,
        "month": month,
        "insurance_type": _enum(record, "insuranceType", InsuranceType),
        "insured_count": insured,
        "amount": _amount(record, "amount"),
        "authority": _text(record, "authority", 64),
    }


def _credit(record: Mapping[str, Any]) -> dict[str, Any]:
    published, until = _date(record, "publishedOn"), _maybe_date(record, "publishUntil")
    if published > local_today():
        raise FieldInvalid("publishedOn", "公示日期不能晚于今天")
    if until is not None and until < published:
        raise FieldInvalid("publishUntil", "公示截止日期不能早于公示日期")
    return {
        "decision_number": _reference(record, "decisionNumber"),
        "kind": _enum(record, "kind", CreditKind),
        "content": _text(record, "content", 256),
        "reason": _text(record, "reason", 2000),
        "issuer": _text(record, "issuer", 64),
        "published_on": published,
        "publish_until": until,
    }


def _qualification(record: Mapping[str, Any]) -> dict[str, Any]:
    certified = _date(record, "certifiedOn")
    start, end = _date(record, "validFrom"), _maybe_date(record, "validTo")
    if end is not None and end < start:
        raise FieldInvalid("validTo", "有效期止不能早于起")
    return {
        "certificate_number": _reference(record, "certificateNumber"),
        "name": _text(record, "name", 128),
        "grade": _text(record, "grade", 32, required=False),
        "certifying_body": _text(record, "certifyingBody", 64),
        "certified_on": certified,
        "valid_from": start,
        "valid_to": end,
        "publisher": _text(record, "publisher", 64),
    }


def _non_bank(record: Mapping[str, Any]) -> dict[str, Any]:
    recorded = _date(record, "recordedOn")
    return {
        "reference": _reference(record, "reference"),
        "category": _enum(record, "category", NonBankCategory),
        "subject": _text(record, "subject", 128),
        "status": _enum(record, "status", NonBankStatus),
        "amount": _maybe_amount(record, "amount"),
        "period": _text(record, "period", 32),
        "source": _text(record, "source", 64),
        "recorded_on": recorded,
    }


FEEDS = {
    feed.name: feed
    for feed in (
        Feed("tax", "纳税信息", "ingest:tax", TaxRecord, ("voucher_number",), _tax),
        Feed(
            "insurance",
            "参保信息",
            "ingest:insurance",
            InsuranceRecord,
            ("enterprise_id", "year", "month", "insurance_type"),
            _insurance,
        ),
        Feed("credit", "信用记录", "ingest:credit", CreditRecord, ("decision_number",), _credit),
        Feed(
            "qualification",
            "资质认证",
            "ingest:qualification",
            Qualification,
            ("certificate_number",),
            _qualification,
        ),
        Feed(
            "non_bank",
            "非银信用信息",
            "ingest:credit",
            NonBankCreditRecord,
            ("reference",),
            _non_bank,
        ),
    )
}


#: Model fields a feed does not take from its records.
_IMPLIED = {"id", "enterprise", "enterprise_id", "created_at", "updated_at"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def columns(feed: Feed) -> tuple[list[str], list[str]]:
    """The record fields of a feed, required and optional (its model's columns, camelCase,
    as in the GraphQL inputs)."""
    required: list[str] = ["creditCode"]
    optional: list[str] = []
    for name, model_field in feed.model._meta.fields_map.items():
        if name in _IMPLIED:
            continue
        is_optional = model_field.null or model_field.default is not None
        (optional if is_optional else required).append(camel(name))
    return required, optional
