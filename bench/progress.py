"""Benchmark: live case progress (CASE-2) pushed to 2,000 WebSocket subscribers on two
instances, and the public progress lookup (CASE-1).

Seeds a PostgreSQL database once (the demo with a few enterprises, then ``--cases`` window
cases of the market regulation bureau, SCJG, brought to 审批（处理）; reused, and topped up
when more cases are asked for). Starts two halls (``servicehall serve``, one worker each,
prod settings) on the same PostgreSQL and Redis with the same key prefix, so that a move
made on one instance reaches subscribers on the other through Redis pub/sub. Then:

1. opens ``--subscribers`` ``caseProgressChanged`` subscriptions (graphql-transport-ws),
   half on each instance, spread evenly over the cases, and warms up with one move per
   case until every subscriber has heard one (proves the fan-out end to end; not counted);
2. for ``--seconds`` moves the cases round-robin at ``--moves-per-second`` along the
   endless legal cycle 审批 → 补交告知 → 补交受理 → 审批, posting ``advanceCase`` to the
   two instances in turn (with a staff token signed with the hall's key, as the provider
   issues it), so about half of the deliveries cross instances. Each move writes its id
   into the record's note, so every event is matched to its move exactly; the delivery
   latency is the subscriber's receive time minus the time just before the mutation was
   posted;
3. prints deliveries, missed deliveries (every subscriber of a case must hear every move of
   it: a miss is a correctness failure, and the exit status is 1), the delivery latency
   p50/p95/p99/max against the target p99 <= 500 ms; then closes the subscribers and loads
   one instance with ``caseProgress`` lookups at 32 concurrent connections (wrk, or a
   Python client when wrk is missing).

The client offers no permessage-deflate, to keep 2,000 connections cheap on a small machine.

Run:  .venv/bin/python bench/progress.py [--cases 200] [--subscribers 2000] [--seconds 20]
          [--moves-per-second 20] [--lookup-seconds 10]
Env:  see bench/common.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import httpx
import orjson
from common import (
    Call,
    Figures,
    bench_settings,
    client_name,
    database_url,
    free_port,
    hall_command,
    hall_env,
    load,
    prepare,
    serving,
)
from joserfc import jwt
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from servicehall import db
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.auth.services import AuthServices
from servicehall.cache.memory import MemoryBackend
from servicehall.codes import make_id_number
from servicehall.demo.loader import load_demo
from servicehall.models import Account, ApplicantKind, CaseChannel, CaseStage, ServiceItem
from servicehall.models.identity import StaffRole
from servicehall.resolvers.case_intake import Applicant, create_case
from servicehall.resolvers.cases import advance_case
from servicehall.workdays import WorkCalendar

URL = database_url("servicehall_bench_progress")
PROTOCOL = Subprotocol("graphql-transport-ws")
DEPARTMENT = "SCJG"
STAFF = "scjg001"
#: The handler written on the first record of the bench's own cases: how they are found again.
BENCH_HANDLER = "压测脚本"
#: The endless legal cycle the moves follow (``TRANSITIONS`` in resolvers/cases.py).
CYCLE = {
    CaseStage.PROCESSING: CaseStage.SUPPLEMENT_REQUESTED,
    CaseStage.SUPPLEMENT_REQUESTED: CaseStage.SUPPLEMENT_ACCEPTED,
    CaseStage.SUPPLEMENT_ACCEPTED: CaseStage.PROCESSING,
}
#: Every move's note is this prefix and the move's id (a request for supplements needs one).
NOTE = "bench move "
OPEN_AT_ONCE = 100
WARM_UP_AT_ONCE = 20
WARM_UP_ROUNDS = 3
WARM_UP_WAIT = 20.0
DRAIN_WAIT = 10.0
LOOKUP_CONCURRENCY = 32
TARGET_P99_MS = 500.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
GIVEN = (
    "嘉怡 子豪 浩然 宇轩 欣怡 俊杰 思雨 晓明 婷婷 志强 丽华 建国 秀英 伟 芳 敏 静 磊 洋 艳"
).split()

SUBSCRIBE = """subscription($n: String!, $name: String!) {
  caseProgressChanged(caseNumber: $n, applicantName: $name) {
    case { stage { value } } record { stage { value } at note } } }"""
ADVANCE = """mutation($n: String!, $stage: CaseStage!, $note: String) {
  advanceCase(input: {caseNumber: $n, stage: $stage, note: $note}) {
    errors { code message } case { stage { value } } } }"""
LOOKUP = """query($n: String!, $name: String!) {
  caseProgress(caseNumber: $n, applicantName: $name) {
    stage { value } clock { remainingDays } records { stage { value } } } }"""


# -- seeding --------------------------------------------------------------------------------


async def seed() -> None:
    """The demo (departments, items, the SCJG case handler) with a modest number of
    enterprises: the cases the benchmark moves are added by :func:`ensure_cases`."""

    async def have() -> bool:
        rows = await db.fetch("SELECT COUNT(*) AS n FROM account WHERE username = $1", [STAFF])
        return bool(rows[0]["n"])

    async def fill() -> None:
        auth = AuthServices.create(bench_settings(URL), MemoryBackend())
        await load_demo(hasher=auth.passwords, box=auth.box, enterprises=20)

    await prepare(URL, have, fill)


@dataclass(slots=True)
class BenchCase:
    number: str
    name: str
    stage: CaseStage
    #: One move of a case at a time: the next legal stage depends on the last move.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: The subscribe message of this case (sent by each of its subscribers).
    subscribe: str = ""


async def bench_rows() -> list[dict[str, object]]:
    """The bench's cases still on the cycle, oldest first."""
    q = db.Sql("postgres")
    return await db.fetch(
        "SELECT c.case_number, c.applicant_name, c.stage FROM service_case c "
        f"JOIN case_record r ON r.case_id = c.id AND r.stage = {q.bind(CaseStage.SUBMITTED.value)} "
        f"AND r.handler = {q.bind(BENCH_HANDLER)} "
        f"WHERE c.stage IN ({q.bind_all(s.value for s in CYCLE)}) ORDER BY c.id",
        q.values,
    )


async def create_cases(start: int, count: int) -> None:
    """Window cases of SCJG items brought to 审批（处理） the way staff do it (the hall's own
    resolvers: records, clock and notices as in production)."""
    account = await Account.get(username=STAFF)
    staff = Principal(
        PrincipalKind.STAFF,
        subject=account.subject,
        department_code=DEPARTMENT,
        roles=frozenset({StaffRole.CASE_HANDLER.value}),
    )
    items = await ServiceItem.filter(department__code=DEPARTMENT).order_by("code")
    calendar = WorkCalendar.bundled()
    for n in range(start, start + count):
        applicant = Applicant(
            ApplicantKind.PERSON,
            SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)],
            make_id_number("440403", date(1970 + n % 40, 1 + n % 12, 1 + n % 28), n % 1000),
        )
        case = await create_case(
            items[n % len(items)].code,
            applicant,
            CaseChannel.WINDOW,
            handler=BENCH_HANDLER,
            handler_account_id=None,
        )
        for stage in (CaseStage.ACCEPTED, CaseStage.PROCESSING):
            await advance_case(
                staff,
                case.case_number,
                stage,
                handler=account.display_name,
                handler_account_id=account.id,
                note="",
                outcome=None,
                calendar=calendar,
            )


async def ensure_cases(count: int) -> tuple[list[BenchCase], str]:
    """``count`` cases on the cycle (created when missing; earlier runs leave theirs at any
    stage of the cycle), and a staff token of the SCJG case handler."""
    settings = bench_settings(URL)
    ctx = await db.open_database(settings)
    try:
        with db.use_database(ctx):
            rows = await bench_rows()
            if len(rows) < count:
                print(f"creating {count - len(rows)} cases ...", flush=True)
                await create_cases(len(rows), count - len(rows))
                rows = await bench_rows()
            token = await mint_staff_token(settings.issuer, settings.api_audience, ttl=3600)
    finally:
        await ctx.close_connections()
    return [
        BenchCase(str(r["case_number"]), str(r["applicant_name"]), CaseStage(str(r["stage"])))
        for r in rows[:count]
    ], token


async def mint_staff_token(issuer: str, audience: str, ttl: int) -> str:
    """An access token of the SCJG case handler, as the provider signs it after sign-in
    (RFC 9068 ``at+jwt``, the hall's current key)."""
    auth = AuthServices.create(bench_settings(URL), MemoryBackend())
    await auth.keys.ensure()
    key = await auth.keys.signing_key()
    account = await Account.get(username=STAFF)
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": account.subject,
        "client_id": "doumen-portal",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + ttl,
        "scope": "openid profile",
        "kind": "staff",
        "dept": DEPARTMENT,
        "roles": [StaffRole.CASE_HANDLER.value],
    }
    return jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": key.kid}, claims, key)


# -- the run --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hall:
    index: int
    port: int
    client: httpx.AsyncClient

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


@dataclass(eq=False, slots=True)
class Move:
    id: int
    case: BenchCase
    hall: int
    stage: CaseStage
    warm_up: bool
    sent: float = 0.0
    answered: float = 0.0
    ok: bool = False
    error: str = ""


@dataclass(eq=False, slots=True)
class Subscriber:
    case: BenchCase
    hall: int
    #: move id -> monotonic receive time
    received: dict[int, float] = field(default_factory=dict)
    duplicates: int = 0
    wrong: int = 0
    problems: list[str] = field(default_factory=list)
    connection: ClientConnection | None = None
    #: The subscribe message went out (or opening failed: see ``problems``).
    settled: bool = False

    @property
    def live(self) -> bool:
        return self.connection is not None and not self.problems


def heard(sub: Subscriber, raw: str | bytes, at: float, moves: Sequence[Move]) -> None:
    """Match one pushed event to its move by the id in the record's note; anything else the
    server sends is a problem to report."""
    message = orjson.loads(raw)
    payload = message.get("payload") or {}
    if message.get("type") != "next" or "errors" in payload:
        sub.problems.append(str(raw)[:300])
        return
    record = payload["data"]["caseProgressChanged"]["record"]
    note = str(record["note"])
    if not note.startswith(NOTE):
        sub.problems.append(f"an event of an unknown move: {str(raw)[:300]}")
        return
    move = moves[int(note[len(NOTE) :])]
    if move.id in sub.received:
        sub.duplicates += 1
        return
    sub.received[move.id] = at
    if move.case is not sub.case or record["stage"]["value"] != move.stage.name:
        sub.wrong += 1


async def listen(
    sub: Subscriber, hall: Hall, gate: asyncio.Semaphore, moves: Sequence[Move]
) -> None:
    """One subscriber: connect and subscribe (at most ``OPEN_AT_ONCE`` handshakes at a
    time, as a crowd arriving would not all land in the same millisecond), then stamp
    every event the moment it arrives."""
    try:
        async with gate:
            ws = await connect(
                hall.ws_url,
                subprotocols=[PROTOCOL],
                compression=None,
                proxy=None,
                ping_interval=None,
                open_timeout=60,
                close_timeout=5,
            )
            sub.connection = ws
            await ws.send('{"type":"connection_init"}')
            ack = orjson.loads(await asyncio.wait_for(ws.recv(), 30))
            if ack.get("type") != "connection_ack":
                raise RuntimeError(f"no connection_ack: {ack}")
            await ws.send(sub.case.subscribe)
            sub.settled = True
        async for raw in ws:
            heard(sub, raw, time.monotonic(), moves)
    except Exception as exc:  # every failure is counted and printed, none may end the run
        sub.problems.append(f"{type(exc).__name__}: {exc}")
        sub.settled = True


async def advance(
    case: BenchCase, hall: Hall, token: str, moves: list[Move], *, warm_up: bool
) -> Move:
    """Move a case one step along the cycle through ``advanceCase``, after its previous
    move finished (the stage to ask for depends on it)."""
    async with case.lock:
        stage = CYCLE[case.stage]
        move = Move(len(moves), case, hall.index, stage, warm_up)
        moves.append(move)
        variables = {"n": case.number, "stage": stage.name, "note": f"{NOTE}{move.id}"}
        body = orjson.dumps({"query": ADVANCE, "variables": variables})
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        move.sent = time.monotonic()
        try:
            response = await hall.client.post("/graphql", content=body, headers=headers)
        except httpx.HTTPError as exc:
            move.error = f"{type(exc).__name__}: {exc}"
            return move
        move.answered = time.monotonic()
        answer = response.json()
        result = (answer.get("data") or {}).get("advanceCase") or {}
        if response.status_code != 200 or "errors" in answer or result.get("errors"):
            move.error = f"HTTP {response.status_code}: {response.text[:300]}"
        else:
            case.stage = stage
            move.ok = True
        return move


async def wait_until(done: Callable[[], bool], within: float) -> bool:
    """Poll ``done`` every 50 ms for up to ``within`` seconds (cheap next to the pushes it
    waits for)."""
    deadline = time.monotonic() + within
    while not done():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def warm_up(
    subs: Sequence[Subscriber], halls: Sequence[Hall], token: str, moves: list[Move]
) -> float:
    """Move every case whose live subscribers have not all heard an event yet, until they
    have: there is no "subscribed" acknowledgement in graphql-transport-ws, and this also
    proves the cross-instance fan-out before anything is measured."""
    started = time.monotonic()
    gate = asyncio.Semaphore(WARM_UP_AT_ONCE)

    async def one(n: int, case: BenchCase) -> None:
        async with gate:
            move = await advance(case, halls[n % len(halls)], token, moves, warm_up=True)
        if not move.ok:
            print(f"!!! warm-up move failed: {move.error}", flush=True)

    for round_ in range(WARM_UP_ROUNDS):
        silent = list({id(s.case): s.case for s in subs if s.live and not s.received}.values())
        if not silent:
            break
        if round_:
            print(f"warm-up round {round_ + 1}: {len(silent)} cases not heard yet", flush=True)
        await asyncio.gather(*(one(n, case) for n, case in enumerate(silent)))
        await wait_until(lambda: all(s.received for s in subs if s.live), WARM_UP_WAIT)
    return time.monotonic() - started


async def drive(
    cases: Sequence[BenchCase],
    halls: Sequence[Hall],
    token: str,
    moves: list[Move],
    rate: float,
    seconds: int,
) -> list[Move]:
    """Moves at a fixed rate for ``seconds``: cases round-robin, instances in turn. A move
    that finds its case still moving waits for it (its send time is when it is posted)."""
    tasks: list[asyncio.Task[Move]] = []
    started = time.monotonic()
    for k in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, started + k / rate - time.monotonic()))
        move = advance(cases[k % len(cases)], halls[k % len(halls)], token, moves, warm_up=False)
        tasks.append(asyncio.create_task(move))
    return list(await asyncio.gather(*tasks))


def missing(subs: Sequence[Subscriber], expected: dict[int, list[int]]) -> int:
    """Deliveries of successful measured moves not (yet) received."""
    return sum(sum(1 for m in expected.get(id(s.case), ()) if m not in s.received) for s in subs)


@dataclass(frozen=True, slots=True)
class Outcome:
    subscribers: int
    opened: int
    open_seconds: float
    warm_up_seconds: float
    silent_after_warm_up: int
    measured: list[Move]
    subs: list[Subscriber]
    expected: dict[int, list[int]]


async def subscription_phase(
    cases: Sequence[BenchCase], halls: Sequence[Hall], token: str, args: argparse.Namespace
) -> Outcome:
    """Open the subscribers, warm up, drive the measured moves, wait for the last
    deliveries, close the subscribers."""
    per_case = max(1, args.subscribers // len(cases))
    subs = [
        Subscriber(cases[n % len(cases)], (n // len(cases)) % len(halls))
        for n in range(per_case * len(cases))
    ]
    moves: list[Move] = []
    gate = asyncio.Semaphore(OPEN_AT_ONCE)
    print(f"opening {len(subs)} subscriptions ...", flush=True)
    started = time.monotonic()
    listeners = [asyncio.create_task(listen(s, halls[s.hall], gate, moves)) for s in subs]
    await wait_until(lambda: all(s.settled for s in subs), 600)
    open_seconds = time.monotonic() - started
    opened = sum(1 for s in subs if s.live)
    print(f"{opened} subscribed in {open_seconds:.1f}s; warming up ...", flush=True)
    await asyncio.sleep(1.0)  # the server runs each subscribe message a moment after it
    warm = await warm_up(subs, halls, token, moves)
    silent = sum(1 for s in subs if s.live and not s.received)
    print(f"warm-up done in {warm:.1f}s; moving for {args.seconds}s ...", flush=True)
    measured = await drive(cases, halls, token, moves, args.moves_per_second, args.seconds)
    expected: dict[int, list[int]] = {}
    for move in measured:
        if move.ok:
            expected.setdefault(id(move.case), []).append(move.id)
    await wait_until(lambda: missing(subs, expected) == 0, DRAIN_WAIT)
    await asyncio.gather(*(s.connection.close() for s in subs if s.connection is not None))
    await asyncio.gather(*listeners)
    return Outcome(len(subs), opened, open_seconds, warm, silent, measured, subs, expected)


# -- reporting ------------------------------------------------------------------------------


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of sorted values (0 when there are none)."""
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def latencies(outcome: Outcome, cross: bool | None = None) -> list[float]:
    """Delivery latencies in ms of the measured moves, optionally only those that crossed
    instances (``cross=True``) or stayed on one (``cross=False``)."""
    by_id = {m.id: m for m in outcome.measured if m.ok}
    values = [
        (at - by_id[m].sent) * 1000
        for s in outcome.subs
        for m, at in s.received.items()
        if m in by_id and (cross is None or (by_id[m].hall != s.hall) == cross)
    ]
    values.sort()
    return values


def report(outcome: Outcome, args: argparse.Namespace, cases: int, halls: int) -> None:
    """Print the subscription figures: how many, how fast, how late."""
    measured = outcome.measured
    expected = sum(len(outcome.expected.get(id(s.case), ())) for s in outcome.subs)
    lost = missing(outcome.subs, outcome.expected)
    sent = [m.sent for m in measured if m.sent]
    span = (max(sent) - min(sent)) if len(sent) > 1 else 0.0
    trips = sorted((m.answered - m.sent) * 1000 for m in measured if m.ok)
    every = latencies(outcome)
    p99 = percentile(every, 99)
    print(
        f"\ncase progress push: {outcome.subscribers} subscribers "
        f"({outcome.subscribers // cases} per case, {cases} cases) on {halls} instances "
        "(1 worker each), PostgreSQL + Redis pub/sub"
    )
    print(
        f"subscribed: {outcome.opened} of {outcome.subscribers} in "
        f"{outcome.open_seconds:.1f}s; warm-up {outcome.warm_up_seconds:.1f}s"
    )
    print(
        f"moves: {len(measured)} over {span:.1f}s ({args.moves_per_second:g}/s asked, "
        f"{(len(sent) - 1) / span if span else 0:.1f}/s sent), "
        f"failed: {sum(1 for m in measured if not m.ok)}; "
        f"advanceCase round trip p50 {percentile(trips, 50):.0f} ms, "
        f"p99 {percentile(trips, 99):.0f} ms"
    )
    print(
        f"deliveries: {expected - lost} of {expected} expected, missed: {lost}, "
        f"duplicates: {sum(s.duplicates for s in outcome.subs)}, "
        f"wrong stage/case: {sum(s.wrong for s in outcome.subs)}"
    )
    print(
        f"delivery latency ms: p50 {percentile(every, 50):.1f}  p95 {percentile(every, 95):.1f}"
        f"  p99 {p99:.1f}  max {every[-1] if every else 0:.1f}"
    )
    for label, cross in (("same instance", False), ("across instances", True)):
        values = latencies(outcome, cross=cross)
        print(
            f"  {label:<17} {len(values):>6} deliveries: p50 {percentile(values, 50):.1f}  "
            f"p99 {percentile(values, 99):.1f}"
        )
    print(f"target p99 <= {TARGET_P99_MS:.0f} ms: {'met' if p99 <= TARGET_P99_MS else 'NOT met'}")


def check(outcome: Outcome) -> bool:
    """Every subscriber subscribed, heard the warm-up and every measured move of its case
    exactly once, and nothing failed; otherwise say loudly what went wrong."""
    lost = missing(outcome.subs, outcome.expected)
    failed = [m for m in outcome.measured if not m.ok]
    problems = sorted({p for s in outcome.subs for p in s.problems})
    duplicates = sum(s.duplicates for s in outcome.subs)
    wrong = sum(s.wrong for s in outcome.subs)
    unopened = outcome.subscribers - outcome.opened
    silent = outcome.silent_after_warm_up
    if not (lost or failed or problems or duplicates or wrong or unopened or silent):
        return True
    print("\n!!! CORRECTNESS FAILURE !!!")
    for count, what in (
        (unopened, "subscriptions failed"),
        (silent, "subscribers heard no warm-up move"),
        (lost, "deliveries MISSED"),
        (duplicates, "deliveries came twice"),
        (wrong, "events reported the wrong stage or case"),
    ):
        if count:
            print(f"!!! {count} {what}")
    for move in failed[:5]:
        print(f"!!! move {move.id} failed: {move.error}")
    for problem in problems[:10]:
        print(f"!!! {problem}")
    return False


def print_lookups(figures: Figures, cases: int, seconds: int) -> None:
    print(
        f"\ncase lookups (caseProgress over {cases} cases, one instance, "
        f"{LOOKUP_CONCURRENCY} concurrent, {client_name()}, {seconds}s, subscribers closed): "
        f"{figures.rps:.0f} req/s, p50 {figures.p50:.1f} ms, p99 {figures.p99:.1f} ms"
    )


# -- main -----------------------------------------------------------------------------------


def raise_open_files(needed: int) -> int:
    """Lift the open-file soft limit to the hard one (the servers inherit it): each
    subscriber holds a socket here and one in a server."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if wanted > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if wanted < needed:
        print(f"warning: {wanted} open files allowed, about {needed} needed", flush=True)
    return wanted


def hall_environment(port: int, prefix: str) -> dict[str, str]:
    """Prod settings with the lookup limits lifted, no background jobs, and one cache
    prefix for both instances so their pub/sub channels meet."""
    return hall_env(
        port,
        URL,
        SERVICEHALL_CASE_LOOKUPS_PER_IP="100000000",
        SERVICEHALL_CASE_LOOKUPS_PER_DEVICE="100000000",
        SERVICEHALL_SCHEDULER="false",
        SERVICEHALL_CACHE_PREFIX=prefix,
    )


def lookup_calls(cases: Sequence[BenchCase]) -> list[Call]:
    return [
        Call(
            json.dumps(
                {"query": LOOKUP, "variables": {"n": c.number, "name": c.name}},
                ensure_ascii=False,
            )
        )
        for c in cases
    ]


async def run(args: argparse.Namespace, cases: list[BenchCase], token: str) -> bool:
    for case in cases:
        variables = {"n": case.number, "name": case.name}
        payload = {"query": SUBSCRIBE, "variables": variables}
        case.subscribe = json.dumps({"id": "1", "type": "subscribe", "payload": payload})
    first = free_port()
    second = next(p for p in iter(free_port, None) if p != first)
    prefix = f"bench-progress-{os.getpid()}:"
    async with (
        serving(hall_command(first, 1), hall_environment(first, prefix), first, "/readyz") as a,
        serving(hall_command(second, 1), hall_environment(second, prefix), second, "/readyz") as b,
    ):
        halls = [Hall(0, first, a), Hall(1, second, b)]
        outcome = await subscription_phase(cases, halls, token, args)
        report(outcome, args, len(cases), len(halls))
        correct = check(outcome)
        figures = await load(a, first, lookup_calls(cases), args.lookup_seconds, LOOKUP_CONCURRENCY)
        print_lookups(figures, len(cases), args.lookup_seconds)
    return correct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--moves-per-second", type=float, default=20.0)
    parser.add_argument("--lookup-seconds", type=int, default=10)
    args = parser.parse_args()
    raise_open_files(2 * args.subscribers + 1000)
    asyncio.run(seed())
    cases, token = asyncio.run(ensure_cases(args.cases))
    correct = asyncio.run(run(args, cases, token))
    sys.exit(0 if correct else 1)


if __name__ == "__main__":
    main()
