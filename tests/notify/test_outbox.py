"""The outbox against a real SMTP server: nothing is lost while the server is down, each
message goes once (also with two halls delivering), a refusing server ends in ``dead``
after the last attempt, an expired one-time code is never sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from servicehall.models import OutboxChannel, OutboxMessage, OutboxState
from servicehall.notify.email import SmtpConfig, SmtpTransport, StartTls
from servicehall.notify.outbox import SCRUBBED, Outbox, Outgoing, enqueue, requeue
from servicehall.notify.sms import LogSmsGateway
from servicehall.settings import Settings
from tests.conftest import opened, running
from tests.notify.smtp import SENDER, Server, free_port, smtp_server


class Clock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
async def db(fresh_settings: Settings) -> AsyncIterator[Settings]:
    async with opened(fresh_settings):
        yield fresh_settings


def _mail(n: int, to: str = "zhangsan@example.cn") -> Outgoing:
    return Outgoing(
        OutboxChannel.EMAIL,
        "enterprise_digest",
        to,
        f"test:{n}",
        f"第{n}封邮件的正文。",
        f"【斗门区网上办事大厅】测试邮件{n}",
        f"<p>第{n}封邮件</p>",
    )


def _outbox(port: int, clock: Clock, *, attempts: int = 8) -> Outbox:
    transport = SmtpTransport(
        SmtpConfig("127.0.0.1", port, starttls=StartTls.OFF), SENDER, timeout=2.0
    )
    return Outbox(transport, LogSmsGateway(), max_attempts=attempts, clock=clock)


def _ids(server: Server) -> list[str]:
    return [r.message["Message-ID"].strip("<>").split("@")[0] for r in server.handler.messages]


async def test_a_server_down_then_up_gets_every_message_once(db: Settings) -> None:
    await enqueue([_mail(n) for n in range(5)])
    port, clock = free_port(), Clock()
    outbox = _outbox(port, clock)
    down = await outbox.deliver_due()
    assert (down.sent, down.retrying) == (0, 5)
    waiting = await OutboxMessage.all()
    assert {m.state for m in waiting} == {OutboxState.RETRYING}
    assert all(m.attempts == 1 and m.next_attempt_at > clock.at for m in waiting)
    assert "连接" in waiting[0].last_error
    assert (await outbox.deliver_due()).settled == 0  # not due yet: backoff

    clock.at += timedelta(minutes=2)  # past the first backoff (30 s ± 50 %)
    with smtp_server(port=port) as server:
        up = await outbox.deliver_due()
        assert (up.sent, up.retrying) == (5, 0)
        assert (await outbox.deliver_due()).settled == 0
    expected = {m.message_id for m in await OutboxMessage.all()}
    assert sorted(_ids(server)) == sorted(expected)  # each once, by id
    assert len(server.handler.connections) == 1  # one connection for the burst
    assert {m.state for m in await OutboxMessage.all()} == {OutboxState.SENT}


async def test_a_permanent_refusal_is_dead_after_the_last_attempt(db: Settings) -> None:
    clock = Clock()
    await enqueue([_mail(1, "nobody@example.cn"), _mail(2)], now=clock.at)
    with smtp_server() as server:
        server.handler.refuse["nobody@example.cn"] = "550 5.1.1 Mailbox unavailable"
        outbox = _outbox(server.port, clock, attempts=3)
        for _ in range(3):
            await outbox.deliver_due()
            clock.at += timedelta(hours=7)  # past any backoff
        assert (await outbox.deliver_due()).settled == 0  # dead messages are left alone
    refused = await OutboxMessage.get(recipient="nobody@example.cn")
    assert refused.state is OutboxState.DEAD and refused.attempts == 3
    assert refused.last_error.startswith("550")
    assert (await OutboxMessage.get(recipient="zhangsan@example.cn")).state is OutboxState.SENT
    assert len(server.handler.messages) == 1


async def test_backoff_grows_with_jitter() -> None:
    outbox = _outbox(1, Clock())
    first = [outbox.backoff(1).total_seconds() for _ in range(50)]
    assert all(15 <= s <= 45 for s in first) and len(set(first)) > 1
    assert 60 <= outbox.backoff(3).total_seconds() <= 180
    assert outbox.backoff(40) <= timedelta(hours=9)


async def test_a_worker_that_died_mid_send_is_replaced_after_its_lease(db: Settings) -> None:
    """At least once: the message is claimed again when the lease runs out, and goes out
    with the same Message-ID."""
    clock = Clock()
    await enqueue([_mail(1)], now=clock.at)
    with smtp_server() as server:
        outbox = _outbox(server.port, clock)
        claimed = await outbox._claim()  # a worker claims, then dies before sending
        assert len(claimed) == 1
        assert (await outbox.deliver_due()).settled == 0  # leased: nobody else takes it
        clock.at += timedelta(minutes=6)
        assert (await outbox.deliver_due()).sent == 1
    (message,) = await OutboxMessage.all()
    assert message.attempts == 2 and _ids(server) == [message.message_id]


async def test_an_expired_one_time_code_is_never_sent(db: Settings) -> None:
    clock = Clock()
    await enqueue(
        [
            Outgoing(
                OutboxChannel.SMS,
                "enterprise_activation",
                "13900001111",
                "activation:x",
                "【斗门区网上办事大厅】验证码123456",
                expires_at=clock.at + timedelta(minutes=10),
                sensitive=True,
            )
        ]
    )
    clock.at += timedelta(minutes=11)
    report = await _outbox(1, clock).deliver_due()
    assert report.expired == 1 and report.sent == 0
    (message,) = await OutboxMessage.all()
    assert message.state is OutboxState.EXPIRED and message.body == SCRUBBED


async def test_enqueueing_a_source_twice_writes_one_message(db: Settings) -> None:
    assert await enqueue([_mail(1), _mail(1)]) == 1
    assert await enqueue([_mail(1), _mail(2)]) == 1
    assert await OutboxMessage.all().count() == 2


async def test_two_halls_on_one_database_deliver_each_message_once(
    fresh_settings: Settings,
) -> None:
    """Two running halls (two replicas, on one Redis with PostgreSQL) with their schedulers
    on: every message arrives exactly once."""
    with smtp_server() as server:
        settings = fresh_settings.replace(
            scheduler=True, smtp_url=f"smtp://127.0.0.1:{server.port}?starttls=off"
        )
        async with opened(settings):
            await enqueue([_mail(n) for n in range(30)])
        async with running(settings) as first, running(settings) as second:
            first.runtime.notifier.kick()
            second.runtime.notifier.kick()
            for _ in range(100):
                if len(server.handler.messages) >= 30:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)  # time for a duplicate to show up, if there were one
        async with opened(settings):
            expected = sorted(m.message_id for m in await OutboxMessage.all())
    assert sorted(_ids(server)) == expected


async def test_a_retry_moves_only_a_dead_or_waiting_message(db: Settings) -> None:
    """The administrator's retry is one guarded UPDATE: a message a worker claimed
    meanwhile (sending) stays as it is; a dead one is queued again with a fresh count."""
    clock = Clock()
    await enqueue([_mail(1)], now=clock.at)
    report = await _outbox(free_port(), clock, attempts=1).deliver_due()  # nobody listens
    assert report.dead == 1
    (message,) = await OutboxMessage.all()
    await OutboxMessage.filter(id=message.id).update(state=OutboxState.SENDING)
    assert await requeue(message.id, now=clock.at) is False
    assert (await OutboxMessage.get(id=message.id)).state is OutboxState.SENDING
    await OutboxMessage.filter(id=message.id).update(state=OutboxState.DEAD)
    assert await requeue(message.id, now=clock.at) is True
    again = await OutboxMessage.get(id=message.id)
    assert (again.state, again.attempts, again.last_error) == (OutboxState.QUEUED, 0, "")
    assert again.next_attempt_at == clock.at
