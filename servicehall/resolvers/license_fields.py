"""What a licence type declares and what its licences must carry (LIC-1, LIC-3).

A catalogue version lists fields (name, label, type, required, choices) and a validity
rule; :func:`check_field_list` and :func:`check_validity` check a declaration,
:func:`check_values` checks a licence's values against it and returns them normalised
(dates ISO 8601, numbers without grouping, booleans ``true``/``false``), and
:func:`validity_of` computes a licence's period under the rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from servicehall.errors import InvalidInput
from servicehall.models import FieldType, ValidityRule

FIELD_NAME = re.compile(r"[a-z][A-Za-z0-9]{0,31}")
MAX_FIELDS = 40
MAX_OPTIONS = 50
MAX_TEXT = 500
#: Fixed terms and longest terms: up to 30 years.
MAX_TERM_MONTHS = 360
_TRUE = {"true", "1", "是", "yes"}
_FALSE = {"false", "0", "否", "no"}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    label: str
    type: FieldType
    required: bool = True
    options: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type.value,
            "required": self.required,
            "options": list(self.options),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldSpec:
        return cls(
            name=data["name"],
            label=data["label"],
            type=FieldType(data["type"]),
            required=bool(data["required"]),
            options=tuple(data.get("options") or ()),
        )


@dataclass(frozen=True, slots=True)
class Validity:
    rule: ValidityRule
    term_months: int | None = None


def check_field_list(specs: Sequence[FieldSpec]) -> list[dict[str, Any]]:
    """A field list as stored, or a typed refusal naming the bad field."""
    if not 1 <= len(specs) <= MAX_FIELDS:
        raise InvalidInput(f"证照字段应为1到{MAX_FIELDS}个", field="fields")
    seen: set[str] = set()
    result = []
    for n, spec in enumerate(specs):
        where = f"fields.{n}"
        name = spec.name.strip()
        if not FIELD_NAME.fullmatch(name):
            raise InvalidInput(
                f"字段名“{name[:32]}”应以小写字母开头，由字母和数字组成，最长32位",
                field=f"{where}.name",
            )
        if name in seen:
            raise InvalidInput(f"字段名“{name}”重复", field=f"{where}.name")
        seen.add(name)
        label = " ".join(spec.label.split())
        if not 1 <= len(label) <= 32:
            raise InvalidInput("字段中文名称应为1到32个字", field=f"{where}.label")
        options = tuple(" ".join(o.split()) for o in spec.options)
        if spec.type is FieldType.CHOICE:
            if not 1 <= len(options) <= MAX_OPTIONS or any(not o for o in options):
                raise InvalidInput(
                    f"选项字段“{label}”应有1到{MAX_OPTIONS}个非空选项", field=f"{where}.options"
                )
            if len(set(options)) != len(options):
                raise InvalidInput(f"选项字段“{label}”的选项重复", field=f"{where}.options")
        elif options:
            raise InvalidInput(f"只有选项字段才能设置选项（“{label}”）", field=f"{where}.options")
        result.append(FieldSpec(name, label, spec.type, spec.required, options).as_json())
    return result


def check_validity(validity: Validity) -> Validity:
    if validity.rule is ValidityRule.LONG_TERM:
        if validity.term_months is not None:
            raise InvalidInput("长期有效的证照不设有效期限", field="validity.termMonths")
        return validity
    months = validity.term_months
    if months is None or not 1 <= months <= MAX_TERM_MONTHS:
        raise InvalidInput(f"有效期限应为1到{MAX_TERM_MONTHS}个月", field="validity.termMonths")
    return validity


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def validity_of(validity: Validity, valid_from: date, valid_until: date | None) -> date | None:
    """A licence's last day of validity under the rule (None: long-term).

    FIXED_TERM computes it (a given end date is refused), UP_TO needs one within the
    longest term, LONG_TERM refuses one.
    """
    rule, months = validity.rule, validity.term_months
    if rule is ValidityRule.LONG_TERM:
        if valid_until is not None:
            raise InvalidInput("该证照长期有效，不能设定截止日期", field="validUntil")
        return None
    assert months is not None
    longest = add_months(valid_from, months) - timedelta(days=1)
    if rule is ValidityRule.FIXED_TERM:
        if valid_until is not None and valid_until != longest:
            raise InvalidInput(
                f"该证照有效期固定为{months}个月，截止日期由系统计算", field="validUntil"
            )
        return longest
    if valid_until is None:
        raise InvalidInput("请填写有效期截止日期", field="validUntil")
    if not valid_from <= valid_until <= longest:
        raise InvalidInput(
            f"有效期截止日期应在{valid_from.isoformat()}到{longest.isoformat()}之间",
            field="validUntil",
        )
    return valid_until


def check_values(
    field_list: Sequence[Mapping[str, Any]], values: Mapping[str, str]
) -> dict[str, str]:
    """A licence's field values checked against the version's field list, normalised.

    Unknown names, missing required values and values not of their type are refused with
    the field named (``fields.<name>``); optional fields left empty are not stored.
    """
    specs = {spec["name"]: FieldSpec.from_json(spec) for spec in field_list}
    unknown = sorted(set(values) - set(specs))
    if unknown:
        raise InvalidInput(f"该证照没有字段“{unknown[0][:32]}”", field=f"fields.{unknown[0][:32]}")
    result: dict[str, str] = {}
    for name, spec in specs.items():
        raw = " ".join(str(values.get(name, "")).split())
        if not raw:
            if spec.required:
                raise InvalidInput(f"请填写“{spec.label}”", field=f"fields.{name}")
            continue
        result[name] = _normalise(spec, raw)
    return result


def _normalise(spec: FieldSpec, raw: str) -> str:
    where = f"fields.{spec.name}"
    kind = spec.type
    if kind is FieldType.TEXT:
        if len(raw) > MAX_TEXT:
            raise InvalidInput(f"“{spec.label}”不能超过{MAX_TEXT}字", field=where)
        return raw
    if kind is FieldType.INTEGER:
        if not re.fullmatch(r"[+-]?\d{1,15}", raw):
            raise InvalidInput(f"“{spec.label}”应为整数", field=where)
        return str(int(raw))
    if kind is FieldType.DECIMAL:
        try:
            number = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or abs(number) >= Decimal(10) ** 15:
            raise InvalidInput(f"“{spec.label}”应为数值", field=where)
        return format(number.normalize(), "f")
    if kind is FieldType.DATE:
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise InvalidInput(f"“{spec.label}”应为日期（如2026-01-31）", field=where) from None
    if kind is FieldType.BOOLEAN:
        folded = raw.casefold()
        if folded in _TRUE:
            return "true"
        if folded in _FALSE:
            return "false"
        raise InvalidInput(f"“{spec.label}”应为“是”或“否”", field=where)
    if raw not in spec.options:
        raise InvalidInput(f"“{spec.label}”应为以下之一：{'、'.join(spec.options)}", field=where)
    return raw
