"""ITEM-5: search finds what people type (aliases, pinyin, initials) and ranks it.

Each test runs on the SQL path and on the catalogue index, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from servicehall import db, text
from servicehall.errors import InvalidInput, NotFound
from servicehall.models import ItemTerm, ServiceItem
from servicehall.models.items import KioskCategory
from servicehall.resolvers import catalogue_index
from servicehall.resolvers.catalogue_index import build_index
from servicehall.resolvers.item_terms import item_terms, rename_item, set_item_keywords
from servicehall.resolvers.items import ItemFilter
from servicehall.settings import Settings
from tests.conftest import load_test_demo, opened

PATHS = ("sql", "index")


async def _codes(path: str, flt: ItemFilter, first: int = 100) -> list[str]:
    index = await build_index(0) if path == "index" else None
    codes: list[str] = []
    after = None
    while True:
        page = await catalogue_index.search_page(flt, first=first, after=after, index=index)
        codes += [row["code"] for row in page.rows]
        if not page.has_next:
            return codes
        after = page.cursors[-1]


async def _names(codes: list[str]) -> list[str]:
    names = dict(await ServiceItem.filter(code__in=codes).values_list("code", "name"))
    return [names[code] for code in codes]


@pytest.mark.usefixtures("demo_db")
@pytest.mark.parametrize("path", PATHS)
async def test_what_residents_type_finds_the_items(path: str) -> None:
    social = await _names(await _codes(path, ItemFilter(keyword="社保")))
    assert "单位社会保险参保登记" in social and "城乡居民基本养老保险参保登记" in social
    assert not any("社保" in name for name in social)  # found by alias, not by name

    licence = await _names(await _codes(path, ItemFilter(keyword="营业执照")))
    assert {"企业设立登记", "个体工商户注册登记", "外商投资企业设立登记"} <= set(licence)

    # the initials of the alias 营业执照 first, then names whose initials hold yyzz
    by_initials = await _names(await _codes(path, ItemFilter(keyword="yyzz")))
    aliased = len([n for n in licence if "设立登记" in n or "注册登记" in n])
    assert by_initials[:aliased] == licence[:aliased] and set(licence) <= set(by_initials)
    assert "民办养老机构运营资助" in by_initials[aliased:]  # mb-yyzz: contains
    by_pinyin = await _names(await _codes(path, ItemFilter(keyword="YingYe")))  # case folded
    assert set(licence) < set(by_pinyin) and "营业性演出审批" in by_pinyin
    assert set(social) <= set(await _names(await _codes(path, ItemFilter(keyword="sb"))))

    for keyword, expected in (("医保", "医疗保险"), ("户口", "出生登记"), ("身份证", "居民身份证")):
        found = await _names(await _codes(path, ItemFilter(keyword=keyword)))
        assert any(expected in name for name in found), keyword


@pytest.mark.usefixtures("demo_db")
@pytest.mark.parametrize("path", PATHS)
async def test_initials_work_with_the_station_and_category_filters(path: str) -> None:
    """The kiosk's station search: pinyin initials within one station's items and tab."""
    rows = await db.fetch(
        "SELECT a.code, i.code AS item, i.name, i.kiosk_category FROM station_item l "
        "JOIN area a ON a.id = l.area_id JOIN service_item i ON i.id = l.item_id "
        "WHERE i.status = 'active' AND i.kiosk_category = 'medical_insurance'"
    )
    station = rows[0]["code"]
    here = {r["item"]: r["name"] for r in rows if r["code"] == station}
    target = next(name for name in here.values() if "参保登记" in name)
    initials = text.pinyin("参保登记")[1]  # cbdj
    flt = ItemFilter(keyword=initials, station=station, category=KioskCategory.MEDICAL_INSURANCE)
    found = await _codes(path, flt)
    assert found and set(found) == {code for code, name in here.items() if "参保登记" in name}
    assert target in await _names(found)
    elsewhere = await db.fetch(
        "SELECT code FROM area WHERE code NOT IN "
        "(SELECT a.code FROM station_item l JOIN area a ON a.id = l.area_id)"
    )
    if elsewhere:  # an area handling nothing finds nothing
        assert await _codes(path, ItemFilter(keyword=initials, station=elsewhere[0]["code"])) == []


@pytest.mark.parametrize("path", PATHS)
async def test_rank_exact_then_alias_then_prefix_then_contains(
    fresh_settings: Settings, path: str
) -> None:
    async with opened(fresh_settings):
        await load_test_demo(items=40, enterprises=1)
        codes = list(await ServiceItem.all().order_by("-code").values_list("code", flat=True))
        contains, prefix, alias, exact = codes[:4]  # codes in reverse: order is not code order
        await rename_item(exact, "营业执照")
        await set_item_keywords(alias, ["营业执照", " 斗门 开店 "])
        await rename_item(prefix, "营业执照遗失补领")
        await rename_item(contains, "个体营业执照换领")

        found = await _codes(path, ItemFilter(keyword="营业执照"), first=2)
        assert found[0] == exact
        assert found.index(alias) < found.index(prefix) < found.index(contains)
        # initials: the whole name's, a keyword's, a prefix, inside
        spelled = await _codes(path, ItemFilter(keyword="yyzz"))
        assert spelled[0] == exact
        assert spelled.index(alias) < spelled.index(prefix) < spelled.index(contains)
        assert await _codes(path, ItemFilter(keyword="斗门开店")) == [alias]


async def test_keywords_are_checked_and_indexed(fresh_settings: Settings) -> None:
    async with opened(fresh_settings):
        await load_test_demo(items=5, enterprises=1)
        item = await ServiceItem.all().order_by("code").first()
        assert item is not None
        before = await ItemTerm.filter(item_id=item.id).count()
        for bad, field in (
            (["社保", " "], "keywords[1]"),
            (["长" * 21], "keywords[0]"),
            ([f"词{n}" for n in range(21)], "keywords"),
        ):
            with pytest.raises(InvalidInput) as caught:
                await set_item_keywords(item.code, bad)
            assert caught.value.field == field
        with pytest.raises(NotFound):
            await set_item_keywords("NOPE-XK-0001", ["社保"])
        assert await ItemTerm.filter(item_id=item.id).count() == before

        await set_item_keywords(item.code, ["社保", "社 保", "SheBao卡"])  # 社 保 = 社保
        stored = await ServiceItem.get(id=item.id)
        assert stored.keywords == ["社保", "SheBao卡"]
        assert stored.search_keywords == "社保\nshebao卡"
        assert stored.name == "企业设立登记"
        assert stored.search_pinyin == "qiyeshelidengji\nshebao\nshebaoka"
        assert stored.search_initials == "qysldj\nsb\nshebaok"
        terms = set(await ItemTerm.filter(item_id=item.id).values_list("term", flat=True))
        assert terms == item_terms(stored.name, stored.keywords)
        assert "保s" not in terms  # never across two keywords
        assert stored.version == item.version + 1
