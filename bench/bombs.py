"""Bench: the two request bombs of issue 12 against a served hall, with what they cost it.

Before the limits (F1, F2), 31 chained fragments each spread twice hung a worker past
SIGTERM, and a 128-character towns/villages query ran 151 s and took 5.4 GB. This serves
the hall (``servicehall serve``, one worker, prod settings, SQLite with the demo district,
the in-process cache), sends the fragment bomb with 31 and 40 fragments and the cost bomb
a few times each (a fresh text every time, so the document cache does not help), and
prints for each answer its code, the wall time, and the server's peak RSS (``VmHWM``) and
CPU time (user + system) before and after.

Run:  .venv/bin/python bench/bombs.py [--times 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import BENCH_DIR, free_port, hall_command, hall_env

COST_BOMB = (
    "{ towns { villages { town { villages { town { villages { town { "
    "villages { town { villages { town { code } } } } } } } } } } } }"
)


def fragment_bomb(n: int, name: str) -> str:
    chain = " ".join(f"fragment F{i} on Query{{...F{i + 1} ...F{i + 1}}}" for i in range(n))
    return f"query {name}{{...F0}} {chain} fragment F{n} on Query{{departments{{code}}}}"


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def cpu_seconds(pid: int) -> float:
    # fields after the command name (which may hold spaces): utime is 14th, stime 15th
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def hall(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "servicehall", *command],
        env=env,
        cwd=BENCH_DIR.parent,
        check=True,
        stdout=subprocess.DEVNULL,
    )


async def bombard(port: int, pid: int, times: int) -> None:
    bombs = [
        ("fragments x31", lambda n: fragment_bomb(31, f"F31x{n}")),
        ("fragments x40", lambda n: fragment_bomb(40, f"F40x{n}")),
        ("cost (128 chars)", lambda n: COST_BOMB + " " * n),
    ]
    print(f"{'bomb':<18}{'answer':<20}{'wall ms':>9}{'peak RSS MiB':>16}{'CPU s':>16}")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
        for label, make in bombs:
            for n in range(times):
                rss, cpu = peak_rss_mib(pid), cpu_seconds(pid)
                started = time.perf_counter()
                response = await client.post("/graphql", json={"query": make(n)})
                wall = (time.perf_counter() - started) * 1000
                body = response.json()
                answer = body["errors"][0]["extensions"]["code"] if "errors" in body else "data"
                print(
                    f"{label:<18}{answer:<20}{wall:>9.1f}"
                    f"{rss:>8.1f}->{peak_rss_mib(pid):<7.1f}"
                    f"{cpu:>8.2f}->{cpu_seconds(pid):<7.2f}",
                    flush=True,
                )
        health = time.perf_counter()
        assert (await client.get("/healthz")).status_code == 200
        print(f"/healthz afterwards: {(time.perf_counter() - health) * 1000:.1f} ms")


async def run(times: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = hall_env(port, f"sqlite://{tmp}/hall.sqlite3", SERVICEHALL_SCHEDULER="false")
        del env["SERVICEHALL_REDIS_URL"]
        hall(["migrate"], env)
        hall(
            ["demo-data", "--enterprises", "2"], env | {"SERVICEHALL_ENV": "dev"}
        )  # refused in prod
        server = subprocess.Popen(hall_command(port, 1), env=env, cwd=BENCH_DIR.parent)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                for _ in range(600):
                    try:
                        if (await client.get("/readyz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
            print(f"server pid {server.pid}, ready; peak RSS {peak_rss_mib(server.pid):.1f} MiB")
            await bombard(port, server.pid, times)
        finally:
            server.terminate()
            server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--times", type=int, default=3, help="sends of each bomb")
    asyncio.run(run(parser.parse_args().times))


if __name__ == "__main__":
    main()
