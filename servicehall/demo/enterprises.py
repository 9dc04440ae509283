"""Generated demo enterprises of the district: valid codes, plausible names and scopes."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from servicehall.clock import years_later
from servicehall.codes import (
    USCC_CHARSET,
    make_credit_code,
    make_id_number,
    make_registration_number,
)

_BRANDS = (
    "恒信 鑫源 华荣 井岸 白蕉 乾务 莲洲 斗门 粤港 金湾 宏达 盛丰 "
    "嘉禾 汇通 泰和 富民 利达 永安 瑞丰 东升 海誉 南疆 新港 兴业 "
    "长青 青禾 禾丰 惠康 中科 智联 星河 蓝海 绿源 优品 佳美 顺德 "
    "广裕 昌隆 安盛 德润 "
).split()

#: Industry division -> (name word, entity type, business scope text).
_TRADES: tuple[tuple[str, str, str], ...] = (
    ("13", "食品", "农副食品加工；食品生产；食品销售（仅销售预包装食品）。"),
    ("62", "餐饮管理", "餐饮服务；餐饮管理；食品销售（仅销售预包装食品）。"),
    ("51", "贸易", "日用百货、五金产品、电子产品批发；货物进出口；技术进出口。"),
    ("52", "商贸", "日用百货零售；食品销售；家用电器销售；互联网销售（除销售需要许可的商品）。"),
    ("65", "信息科技", "软件开发；信息系统集成服务；信息技术咨询服务；数据处理和存储支持服务。"),
    ("47", "建设工程", "房屋建筑工程施工；市政公用工程施工；建筑装饰装修工程施工。"),
    ("54", "物流", "道路货物运输（不含危险货物）；普通货物仓储服务；国内货物运输代理。"),
    ("01", "农业发展", "蔬菜、水果种植；农产品初加工；农业技术推广服务。"),
    ("04", "水产养殖", "水产养殖；水产品收购、批发；渔业专业及辅助性活动。"),
    ("38", "电器", "家用电器制造；电子元器件制造；五金产品制造。"),
    ("70", "物业管理", "物业管理；停车场服务；家政服务。"),
    ("72", "企业管理咨询", "企业管理咨询；商务信息咨询；会议及展览服务。"),
    ("83", "教育咨询", "教育咨询服务（不含涉许可审批的教育培训活动）；文化艺术交流活动。"),
    ("61", "酒店管理", "住宿服务；酒店管理；餐饮服务。"),
)

_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司")
_TYPES = {
    "有限公司": "有限责任公司（自然人投资或控股）",
    "股份有限公司": "股份有限公司（非上市、自然人投资或控股）",
}
_SURNAMES = ("陈 黄 李 张 梁 林 刘 吴 何 郑 钟 赵 冯 杨 周 邓 谭 罗 卢 麦 区 容 赖 甘 ").split()
_GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 涛 明 超 秀英 志明 嘉欣 俊杰 文华 丽华 国强 建华 子轩 "
).split()
_TOWNS = ("井岸镇", "白蕉镇", "斗门镇", "乾务镇", "莲洲镇", "白藤街道")
_STREETS = (
    "港霞东路",
    "湖心路",
    "白藤二路",
    "珠峰大道",
    "新青路",
    "黄杨大道",
    "尖峰前路",
    "乾务大道",
)

#: The enterprise a newcomer signs in as; its code stays the same in every demo database.
DEMO_CREDIT_CODE = make_credit_code("9", "1", "440403", "MA4UH3XF")
DEMO_CONTACT_EMAIL = "hengxin-food@example.com"


@dataclass(frozen=True, slots=True)
class EnterpriseSpec:
    credit_code: str
    registration_number: str | None
    name: str
    entity_type: str
    legal_representative: str
    legal_representative_id: str
    registered_capital: Decimal
    established_on: date
    licence_valid_to: date | None
    address: str
    business_scope: str
    industries: tuple[str, ...]
    status: str
    contact_phone: str
    contact_email: str


def _email(n: int) -> str:
    """Most enterprises registered a contact e-mail (the reserved example.com domain)."""
    if n == 0:
        return DEMO_CONTACT_EMAIL
    return f"qiye{n:04d}@example.com" if n % 3 else ""


def _org_body(rng: random.Random) -> str:
    return "MA" + "".join(rng.choice(USCC_CHARSET) for _ in range(6))


def _industries(n: int, main: str, divisions: list[str], rng: random.Random) -> tuple[str, ...]:
    """The main division and up to two more (ENT-10 ranks neighbours by the overlap)."""
    if n == 0:  # the demo enterprise: food production, sold wholesale and retail
        return (main, "51", "52")
    others = rng.sample([d for d in divisions if d != main], rng.choice((0, 0, 1, 1, 2)))
    return (main, *others)


def generate_enterprises(count: int, *, seed: int = 440403) -> list[EnterpriseSpec]:
    """``count`` enterprises with unique valid codes; the first is the demo enterprise."""
    rng = random.Random(seed)
    mix = random.Random(seed + 1)  # industries: a stream of their own, names stay stable
    divisions = [trade[0] for trade in _TRADES]
    result: list[EnterpriseSpec] = []
    codes: set[str] = set()
    names: set[str] = set()
    for n in range(count):
        division, trade, scope = _TRADES[n % len(_TRADES)]
        form = rng.choice(_FORMS)
        name = f"珠海市斗门区恒信{trade}{form}" if n == 0 else ""
        while not name or name in names:
            brand = rng.choice(_BRANDS) + (rng.choice(_BRANDS) if len(names) > 400 else "")
            name = f"珠海{brand}{trade}{form}"
        names.add(name)
        code = DEMO_CREDIT_CODE if n == 0 else ""
        while not code or code in codes:
            code = make_credit_code("9", "1", "440403", _org_body(rng))
        codes.add(code)
        established = date(2008, 1, 1) + timedelta(days=rng.randrange(0, 6200))
        # Enterprises registered before the 2015 reform still carry a registration number.
        legacy = established.year < 2015 and n % 2 == 0
        registration_number = make_registration_number(f"440403000{n:05d}") if legacy else None
        term = rng.choice((None, None, 20, 30))
        valid_to = None if term is None else years_later(established, term)
        if n % 23 == 7:  # a few whose licence term has already ended
            valid_to = date(2024, 6, 30)
        status = "operating" if n % 31 != 11 else "revoked"
        result.append(
            EnterpriseSpec(
                credit_code=code,
                registration_number=registration_number,
                name=name,
                entity_type=_TYPES[form],
                legal_representative=rng.choice(_SURNAMES) + rng.choice(_GIVEN),
                legal_representative_id=make_id_number(
                    "440403", date(1960, 1, 1) + timedelta(days=rng.randrange(0, 14000)), n % 1000
                ),
                registered_capital=Decimal(rng.choice((10, 50, 100, 200, 500, 1000))) * 10000,
                established_on=established,
                licence_valid_to=valid_to,
                address=(
                    f"珠海市斗门区{rng.choice(_TOWNS)}{rng.choice(_STREETS)}"
                    f"{rng.randrange(1, 399)}号{rng.randrange(1, 9)}栋{rng.randrange(101, 999)}室"
                ),
                business_scope=scope,
                industries=_industries(n, division, divisions, mix),
                status=status,
                contact_phone=f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
                contact_email=_email(n),
            )
        )
    return result
