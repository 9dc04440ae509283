"""Load the demo district's towns, villages and the items their stations handle (STA-1..3).

Town outlines are cut from the district outline around each town's seed point
(``demo.geo.cells``), so they tile the map; village points are scattered inside their
town's outline. Which items a station handles follows how township services work:

- a town station handles every township item (town and village level), except that an
  urban subdistrict (街道) has no rural-economy items;
- a village point handles the village-level items and accepts some town-level items on
  the town's behalf (代办: population, civil affairs, medical insurance);
- a residents' community (社区) has no land or rural-economy items at all.
"""

from __future__ import annotations

import random

from tortoise.backends.base.client import BaseDBAsyncClient

from servicehall.demo import geo
from servicehall.demo.data.stations import DISTRICT_OUTLINE, TOWN_HOURS, TOWNS, VILLAGE_HOURS
from servicehall.demo.spec import TownSpec, VillageSpec
from servicehall.models import Area, AreaKind, ItemLevel, KioskCategory, ServiceItem, StationItem

#: Town-level categories a village point accepts on the town's behalf (代办).
_ON_BEHALF = (
    KioskCategory.POPULATION,
    KioskCategory.CIVIL_AFFAIRS,
    KioskCategory.MEDICAL_INSURANCE,
)
_NOT_URBAN = (KioskCategory.LAND_RESOURCES, KioskCategory.RURAL_ECONOMY)


def _village_kind(village: VillageSpec) -> AreaKind:
    return AreaKind.COMMUNITY if village.number.startswith("0") else AreaKind.VILLAGE


def _village_address(town: TownSpec, village: VillageSpec) -> str:
    stem = village.name.removesuffix("社区").removesuffix("村")
    road = "路" if _village_kind(village) is AreaKind.COMMUNITY else "大街"
    number = int(village.number) * 7 % 60 + 1
    return f"珠海市斗门区{town.name}{stem}{road}{number}号 {village.name}党群服务中心一楼"


def _village_phone(town: TownSpec, village: VillageSpec) -> str:
    return f"0756-5{town.code[-3:]}{village.number}"


def handles(area: AreaKind, level: str, category: str | None, rng: random.Random) -> bool:
    """Whether a station or point of ``area`` handles an item of ``level`` and ``category``."""
    kiosk = KioskCategory(category) if category else None
    if kiosk is None:
        return False
    if area is AreaKind.TOWN:
        return True
    if area is AreaKind.SUBDISTRICT:
        return kiosk is not KioskCategory.RURAL_ECONOMY
    if area is AreaKind.COMMUNITY and kiosk in _NOT_URBAN:
        return False
    if level == ItemLevel.VILLAGE.value:
        return True
    return kiosk in _ON_BEHALF and rng.random() < 0.5


async def load_stations(conn: BaseDBAsyncClient) -> tuple[int, int]:
    """Towns, villages and station items (in the caller's transaction); returns the number
    of town stations and of village points."""
    outlines = geo.cells(DISTRICT_OUTLINE, [town.seed for town in TOWNS])
    items = await (
        ServiceItem.filter(level__in=(ItemLevel.TOWN, ItemLevel.VILLAGE))
        .using_db(conn)
        .order_by("id")
        .values("id", "level", "kiosk_category")
    )
    links: list[StationItem] = []
    villages = 0
    for sort, (town, outline) in enumerate(zip(TOWNS, outlines, strict=True)):
        kind = AreaKind(town.kind)
        parent = await Area.create(
            code=town.code,
            name=town.name,
            kind=kind,
            address=town.address,
            phone=town.phone,
            opening_hours=TOWN_HOURS,
            outline=[[x, y] for x, y in outline],
            point=list(town.seed),
            sort=sort,
            using_db=conn,
        )
        rng = random.Random(int(town.code))
        points = geo.scatter(outline, len(town.villages), rng)
        children = [
            Area(
                code=town.code + village.number,
                name=village.name,
                kind=_village_kind(village),
                parent_id=parent.id,
                address=_village_address(town, village),
                phone=_village_phone(town, village),
                opening_hours=VILLAGE_HOURS,
                point=[x, y],
                sort=n,
            )
            for n, (village, (x, y)) in enumerate(zip(town.villages, points, strict=True))
        ]
        await Area.bulk_create(children, using_db=conn)
        villages += len(children)
        ids = dict(await Area.filter(parent_id=parent.id).using_db(conn).values_list("code", "id"))
        for area_id, area_kind in [(parent.id, kind)] + [(ids[c.code], c.kind) for c in children]:
            links += [
                StationItem(area_id=area_id, item_id=item["id"])
                for item in items
                if handles(area_kind, item["level"], item["kiosk_category"], rng)
            ]
    await StationItem.bulk_create(links, batch_size=2000, using_db=conn)
    return len(TOWNS), villages
