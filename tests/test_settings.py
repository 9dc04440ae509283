"""Settings are validated at the edge and name the variable at fault."""

from __future__ import annotations

import pytest

from servicehall.settings import Settings, SettingsError

PROD = {"env": "prod", "public_url": "https://zwfw.example.cn", "secret_key": "k" * 40}


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
