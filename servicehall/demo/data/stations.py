"""The towns and villages of the demo district (斗门区): six towns and subdistricts with
their villages and communities. Names sound like the real ones; addresses, telephone
numbers and the map are fictional (the outline only resembles the district's shape)."""

from __future__ import annotations

from servicehall.demo.spec import TownSpec, VillageSpec

#: The district's outline, [lng, lat] counter-clockwise from the north-west.
DISTRICT_OUTLINE: tuple[tuple[float, float], ...] = (
    (113.13, 22.41),
    (113.10, 22.34),
    (113.11, 22.28),
    (113.09, 22.21),
    (113.10, 22.14),
    (113.14, 22.09),
    (113.19, 22.06),
    (113.25, 22.07),
    (113.28, 22.12),
    (113.33, 22.15),
    (113.37, 22.19),
    (113.40, 22.24),
    (113.41, 22.30),
    (113.39, 22.36),
    (113.34, 22.38),
    (113.31, 22.43),
    (113.26, 22.47),
    (113.17, 22.46),
)

TOWN_HOURS = "周一至周五 8:30-12:00、14:30-17:30；周六 9:00-12:00（法定节假日除外）"
VILLAGE_HOURS = "周一至周五 8:30-12:00、14:30-17:30（法定节假日除外）"


def _villages(*entries: str) -> tuple[VillageSpec, ...]:
    return tuple(VillageSpec(*entry.split()) for entry in entries)


TOWNS: tuple[TownSpec, ...] = (
    TownSpec(
        code="440403100",
        name="井岸镇",
        kind="town",
        seed=(113.275, 22.262),
        address="珠海市斗门区井岸镇朝阳路68号 井岸镇政务服务中心一楼",
        phone="0756-5512301",
        villages=_villages(
            "001 岸东社区",
            "002 霞晖社区",
            "003 新青社区",
            "004 尖峰社区",
            "005 港湾社区",
            "201 黄沙村",
            "202 坭涌村",
            "203 草塘村",
            "204 龙湾村",
            "205 南岗村",
            "206 金山村",
            "207 西埔村",
        ),
    ),
    TownSpec(
        code="440403101",
        name="白蕉镇",
        kind="town",
        seed=(113.345, 22.318),
        address="珠海市斗门区白蕉镇白蕉路238号 白蕉镇政务服务中心",
        phone="0756-5651201",
        villages=_villages(
            "001 白蕉社区",
            "002 新环社区",
            "201 东湖村",
            "202 月坑村",
            "203 南环村",
            "204 成裕村",
            "205 六乡村",
            "206 石龙村",
            "207 盖山村",
            "208 灯笼村",
            "209 桅夹村",
            "210 虾山村",
            "211 孖湾村",
            "212 八顷村",
        ),
    ),
    TownSpec(
        code="440403102",
        name="斗门镇",
        kind="town",
        seed=(113.155, 22.268),
        address="珠海市斗门区斗门镇南门大道16号 斗门镇政务服务中心",
        phone="0756-5792101",
        villages=_villages(
            "001 斗门社区",
            "201 南门村",
            "202 八甲村",
            "203 大濠冲村",
            "204 小濠冲村",
            "205 上洲村",
            "206 下洲村",
            "207 大赤坎村",
            "208 小赤坎村",
            "209 五福村",
        ),
    ),
    TownSpec(
        code="440403103",
        name="乾务镇",
        kind="town",
        seed=(113.195, 22.135),
        address="珠海市斗门区乾务镇乾务大道88号 乾务镇政务服务中心",
        phone="0756-5751101",
        villages=_villages(
            "001 乾务社区",
            "201 东澳村",
            "202 马山村",
            "203 荔山村",
            "204 湾口村",
            "205 狮群村",
            "206 三里村",
            "207 新村村",
        ),
    ),
    TownSpec(
        code="440403104",
        name="莲洲镇",
        kind="town",
        seed=(113.215, 22.395),
        address="珠海市斗门区莲洲镇莲江路32号 莲洲镇政务服务中心",
        phone="0756-5811101",
        villages=_villages(
            "001 莲溪社区",
            "201 横山村",
            "202 东安村",
            "203 福安村",
            "204 耕管村",
            "205 粉洲村",
            "206 新益村",
            "207 上栏村",
            "208 石龙头村",
        ),
    ),
    TownSpec(
        code="440403001",
        name="白藤街道",
        kind="subdistrict",
        seed=(113.36, 22.215),
        address="珠海市斗门区白藤街道藤湖路9号 白藤街道政务服务中心",
        phone="0756-5631101",
        villages=_villages(
            "001 白藤一社区",
            "002 白藤二社区",
            "003 白藤三社区",
            "004 湖心社区",
            "005 藤山社区",
            "006 莲湖社区",
        ),
    ),
)
