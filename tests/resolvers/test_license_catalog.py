"""LIC-1: the licence catalogue's lifecycle as a recorded state machine, who may take which
step, what an entry declares, and the catalogue search."""

from __future__ import annotations

from itertools import product

import pytest

from servicehall.auth.keys import KeyStore
from servicehall.auth.principal import ANONYMOUS, Principal, PrincipalKind
from servicehall.errors import (
    Conflict,
    ErrorCode,
    Forbidden,
    IllegalCatalogTransition,
    InvalidInput,
    NotFound,
)
from servicehall.models import (
    AuditEvent,
    CatalogState,
    FieldType,
    HolderKind,
    License,
    LicenseCatalogEntry,
    LicenseCatalogEvent,
    LicenseCatalogVersion,
    StaffRole,
    ValidityRule,
)
from servicehall.resolvers import license_catalog as catalog
from servicehall.resolvers import license_catalog_reads, licenses
from servicehall.resolvers.license_catalog import TRANSITIONS, check_transition
from servicehall.resolvers.license_fields import FieldSpec, Validity
from servicehall.settings import Settings
from tests.conftest import opened
from tests.licensing import (
    FIELDS,
    FIVE_YEARS,
    VALUES,
    Cast,
    cast,
    license_keys,
    published,
    reader,
    today,
)

S = CatalogState


@pytest.mark.parametrize(("source", "target"), list(product(CatalogState, CatalogState)))
def test_every_pair_of_states(source: CatalogState, target: CatalogState) -> None:
    """LIC-1: each of the 25 steps is in the table or refused with a typed error."""
    if target in TRANSITIONS[source]:
        check_transition(source, target)
        return
    with pytest.raises(IllegalCatalogTransition) as caught:
        check_transition(source, target)
    error = caught.value
    assert error.code is ErrorCode.ILLEGAL_TRANSITION and error.label == "证照目录状态不可变更"
    assert error.details == {"from": source.name, "to": target.name}
    assert source.label in error.message and target.label in error.message


def test_the_table_reaches_every_state_and_ends_at_abolition() -> None:
    """LIC-1: 编目 → 注册 → 发布 → 变更 → 废置, nothing after 废置."""
    reachable, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable == set(CatalogState)
    assert TRANSITIONS[S.ABOLISHED] == frozenset()
    assert S.PUBLISHED not in TRANSITIONS[S.DRAFT]  # never published without review


async def _snapshot(code: str) -> tuple[object, ...]:
    entry = await LicenseCatalogEntry.get(code=code)
    return (
        entry.state,
        entry.version,
        entry.name,
        await LicenseCatalogEvent.filter(entry=entry).count(),
        await LicenseCatalogVersion.filter(entry=entry).count(),
        await AuditEvent.filter(target=f"license_catalog:{code}").count(),
    )


async def test_the_whole_lifecycle_is_recorded_and_licences_keep_their_version(
    hall_settings: Settings,
) -> None:
    """LIC-1: every step records who, when and why; a change adds a version and licences
    issued before it keep theirs."""
    async with opened(hall_settings):
        people = await cast()
        keys = await license_keys()
        await catalog.create_entry(
            people.scjg,
            code="ypjy",  # normalised
            name="药品经营许可证",
            department_code=None,
            holder_kind=HolderKind.ENTERPRISE,
            field_list=FIELDS[:2],
            validity=FIVE_YEARS,
        )
        edited = await catalog.edit_draft(people.scjg, "YPJY", field_list=FIELDS)
        assert edited.state is S.DRAFT and edited.version == 1
        await catalog.move(people.scjg, "YPJY", S.REGISTERED, reason="编目完成，提交审核")
        await catalog.move(people.admin, "YPJY", S.DRAFT, reason="经营项目字段缺少选项说明")
        await catalog.move(people.scjg, "YPJY", S.REGISTERED, reason="已补充")
        await catalog.move(people.admin, "YPJY", S.PUBLISHED, reason="审核通过")
        first = await _issue(people, keys, "YPJY")
        changed = await catalog.move(
            people.admin,
            "YPJY",
            S.CHANGED,
            reason="依据新办法增加质量负责人",
            field_list=(*FIELDS, FieldSpec("qualityOfficer", "质量负责人", FieldType.TEXT)),
        )
        assert changed.version == 2 and changed.state is S.CHANGED
        second = await _issue(people, keys, "YPJY", qualityOfficer="李四")
        renamed = await catalog.move(
            people.admin, "YPJY", S.CHANGED, reason="名称规范", name="药品经营许可证（零售）"
        )
        assert renamed.version == 3 and renamed.name == "药品经营许可证（零售）"
        await catalog.move(people.admin, "YPJY", S.ABOLISHED, reason="并入新证")

        entry = await LicenseCatalogEntry.get(code="YPJY")
        events = await LicenseCatalogEvent.filter(entry=entry).order_by("at", "id")
        assert [(e.from_state, e.to_state, e.version) for e in events] == [
            (None, S.DRAFT, 1),
            (S.DRAFT, S.REGISTERED, 1),
            (S.REGISTERED, S.DRAFT, 1),
            (S.DRAFT, S.REGISTERED, 1),
            (S.REGISTERED, S.PUBLISHED, 1),
            (S.PUBLISHED, S.CHANGED, 2),
            (S.CHANGED, S.CHANGED, 3),
            (S.CHANGED, S.ABOLISHED, 3),
        ]
        assert events[2].reason == "经营项目字段缺少选项说明"
        assert {e.actor_name for e in events} == {"黄伟", "系统管理员"}
        assert all(e.actor.startswith(("staff:", "admin:")) for e in events)
        versions = await LicenseCatalogVersion.filter(entry=entry).order_by("version")
        assert [len(v.field_list) for v in versions] == [6, 7, 7]
        assert versions[2].name == "药品经营许可证（零售）" and versions[1].name == "药品经营许可证"
        issued = {
            n: await License.get(license_number=n).prefetch_related("catalog_version")
            for n in (first, second)
        }
        assert issued[first].catalog_version.version == 1
        assert issued[second].catalog_version.version == 2
        assert "qualityOfficer" in issued[second].data
        audit = await AuditEvent.filter(target="license_catalog:YPJY").order_by("id")
        assert [a.action for a in audit][-2:] == [
            "license_catalog.changed",
            "license_catalog.abolished",
        ]
        assert len(audit) == len(events)
        # an abolished entry issues nothing, licences already issued stay readable
        with pytest.raises(InvalidInput):
            await _issue(people, keys, "YPJY")


async def _issue(people: Cast, keys: KeyStore, code: str, **values: str) -> str:
    return await licenses.issue_license(
        people.scjg,
        keys,
        catalog_code=code,
        holder_code=people.credit_code,
        holder_name="",
        valid_from=None,
        valid_until=None,
        values=VALUES | values,
        today=today(),
    )


async def test_every_illegal_step_is_refused_and_changes_nothing(hall_settings: Settings) -> None:
    """LIC-1: for an entry in each state, every step outside the table is a typed
    ILLEGAL_TRANSITION and leaves state, version, history, versions and audit as they were."""
    async with opened(hall_settings):
        people = await cast()
        paths = {
            S.DRAFT: (),
            S.REGISTERED: (S.REGISTERED,),
            S.PUBLISHED: (S.REGISTERED, S.PUBLISHED),
            S.CHANGED: (S.REGISTERED, S.PUBLISHED, S.CHANGED),
            S.ABOLISHED: (S.REGISTERED, S.PUBLISHED, S.ABOLISHED),
        }
        refused = 0
        for n, (state, path) in enumerate(paths.items()):
            code = f"IL{n}"
            await catalog.create_entry(
                people.admin,
                code=code,
                name="测试许可证",
                department_code="SCJG",
                holder_kind=HolderKind.ENTERPRISE,
                field_list=FIELDS,
                validity=FIVE_YEARS,
            )
            for step in path:
                extra = {"name": "测试许可证（新）"} if step is S.CHANGED else {}
                await catalog.move(people.admin, code, step, reason="步骤", **extra)  # type: ignore[arg-type]
            assert (await LicenseCatalogEntry.get(code=code)).state is state
            for target in CatalogState:
                if target in TRANSITIONS[state]:
                    continue
                before = await _snapshot(code)
                extra = {"name": "再改名"} if target is S.CHANGED else {}
                with pytest.raises(IllegalCatalogTransition) as caught:
                    await catalog.move(people.admin, code, target, reason="非法步骤", **extra)  # type: ignore[arg-type]
                assert caught.value.details == {"from": state.name, "to": target.name}
                assert await _snapshot(code) == before
                refused += 1
        assert refused == sum(len(CatalogState) - len(t) for t in TRANSITIONS.values())


async def test_who_may_take_which_step(hall_settings: Settings) -> None:
    """LIC-1, SEC-1: issuers draft and register their own department's entries, only
    administrators review, change and abolish; refusals change nothing."""
    async with opened(hall_settings):
        people = await cast()
        outsider = Principal(PrincipalKind.ENTERPRISE, subject=people.enterprise.subject)
        for who, department in (
            (people.sthj, "SCJG"),  # another department's issuer
            (reader("SCJG"), "SCJG"),  # staff of the department without the issuer role
            (outsider, "SCJG"),
        ):
            with pytest.raises(Forbidden):
                await catalog.create_entry(
                    who,
                    code="FX1",
                    name="测试许可证",
                    department_code=department,
                    holder_kind=HolderKind.ENTERPRISE,
                    field_list=FIELDS,
                    validity=FIVE_YEARS,
                )
        assert not await LicenseCatalogEntry.exists(code="FX1")
        with pytest.raises(NotFound):
            await catalog.create_entry(
                people.admin,
                code="FX1",
                name="测试许可证",
                department_code="NOPE",
                holder_kind=HolderKind.ENTERPRISE,
                field_list=FIELDS,
                validity=FIVE_YEARS,
            )
        with pytest.raises(Conflict):  # codes are unique
            await catalog.create_entry(
                people.scjg,
                code="SPJY",
                name="重复",
                department_code=None,
                holder_kind=HolderKind.ENTERPRISE,
                field_list=FIELDS,
                validity=FIVE_YEARS,
            )

        # XCYJ is a draft of the market regulator in the demo
        before = await _snapshot("XCYJ")
        for who in (people.sthj, reader("SCJG"), ANONYMOUS):
            with pytest.raises(Forbidden):
                await catalog.move(who, "XCYJ", S.REGISTERED, reason="注册")
        with pytest.raises(Forbidden):
            await catalog.edit_draft(people.sthj, "XCYJ", name="改名")
        await catalog.move(people.scjg, "XCYJ", S.REGISTERED, reason="编目完成")
        for step in (S.PUBLISHED, S.DRAFT):  # the review is the administrator's
            with pytest.raises(Forbidden):
                await catalog.move(people.scjg, "XCYJ", step, reason="自己审核")
        assert (await _snapshot("XCYJ"))[0] is S.REGISTERED
        await catalog.move(people.admin, "XCYJ", S.PUBLISHED, reason="审核通过")
        for step in (S.CHANGED, S.ABOLISHED):
            with pytest.raises(Forbidden):
                await catalog.move(people.scjg, "XCYJ", step, reason="维护", name="新名称")
        assert (await _snapshot("XCYJ"))[:2] == (S.PUBLISHED, 1)
        assert before[3] + 2 == (await _snapshot("XCYJ"))[3]


@pytest.mark.parametrize(
    ("fields", "validity", "field"),
    [
        ((), FIVE_YEARS, "fields"),
        ((FieldSpec("Premises", "场所", FieldType.TEXT),), FIVE_YEARS, "fields.0.name"),
        (
            (FieldSpec("a", "甲", FieldType.TEXT), FieldSpec("a", "乙", FieldType.TEXT)),
            FIVE_YEARS,
            "fields.1.name",
        ),
        ((FieldSpec("kind", "类别", FieldType.CHOICE),), FIVE_YEARS, "fields.0.options"),
        (
            (FieldSpec("kind", "类别", FieldType.TEXT, True, ("甲",)),),
            FIVE_YEARS,
            "fields.0.options",
        ),
        ((FieldSpec("kind", " ", FieldType.TEXT),), FIVE_YEARS, "fields.0.label"),
        (FIELDS, Validity(ValidityRule.FIXED_TERM, None), "validity.termMonths"),
        (FIELDS, Validity(ValidityRule.UP_TO, 0), "validity.termMonths"),
        (FIELDS, Validity(ValidityRule.LONG_TERM, 12), "validity.termMonths"),
    ],
)
def test_bad_declarations_name_the_field(
    fields: tuple[FieldSpec, ...], validity: Validity, field: str
) -> None:
    """LIC-1: an entry's field list and validity rule are checked, the bad part named."""
    with pytest.raises(InvalidInput) as caught:
        catalog._version_values("测试许可证", fields, validity)
    assert caught.value.field == field


async def test_drafts_are_edited_published_entries_are_changed(hall_settings: Settings) -> None:
    """LIC-1: only a draft is edited in place; a change needs a reason and a difference."""
    async with opened(hall_settings):
        people = await cast()
        await published(people, "ED1")
        before = await _snapshot("ED1")
        with pytest.raises(IllegalCatalogTransition):
            await catalog.edit_draft(people.scjg, "ED1", name="改名")
        with pytest.raises(InvalidInput) as caught:
            await catalog.move(people.admin, "ED1", S.CHANGED, reason="无变化", name="测试许可证")
        assert "相同" in caught.value.message
        with pytest.raises(InvalidInput) as caught:
            await catalog.move(people.admin, "ED1", S.CHANGED, reason=" ", name="新名称")
        assert caught.value.field == "reason"
        with pytest.raises(InvalidInput):  # only a change alters the declaration
            await catalog.move(people.admin, "ED1", S.ABOLISHED, reason="废置", name="新名称")
        assert await _snapshot("ED1") == before


async def test_catalogue_search_by_name_department_and_state(hall_settings: Settings) -> None:
    """LIC-1: ``licenseCatalog`` finds one-character names, filters by department and
    state, and shows drafts and registered entries only to their department and admins."""
    async with opened(hall_settings):
        people = await cast()

        async def codes(who: Principal, **filters: object) -> list[str]:
            page = await license_catalog_reads.catalog_page(
                who,
                name=filters.get("name"),  # type: ignore[arg-type]
                department_code=filters.get("department"),  # type: ignore[arg-type]
                states=filters.get("states", ()),  # type: ignore[arg-type]
                first=50,
                after=None,
            )
            return [r["code"] for r in page.rows]

        public = {"SPLT", "SPJY", "PWXK", "CYJK"}
        assert set(await codes(ANONYMOUS)) == public
        assert set(await codes(people.enterprise)) == public
        assert set(await codes(people.scjg)) == public | {"XCYJ"}  # its own draft
        assert set(await codes(people.sthj)) == public
        assert set(await codes(people.admin)) == public | {"XCYJ", "JZAQ"}
        assert set(await codes(ANONYMOUS, name="证")) == {"SPLT", "SPJY", "PWXK", "CYJK"}
        assert await codes(ANONYMOUS, name="排污") == ["PWXK"]
        assert set(await codes(ANONYMOUS, name="食品")) == {"SPLT", "SPJY"}
        assert await codes(ANONYMOUS, name="%") == []  # no wildcard injection
        assert set(await codes(ANONYMOUS, department="scjg")) == {"SPLT", "SPJY"}
        assert await codes(people.admin, states=[S.REGISTERED]) == ["JZAQ"]
        assert set(await codes(ANONYMOUS, states=[S.DRAFT, S.ABOLISHED])) == {"SPLT"}
        first = await license_catalog_reads.catalog_page(
            people.admin, name=None, department_code=None, states=(), first=2, after=None
        )
        rest = await license_catalog_reads.catalog_page(
            people.admin, name=None, department_code=None, states=(), first=50,
            after=first.cursors[-1],
        )  # fmt: skip
        assert first.total == rest.total == 6 and first.has_next and not rest.has_next
        assert len({r["code"] for r in first.rows + rest.rows}) == 6
        assert license_catalog_reads.can_see(
            reader("SCJG", StaffRole.CASE_HANDLER), S.DRAFT, "SCJG"
        )
