"""Shapes of the demo catalogue: plain frozen dataclasses the loader turns into rows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DepartmentSpec:
    code: str  # 2-10 capital letters, e.g. "SCJG"; the first part of item codes
    name: str  # full name, e.g. "珠海市斗门区市场监督管理局"
    short_name: str  # e.g. "区市场监管局"
    address: str
    phone: str
    office_hours: str = "周一至周五 上午8:30-12:00 下午14:30-17:30（法定节假日除外）"


@dataclass(frozen=True, slots=True)
class NamedSpec:
    """A theme (with ``audience`` "person" or "legal_person") or a target group."""

    code: str
    name: str
    audience: str = ""


@dataclass(frozen=True, slots=True)
class ScopeSpec:
    """A GB/T 4754-2017 section ("A") or division ("01", with ``section`` "A")."""

    code: str
    name: str
    section: str = ""


@dataclass(frozen=True, slots=True)
class MaterialSpec:
    name: str
    form: str = "original_and_copy"  # original | copy | original_and_copy | electronic
    originals: int = 1
    copies: int = 1
    required: bool = True
    note: str = ""


@dataclass(frozen=True, slots=True)
class FeeSpec:
    name: str
    standard: str
    basis: str


@dataclass(frozen=True, slots=True)
class ItemSpec:
    name: str
    department: str  # DepartmentSpec.code
    kind: str  # licensing | confirmation | payment | award | ruling | other_power | public_service
    themes: tuple[str, ...]  # NamedSpec codes
    targets: tuple[str, ...]  # target group codes
    scopes: tuple[str, ...] = ()  # GB/T 4754 section or division codes (mostly for enterprises)
    category: str | None = None  # land_resources | population | civil_affairs |
    #                              medical_insurance | rural_economy (township items only)
    level: str = "district"  # district | town | village
    statutory_days: int = 20
    promised_days: int = 10
    visits: int = 1
    legal_basis: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    materials: tuple[MaterialSpec, ...] = ()
    fees: tuple[FeeSpec, ...] = ()
    online: bool = True
    result_delivery: str = "窗口领取或邮政寄递"


@dataclass(frozen=True, slots=True)
class InformationSpec:
    """A piece of government information (ENT-9) for the demo."""

    kind: str  # notice | investment | law
    department: str  # DepartmentSpec.code, or "" for the district government
    topic: str  # a legal-person theme code (NamedSpec.code, "L.."), or ""
    title: str
    summary: str
    body: str
    days_ago: int


@dataclass(frozen=True, slots=True)
class QualificationSpec:
    name: str
    grade: str
    certifying_body: str
    publisher: str
    years: int  # validity in years (0 = indefinite)


@dataclass(frozen=True, slots=True)
class CreditSpec:
    content: str
    reason: str
    issuer: str


@dataclass(frozen=True, slots=True)
class NonBankSpec:
    category: str  # water | electricity | gas | telecom | housing_fund | court | customs
    subject: str
    source: str


@dataclass(frozen=True, slots=True)
class ViolationSpec:
    location: str
    behaviour: str
    fine: int
    points: int


@dataclass(frozen=True, slots=True)
class VillageSpec:
    """A village (村) or residents' community (社区) and its service point."""

    number: str  # the last three digits of its twelve-digit code: 0xx community, 2xx village
    name: str  # e.g. "黄沙村", "岸东社区"


@dataclass(frozen=True, slots=True)
class TownSpec:
    """A town (镇) or subdistrict (街道) and its station."""

    code: str  # nine digits, e.g. "440403100"
    name: str  # e.g. "井岸镇"
    kind: str  # town | subdistrict
    seed: tuple[float, float]  # [lng, lat] of the town centre: its map cell grows around it
    address: str
    phone: str
    villages: tuple[VillageSpec, ...]
