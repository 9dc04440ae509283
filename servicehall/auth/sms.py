"""Text messages through a gateway interface.

The default ``log`` driver writes the message to the server log (where a developer reads
the one-time code of a demo activation) and records in the audit table that a message of
that template went to a masked number; the message text with its code never reaches the
audit table. A real gateway driver plugs in behind the same interface.
"""

from __future__ import annotations

import abc
import logging

from servicehall.models import AuditEvent

log = logging.getLogger("servicehall.sms")


def mask_phone(phone: str) -> str:
    """``13912345678`` → ``139****5678``."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


class SmsGateway(abc.ABC):
    @abc.abstractmethod
    async def send(self, phone: str, template: str, text: str) -> None:
        """Send ``text`` (rendered from ``template``) to ``phone``."""


class LogSmsGateway(SmsGateway):
    async def send(self, phone: str, template: str, text: str) -> None:
        log.info("SMS to %s [%s]: %s", phone, template, text)
        await AuditEvent.record(
            "sms.sent", actor="system", target=f"phone:{mask_phone(phone)}", template=template
        )
