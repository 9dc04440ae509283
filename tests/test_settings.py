"""Settings are validated at the edge and name the variable at fault."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import servicehall.settings
from servicehall.settings import Settings, SettingsError
from servicehall.workdays import work_calendar

PROD = {"env": "prod", "public_url": "https://zwfw.example.cn", "secret_key": "k" * 40}
PROD_ENV = {f"SERVICEHALL_{key.upper()}": value for key, value in PROD.items()}


def test_defaults_run_embedded() -> None:
    settings = Settings.from_env({})
    assert settings.dialect == "sqlite"
    assert settings.redis_url is None
    assert settings.graphiql_enabled and settings.introspection_enabled


def test_prod_turns_off_graphiql_and_introspection() -> None:
    settings = Settings.from_env(
        {
            "SERVICEHALL_ENV": "prod",
            "SERVICEHALL_DATABASE_URL": "postgres://u@h/db",
            "SERVICEHALL_PUBLIC_URL": "https://zwfw.example.cn",
            "SERVICEHALL_SECRET_KEY": "k" * 40,
        }
    )
    assert settings.is_prod and settings.dialect == "postgres"
    assert not settings.graphiql_enabled and not settings.introspection_enabled


def test_values_are_parsed() -> None:
    settings = Settings.from_env(
        {
            "SERVICEHALL_REDIS_URL": "redis://127.0.0.1:6379/2",
            "SERVICEHALL_MAX_QUERY_DEPTH": "8",
            "SERVICEHALL_INTROSPECTION": "off",
            "SERVICEHALL_CORS_ORIGINS": "https://a.example.cn, http://localhost:5173",
            "PATH": "/usr/bin",  # other variables are ignored
        }
    )
    assert settings.max_query_depth == 8
    assert settings.introspection_enabled is False
    assert settings.cors_origins == ("https://a.example.cn", "http://localhost:5173")


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"SERVICEHALL_ENV": "staging"}, "SERVICEHALL_ENV"),
        ({"SERVICEHALL_DATABASE_URL": "mysql://x"}, "SERVICEHALL_DATABASE_URL"),
        ({"SERVICEHALL_REDIS_URL": "http://x"}, "SERVICEHALL_REDIS_URL"),
        ({"SERVICEHALL_MAX_QUERY_DEPTH": "deep"}, "SERVICEHALL_MAX_QUERY_DEPTH"),
        ({"SERVICEHALL_MAX_QUERY_DEPTH": "0"}, "SERVICEHALL_MAX_QUERY_DEPTH"),
        ({"SERVICEHALL_GRAPHIQL": "maybe"}, "SERVICEHALL_GRAPHIQL"),
        ({"SERVICEHALL_CORS_ORIGINS": "example.cn"}, "SERVICEHALL_CORS_ORIGINS"),
        ({"SERVICEHALL_DATBASE_URL": "sqlite://x"}, "SERVICEHALL_DATBASE_URL"),
        (
            {"SERVICEHALL_ENV": "prod", "SERVICEHALL_DATABASE_URL": "sqlite://:memory:"},
            "SERVICEHALL_DATABASE_URL",
        ),
        ({"SERVICEHALL_PUBLIC_URL": "zwfw.example.cn"}, "SERVICEHALL_PUBLIC_URL"),
        ({"SERVICEHALL_PUBLIC_URL": "https://h/path"}, "SERVICEHALL_PUBLIC_URL"),
        (
            {"SERVICEHALL_ENV": "prod", "SERVICEHALL_SECRET_KEY": "k" * 40},
            "SERVICEHALL_PUBLIC_URL",
        ),
        (
            {"SERVICEHALL_ENV": "prod", "SERVICEHALL_PUBLIC_URL": "https://zwfw.example.cn"},
            "SERVICEHALL_SECRET_KEY",
        ),
        ({"SERVICEHALL_ACCESS_TOKEN_TTL": "0"}, "SERVICEHALL_ACCESS_TOKEN_TTL"),
        ({"SERVICEHALL_SMS_DRIVER": "carrier-pigeon"}, "SERVICEHALL_SMS_DRIVER"),
        ({"SERVICEHALL_SMS_DRIVER": "http"}, "SERVICEHALL_SMS_URL"),
        (
            PROD_ENV
            | {
                "SERVICEHALL_SMS_DRIVER": "http",
                "SERVICEHALL_SMS_URL": "http://sms.example.cn/send",
                "SERVICEHALL_SMS_KEY": "k",
            },
            "SERVICEHALL_SMS_URL",
        ),
        ({"SERVICEHALL_OUTBOX_MAX_ATTEMPTS": "0"}, "SERVICEHALL_OUTBOX_MAX_ATTEMPTS"),
        ({"SERVICEHALL_SCHEDULER": "sometimes"}, "SERVICEHALL_SCHEDULER"),
    ],
)
def test_bad_values_name_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(environ)


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.env = "prod"  # type: ignore[misc]
    assert settings.replace(**PROD).is_prod


def test_messaging_defaults_and_sender() -> None:
    """Out of the box mail and texts go to the log; the sender follows the public host."""
    settings = Settings.from_env({})
    assert settings.smtp_url is None and settings.sms_driver == "log" and settings.scheduler
    assert settings.mail_sender == "斗门区网上办事大厅 <noreply@localhost>"
    assert Settings(**PROD).mail_sender == "斗门区网上办事大厅 <noreply@zwfw.example.cn>"
    assert Settings(**PROD).portal_base == "https://zwfw.example.cn"
    custom = Settings.from_env(
        {
            "SERVICEHALL_SMTP_URL": "smtps://hall%40example.cn:s3cret@smtp.example.cn",
            "SERVICEHALL_MAIL_FROM": "区政务服务中心 <zwfw@example.cn>",
            "SERVICEHALL_PORTAL_URL": "https://www.example.cn/",
        }
    )
    assert custom.mail_sender == "区政务服务中心 <zwfw@example.cn>"
    assert custom.portal_base == "https://www.example.cn"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"SERVICEHALL_KIOSK_IDLE_SECONDS": "2"}, "SERVICEHALL_KIOSK_IDLE_SECONDS"),
        ({"SERVICEHALL_KIOSK_IDLE_SECONDS": "7200"}, "SERVICEHALL_KIOSK_IDLE_SECONDS"),
        ({"SERVICEHALL_KIOSK_REQUESTS_PER_DEVICE": "0"}, "SERVICEHALL_KIOSK_REQUESTS_PER_DEVICE"),
        ({"SERVICEHALL_KIOSK_HALL_URL": "zwfw.example.cn"}, "SERVICEHALL_KIOSK_HALL_URL"),
        ({"SERVICEHALL_KIOSK_CLIENT_ID": "kiosk-440403100-01"}, "SERVICEHALL_KIOSK_CLIENT_SECRET"),
        (PROD_ENV | {"SERVICEHALL_KIOSK_HALL_URL": "http://hall.internal"}, "https:// in prod"),
    ],
)
def test_kiosk_settings_are_checked(environ: dict[str, str], named: str) -> None:
    """STA-4: the idle timeout, the device limit, the hall URL and the device credentials."""
    with pytest.raises(SettingsError, match=named.replace("/", r"\/")):
        Settings.from_env(environ)


def test_kiosk_settings_are_read() -> None:
    settings = Settings.from_env(
        PROD_ENV
        | {
            "SERVICEHALL_KIOSK_IDLE_SECONDS": "60",
            "SERVICEHALL_KIOSK_HALL_URL": "http://127.0.0.1:8000",  # loopback may be plain
            "SERVICEHALL_KIOSK_CLIENT_ID": "kiosk-440403100-01",
            "SERVICEHALL_KIOSK_CLIENT_SECRET": "s" * 43,
        }
    )
    assert settings.kiosk_idle_seconds == 60 and settings.kiosk_requests_per_device == 300
    assert settings.kiosk_hall_url == "http://127.0.0.1:8000"


def test_limit_settings_are_read_and_checked() -> None:
    """F2, F4, F15: the request limits read from the environment, decimals for the timeout."""
    settings = Settings.from_env(
        {
            "SERVICEHALL_EXECUTION_TIMEOUT": "0.5",
            "SERVICEHALL_MAX_COST_ANONYMOUS": "2000",
            "SERVICEHALL_DOCUMENT_CACHE_BYTES": "1048576",
            "SERVICEHALL_PERSISTED_QUERY_ANONYMOUS_TTL": "3600",
        }
    )
    assert settings.execution_timeout == 0.5
    assert settings.max_cost_anonymous == 2000
    assert settings.document_cache_bytes == 1048576
    assert settings.persisted_query_anonymous_ttl == 3600
    for name, value in (
        ("SERVICEHALL_EXECUTION_TIMEOUT", "0"),
        ("SERVICEHALL_EXECUTION_TIMEOUT", "soon"),
        ("SERVICEHALL_MAX_COST_MACHINE", "0"),
        ("SERVICEHALL_RESPONSE_CACHE_MAX_BYTES", "0"),
        ("SERVICEHALL_PERSISTED_QUERIES_PER_IP", "0"),
    ):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({name: value})


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"smtp_url": "mail.example.cn"}, "SERVICEHALL_SMTP_URL"),
        ({"smtp_url": "smtp://u:p@mail.example.cn?starttls=off"}, "SMTP_URL"),
        ({"holidays_file": "/nonexistent/holidays.json"}, "SERVICEHALL_HOLIDAYS_FILE"),
    ],
)
def test_values_checked_where_used_stop_the_app(changes: dict[str, str], named: str) -> None:
    """Issue 13: the SMTP URL and the holidays file are checked by the code that uses them,
    when the app is built (not by the settings leaf), and still name the variable."""
    from servicehall.app import create_app

    with pytest.raises(SettingsError, match=named):
        create_app(Settings(**changes))


def test_bad_holidays_file_names_the_variable(tmp_path: Path) -> None:
    path = tmp_path / "holidays.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(SettingsError, match="SERVICEHALL_HOLIDAYS_FILE"):
        work_calendar(str(path))


def test_settings_is_a_leaf() -> None:
    """Issue 13: settings.py imports nothing from the hall, so any layer may import it
    without a cycle (it imported notify/email.py and workdays.py, which imported it back)."""
    tree = ast.parse(Path(servicehall.settings.__file__).read_text(encoding="utf-8"))
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append("." if node.level else node.module or "")
    assert "dataclasses" in imported, "the walk found the module's imports"
    assert [n for n in imported if n == "." or n.split(".")[0] == "servicehall"] == []


def test_layers_get_the_part_they_need() -> None:
    """Issue 13: the query limits and the case lookup limits are small values of Settings."""
    settings = Settings(max_query_depth=5, max_cost_machine=9, case_lookups_per_ip=3)
    limits = settings.query_limits
    assert (limits.max_query_depth, limits.max_cost_machine) == (5, 9)
    assert limits.introspection_enabled is settings.introspection_enabled
    assert settings.case_lookup_limits.per_ip == 3
