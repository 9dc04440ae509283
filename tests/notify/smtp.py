"""A real SMTP server for tests: aiosmtpd in a thread, recording what arrives and able
to refuse recipients, log people in, hang up and shut down like a real one."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from servicehall.notify.email import SmtpConfig, SmtpTransport

SENDER = "斗门区网上办事大厅 <noreply@hall.example.cn>"
USER, PASSWORD = "hall@example.cn", "p@ss:w/rd 密码"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    tls: bool
    user: str | None

    @property
    def message(self) -> email.message.EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        return parsed


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what arrives and can refuse recipients or hang up."""

    messages: list[Received] = field(default_factory=list)
    #: The server side of each connection that said EHLO, in order.
    connections: list[SMTP] = field(default_factory=list)
    quits: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)
    #: Recipient → the answer to its RCPT.
    refuse: dict[str, str] = field(default_factory=dict)
    #: Answer MAIL with 421 and close the connection, as a server shutting down does.
    shutting_down: bool = False

    async def handle_EHLO(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: Any
    ) -> Any:
        if server not in self.connections:  # a second EHLO follows STARTTLS
            self.connections.append(server)
        session.host_name = hostname
        return responses

    async def handle_MAIL(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.shutting_down:
            assert server.transport is not None
            server.loop.call_soon(server.transport.close)  # after the answer is written
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        assert envelope.mail_from is not None and envelope.original_content is not None
        assert server.transport is not None
        login = getattr(session.auth_data, "login", None)  # set by AUTH
        self.messages.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content,
                tls=server.transport.get_extra_info("sslcontext") is not None,
                user=login.decode() if isinstance(login, bytes) else None,
            )
        )
        return "250 OK"

    async def handle_QUIT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.quits += 1
        return "221 Bye"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        self.logins.append((login, password))
        # handled=False: aiosmtpd answers a failure itself (535) instead of leaving it to us
        ok = (login, password) == (USER, PASSWORD)
        return AuthResult(success=ok, handled=False, auth_data=data)


@dataclass
class Server:
    handler: Recorder
    controller: Controller
    host: str
    port: int

    def transport(
        self, *, tls_context: ssl.SSLContext | None = None, **config: Any
    ) -> SmtpTransport:
        return SmtpTransport(
            SmtpConfig(self.host, self.port, **config),
            SENDER,
            timeout=2.0,
            tls_context=tls_context,
        )

    def hang_up(self) -> None:
        """Close the server's end of the latest connection, as its idle timeout would;
        return once it is closed."""
        closed = threading.Event()
        connection = self.handler.connections[-1]

        def close() -> None:
            assert connection.transport is not None
            connection.transport.close()
            self.controller.loop.call_soon(closed.set)

        self.controller.loop.call_soon_threadsafe(close)
        assert closed.wait(2)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_server(
    host: str = "127.0.0.1", port: int | None = None, **options: Any
) -> Iterator[Server]:
    handler = Recorder()
    port = port or free_port(host)
    controller = Controller(
        handler,
        hostname=host,
        port=port,
        server_hostname="mx.example.cn",
        authenticator=handler.authenticate,
        **options,
    )
    controller.start()
    try:
        yield Server(handler, controller, host, port)
    finally:
        controller.stop()
