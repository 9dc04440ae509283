"""The notifier: one per app, holding its mail transport, its SMS gateway and its outbox."""

from __future__ import annotations

import asyncio

from servicehall.notify.email import LogTransport, MailTransport, SmtpTransport, parse_smtp_url
from servicehall.notify.outbox import Outbox
from servicehall.notify.sms import HttpSmsGateway, LogSmsGateway, SmsGateway
from servicehall.settings import Settings, SettingsError


def mail_transport(settings: Settings) -> MailTransport:
    """The mail transport of ``SERVICEHALL_SMTP_URL``: parsed here, where it is used, when
    the app is built; a bad URL stops the start-up with a :class:`SettingsError`."""
    if settings.smtp_url is None:
        return LogTransport()
    try:
        config = parse_smtp_url(settings.smtp_url)
    except ValueError as error:
        raise SettingsError(str(error)) from None
    return SmtpTransport(config, settings.mail_sender)


def sms_gateway(settings: Settings) -> SmsGateway:
    if settings.sms_driver == "http":
        # Settings refuse the http driver without both.
        assert settings.sms_url is not None
        assert settings.sms_key is not None
        return HttpSmsGateway(settings.sms_url, settings.sms_key)
    return LogSmsGateway()


class Notifier:
    def __init__(
        self,
        settings: Settings,
        *,
        mail: MailTransport | None = None,
        sms: SmsGateway | None = None,
    ) -> None:
        self.settings = settings
        self.outbox = Outbox(
            mail or mail_transport(settings),
            sms or sms_gateway(settings),
            max_attempts=settings.outbox_max_attempts,
        )
        self._wake = asyncio.Event()

    def kick(self) -> None:
        """Something was queued that should not wait for the next round (a one-time code)."""
        self._wake.set()

    async def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when :meth:`kick` cut it short.

        ``asyncio.timeout``, not ``wait_for``: on Python 3.11 ``wait_for`` swallows a
        cancellation that arrives in the same loop turn as the wake-up, and the scheduler
        then never stopped at shutdown.
        """
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            return False
        finally:
            self._wake.clear()
        return True

    async def close(self) -> None:
        await self.outbox.sms.close()
