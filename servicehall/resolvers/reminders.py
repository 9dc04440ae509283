"""Reminders computed from the data (温馨提示, ENT-12), written idempotently by a job.

Each reminder names the fact behind it (its ``source``). A run computes the reminders the
data calls for today, then in one transaction creates the missing ones, updates the text
of those whose wording changed (the unread count) and retires those whose fact no longer
holds (a renewed qualification, a handled violation). Running twice changes nothing.

Business: qualifications, e-licences (LIC-3) and the business licence expiring within 90
days or expired in the last 90, the annual report window (1 January to 30 June) while last
year's report is missing, unhandled vehicle violations. Mail: unread messages. System: an enterprise
account's password older than 90 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from servicehall import clock, db
from servicehall.clock import LOCAL_TZ, local_today
from servicehall.models import (
    Account,
    AccountKind,
    Enterprise,
    EnterpriseStatus,
    License,
    LicenseStatus,
    Qualification,
    Reminder,
    ReminderKind,
    VehicleViolation,
    ViolationStatus,
)
from servicehall.numbering import format_license_number

WINDOW = timedelta(days=90)
PASSWORD_MAX_AGE = timedelta(days=90)


@dataclass(frozen=True, slots=True)
class Wanted:
    enterprise_id: int
    source: str
    kind: ReminderKind
    topic: str
    text: str
    due_on: date | None
    link: str


@dataclass(frozen=True, slots=True)
class ReminderRun:
    created: int
    updated: int
    retired: int
    kept: int


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


async def _qualifications(today: date) -> list[Wanted]:
    wanted = []
    rows = await Qualification.filter(
        valid_to__gte=today - WINDOW, valid_to__lte=today + WINDOW
    ).only("id", "enterprise_id", "name", "valid_to")
    for q in rows:
        assert q.valid_to is not None
        expired = q.valid_to < today
        text = (
            f"您的“{q.name}”已于{_day(q.valid_to)}过期，请尽快办理延续或重新认定。"
            if expired
            else f"您的“{q.name}”将于{_day(q.valid_to)}到期，请及时办理延续手续。"
        )
        wanted.append(
            Wanted(
                q.enterprise_id,  # type: ignore[attr-defined]
                f"qualification:{q.id}:{q.valid_to}:{'expired' if expired else 'expiring'}",
                ReminderKind.BUSINESS,
                "qualification_expiring",
                text,
                q.valid_to,
                "/enterprise/qualifications",
            )
        )
    return wanted


async def _e_licences(today: date) -> list[Wanted]:
    """Enterprises' e-licences (not revoked) ending within the window either side."""
    rows = await License.filter(
        enterprise_id__isnull=False,
        status=LicenseStatus.VALID,
        valid_until__gte=today - WINDOW,
        valid_until__lte=today + WINDOW,
    ).values("enterprise_id", "license_number", "valid_until", name="catalog_version__name")
    wanted = []
    for row in rows:
        until: date = row["valid_until"]
        expired = until < today
        what = f"您的“{row['name']}”（编号{format_license_number(row['license_number'])}）"
        text = (
            f"{what}已于{_day(until)}过期，请尽快办理延续。"
            if expired
            else f"{what}将于{_day(until)}到期，请及时办理延续手续。"
        )
        wanted.append(
            Wanted(
                row["enterprise_id"],
                f"license:{row['license_number']}:{until}:{'expired' if expired else 'expiring'}",
                ReminderKind.BUSINESS,
                "e_license_expiring",
                text,
                until,
                f"/enterprise/licenses/{row['license_number']}",
            )
        )
    return wanted


async def _licences(today: date) -> list[Wanted]:
    rows = await Enterprise.filter(
        status=EnterpriseStatus.OPERATING,
        licence_valid_to__gte=today - WINDOW,
        licence_valid_to__lte=today + WINDOW,
    ).only("id", "licence_valid_to")
    wanted = []
    for e in rows:
        assert e.licence_valid_to is not None
        expired = e.licence_valid_to < today
        text = (
            f"您的营业执照营业期限已于{_day(e.licence_valid_to)}届满，请尽快办理变更或注销登记。"
            if expired
            else f"您的营业执照营业期限将于{_day(e.licence_valid_to)}届满，请及时办理变更登记。"
        )
        wanted.append(
            Wanted(
                e.id,
                f"licence:{e.licence_valid_to}:{'expired' if expired else 'expiring'}",
                ReminderKind.BUSINESS,
                "licence_expiring",
                text,
                e.licence_valid_to,
                "/enterprise/profile",
            )
        )
    return wanted


async def _annual_reports(today: date) -> list[Wanted]:
    if today.month > 6:
        return []
    year = today.year - 1
    due = date(today.year, 6, 30)
    rows = await Enterprise.filter(
        Q(last_annual_report_year__isnull=True) | Q(last_annual_report_year__lt=year),
        status=EnterpriseStatus.OPERATING,
        established_on__lte=date(year, 12, 31),  # founded this year: nothing to report yet
    ).only("id")
    return [
        Wanted(
            e.id,
            f"annual-report:{year}",
            ReminderKind.BUSINESS,
            "annual_report",
            f"请于{_day(due)}前通过国家企业信用信息公示系统报送{year}年度报告，"
            "逾期未报将被列入经营异常名录。",
            due,
            "https://www.gsxt.gov.cn",
        )
        for e in rows
    ]


async def _violations(today: date) -> list[Wanted]:
    rows = await VehicleViolation.filter(status=ViolationStatus.UNHANDLED)
    wanted = []
    for v in rows:
        when = v.occurred_at.astimezone(LOCAL_TZ)
        wanted.append(
            Wanted(
                v.enterprise_id,  # type: ignore[attr-defined]
                f"violation:{v.reference}",
                ReminderKind.BUSINESS,
                "vehicle_violation",
                f"车辆{v.plate}于{_day(when.date())}在{v.location}{v.behaviour}，"
                f"罚款{format(v.fine.normalize(), 'f')}元、记{v.points}分，请及时处理。",
                when.date() + timedelta(days=15),
                "/enterprise/vehicles",
            )
        )
    return wanted


async def _unread_mail() -> list[Wanted]:
    q = db.Sql(db.dialect())
    rows = await db.fetch(
        "SELECT enterprise_id, COUNT(*) AS n FROM message WHERE enterprise_id IS NOT NULL "
        "AND read_at IS NULL GROUP BY enterprise_id",
        q.values,
    )
    return [
        Wanted(
            int(row["enterprise_id"]),
            "mail:unread",
            ReminderKind.MAIL,
            "unread_mail",
            f"您有{int(row['n'])}条未读消息，请及时查看。",
            None,
            "/enterprise/mailbox",
        )
        for row in rows
    ]


async def _passwords(now: datetime) -> list[Wanted]:
    rows = await Account.filter(
        kind=AccountKind.ENTERPRISE, password_changed_at__lt=now - PASSWORD_MAX_AGE
    ).only("id", "enterprise_id", "password_changed_at")
    return [
        Wanted(
            a.enterprise_id,  # type: ignore[attr-defined]
            f"password:{a.id}:{a.password_changed_at.date()}",
            ReminderKind.SYSTEM,
            "password_age",
            "您的登录密码已使用超过90天，为保障账号安全，建议尽快修改。",
            None,
            "/account/password",
        )
        for a in rows
    ]


async def generate_reminders(today: date | None = None) -> ReminderRun:
    """Bring the stored reminders in line with what the data calls for on ``today``."""
    today = today or local_today()
    now = datetime.combine(today, datetime.min.time(), LOCAL_TZ).astimezone(UTC)
    wanted = {
        (w.enterprise_id, w.source): w
        for w in [
            *await _qualifications(today),
            *await _licences(today),
            *await _e_licences(today),
            *await _annual_reports(today),
            *await _violations(today),
            *await _unread_mail(),
            *await _passwords(now),
        ]
    }
    created = updated = retired = kept = 0
    async with in_transaction(db.connection().connection_name):
        live = await Reminder.filter(retired_at__isnull=True)
        for reminder in live:
            key = (reminder.enterprise_id, reminder.source)  # type: ignore[attr-defined]
            want = wanted.pop(key, None)
            if want is None:
                reminder.retired_at = clock.now()
                await reminder.save(update_fields=["retired_at"])
                retired += 1
            elif reminder.text != want.text:
                reminder.text, reminder.read_at = want.text, None
                await reminder.save(update_fields=["text", "read_at"])
                updated += 1
            else:
                kept += 1
        # a fact that returns after retirement (mail read, then new mail) comes back to life
        revived = {
            (r.enterprise_id, r.source): r  # type: ignore[attr-defined]
            for r in await Reminder.filter(
                retired_at__isnull=False, source__in=[w.source for w in wanted.values()]
            )
        }
        fresh = []
        for key, want in wanted.items():
            old = revived.get(key)
            if old is not None:
                old.retired_at, old.read_at, old.text = None, None, want.text
                await old.save(update_fields=["retired_at", "read_at", "text"])
            else:
                fresh.append(
                    Reminder(
                        enterprise_id=want.enterprise_id,
                        kind=want.kind,
                        topic=want.topic,
                        source=want.source,
                        text=want.text,
                        due_on=want.due_on,
                        link=want.link,
                    )
                )
            created += 1
        await Reminder.bulk_create(fresh, batch_size=1000)
    return ReminderRun(created, updated, retired, kept)
