"""ITEM-6: requests per department by state and the average working days per step, matched
against counts the test makes from the rows and against a walk with known dates, through
the service, GraphQL and the CSV of ``servicehall items request-stats``; who may read it;
bad filters are typed."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from servicehall import clock, db
from servicehall.__main__ import main
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.clock import LOCAL_TZ
from servicehall.demo.accounts import REGISTRY_STAFF
from servicehall.errors import Forbidden, InvalidInput
from servicehall.models import Account, AccountKind, Department, ItemStatus, ServiceItem
from servicehall.models.registry import ItemVersion, RequestKind, RequestState
from servicehall.resolvers import item_publish
from servicehall.resolvers import item_requests as requests
from servicehall.resolvers.item_request_statistics import (
    STATES,
    STEPS,
    RequestCounts,
    RequestStatistics,
    RequestStatisticsFilter,
    request_statistics,
)
from servicehall.resolvers.item_requests import Entry
from servicehall.settings import Settings
from servicehall.workdays import WorkCalendar
from tests.auth.flows import bearer, tokens
from tests.conftest import gql, load_test_demo, opened

S = RequestState
BASIS = "《广东省政务服务事项目录管理办法》第十二条"
LEGAL = "《中华人民共和国行政许可法》第十二条"
ADMIN = Principal(PrincipalKind.ADMIN, subject="admin")
CALENDAR = WorkCalendar.bundled()
APRIL = RequestStatisticsFilter(submitted_from=date(2025, 4, 1), submitted_to=date(2025, 4, 30))
Table = dict[str, Counter[str]]


@pytest.fixture
async def registry(fresh_settings: Settings) -> Any:
    async with opened(fresh_settings):
        await load_test_demo(enterprises=4)
    return fresh_settings


async def staff(username: str) -> Principal:
    account = await Account.get(username=username).prefetch_related("department")
    return Principal(
        PrincipalKind.STAFF,
        subject=account.subject,
        department_code=account.department.code if account.department else None,
        roles=frozenset(account.roles),
    )


async def free_items(department: str, n: int) -> list[ServiceItem]:
    """``n`` active items of ``department`` no request touches."""
    busy = set(
        await ItemVersion.filter(request_id__not_isnull=True).values_list("item_code", flat=True)
    )
    items = await ServiceItem.filter(department__code=department, status=ItemStatus.ACTIVE)
    found = sorted((i for i in items if i.code not in busy), key=lambda i: i.code)[:n]
    assert len(found) == n
    return found


async def second_editor() -> Principal:
    """An item editor of a second department (the demo has one, of 区市场监管局)."""
    department = (
        await Department.filter(code__not="SCJG", items__status=ItemStatus.ACTIVE)
        .order_by("sort", "code")
        .first()
    )
    assert department is not None
    await Account.create(
        subject="test-editor-2",
        kind=AccountKind.STAFF,
        username="editor2",
        display_name="测试编辑人",
        department=department,
        roles=["item_editor"],
        password_hash="x",
        password_changed_at=clock.now(),
    )
    return await staff("editor2")


async def changed(item: ServiceItem) -> Entry:
    content = dict((await item_publish.published_version(item)).content)
    return Entry(item.code, RequestKind.CHANGE, content | {"name": content["name"] + "（新版）"})


def at(monkeypatch: pytest.MonkeyPatch, day: int, hour: int) -> None:
    """The hall's clock reads ``hour`` o'clock (local) of ``day`` April 2025."""
    moment = datetime(2025, 4, day, hour, tzinfo=LOCAL_TZ).timestamp()
    monkeypatch.setattr(clock, "timestamp", lambda: moment)


async def review(username: str, request_id: int, action: str, opinion: str = "同意。") -> None:
    basis = LEGAL if action == "legal_review" else ""
    await requests.review(await staff(username), request_id, action, opinion=opinion, basis=basis)


async def walk_april(monkeypatch: pytest.MonkeyPatch) -> dict[RequestState, list[int]]:
    """Three requests walked in April 2025 (清明节 4–6 April, no make-up day); returns the
    working days of each finished stay, counted by hand from the calendar."""
    editor = await staff("scjg002")
    other = await second_editor()
    assert other.department_code
    a_item, c_item = await free_items("SCJG", 2)
    (b_item,) = await free_items(other.department_code, 1)
    a_entry, b_entry = await changed(a_item), await changed(b_item)

    # A (区市场监管局, 调整) through all six steps.
    at(monkeypatch, 1, 9)  # Tue
    a = (await requests.submit(editor, [a_entry], basis=BASIS)).result.id
    at(monkeypatch, 3, 10)
    await review("zsj001", a, "first_review")  # 1 -> 3: 2
    at(monkeypatch, 7, 10)
    await review("bb001", a, "staffing_review")  # 3 -> 7: 1 (4 to 6 off)
    at(monkeypatch, 9, 10)
    await review("sfj001", a, "legal_review")  # 7 -> 9: 2
    at(monkeypatch, 9, 15)
    await review("zsj001", a, "approve")  # the same day: 0
    at(monkeypatch, 14, 10)
    await review("jw001", a, "file")  # 9 -> 14: 3
    # B (the second department, 调整): returned by the staffing office, resubmitted.
    at(monkeypatch, 2, 16)
    b = (await requests.submit(other, [b_entry], basis=BASIS)).result.id
    at(monkeypatch, 2, 17)
    await review("zsj001", b, "first_review")  # the same day: 0
    at(monkeypatch, 8, 10)
    await review("bb001", b, "return", "请补充论证。")  # 2 -> 8: 3 (3, 7, 8)
    at(monkeypatch, 10, 9)
    await requests.resubmit(other, b)  # 8 -> 10: 2
    at(monkeypatch, 11, 10)
    await review("zsj001", b, "first_review")  # 10 -> 11: 1; stays in 编制审核
    # C (区市场监管局, 注销): withdrawn in the first review.
    at(monkeypatch, 3, 9)
    c = await requests.submit(editor, [Entry(c_item.code, RequestKind.CANCEL)], basis=BASIS)
    at(monkeypatch, 7, 9)
    await requests.withdraw(editor, c.result.id, reason="撤回。")  # 3 -> 7: 1
    monkeypatch.undo()
    return {
        S.DRAFTING: [0, 0, 2, 0],
        S.DIRECTORY_REVIEW: [2, 0, 1, 1],
        S.STAFFING_REVIEW: [1, 3],
        S.LEGAL_REVIEW: [2],
        S.APPROVAL: [0],
        S.FILING: [3],
    }


async def counted(flt: RequestStatisticsFilter | None = None) -> Table:
    """Requests per department and state, counted here from the rows."""
    flt = flt or RequestStatisticsFilter()
    rows = await db.fetch(
        "SELECT r.id, r.kind, r.state, d.code FROM item_request r "
        "JOIN department d ON d.id = r.department_id"
    )
    submitted: dict[int, date] = {}
    for step in await db.fetch(
        "SELECT instance_id, at FROM workflow_step WHERE process = 'item_request' "
        "AND action = 'submit' ORDER BY at DESC"
    ):
        moment = db.as_datetime(step["at"])
        assert moment is not None
        submitted[step["instance_id"]] = moment.astimezone(LOCAL_TZ).date()
    table: Table = defaultdict(Counter)
    for row in rows:
        day = submitted[row["id"]]
        if (
            (not flt.departments or row["code"] in flt.departments)
            and (not flt.kinds or RequestKind(row["kind"]) in flt.kinds)
            and (flt.submitted_from is None or day >= flt.submitted_from)
            and (flt.submitted_to is None or day <= flt.submitted_to)
        ):
            table[row["code"]][row["state"]] += 1
    return dict(table)


def answered(result: RequestStatistics) -> Table:
    table = {
        d.code: Counter({s.value: n for s, n in d.counts.states if n}) for d in result.departments
    }
    overall = sum(table.values(), Counter())
    assert result.overall.total == sum(overall.values())
    assert Counter({s.value: n for s, n in result.overall.states if n}) == overall
    for d in result.departments:
        assert [s for s, _ in d.counts.states] == list(STATES)
        assert d.counts.total == sum(n for _, n in d.counts.states)
    return table


def averages(counts: RequestCounts) -> dict[RequestState, tuple[int, Decimal | None]]:
    assert [t.step for t in counts.steps] == list(STEPS)
    return {t.step: (t.stays, t.average_days) for t in counts.steps}


def expected(stays: dict[RequestState, list[int]]) -> dict[RequestState, tuple[int, Any]]:
    return {
        step: (
            len(days),
            (Decimal(sum(days)) / len(days)).quantize(Decimal("0.01")) if days else None,
        )
        for step in STEPS
        for days in [stays.get(step, [])]
    }


async def test_counts_and_step_days_match_a_walk_with_known_dates(
    registry: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with opened(registry):
        stays = await walk_april(monkeypatch)
        everything = await request_statistics(ADMIN, calendar=CALENDAR)
        assert answered(everything) == await counted()
        result = await request_statistics(ADMIN, APRIL, calendar=CALENDAR)
        assert answered(result) == await counted(APRIL)
        assert result.overall.total == 3
        assert averages(result.overall) == expected(stays)
        # per department: B alone in its department
        other = next(d for d in result.departments if d.code != "SCJG")
        assert averages(other.counts) == expected(
            {S.DRAFTING: [0, 2], S.DIRECTORY_REVIEW: [0, 1], S.STAFFING_REVIEW: [3]}
        )
        for flt in (
            RequestStatisticsFilter(kinds=(RequestKind.CANCEL,), submitted_from=date(2025, 4, 1)),
            RequestStatisticsFilter(departments=(other.code,)),
            RequestStatisticsFilter(departments=("SCJG",), kinds=(RequestKind.CHANGE,)),
            RequestStatisticsFilter(submitted_to=date(2025, 4, 2)),
        ):
            assert answered(await request_statistics(ADMIN, flt, calendar=CALENDAR)) == (
                await counted(flt)
            ), flt
        # an office reads it too
        reviewer = await request_statistics(await staff("bb001"), APRIL, calendar=CALENDAR)
        assert reviewer == result


async def test_who_may_read_and_bad_filters(registry: Settings) -> None:
    async with opened(registry):
        for principal in (
            await staff("scjg002"),  # an item editor: the own department's requests only
            await staff("wjj001"),  # staff without a registry role
            Principal(PrincipalKind.ANONYMOUS),
        ):
            with pytest.raises(Forbidden):
                await request_statistics(principal, calendar=CALENDAR)
        for make, field in (
            (lambda: RequestStatisticsFilter(departments=("bad code!",)), "departments"),
            (
                lambda: RequestStatisticsFilter(
                    submitted_from=date(2025, 5, 1), submitted_to=date(2025, 4, 1)
                ),
                "submittedFrom",
            ),
        ):
            with pytest.raises(InvalidInput) as raised:
                make()
            assert raised.value.field == field
        with pytest.raises(InvalidInput) as raised:
            await request_statistics(
                ADMIN, RequestStatisticsFilter(departments=("NOPE",)), calendar=CALENDAR
            )
        assert raised.value.field == "departments"


async def test_the_command_prints_the_same_as_csv(
    registry: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with opened(registry):
        await walk_april(monkeypatch)
        result = await request_statistics(ADMIN, APRIL, calendar=CALENDAR)
    monkeypatch.setenv("SERVICEHALL_DATABASE_URL", registry.database_url)
    args = ["items", "request-stats", "--from", "2025-04-01", "--to", "2025-04-30"]
    assert await asyncio.to_thread(main, args) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:3] == ["部门代码", "部门", "部门拟办"]
    assert rows[0][-1] == "监察机关备案平均工作日"
    width = 2 + len(STATES) + 1
    for row, department in zip(rows[1:-1], result.departments, strict=True):
        assert row[0] == department.code
        assert [int(n) for n in row[2:width]] == [
            *(n for _, n in department.counts.states),
            department.counts.total,
        ]
    total = rows[-1]
    assert total[:2] == ["", "合计"] and int(total[width - 1]) == result.overall.total
    assert [Decimal(v) if v else None for v in total[width:]] == [
        t.average_days for t in result.overall.steps
    ]

    for bad in (["--kind", "merge"], ["--from", "2025-13-01"], ["--department", "NOPE"]):
        assert await asyncio.to_thread(main, ["items", "request-stats", *bad]) == 1
        assert capsys.readouterr().err


STATISTICS = """query($filter: ItemRequestStatisticsFilter) {
  itemRequestStatistics(filter: $filter) {
    total states { state { value label } count }
    steps { step { value label } stays averageDays }
    departments { departmentCode departmentName total states { state { value } count }
      steps { step { value } stays averageDays } } } }"""
ACCOUNTS = {a.login: a for a in REGISTRY_STAFF}


async def _as(client: httpx.AsyncClient, login: str) -> dict[str, str]:
    client.cookies.clear()
    issued = await tokens(client, kind="staff", identifier=login, password=ACCOUNTS[login].password)
    return bearer(issued["access_token"])


async def test_graphql_answers_from_the_same_service(
    demo_client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    headers = await _as(demo_client, "zsj001")
    body = await gql(demo_client, STATISTICS, headers=headers)
    answer = body["data"]["itemRequestStatistics"]
    async with opened(demo_settings):
        rows = await counted()
        result = await request_statistics(ADMIN, calendar=CALENDAR)
    assert {
        d["departmentCode"]: Counter(
            {s["state"]["value"].lower(): s["count"] for s in d["states"] if s["count"]}
        )
        for d in answer["departments"]
    } == rows
    assert answer["total"] == sum(sum(c.values()) for c in rows.values())
    assert [s["state"]["label"] for s in answer["states"]] == [s.label for s in STATES]
    assert [(s["stays"], s["averageDays"]) for s in answer["steps"]] == [
        (t.stays, None if t.average_days is None else float(t.average_days))
        for t in result.overall.steps
    ]

    for variables, code, field in (
        ({"filter": {"departments": ["NOPE"]}}, "INVALID_INPUT", "departments"),
        (
            {"filter": {"submittedFrom": "2025-05-01", "submittedTo": "2025-04-01"}},
            "INVALID_INPUT",
            "submittedFrom",
        ),
    ):
        body = await gql(demo_client, STATISTICS, variables, headers=headers)
        assert not (body.get("data") or {}).get("itemRequestStatistics"), body
        error = body["errors"][0]["extensions"]
        assert (error["code"], error["field"]) == (code, field), body

    for headers in ({}, await _as(demo_client, "scjg002")):
        body = await gql(demo_client, STATISTICS, headers=headers)
        assert not (body.get("data") or {}).get("itemRequestStatistics"), body
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
