"""Text messages through a gateway interface.

The default ``log`` driver writes each message to the server log (where a developer reads
the one-time code of a demo activation) and records in the audit table that a message of
that template went to a masked number; the text with its code never reaches the audit
table. The ``http`` driver posts messages to an SMS gateway's HTTP API.
"""

from __future__ import annotations

import abc
import logging

import httpx2

from servicehall.models import AuditEvent
from servicehall.notify.email import DeliveryError

log = logging.getLogger("servicehall.sms")


def mask_phone(phone: str) -> str:
    """``13912345678`` → ``139****5678``."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


class SmsGateway(abc.ABC):
    @abc.abstractmethod
    async def send(self, phone: str, text: str, *, template: str, message_id: str) -> None:
        """Send ``text`` (rendered from ``template``) to ``phone``; raise
        :class:`DeliveryError` when the gateway does not take it."""

    async def close(self) -> None:  # noqa: B027 - an optional hook, not abstract
        """Release connections (nothing to release by default)."""


class LogSmsGateway(SmsGateway):
    async def send(self, phone: str, text: str, *, template: str, message_id: str) -> None:
        log.info("SMS %s to %s [%s]: %s", message_id, phone, template, text)
        await AuditEvent.record(
            "sms.sent", actor="system", target=f"phone:{mask_phone(phone)}", template=template
        )


class HttpSmsGateway(SmsGateway):
    """POSTs ``{"id", "phone", "template", "text"}`` as JSON with the key as a bearer
    token. The id is the outbox message id: a gateway that keeps it can drop a duplicate
    of an at-least-once delivery. 2xx is accepted; 4xx is a permanent refusal (bad number,
    unknown signature), anything else is retried."""

    def __init__(
        self,
        url: str,
        key: str,
        *,
        timeout: float = 10.0,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self._url = url
        self._client = httpx2.AsyncClient(
            timeout=timeout,
            transport=transport,
            headers={"authorization": f"Bearer {key}"},
        )

    async def send(self, phone: str, text: str, *, template: str, message_id: str) -> None:
        try:
            response = await self._client.post(
                self._url,
                json={"id": message_id, "phone": phone, "template": template, "text": text},
            )
        except httpx2.HTTPError as error:
            raise DeliveryError(
                f"短信网关不可达：{type(error).__name__}", permanent=False
            ) from error
        if response.is_success:
            return
        reason = f"短信网关答复 {response.status_code}：{response.text[:200]}"
        permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        raise DeliveryError(reason, permanent=permanent)

    async def close(self) -> None:
        await self._client.aclose()
