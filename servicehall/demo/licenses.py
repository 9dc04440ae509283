"""The e-licence demo (LIC-1..4, ENT-14), built through the hall's own resolvers.

Six catalogue entries in every state of the lifecycle: 食品经营许可证 (changed: version 2
since the 2023 rules), 排污许可证 and 从业人员健康证明 (published), 建筑施工企业安全生产许可证
(registered, awaiting review), 小餐饮经营许可证 (draft) and 食品流通许可证 (abolished in 2015
when it merged into 食品经营许可证). The demo enterprise holds a 食品经营许可证 under version 1
(revoked when it moved and was re-issued under version 2) and its replacement, and an
排污许可证 ending within 90 days; the demo person holds a health certificate. The health
bureau holds a browse grant on 食品经营许可证, the emergency bureau was refused one on
排污许可证, the tax bureau's application waits for review; two reads of the demo
enterprise's licence fill its access log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from servicehall.auth.crypto import SecretBox
from servicehall.auth.keys import LICENSES, KeyStore
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.clock import LOCAL_TZ
from servicehall.demo.accounts import PERSON_ID
from servicehall.demo.enterprises import DEMO_CREDIT_CODE
from servicehall.models import (
    AccessBasis,
    Account,
    AccountKind,
    Case,
    CaseLicense,
    CaseStage,
    CatalogState,
    Department,
    Enterprise,
    FieldType,
    GrantStatus,
    HolderKind,
    License,
    LicenseAccess,
    LicenseCatalogEntry,
    LicenseGrant,
    ValidityRule,
)
from servicehall.resolvers import license_catalog as catalog
from servicehall.resolvers import licenses
from servicehall.resolvers.license_fields import FieldSpec, Validity, add_months

T, C, D = FieldType.TEXT, FieldType.CHOICE, FieldType.DATE
S = CatalogState


def _f(
    name: str, label: str, kind: FieldType = T, *options: str, required: bool = True
) -> FieldSpec:
    return FieldSpec(name, label, kind, required, options)


FOOD_V1 = (
    _f("residence", "住所"),
    _f("premises", "经营场所"),
    _f("mainBusiness", "主体业态", C, "食品销售经营者", "餐饮服务经营者", "单位食堂"),
    _f("businessItems", "经营项目"),
    _f("legalRepresentative", "法定代表人（负责人）"),
    _f("supervisor", "日常监督管理机构"),
    _f("complaintPhone", "投诉举报电话", required=False),
)
FOOD_V2 = (*FOOD_V1, _f("foodSafetyOfficer", "食品安全管理员", required=False))
DISCHARGE = (
    _f("industry", "行业类别"),
    _f("premises", "生产经营场所地址"),
    _f("pollutants", "主要污染物类别"),
    _f("dischargeMode", "排放方式", C, "有组织排放", "无组织排放", "间接排放"),
    _f("managementCategory", "管理类别", C, "重点管理", "简化管理"),
    _f("legalRepresentative", "法定代表人"),
)
SAFETY = (
    _f("principalName", "主要负责人"),
    _f("address", "单位地址"),
    _f("economicType", "经济类型"),
    _f("scope", "许可范围"),
)
SMALL_CATERING = (
    _f("premises", "经营场所"),
    _f("businessItems", "经营项目"),
    _f("seats", "就餐座位数", FieldType.INTEGER, required=False),
)
FOOD_TRADE = (
    _f("premises", "经营场所"),
    _f("businessItems", "许可范围"),
    _f("legalRepresentative", "负责人"),
)
HEALTH = (
    _f("category", "从业类别", C, "食品", "公共场所", "化妆品", "生活饮用水"),
    _f("examinedOn", "体检日期", D),
    _f("institution", "体检机构"),
)


@dataclass(frozen=True, slots=True)
class Step:
    to: CatalogState
    on: date
    reason: str


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), LOCAL_TZ).astimezone(UTC)


def _principal(account: Account, kind: PrincipalKind, department: str | None) -> Principal:
    return Principal(
        kind, subject=account.subject, department_code=department, roles=frozenset(account.roles)
    )


async def load_licenses(box: SecretBox, today: date) -> None:
    """The catalogue, grants, licences and reads above (in the caller's transaction)."""
    keys = KeyStore(box, LICENSES)
    await keys.ensure()
    admin_account = await Account.get(kind=AccountKind.ADMIN)
    admin = _principal(admin_account, PrincipalKind.ADMIN, None)
    staff = {a.username: a for a in await Account.filter(kind=AccountKind.STAFF)}
    scjg = _principal(staff["scjg001"], PrincipalKind.STAFF, "SCJG")
    sthj = _principal(staff["sthj001"], PrincipalKind.STAFF, "STHJ")
    wjj = _principal(staff["wjj001"], PrincipalKind.STAFF, "WJJ")
    demo = await Enterprise.get(credit_code=DEMO_CREDIT_CODE)
    older = await Enterprise.filter(established_on__lt=date(2012, 1, 1)).order_by("id").first()

    async def entry(
        author: Principal,
        code: str,
        name: str,
        department: str,
        holder: HolderKind,
        fields: tuple[FieldSpec, ...],
        validity: Validity,
        created: date,
        steps: tuple[Step, ...] = (),
    ) -> None:
        await catalog.create_entry(
            author,
            code=code,
            name=name,
            department_code=department,
            holder_kind=holder,
            field_list=fields,
            validity=validity,
            reason="依据证照主管部门的证照样式编目",
            now=_at(created),
        )
        for step in steps:
            await move(code, step)

    async def move(code: str, step: Step, **changes: object) -> None:
        actor = scjg if step.to is S.REGISTERED and code.startswith("SP") else admin
        await catalog.move(actor, code, step.to, reason=step.reason, now=_at(step.on), **changes)  # type: ignore[arg-type]

    async def issue(
        who: Principal, code: str, holder: str, on: date, values: dict[str, str], **extra: object
    ) -> str:
        return await licenses.issue_license(
            who,
            keys,
            catalog_code=code,
            holder_code=holder,
            holder_name=str(extra.get("holder_name", "")),
            valid_from=None,
            valid_until=extra.get("valid_until"),  # type: ignore[arg-type]
            values=values,
            today=on,
            now=_at(on, 9),
        )

    registered = Step(S.REGISTERED, date(2015, 9, 20), "编目完成，提交审核")
    published = Step(S.PUBLISHED, date(2015, 10, 1), "审核通过：要素齐全，样式符合电子证照标准")

    # 食品流通许可证: published 2012, merged into 食品经营许可证 and abolished in 2015
    await entry(
        admin, "SPLT", "食品流通许可证", "SCJG", HolderKind.ENTERPRISE, FOOD_TRADE,
        Validity(ValidityRule.FIXED_TERM, 36), date(2012, 3, 1),
        (
            Step(S.REGISTERED, date(2012, 3, 5), "编目完成，提交审核"),
            Step(S.PUBLISHED, date(2012, 4, 10), "审核通过"),
        ),
    )  # fmt: skip
    if older is not None:
        await issue(scjg, "SPLT", older.credit_code, date(2012, 6, 18), {
            "premises": older.address,
            "businessItems": "预包装食品兼散装食品",
            "legalRepresentative": older.legal_representative,
        })  # fmt: skip
    await move("SPLT", Step(
        S.ABOLISHED, date(2015, 10, 1),
        "《食品经营许可管理办法》施行，食品流通许可与餐饮服务许可合并为食品经营许可",
    ))  # fmt: skip

    # 食品经营许可证: published 2015, version 2 under the 2023 rules
    await entry(
        scjg, "SPJY", "食品经营许可证", "SCJG", HolderKind.ENTERPRISE, FOOD_V1,
        Validity(ValidityRule.FIXED_TERM, 60), date(2015, 9, 15), (registered, published),
    )  # fmt: skip
    food = {
        "residence": demo.address,
        "premises": demo.address,
        "mainBusiness": "食品销售经营者",
        "businessItems": "预包装食品销售（含冷藏冷冻食品）；散装食品销售（不含熟食）",
        "legalRepresentative": demo.legal_representative,
        "supervisor": "珠海市斗门区市场监督管理局乾务市场监督管理所",
        "complaintPhone": "12331",
    }
    first_food = await issue(
        scjg, "SPJY", demo.credit_code, demo.established_on + timedelta(45), food
    )
    await move(
        "SPJY",
        Step(
            S.CHANGED,
            date(2023, 12, 1),
            "依据《食品经营许可和备案管理办法》（国家市场监督管理总局令第78号）调整证照内容，"
            "增加食品安全管理员",
        ),
        field_list=FOOD_V2,
    )
    moved_on = today - timedelta(days=200)
    await licenses.revoke_license(
        scjg, first_food, reason="经营场所迁移，原证注销并按新版证照换发", now=_at(moved_on, 9)
    )
    premises = "珠海市斗门区白蕉镇白藤二路66号1栋101室"
    current_food = await issue(scjg, "SPJY", demo.credit_code, moved_on, food | {
        "premises": premises,
        "supervisor": "珠海市斗门区市场监督管理局白蕉市场监督管理所",
        "complaintPhone": "12315",
        "foodSafetyOfficer": "甘志华",
    })  # fmt: skip
    if older is not None:
        await issue(scjg, "SPJY", older.credit_code, today - timedelta(days=35), {
            "residence": older.address,
            "premises": older.address,
            "mainBusiness": "食品销售经营者",
            "businessItems": "预包装食品销售（不含冷藏冷冻食品）",
            "legalRepresentative": older.legal_representative,
            "supervisor": "珠海市斗门区市场监督管理局井岸市场监督管理所",
            "complaintPhone": "12315",
        })  # fmt: skip

    # 排污许可证: the first permit runs three years and ends within 90 days
    await entry(
        admin, "PWXK", "排污许可证", "STHJ", HolderKind.ENTERPRISE, DISCHARGE,
        Validity(ValidityRule.UP_TO, 60), date(2021, 2, 1),
        (
            Step(S.REGISTERED, date(2021, 2, 8), "编目完成，提交审核"),
            Step(S.PUBLISHED, date(2021, 3, 1), "《排污许可管理条例》施行，审核通过并发布"),
        ),
    )  # fmt: skip
    ends = today + timedelta(days=45)
    first_day = add_months(ends, -36) + timedelta(days=1)
    await issue(sthj, "PWXK", demo.credit_code, first_day, {
        "industry": "其他农副食品加工（C1399）",
        "premises": premises,
        "pollutants": "废水（化学需氧量、氨氮）；废气（颗粒物）",
        "dischargeMode": "间接排放",
        "managementCategory": "简化管理",
        "legalRepresentative": demo.legal_representative,
    }, valid_until=ends)  # fmt: skip

    # 从业人员健康证明 (a person's): published 2020
    await entry(
        admin, "CYJK", "从业人员健康证明", "WJJ", HolderKind.PERSON, HEALTH,
        Validity(ValidityRule.FIXED_TERM, 12), date(2020, 5, 11),
        (
            Step(S.REGISTERED, date(2020, 5, 18), "编目完成，提交审核"),
            Step(S.PUBLISHED, date(2020, 6, 1), "审核通过"),
        ),
    )  # fmt: skip
    examined = today - timedelta(days=103)
    await issue(wjj, "CYJK", PERSON_ID, today - timedelta(days=100), {
        "category": "食品",
        "examinedOn": examined.isoformat(),
        "institution": "珠海市斗门区疾病预防控制中心",
    }, holder_name="陈晓明")  # fmt: skip

    # 建筑施工企业安全生产许可证: registered, awaiting review; 小餐饮经营许可证: a draft
    await entry(
        admin, "JZAQ", "建筑施工企业安全生产许可证", "ZJJ", HolderKind.ENTERPRISE, SAFETY,
        Validity(ValidityRule.FIXED_TERM, 36), today - timedelta(days=20),
        (Step(S.REGISTERED, today - timedelta(days=12), "编目完成，提交审核"),),
    )  # fmt: skip
    await entry(
        scjg, "XCYJ", "小餐饮经营许可证", "SCJG", HolderKind.ENTERPRISE, SMALL_CATERING,
        Validity(ValidityRule.FIXED_TERM, 60), today - timedelta(days=5),
    )  # fmt: skip

    await _grants(today)
    await _reads(today, current_food, scjg, wjj)


async def _grants(today: date) -> None:
    departments = {d.code: d for d in await Department.filter(code__in=["WJJ", "YJJ", "SWJ"])}
    entries = {e.code: e for e in await LicenseCatalogEntry.filter(code__in=["SPJY", "PWXK"])}
    admin = "系统管理员"
    await LicenseGrant.create(
        entry=entries["SPJY"],
        department=departments["WJJ"],
        status=GrantStatus.GRANTED,
        reason="开展餐饮服务从业人员健康管理检查，需核对食品经营许可信息",
        expires_on=today + timedelta(days=305),
        requested_at=_at(today - timedelta(days=60)),
        requested_by="staff:demo-wjj",
        requested_by_name="林嘉欣",
        decided_at=_at(today - timedelta(days=58), 15),
        decided_by="admin:demo",
        decided_by_name=admin,
        decision_note="同意，授权一年",
    )
    await LicenseGrant.create(
        entry=entries["PWXK"],
        department=departments["YJJ"],
        status=GrantStatus.REFUSED,
        reason="安全生产执法检查需查阅企业排污许可证",
        requested_at=_at(today - timedelta(days=40)),
        requested_by="staff:demo-yjj",
        requested_by_name="王磊",
        decided_at=_at(today - timedelta(days=39), 11),
        decided_by="admin:demo",
        decided_by_name=admin,
        decision_note="安全生产检查不属于排污许可信息的使用范围；如涉及环境违法线索，请移送生态环境部门",
    )
    await LicenseGrant.create(
        entry=entries["PWXK"],
        department=departments["SWJ"],
        status=GrantStatus.REQUESTED,
        reason="环境保护税征收管理需核对纳税人的排污许可信息",
        expires_on=today + timedelta(days=730),
        requested_at=_at(today - timedelta(days=2)),
        requested_by="staff:demo-swj",
        requested_by_name="郑文华",
    )


async def _reads(today: date, number: str, scjg: Principal, wjj: Principal) -> None:
    """The demo enterprise attaches its licence to a case in progress at the market
    regulator, which reads it for the case; the health bureau reads it under its grant."""
    found = await License.get(license_number=number)
    case = (
        await Case.filter(
            applicant_code=DEMO_CREDIT_CODE,
            department__code="SCJG",
            stage__in=[CaseStage.ACCEPTED, CaseStage.PROCESSING],
        )
        .order_by("id")
        .first()
    )
    names = dict(
        await Account.filter(subject__in=[scjg.subject, wjj.subject]).values_list(
            "subject", "display_name"
        )
    )
    if case is not None:
        await CaseLicense.create(case=case, license=found, attached_by=None)
        await LicenseAccess.create(
            license=found,
            at=_at(today - timedelta(days=3), 14),
            actor=scjg.identity,
            actor_name=names[scjg.subject],
            department_code="SCJG",
            department_name="珠海市斗门区市场监督管理局",
            case_number=case.case_number,
            basis=AccessBasis.ISSUER,
        )
    await LicenseAccess.create(
        license=found,
        at=_at(today - timedelta(days=20), 10),
        actor=wjj.identity,
        actor_name=names[wjj.subject],
        department_code="WJJ",
        department_name="珠海市斗门区卫生健康局",
        purpose="餐饮服务从业人员健康管理检查，核对食品经营许可信息",
        basis=AccessBasis.GRANT,
    )
