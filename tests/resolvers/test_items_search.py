"""ITEM-1, ITEM-5: search by four dimensions and keyword (names, keywords and aliases,
pinyin), checked against a brute-force reference.

Every case runs on SQLite and on PostgreSQL over the demo catalogue, once through the SQL
path and once through the in-process catalogue index; the reference reads the same rows and
filters them in Python, so any divergence of either path is a failure.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from servicehall import db, text
from servicehall.errors import InvalidCursor, InvalidInput
from servicehall.models.items import KioskCategory
from servicehall.resolvers import catalogue_index
from servicehall.resolvers.catalogue_index import CatalogueIndex, build_index
from servicehall.resolvers.items import ItemFilter, SearchStats
from servicehall.resolvers.paging import Page
from servicehall.settings import Settings

pytestmark = pytest.mark.usefixtures("demo_db")


@pytest.fixture(params=["sql", "index"])
async def index(request: pytest.FixtureRequest, demo_db: Settings) -> CatalogueIndex | None:
    return await build_index(0) if request.param == "index" else None


class Search:
    def __init__(self, index: CatalogueIndex | None) -> None:
        self.index = index

    async def page(self, flt: ItemFilter, *, first: int, after: str | None) -> Page:
        return await catalogue_index.search_page(flt, first=first, after=after, index=self.index)

    async def stats(self, flt: ItemFilter) -> SearchStats:
        return await catalogue_index.search_stats(flt, index=self.index)


@pytest.fixture
def search(index: CatalogueIndex | None) -> Search:
    return Search(index)


@dataclass
class Catalogue:
    items: list[dict[str, Any]]
    links: dict[str, dict[int, set[str]]]
    sections: dict[int, set[str]]

    @property
    def busiest_station(self) -> str:
        counted = Counter(code for item in self.items for code in item["stations"])
        return counted.most_common(1)[0][0]


async def _catalogue() -> Catalogue:
    items = await db.fetch(
        "SELECT i.id, i.code, i.name, i.search_name, i.status, i.kiosk_category, i.keywords, "
        "d.code AS department, d.search_name AS department_name "
        "FROM service_item i JOIN department d ON d.id = i.department_id"
    )
    stations: dict[int, set[str]] = {}
    for row in await db.fetch(
        "SELECT l.item_id, a.code FROM station_item l JOIN area a ON a.id = l.area_id"
    ):
        stations.setdefault(row["item_id"], set()).add(row["code"])
    for item in items:  # the reference's own reading of ITEM-5, not the columns it checks
        keywords = item["keywords"]
        keywords = json.loads(keywords) if isinstance(keywords, str) else keywords
        item["aliases"] = ["".join(text.normalize(k).split()) for k in keywords]
        spelled = [text.pinyin(n) for n in [item["name"], *keywords]]  # tested in test_text
        item["pinyin"] = [full for full, _ in spelled]  # the name's first
        item["initials"] = [initials for _, initials in spelled]
        item["stations"] = stations.get(item["id"], set())
    links: dict[str, dict[int, set[str]]] = {}
    for dim, sql in {
        "themes": "SELECT l.item_id, t.code FROM item_theme l JOIN theme t ON t.id = l.theme_id",
        "target_groups": "SELECT l.item_id, t.code FROM item_target_group l "
        "JOIN target_group t ON t.id = l.target_group_id",
        "business_scopes": "SELECT l.item_id, s.code FROM item_business_scope l "
        "JOIN business_scope s ON s.id = l.scope_id",
    }.items():
        mapping: dict[int, set[str]] = {}
        for row in await db.fetch(sql):
            mapping.setdefault(row["item_id"], set()).add(row["code"])
        links[dim] = mapping
    sections: dict[int, set[str]] = {}
    for row in await db.fetch(
        "SELECT l.item_id, s.code FROM item_business_scope l "
        "JOIN business_scope s ON s.id = l.scope_id WHERE l.is_section = "
        + ("1" if db.dialect() == "sqlite" else "TRUE")
    ):
        sections.setdefault(row["item_id"], set()).add(row["code"])
    links["departments"] = {item["id"]: {item["department"]} for item in items}
    return Catalogue(items, links, sections)


def _spelled(item: dict[str, Any], token: str) -> bool:
    """ITEM-5's pinyin rule: 1-2 letters match initials, 3 or more initials or pinyin."""
    if not (token.isascii() and token.isalnum()):
        return False
    lines = item["initials"] + (item["pinyin"] if len(token) >= 3 else [])
    return any(token in line for line in lines)


def _by_name(item: dict[str, Any], token: str) -> bool:
    return (
        token in item["search_name"]
        or any(token in alias for alias in item["aliases"])
        or _spelled(item, token)
    )


def _matches(cat: Catalogue, item: dict[str, Any], flt: ItemFilter, skip: str | None) -> bool:
    if item["status"] != "active":
        return False
    if flt.category is not None and item["kiosk_category"] != flt.category.value:
        return False
    if flt.station is not None and flt.station not in item["stations"]:
        return False
    if flt.tokens and not all(
        _by_name(item, t) or t in item["department_name"] for t in flt.tokens
    ):
        return False
    for dim in ("themes", "target_groups", "business_scopes", "departments"):
        wanted = getattr(flt, dim)
        if dim != skip and wanted and not (cat.links[dim].get(item["id"], set()) & set(wanted)):
            return False
    return True


def _rank(item: dict[str, Any], flt: ItemFilter) -> int:
    """exact name (or whole pinyin) > alias or keyword > prefix > contains > department."""
    if not flt.tokens:
        return 0
    phrase = " ".join(flt.tokens)
    spellings, aliases = [item["search_name"]], list(item["aliases"])
    if phrase.isascii() and phrase.isalnum():
        for lines in [item["initials"]] + ([item["pinyin"]] if len(phrase) >= 3 else []):
            spellings.append(lines[0])
            aliases += lines[1:]
    if phrase in spellings:
        return 0
    if phrase in aliases:
        return 1
    if any(s.startswith(phrase) for s in spellings):
        return 2
    return 3 if _by_name(item, phrase) else 4


def _expected(cat: Catalogue, flt: ItemFilter) -> list[str]:
    hits = [i for i in cat.items if _matches(cat, i, flt, None)]
    return [i["code"] for i in sorted(hits, key=lambda i: (_rank(i, flt), i["code"]))]


async def _all_pages(search: Search, flt: ItemFilter, size: int) -> list[str]:
    codes: list[str] = []
    after = None
    while True:
        page = await search.page(flt, first=size, after=after)
        codes += [row["code"] for row in page.rows]
        if not page.has_next:
            return codes
        after = page.cursors[-1]


def _filters(cat: Catalogue) -> list[ItemFilter]:
    busiest_theme = Counter(c for s in cat.links["themes"].values() for c in s).most_common(2)
    busiest_group = Counter(c for s in cat.links["target_groups"].values() for c in s)
    department = cat.items[0]["department"]
    return [
        ItemFilter(),
        ItemFilter(keyword="证"),
        ItemFilter(keyword="营业"),
        ItemFilter(keyword="许可"),
        ItemFilter(keyword="食品经营许可"),
        ItemFilter(keyword="登记 变更"),
        ItemFilter(keyword="民政"),  # matches the department name, not only item names
        ItemFilter(keyword="不存在的事项名称"),
        ItemFilter(keyword="100%_"),
        ItemFilter(keyword="社保"),
        ItemFilter(keyword="营业执照"),
        ItemFilter(keyword="yyzz"),
        ItemFilter(keyword="yingye"),
        ItemFilter(keyword="shebao"),  # neither initials nor a name: nothing, on every path
        ItemFilter(keyword="sb"),
        ItemFilter(keyword="医保 cx"),
        ItemFilter(keyword="ye"),
        ItemFilter(station=cat.busiest_station, keyword="dj"),
        ItemFilter(station=cat.busiest_station, category=KioskCategory.MEDICAL_INSURANCE),
        ItemFilter(themes=tuple(code for code, _ in busiest_theme)),
        ItemFilter(target_groups=(busiest_group.most_common(1)[0][0],), keyword="申请"),
        ItemFilter(business_scopes=("H",)),
        ItemFilter(business_scopes=("62", "51")),
        ItemFilter(departments=(department,), keyword="证"),
        ItemFilter(category=KioskCategory.CIVIL_AFFAIRS),
        ItemFilter(category=KioskCategory.LAND_RESOURCES, keyword="宅基地"),
        ItemFilter(
            themes=(busiest_theme[0][0],),
            target_groups=tuple(busiest_group),
            departments=tuple({i["department"] for i in cat.items}),
        ),
    ]


async def test_search_results_and_order_match_the_reference(search: Search) -> None:
    cat = await _catalogue()
    for flt in _filters(cat):
        expected = _expected(cat, flt)
        assert await _all_pages(search, flt, 37) == expected, flt
        stats = await search.stats(flt)
        assert stats.total == len(expected), flt


async def test_one_and_two_character_queries_find_every_name_containing_them(
    search: Search,
) -> None:
    cat = await _catalogue()
    for keyword in ("证", "营业", "医保", "补贴"):
        codes = set(await _all_pages(search, ItemFilter(keyword=keyword), 100))
        by_name = {i["code"] for i in cat.items if keyword in i["name"] and i["status"] == "active"}
        assert by_name, f"demo catalogue should contain {keyword!r}"
        assert by_name <= codes


async def test_facets_count_each_dimension_under_the_other_filters(search: Search) -> None:
    cat = await _catalogue()
    for flt in _filters(cat):
        stats = await search.stats(flt)
        for dim, facet_values in stats.facets.items():
            counted: Counter[str] = Counter()
            for item in cat.items:
                if _matches(cat, item, flt, dim):
                    values = (
                        cat.sections.get(item["id"], set())
                        if dim == "business_scopes"
                        else cat.links[dim].get(item["id"], set())
                    )
                    counted.update(values)
            assert {f.value: f.count for f in facet_values} == dict(counted), (flt, dim)
            for facet in facet_values:
                assert facet.label
                assert facet.selected == (facet.value in getattr(flt, dim))


async def test_exact_and_prefix_matches_rank_first(search: Search) -> None:
    cat = await _catalogue()
    item = next(i for i in cat.items if len(i["name"]) >= 6 and i["status"] == "active")
    page = await search.page(ItemFilter(keyword=item["name"]), first=5, after=None)
    assert page.rows[0]["code"] == item["code"]
    prefix = item["name"][:3]
    by_code = {i["code"]: i for i in cat.items}
    ranks = [
        _rank(by_code[row["code"]], ItemFilter(keyword=prefix))
        for row in (await search.page(ItemFilter(keyword=prefix), first=50, after=None)).rows
    ]
    assert ranks == sorted(ranks) and ranks[0] <= 2  # exact or prefix (no alias here)


async def test_an_item_code_as_keyword_finds_that_item(search: Search) -> None:
    cat = await _catalogue()
    code = cat.items[5]["code"]
    page = await search.page(ItemFilter(keyword=code.lower()), first=5, after=None)
    assert [row["code"] for row in page.rows] == [code]


async def test_bad_input_is_a_typed_error(search: Search) -> None:
    with pytest.raises(InvalidInput) as caught:
        ItemFilter(keyword="长" * 51)
    assert caught.value.field == "keyword"
    with pytest.raises(InvalidInput):
        ItemFilter(themes=("x' OR 1=1 --",))
    with pytest.raises(InvalidInput):
        ItemFilter(departments=tuple(f"D{n}" for n in range(51)))
    with pytest.raises(InvalidInput):
        await search.page(ItemFilter(), first=101, after=None)
    for cursor in ("not-a-cursor", "MXxub3BlCg", "OXxTQ0pHLVhLLTAwMDE"):
        with pytest.raises(InvalidCursor):
            await search.page(ItemFilter(), first=5, after=cursor)


async def test_statements_per_search_do_not_grow_with_the_page_size(
    sql_counter: Any, search: Search
) -> None:
    flt = ItemFilter(keyword="证", themes=("P01",))
    for first in (1, 50):
        sql_counter.reset()
        await search.page(flt, first=first, after=None)
        await search.stats(flt)
        # SQL: page + stats; index: the page rows by primary key only
        assert sql_counter.count == (2 if search.index is None else 1)


async def test_index_pages_across_a_rebuild_with_the_same_cursor() -> None:
    """Cursors carry (rank, code), not positions: they stay valid in a newer snapshot."""
    first_index, second_index = await build_index(0), await build_index(1)
    flt = ItemFilter(keyword="许可")
    page = first_index.page(flt, first=10, after=None)
    rest = second_index.page(flt, first=10, after=page[9][1])
    whole = first_index.page(flt, first=20, after=None)
    assert [item_id for item_id, _ in page[:10] + rest[:10]] == [i for i, _ in whole[:20]]
