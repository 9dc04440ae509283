"""Password policy (ASVS V2.1) and argon2id hashing off the event loop."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from typing import Any

import anyio
import argon2
import pytest

from servicehall.auth.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    PasswordHasher,
    check_policy,
    common_passwords,
)
from servicehall.errors import InvalidInput

FAST: dict[str, int] = {"time_cost": 1, "memory_cost_kib": 8, "parallelism": 1}


def rule_of(password: str, **kwargs: Any) -> tuple[str, str | None]:
    with pytest.raises(InvalidInput) as info:
        check_policy(password, **kwargs)
    return info.value.details["rule"], info.value.field


def test_too_short() -> None:
    assert MIN_LENGTH == 8
    assert rule_of("x7#Kq9!") == ("TOO_SHORT", "newPassword")
    assert rule_of("", field="password") == ("TOO_SHORT", "password")
    # runs of whitespace count as one character (ASVS 2.1.1)
    assert rule_of("ab      cd")[0] == "TOO_SHORT"
    assert rule_of(" " * 20)[0] == "TOO_SHORT"


def test_too_short_message_is_chinese() -> None:
    with pytest.raises(InvalidInput) as info:
        check_policy("abc")
    assert info.value.message == "密码至少8位"
    assert info.value.extensions["rule"] == "TOO_SHORT"


def test_length_limits_count_chinese_characters_once() -> None:
    assert MAX_LENGTH == 128
    chinese = "政务服务网上办事大厅" * 13  # 130 characters
    assert check_policy(chinese[:128]) == chinese[:128]
    assert rule_of(chinese[:129]) == ("TOO_LONG", "newPassword")
    assert check_policy("我的密码很安全吧") == "我的密码很安全吧"  # 8 characters
    assert rule_of("我的密码很安全")[0] == "TOO_SHORT"  # 7


def test_whitespace_and_case_are_kept() -> None:
    password = "  Correct Horse  Battery Staple "
    assert check_policy(password) == password
    # no composition rules (ASVS 2.1.9): lower-case letters only are fine
    assert check_policy("dragonfruit tea party") == "dragonfruit tea party"


def test_nfkc_normalises_full_width() -> None:
    assert check_policy("ｔｕｒｎｉｐ－Ｌａｎｔｅｒｎ") == "turnip-Lantern"
    # a full-width spelling of a common password is still common
    assert rule_of("ｐａｓｓｗｏｒｄ１")[0] == "COMMON"


@pytest.mark.parametrize(
    "password",
    [
        "Password1",
        "qq123456",
        "woaini1314",
        "PASSWORD123",
        "1qaz2wsx3edc",
        "5201314520",
        "Zhangwei",
    ],
)
def test_common_passwords_are_refused(password: str) -> None:
    assert rule_of(password) == ("COMMON", "newPassword")


def test_common_message() -> None:
    with pytest.raises(InvalidInput) as info:
        check_policy("woaini1314")
    assert info.value.message == "密码过于常见，请换一个"


def test_common_list_is_loaded_once() -> None:
    words = common_passwords()
    assert words is common_passwords()
    assert len(words) > 19_000
    assert {"123456789", "woaini1314", "qq123456", "password1"} <= words
    assert all(word == word.lower() for word in words)


def test_contains_identifier() -> None:
    ids = ["13812345678", "11010519491231002X", "91110108MA01ABCD2X"]
    assert rule_of("my13812345678pw", identifiers=ids) == ("CONTAINS_IDENTIFIER", "newPassword")
    # case-insensitive, and full-width digits fold to ASCII
    assert rule_of("pw-11010519491231002x", identifiers=ids)[0] == "CONTAINS_IDENTIFIER"
    assert rule_of("Ｘ91110108ma01abcd2x", identifiers=ids)[0] == "CONTAINS_IDENTIFIER"
    # identifiers shorter than 4 characters are ignored
    assert check_policy("abc-crimson-otter", identifiers=["abc", ""]) == "abc-crimson-otter"
    assert check_policy("crimson-otter-1381", identifiers=ids) == "crimson-otter-1381"


async def test_hash_and_verify_round_trip() -> None:
    hasher = PasswordHasher(**FAST)
    hashed = await hasher.hash("Turnip lantern 7")
    assert hashed.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert await hasher.verify(hashed, "Turnip lantern 7")
    assert not await hasher.verify(hashed, "turnip lantern 7")
    assert not await hasher.verify(hashed, "")
    assert hashed != await hasher.hash("Turnip lantern 7")  # random salt


async def test_verify_folds_full_width() -> None:
    hasher = PasswordHasher(**FAST)
    hashed = await hasher.hash("ｔｕｒｎｉｐ２０２４")
    assert await hasher.verify(hashed, "turnip2024")


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "not a hash",
        "$argon2id$v=19$m=8,t=1,p=1$garbage",
        "$2b$12$abcdefghijklmnopqrstuuK2Q8XnZ2sC5YhnYk1L0fXqY1k8Z1x4y",
        "$argon2id$v=19$m=8,t=1,p=1$密码",
    ],
)
async def test_garbage_hash_is_false_and_logged(
    garbage: str, caplog: pytest.LogCaptureFixture
) -> None:
    hasher = PasswordHasher(**FAST)
    with caplog.at_level(logging.WARNING, logger="servicehall.auth.passwords"):
        assert await hasher.verify(garbage, "whatever password") is False
    assert any("hash" in record.getMessage() for record in caplog.records)
    assert hasher.needs_rehash(garbage)


async def test_needs_rehash_when_parameters_change() -> None:
    old = PasswordHasher(**FAST)
    new = PasswordHasher(time_cost=2, memory_cost_kib=16, parallelism=1)
    hashed = await old.hash("Turnip lantern 7")
    assert not old.needs_rehash(hashed)
    assert new.needs_rehash(hashed)
    # the new hasher still verifies the old hash (parameters are in the hash)
    assert await new.verify(hashed, "Turnip lantern 7")
    assert not new.needs_rehash(await new.hash("Turnip lantern 7"))


async def test_needs_rehash_for_other_argon2_variants() -> None:
    argon2i = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=argon2.Type.I)
    hashed = argon2i.hash("Turnip lantern 7")
    hasher = PasswordHasher(**FAST)
    assert await hasher.verify(hashed, "Turnip lantern 7")
    assert hasher.needs_rehash(hashed)


async def test_verify_dummy_returns() -> None:
    hasher = PasswordHasher(**FAST)
    await hasher.verify_dummy("Turnip lantern 7")
    await hasher.verify_dummy("")


async def test_verify_dummy_costs_a_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    hasher = PasswordHasher(**FAST)
    await hasher.verify_dummy("warm-up")  # makes the dummy hash
    calls: list[str] = []
    real = argon2.PasswordHasher.verify

    def spy(self: argon2.PasswordHasher, hashed: str, password: str) -> bool:
        calls.append(hashed)
        return real(self, hashed, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", spy)
    await hasher.verify_dummy("Turnip lantern 7")
    await hasher.verify_dummy("Turnip lantern 8")
    assert len(calls) == 2
    assert calls[0] == calls[1]
    assert calls[0].startswith("$argon2id$v=19$m=8,t=1,p=1$")


async def test_concurrency_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    hasher = PasswordHasher(**FAST, max_concurrency=2)
    lock = threading.Lock()
    running = 0
    peak = 0
    real = argon2.PasswordHasher.hash

    def slow_hash(self: argon2.PasswordHasher, password: str) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            time.sleep(0.05)
            return real(self, password)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(argon2.PasswordHasher, "hash", slow_hash)

    results: list[str] = []

    async def one(i: int) -> None:
        results.append(await hasher.hash(f"password number {i}"))

    async with anyio.create_task_group() as tg:
        for i in range(6):
            tg.start_soon(one, i)

    assert len(results) == 6
    assert peak == 2
    assert running == 0


def test_rejects_zero_concurrency() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        PasswordHasher(max_concurrency=0)


def test_module_does_not_load_list_at_import() -> None:
    code = (
        "from servicehall.auth.passwords import common_passwords as c\n"
        "assert c.cache_info().misses == 0\n"
        "c(); c()\n"
        "assert c.cache_info().misses == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
