"""Typed, validated settings, read from ``SERVICEHALL_*`` environment variables at the edge.

Nothing below this module reads the environment: ``create_app(settings)`` receives a frozen
:class:`Settings`, so tests build as many differently configured apps as they like.

A leaf: this module imports nothing from the hall (a test checks it), so every layer may
import it. Checks that need a layer's code (the SMTP URL, the holidays file) run where the
value is used, when the app is built (``notify/service.py``, ``workdays.py``); layers that
need only a few knobs take the small value types below (:class:`QueryLimits`,
:class:`CaseLookupLimits`) instead of the whole :class:`Settings`.

Example:
    >>> s = Settings.from_env({"SERVICEHALL_ENV": "prod", "SERVICEHALL_DATABASE_URL": "postgres://h/db"})
    >>> s.is_prod, s.graphiql
    (True, False)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

Env = Literal["dev", "prod"]

DEFAULT_DATABASE_URL = "sqlite://servicehall.sqlite3"
_DB_SCHEMES = ("sqlite", "postgres", "postgresql", "asyncpg")
_REDIS_SCHEMES = ("redis", "rediss", "unix")
PREFIX = "SERVICEHALL_"


def positive(default: int) -> int:
    """A setting that must be at least 1 (checked when :class:`Settings` is built)."""
    return field(default=default, metadata={"at_least": 1})


def not_negative(default: int) -> int:
    """A setting that may be 0 but not less."""
    return field(default=default, metadata={"at_least": 0})


class SettingsError(ValueError):
    """A setting has a value the hall cannot run with; the message names the variable."""


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """What the GraphQL layer needs to know to bound an operation (F1, F2, F4, F15)."""

    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4000
    introspection_enabled: bool = True
    document_cache_size: int = 1024
    document_cache_bytes: int = 16 * 1024 * 1024
    max_response_bytes: int = 4 * 1024 * 1024
    max_cost_anonymous: int = 10_000
    max_cost_signed_in: int = 50_000
    max_cost_machine: int = 200_000


@dataclass(frozen=True, slots=True)
class CaseLookupLimits:
    """Public progress lookups (CASE-1) per minute from one IP and from one kiosk device."""

    per_ip: int = 20
    per_device: int = 120


@dataclass(frozen=True, slots=True)
class Settings:
    """Every knob of the hall. Field ``foo_bar`` is read from ``SERVICEHALL_FOO_BAR``."""

    env: Env = "dev"
    database_url: str = DEFAULT_DATABASE_URL
    #: ``None`` selects the in-process cache / pub-sub backend.
    redis_url: str | None = None
    log_level: str = "INFO"
    #: Browser origins allowed to call ``/graphql`` (comma separated in the environment).
    cors_origins: tuple[str, ...] = ()
    #: GraphiQL at ``GET /graphql``; defaults to on in ``dev`` and off in ``prod``.
    graphiql: bool | None = None
    #: Schema introspection; defaults to on in ``dev`` and off in ``prod``.
    introspection: bool | None = None
    max_query_depth: int = positive(12)
    max_aliases: int = positive(30)
    max_tokens: int = positive(4000)
    max_body_bytes: int = positive(256 * 1024)
    #: Request body limit for department systems (machine clients) pushing feed batches:
    #: a full batch of 2000 records is about 600 KiB of JSON.
    feed_max_body_bytes: int = positive(4 * 1024 * 1024)
    #: Distinct operation texts kept parsed and validated per process, and the bytes they
    #: may take (estimated per entry from its length and tokens) (F15).
    document_cache_size: int = positive(1024)
    document_cache_bytes: int = positive(16 * 1024 * 1024)
    #: The most one operation may cost (``schema/cost.py``: 1 per field, lists multiply),
    #: by who asks (F2): anonymous callers and kiosks, people and staff signed in, and
    #: machine clients (department systems, the federation router's own calls).
    max_cost_anonymous: int = positive(10_000)
    max_cost_signed_in: int = positive(50_000)
    max_cost_machine: int = positive(200_000)
    #: Second line behind the cost limit: seconds an operation may run before it is
    #: cancelled, and the largest answer sent (F2).
    execution_timeout: float = 10.0
    max_response_bytes: int = positive(4 * 1024 * 1024)
    #: Seconds a public response stays in the response cache (0 disables it), and the
    #: largest answer stored there (F4).
    response_cache_ttl: int = not_negative(300)
    response_cache_max_bytes: int = positive(256 * 1024)
    #: Seconds an automatic persisted query (APQ) text is kept: registered by someone
    #: signed in, and anonymously (F4).
    persisted_query_ttl: int = not_negative(7 * 24 * 3600)
    persisted_query_anonymous_ttl: int = not_negative(24 * 3600)
    #: The longest APQ text stored, and APQ registrations per minute from one IP (F4).
    persisted_query_max_bytes: int = positive(32 * 1024)
    persisted_queries_per_ip: int = positive(30)
    #: Pool size per process for PostgreSQL.
    database_pool_size: int = positive(10)
    #: Key prefix in Redis, so several halls (or test runs) can share one server.
    cache_prefix: str = "servicehall:"
    #: Milliseconds Redis gets to connect and to answer each command (a hung Redis must
    #: not stall every request); also the wait for a free pooled connection.
    redis_timeout_ms: int = positive(500)
    #: Consecutive Redis failures that open the circuit breaker, and the seconds it stays
    #: open (calls fail at once) before one probe call is let through.
    redis_breaker_failures: int = positive(3)
    redis_breaker_cooldown: int = positive(5)
    #: Seconds a token's revocation answer read from the database is reused in-process
    #: while Redis is unavailable.
    revocation_cache_seconds: int = positive(5)
    #: The hall's external base URL: the OpenID Connect issuer and the base of its links.
    public_url: str = "http://127.0.0.1:8000"
    #: Encrypts signing keys and upstream client secrets at rest; required in prod.
    secret_key: str | None = None
    #: Lifetimes in seconds.
    access_token_ttl: int = positive(600)
    refresh_token_ttl: int = positive(7 * 24 * 3600)
    session_idle_ttl: int = positive(30 * 60)
    session_max_ttl: int = positive(12 * 3600)
    #: argon2id cost (RFC 9106 second recommendation: t=3, 64 MiB).
    argon2_time_cost: int = positive(3)
    argon2_memory_kib: int = positive(65536)
    argon2_parallelism: int = positive(4)
    #: Outgoing mail: ``smtp://[user:password@]host[:port]`` (STARTTLS when offered;
    #: ``?starttls=required|off``) or ``smtps://``. Unset: mail is written to the log.
    smtp_url: str | None = None
    #: Where people use the hall (the web front end): the base of links in e-mail.
    #: Defaults to the public URL.
    portal_url: str | None = None
    #: The From of the hall's mail; defaults to 斗门区网上办事大厅 <noreply@public host>.
    mail_from: str | None = None
    #: Text messages: ``log`` writes them to the server log, ``http`` posts them to
    #: ``sms_url`` with ``sms_key`` as bearer token.
    sms_driver: str = "log"
    sms_url: str | None = None
    sms_key: str | None = None
    #: A JSON file of holidays and make-up working days (the format of the bundled
    #: ``servicehall/data/holidays.json``) whose years replace the bundled ones: load a
    #: year's announcement without a release.
    holidays_file: str | None = None
    #: Public progress lookups (CASE-1) per minute from one IP, and from one kiosk device
    #: (a device serves many residents).
    case_lookups_per_ip: int = positive(20)
    case_lookups_per_device: int = positive(120)
    #: Refusals of private data and failed secret checks written to the audit log per
    #: minute for one actor and address (F16); past it one ``audit.suppressed`` event.
    audit_refusals_per_minute: int = positive(30)
    #: Kiosk mode (STA-4): seconds without a touch before a terminal wipes everything
    #: entered and shown and returns home (a countdown shows before).
    kiosk_idle_seconds: int = 90
    #: Requests per minute one kiosk device may send to ``/kiosk/graphql``.
    kiosk_requests_per_device: int = positive(300)
    #: The kiosk process (``servicehall kiosk``): the hall it calls, e.g.
    #: ``https://zwfw.doumen.gov.cn`` (unset: a hall inside the kiosk process, on this
    #: process's database), and its device's client credentials (``servicehall
    #: kiosk-devices add`` prints them once). They live with the kiosk process only.
    kiosk_hall_url: str | None = None
    kiosk_client_id: str | None = None
    kiosk_client_secret: str | None = None
    #: The kiosk process: the CJK TrueType file embedded in printed guides (unset: the
    #: machine's WenQuanYi Micro Hei, see ``kiosk/printable.py``).
    kiosk_pdf_font: str | None = None
    #: Delivery attempts before the outbox gives a message up (state ``dead``).
    outbox_max_attempts: int = positive(8)
    #: Run the outbox worker and the periodic jobs in the app (every replica takes part;
    #: claims and locks make each message go once and each job run once per period).
    scheduler: bool = True

    def __post_init__(self) -> None:
        if self.env not in get_args(Env):
            raise SettingsError(f"SERVICEHALL_ENV must be 'dev' or 'prod', not {self.env!r}")
        scheme = urlsplit(self.database_url).scheme
        if scheme not in _DB_SCHEMES:
            raise SettingsError(
                f"SERVICEHALL_DATABASE_URL must start with one of {', '.join(_DB_SCHEMES)}://, "
                f"not {self.database_url!r}"
            )
        if self.redis_url is not None and urlsplit(self.redis_url).scheme not in _REDIS_SCHEMES:
            raise SettingsError(
                f"SERVICEHALL_REDIS_URL must be a redis://, rediss:// or unix:// URL, "
                f"not {self.redis_url!r}"
            )
        for spec in fields(self):
            low = spec.metadata.get("at_least")
            if low is not None and getattr(self, spec.name) < low:
                rule = "must not be negative" if low == 0 else f"must be at least {low}"
                raise SettingsError(
                    f"{_env_name(spec.name)} {rule}, not {getattr(self, spec.name)}"
                )
        if not 0 < self.execution_timeout <= 600:
            raise SettingsError(
                "SERVICEHALL_EXECUTION_TIMEOUT must be above 0 and at most 600 seconds, "
                f"not {self.execution_timeout}"
            )
        for origin in self.cors_origins:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
                raise SettingsError(
                    f"SERVICEHALL_CORS_ORIGINS entries must look like https://host[:port], "
                    f"not {origin!r}"
                )
        if self.is_prod and self.database_url.startswith("sqlite://:memory:"):
            raise SettingsError(
                "SERVICEHALL_DATABASE_URL: an in-memory database loses data in prod"
            )
        url = urlsplit(self.public_url)
        if url.scheme not in ("http", "https") or not url.netloc or url.path not in ("", "/"):
            raise SettingsError(
                "SERVICEHALL_PUBLIC_URL must look like https://host[:port], "
                f"not {self.public_url!r}"
            )
        if self.is_prod and url.scheme != "https":
            raise SettingsError("SERVICEHALL_PUBLIC_URL must be https:// in prod")
        if self.is_prod and (self.secret_key is None or len(self.secret_key) < 32):
            raise SettingsError(
                "SERVICEHALL_SECRET_KEY of at least 32 characters is required in prod"
            )
        self._check_kiosk()
        self._check_messaging()

    def _check_kiosk(self) -> None:
        if not 3 <= self.kiosk_idle_seconds <= 3600:
            raise SettingsError(
                "SERVICEHALL_KIOSK_IDLE_SECONDS must be between 3 and 3600, "
                f"not {self.kiosk_idle_seconds}"
            )
        if self.kiosk_hall_url is not None:
            url = urlsplit(self.kiosk_hall_url)
            if url.scheme not in ("http", "https") or not url.netloc or url.query:
                raise SettingsError(
                    "SERVICEHALL_KIOSK_HALL_URL must look like https://host[:port][/path], "
                    f"not {self.kiosk_hall_url!r}"
                )
            loopback = url.hostname in ("127.0.0.1", "localhost", "::1")
            if self.is_prod and url.scheme != "https" and not loopback:
                raise SettingsError("SERVICEHALL_KIOSK_HALL_URL must be https:// in prod")
        if (self.kiosk_client_id is None) != (self.kiosk_client_secret is None):
            raise SettingsError(
                "SERVICEHALL_KIOSK_CLIENT_ID and SERVICEHALL_KIOSK_CLIENT_SECRET go together"
            )

    def _check_messaging(self) -> None:
        # The SMTP URL is parsed (and refused) by ``notify/service.py`` when the app is built.
        if self.sms_driver not in ("log", "http"):
            raise SettingsError(
                f"SERVICEHALL_SMS_DRIVER must be 'log' or 'http', not {self.sms_driver!r}"
            )
        if self.sms_driver == "http":
            url = urlsplit(self.sms_url or "")
            if url.scheme not in ("http", "https") or not url.netloc or not self.sms_key:
                raise SettingsError(
                    "SERVICEHALL_SMS_DRIVER=http needs SERVICEHALL_SMS_URL (http[s]://…) "
                    "and SERVICEHALL_SMS_KEY"
                )
            if self.is_prod and url.scheme != "https":
                raise SettingsError("SERVICEHALL_SMS_URL must be https:// in prod")

    @property
    def portal_base(self) -> str:
        return (self.portal_url or self.public_url).rstrip("/")

    @property
    def mail_sender(self) -> str:
        if self.mail_from:
            return self.mail_from
        host = urlsplit(self.public_url).hostname or "localhost"
        domain = "localhost" if host.replace(".", "").isdigit() or ":" in host else host
        return f"斗门区网上办事大厅 <noreply@{domain}>"

    @property
    def is_prod(self) -> bool:
        return self.env == "prod"

    @property
    def graphiql_enabled(self) -> bool:
        return (not self.is_prod) if self.graphiql is None else self.graphiql

    @property
    def introspection_enabled(self) -> bool:
        return (not self.is_prod) if self.introspection is None else self.introspection

    @property
    def query_limits(self) -> QueryLimits:
        return QueryLimits(
            max_query_depth=self.max_query_depth,
            max_aliases=self.max_aliases,
            max_tokens=self.max_tokens,
            introspection_enabled=self.introspection_enabled,
            document_cache_size=self.document_cache_size,
            document_cache_bytes=self.document_cache_bytes,
            max_response_bytes=self.max_response_bytes,
            max_cost_anonymous=self.max_cost_anonymous,
            max_cost_signed_in=self.max_cost_signed_in,
            max_cost_machine=self.max_cost_machine,
        )

    @property
    def case_lookup_limits(self) -> CaseLookupLimits:
        return CaseLookupLimits(self.case_lookups_per_ip, self.case_lookups_per_device)

    @property
    def issuer(self) -> str:
        """The OpenID Connect issuer: the public URL without a trailing slash."""
        return self.public_url.rstrip("/")

    @property
    def api_audience(self) -> str:
        """The ``aud`` of access tokens for the GraphQL API (RFC 9068)."""
        return f"{self.issuer}/graphql"

    @property
    def dialect(self) -> Literal["sqlite", "postgres"]:
        return "sqlite" if self.database_url.startswith("sqlite:") else "postgres"

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with ``changes`` applied (and validated again)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Build settings from ``SERVICEHALL_*`` variables; unknown ones are an error.

        Raises:
            SettingsError: a value does not parse or is out of range; the message names it.
        """
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, raw in environ.items():
            if not key.startswith(PREFIX):
                continue
            name = key[len(PREFIX) :].lower()
            spec = known.get(name)
            if spec is None:
                raise SettingsError(
                    f"unknown setting {key}; known: {', '.join(map(_env_name, known))}"
                )
            values[name] = _parse(key, str(spec.type), raw)
        return cls(**values)


def _env_name(name: str) -> str:
    return PREFIX + name.upper()


def _parse(key: str, annotation: str, raw: str) -> Any:
    raw = raw.strip()
    if annotation.startswith("int"):
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{key} must be an integer, not {raw!r}") from None
    if annotation.startswith("float"):
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{key} must be a number, not {raw!r}") from None
    if annotation.startswith("bool"):
        lowered = raw.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{key} must be true or false, not {raw!r}")
    if annotation.startswith("tuple"):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if annotation.startswith("str | None"):
        return raw or None
    return raw
