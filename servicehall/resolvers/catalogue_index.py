"""An in-process index of the item catalogue: compressed bitmaps for search and facets.

Counting facets in SQL means joining every matching item with its dimension links on each
request: 20-120 ms on PostgreSQL at 50k items (``bench/search.py``), far from the
catalogue's 20 ms p95 target under concurrency. A faceted search engine keeps, for every
dimension value and every search term, the set of items that have it; intersections and
their cardinalities then cost microseconds. This module is that engine, on CRoaring
bitmaps (``pyroaring``).

The index is derived data, never the source of truth: it is rebuilt from the database when
the catalogue's change generation (``servicehall.changes``) moves, and searches use the
SQL path (``resolvers.items``) while it is missing or when the generation cannot be read.
Item positions follow the item codes' order, so walking a bitmap in ascending order walks
items in code order and a keyset cursor (rank, code) maps to a position by bisection.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyroaring import BitMap

from servicehall import db, text
from servicehall.loaders.base import Row
from servicehall.loaders.items import DEPARTMENT_COLUMNS, load_items_by_id
from servicehall.models.items import ItemStatus
from servicehall.resolvers.items import (
    DIMENSIONS,
    LAST_RANK,
    FacetCount,
    ItemFilter,
    SearchStats,
    decode_search_cursor,
    search_cursor,
    sql_search_page,
    sql_search_stats,
)
from servicehall.resolvers.paging import UNCOUNTED, Page, check_first
from servicehall.resolvers.pinyin_index import PinyinIndex

log = logging.getLogger(__name__)

EMPTY = BitMap()


@dataclass(frozen=True, slots=True)
class FacetValueInfo:
    code: str
    name: str
    sort: int


@dataclass(slots=True)
class CatalogueIndex:
    """One immutable snapshot of the catalogue, valid for one change ``generation``."""

    generation: int
    codes: list[str]
    ids: list[int]
    names: list[str]
    active: BitMap
    categories: dict[str, BitMap]
    #: dimension -> value code -> items (divisions and sections alike for business scopes)
    filters: dict[str, dict[str, BitMap]]
    #: dimension -> the values facets count (sections only for business scopes)
    facet_values: dict[str, list[FacetValueInfo]]
    #: Han (and other) unigrams and bigrams of names and keywords
    terms: dict[str, BitMap]
    #: each item's normalised keywords joined by ``text.KEYWORD_SEPARATOR``
    keywords: list[str]
    #: normalised keyword -> items that have it (the alias rank)
    aliases: dict[str, BitMap]
    pinyin: PinyinIndex
    #: (normalised department name, its items)
    department_names: list[tuple[str, BitMap]]
    #: department rows by id, as ``load_departments_by_id`` returns them
    departments: dict[int, Row]
    built_in: float = 0.0
    #: station or point (area code) -> the items it handles, read when first asked for
    #: (reading all ~300k links at 50k items would double the build)
    stations: dict[str, BitMap] = field(default_factory=dict)
    id_positions: dict[int, int] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    #: names in sorted order and their positions: a name prefix is a contiguous slice
    sorted_names: list[str] = field(default_factory=list)
    sorted_positions: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.positions = {code: n for n, code in enumerate(self.codes)}
        order = sorted(range(len(self.names)), key=self.names.__getitem__)
        self.sorted_names = [self.names[n] for n in order]
        self.sorted_positions = order

    # -- matching -----------------------------------------------------------------------

    def _token(self, token: str) -> tuple[BitMap, BitMap]:
        """Items whose name, keywords or pinyin contain ``token``; items whose department's
        name does."""
        candidates = None
        for term in text.query_terms(token):
            posting = self.terms.get(term, EMPTY)
            candidates = posting if candidates is None else candidates & posting
        by_name = candidates if candidates is not None else BitMap()
        if len(token) > 2:  # bigrams only narrow: confirm the characters are contiguous
            by_name = BitMap(p for p in by_name if self._contains(p, token))
        if text.is_pinyin_query(token):
            by_name = by_name | self.pinyin.matching(token)  # a new set: postings are shared
        by_department = BitMap()
        for name, items in self.department_names:
            if token in name:
                by_department |= items
        return by_name, by_department

    def _base(self, flt: ItemFilter) -> tuple[BitMap, BitMap]:
        """Items passing status, category and keyword; and those matched by name alone."""
        base = BitMap(self.active) if not flt.include_inactive else BitMap(range(len(self.codes)))
        if flt.category is not None:
            base &= self.categories.get(flt.category.value, EMPTY)
        if flt.station is not None:
            base &= self.stations.get(flt.station, EMPTY)
        by_name_all = BitMap(base)
        if flt.tokens:
            keyword = BitMap(base)
            for token in flt.tokens:
                by_name, by_department = self._token(token)
                keyword &= by_name | by_department
                by_name_all &= by_name
            code = (flt.keyword or "").strip().upper()
            position = self.positions.get(code)
            if position is not None and position in base:
                keyword.add(position)
            base = keyword
        return base, by_name_all

    def codes_among(self, flt: ItemFilter, codes: Iterable[str]) -> set[str]:
        """Which of ``codes`` the search finds (a station's keyword box)."""
        among = BitMap(self.positions[c] for c in codes if c in self.positions)
        return {self.codes[p] for p in self._base(flt)[0] & among}

    async def load_station(self, code: str | None) -> None:
        """Read a station's items into the snapshot before its first search (one statement)."""
        if code is None or code in self.stations:
            return
        q = db.Sql(db.dialect())
        rows = await db.fetch(
            "SELECT l.item_id FROM station_item l JOIN area a ON a.id = l.area_id "
            f"WHERE a.code = {q.bind(code)}",
            q.values,
        )
        if rows and not self.id_positions:
            self.id_positions = {item_id: n for n, item_id in enumerate(self.ids)}
        found = (self.id_positions.get(row["item_id"]) for row in rows)
        self.stations[code] = BitMap(n for n in found if n is not None)

    def _dimension(self, flt: ItemFilter, name: str) -> BitMap | None:
        values = getattr(flt, name)
        if not values:
            return None
        chosen = self.filters[name]
        return BitMap.union(*(chosen.get(v, EMPTY) for v in values))

    def _matched(self, flt: ItemFilter, base: BitMap, skip: str | None = None) -> BitMap:
        matched = base
        for name in DIMENSIONS:
            if name == skip:
                continue
            allowed = self._dimension(flt, name)
            if allowed is not None:
                matched = matched & allowed
        return matched

    # -- answers ------------------------------------------------------------------------

    def stats(self, flt: ItemFilter) -> SearchStats:
        base, _ = self._base(flt)
        facets: dict[str, list[FacetCount]] = {}
        for name in DIMENSIONS:
            within = self._matched(flt, base, skip=name)
            selected = set(getattr(flt, name))
            values = self.filters[name]
            counted = []
            for info in self.facet_values[name]:
                count = within.intersection_cardinality(values[info.code])
                if count:
                    counted.append(FacetCount(info.code, info.name, count, info.code in selected))
            facets[name] = counted
        return SearchStats(len(self._matched(flt, base)), facets)

    def page(self, flt: ItemFilter, *, first: int, after: str | None) -> list[tuple[int, str]]:
        """``first + 1`` (item id, cursor) pairs in (rank, code) order after the cursor."""
        base, by_name_all = self._base(flt)
        matched = self._matched(flt, base)
        classes = self._rank_classes(flt, matched, by_name_all)
        start_rank, start_position = 0, -1
        if after is not None:
            start_rank, code = decode_search_cursor(after)
            start_position = bisect.bisect_right(self.codes, code) - 1
        result: list[tuple[int, str]] = []
        for rank in range(start_rank, LAST_RANK + 1):
            members = classes[rank]
            skip = members.rank(start_position) if rank == start_rank and start_position >= 0 else 0
            for position in members[skip : skip + first + 1 - len(result)]:
                result.append((self.ids[position], search_cursor(rank, self.codes[position])))
            if len(result) > first:
                break
        return result

    def _contains(self, position: int, phrase: str) -> bool:
        return phrase in self.names[position] or phrase in self.keywords[position]

    def _rank_classes(self, flt: ItemFilter, matched: BitMap, by_name_all: BitMap) -> list[BitMap]:
        """Matched items by relevance (``items.RANKS``): exact name, alias or keyword,
        prefix, contains, department only. Pinyin spellings count as the name."""
        if not flt.tokens:
            return [matched] + [EMPTY] * LAST_RANK
        phrase = " ".join(flt.tokens)
        low = bisect.bisect_left(self.sorted_names, phrase)
        high = bisect.bisect_left(self.sorted_names, phrase + "\U0010ffff", low)
        starts = BitMap(self.sorted_positions[low:high]) & matched
        exact = BitMap(p for p in starts if self.names[p] == phrase)
        pinyin_exact, pinyin_alias, pinyin_starts = self.pinyin.ranked(phrase)
        exact = exact | (pinyin_exact & matched)
        alias = ((self.aliases.get(phrase, EMPTY) | pinyin_alias) & matched) - exact
        prefix = ((starts | pinyin_starts) & matched) - exact - alias
        ranked = exact | alias | prefix
        if len(flt.tokens) == 1:  # every name match contains the one token
            contains = (matched & by_name_all) - ranked
        else:
            contains = BitMap(
                p for p in (matched & by_name_all) - ranked if self._contains(p, phrase)
            )
        return [exact, alias, prefix, contains, matched - ranked - contains]


async def build_index(generation: int) -> CatalogueIndex:
    """Read the catalogue (seven plain statements) and build a snapshot."""
    started = time.perf_counter()
    items = await db.fetch(
        "SELECT id, code, search_name, search_keywords, search_pinyin, search_initials, "
        "department_id, status, kiosk_category FROM service_item ORDER BY code"
    )
    position_of_id = {row["id"]: n for n, row in enumerate(items)}
    active = BitMap(n for n, row in enumerate(items) if row["status"] == ItemStatus.ACTIVE.value)
    categories: dict[str, BitMap] = {}
    terms_lists: dict[str, list[int]] = {}
    alias_lists: dict[str, list[int]] = {}
    keyword_terms: dict[str, set[str]] = {}  # keywords repeat: their n-grams once each
    for n, row in enumerate(items):
        if row["kiosk_category"]:
            categories.setdefault(row["kiosk_category"], BitMap()).add(n)
        item_terms = text.index_terms(row["search_name"])
        if row["search_keywords"]:
            for keyword in row["search_keywords"].split(text.KEYWORD_SEPARATOR):
                alias_lists.setdefault(keyword, []).append(n)
                if keyword not in keyword_terms:
                    keyword_terms[keyword] = text.index_terms(keyword)
                item_terms |= keyword_terms[keyword]
        for term in item_terms:
            terms_lists.setdefault(term, []).append(n)
    terms = {term: BitMap(positions) for term, positions in terms_lists.items()}

    departments = await db.fetch(f"SELECT {DEPARTMENT_COLUMNS}, search_name FROM department")
    by_department: dict[int, list[int]] = {}
    for n, row in enumerate(items):
        by_department.setdefault(row["department_id"], []).append(n)
    filters: dict[str, dict[str, BitMap]] = {
        "departments": {d["code"]: BitMap(by_department.get(d["id"], ())) for d in departments}
    }
    facet_values: dict[str, list[FacetValueInfo]] = {
        "departments": _infos(departments),
    }
    for name, links_sql, values_sql in (
        (
            "themes",
            "SELECT l.item_id, t.code FROM item_theme l JOIN theme t ON t.id = l.theme_id",
            "SELECT code, name, sort FROM theme",
        ),
        (
            "target_groups",
            "SELECT l.item_id, t.code FROM item_target_group l "
            "JOIN target_group t ON t.id = l.target_group_id",
            "SELECT code, name, sort FROM target_group",
        ),
        (
            "business_scopes",
            "SELECT l.item_id, s.code FROM item_business_scope l "
            "JOIN business_scope s ON s.id = l.scope_id",
            "SELECT code, name, sort FROM business_scope WHERE section_code IS NULL",
        ),
    ):
        grouped: dict[str, list[int]] = {}
        for row in await db.fetch(links_sql):
            grouped.setdefault(row["code"], []).append(position_of_id[row["item_id"]])
        values = await db.fetch(values_sql)
        filters[name] = {code: BitMap(positions) for code, positions in grouped.items()}
        for value in values:
            filters[name].setdefault(value["code"], BitMap())
        facet_values[name] = _infos(values)
    index = CatalogueIndex(
        generation=generation,
        codes=[row["code"] for row in items],
        ids=[row["id"] for row in items],
        names=[row["search_name"] for row in items],
        active=active,
        categories=categories,
        filters=filters,
        facet_values=facet_values,
        terms=terms,
        keywords=[row["search_keywords"] for row in items],
        aliases={k: BitMap(positions) for k, positions in alias_lists.items()},
        pinyin=PinyinIndex.build(
            [row["search_pinyin"] for row in items], [row["search_initials"] for row in items]
        ),
        department_names=[
            (d.pop("search_name"), filters["departments"][d["code"]]) for d in departments
        ],
        departments={d["id"]: d for d in departments},
    )
    index.built_in = time.perf_counter() - started
    return index


def _infos(rows: Iterable[dict[str, object]]) -> list[FacetValueInfo]:
    infos = [FacetValueInfo(str(r["code"]), str(r["name"]), int(str(r["sort"]))) for r in rows]
    return sorted(infos, key=lambda i: (i.sort, i.code))


class CatalogueIndexHolder:
    """Keeps the current snapshot of one app and rebuilds it in the background.

    ``get(generation)`` never waits for a build: while the snapshot for that generation is
    not ready it answers None and the caller searches with SQL, which is always current.
    """

    def __init__(self) -> None:
        self._index: CatalogueIndex | None = None
        self._build: asyncio.Task[None] | None = None

    @property
    def current(self) -> CatalogueIndex | None:
        return self._index

    def get(self, generation: int | None) -> CatalogueIndex | None:
        if generation is None:  # the change generation is unknown: only SQL is safe
            return None
        index = self._index
        if index is not None and index.generation == generation:
            return index
        if self._build is None or self._build.done():
            # The task inherits the request's database context; one build at a time.
            self._build = asyncio.ensure_future(self._rebuild(generation))
        return None

    async def _rebuild(self, generation: int) -> None:
        try:
            index = await build_index(generation)
        except Exception:
            log.exception("building the catalogue index failed; searches stay on SQL")
            return
        if self._index is None or index.generation >= self._index.generation:
            self._index = index
            log.info(
                "catalogue index for generation %d: %d items in %.2fs",
                generation,
                len(index.codes),
                index.built_in,
            )

    async def wait(self) -> CatalogueIndex | None:
        """Wait for a running build (tests and start-up warm-up)."""
        if self._build is not None:
            await asyncio.shield(self._build)
        return self._index

    async def close(self) -> None:
        if self._build is not None and not self._build.done():
            self._build.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._build


async def search_page(
    flt: ItemFilter, *, first: int, after: str | None, index: CatalogueIndex | None
) -> Page:
    """A page of the search: from the index when there is one (plus one primary-key read
    of the rows), else from SQL."""
    if index is None:
        return await sql_search_page(flt, first=first, after=after)
    check_first(first)
    await index.load_station(flt.station)
    hits = index.page(flt, first=first, after=after)
    shown = hits[:first]
    rows = await load_items_by_id([item_id for item_id, _ in shown]) if shown else []
    present = [(row, cursor) for row, (_, cursor) in zip(rows, shown, strict=True) if row]
    rows, cursors = [row for row, _ in present], [cursor for _, cursor in present]
    return Page(rows, cursors, len(hits) > first, UNCOUNTED)


async def search_stats(flt: ItemFilter, *, index: CatalogueIndex | None) -> SearchStats:
    if index is None:
        return await sql_search_stats(flt)
    await index.load_station(flt.station)
    return index.stats(flt)
