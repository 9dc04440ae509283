"""E-mail against a real SMTP server (aiosmtpd in a thread), down to the received bytes."""

from __future__ import annotations

import asyncio
import email
import email.policy
import ipaddress
import logging
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from servicehall.notify.email import (
    DeliveryError,
    Email,
    LogTransport,
    SmtpConfig,
    SmtpTransport,
    StartTls,
    parse_smtp_url,
)
from tests.notify.smtp import PASSWORD, SENDER, USER, Server, free_port, smtp_server


def mail(n: int = 1, to: str = "zhangsan@example.cn", html: str | None = None) -> Email:
    return Email(f"{n:032x}", to, f"您的办件已受理（{n}）", f"您好，第 {n} 件已受理。", html)


def text_of(part: email.message.MIMEPart) -> str:
    """A text part's content as written: 8BITMIME carries it with the wire's CRLFs."""
    content: str = part.get_content()
    return content.replace("\r\n", "\n").removesuffix("\n")


@pytest.fixture
def server() -> Iterator[Server]:
    with smtp_server(auth_require_tls=False) as running:
        yield running


@dataclass
class Certificate:
    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1 and 127.0.0.2, trusted by ``client``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mx.example.cn")])
    start = datetime.now(UTC) - timedelta(minutes=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ("127.0.0.1", "127.0.0.2")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    return Certificate(server, ssl.create_default_context(cafile=cert_file))


# -- what arrives ----------------------------------------------------------------------------


async def test_message_arrives_with_encoded_chinese_headers_and_both_bodies(
    server: Server,
) -> None:
    sent = Email(
        "9f1c2e4a5b6d7e8f9f1c2e4a5b6d7e8f",
        "zhangsan@example.cn",
        "您的《食品经营许可证》申请已受理",
        "张三您好：\n您的申请已受理，受理编号 DM2024-0001。",
        "<p>张三您好：</p><p>您的申请已受理，受理编号 <b>DM2024-0001</b>。</p>",
    )
    async with server.transport().session() as session:
        await session.send(sent)

    [received] = server.handler.messages
    assert received.mail_from == "noreply@hall.example.cn"
    assert received.rcpt_tos == ["zhangsan@example.cn"]
    head = received.raw.split(b"\r\n\r\n", 1)[0]
    head.decode("ascii")  # every header is RFC 2047 encoded, nothing raw
    assert b"Subject: =?utf-8?" in head
    message = received.message
    assert message["Subject"] == sent.subject
    assert message["From"].addresses == (
        Address("斗门区网上办事大厅", addr_spec="noreply@hall.example.cn"),
    )
    assert message["To"].addresses == (Address(addr_spec="zhangsan@example.cn"),)
    assert message["Message-ID"] == "<9f1c2e4a5b6d7e8f9f1c2e4a5b6d7e8f@hall.example.cn>"
    assert abs(message["Date"].datetime - datetime.now(UTC)) < timedelta(minutes=1)
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content_charset() == html.get_content_charset() == "utf-8"
    assert text_of(plain) == sent.text
    assert text_of(html) == sent.html


async def test_text_only_message_is_a_single_part(server: Server) -> None:
    async with server.transport().session() as session:
        await session.send(mail())
    message = server.handler.messages[0].message
    assert message.get_content_type() == "text/plain"
    assert text_of(message) == mail().text


# -- one connection per burst ----------------------------------------------------------------


async def test_a_burst_shares_one_connection_and_ends_with_quit(server: Server) -> None:
    async with server.transport().session() as session:
        for n in range(10):
            await session.send(mail(n))
    assert len(server.handler.connections) == 1
    assert server.handler.quits == 1
    subjects = [received.message["Subject"] for received in server.handler.messages]
    assert subjects == [mail(n).subject for n in range(10)]


async def test_an_empty_burst_connects_to_nothing(server: Server) -> None:
    async with server.transport().session():
        pass
    # Nothing listens here: connecting would raise.
    async with SmtpTransport(SmtpConfig("127.0.0.1", free_port()), SENDER).session():
        pass
    assert server.handler.connections == []


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "permanent"),
    [("550 5.1.1 Mailbox unavailable", True), ("451 4.3.0 Try again later", False)],
)
async def test_a_refused_recipient_fails_alone(
    server: Server, answer: str, permanent: bool
) -> None:
    server.handler.refuse["nobody@example.cn"] = answer
    async with server.transport().session() as session:
        with pytest.raises(DeliveryError) as refused:
            await session.send(mail(1, to="nobody@example.cn"))
        await session.send(mail(2))
    assert refused.value.permanent is permanent
    assert refused.value.message == answer
    assert [received.rcpt_tos for received in server.handler.messages] == [["zhangsan@example.cn"]]
    assert len(server.handler.connections) == 1


@pytest.mark.parametrize(
    "to",
    ["zhangsan@example.cn\r\nBcc: all@example.cn", "zhangsan@example.cn, lisi@example.cn", ""],
)
async def test_a_malformed_address_is_a_permanent_failure_without_connecting(
    server: Server, to: str
) -> None:
    async with server.transport().session() as session:
        with pytest.raises(DeliveryError) as malformed:
            await session.send(mail(to=to))
    assert malformed.value.permanent
    assert server.handler.connections == []


async def test_nothing_listening_is_a_quick_temporary_failure() -> None:
    transport = SmtpTransport(SmtpConfig("127.0.0.1", free_port()), SENDER, timeout=1.0)
    started = time.monotonic()
    async with transport.session() as session:
        with pytest.raises(DeliveryError) as unreachable:
            await session.send(mail())
    assert not unreachable.value.permanent
    assert time.monotonic() - started < 1.0


# -- connections that die between messages ---------------------------------------------------


@pytest.mark.parametrize("noticed", [False, True], ids=["unnoticed", "noticed"])
async def test_a_connection_closed_by_the_server_is_replaced(server: Server, noticed: bool) -> None:
    async with server.transport().session() as session:
        await session.send(mail(1))
        server.hang_up()
        if noticed:  # the client saw the EOF before the next message
            await asyncio.sleep(0.1)
        await session.send(mail(2))
    assert len(server.handler.connections) == 2
    assert [r.message["Subject"] for r in server.handler.messages] == [
        mail(1).subject,
        mail(2).subject,
    ]


async def test_a_dead_connection_is_replaced_only_once(server: Server) -> None:
    async with server.transport().session() as session:
        await session.send(mail(1))
        server.handler.shutting_down = True
        with pytest.raises(DeliveryError) as shut:
            await session.send(mail(2))
        assert len(server.handler.connections) == 2  # the kept one and one retry
        with pytest.raises(DeliveryError):  # a new connection that fails is not retried
            await session.send(mail(3))
        assert len(server.handler.connections) == 3
        server.handler.shutting_down = False
        await session.send(mail(4))
    assert shut.value.message == "421 4.3.2 Service shutting down"
    assert not shut.value.permanent
    assert [r.message["Subject"] for r in server.handler.messages] == [
        mail(1).subject,
        mail(4).subject,
    ]


# -- login -----------------------------------------------------------------------------------


def url_of(server: Server, user: str, password: str) -> str:
    return f"smtp://{quote(user, safe='')}:{quote(password, safe='')}@{server.host}:{server.port}"


async def test_logs_in_with_the_urls_percent_decoded_credentials(server: Server) -> None:
    config = parse_smtp_url(url_of(server, USER, PASSWORD))
    async with SmtpTransport(config, SENDER, timeout=2.0).session() as session:
        await session.send(mail(1))
        await session.send(mail(2))
    assert server.handler.logins == [(USER, PASSWORD)]  # once per connection
    assert [received.user for received in server.handler.messages] == [USER, USER]


async def test_wrong_credentials_are_a_permanent_failure(server: Server) -> None:
    config = parse_smtp_url(url_of(server, USER, "wrong"))
    async with SmtpTransport(config, SENDER, timeout=2.0).session() as session:
        with pytest.raises(DeliveryError) as refused:
            await session.send(mail())
    assert refused.value.permanent
    assert refused.value.message.startswith("535 ")
    assert server.handler.messages == []


async def test_no_password_in_clear_to_a_host_that_is_not_this_machine() -> None:
    # 127.0.0.2 is a loopback address, but not one of the names the rule trusts.
    with smtp_server("127.0.0.2", auth_require_tls=False) as plain:
        transport = plain.transport(username=USER, password=PASSWORD)
        async with transport.session() as session:
            with pytest.raises(DeliveryError) as refused:
                await session.send(mail())
        assert not refused.value.permanent
        assert "STARTTLS" in refused.value.message
        assert plain.handler.logins == []
        assert plain.handler.messages == []


# -- TLS -------------------------------------------------------------------------------------


async def test_starttls_is_used_when_offered(certificate: Certificate) -> None:
    with smtp_server(tls_context=certificate.server) as offering:
        async with offering.transport(tls_context=certificate.client).session() as session:
            await session.send(mail())
        assert [received.tls for received in offering.handler.messages] == [True]


async def test_plain_text_when_starttls_is_not_offered(server: Server) -> None:
    async with server.transport().session() as session:
        await session.send(mail())
    assert [received.tls for received in server.handler.messages] == [False]


async def test_required_starttls_refuses_a_server_without_it(server: Server) -> None:
    async with server.transport(starttls=StartTls.REQUIRED).session() as session:
        with pytest.raises(DeliveryError) as refused:
            await session.send(mail())
    assert not refused.value.permanent
    assert "STARTTLS" in refused.value.message
    assert server.handler.messages == []


async def test_password_goes_over_starttls_to_a_remote_host(certificate: Certificate) -> None:
    with smtp_server("127.0.0.2", tls_context=certificate.server) as remote:
        transport = remote.transport(
            username=USER, password=PASSWORD, tls_context=certificate.client
        )
        async with transport.session() as session:
            await session.send(mail())
        assert remote.handler.logins == [(USER, PASSWORD)]
        [received] = remote.handler.messages
        assert (received.tls, received.user) == (True, USER)


async def test_implicit_tls(certificate: Certificate) -> None:
    with smtp_server(ssl_context=certificate.server) as smtps:
        transport = smtps.transport(implicit_tls=True, tls_context=certificate.client)
        async with transport.session() as session:
            await session.send(mail())
        assert [received.tls for received in smtps.handler.messages] == [True]


async def test_an_untrusted_certificate_is_a_temporary_failure(certificate: Certificate) -> None:
    with smtp_server(tls_context=certificate.server) as offering:
        async with offering.transport().session() as session:  # the system's CAs only
            with pytest.raises(DeliveryError) as untrusted:
                await session.send(mail())
        assert not untrusted.value.permanent
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted.value.message
        assert offering.handler.messages == []


# -- parse_smtp_url --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.cn", SmtpConfig("mail.example.cn", 25)),
        (
            "smtp://mail.example.cn:587?starttls=required",
            SmtpConfig("mail.example.cn", 587, starttls=StartTls.REQUIRED),
        ),
        (
            "smtp://Mail.Example.CN?starttls=opportunistic",
            SmtpConfig("mail.example.cn", 25, starttls=StartTls.OPPORTUNISTIC),
        ),
        (
            "smtps://hall%40example.cn:p%40ss%3Aw%2Frd%20%E5%AF%86%E7%A0%81@smtp.exmail.qq.com",
            SmtpConfig("smtp.exmail.qq.com", 465, USER, PASSWORD, True, StartTls.OFF),
        ),
        (
            "smtps://mail.example.cn:2465",
            SmtpConfig("mail.example.cn", 2465, None, None, True, StartTls.OFF),
        ),
        # credentials with opportunistic STARTTLS: the transport then insists on it
        ("smtp://u:secret@mail.example.cn:587", SmtpConfig("mail.example.cn", 587, "u", "secret")),
        (
            "smtp://relay@localhost?starttls=off",
            SmtpConfig("localhost", 25, "relay", None, starttls=StartTls.OFF),
        ),
        (
            "smtp://u:secret@127.0.0.1:2525?starttls=off",
            SmtpConfig("127.0.0.1", 2525, "u", "secret", starttls=StartTls.OFF),
        ),
        (
            "smtp://u:secret@[::1]?starttls=off",
            SmtpConfig("::1", 25, "u", "secret", starttls=StartTls.OFF),
        ),
    ],
)
def test_parse_smtp_url(url: str, expected: SmtpConfig) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://u:secret@mail.example.cn", "smtp:// or smtps://"),
        ("mail.example.cn", "smtp:// or smtps://"),
        ("smtp://", "host"),
        ("smtp://u:secret@:25", "host"),
        ("smtp://u:secret@mail.example.cn:abc", "port"),
        ("smtp://mail.example.cn:70000", "port"),
        ("smtp://mail.example.cn:0", "port"),
        ("smtp://mail.example.cn/outbox", "path"),
        ("smtp://:secret@mail.example.cn", "no user"),
        ("smtp://mail.example.cn?starttls=maybe", "'maybe'"),
        ("smtp://mail.example.cn?starttls", "''"),
        ("smtp://mail.example.cn?tls=1", "starttls"),
        ("smtps://mail.example.cn?starttls=required", "starttls"),
        ("smtp://u:secret@mail.example.cn?starttls=off", "in clear"),
        ("smtp://u@127.0.0.2?starttls=off", "in clear"),
    ],
)
def test_parse_smtp_url_refuses(url: str, complaint: str) -> None:
    with pytest.raises(ValueError, match="SERVICEHALL_SMTP_URL") as refused:
        parse_smtp_url(url)
    assert complaint in str(refused.value)
    assert "secret" not in str(refused.value)


def test_a_sender_without_a_domain_fails_at_start_up() -> None:
    with pytest.raises(ValueError, match="noreply@"):
        SmtpTransport(SmtpConfig("mail.example.cn", 25), "斗门区网上办事大厅 <noreply>")


# -- the log ---------------------------------------------------------------------------------


async def test_log_transport_logs_recipient_and_subject_but_not_the_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="servicehall.mail")
    sent = Email("5e0a1b", "zhangsan@example.cn", "您的验证码", "验证码 482913，5 分钟内有效。")
    async with LogTransport().session() as session:
        await session.send(sent)
    [record] = [r for r in caplog.records if r.name == "servicehall.mail"]
    assert record.levelno == logging.INFO
    logged = record.getMessage()
    assert "5e0a1b" in logged and "zhangsan@example.cn" in logged and "您的验证码" in logged
    assert "482913" not in logged
