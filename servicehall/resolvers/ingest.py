"""Department data feeds (ENT-15): a batch of tax, insurance, credit, qualification or
non-bank records (``feeds.py`` says what each record is), written all or nothing.

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from tortoise.models import Model
from tortoise.transactions import in_transaction

from servicehall import db
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.errors import Forbidden, InvalidInput
from servicehall.models import AuditEvent, Enterprise
from servicehall.resolvers.feeds import Feed, FieldInvalid, columns, credit_code_of
from servicehall.resolvers.outcome import Outcome

MAX_BATCH = 2000
MAX_ERRORS = 20


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


MAX_FILE_RECORDS = 200_000


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
            cleaned.append((index, credit_code_of(record), feed.clean(record)))
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
