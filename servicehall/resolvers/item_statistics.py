"""Statistics of the item registry (ITEM-6, seed 4.2.6.2): counts by any dimensions.

The caller chooses up to three grouping dimensions (department, theme, target group, kind,
level, status, time-limit band, online-application depth), filters on any of them and an
order; the answer is the number of items in each combination, plus the number of items
the filter leaves. An item filed under two themes counts once in each of them, so the
groups of a theme or target-group breakdown may add up to more than ``total``.

Two statements whatever the catalogue size (the groups; the total), both over
``service_item`` and its link tables. GraphQL (``itemStatistics``) and the command line
(``servicehall items stats``) call :func:`item_statistics`.

Time-limit bands are of the promised limit (承诺办结时限, working days). Online depth is
derived from the guide: no online entry = level 1 (the guide online only); an online entry
with two or more visits = level 2; one visit = level 3 (网上预审, 最多跑一次); none = level 4
(全程网办, 零跑动).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from servicehall import db
from servicehall.errors import InvalidInput
from servicehall.models.base import LabelledEnum
from servicehall.models.items import ItemKind, ItemLevel, ItemStatus

#: Most grouping dimensions in one request (three give up to ~40 x 60 x 20 groups).
MAX_DIMENSIONS = 3
MAX_FILTER_VALUES = 50
_CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")


class StatisticsDimension(LabelledEnum):
    DEPARTMENT = "department", "办事部门"
    THEME = "theme", "主题"
    TARGET_GROUP = "target_group", "服务对象"
    KIND = "kind", "事项类型"
    LEVEL = "level", "实施层级"
    STATUS = "status", "事项状态"
    TIME_LIMIT_BAND = "time_limit_band", "承诺时限"
    ONLINE_DEPTH = "online_depth", "网上办理深度"


class TimeLimitBand(LabelledEnum):
    IMMEDIATE = "immediate", "即办件"
    UP_TO_5 = "up_to_5", "1至5个工作日"
    UP_TO_10 = "up_to_10", "6至10个工作日"
    UP_TO_20 = "up_to_20", "11至20个工作日"
    OVER_20 = "over_20", "20个工作日以上"


class OnlineDepth(LabelledEnum):
    GUIDE_ONLY = "guide_only", "一级：网上公开办事指南"
    APPLY_ONLINE = "apply_online", "二级：网上申请，需多次到现场"
    ONE_VISIT = "one_visit", "三级：网上预审，最多跑一次"
    FULLY_ONLINE = "fully_online", "四级：全程网办，零跑动"


class StatisticsOrder(LabelledEnum):
    KEYS = "keys", "按维度顺序"
    COUNT_DESC = "count_desc", "按事项数从多到少"
    COUNT_ASC = "count_asc", "按事项数从少到多"


_BAND_SQL = (
    "CASE WHEN i.promised_limit_days <= 0 THEN 'immediate' "
    "WHEN i.promised_limit_days <= 5 THEN 'up_to_5' "
    "WHEN i.promised_limit_days <= 10 THEN 'up_to_10' "
    "WHEN i.promised_limit_days <= 20 THEN 'up_to_20' ELSE 'over_20' END"
)
_DEPTH_SQL = (
    "CASE WHEN i.online_url = '' THEN 'guide_only' "
    "WHEN i.visits_required = 0 THEN 'fully_online' "
    "WHEN i.visits_required = 1 THEN 'one_visit' ELSE 'apply_online' END"
)
#: dimension -> (its value, its label, its sort expression): label and sort None = the
#: dimension's enum gives them
_COLUMNS: dict[StatisticsDimension, tuple[str, str | None, str | None]] = {
    StatisticsDimension.DEPARTMENT: ("d.code", "d.name", "d.sort"),
    StatisticsDimension.THEME: ("t.code", "t.name", "t.sort"),
    StatisticsDimension.TARGET_GROUP: ("g.code", "g.name", "g.sort"),
    StatisticsDimension.KIND: ("i.kind", None, None),
    StatisticsDimension.LEVEL: ("i.level", None, None),
    StatisticsDimension.STATUS: ("i.status", None, None),
    StatisticsDimension.TIME_LIMIT_BAND: (_BAND_SQL, None, None),
    StatisticsDimension.ONLINE_DEPTH: (_DEPTH_SQL, None, None),
}
_ENUMS: dict[StatisticsDimension, type[LabelledEnum]] = {
    StatisticsDimension.KIND: ItemKind,
    StatisticsDimension.LEVEL: ItemLevel,
    StatisticsDimension.STATUS: ItemStatus,
    StatisticsDimension.TIME_LIMIT_BAND: TimeLimitBand,
    StatisticsDimension.ONLINE_DEPTH: OnlineDepth,
}
_JOINS = {
    StatisticsDimension.DEPARTMENT: " JOIN department d ON d.id = i.department_id",
    StatisticsDimension.THEME: (
        " LEFT JOIN item_theme lt ON lt.item_id = i.id LEFT JOIN theme t ON t.id = lt.theme_id"
    ),
    StatisticsDimension.TARGET_GROUP: (
        " LEFT JOIN item_target_group lg ON lg.item_id = i.id "
        "LEFT JOIN target_group g ON g.id = lg.target_group_id"
    ),
}
#: The label of a theme or target group an item has none of.
NONE_LABEL = "未归类"

E = TypeVar("E", bound=LabelledEnum)


def parse_enum(kind: type[E], raw: Iterable[str | E], *, field: str) -> tuple[E, ...]:
    """Values of a labelled enum from their values or names (``count_desc``, ``COUNT_DESC``)."""
    parsed: list[E] = []
    for value in raw:
        if isinstance(value, kind):
            parsed.append(value)
            continue
        text = str(value).strip()
        member = next((m for m in kind if text in (m.value, m.name)), None)
        if member is None:
            allowed = "、".join(m.value for m in kind)
            raise InvalidInput(f"“{text[:30]}”不是可用的取值（可用：{allowed}）", field=field)
        parsed.append(member)
    return tuple(parsed)


def parse_dimensions(raw: Sequence[str | StatisticsDimension]) -> tuple[StatisticsDimension, ...]:
    """The grouping dimensions: known, each once, at most :data:`MAX_DIMENSIONS`."""
    dimensions = parse_enum(StatisticsDimension, raw, field="groupBy")
    if len(dimensions) > MAX_DIMENSIONS:
        raise InvalidInput(
            f"最多按{MAX_DIMENSIONS}个维度分组（收到{len(dimensions)}个）", field="groupBy"
        )
    if len(set(dimensions)) < len(dimensions):
        raise InvalidInput("分组维度不能重复", field="groupBy")
    return dimensions


@dataclass(frozen=True, slots=True)
class StatisticsFilter:
    """Which items are counted; values within a dimension are OR-ed, dimensions AND-ed."""

    departments: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    kinds: tuple[ItemKind, ...] = ()
    levels: tuple[ItemLevel, ...] = ()
    statuses: tuple[ItemStatus, ...] = ()
    time_limit_bands: tuple[TimeLimitBand, ...] = ()
    online_depths: tuple[OnlineDepth, ...] = ()

    def __post_init__(self) -> None:
        for name, camel in (
            ("departments", "departments"),
            ("themes", "themes"),
            ("target_groups", "targetGroups"),
        ):
            values = getattr(self, name)
            if len(values) > MAX_FILTER_VALUES:
                raise InvalidInput(f"每类筛选条件最多{MAX_FILTER_VALUES}项", field=camel)
            for value in values:
                if not _CODE.fullmatch(value):
                    raise InvalidInput(f"筛选代码“{value[:20]}”格式不正确", field=camel)

    def where(self, q: db.Sql) -> str:
        parts = []
        if self.departments:
            parts.append(
                "i.department_id IN (SELECT x.id FROM department x WHERE x.code IN "
                f"({q.bind_all(self.departments)}))"
            )
        if self.themes:
            parts.append(
                "i.id IN (SELECT l.item_id FROM item_theme l JOIN theme x ON x.id = l.theme_id "
                f"WHERE x.code IN ({q.bind_all(self.themes)}))"
            )
        if self.target_groups:
            parts.append(
                "i.id IN (SELECT l.item_id FROM item_target_group l JOIN target_group x ON "
                f"x.id = l.target_group_id WHERE x.code IN ({q.bind_all(self.target_groups)}))"
            )
        for column, values in (
            ("i.kind", self.kinds),
            ("i.level", self.levels),
            ("i.status", self.statuses),
            (_BAND_SQL, self.time_limit_bands),
            (_DEPTH_SQL, self.online_depths),
        ):
            if values:
                parts.append(f"{column} IN ({q.bind_all(v.value for v in values)})")
        return " AND ".join(parts) if parts else "1 = 1"


@dataclass(frozen=True, slots=True)
class StatisticsKey:
    dimension: StatisticsDimension
    value: str  # "" for an item without a theme or target group
    label: str
    sort: tuple[int, str] = field(compare=False)


@dataclass(frozen=True, slots=True)
class StatisticsGroup:
    keys: tuple[StatisticsKey, ...]
    count: int


@dataclass(frozen=True, slots=True)
class ItemStatistics:
    dimensions: tuple[StatisticsDimension, ...]
    #: items the filter leaves (each once, whatever its themes and target groups)
    total: int
    #: every group, in the requested order
    groups: list[StatisticsGroup]


def _key(dimension: StatisticsDimension, row: dict[str, Any], n: int) -> StatisticsKey:
    value = row[f"v{n}"]
    if value is None:  # no theme or target group: last
        return StatisticsKey(dimension, "", NONE_LABEL, (1 << 30, ""))
    enum = _ENUMS.get(dimension)
    if enum is not None:
        member = enum(value)
        return StatisticsKey(dimension, member.value, member.label, (list(enum).index(member), ""))
    return StatisticsKey(dimension, str(value), str(row[f"l{n}"]), (int(row[f"s{n}"]), value))


def statistics_sql(
    dimensions: Sequence[StatisticsDimension], flt: StatisticsFilter, dialect: db.Dialect
) -> tuple[str, list[Any]]:
    q = db.Sql(dialect)
    select, group = [], []
    for n, dimension in enumerate(dimensions):
        value, label, sort = _COLUMNS[dimension]
        select.append(f"{value} AS v{n}")
        group.append(value)
        if label is not None and sort is not None:
            select += [f"{label} AS l{n}", f"{sort} AS s{n}"]
            group += [label, sort]
    joins = "".join(_JOINS.get(d, "") for d in dimensions)
    sql = (
        f"SELECT {', '.join([*select, 'COUNT(DISTINCT i.id) AS n'])} FROM service_item i{joins} "
        f"WHERE {flt.where(q)}"
    )
    if group:
        sql += f" GROUP BY {', '.join(group)}"
    return sql, q.values


async def item_statistics(
    group_by: Sequence[str | StatisticsDimension],
    flt: StatisticsFilter | None = None,
    order: StatisticsOrder = StatisticsOrder.KEYS,
) -> ItemStatistics:
    """Item counts per combination of the ``group_by`` dimensions under ``flt``.

    Raises :class:`InvalidInput` for an unknown, repeated or fourth dimension.
    """
    dimensions = parse_dimensions(group_by)
    flt = flt or StatisticsFilter()
    sql, values = statistics_sql(dimensions, flt, db.dialect())
    rows = await db.fetch(sql, values)
    q = db.Sql(db.dialect())
    counted = await db.fetch(
        f"SELECT COUNT(*) AS n FROM service_item i WHERE {flt.where(q)}", q.values
    )
    groups = [
        StatisticsGroup(tuple(_key(d, row, n) for n, d in enumerate(dimensions)), int(row["n"]))
        for row in rows
        if int(row["n"])
    ]

    def by_keys(g: StatisticsGroup) -> list[tuple[int, str]]:
        return [k.sort for k in g.keys]

    if order is StatisticsOrder.COUNT_DESC:
        groups.sort(key=lambda g: (-g.count, by_keys(g)))
    elif order is StatisticsOrder.COUNT_ASC:
        groups.sort(key=lambda g: (g.count, by_keys(g)))
    else:
        groups.sort(key=by_keys)
    return ItemStatistics(dimensions, int(counted[0]["n"]), groups)
