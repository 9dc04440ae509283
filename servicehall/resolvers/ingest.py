"""Department data feeds (ENT-15): tax, insurance, credit, qualification and non-bank records.

One path for the GraphQL mutations and ``servicehall import``:

1. every record is validated (credit code check character, months in range, amounts
   non-negative, known types, dates in order) and the batch is checked for duplicates;
2. credit codes are resolved to registered enterprises in one statement;
3. any error: nothing is written, the first errors come back with their record index;
4. otherwise one transaction inserts new records and updates changed ones, matched on
   each kind's natural key, so re-sending a batch changes nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tortoise.models import Model
from tortoise.transactions import in_transaction

from servicehall import db
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.clock import local_today
from servicehall.codes import parse_credit_code
from servicehall.errors import Forbidden, InvalidInput, ServiceHallError
from servicehall.models import (
    AuditEvent,
    CreditKind,
    CreditRecord,
    Enterprise,
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
from servicehall.resolvers.outcome import Outcome

MAX_BATCH = 2000
MAX_ERRORS = 20
MAX_AMOUNT = Decimal("1000000000000")
#: Certificate, voucher and decision numbers: letters, digits, CJK ideographs (decision
#: numbers read like 珠斗市监罚〔2026〕37号) and the usual brackets and separators.
REFERENCE = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff（）()〔〕\[\]【】\-/_.]{4,64}")


class FieldInvalid(InvalidInput):
    """One field of one record is bad; ``field`` names it (``creditCode``)."""

    field: str

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


@dataclass(frozen=True, slots=True)
class RecordError:
    index: int
    field: str
    message: str


@dataclass(slots=True)
class IngestResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RecordError] = field(default_factory=list)
    enterprises: set[str] = field(default_factory=set)


# -- field checks -------------------------------------------------------------------------


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


def _credit_code(record: Mapping[str, Any]) -> str:
    try:
        return parse_credit_code(str(record.get("creditCode") or "")).value
    except ServiceHallError as error:
        raise FieldInvalid("creditCode", error.message) from None


# -- the feeds ----------------------------------------------------------------------------


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
MAX_FILE_RECORDS = 200_000


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


class FileInvalid(InvalidInput):
    """A CSV file that cannot be read as records of a feed (before any record check)."""


def read_csv(feed: Feed, path: Path, *, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    """The records of a CSV file with a header row of field names (``creditCode,…``)."""
    required, optional = columns(feed)
    try:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or ()]
            missing = [name for name in required if name not in header]
            unknown = [name for name in header if name not in required and name not in optional]
            if missing or unknown:
                problems = ([f"缺少必填列：{'、'.join(missing)}"] if missing else []) + (
                    [f"未知的列：{'、'.join(unknown)}"] if unknown else []
                )
                raise FileInvalid(
                    f"{'；'.join(problems)}。{feed.label}的列为：{'、'.join(required + optional)}"
                )
            reader.fieldnames = header
            records: list[dict[str, str]] = []
            for row in reader:
                if len(records) == MAX_FILE_RECORDS:
                    raise FileInvalid(f"每个文件最多{MAX_FILE_RECORDS}条记录，请拆分后导入")
                records.append(row)
    except UnicodeDecodeError:
        raise FileInvalid(
            f"文件不是 {encoding} 编码；Excel 导出的文件可尝试 --encoding gb18030"
        ) from None
    except csv.Error as error:
        raise FileInvalid(f"CSV 格式错误：{error}") from None
    except FileNotFoundError:
        raise FileInvalid(f"文件不存在：{path}") from None
    except OSError as error:
        raise FileInvalid(f"无法读取文件：{error.strerror or error}") from None
    if not records:
        raise FileInvalid("文件中没有记录")
    return records


def _key(feed: Feed, row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple((v.value if hasattr(v, "value") else v) for v in (row[name] for name in feed.key))


async def ingest(
    feed: Feed,
    records: Sequence[Mapping[str, Any]],
    *,
    actor: str,
    limit: int = MAX_BATCH,
    progress: Callable[[int], object] | None = None,
) -> IngestResult:
    """Validate the whole batch, then write all of it in one transaction or nothing.

    ``limit`` caps a GraphQL batch; ``servicehall import`` lifts it for whole files.
    """
    result = IngestResult()
    if not 1 <= len(records) <= limit:
        result.errors.append(RecordError(-1, "records", f"每批应有1到{limit}条记录"))
        return result
    cleaned: list[tuple[int, str, dict[str, Any]]] = []
    for index, record in enumerate(records):
        try:
            cleaned.append((index, _credit_code(record), feed.clean(record)))
        except FieldInvalid as invalid:
            result.errors.append(RecordError(index, invalid.field, invalid.message))
    codes = {code for _, code, _ in cleaned}
    known = dict(
        await Enterprise.filter(credit_code__in=list(codes)).values_list("credit_code", "id")
    )
    seen: dict[tuple[Any, ...], int] = {}
    for index, code, values in cleaned:
        if code not in known:
            result.errors.append(RecordError(index, "creditCode", f"企业“{code}”未在本区登记"))
            continue
        values["enterprise_id"] = known[code]
        key = _key(feed, values)
        if key in seen:
            result.errors.append(RecordError(index, "records", f"与第{seen[key] + 1}条重复"))
        seen[key] = index
    if result.errors:
        result.errors.sort(key=lambda e: e.index)
        del result.errors[MAX_ERRORS:]
        return result
    async with in_transaction(db.connection().connection_name):
        await _write(feed, [values for _, _, values in cleaned], result, progress)
        await AuditEvent.record(
            f"ingest.{feed.name}",
            actor=actor,
            records=len(records),
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    result.enterprises = codes
    return result


async def _write(
    feed: Feed,
    rows: list[dict[str, Any]],
    result: IngestResult,
    progress: Callable[[int], object] | None,
) -> None:
    chunk = 500
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        existing = await _existing(feed, part)
        new, changed = [], []
        for values in part:
            current = existing.get(_key(feed, values))
            if current is None:
                new.append(feed.model(**values))
            elif any(_differs(getattr(current, k), v) for k, v in values.items()):
                for name, value in values.items():
                    setattr(current, name, value)
                changed.append(current)
            else:
                result.unchanged += 1
        if new:
            await feed.model.bulk_create(new)
        if changed:
            await feed.model.bulk_update(changed, fields=list(part[0]))
        result.inserted += len(new)
        result.updated += len(changed)
        if progress is not None:
            progress(len(part))


def _differs(stored: Any, incoming: Any) -> bool:
    if hasattr(incoming, "value"):
        incoming = incoming.value
    if hasattr(stored, "value"):
        stored = stored.value
    if isinstance(incoming, Decimal) and stored is not None:
        return Decimal(str(stored)) != incoming
    return bool(stored != incoming)


async def _existing(feed: Feed, part: list[dict[str, Any]]) -> dict[tuple[Any, ...], Model]:
    if len(feed.key) == 1:
        (name,) = feed.key
        rows = await feed.model.filter(**{f"{name}__in": [v[name] for v in part]})
    else:  # insurance: the enterprises and years of the part, narrowed in Python
        rows = await feed.model.filter(
            enterprise_id__in=list({v["enterprise_id"] for v in part}),
            year__in=list({v["year"] for v in part}),
        )
    return {_key(feed, {name: getattr(row, name) for name in feed.key}): row for row in rows}


async def submit(
    principal: Principal,
    feed: Feed,
    records: Sequence[Mapping[str, Any]],
    *,
    limit: int = MAX_BATCH,
    progress: Callable[[int], object] | None = None,
) -> Outcome[IngestResult]:
    """A department system's batch (its client needs the feed's scope) or the operator's
    file: :func:`ingest`, and the enterprises it wrote."""
    operator = principal.kind is PrincipalKind.OPERATOR
    if not operator and (
        principal.kind is not PrincipalKind.MACHINE or feed.scope not in principal.scopes
    ):
        raise Forbidden(f"需要部门系统客户端及 {feed.scope} 权限")
    result = await ingest(feed, records, actor=principal.identity, limit=limit, progress=progress)
    if result.errors:
        return Outcome(result)
    return Outcome(result, tuple(("Enterprise", code) for code in sorted(result.enterprises)))
