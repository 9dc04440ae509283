"""``servicehall items stats``: the registry's statistics as CSV (ITEM-6), from the same
service as the ``itemStatistics`` query."""

from __future__ import annotations

import argparse
import csv
import sys
from typing import TextIO

from servicehall import db
from servicehall.cli.common import with_database
from servicehall.resolvers import item_statistics as stats
from servicehall.resolvers.enums import ItemKind, ItemLevel, ItemStatus
from servicehall.settings import Settings


def add_parser(items: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``items stats`` in the ``items`` command group."""
    counted = items.add_parser("stats", help="item counts by dimensions, as CSV (ITEM-6)")
    dimensions = ", ".join(d.value for d in stats.StatisticsDimension)
    counted.add_argument(
        "--by", action="append", default=[], help=f"a grouping dimension, up to 3: {dimensions}"
    )
    for option, help_text in (
        ("--department", "department code"),
        ("--theme", "theme code"),
        ("--target-group", "target group code"),
        ("--kind", ", ".join(k.value for k in ItemKind)),
        ("--level", ", ".join(k.value for k in ItemLevel)),
        ("--status", ", ".join(k.value for k in ItemStatus)),
        ("--time-limit-band", ", ".join(k.value for k in stats.TimeLimitBand)),
        ("--online-depth", ", ".join(k.value for k in stats.OnlineDepth)),
    ):
        counted.add_argument(option, action="append", default=[], help=f"filter: {help_text}")
    counted.add_argument(
        "--order", default=stats.StatisticsOrder.KEYS.value, help="keys, count_desc or count_asc"
    )
    counted.set_defaults(handler=cmd_items_stats)


def write_csv(result: stats.ItemStatistics, out: TextIO) -> None:
    """One row per group: each dimension's code and label, then the count."""
    writer = csv.writer(out, lineterminator="\n")
    header = []
    for dimension in result.dimensions:
        header += [f"{dimension.label}代码", dimension.label]
    writer.writerow([*header, "事项数"])
    for group in result.groups:
        row: list[object] = []
        for key in group.keys:
            row += [key.value, key.label]
        writer.writerow([*row, group.count])


def cmd_items_stats(settings: Settings, args: argparse.Namespace) -> int:
    # Parsed before the database opens: a typo is a typed error at once.
    flt = stats.StatisticsFilter(
        departments=tuple(args.department),
        themes=tuple(args.theme),
        target_groups=tuple(args.target_group),
        kinds=stats.parse_enum(ItemKind, args.kind, field="kind"),
        levels=stats.parse_enum(ItemLevel, args.level, field="level"),
        statuses=stats.parse_enum(ItemStatus, args.status, field="status"),
        time_limit_bands=stats.parse_enum(
            stats.TimeLimitBand, args.time_limit_band, field="timeLimitBand"
        ),
        online_depths=stats.parse_enum(stats.OnlineDepth, args.online_depth, field="onlineDepth"),
    )
    (order,) = stats.parse_enum(stats.StatisticsOrder, [args.order], field="order")
    dimensions = stats.parse_dimensions(args.by)

    async def work() -> stats.ItemStatistics:
        await db.require_migrated()
        return await stats.item_statistics(dimensions, flt, order)

    write_csv(with_database(settings, work), sys.stdout)
    return 0
