"""ENT-12: reminders are computed from the data by an idempotent job."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from servicehall.clock import local_today
from servicehall.demo.enterprises import DEMO_CREDIT_CODE
from servicehall.models import (
    Enterprise,
    Message,
    Qualification,
    Reminder,
    VehicleViolation,
    ViolationStatus,
)
from servicehall.resolvers.reminders import generate_reminders
from servicehall.settings import Settings
from tests.conftest import opened


async def _live(enterprise: Enterprise) -> dict[str, Reminder]:
    rows = await Reminder.filter(enterprise=enterprise, retired_at__isnull=True)
    return {r.topic + ":" + r.source: r for r in rows}


async def test_job_is_idempotent_and_follows_the_data(hall_settings: Settings) -> None:
    async with opened(hall_settings):
        today = local_today()
        enterprise = await Enterprise.get(credit_code=DEMO_CREDIT_CODE)
        # the demo load ran the job: a second run changes nothing
        again = await generate_reminders(today)
        assert (again.created, again.updated, again.retired) == (0, 0, 0) and again.kept > 0
        live = await _live(enterprise)
        topics = {r.topic for r in live.values()}
        assert {"qualification_expiring", "vehicle_violation", "unread_mail", "password_age"} <= (
            topics
        )

        # renewing the qualification retires its reminder; handling violations retires theirs
        expiring = await Qualification.get(enterprise=enterprise, name="食品生产许可证")
        assert expiring.valid_to is not None
        expiring.valid_to = expiring.valid_to.replace(year=expiring.valid_to.year + 5)
        await expiring.save()
        handled = await VehicleViolation.filter(
            enterprise=enterprise, status=ViolationStatus.UNHANDLED
        ).update(status=ViolationStatus.HANDLED)
        run = await generate_reminders(today)
        assert run.retired == 1 + handled and run.created == 0
        topics = {r.topic for r in (await _live(enterprise)).values()}
        assert "qualification_expiring" not in topics and "vehicle_violation" not in topics

        # reading every message retires the mail reminder; new mail brings it back, re-worded
        await Message.filter(enterprise=enterprise).update(read_at=datetime.now(UTC))
        assert (await generate_reminders(today)).retired == 1
        await Message.create(
            enterprise=enterprise,
            category="system",
            title="测试消息",
            body="正文",
            sender="测试",
            source="test:1",
        )
        revived = await generate_reminders(today)
        assert revived.created == 1
        mail = [r for r in (await _live(enterprise)).values() if r.topic == "unread_mail"]
        assert len(mail) == 1 and mail[0].text.startswith("您有1条未读消息") and not mail[0].read_at
        assert await Reminder.filter(enterprise=enterprise, topic="unread_mail").count() == 1


async def test_annual_report_window(hall_settings: Settings) -> None:
    """Between 1 January and 30 June an enterprise that has not reported last year is
    reminded; from July the reminder is retired (the enterprise is then in arrears)."""
    async with opened(hall_settings):
        this_year = local_today().year
        enterprise = await Enterprise.get(credit_code=DEMO_CREDIT_CODE)
        enterprise.last_annual_report_year = this_year - 2
        await enterprise.save()
        await generate_reminders(date(this_year, 3, 1))
        live = await _live(enterprise)
        report = [r for r in live.values() if r.topic == "annual_report"]
        assert len(report) == 1
        assert report[0].due_on == date(this_year, 6, 30)
        assert f"{this_year - 1}年度报告" in report[0].text
        await generate_reminders(date(this_year, 7, 1))
        assert "annual_report" not in {r.topic for r in (await _live(enterprise)).values()}

        enterprise.last_annual_report_year = this_year - 1
        await enterprise.save()
        await generate_reminders(date(this_year, 3, 1))
        assert "annual_report" not in {r.topic for r in (await _live(enterprise)).values()}


async def test_expired_licence_and_qualification_wording(hall_settings: Settings) -> None:
    async with opened(hall_settings):
        today = local_today()
        enterprise = await Enterprise.get(credit_code=DEMO_CREDIT_CODE)
        enterprise.licence_valid_to = today - timedelta(days=3)
        await enterprise.save()
        await generate_reminders(today)
        licence = [r for r in (await _live(enterprise)).values() if r.topic == "licence_expiring"]
        assert len(licence) == 1 and "已于" in licence[0].text and "届满" in licence[0].text
