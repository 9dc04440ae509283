"""The outbox: messages are written with the change that caused them, then delivered.

:func:`enqueue` runs in the caller's transaction. In-app messages are delivered right
there (the mailbox row is written in the same transaction, so that delivery cannot fail
apart from the change) and recorded as sent. E-mail and text messages wait for
:class:`Outbox.deliver_due`, which any number of workers may run at once:

1. *claim*: one UPDATE … RETURNING moves due messages to ``sending`` with a lease and
   counts the attempt (PostgreSQL skips rows another worker holds; SQLite serialises
   writers). A worker that dies leaves its lease to run out and the message is claimed
   again: delivery is at least once, and the message id makes a duplicate recognisable.
2. *send*: e-mail goes out over one SMTP connection per batch, texts one by one.
3. *settle*: sent, or ``retrying`` after an exponential backoff with jitter, or ``dead``
   after the last attempt; a message past its ``expires_at`` is not sent at all. The body
   of a sensitive message (a one-time code) is blanked once it is settled.

An administrator may :func:`requeue` a dead or waiting message. Each of these moves is one
UPDATE guarded by the state it leaves (and, settling, by the claim's attempt), so a move
that lost a race changes nothing; there is no table of moves and no history rows (a queue
this hot would double its writes; see the README's design notes).
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from servicehall import clock, db
from servicehall.models import Message, OutboxChannel, OutboxMessage, OutboxState
from servicehall.notify.email import DeliveryError, Email, MailTransport
from servicehall.notify.sms import SmsGateway

log = logging.getLogger("servicehall.outbox")

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=6)
LEASE = timedelta(minutes=5)
BATCH = 50
SCRUBBED = "（内容已删除）"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to write to the outbox."""

    channel: OutboxChannel
    kind: str
    recipient: str
    #: What caused it for whom; the same source is written once.
    source: str
    body: str
    subject: str = ""
    html: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None
    sensitive: bool = False


def in_app(
    *,
    kind: str,
    source: str,
    title: str,
    body: str,
    category: str,
    sender: str,
    link: str = "",
    enterprise_id: int | None = None,
    account_id: int | None = None,
) -> Outgoing:
    """An in-app message for an enterprise's mailbox or an account's inbox."""
    if (enterprise_id is None) == (account_id is None):
        raise ValueError("an in-app message goes to exactly one enterprise or account")
    recipient = f"enterprise:{enterprise_id}" if enterprise_id else f"account:{account_id}"
    payload = {
        "enterprise_id": enterprise_id,
        "account_id": account_id,
        "category": category,
        "sender": sender,
        "link": link,
    }
    return Outgoing(OutboxChannel.IN_APP, kind, recipient, source, body, title, None, payload)


async def enqueue(messages: Sequence[Outgoing], *, now: datetime | None = None) -> int:
    """Write ``messages`` in the current transaction (sources already written are
    skipped); returns how many are new. In-app messages reach their mailbox here."""
    now = now or clock.now()
    fresh: dict[str, Outgoing] = {}
    for start in range(0, len(messages), 500):
        part = messages[start : start + 500]
        known = {
            str(source)
            for source in await OutboxMessage.filter(
                source__in=[m.source for m in part]
            ).values_list("source", flat=True)
        }
        fresh.update((m.source, m) for m in part if m.source not in known)
    rows = [
        OutboxMessage(
            message_id=uuid.uuid4().hex,
            source=m.source,
            channel=m.channel,
            kind=m.kind,
            recipient=m.recipient,
            subject=m.subject,
            body=m.body,
            html=m.html,
            payload=m.payload,
            state=OutboxState.SENT if m.channel is OutboxChannel.IN_APP else OutboxState.QUEUED,
            next_attempt_at=now,
            expires_at=m.expires_at,
            sensitive=m.sensitive,
            sent_at=now if m.channel is OutboxChannel.IN_APP else None,
            attempts=1 if m.channel is OutboxChannel.IN_APP else 0,
        )
        for m in fresh.values()
    ]
    await OutboxMessage.bulk_create(rows, batch_size=500)
    await Message.bulk_create(
        [
            Message(
                enterprise_id=m.payload["enterprise_id"],
                account_id=m.payload["account_id"],
                category=m.payload["category"],
                title=m.subject,
                body=m.body,
                sender=m.payload["sender"],
                link=m.payload["link"],
                source=m.source,
            )
            for m in fresh.values()
            if m.channel is OutboxChannel.IN_APP
        ],
        batch_size=500,
    )
    return len(rows)


#: The states an administrator may send a message again from (``retry_message``).
RETRYABLE = (OutboxState.DEAD, OutboxState.RETRYING)


async def requeue(message_id: int, *, now: datetime | None = None) -> bool:
    """Queue a dead (or waiting) message again now with a fresh count of attempts; False
    when it is in no such state any more (a worker claimed it meanwhile)."""
    moved = await OutboxMessage.filter(id=message_id, state__in=RETRYABLE).update(
        state=OutboxState.QUEUED,
        attempts=0,
        next_attempt_at=now or clock.now(),
        last_error="",
    )
    return moved == 1


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    expired: int = 0

    @property
    def settled(self) -> int:
        return self.sent + self.retrying + self.dead + self.expired


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    message_id: str
    channel: OutboxChannel
    kind: str
    recipient: str
    subject: str
    body: str
    html: str | None
    attempts: int
    expires_at: datetime | None
    sensitive: bool


class Outbox:
    """Delivers due e-mail and text messages; safe to run in several workers at once."""

    def __init__(
        self,
        mail: MailTransport,
        sms: SmsGateway,
        *,
        max_attempts: int,
        clock: Callable[[], datetime] = clock.now,
        rng: random.Random | None = None,
    ) -> None:
        self.mail = mail
        self.sms = sms
        self.max_attempts = max_attempts
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret

    async def deliver_due(self, *, rounds: int = 20) -> DeliveryReport:
        """Claim and deliver due messages, batch after batch, until none is due (or
        ``rounds`` batches went, so one busy worker yields to its other duties)."""
        report = DeliveryReport()
        for _ in range(rounds):
            claimed = await self._claim()
            if not claimed:
                break
            await self._deliver(claimed, report)
        return report

    async def _claim(self) -> list[_Claimed]:
        now = self._clock()
        dialect = db.dialect()
        q = db.Sql(dialect)
        due = (
            f"(state IN ({q.bind(OutboxState.QUEUED.value)}, {q.bind(OutboxState.RETRYING.value)}) "
            f"AND next_attempt_at <= {q.bind(db.timestamp(now))}) "
            f"OR (state = {q.bind(OutboxState.SENDING.value)} "
            f"AND lease_until < {q.bind(db.timestamp(now))})"
        )
        lock = db.skip_locked(dialect)
        rows = await db.fetch(
            f"UPDATE outbox_message SET state = {q.bind(OutboxState.SENDING.value)}, "
            f"lease_until = {q.bind(db.timestamp(now + LEASE))}, attempts = attempts + 1 "
            f"WHERE id IN (SELECT id FROM outbox_message WHERE {due} "
            f"ORDER BY id LIMIT {q.bind(BATCH)}{lock}) "
            "RETURNING id, message_id, channel, kind, recipient, subject, body, html, "
            "attempts, expires_at, sensitive",
            q.values,
        )
        return sorted(
            (
                _Claimed(
                    id=int(r["id"]),
                    message_id=r["message_id"],
                    channel=OutboxChannel(r["channel"]),
                    kind=r["kind"],
                    recipient=r["recipient"],
                    subject=r["subject"],
                    body=r["body"],
                    html=r["html"],
                    attempts=int(r["attempts"]),
                    expires_at=db.as_datetime(r["expires_at"]),
                    sensitive=bool(r["sensitive"]),
                )
                for r in rows
            ),
            key=lambda c: c.id,
        )

    async def _deliver(self, claimed: list[_Claimed], report: DeliveryReport) -> None:
        now = self._clock()
        live = []
        for message in claimed:
            if message.expires_at is not None and message.expires_at <= now:
                await self._settle(message, OutboxState.EXPIRED, "未在有效期内发出", report)
            else:
                live.append(message)
        mails = [m for m in live if m.channel is OutboxChannel.EMAIL]
        if mails:
            async with self.mail.session() as session:
                for message in mails:
                    await self._attempt(
                        message,
                        session.send(
                            Email(
                                message.message_id,
                                message.recipient,
                                message.subject,
                                message.body,
                                message.html,
                            )
                        ),
                        report,
                    )
        for message in live:
            if message.channel is OutboxChannel.SMS:
                await self._attempt(
                    message,
                    self.sms.send(
                        message.recipient,
                        message.body,
                        template=message.kind,
                        message_id=message.message_id,
                    ),
                    report,
                )

    async def _attempt(self, message: _Claimed, sending: Any, report: DeliveryReport) -> None:
        try:
            await sending
        except DeliveryError as error:
            final = message.attempts >= self.max_attempts
            log.warning(
                "%s %s to %s failed (attempt %d%s): %s",
                message.channel.value,
                message.message_id,
                message.recipient,
                message.attempts,
                ", giving up" if final else "",
                error.message,
            )
            state = OutboxState.DEAD if final else OutboxState.RETRYING
            await self._settle(message, state, error.message, report)
        else:
            await self._settle(message, OutboxState.SENT, "", report)

    def backoff(self, attempts: int) -> timedelta:
        """Exponential from 30 s, capped at 6 h, with ±50 % jitter so retries of a burst
        do not arrive together."""
        base = min(BACKOFF_CAP, BACKOFF_BASE * (1 << min(max(attempts - 1, 0), 20)))
        return base * self._rng.uniform(0.5, 1.5)

    async def _settle(
        self, message: _Claimed, state: OutboxState, error: str, report: DeliveryReport
    ) -> None:
        now = self._clock()
        values: dict[str, Any] = {"state": state, "lease_until": None, "last_error": error[:512]}
        if state is OutboxState.SENT:
            values["sent_at"] = now
        if state is OutboxState.RETRYING:
            values["next_attempt_at"] = now + self.backoff(message.attempts)
        if message.sensitive and state is not OutboxState.RETRYING:
            values["body"] = SCRUBBED
        # Only while this worker still holds the claim: a lease that ran out belongs to
        # whoever claimed the message again.
        await OutboxMessage.filter(
            id=message.id, state=OutboxState.SENDING, attempts=message.attempts
        ).update(**values)
        setattr(report, state.value, getattr(report, state.value) + 1)
