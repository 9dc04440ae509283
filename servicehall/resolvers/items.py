"""Service-item search by four dimensions and keyword (ITEM-1), and the item reads.

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

from tortoise.transactions import in_transaction

from servicehall import db, text
from servicehall.errors import InvalidInput, NotFound
from servicehall.loaders.items import ITEM_COLUMNS, item_row
from servicehall.models.items import (
    ItemStatus,
    ItemTerm,
    KioskCategory,
    ServiceItem,
    ThemeAudience,
)
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

_DIMENSION_CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")
ITEM_CODE = re.compile(r"[A-Z]{2,10}-[A-Z]{2}-\d{4,6}")


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """What to search for. Values within a dimension are OR-ed, dimensions AND-ed."""

    keyword: str | None = None
    themes: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    business_scopes: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    category: KioskCategory | None = None
    include_inactive: bool = False
    tokens: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        if self.keyword is not None and len(self.keyword) > MAX_KEYWORD_LENGTH:
            raise InvalidInput(
                f"关键词过长（{len(self.keyword)}字），最多{MAX_KEYWORD_LENGTH}字",
                field="keyword",
            )
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
    if not rank.isdigit() or not 0 <= int(rank) <= 3 or not ITEM_CODE.fullmatch(code):
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
                by_name += f" AND x.search_name LIKE {contains} ESCAPE '\\'"
            by_department = (
                "SELECT x.id FROM service_item x WHERE x.department_id IN (SELECT d.id FROM "
                f"department d WHERE d.search_name LIKE {contains} ESCAPE '\\')"
            )
            per_token.append(f"{alias}.id IN ({by_name} UNION {by_department})")
        condition = " AND ".join(per_token)
        code = (flt.keyword or "").strip().upper()
        if ITEM_CODE.fullmatch(code):
            condition = f"(({condition}) OR {alias}.code = {q.bind(code)})"
        return condition

    def rank(self) -> str:
        """Relevance: 0 exact name, 1 prefix, 2 contains, 3 only the department matched.

        Bound on demand: a statement must not carry values it does not use.
        """
        if not self.flt.tokens:
            return "0"
        q, alias = self.q, self.alias
        phrase = " ".join(self.flt.tokens)
        exact, prefix = q.bind(phrase), q.bind(f"{text.like_escape(phrase)}%")
        contains = q.bind(f"%{text.like_escape(phrase)}%")
        return (
            f"CASE WHEN {alias}.search_name = {exact} THEN 0 "
            f"WHEN {alias}.search_name LIKE {prefix} ESCAPE '\\' THEN 1 "
            f"WHEN {alias}.search_name LIKE {contains} ESCAPE '\\' THEN 2 ELSE 3 END"
        )

    def where(self, *, skip: str | None = None, common: bool = True) -> str:
        parts = (self.common if common else []) + [
            sql for name, sql in self.dims.items() if name != skip
        ]
        return " AND ".join(parts) if parts else "1 = 1"


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


async def rename_item(code: str, name: str) -> None:
    """Change an item's name and its search terms in one transaction.

    The caller announces ``("ServiceItem", code)`` after commit (``outcome.settle``).
    """
    cleaned = " ".join(name.split())
    if not 2 <= len(cleaned) <= 128:
        raise InvalidInput("事项名称应为2到128个字", field="name")
    async with in_transaction(db.connection().connection_name) as conn:
        item = await ServiceItem.filter(code=code).using_db(conn).select_for_update().first()
        if item is None:
            raise NotFound(f"事项“{code}”不存在", field="code")
        item.name, item.search_name = cleaned, text.normalize(cleaned)
        item.version += 1
        await item.save(using_db=conn, update_fields=["name", "search_name", "version"])
        await ItemTerm.filter(item_id=item.id).using_db(conn).delete()
        await ItemTerm.bulk_create(
            [ItemTerm(item_id=item.id, term=term) for term in text.index_terms(cleaned)],
            using_db=conn,
        )
