"""Load the demo district into an empty database, once, in one transaction.

``servicehall demo-data`` calls :func:`load_demo`; ``--items N`` above the curated
catalogue's size adds generated variants (for benchmarks), ``--enterprises N`` sets the
number of generated enterprises.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from servicehall import db, text
from servicehall.auth.crypto import SecretBox
from servicehall.auth.passwords import PasswordHasher
from servicehall.clock import local_today
from servicehall.demo.accounts import load_accounts
from servicehall.demo.cases import load_cases
from servicehall.demo.data import DEPARTMENTS, ITEMS, SCOPES, TARGET_GROUPS, THEMES
from servicehall.demo.data.item_keywords import keywords_for
from servicehall.demo.enterprise_page import DEMO, Density, load_page_extras, page_rows
from servicehall.demo.enterprises import EnterpriseSpec, generate_enterprises
from servicehall.demo.licenses import load_licenses
from servicehall.demo.registry import load_registry
from servicehall.demo.spec import ItemSpec
from servicehall.demo.stations import load_stations
from servicehall.models import (
    BusinessScope,
    Department,
    Enterprise,
    EnterpriseIndustry,
    ItemBusinessScope,
    ItemKind,
    ItemTargetGroup,
    ItemTerm,
    ItemTheme,
    ScopeLevel,
    ServiceItem,
    TargetGroup,
    Theme,
)
from servicehall.resolvers.item_terms import item_terms, search_columns
from servicehall.resolvers.reminders import generate_reminders
from servicehall.workdays import WorkCalendar

KIND_CODES = {
    ItemKind.LICENSING: "XK",
    ItemKind.CONFIRMATION: "QR",
    ItemKind.PAYMENT: "JF",
    ItemKind.AWARD: "JL",
    ItemKind.RULING: "CJ",
    ItemKind.OTHER_POWER: "QT",
    ItemKind.PUBLIC_SERVICE: "GG",
}

_PROCESS = {
    ItemKind.LICENSING: ("申请", "受理", "审查（含现场核查）", "决定", "制证送达"),
    ItemKind.CONFIRMATION: ("申请", "受理", "审核", "确认登记", "送达"),
    ItemKind.PAYMENT: ("申请", "受理审核", "公示", "审批", "发放"),
    ItemKind.AWARD: ("推荐申报", "受理", "评审", "公示", "决定"),
    ItemKind.RULING: ("申请", "受理", "调查", "裁决", "送达"),
    ItemKind.OTHER_POWER: ("提交材料", "受理", "审核", "办结告知"),
    ItemKind.PUBLIC_SERVICE: ("申请", "受理", "办理", "办结"),
}

_STEP_TEXT = {
    "申请": "申请人通过网上办事大厅或到窗口提交申请材料。",
    "提交材料": "申请人通过网上办事大厅或到窗口提交材料。",
    "推荐申报": "申报单位按通知要求提交申报材料。",
    "受理": "窗口当场核对材料，齐全且符合法定形式的予以受理；不齐全的一次性告知需补正的内容。",
    "受理审核": "镇（街道）受理申请并进行入户调查、审核。",
    "审查（含现场核查）": "业务科室对材料进行审查，需要现场核查的组织核查。",
    "审核": "业务科室对申请材料进行审核。",
    "评审": "组织专家进行评审。",
    "调查": "对争议事实进行调查核实。",
    "公示": "在申请人所在村（居）公示，公示期不少于7日。",
    "审批": "主管部门作出审批决定。",
    "决定": "作出准予或不予的书面决定；不予的说明理由并告知救济途径。",
    "裁决": "依法作出裁决。",
    "确认登记": "符合条件的予以确认并登记。",
    "办理": "按规定办理。",
    "制证送达": "制作证件，按申请人选择的方式送达。",
    "送达": "将结果按申请人选择的方式送达。",
    "发放": "按月通过社会保障卡发放。",
    "办结告知": "办结后告知申请人结果。",
    "办结": "办结并告知申请人。",
}

_VARIANTS = ("新办", "变更", "延续", "补办", "注销", "换证", "备案", "年度报告")
_TOWN_SERVICE = "各镇（街道）办事站及村（居）办事点"


@dataclass(frozen=True, slots=True)
class LoadReport:
    loaded: bool
    departments: int = 0
    items: int = 0
    enterprises: int = 0
    stations: int = 0
    points: int = 0


async def load_demo(
    *,
    hasher: PasswordHasher,
    box: SecretBox,
    items: int | None = None,
    enterprises: int = 60,
    density: Density = DEMO,
) -> LoadReport:
    """Load everything unless departments exist already (the demo is loaded once)."""
    if await Department.exists():
        return LoadReport(loaded=False)
    specs = list(expand_items(ITEMS, items if items is not None else len(ITEMS)))
    companies = generate_enterprises(max(enterprises, 1))
    today = local_today()
    async with in_transaction(db.connection().connection_name) as conn:
        await _load_dimensions(conn)
        await _load_items(conn, specs)
        stations, points = await load_stations(conn)
        ids = await _load_enterprises(conn, companies, box, today)
        await _load_page(conn, [(ids[e.credit_code], e) for e in companies], today, density)
        await load_accounts(hasher)
        await load_cases(WorkCalendar.bundled(), today)
        await load_licenses(box, today)
        await load_registry()
    await generate_reminders(today)
    return LoadReport(True, len(DEPARTMENTS), len(specs), len(companies), stations, points)


def expand_items(base: Sequence[ItemSpec], count: int) -> list[ItemSpec]:
    """The first ``count`` items of the curated catalogue, then generated variants of it
    (``食品经营许可（变更）``), as real catalogues list an item once per situation."""
    if count <= len(base):
        return list(base[:count])
    result = list(base)
    for n in range(count - len(base)):
        spec = base[n % len(base)]
        round_, index = divmod(n // len(base), len(_VARIANTS))
        suffix = _VARIANTS[index] if round_ == 0 else f"{_VARIANTS[index]}{round_ + 1}"
        result.append(replace(spec, name=f"{spec.name}（{suffix}）"))
    return result


async def _ids(model: Any, conn: BaseDBAsyncClient) -> dict[str, int]:
    return dict(await model.all().using_db(conn).values_list("code", "id"))


async def _load_dimensions(conn: BaseDBAsyncClient) -> None:
    await Department.bulk_create(
        [
            Department(
                code=d.code,
                name=d.name,
                short_name=d.short_name,
                search_name=text.normalize(d.name),
                address=d.address,
                phone=d.phone,
                office_hours=d.office_hours,
                sort=n,
            )
            for n, d in enumerate(DEPARTMENTS)
        ],
        using_db=conn,
    )
    await Theme.bulk_create(
        [
            Theme(code=t.code, name=t.name, audience=t.audience, sort=n)
            for n, t in enumerate(THEMES)
        ],
        using_db=conn,
    )
    await TargetGroup.bulk_create(
        [TargetGroup(code=t.code, name=t.name, sort=n) for n, t in enumerate(TARGET_GROUPS)],
        using_db=conn,
    )
    await BusinessScope.bulk_create(
        [
            BusinessScope(
                code=s.code,
                name=s.name,
                level=ScopeLevel.DIVISION if s.section else ScopeLevel.SECTION,
                section_code=s.section or None,
                sort=n,
            )
            for n, s in enumerate(SCOPES)
        ],
        using_db=conn,
    )


def _item_code(spec: ItemSpec, counters: dict[tuple[str, str], int]) -> str:
    kind_code = KIND_CODES[ItemKind(spec.kind)]
    key = (spec.department, kind_code)
    counters[key] = counters.get(key, 0) + 1
    return f"{spec.department}-{kind_code}-{counters[key]:04d}"


def _item(spec: ItemSpec, code: str, department: Any) -> ServiceItem:
    kind = ItemKind(spec.kind)
    township = spec.level != "district"
    keywords = keywords_for(spec.name)
    return ServiceItem(
        code=code,
        name=spec.name,
        keywords=keywords,
        **search_columns(spec.name, keywords),
        department_id=department.id,
        kind=kind,
        level=spec.level,
        kiosk_category=spec.category,
        legal_basis=list(spec.legal_basis),
        conditions=list(spec.conditions),
        materials=[
            {
                "name": m.name,
                "form": m.form,
                "originals": m.originals,
                "copies": m.copies,
                "required": m.required,
                "note": m.note,
            }
            for m in spec.materials
        ],
        fees=[{"name": f.name, "standard": f.standard, "basis": f.basis} for f in spec.fees],
        process=[{"name": s, "description": _STEP_TEXT[s]} for s in _PROCESS[kind]],
        statutory_limit_days=spec.statutory_days,
        promised_limit_days=spec.promised_days,
        visits_required=spec.visits,
        where_to_apply=_TOWN_SERVICE if township else department.address,
        office_hours=department.office_hours,
        phone=department.phone,
        online_url=f"https://www.gdzwfw.gov.cn/portal/guide/{code}" if spec.online else "",
        result_delivery=spec.result_delivery,
    )


async def _load_items(conn: BaseDBAsyncClient, specs: Sequence[ItemSpec]) -> None:
    departments = {d.code: d for d in await Department.all().using_db(conn)}
    counters: dict[tuple[str, str], int] = {}
    coded = [(_item_code(spec, counters), spec) for spec in specs]
    await ServiceItem.bulk_create(
        [_item(spec, code, departments[spec.department]) for code, spec in coded],
        batch_size=1000,
        using_db=conn,
    )
    item_ids = await _ids(ServiceItem, conn)
    themes, groups = await _ids(Theme, conn), await _ids(TargetGroup, conn)
    scopes = await _ids(BusinessScope, conn)
    sections = {s.code: s.section for s in SCOPES if s.section}
    theme_links, group_links, scope_links, terms = [], [], [], []
    for code, spec in coded:
        item_id = item_ids[code]
        theme_links += [ItemTheme(item_id=item_id, theme_id=themes[t]) for t in spec.themes]
        group_links += [
            ItemTargetGroup(item_id=item_id, target_group_id=groups[t]) for t in spec.targets
        ]
        linked: dict[str, bool] = {}  # scope code -> is it a section (the facet level)
        for scope in spec.scopes:
            section = sections.get(scope)
            if section:  # a division: link it and its section
                linked[scope] = False
                linked.setdefault(section, True)
            else:
                linked[scope] = True
        scope_links += [
            ItemBusinessScope(item_id=item_id, scope_id=scopes[s], is_section=is_section)
            for s, is_section in linked.items()
        ]
        terms += [
            ItemTerm(item_id=item_id, term=term)
            for term in item_terms(spec.name, keywords_for(spec.name))
        ]
    await ItemTheme.bulk_create(theme_links, batch_size=5000, using_db=conn)
    await ItemTargetGroup.bulk_create(group_links, batch_size=5000, using_db=conn)
    await ItemBusinessScope.bulk_create(scope_links, batch_size=5000, using_db=conn)
    await ItemTerm.bulk_create(terms, batch_size=5000, using_db=conn)


def _annual_report_year(n: int, spec: EnterpriseSpec, today: date) -> int | None:
    """The last year reported: most filed last year's by 30 June; a few never caught up,
    and before July some have not filed yet."""
    due = today.year - 1
    if spec.established_on.year > due:
        return None
    if n % 17 == 5 or (today.month <= 6 and n % 3 == 0):
        return max(spec.established_on.year, due - 1) if spec.established_on.year < due else None
    return due


async def _load_enterprises(
    conn: BaseDBAsyncClient, specs: Sequence[EnterpriseSpec], box: SecretBox, today: date
) -> dict[str, int]:
    await Enterprise.bulk_create(
        [
            Enterprise(
                credit_code=e.credit_code,
                registration_number=e.registration_number,
                name=e.name,
                search_name=text.normalize(e.name),
                entity_type=e.entity_type,
                legal_representative=e.legal_representative,
                legal_representative_id_hmac=box.fingerprint(e.legal_representative_id),
                registered_capital=e.registered_capital,
                established_on=e.established_on,
                licence_valid_from=e.established_on,
                licence_valid_to=e.licence_valid_to,
                registration_authority="珠海市斗门区市场监督管理局",
                address=e.address,
                business_scope=e.business_scope,
                status=e.status,
                contact_name=e.legal_representative,
                contact_phone=e.contact_phone,
                contact_email=e.contact_email,
                last_annual_report_year=_annual_report_year(n, e, today),
            )
            for n, e in enumerate(specs)
        ],
        batch_size=1000,
        using_db=conn,
    )
    ids = dict(await Enterprise.all().using_db(conn).values_list("credit_code", "id"))
    scopes = await _ids(BusinessScope, conn)
    await EnterpriseIndustry.bulk_create(
        [
            EnterpriseIndustry(enterprise_id=ids[e.credit_code], scope_id=scopes[d])
            for e in specs
            for d in e.industries
        ],
        batch_size=5000,
        using_db=conn,
    )
    return ids


async def _load_page(
    conn: BaseDBAsyncClient,
    enterprises: list[tuple[int, EnterpriseSpec]],
    today: date,
    density: Density,
) -> None:
    for model, rows in page_rows(enterprises, today=today, density=density).items():
        await model.bulk_create([model(**row) for row in rows], batch_size=1000, using_db=conn)
    await load_page_extras([eid for eid, _ in enterprises], today=today)
