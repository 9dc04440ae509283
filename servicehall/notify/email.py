"""Sending e-mail: one SMTP connection per burst of the outbox, or the log when no server is set.

The outbox worker opens a :meth:`MailTransport.session` for each batch it claimed and sends
every message of the batch through it, so a burst costs one connection, one TLS handshake
and one login instead of one per message. Every failure becomes a :class:`DeliveryError`
that says whether trying again later can help.
"""

from __future__ import annotations

import abc
import contextlib
import enum
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr
from urllib.parse import parse_qsl, unquote, urlsplit

import aiosmtplib

from servicehall.clock import now
from servicehall.errors import ServiceUnavailable

log = logging.getLogger("servicehall.mail")

_SETTING = "SERVICEHALL_SMTP_URL"
#: Hosts where a password may travel without TLS: it never leaves the machine.
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True, slots=True)
class Email:
    """One message for one recipient; ``message_id`` is the outbox row's id (hex)."""

    message_id: str
    to: str
    subject: str
    text: str
    #: An HTML alternative of ``text``, already escaped by the template engine.
    html: str | None = None


class DeliveryError(ServiceUnavailable):
    """Sending one e-mail failed. ``permanent`` is True for SMTP 5xx answers (the server
    refused this message or recipient) and for messages no server could take (a malformed
    address); False for everything worth retrying (connection refused/lost, timeouts, 4xx)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class StartTls(enum.Enum):
    """How an ``smtp://`` connection upgrades to TLS."""

    #: STARTTLS or no mail: a server that does not offer it gets nothing.
    REQUIRED = "required"
    #: STARTTLS when the server offers it, plain text otherwise (but never a password:
    #: see :func:`_start_tls`).
    OPPORTUNISTIC = "opportunistic"
    #: Plain text, for a relay on this machine or one that offers a broken STARTTLS.
    OFF = "off"


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to reach the SMTP server; see :func:`parse_smtp_url`."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    #: ``smtps://``: TLS from the first byte; ``starttls`` is then irrelevant.
    implicit_tls: bool = False
    starttls: StartTls = StartTls.OPPORTUNISTIC

    def __post_init__(self) -> None:
        # The one configuration that would send the password in clear over a network.
        if (
            self.username is not None
            and not self.implicit_tls
            and self.starttls is StartTls.OFF
            and self.host not in _LOCAL_HOSTS
        ):
            raise ValueError(
                f"{_SETTING}: with starttls=off the SMTP password would cross the network "
                f"to {self.host} in clear; use STARTTLS or smtps://"
            )


def parse_smtp_url(url: str) -> SmtpConfig:
    """Read ``smtp://[user[:password]@]host[:port][?starttls=required|opportunistic|off]``
    (port 25, STARTTLS when offered) or ``smtps://[user[:password]@]host[:port]`` (port 465).

    User and password are percent-decoded, so a password may hold ``@`` or ``:`` as
    ``%40`` and ``%3A``. Messages never quote the URL: it may contain the password.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"{_SETTING} must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError(f"{_SETTING} must name a host, as in smtp://mail.example.cn")
    try:
        port = parts.port
        if port == 0:
            raise ValueError
    except ValueError:
        raise ValueError(f"{_SETTING} has a port that is not a number from 1 to 65535") from None
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError(f"{_SETTING} must not have a path or a #fragment")
    if parts.password is not None and not parts.username:
        raise ValueError(f"{_SETTING} has a password but no user")
    starttls = StartTls.OFF if parts.scheme == "smtps" else StartTls.OPPORTUNISTIC
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name != "starttls" or parts.scheme == "smtps":
            raise ValueError(f"{_SETTING} knows only ?starttls=… and only for smtp://")
        try:
            starttls = StartTls(value)
        except ValueError:
            raise ValueError(
                f"{_SETTING}: starttls must be required, opportunistic or off, not {value!r}"
            ) from None
    return SmtpConfig(
        host=parts.hostname,
        port=port or (465 if parts.scheme == "smtps" else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        implicit_tls=parts.scheme == "smtps",
        starttls=starttls,
    )


def build_message(email: Email, sender: str) -> EmailMessage:
    """The MIME message of ``email`` from ``sender`` (``斗门区网上办事大厅 <noreply@…>``).

    The SMTP policy encodes the Chinese subject and display name as RFC 2047 words and
    the bodies as UTF-8; a server without 8BITMIME gets them in base64. The Message-ID
    is the outbox id under the sender's domain, the same on every attempt, so a
    mailbox can tell a retried message from a new one.
    """
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = sender
    message["To"] = email.to
    if len(message["To"].addresses) != 1:
        raise ValueError(f"an e-mail goes to one address, not {email.to!r}")
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now())
    message["Message-ID"] = f"<{email.message_id}@{_sender_domain(sender)}>"
    message.set_content(email.text)
    if email.html is not None:
        message.add_alternative(email.html, subtype="html")
    return message


def _sender_domain(sender: str) -> str:
    local, at, domain = parseaddr(sender)[1].rpartition("@")
    if not (local and at and domain):
        raise ValueError(f"the mail sender {sender!r} needs an address like noreply@example.cn")
    return domain


class MailSession(abc.ABC):
    """Messages sent one after the other (never concurrently) through one connection."""

    @abc.abstractmethod
    async def send(self, email: Email) -> None:
        """Hand ``email`` over; raise :class:`DeliveryError` when that fails."""


class MailTransport(abc.ABC):
    @abc.abstractmethod
    def session(self) -> contextlib.AbstractAsyncContextManager[MailSession]:
        """One connection for a burst of messages."""


class LogTransport(MailTransport, MailSession):
    """The default without an SMTP server (developers, ``make run``): each message is a line
    of the log. The body stays out of it, as it may carry a one-time code."""

    def session(self) -> contextlib.AbstractAsyncContextManager[MailSession]:
        # Nothing to connect to: the transport is its own session.
        return contextlib.nullcontext(self)

    async def send(self, email: Email) -> None:
        log.info("mail %s to %s: %s", email.message_id, email.to, email.subject)


class SmtpTransport(MailTransport):
    """Mail through an SMTP server with aiosmtplib.

    ``tls_context`` replaces the system's trusted CAs, for a server with a private CA;
    certificates are always verified, STARTTLS included.
    """

    def __init__(
        self,
        config: SmtpConfig,
        sender: str,
        *,
        timeout: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        _sender_domain(sender)  # a bad From fails at start-up, not on every message
        self._config = config
        self._sender = sender
        self._timeout = timeout
        self._tls_context = tls_context

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[MailSession]:
        """Connects on the first message, so a burst with nothing to send opens nothing, and
        says QUIT at the end; the messages are handed over by then, so a failing goodbye
        (a server that already hung up) is no error."""
        config = self._config
        smtp = aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.implicit_tls,
            start_tls=_start_tls(config),
            tls_context=self._tls_context,
            timeout=self._timeout,
        )
        try:
            yield _SmtpSession(smtp, self._sender)
        finally:
            try:
                if smtp.is_connected:
                    with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                        await smtp.quit()
            finally:
                smtp.close()


def _start_tls(config: SmtpConfig) -> bool | None:
    """aiosmtplib's ``start_tls``: True demands STARTTLS, None uses it when offered.

    With a password, opportunistic means required (except on this machine): a server or a
    man in the middle that does not offer STARTTLS would otherwise receive it in clear.
    """
    if config.implicit_tls or config.starttls is StartTls.OFF:
        return False
    if config.starttls is StartTls.REQUIRED or (
        config.username is not None and config.host not in _LOCAL_HOSTS
    ):
        return True
    return None


class _SmtpSession(MailSession):
    def __init__(self, smtp: aiosmtplib.SMTP, sender: str) -> None:
        self._smtp = smtp
        self._sender = sender

    async def send(self, email: Email) -> None:
        """Sends over the session's connection, opening (and logging in) when there is none.

        A message that fails because the connection kept since the previous one turned
        out dead (the server's idle timeout, a restart, a NAT that forgot it) gets one
        fresh connection. Should the server have taken the message just before the
        connection died, it arrives twice, with the same Message-ID.
        """
        try:
            message = build_message(email, self._sender)
            reused = self._smtp.is_connected
            try:
                await self._deliver(message)
            except (aiosmtplib.SMTPException, OSError):
                if not reused or self._smtp.is_connected:
                    raise
                await self._deliver(message)
        except (aiosmtplib.SMTPException, OSError) as error:
            raise _delivery_error(error) from error
        except ValueError as error:  # the headers' or aiosmtplib's address checks
            # After OSError: ssl.SSLCertVerificationError is both, and temporary.
            raise DeliveryError(f"邮件无法发送：{error}", permanent=True) from error

    async def _deliver(self, message: EmailMessage) -> None:
        if not self._smtp.is_connected:
            await self._smtp.connect()
        await self._smtp.send_message(message)


def _delivery_error(error: aiosmtplib.SMTPException | OSError) -> DeliveryError:
    """Server answers keep their code and text (``550 5.1.1 …``); 5xx is final, 4xx and
    lost connections are worth another try."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        refusals = error.recipients
        return DeliveryError(
            "; ".join(f"{refusal.code} {refusal.message}" for refusal in refusals),
            permanent=all(refusal.code >= 500 for refusal in refusals),
        )
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return DeliveryError(f"{error.code} {error.message}", permanent=error.code >= 500)
    if isinstance(error, aiosmtplib.SMTPNotSupported):  # a non-ASCII address, no SMTPUTF8
        return DeliveryError(f"邮件服务器无法投递：{error}", permanent=True)
    if isinstance(error, OSError):  # includes aiosmtplib's connect, disconnect and timeout
        return DeliveryError(f"邮件服务器连接失败：{error}", permanent=False)
    return DeliveryError(f"邮件服务器：{error}", permanent=False)
