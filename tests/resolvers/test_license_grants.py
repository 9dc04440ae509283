"""LIC-2: departments apply for browse rights, administrators grant or refuse and may
revoke; only granted departments (and the issuing one) read a type's licences."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest

from servicehall.auth.principal import ANONYMOUS, Principal, PrincipalKind
from servicehall.errors import (
    Conflict,
    ErrorCode,
    Forbidden,
    IllegalGrantTransition,
    InvalidInput,
)
from servicehall.loaders.licenses import granted_entries
from servicehall.models import (
    AccessBasis,
    AuditEvent,
    GrantStatus,
    LicenseCatalogEntry,
    LicenseGrant,
    StaffRole,
)
from servicehall.resolvers import license_grants as grants
from servicehall.resolvers.license_access import read_basis
from servicehall.resolvers.license_grants import TRANSITIONS, check_transition, effective_status
from servicehall.settings import Settings
from tests.conftest import opened
from tests.licensing import cast, reader, staff_account, today

G = GrantStatus


@pytest.mark.parametrize(("source", "target"), list(product(GrantStatus, GrantStatus)))
def test_every_pair_of_grant_statuses(source: GrantStatus, target: GrantStatus) -> None:
    """LIC-2: requested → granted | refused, granted → revoked; everything else typed."""
    if target in TRANSITIONS[source]:
        check_transition(source, target)
        return
    with pytest.raises(IllegalGrantTransition) as caught:
        check_transition(source, target)
    assert caught.value.code is ErrorCode.ILLEGAL_TRANSITION
    assert caught.value.label == "授权状态不可变更"


def test_a_grant_past_its_last_day_reads_as_expired() -> None:
    day = today()
    assert effective_status(G.GRANTED, day, day) is G.GRANTED  # the last day still counts
    assert effective_status(G.GRANTED, day - timedelta(days=1), day) is G.EXPIRED
    assert effective_status(G.GRANTED, None, day) is G.GRANTED
    assert effective_status(G.REVOKED, day - timedelta(days=1), day) is G.REVOKED


ROW = {"department_code": "SCJG", "entry_id": 7}


def _machine(department: str, *scopes: str) -> Principal:
    return Principal(
        PrincipalKind.MACHINE, subject="sys", client_id="sys", department_code=department,
        scopes=frozenset(scopes),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("who", "granted", "case_department", "attached", "basis"),
    [
        (reader("SCJG", StaffRole.LICENSE_ISSUER), (), None, False, AccessBasis.ISSUER),
        (reader("SCJG", StaffRole.LICENSE_READER), (), None, False, AccessBasis.ISSUER),
        (reader("SCJG", StaffRole.CASE_HANDLER), (), None, False, None),
        (reader("WJJ", StaffRole.LICENSE_READER), (7,), None, False, AccessBasis.GRANT),
        (reader("WJJ", StaffRole.LICENSE_READER), (8,), None, False, None),
        (reader("WJJ", StaffRole.LICENSE_ISSUER), (7,), None, False, None),
        (reader("YJJ", StaffRole.LICENSE_READER), (), None, False, None),
        (_machine("WJJ", "licenses:read"), (7,), None, False, AccessBasis.GRANT),
        (_machine("SCJG", "licenses:read"), (), None, False, AccessBasis.ISSUER),
        (_machine("WJJ"), (7,), None, False, None),
        (reader("MZJ", StaffRole.CASE_HANDLER), (), "MZJ", True, AccessBasis.CASE),
        (reader("MZJ", StaffRole.CASE_HANDLER), (), "MZJ", False, None),
        (reader("MZJ", StaffRole.CASE_HANDLER), (), "RSJ", True, None),
        (reader("MZJ", StaffRole.ANNOUNCER), (), "MZJ", True, None),
        (Principal(PrincipalKind.ADMIN, subject="a"), (7,), None, False, None),
        (
            Principal(PrincipalKind.ENTERPRISE, subject="e", enterprise_code="x"),
            (),
            None,
            False,
            None,
        ),
        (ANONYMOUS, (), None, False, None),
    ],
)
def test_who_reads_another_holders_licence(
    who: Principal,
    granted: tuple[int, ...],
    case_department: str | None,
    attached: bool,
    basis: AccessBasis | None,
) -> None:
    """LIC-2, LIC-3: the issuing department, granted departments' readers and the handling
    department of a case the holder attached it to; everyone else FORBIDDEN."""

    def decide() -> AccessBasis:
        return read_basis(
            who,
            ROW,
            granted=frozenset(granted),
            case_department=case_department,
            attached=attached,
        )

    if basis is None:
        with pytest.raises(Forbidden):
            decide()
    else:
        assert decide() is basis


async def _grant_row(grant_id: int) -> tuple[object, ...]:
    grant = await LicenseGrant.get(id=grant_id)
    return (grant.status, grant.expires_on, grant.decided_at, grant.revoked_at)


async def test_apply_grant_revoke_and_expire(hall_settings: Settings) -> None:
    """LIC-2: the whole flow, its recorded steps, and the rights it opens at each step."""
    async with opened(hall_settings):
        people = await cast()
        day = today()
        pwxk = await LicenseCatalogEntry.get(code="PWXK")
        assert pwxk.id not in (await granted_entries(["WJJ"], day))[0]
        asked = await grants.request_grant(
            people.wjj, "pwxk", reason="核查餐饮企业油烟排放", until=day + timedelta(days=30),
            today=day,
        )  # fmt: skip
        assert asked.status is G.REQUESTED
        assert pwxk.id not in (await granted_entries(["WJJ"], day))[0]
        with pytest.raises(Conflict):  # one open application at a time
            await grants.request_grant(people.wjj, "PWXK", reason="再申请", until=None, today=day)

        granted = await grants.decide_grant(
            people.admin, str(asked.id), approve=True, note="同意", expires_on=None, today=day
        )
        assert granted.status is G.GRANTED and granted.expires_on == day + timedelta(days=30)
        assert granted.decided_by.startswith("admin:") and granted.decided_by_name == "系统管理员"
        assert pwxk.id in (await granted_entries(["WJJ"], day))[0]
        # the last day counts, the day after it does not
        assert pwxk.id in (await granted_entries(["WJJ"], day + timedelta(days=30)))[0]
        assert pwxk.id not in (await granted_entries(["WJJ"], day + timedelta(days=31)))[0]

        before = await _grant_row(asked.id)
        for attempt in (
            grants.decide_grant(
                people.admin, str(asked.id), approve=False, note="改判", expires_on=None, today=day
            ),
            grants.decide_grant(
                people.admin, str(asked.id), approve=True, note="", expires_on=None, today=day
            ),
        ):
            with pytest.raises(IllegalGrantTransition):
                await attempt
        assert await _grant_row(asked.id) == before

        with pytest.raises(Forbidden):
            await grants.revoke_grant(people.scjg, str(asked.id), reason="不用了")
        revoked = await grants.revoke_grant(people.admin, str(asked.id), reason="检查结束")
        assert revoked.status is G.REVOKED and revoked.revoke_reason == "检查结束"
        assert pwxk.id not in (await granted_entries(["WJJ"], day))[0]
        with pytest.raises(IllegalGrantTransition):
            await grants.revoke_grant(people.admin, str(asked.id), reason="再撤销")

        # after a revocation the department may apply again; an expired grant too
        again = await grants.request_grant(people.wjj, "PWXK", reason="复查", until=None, today=day)
        await grants.decide_grant(
            people.admin, str(again.id), approve=True, note="同意", expires_on=day, today=day
        )
        tomorrow = day + timedelta(days=1)
        third = await grants.request_grant(
            people.wjj, "PWXK", reason="延续", until=None, today=tomorrow
        )
        assert third.status is G.REQUESTED
        actions = await AuditEvent.filter(action__startswith="license_grant.").values_list(
            "action", flat=True
        )
        assert sorted(actions) == sorted(
            ["license_grant.requested"] * 3
            + ["license_grant.granted"] * 2
            + ["license_grant.revoked"]
        )


async def test_refusals_and_bad_applications_change_nothing(hall_settings: Settings) -> None:
    """LIC-2: who may apply and decide, on what, with what; every refusal typed."""
    async with opened(hall_settings):
        people = await cast()
        day = today()
        yjj = await staff_account("yjj-test", "YJJ", StaffRole.LICENSE_READER)
        count = await LicenseGrant.all().count()
        for who, code, until, error in (
            (people.scjg, "PWXK", None, Forbidden),  # an issuer, not a reader
            (people.enterprise, "PWXK", None, Forbidden),
            (people.wjj, "SPJY", None, Conflict),  # WJJ holds a live grant already
            (people.scjg, "SPJY", None, Forbidden),
            (yjj, "XCYJ", None, InvalidInput),  # a draft
            (yjj, "JZAQ", None, InvalidInput),  # registered, not published
            (yjj, "SPLT", None, InvalidInput),  # abolished
            (yjj, "PWXK", day - timedelta(days=1), InvalidInput),
        ):
            with pytest.raises(error):
                await grants.request_grant(who, code, reason="检查", until=until, today=day)
        with pytest.raises(InvalidInput) as caught:
            await grants.request_grant(yjj, "PWXK", reason=" ", until=None, today=day)
        assert caught.value.field == "reason"
        sthj_reader = await staff_account("sthj-reader", "STHJ", StaffRole.LICENSE_READER)
        with pytest.raises(InvalidInput):  # the issuing department needs no grant
            await grants.request_grant(sthj_reader, "PWXK", reason="查阅", until=None, today=day)
        assert await LicenseGrant.all().count() == count

        asked = await grants.request_grant(yjj, "PWXK", reason="执法检查", until=None, today=day)
        before = await _grant_row(asked.id)
        for who, approve, note, expires, error in (
            (people.scjg, True, "同意", None, Forbidden),
            (people.admin, False, "", None, InvalidInput),  # a refusal says why
            (people.admin, True, "同意", day - timedelta(days=1), InvalidInput),
        ):
            with pytest.raises(error):
                await grants.decide_grant(
                    who, str(asked.id), approve=approve, note=note, expires_on=expires, today=day
                )
        assert await _grant_row(asked.id) == before
        refused = await grants.decide_grant(
            people.admin, str(asked.id), approve=False, note="不属于使用范围", expires_on=None,
            today=day,
        )  # fmt: skip
        assert refused.status is G.REFUSED
        with pytest.raises(IllegalGrantTransition):
            await grants.revoke_grant(people.admin, str(asked.id), reason="撤销")
        assert (await granted_entries(["YJJ"], day))[0] == frozenset()


async def test_who_lists_which_grants(hall_settings: Settings) -> None:
    """LIC-2: administrators see every application; staff their department's and those on
    their department's entries; anyone else is refused."""
    async with opened(hall_settings):
        people = await cast()
        day = today()

        async def listed(who: Principal, *statuses: GrantStatus) -> set[tuple[str, str]]:
            page = await grants.grants_page(
                who, catalog_code=None, department_code=None, statuses=statuses, today=day,
                first=50, after=None,
            )  # fmt: skip
            return {(r["department_code"], r["catalog_code"]) for r in page.rows}

        everything = {("WJJ", "SPJY"), ("YJJ", "PWXK"), ("SWJ", "PWXK")}
        assert await listed(people.admin) == everything
        assert await listed(people.wjj) == {("WJJ", "SPJY")}
        assert await listed(people.scjg) == {("WJJ", "SPJY")}  # grants on its entries
        assert await listed(people.sthj) == {("YJJ", "PWXK"), ("SWJ", "PWXK")}
        assert await listed(people.admin, G.REQUESTED, G.REFUSED) == {
            ("YJJ", "PWXK"),
            ("SWJ", "PWXK"),
        }
        assert await listed(people.admin, G.GRANTED) == {("WJJ", "SPJY")}
        await LicenseGrant.filter(status=G.GRANTED).update(expires_on=day - timedelta(days=1))
        assert await listed(people.admin, G.GRANTED) == set()
        assert await listed(people.admin, G.EXPIRED) == {("WJJ", "SPJY")}
        for who in (people.enterprise, people.person, ANONYMOUS):
            with pytest.raises(Forbidden):
                await listed(who)
