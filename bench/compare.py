"""Benchmark: the hall at an earlier commit against this checkout, interleaved.

Serves the enterprise page mix (bench/enterprise_page.py) and the search mix
(bench/search.py) from two checkouts — ``--before REF`` (checked out into a temporary git
worktree) and this one — in alternating rounds on the same seeded databases, one server
process at a time, so that the machine's noise falls on both alike. Each round reports
req/s, p50/p99 and the server's CPU per request (user + system from /proc), the figure
least moved by other load on a shared machine.

Both checkouts read databases migrated by this one: the benches only read the tables an
earlier commit already had (and write audit rows), so newer migrations do not disturb it.

Run:  .venv/bin/python bench/compare.py --before 477e80b [--rounds 3] [--seconds 15]
Env:  see bench/common.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import enterprise_page
import search
from common import BENCH_DIR, Call, Figures, client_name, free_port, hall_command, hall_env, load
from common import served as serve

from servicehall.clock import local_today

Mix = Callable[[], Sequence[Call]]


def page_calls() -> list[Call]:
    year = local_today().year - 1
    mix, tokens = asyncio.run(enterprise_page.mint_tokens(ttl=3600))
    body = json.dumps(
        {"query": enterprise_page.PAGE, "variables": {"year": year}}, ensure_ascii=False
    )
    return [Call(body, f"Bearer {tokens[code]}") for code in mix]


async def one_round(
    tree: Path, url: str, calls: Sequence[Call], seconds: int, concurrency: int, **env: str
) -> Figures:
    port = free_port()
    environment = hall_env(port, url, PYTHONPATH=str(tree), **env)
    async with serve(hall_command(port, 1), environment, port, "/readyz", cwd=tree) as (
        client,
        pid,
    ):
        await asyncio.sleep(2)  # the catalogue index builds after startup
        return await load(client, port, calls, seconds, concurrency, pid=pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True, help="a commit, tag or branch")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=50_000)
    args = parser.parse_args()

    asyncio.run(enterprise_page.seed(args.enterprises))
    asyncio.run(search.seed(args.items))
    benches = {
        "enterprise page": (enterprise_page.URL, page_calls(), enterprise_page.CONCURRENCY, {}),
        "search (cache off)": (
            search.PG,
            search._calls(),
            search.CONCURRENCY,
            {"SERVICEHALL_RESPONSE_CACHE_TTL": "0"},
        ),
    }
    here = BENCH_DIR.parent
    with tempfile.TemporaryDirectory(prefix="bench-before-") as scratch:
        before = Path(scratch) / "tree"
        subprocess.run(
            ["git", "-C", str(here), "worktree", "add", "--detach", str(before), args.before],
            check=True,
            capture_output=True,
        )
        try:
            trees = {f"before ({args.before})": before, "after (this checkout)": here}
            results: dict[tuple[str, str], list[Figures]] = {}
            for n in range(args.rounds):
                for bench, (url, calls, concurrency, env) in benches.items():
                    for label, tree in trees.items():
                        figures = asyncio.run(
                            one_round(tree, url, calls, args.seconds, concurrency, **env)
                        )
                        results.setdefault((bench, label), []).append(figures)
                        print(
                            f"round {n + 1} {bench:<20} {label:<24} {figures.rps:>7.0f} req/s "
                            f"p50 {figures.p50:>7.1f} ms  p99 {figures.p99:>7.1f} ms  "
                            f"CPU {figures.cpu_ms:>6.2f} ms/request",
                            flush=True,
                        )
        finally:
            subprocess.run(
                ["git", "-C", str(here), "worktree", "remove", "--force", str(before)], check=True
            )

    print(
        f"\n{args.rounds} interleaved rounds of {args.seconds}s, one worker, {client_name()}; "
        "medians (min–max) over rounds"
    )
    print(f"{'bench':<20}{'variant':<26}{'req/s':>20}{'p50 ms':>10}{'CPU ms/req':>22}")
    for (bench, label), runs in results.items():
        rps = [f.rps for f in runs]
        cpu = [f.cpu_ms for f in runs]
        print(
            f"{bench:<20}{label:<26}"
            f"{statistics.median(rps):>8.0f} ({min(rps):.0f}–{max(rps):.0f})"
            f"{statistics.median([f.p50 for f in runs]):>10.1f}"
            f"{statistics.median(cpu):>10.2f} ({min(cpu):.2f}–{max(cpu):.2f})"
        )


if __name__ == "__main__":
    main()
