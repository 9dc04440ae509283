"""Service-item search by four dimensions and keyword (ITEM-1, ITEM-5), and the item reads.

A keyword token matches an item whose name, keywords or aliases (``社保``) or department
name contain it, or whose name's pinyin matches it (``yyzz``, ``yingye``:
:func:`servicehall.text.pinyin_matches`). Results rank exact name (or its whole pinyin) >
alias or keyword > prefix > contains > department only, then by code (``RANKS``).

One search costs two SQL statements whatever the catalogue size: the page (keyset
pagination on relevance rank and code) and, only when asked for, the total and the four
facet counts together in one ``UNION ALL`` statement. Facet counts are disjunctive: each
dimension is counted under every *other* active filter, so a front end can show how many
items each further choice would give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from servicehall import db, text
from servicehall.errors import InvalidInput
from servicehall.loaders.items import ITEM_COLUMNS, item_row
from servicehall.models.items import ItemStatus, KioskCategory, ThemeAudience
from servicehall.resolvers.paging import (
    UNCOUNTED,
    Page,
    check_first,
    decode_cursor,
    encode_cursor,
    invalid_cursor,
)

#: Most values accepted per dimension in one filter.
MAX_FILTER_VALUES = 50
#: Longest keyword accepted, in characters.
MAX_KEYWORD_LENGTH = 50
DEFAULT_PAGE_SIZE = 20

DIMENSIONS = ("themes", "target_groups", "business_scopes", "departments")
#: Relevance classes of a keyword search, best first (a search cursor carries one).
RANKS = ("exact", "alias", "prefix", "contains", "department")
LAST_RANK = len(RANKS) - 1

_DIMENSION_CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")
ITEM_CODE = re.compile(r"[A-Z]{2,10}-[A-Z]{2}-\d{4,6}")
#: A town's station (9 digits) or a village's point (12), as ``Station.code``.
STATION_CODE = re.compile(r"\d{9}|\d{12}")


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """What to search for. Values within a dimension are OR-ed, dimensions AND-ed."""

    keyword: str | None = None
    themes: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    business_scopes: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    category: KioskCategory | None = None
    #: Only the items this station or village point handles (the kiosk's station search).
    station: str | None = None
    include_inactive: bool = False
    tokens: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        if self.keyword is not None and len(self.keyword) > MAX_KEYWORD_LENGTH:
            raise InvalidInput(
                f"关键词过长（{len(self.keyword)}字），最多{MAX_KEYWORD_LENGTH}字",
                field="keyword",
            )
        if self.station is not None and not STATION_CODE.fullmatch(self.station):
            raise InvalidInput(f"办事站代码“{self.station[:20]}”格式不正确", field="station")
        for name in DIMENSIONS:
            values = getattr(self, name)
            if len(values) > MAX_FILTER_VALUES:
                raise InvalidInput(f"每类筛选条件最多{MAX_FILTER_VALUES}项", field=_camel(name))
            for value in values:
                if not _DIMENSION_CODE.fullmatch(value):
                    raise InvalidInput(f"筛选代码“{value}”格式不正确", field=_camel(name))
        object.__setattr__(self, "tokens", tuple(text.query_tokens(self.keyword or "")))


@dataclass(frozen=True, slots=True)
class FacetCount:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True, slots=True)
class SearchStats:
    total: int
    facets: dict[str, list[FacetCount]]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def search_cursor(rank: int, code: str) -> str:
    return encode_cursor(rank, code)


def decode_search_cursor(cursor: str) -> tuple[int, str]:
    """Raises :class:`InvalidCursor` for anything :func:`search_cursor` did not hand out."""
    rank, code = decode_cursor(cursor, 2)
    if not rank.isdigit() or not 0 <= int(rank) <= LAST_RANK or not ITEM_CODE.fullmatch(code):
        raise invalid_cursor(cursor)
    return int(rank), code


class _Conditions:
    """SQL conditions of one filter, bound once into ``q`` and reused by every branch."""

    def __init__(self, flt: ItemFilter, q: db.Sql, alias: str) -> None:
        self.q, self.flt, self.alias = q, flt, alias
        self.common: list[str] = []
        self.dims: dict[str, str] = {}
        if not flt.include_inactive:
            self.common.append(f"{alias}.status = {q.bind(ItemStatus.ACTIVE.value)}")
        if flt.category is not None:
            self.common.append(f"{alias}.kiosk_category = {q.bind(flt.category.value)}")
        if flt.station is not None:
            self.common.append(
                f"{alias}.id IN (SELECT l.item_id FROM station_item l JOIN area a ON "
                f"a.id = l.area_id WHERE a.code = {q.bind(flt.station)})"
            )
        if flt.tokens:
            self.common.append(self._keyword(flt, alias))
        if flt.themes:
            self.dims["themes"] = (
                f"{alias}.id IN (SELECT l.item_id FROM item_theme l JOIN theme t ON t.id = "
                f"l.theme_id WHERE t.code IN ({q.bind_all(flt.themes)}))"
            )
        if flt.target_groups:
            self.dims["target_groups"] = (
                f"{alias}.id IN (SELECT l.item_id FROM item_target_group l JOIN target_group t "
                f"ON t.id = l.target_group_id WHERE t.code IN ({q.bind_all(flt.target_groups)}))"
            )
        if flt.business_scopes:
            self.dims["business_scopes"] = (
                f"{alias}.id IN (SELECT l.item_id FROM item_business_scope l JOIN business_scope"
                f" s ON s.id = l.scope_id WHERE s.code IN ({q.bind_all(flt.business_scopes)}))"
            )
        if flt.departments:
            self.dims["departments"] = (
                f"{alias}.department_id IN (SELECT d.id FROM department d WHERE d.code IN "
                f"({q.bind_all(flt.departments)}))"
            )

    def _keyword(self, flt: ItemFilter, alias: str) -> str:
        q = self.q
        per_token = []
        for token in flt.tokens:
            contains = q.bind(f"%{text.like_escape(token)}%")
            terms = text.query_terms(token)
            joins = "".join(
                f" JOIN item_term t{n} ON t{n}.item_id = t0.item_id AND t{n}.term = {q.bind(term)}"
                for n, term in enumerate(terms[1:], start=1)
            )
            by_name = f"SELECT t0.item_id FROM item_term t0{joins}"
            if len(token) > 2:
                by_name += " JOIN service_item x ON x.id = t0.item_id"
            by_name += f" WHERE t0.term = {q.bind(terms[0])}"
            if len(token) > 2:
                by_name += (
                    f" AND (x.search_name LIKE {contains} ESCAPE '\\' "
                    f"OR x.search_keywords LIKE {contains} ESCAPE '\\')"
                )
            branches = [
                by_name,
                "SELECT x.id FROM service_item x WHERE x.department_id IN (SELECT d.id FROM "
                f"department d WHERE d.search_name LIKE {contains} ESCAPE '\\')",
            ]
            if text.is_pinyin_query(token):  # a scan: the SQL path is the index's fallback
                branches.append(
                    f"SELECT x.id FROM service_item x WHERE {_pinyin(token, 'x', contains)}"
                )
            per_token.append(f"{alias}.id IN ({' UNION '.join(branches)})")
        condition = " AND ".join(per_token)
        code = (flt.keyword or "").strip().upper()
        if ITEM_CODE.fullmatch(code):
            condition = f"(({condition}) OR {alias}.code = {q.bind(code)})"
        return condition

    def rank(self) -> str:
        """Relevance (``RANKS``): 0 the name or its pinyin is the phrase, 1 a keyword or its
        pinyin is, 2 the name or its pinyin starts with it, 3 contains it, 4 only the
        department matched. Spellings are lines (``text.spellings``), the name's first.

        Bound on demand: a statement must not carry values it does not use.
        """
        if not self.flt.tokens:
            return "0"
        q, a = self.q, self.alias
        phrase = " ".join(self.flt.tokens)
        escaped, sep = text.like_escape(phrase), text.KEYWORD_SEPARATOR
        exact, prefix = q.bind(phrase), q.bind(f"{escaped}%")
        contains = q.bind(f"%{escaped}%")
        first_line, later = (
            q.bind(f"{escaped}{sep}%"),
            [
                q.bind(f"%{sep}{escaped}"),
                q.bind(f"%{sep}{escaped}{sep}%"),
            ],
        )

        def like(column: str, pattern: str) -> str:
            return f"{a}.{column} LIKE {pattern} ESCAPE '\\'"

        spelled = ["search_initials"] if text.is_pinyin_query(phrase) else []
        if spelled and len(phrase) >= text.MIN_FULL_PINYIN:
            spelled.append("search_pinyin")
        same = [f"{a}.search_name = {exact}"]
        alias = [f"{a}.search_keywords = {exact}", like("search_keywords", first_line)]
        starts = [like("search_name", prefix)]
        for column in spelled:
            same += [f"{a}.{column} = {exact}", like(column, first_line)]
            starts.append(like(column, prefix))
        for column in ["search_keywords", *spelled]:
            alias += [like(column, pattern) for pattern in later]
        inside = f"{like('search_name', contains)} OR {like('search_keywords', contains)}"
        if spelled:
            inside += f" OR {_pinyin(phrase, a, contains)}"
        return (
            f"CASE WHEN {' OR '.join(same)} THEN 0 WHEN {' OR '.join(alias)} THEN 1 "
            f"WHEN {' OR '.join(starts)} THEN 2 WHEN {inside} THEN 3 ELSE 4 END"
        )

    def where(self, *, skip: str | None = None, common: bool = True) -> str:
        parts = (self.common if common else []) + [
            sql for name, sql in self.dims.items() if name != skip
        ]
        return " AND ".join(parts) if parts else "1 = 1"


def _pinyin(token: str, alias: str, contains: str) -> str:
    """:func:`text.pinyin_matches` in SQL; ``contains`` is the bound ``%token%``."""
    condition = f"{alias}.search_initials LIKE {contains} ESCAPE '\\'"
    if len(token) >= text.MIN_FULL_PINYIN:
        condition += f" OR {alias}.search_pinyin LIKE {contains} ESCAPE '\\'"
    return f"({condition})"


def page_sql(
    flt: ItemFilter, *, first: int, after: str | None, dialect: db.Dialect
) -> tuple[str, list[Any]]:
    """The statement of one page: relevance rank, then code, keyset after the cursor."""
    check_first(first)
    q = db.Sql(dialect)
    cond = _Conditions(flt, q, "i")
    sql = f"SELECT {ITEM_COLUMNS}, {cond.rank()} AS rank FROM service_item i WHERE {cond.where()}"
    if after is not None:
        rank, code = decode_search_cursor(after)
        r, c = q.bind(rank), q.bind(code)
        sql = f"SELECT * FROM ({sql}) p WHERE p.rank > {r} OR (p.rank = {r} AND p.code > {c})"
    else:
        sql = f"SELECT * FROM ({sql}) p"
    sql += f" ORDER BY p.rank, p.code LIMIT {q.bind(first + 1)}"
    return sql, q.values


async def sql_search_page(flt: ItemFilter, *, first: int, after: str | None) -> Page:
    """One page of items in relevance order (exact name, prefix, contains, department)."""
    sql, values = page_sql(flt, first=first, after=after, dialect=db.dialect())
    rows = await db.fetch(sql, values)
    has_next = len(rows) > first
    rows = [item_row(row) for row in rows[:first]]
    cursors = [search_cursor(int(r["rank"]), r["code"]) for r in rows]
    return Page(rows, cursors, has_next, UNCOUNTED)


async def sql_search_codes(flt: ItemFilter) -> set[str]:
    """The codes of every item the filter finds (a station's few dozen at most): the SQL
    path's rules without paging, while the catalogue index is not built."""
    q = db.Sql(db.dialect())
    cond = _Conditions(flt, q, "i")
    rows = await db.fetch(f"SELECT i.code FROM service_item i WHERE {cond.where()}", q.values)
    return {str(row["code"]) for row in rows}


_FACET_BRANCHES = {
    "themes": (
        "SELECT 'themes' AS dim, t.code AS code, t.name AS name, t.sort AS sort, COUNT(*) AS n "
        "FROM base b JOIN item_theme l ON l.item_id = b.id JOIN theme t ON t.id = l.theme_id "
        "WHERE {where} GROUP BY t.code, t.name, t.sort"
    ),
    "target_groups": (
        "SELECT 'target_groups', t.code, t.name, t.sort, COUNT(*) FROM base b "
        "JOIN item_target_group l ON l.item_id = b.id "
        "JOIN target_group t ON t.id = l.target_group_id WHERE {where} "
        "GROUP BY t.code, t.name, t.sort"
    ),
    "business_scopes": (
        "SELECT 'business_scopes', s.code, s.name, s.sort, COUNT(*) FROM base b "
        "JOIN item_business_scope l ON l.item_id = b.id AND l.is_section = {true} "
        "JOIN business_scope s ON s.id = l.scope_id WHERE {where} "
        "GROUP BY s.code, s.name, s.sort"
    ),
    "departments": (
        "SELECT 'departments', d.code, d.name, d.sort, COUNT(*) FROM base b "
        "JOIN department d ON d.id = b.department_id WHERE {where} "
        "GROUP BY d.code, d.name, d.sort"
    ),
}


def stats_sql(flt: ItemFilter, *, dialect: db.Dialect) -> tuple[str, list[Any]]:
    """One statement for the total and the four facet counts (``UNION ALL`` of five)."""
    q = db.Sql(dialect)
    cond = _Conditions(flt, q, "b")
    common = " AND ".join(cond.common) if cond.common else "1 = 1"
    base = f"SELECT b.id, b.department_id FROM service_item b WHERE {common}"
    true = db.sql_true(dialect)
    branches = [
        "SELECT 'total' AS dim, '' AS code, '' AS name, 0 AS sort, COUNT(*) AS n FROM base b "
        f"WHERE {cond.where(common=False)}"
    ]
    branches += [
        template.format(where=cond.where(skip=name, common=False), true=true)
        for name, template in _FACET_BRANCHES.items()
    ]
    return f"WITH base AS ({base}) " + " UNION ALL ".join(branches), q.values


async def sql_search_stats(flt: ItemFilter) -> SearchStats:
    """The total under every filter and the facet counts of the four dimensions."""
    sql, values = stats_sql(flt, dialect=db.dialect())
    rows = await db.fetch(sql, values)
    total = 0
    facets: dict[str, list[tuple[int, FacetCount]]] = {name: [] for name in DIMENSIONS}
    for row in rows:
        if row["dim"] == "total":
            total = int(row["n"])
            continue
        selected = row["code"] in getattr(flt, row["dim"])
        facet = FacetCount(row["code"], row["name"], int(row["n"]), selected)
        facets[row["dim"]].append((int(row["sort"]), facet))
    return SearchStats(
        total,
        {
            name: [f for _, f in sorted(values, key=lambda v: (v[0], v[1].value))]
            for name, values in facets.items()
        },
    )


def parse_item_code(raw: str, *, field: str = "code") -> str:
    """An item code as stored (``SCJG-XK-0001``: department, kind, number)."""
    code = raw.strip().upper()
    if not ITEM_CODE.fullmatch(code):
        raise InvalidInput(f"事项编码“{raw[:40]}”格式不正确，应形如 SCJG-XK-0001", field=field)
    return code


async def list_departments() -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT id, code, name, short_name, address, phone, office_hours, sort "
        "FROM department ORDER BY sort, code"
    )


async def list_themes(audience: ThemeAudience | None) -> list[dict[str, Any]]:
    q = db.Sql(db.dialect())
    where = f" WHERE audience = {q.bind(audience.value)}" if audience else ""
    return await db.fetch(
        f"SELECT code, name, audience FROM theme{where} ORDER BY sort, code", q.values
    )


async def list_target_groups() -> list[dict[str, Any]]:
    return await db.fetch("SELECT code, name FROM target_group ORDER BY sort, code")


async def list_business_scopes() -> list[dict[str, Any]]:
    """GB/T 4754 sections in order, each with its ``divisions``."""
    rows = await db.fetch(
        "SELECT code, name, level, section_code FROM business_scope ORDER BY sort, code"
    )
    sections = {row["code"]: {**row, "divisions": []} for row in rows if not row["section_code"]}
    for row in rows:
        if row["section_code"] in sections:
            sections[row["section_code"]]["divisions"].append({**row, "divisions": []})
    return list(sections.values())
