"""Demo rows of the enterprise dedicated page (ENT-4..12), generated from the templates
in :mod:`servicehall.demo.data.enterprise_page`.

:func:`page_rows` makes the per-enterprise facts (qualifications, credit, tax, insurance,
non-bank records, violations) as plain column dicts, so the demo loader bulk-creates them
and ``bench/enterprise_page.py`` copies ten thousand enterprises' worth into PostgreSQL.
:func:`load_page_extras` adds what needs the loaded rows: government information,
subscriptions and the messages they produced.

The demo enterprise (index 0) gets a full page whatever the seed: two years of tax and
insurance with a month of nothing paid, a qualification expiring within 90 days, a reward
and a penalty (and an older penalty whose publication has ended), unhandled violations,
subscriptions and unread messages.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from tortoise.models import Model

from servicehall.clock import LOCAL_TZ, years_later
from servicehall.demo.data.enterprise_page import (
    INFORMATION,
    NON_BANK,
    PENALTIES,
    QUALIFICATIONS,
    REWARDS,
    VIOLATIONS,
)
from servicehall.demo.enterprises import EnterpriseSpec
from servicehall.models import (
    CreditKind,
    CreditRecord,
    Department,
    GovernmentInformation,
    InfoKind,
    InsuranceRecord,
    InsuranceType,
    Message,
    MessageCategory,
    NonBankCategory,
    NonBankCreditRecord,
    NonBankStatus,
    Qualification,
    Subscription,
    SubscriptionTarget,
    TaxRecord,
    TaxType,
    Theme,
    VehicleViolation,
    ViolationStatus,
)
from servicehall.resolvers.enterprise_page import deliver_to_subscribers

TAX_AUTHORITY = "国家税务总局珠海市斗门区税务局"
INSURANCE_AUTHORITY = "珠海市社会保险基金管理局斗门分局"
CENT = Decimal("0.01")

#: Monthly contribution base and employer + employee rates per insurance type.
CONTRIBUTION_BASE = Decimal("5284")
INSURANCE_RATES = {
    InsuranceType.PENSION: Decimal("0.24"),
    InsuranceType.MEDICAL: Decimal("0.075"),
    InsuranceType.UNEMPLOYMENT: Decimal("0.008"),
    InsuranceType.WORK_INJURY: Decimal("0.004"),
    InsuranceType.MATERNITY: Decimal("0.01"),
}

#: Abbreviations of issuing bodies in decision numbers (珠斗市监罚〔2026〕37号).
_ISSUER_ABBREVIATIONS = (
    ("税务", "斗税"),
    ("市场监督", "斗市监"),
    ("人力资源", "斗人社"),
    ("生态环境", "珠环"),
    ("应急管理", "斗应急"),
    ("交通运输", "斗交"),
    ("住房和城乡", "斗建"),
    ("法院", "斗法"),
    ("海关", "拱关"),
    ("公积金", "珠积金"),
)

_NON_BANK_STATUS = {
    NonBankCategory.COURT: (NonBankStatus.ENFORCED, NonBankStatus.SETTLED),
    NonBankCategory.CUSTOMS: (NonBankStatus.NORMAL,),
}
_PERIOD = re.compile(r"\d{4}年(?:第.季度|\d{1,2}月|度)?")
_PLATE_LETTERS = "ABDFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True, slots=True)
class Density:
    """How much of each kind of record a generated enterprise gets."""

    #: Whole calendar years of tax and insurance before the current one.
    past_years: int
    #: Also the current year up to last month.
    current_year: bool
    qualifications: tuple[int, int]
    credit_records: tuple[int, int]
    non_bank: tuple[int, int]
    violations: tuple[int, int]


DEMO = Density(1, True, (1, 3), (0, 2), (0, 3), (0, 1))
BENCH = Density(1, False, (4, 6), (8, 12), (1, 3), (0, 1))

Rows = dict[type[Model], list[dict[str, Any]]]


def months(today: date, density: Density) -> list[tuple[int, int]]:
    """The reported months: whole past years, then this year up to last month."""
    first = today.year - density.past_years
    last = (today.year, today.month - 1) if density.current_year else (today.year - 1, 12)
    return [(y, m) for y in range(first, today.year + 1) for m in range(1, 13) if (y, m) <= last]


def _month_start(year: int, month: int) -> date:
    return date(year, month, 1)


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _previous(year: int, month: int, back: int = 1) -> tuple[int, int]:
    index = year * 12 + month - 1 - back
    return index // 12, index % 12 + 1


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, LOCAL_TZ).astimezone(UTC)


class _Numbers:
    """Unique decision numbers per issuer and year."""

    def __init__(self) -> None:
        self._next: dict[tuple[str, int, str], int] = {}

    def decision(self, issuer: str, kind: CreditKind, year: int) -> str:
        abbreviation = next((a for key, a in _ISSUER_ABBREVIATIONS if key in issuer), "斗信")
        suffix = "罚" if kind is CreditKind.PENALTY else "信"
        key = (abbreviation, year, suffix)
        self._next[key] = self._next.get(key, 0) + 1
        return f"{abbreviation}{suffix}〔{year}〕{self._next[key]}号"


def page_rows(
    enterprises: Sequence[tuple[int, EnterpriseSpec]],
    *,
    today: date,
    density: Density = DEMO,
    seed: int = 440403,
) -> Rows:
    """Column dicts per model for ``(enterprise id, spec)`` pairs; index 0 of the demo
    sequence (``EnterpriseSpec`` of :data:`DEMO_CREDIT_CODE`) gets the full page."""
    rng = random.Random(seed)
    numbers = _Numbers()
    rows: Rows = {
        model: []
        for model in (
            Qualification,
            CreditRecord,
            TaxRecord,
            InsuranceRecord,
            NonBankCreditRecord,
            VehicleViolation,
        )
    }
    reported = months(today, density)
    for index, (enterprise_id, spec) in enumerate(enterprises):
        showcase = index == 0 and density is DEMO
        rows[Qualification] += _qualifications(
            rng, index, enterprise_id, spec, today, density, showcase
        )
        rows[CreditRecord] += _credit(rng, numbers, enterprise_id, today, density, showcase)
        if spec.status == "operating":
            rows[TaxRecord] += _tax(rng, index, enterprise_id, spec, reported, showcase)
            rows[InsuranceRecord] += _insurance(rng, enterprise_id, spec, reported)
        rows[NonBankCreditRecord] += _non_bank(rng, index, enterprise_id, today, density, showcase)
        rows[VehicleViolation] += _violations(rng, index, enterprise_id, today, density, showcase)
    return rows


def _count(rng: random.Random, bounds: tuple[int, int]) -> int:
    return rng.randint(*bounds)


def _qualifications(
    rng: random.Random,
    index: int,
    enterprise_id: int,
    spec: EnterpriseSpec,
    today: date,
    density: Density,
    showcase: bool,
) -> Iterator[dict[str, Any]]:
    templates = [*QUALIFICATIONS.get(spec.industries[0], ()), *QUALIFICATIONS["*"]]
    wanted = min(len(templates), 4 if showcase else _count(rng, density.qualifications))
    chosen = templates[:wanted] if showcase else rng.sample(templates, wanted)
    for k, template in enumerate(chosen):
        years = template.years or 5
        if showcase and k == 0:  # expiring within 90 days: the reminder and the label
            valid_to: date | None = today + timedelta(days=47)
            valid_from = years_later(today, -years) + timedelta(days=48)
        else:
            valid_from = today - timedelta(days=rng.randrange(30, 365 * years))
            valid_to = years_later(valid_from, years) - timedelta(days=1)
            if rng.random() < 0.08:  # some lapsed in the last months
                valid_to = today - timedelta(days=rng.randrange(5, 80))
        if not template.years:
            valid_to = None
        yield {
            "enterprise_id": enterprise_id,
            "certificate_number": f"ZZ{valid_from:%Y}44040{index:06d}{k:02d}",
            "name": template.name,
            "grade": template.grade,
            "certifying_body": template.certifying_body,
            "certified_on": valid_from - timedelta(days=rng.randrange(3, 20)),
            "valid_from": valid_from,
            "valid_to": valid_to,
            "publisher": template.publisher,
        }


def _credit(
    rng: random.Random,
    numbers: _Numbers,
    enterprise_id: int,
    today: date,
    density: Density,
    showcase: bool,
) -> Iterator[dict[str, Any]]:
    if showcase:
        picks = [
            (CreditKind.REWARD, REWARDS[0], today - timedelta(days=214), 3),
            (CreditKind.PENALTY, PENALTIES[1], today - timedelta(days=131), 3),
            # published three years ago for one year: no longer shown (ENT-5)
            (CreditKind.PENALTY, PENALTIES[0], years_later(today, -3), 1),
        ]
    else:
        picks = []
        for _ in range(_count(rng, density.credit_records)):
            penalty = rng.random() < 0.35
            kind = CreditKind.PENALTY if penalty else CreditKind.REWARD
            template = rng.choice(PENALTIES if penalty else REWARDS)
            published = today - timedelta(days=rng.randrange(10, 1400))
            picks.append((kind, template, published, rng.choice((1, 3, 3, 0))))
    for kind, template, published, years in picks:
        yield {
            "enterprise_id": enterprise_id,
            "kind": kind,
            "decision_number": numbers.decision(template.issuer, kind, published.year),
            "content": template.content,
            "reason": template.reason,
            "issuer": template.issuer,
            "published_on": published,
            "publish_until": (years_later(published, years) - timedelta(days=1) if years else None),
        }


def _monthly_vat(rng: random.Random, spec: EnterpriseSpec) -> Decimal:
    return spec.registered_capital * Decimal(rng.randrange(20, 90)) / Decimal(10000)


def _tax(
    rng: random.Random,
    index: int,
    enterprise_id: int,
    spec: EnterpriseSpec,
    reported: list[tuple[int, int]],
    showcase: bool,
) -> Iterator[dict[str, Any]]:
    # one month in the first year with nothing paid (a month without taxable sales)
    quiet = (reported[0][0], 2 if showcase else rng.randrange(1, 13))
    base = _monthly_vat(rng, spec)
    for year, month in reported:
        if (year, month) == quiet:
            continue
        vat = _money(base * Decimal(rng.randrange(70, 130)) / 100)
        py, pm = _previous(year, month)
        lines = [
            (TaxType.VAT, vat, _month_start(py, pm), _month_end(py, pm)),
            (TaxType.URBAN_MAINTENANCE, _money(vat * Decimal("0.07")), None, None),
            (TaxType.EDUCATION_SURCHARGE, _money(vat * Decimal("0.03")), None, None),
        ]
        if month in (1, 4, 7, 10):  # quarterly prepayment of corporate income tax
            qy, qm = _previous(year, month, 3)
            income = _money(vat * Decimal(rng.randrange(40, 90)) / 100)
            lines.append((TaxType.CORPORATE_INCOME, income, _month_start(qy, qm), None))
        for line, (tax_type, amount, start, end) in enumerate(lines):
            yield {
                "enterprise_id": enterprise_id,
                "voucher_number": f"3440403{year % 100:02d}{month:02d}{index:06d}{line}",
                "tax_type": tax_type,
                "year": year,
                "month": month,
                "amount": amount,
                "period_start": start or _month_start(py, pm),
                "period_end": end or _month_end(py, pm),
                "authority": TAX_AUTHORITY,
            }


def _insurance(
    rng: random.Random,
    enterprise_id: int,
    spec: EnterpriseSpec,
    reported: list[tuple[int, int]],
) -> Iterator[dict[str, Any]]:
    staff = max(3, int(spec.registered_capital / 10000) // 25 + rng.randrange(2, 12))
    for year, month in reported:
        staff = max(2, staff + rng.choice((-1, 0, 0, 0, 1, 1)))
        for insurance_type, rate in INSURANCE_RATES.items():
            yield {
                "enterprise_id": enterprise_id,
                "year": year,
                "month": month,
                "insurance_type": insurance_type,
                "insured_count": staff,
                "amount": _money(CONTRIBUTION_BASE * rate * staff),
                "authority": INSURANCE_AUTHORITY,
            }


def _non_bank(
    rng: random.Random,
    index: int,
    enterprise_id: int,
    today: date,
    density: Density,
    showcase: bool,
) -> Iterator[dict[str, Any]]:
    if showcase:  # one of each utility, the housing fund and a settled court case
        picks = [
            next(t for t in NON_BANK if t.category == category)
            for category in ("water", "electricity", "gas", "telecom", "housing_fund", "court")
        ]
    else:
        picks = rng.sample(NON_BANK, _count(rng, density.non_bank))
    for k, template in enumerate(picks):
        category = NonBankCategory(template.category)
        status = rng.choice(
            _NON_BANK_STATUS.get(category, (NonBankStatus.NORMAL,) * 9 + (NonBankStatus.ARREARS,))
        )
        if showcase:
            status = (
                NonBankStatus.SETTLED if category is NonBankCategory.COURT else NonBankStatus.NORMAL
            )
        recorded = today - timedelta(days=rng.randrange(3, 60) + 7 * k)
        period = _PERIOD.search(template.subject)
        yield {
            "enterprise_id": enterprise_id,
            "reference": f"FX{category.value[:2].upper()}{recorded:%Y%m}{index:06d}{k:02d}",
            "category": category,
            "subject": template.subject,
            "status": status,
            "amount": (
                None
                if category is NonBankCategory.CUSTOMS
                else _money(Decimal(rng.randrange(30000, 3000000)) / 100)
            ),
            "period": period.group(0) if period else f"{recorded.year}年",
            "source": template.source,
            "recorded_on": recorded,
        }


def _violations(
    rng: random.Random,
    index: int,
    enterprise_id: int,
    today: date,
    density: Density,
    showcase: bool,
) -> Iterator[dict[str, Any]]:
    plate = f"粤C{rng.choice(_PLATE_LETTERS)}{rng.randrange(10000, 99999)}"
    ages = (
        (6, 19, 75)
        if showcase
        else [rng.randrange(2, 120) for _ in range(_count(rng, density.violations))]
    )
    for k, days_ago in enumerate(ages):
        template = VIOLATIONS[(index + k) % len(VIOLATIONS)]
        occurred = _local(today - timedelta(days=days_ago), time(8 + k * 3, 17 + k))
        yield {
            "enterprise_id": enterprise_id,
            "reference": f"4404{occurred:%Y%m%d}{index:06d}{k}",
            "plate": plate,
            "occurred_at": occurred,
            "location": template.location,
            "behaviour": template.behaviour,
            "fine": Decimal(template.fine),
            "points": template.points,
            # handled within a month or so; the recent ones still wait
            "status": ViolationStatus.HANDLED if days_ago > 30 else ViolationStatus.UNHANDLED,
        }


# -- what needs loaded rows: information, subscriptions, messages -----------------------

#: The demo enterprise's subscriptions: (target, code, in-app, e-mail).
SHOWCASE_SUBSCRIPTIONS = (
    (SubscriptionTarget.DEPARTMENT, "SCJG", True, True),
    (SubscriptionTarget.DEPARTMENT, "SWJ", True, False),
    (SubscriptionTarget.TOPIC, "L05", True, False),
    (SubscriptionTarget.TOPIC, "L15", True, False),
)
#: Messages older than this many days have been read.
READ_AFTER_DAYS = 10


async def load_page_extras(
    enterprise_ids: Sequence[int], *, today: date, seed: int = 440404
) -> None:
    """Government information, subscriptions and the messages they produced, in the
    caller's transaction. ``enterprise_ids[0]`` is the demo enterprise."""
    rng = random.Random(seed)
    departments = dict(await Department.all().values_list("code", "id"))
    themes = dict(await Theme.all().values_list("code", "id"))
    await GovernmentInformation.bulk_create(
        [
            GovernmentInformation(
                kind=InfoKind(spec.kind),
                title=spec.title,
                summary=spec.summary,
                body=spec.body,
                department_id=departments[spec.department] if spec.department else None,
                topic_id=themes[spec.topic] if spec.topic else None,
                published_at=_local(today - timedelta(days=spec.days_ago), time(9, 30)),
            )
            for spec in sorted(INFORMATION, key=lambda s: -s.days_ago)
        ]
    )
    codes = {
        SubscriptionTarget.DEPARTMENT: list(departments),
        SubscriptionTarget.TOPIC: [t for t in themes if t.startswith("L")],
    }
    subscriptions = [
        Subscription(enterprise_id=enterprise_ids[0], target=t, code=c, in_app=a, email=e)
        for t, c, a, e in SHOWCASE_SUBSCRIPTIONS
    ]
    for enterprise_id in enterprise_ids[1:]:
        if rng.random() < 0.3:
            target = rng.choice(list(codes))
            subscriptions.append(
                Subscription(
                    enterprise_id=enterprise_id, target=target, code=rng.choice(codes[target])
                )
            )
    await Subscription.bulk_create(subscriptions)
    # deliver as publishing does, then date the messages back to their information
    read_before = _local(today - timedelta(days=READ_AFTER_DAYS), time(0))
    for info in (
        await GovernmentInformation.all()
        .order_by("published_at")
        .prefetch_related("department", "topic")
    ):
        await deliver_to_subscribers(info, info.department, info.topic)
        read = info.published_at + timedelta(hours=20)
        await Message.filter(source__startswith=f"information:{info.id}/").update(
            created_at=info.published_at, read_at=read if read < read_before else None
        )
    await Message.create(
        enterprise_id=enterprise_ids[0],
        category=MessageCategory.SYSTEM,
        title="企业专属网页已开通",
        body="贵企业的专属网页已开通，可在此查看资质认证、信用记录、纳税和参保信息，"
        "订阅部门和主题信息，接收办事提醒。",
        sender="斗门区政务服务数据管理局",
        link="/enterprise",
        source=f"welcome/enterprise:{enterprise_ids[0]}",
        created_at=_local(today - timedelta(days=120), time(10)),
        read_at=_local(today - timedelta(days=119), time(9)),
    )
