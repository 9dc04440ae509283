"""``servicehall items stats`` and ``items request-stats``: the registry's statistics as CSV
(ITEM-6), from the same services as the ``itemStatistics`` and ``itemRequestStatistics``
queries."""

from __future__ import annotations

import argparse
import csv
import sys
from typing import TextIO

from servicehall import db
from servicehall.auth.accounts import CLI_OPERATOR
from servicehall.cli.common import with_database
from servicehall.resolvers import item_request_statistics as request_stats
from servicehall.resolvers import item_statistics as stats
from servicehall.resolvers.enums import ItemKind, ItemLevel, ItemStatus, RequestKind
from servicehall.settings import Settings
from servicehall.workdays import work_calendar


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

    requests = items.add_parser(
        "request-stats",
        help="requests per department by state, average working days per step, as CSV (ITEM-6)",
    )
    requests.add_argument("--department", action="append", default=[], help="department code")
    requests.add_argument(
        "--kind",
        action="append",
        default=[],
        help=", ".join(k.value for k in RequestKind),
    )
    requests.add_argument("--from", dest="submitted_from", help="submitted on or after YYYY-MM-DD")
    requests.add_argument("--to", dest="submitted_to", help="submitted on or before YYYY-MM-DD")
    requests.set_defaults(handler=cmd_items_request_stats)


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


def write_request_csv(result: request_stats.RequestStatistics, out: TextIO) -> None:
    """One row per department, then 合计: the count in each state, the total, and each
    step's average working days (empty without a finished stay)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "部门代码",
            "部门",
            *(s.label for s in request_stats.STATES),
            "合计",
            *(f"{s.label}平均工作日" for s in request_stats.STEPS),
        ]
    )
    rows = [(d.code, d.name, d.counts) for d in result.departments]
    for code, name, counts in [*rows, ("", "合计", result.overall)]:
        writer.writerow(
            [
                code,
                name,
                *(n for _, n in counts.states),
                counts.total,
                *("" if t.average_days is None else f"{t.average_days:f}" for t in counts.steps),
            ]
        )


def cmd_items_request_stats(settings: Settings, args: argparse.Namespace) -> int:
    flt = request_stats.RequestStatisticsFilter(
        departments=tuple(args.department),
        kinds=stats.parse_enum(RequestKind, args.kind, field="kind"),
        submitted_from=(
            request_stats.parse_day(args.submitted_from, field="from")
            if args.submitted_from
            else None
        ),
        submitted_to=(
            request_stats.parse_day(args.submitted_to, field="to") if args.submitted_to else None
        ),
    )
    calendar = work_calendar(settings.holidays_file)

    async def work() -> request_stats.RequestStatistics:
        await db.require_migrated()
        return await request_stats.request_statistics(CLI_OPERATOR, flt, calendar=calendar)

    write_request_csv(with_database(settings, work), sys.stdout)
    return 0
