"""ITEM-4: requests to add, change and cancel items through the six steps, returns,
withdrawals, the typed refusals, the race of two reviewers, and the demo's requests."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.migrations.executor import MigrationTarget

from servicehall import clock, db
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.errors import (
    Conflict,
    ErrorCode,
    Forbidden,
    IllegalItemRequestTransition,
    ItemCodeExists,
    LegalBasisRequired,
    NothingChanged,
    ServiceHallError,
    UnknownLicenseType,
)
from servicehall.models import (
    Account,
    ItemRequest,
    ItemStatus,
    ItemVersion,
    Message,
    RequestKind,
    RequestState,
    ServiceItem,
    StationItem,
    VersionStatus,
    WorkflowStep,
)
from servicehall.resolvers import item_content, item_publish
from servicehall.resolvers import item_request_reads as reads
from servicehall.resolvers import item_requests as requests
from servicehall.resolvers.item_requests import Entry
from servicehall.settings import Settings
from servicehall.workdays import WorkCalendar
from tests.conftest import Services, _new_pg_database, load_test_demo, opened

S = RequestState
BASIS = "《广东省政务服务事项目录管理办法》第十二条"
LEGAL = "《中华人民共和国行政许可法》第十二条"
WALK = (
    ("zsj001", "first_review", S.STAFFING_REVIEW),
    ("bb001", "staffing_review", S.LEGAL_REVIEW),
    ("sfj001", "legal_review", S.APPROVAL),
    ("zsj001", "approve", S.FILING),
    ("jw001", "file", S.PUBLISHED),
)


@pytest.fixture
async def registry(fresh_settings: Settings) -> Any:
    async with opened(fresh_settings):
        await load_test_demo(enterprises=4)
        yield fresh_settings


async def staff(username: str) -> Principal:
    account = await Account.get(username=username).prefetch_related("department")
    return Principal(
        PrincipalKind.STAFF,
        subject=account.subject,
        department_code=account.department.code if account.department else None,
        roles=frozenset(account.roles),
    )


async def free_item() -> ServiceItem:
    """An active 区市场监管局 item no demo request touches."""
    busy = set(
        await ItemVersion.filter(request_id__not_isnull=True).values_list("item_code", flat=True)
    )
    for item in await ServiceItem.filter(
        department__code="SCJG", status=ItemStatus.ACTIVE
    ).order_by("-code"):
        if item.code not in busy:
            return item
    raise AssertionError("no free item")


async def walk(request_id: int, upto: int = len(WALK)) -> None:
    for username, action, state in WALK[:upto]:
        basis = LEGAL if action == "legal_review" else ""
        done = await requests.review(
            await staff(username), request_id, action, opinion="同意。", basis=basis
        )
        assert done.result.state is state


async def content_of(item: ServiceItem) -> dict[str, Any]:
    return dict((await item_publish.published_version(item)).content)


async def test_a_change_walks_the_six_steps_and_publishes(registry: Settings) -> None:
    async with opened(registry):
        editor = await staff("scjg002")
        item = await free_item()
        content = await content_of(item)
        content |= {"name": content["name"] + "（新版）", "promised_limit_days": 1}
        done = await requests.submit(
            editor, [Entry(item.code, RequestKind.CHANGE, content)], basis=BASIS
        )
        request = done.result
        assert request.state is S.DIRECTORY_REVIEW and done.changed == (
            ("ItemRequest", str(request.id)),
        )
        [entry] = await reads.entries(request.id)
        assert entry["base_number"] == 1
        await walk(request.id, 4)
        filed = await requests.review(await staff("jw001"), request.id, "file", opinion="已备案。")
        assert ("ServiceItem", item.code) in filed.changed
        row = await ServiceItem.get(code=item.code)
        assert row.name == content["name"] and row.promised_limit_days == 1
        versions = await reads.item_versions(editor, item.code)
        assert [(v["number"], v["status"]) for v in versions] == [
            (2, "published"),
            (1, "superseded"),
        ]
        steps = (await reads.steps([request.id]))[request.id]
        assert [s["action"] for s in steps] == ["start", "submit", *(a for _, a, _ in WALK)]
        legal = next(s for s in steps if s["action"] == "legal_review")
        assert legal["basis"] == LEGAL and legal["role"] == "legal_reviewer"
        assert legal["actor_department"] == "SFJ"


async def test_an_add_creates_the_item_on_filing(registry: Settings) -> None:
    async with opened(registry):
        editor = await staff("scjg002")
        content = await content_of(await free_item()) | {"name": "网络食品交易第三方平台备案"}
        content["stations"] = ["440403100"]
        done = await requests.submit(
            editor, [Entry("SCJG-QT-0950", RequestKind.ADD, content)], basis=BASIS
        )
        assert not await ServiceItem.exists(code="SCJG-QT-0950")
        await walk(done.result.id, 4)
        filed = await requests.review(await staff("jw001"), done.result.id, "file")
        assert ("Station", "440403100") in filed.changed
        item = await ServiceItem.get(code="SCJG-QT-0950")
        assert await StationItem.exists(item_id=item.id, area__code="440403100")
        version = await ItemVersion.get(item_code="SCJG-QT-0950", status=VersionStatus.PUBLISHED)
        assert version.number == 1 and version.change is RequestKind.ADD


async def test_a_cancel_keeps_the_guide_and_leaves_search(registry: Settings) -> None:
    async with opened(registry):
        editor = await staff("scjg002")
        item = await free_item()
        done = await requests.submit(editor, [Entry(item.code, RequestKind.CANCEL)], basis=BASIS)
        await walk(done.result.id)
        row = await ServiceItem.get(code=item.code)
        assert row.status is ItemStatus.CANCELLED
        with pytest.raises(IllegalItemRequestTransition):  # nothing more to do with it
            await requests.submit(editor, [Entry(item.code, RequestKind.CANCEL)], basis=BASIS)


async def test_a_return_goes_back_to_the_department_and_a_resubmission_goes_on(
    registry: Settings,
) -> None:
    async with opened(registry):
        editor = await staff("scjg002")
        item = await free_item()
        content = await content_of(item) | {"phone": "0756-5500001"}
        done = await requests.submit(
            editor, [Entry(item.code, RequestKind.CHANGE, content)], basis=BASIS
        )
        await walk(done.result.id, 2)  # now at the legal office
        with pytest.raises(ServiceHallError) as empty:
            await requests.review(await staff("sfj001"), done.result.id, "return", opinion=" ")
        assert empty.value.code is ErrorCode.INVALID_INPUT and empty.value.field == "opinion"
        with pytest.raises(Forbidden):  # the staffing office's step is over
            await requests.review(await staff("bb001"), done.result.id, "return", opinion="不同意")
        back = await requests.review(
            await staff("sfj001"), done.result.id, "return", opinion="请补充设定依据条款。"
        )
        assert (
            back.result.state is S.DRAFTING
            and back.result.returned_reason == "请补充设定依据条款。"
        )
        told = await Message.filter(title="事项申请被退回").count()
        assert told >= 1
        again = await requests.resubmit(
            editor, done.result.id, {item.code: content | {"phone": "0756-5500002"}}
        )
        assert again.result.state is S.DIRECTORY_REVIEW
        await walk(done.result.id)
        assert (await ServiceItem.get(code=item.code)).phone == "0756-5500002"


async def test_a_withdrawal_drops_the_version_and_frees_the_item(registry: Settings) -> None:
    async with opened(registry):
        editor = await staff("scjg002")
        item = await free_item()
        content = await content_of(item) | {"phone": "0756-5500003"}
        done = await requests.submit(
            editor, [Entry(item.code, RequestKind.CHANGE, content)], basis=BASIS
        )
        await walk(done.result.id, 3)  # waiting for approval: still withdrawable
        gone = await requests.withdraw(editor, done.result.id, reason="重复申请")
        assert gone.result.state is S.WITHDRAWN
        assert (
            await ItemVersion.filter(
                request_id=done.result.id, status=VersionStatus.DROPPED
            ).count()
            == 1
        )
        with pytest.raises(IllegalItemRequestTransition):
            await requests.review(await staff("zsj001"), done.result.id, "approve", opinion="同意")
        again = await requests.submit(
            editor, [Entry(item.code, RequestKind.CHANGE, content)], basis=BASIS
        )
        await walk(again.result.id, 4)  # approved: no longer withdrawable
        with pytest.raises(IllegalItemRequestTransition):
            await requests.withdraw(editor, again.result.id)


async def _unchanged(run: Any, error: type[ServiceHallError]) -> ServiceHallError:
    before = (
        await ItemRequest.all().count(),
        await ItemVersion.all().count(),
        await WorkflowStep.all().count(),
    )
    with pytest.raises(error) as caught:
        await run()
    after = (
        await ItemRequest.all().count(),
        await ItemVersion.all().count(),
        await WorkflowStep.all().count(),
    )
    assert after == before
    return caught.value


async def test_bad_requests_are_typed_and_change_nothing(registry: Settings) -> None:
    async with opened(registry):
        editor = await staff("scjg002")
        item = await free_item()
        content = await content_of(item)
        change = [Entry(item.code, RequestKind.CHANGE, content | {"phone": "0756-5500004"})]
        error = await _unchanged(
            lambda: requests.submit(editor, change, basis="按领导要求调整"), LegalBasisRequired
        )
        assert error.code is ErrorCode.LEGAL_BASIS_REQUIRED and error.field == "basis"
        no_law = content | {"legal_basis": ["部门内部规定"]}
        await _unchanged(
            lambda: requests.submit(
                editor, [Entry(item.code, RequestKind.CHANGE, no_law)], basis=BASIS
            ),
            LegalBasisRequired,
        )
        same = [Entry(item.code, RequestKind.CHANGE, content)]
        error = await _unchanged(lambda: requests.submit(editor, same, basis=BASIS), NothingChanged)
        assert error.code is ErrorCode.NOTHING_CHANGED
        exists = [Entry(item.code, RequestKind.ADD, content)]
        error = await _unchanged(
            lambda: requests.submit(editor, exists, basis=BASIS), ItemCodeExists
        )
        assert error.code is ErrorCode.ITEM_CODE_EXISTS
        material = {"name": "不存在的证照", "form": "electronic", "license_type": "NOPE"}
        bad = content | {"materials": [*content["materials"], material]}
        error = await _unchanged(
            lambda: requests.submit(
                editor, [Entry(item.code, RequestKind.CHANGE, bad)], basis=BASIS
            ),
            UnknownLicenseType,
        )
        assert error.code is ErrorCode.UNKNOWN_LICENSE_TYPE and error.field == "materials"
        reviewer = await staff("zsj001")
        await _unchanged(lambda: requests.submit(reviewer, change, basis=BASIS), Forbidden)
        done = await requests.submit(editor, change, basis=BASIS)
        error = await _unchanged(lambda: requests.submit(editor, change, basis=BASIS), Conflict)
        # a reviewer of another office, or of a later step, may not act now
        for username, action in (
            ("bb001", "staffing_review"),
            ("sfj001", "first_review"),
            ("jw001", "file"),
        ):
            await _unchanged(
                lambda u=username, a=action: requests.review(  # type: ignore[misc]
                    await_principal(u), done.result.id, a, opinion="同意"
                ),
                ServiceHallError,
            )
        await requests.review(reviewer, done.result.id, "first_review", opinion="同意")
        await _unchanged(  # the legal office's step has not come yet
            lambda: requests.review(
                await_principal("sfj001"), done.result.id, "legal_review", opinion="同意"
            ),
            IllegalItemRequestTransition,
        )
        await requests.review(
            await staff("bb001"), done.result.id, "staffing_review", opinion="同意"
        )
        error = await _unchanged(
            lambda: requests.review(
                await_principal("sfj001"),
                done.result.id,
                "legal_review",
                opinion="合法",
                basis="无",
            ),
            LegalBasisRequired,
        )


_PRINCIPALS: dict[str, Principal] = {}


def await_principal(username: str) -> Principal:
    return _PRINCIPALS[username]


@pytest.fixture(autouse=True)
async def _principals(registry: Settings) -> None:
    async with opened(registry):
        for username in ("scjg002", "zsj001", "bb001", "sfj001", "jw001"):
            _PRINCIPALS[username] = await staff(username)


async def test_two_reviewers_at_once_one_wins(registry: Settings) -> None:
    """Two reviewers of the office act on the same step at once, each with the revision
    they saw: one step, one CONFLICT, whichever reads first (the guarded update or the
    revision check tells the later one); acting again on the old revision is a CONFLICT
    naming the step the request is in now, nothing written."""
    async with opened(registry):
        editor = await staff("scjg002")
        item = await free_item()
        content = await content_of(item) | {"phone": "0756-5500005"}
        done = await requests.submit(
            editor, [Entry(item.code, RequestKind.CHANGE, content)], basis=BASIS
        )
        first, second = await staff("zsj001"), await staff("zsj001")
        seen = done.result.revision
        results = await asyncio.gather(
            requests.review(first, done.result.id, "first_review", opinion="同意", revision=seen),
            requests.review(second, done.result.id, "return", opinion="退回补充", revision=seen),
            return_exceptions=True,
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        assert len(errors) == 1 and isinstance(errors[0], Conflict), results
        steps = await WorkflowStep.filter(
            process="item_request", instance_id=done.result.id
        ).count()
        assert steps == 3  # start, submit and the one that won
        with pytest.raises(Conflict, match="环节") as late:
            await requests.review(first, done.result.id, "return", opinion="退回", revision=seen)
        assert late.value.field == "revision"
        after = await WorkflowStep.filter(process="item_request", instance_id=done.result.id)
        assert len(after) == steps


async def test_demo_has_a_request_in_every_step_and_one_overdue(registry: Settings) -> None:
    async with opened(registry):
        states = set(await ItemRequest.all().values_list("state", flat=True))
        assert states == set(RequestState)
        reviewer = await staff("zsj001")
        calendar = WorkCalendar.bundled()
        late = await reads.overdue_requests(reviewer, today=clock.local_today(), calendar=calendar)
        assert [r["state"] for r in late] == ["directory_review"]
        assert await reads.overdue_notices(clock.local_today(), calendar) == 1
        assert await reads.overdue_notices(clock.local_today(), calendar) == 0  # once a day
        worklist = await reads.request_page(reviewer, worklist=True, first=20, after=None)
        assert {r["state"] for r in worklist.rows} == {"directory_review", "approval"}
        editor = await staff("wjj001") if await Account.exists(username="wjj001") else None
        if editor is not None:
            with pytest.raises(Forbidden):
                await reads.request_page(editor, first=20, after=None)


async def _no_registry() -> None:
    pass


async def test_migration_0015_gives_every_item_its_first_version(
    backend: str, services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Items made before the registry get version 1, published, with the content their
    row and links hold (what ``item_content.snapshot`` reads); backwards drops it all."""
    if backend == "sqlite":
        url = f"sqlite://{tmp_path / 'hall.sqlite3'}"
    else:
        url = await _new_pg_database(services)
    monkeypatch.setattr("servicehall.demo.loader.load_registry", _no_registry)
    async with opened(Settings(database_url=url)):
        executor = db._executor()
        # the demo as the models are now, then back to before the registry (and the
        # keywords of 0016, which the versions 0015 writes therefore do not have)
        await db.migrate()
        await load_test_demo(enterprises=2)
        ids = list(await ServiceItem.all().values_list("id", flat=True))
        expected = {
            item_id: content | {"keywords": []}
            for item_id, content in (await item_content.snapshot(ids)).items()
        }
        await executor.migrate([MigrationTarget("models", "0014_machines_workflow")])
        await db.migrate()
        versions = await ItemVersion.all()
        assert len(versions) == len(ids)
        assert all(v.number == 1 and v.status is VersionStatus.PUBLISHED for v in versions)
        assert {v.item_id: v.content for v in versions} == expected  # type: ignore[attr-defined]
        scoped = next(c for c in expected.values() if c["business_scopes"] and c["stations"])
        assert scoped["business_scopes"] and scoped["stations"]
        with pytest.raises(IntegrityError):  # one published version per item
            await ItemVersion.create(
                item_code=versions[0].item_code,
                status=VersionStatus.PUBLISHED,
                content={},
                created_at=clock.now(),
            )
        await executor.migrate([MigrationTarget("models", "0014_machines_workflow")])
        await db.migrate()
        assert await ItemVersion.all().count() == len(ids)


async def test_two_requests_for_one_item_at_once_one_wins(registry: Settings) -> None:
    """Both pass the open-request check; the database's one proposed version per item
    lets one in, the other gets CONFLICT and leaves nothing behind."""
    async with opened(registry):
        editor = await staff("scjg002")
        item = await free_item()
        content = await content_of(item)
        entries = [
            [Entry(item.code, RequestKind.CHANGE, content | {"phone": phone})]
            for phone in ("0756-5500006", "0756-5500007")
        ]
        before = await ItemRequest.all().count()
        results = await asyncio.gather(
            *(requests.submit(editor, e, basis=BASIS) for e in entries), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        assert len(errors) == 1 and isinstance(errors[0], Conflict), results
        assert await ItemRequest.all().count() == before + 1
        assert (
            await ItemVersion.filter(item_code=item.code, status=VersionStatus.PROPOSED).count()
            == 1
        )
