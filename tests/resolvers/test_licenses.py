"""LIC-3, ENT-14: issuing licences against their entry's declaration, revoking them,
attaching them to cases as material, and expiring ones as business reminders."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from servicehall.auth.keys import KeyStore
from servicehall.errors import (
    CaseClosed,
    ErrorCode,
    Forbidden,
    InvalidCreditCode,
    InvalidIdNumber,
    InvalidInput,
    LicenseExpired,
    LicenseRevoked,
    NotFound,
    ServiceHallError,
)
from servicehall.models import (
    AuditEvent,
    Case,
    CaseLicense,
    CaseStage,
    FieldType,
    HolderKind,
    License,
    LicenseStatus,
    Reminder,
    ValidityRule,
)
from servicehall.numbering import make_license_number, parse_license_number
from servicehall.resolvers import licenses
from servicehall.resolvers.license_fields import FieldSpec, Validity, add_months, check_values
from servicehall.resolvers.licenses import current_status, is_expiring
from servicehall.resolvers.reminders import generate_reminders
from servicehall.settings import Settings
from tests.conftest import opened
from tests.licensing import VALUES, Cast, cast, license_keys, published, today


async def _issue(people: Cast, keys: KeyStore, code: str = "TEST", **kw: Any) -> str:
    arguments: dict[str, Any] = {
        "catalog_code": code,
        "holder_code": people.credit_code,
        "holder_name": "",
        "valid_from": None,
        "valid_until": None,
        "values": VALUES,
        "today": today(),
    }
    who = kw.pop("who", people.scjg)
    return await licenses.issue_license(who, keys, **(arguments | kw))


def test_values_are_checked_against_the_field_list_and_normalised() -> None:
    """LIC-3: each type's values, and the refusals naming the field."""
    fields = [
        FieldSpec("n", "数量", FieldType.INTEGER, False).as_json(),
        FieldSpec("d", "金额", FieldType.DECIMAL, False).as_json(),
        FieldSpec("on", "日期", FieldType.DATE, False).as_json(),
        FieldSpec("yes", "是否", FieldType.BOOLEAN, False).as_json(),
        FieldSpec("kind", "类别", FieldType.CHOICE, True, ("甲类", "乙类")).as_json(),
        FieldSpec("text", "说明", FieldType.TEXT, False).as_json(),
    ]
    assert check_values(
        fields,
        {
            "n": "+012",
            "d": "1,200.50",
            "on": "2026-02-03",
            "yes": "是",
            "kind": "甲类",
            "text": " a  b ",
        },
    ) == {
        "n": "12",
        "d": "1200.5",
        "on": "2026-02-03",
        "yes": "true",
        "kind": "甲类",
        "text": "a b",
    }
    assert check_values(fields, {"kind": "乙类", "yes": "否", "text": ""}) == {
        "kind": "乙类",
        "yes": "false",
    }
    for values, field in (
        ({}, "fields.kind"),
        ({"kind": "丙类"}, "fields.kind"),
        ({"kind": "甲类", "n": "1.5"}, "fields.n"),
        ({"kind": "甲类", "d": "abc"}, "fields.d"),
        ({"kind": "甲类", "d": "Infinity"}, "fields.d"),
        ({"kind": "甲类", "on": "2026-02-30"}, "fields.on"),
        ({"kind": "甲类", "yes": "maybe"}, "fields.yes"),
        ({"kind": "甲类", "text": "长" * 501}, "fields.text"),
        ({"kind": "甲类", "extra": "x"}, "fields.extra"),
    ):
        with pytest.raises(InvalidInput) as caught:
            check_values(fields, values)
        assert caught.value.field == field, values


def test_months_and_statuses() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 11, 15), -36) == date(2023, 11, 15)
    day = date(2026, 6, 1)
    assert current_status("valid", day, day) is LicenseStatus.VALID  # the last day counts
    assert current_status("valid", day - timedelta(days=1), day) is LicenseStatus.EXPIRED
    assert current_status("revoked", None, day) is LicenseStatus.REVOKED
    assert current_status("valid", None, day) is LicenseStatus.VALID
    assert is_expiring("valid", day + timedelta(days=90), day)
    assert not is_expiring("valid", day + timedelta(days=91), day)
    assert not is_expiring("revoked", day + timedelta(days=10), day)
    assert not is_expiring("valid", None, day)


async def test_issuing_under_each_validity_rule(hall_settings: Settings) -> None:
    """LIC-3: the number, the holder from the registry, the period from the rule."""
    async with opened(hall_settings):
        people = await cast()
        keys = await license_keys()
        await published(people, "FIX")
        await published(people, "UPTO", validity=Validity(ValidityRule.UP_TO, 36))
        await published(people, "LONG", validity=Validity(ValidityRule.LONG_TERM))
        day = today()
        audited = await AuditEvent.filter(action="license.issued").count()
        fixed = await License.get(license_number=await _issue(people, keys, "FIX"))
        assert parse_license_number(fixed.license_number) == fixed.license_number
        assert fixed.license_number.startswith(f"FIX440403{day.year}000001")
        assert fixed.holder_name == "珠海市斗门区恒信食品有限公司"
        assert fixed.valid_from == day and fixed.valid_until == add_months(day, 60) - timedelta(1)
        assert fixed.issuer_name == "黄伟" and fixed.key_id.startswith("license-")
        second = await _issue(people, keys, "FIX", valid_from=day + timedelta(days=10))
        assert second.startswith(f"FIX440403{day.year}000002")
        up_to = await License.get(
            license_number=await _issue(people, keys, "UPTO", valid_until=day + timedelta(days=400))
        )
        assert up_to.valid_until == day + timedelta(days=400)
        long = await License.get(license_number=await _issue(people, keys, "LONG"))
        assert long.valid_until is None
        assert await AuditEvent.filter(action="license.issued").count() == audited + 4


async def test_bad_issues_are_typed_and_write_nothing(hall_settings: Settings) -> None:
    """LIC-3: holder codes validated with the registry's parsers, values against the
    field list, the period against the rule, only the issuing department's issuers, only
    on published entries; a refusal writes no licence and no audit event."""
    async with opened(hall_settings):
        people = await cast()
        keys = await license_keys()
        await published(people, "BAD")
        await published(people, "UPTO", validity=Validity(ValidityRule.UP_TO, 12))
        await published(people, "PERS", holder=HolderKind.PERSON)
        day = today()
        cases: list[tuple[dict[str, Any], type[ServiceHallError], str | None]] = [
            ({"holder_code": "91440403MA4UH3XF5E"}, InvalidCreditCode, "holderCode"),
            ({"holder_code": "91440403MA4UH3XF5D"[:-2] + "XX"}, InvalidCreditCode, "holderCode"),
            ({"holder_code": "914403001922038216"}, NotFound, "holderCode"),  # not in the district
            ({"values": {"premises": "某地"}}, InvalidInput, "fields.category"),
            ({"values": VALUES | {"area": "大"}}, InvalidInput, "fields.area"),
            ({"valid_until": day + timedelta(days=30)}, InvalidInput, "validUntil"),
            ({"valid_from": day - timedelta(days=31)}, InvalidInput, "validFrom"),
            ({"valid_from": day + timedelta(days=91)}, InvalidInput, "validFrom"),
            ({"catalog_code": "UPTO"}, InvalidInput, "validUntil"),  # UP_TO needs an end
            (
                {"catalog_code": "UPTO", "valid_until": add_months(day, 12) + timedelta(1)},
                InvalidInput,
                "validUntil",
            ),
            (
                {"catalog_code": "PERS", "holder_code": "440403198805121230"},
                InvalidIdNumber,
                "holderCode",
            ),
            ({"catalog_code": "PERS", "holder_code": people.person_id}, InvalidInput, "holderName"),
            ({"catalog_code": "XCYJ"}, InvalidInput, "catalogCode"),  # a draft
            ({"catalog_code": "SPLT"}, InvalidInput, "catalogCode"),  # abolished
            ({"who": people.sthj}, Forbidden, None),
            ({"who": people.wjj}, Forbidden, None),
            ({"who": people.enterprise}, Forbidden, None),
        ]
        before = (await License.all().count(), await AuditEvent.all().count())
        for changes, error, field in cases:
            with pytest.raises(error) as caught:
                await _issue(people, keys, "BAD", **changes)
            assert caught.value.field == field, changes
        assert (await License.all().count(), await AuditEvent.all().count()) == before
        person = await _issue(
            people, keys, "PERS", holder_code=people.person_id, holder_name=" 陈 晓明 "
        )
        assert (await License.get(license_number=person)).holder_name == "陈 晓明"


async def test_revocation(hall_settings: Settings) -> None:
    """LIC-3: only the issuing department's issuers revoke, with a reason, once."""
    async with opened(hall_settings):
        people = await cast()
        keys = await license_keys()
        await published(people)
        number = await _issue(people, keys)
        for who, reason, error in (
            (people.sthj, "撤销", Forbidden),
            (people.enterprise, "撤销", Forbidden),
            (people.scjg, "  ", InvalidInput),
        ):
            with pytest.raises(error):
                await licenses.revoke_license(who, number, reason=reason)
        assert (await License.get(license_number=number)).status is LicenseStatus.VALID
        revoked = await licenses.revoke_license(people.scjg, number, reason="以欺骗手段取得许可")
        assert revoked.status is LicenseStatus.REVOKED and revoked.revoked_at is not None
        assert revoked.revoke_reason == "以欺骗手段取得许可"
        with pytest.raises(LicenseRevoked):
            await licenses.revoke_license(people.scjg, number, reason="再次撤销")
        unknown = make_license_number("TEST", today().year, 999_999)
        with pytest.raises(NotFound):
            await licenses.revoke_license(people.scjg, unknown, reason="不存在")


async def test_attaching_licences_to_cases(hall_settings: Settings) -> None:
    """ENT-14: the applicant attaches its own valid licence to its own case in progress,
    by reference and once; someone else's licence or case, a revoked or expired licence
    and a finished case are typed refusals that attach nothing."""
    async with opened(hall_settings):
        people = await cast()
        keys = await license_keys()
        await published(people)
        mine = await _issue(people, keys)
        other_holder = (
            await License.filter(holder_code__not=people.credit_code, holder_kind="enterprise")
            .first()
            .values_list("license_number", flat=True)
        )
        revoked = await _issue(people, keys)
        await licenses.revoke_license(people.scjg, revoked, reason="注销")
        expired = await _issue(people, keys)
        await License.filter(license_number=expired).update(valid_until=today() - timedelta(1))
        open_case = await Case.filter(
            applicant_code=people.credit_code, stage=CaseStage.PROCESSING
        ).first()
        done_case = await Case.filter(
            applicant_code=people.credit_code, stage=CaseStage.COMPLETED
        ).first()
        someone_elses = await Case.filter(applicant_code__not=people.credit_code).first()
        assert open_case and done_case and someone_elses

        async def attach(case: Case, number: str, who: Any = people.enterprise) -> Any:
            return await licenses.attach_license(
                who, account_id=None, id_number=None, case_number=case.case_number,
                license_number=number, today=today(),
            )  # fmt: skip

        for case, number, error in (
            (open_case, str(other_holder), Forbidden),
            (open_case, revoked, LicenseRevoked),
            (open_case, expired, LicenseExpired),
            (done_case, mine, CaseClosed),
            (someone_elses, mine, Forbidden),
        ):
            with pytest.raises(error) as caught:
                await attach(case, number)
            assert caught.value.code in (
                ErrorCode.FORBIDDEN,
                ErrorCode.LICENSE_REVOKED,
                ErrorCode.LICENSE_EXPIRED,
                ErrorCode.CASE_CLOSED,
            )
        with pytest.raises(Forbidden):  # a person cannot attach to the enterprise's case
            await licenses.attach_license(
                people.person, account_id=1, id_number=people.person_id,
                case_number=open_case.case_number, license_number=mine, today=today(),
            )  # fmt: skip
        assert not await CaseLicense.filter(case=open_case).exists()
        await attach(open_case, mine)
        await attach(open_case, mine)  # twice: still one reference
        links = await CaseLicense.filter(case=open_case).prefetch_related("license")
        assert [link.license.license_number for link in links] == [mine]
        assert await AuditEvent.filter(action="case.license_attached").count() == 1


async def test_expiring_licences_become_reminders(hall_settings: Settings) -> None:
    """ENT-12, LIC-3: a licence ending within 90 days is a business reminder on the
    holder's page, written once by the idempotent job and retired when revoked."""
    async with opened(hall_settings):
        people = await cast()
        pwxk = await License.get(
            catalog_version__entry__code="PWXK", holder_code=people.credit_code
        )
        reminders = await Reminder.filter(topic="e_license_expiring", retired_at__isnull=True)
        assert [r.source for r in reminders] == [
            f"license:{pwxk.license_number}:{pwxk.valid_until}:expiring"
        ]
        assert "排污许可证" in reminders[0].text and reminders[0].due_on == pwxk.valid_until
        run = await generate_reminders(today())
        assert (run.created, run.updated, run.retired) == (0, 0, 0)
        # on the day after its end it is an expired licence's reminder instead
        later = await generate_reminders(pwxk.valid_until + timedelta(days=1))  # type: ignore[operator]
        assert later.created >= 1
        expired = await Reminder.get(topic="e_license_expiring", retired_at__isnull=True)
        assert expired.source.endswith(":expired") and "已于" in expired.text
        await licenses.revoke_license(people.sthj, pwxk.license_number, reason="企业申请注销")
        await generate_reminders(today())
        assert not await Reminder.filter(
            topic="e_license_expiring", retired_at__isnull=True
        ).exists()
