"""Image captchas: single use, stored in the cache backend, answers from a safe alphabet."""

from __future__ import annotations

import asyncio
import base64
import secrets

import pytest

from servicehall.auth.captcha import ALPHABET, Captcha, CaptchaService, data_url
from servicehall.cache import MemoryBackend


@pytest.fixture
def cache() -> MemoryBackend:
    return MemoryBackend()


@pytest.fixture
def service(cache: MemoryBackend) -> CaptchaService:
    return CaptchaService(cache)


async def answer_of(cache: MemoryBackend, captcha: Captcha) -> str:
    stored = await cache.get(f"captcha:{captcha.id}")
    assert stored is not None
    return stored.decode("ascii")


def test_alphabet_has_no_look_alikes() -> None:
    assert set(ALPHABET) == set("23456789ABCDEFGHJKMNPRTUVWXY")
    assert not set(ALPHABET) & set("01ILOQSZ")


async def test_create_returns_png_and_stores_answer(
    service: CaptchaService, cache: MemoryBackend
) -> None:
    captcha = await service.create()
    assert captcha.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(captcha.id) == 22
    answer = await answer_of(cache, captcha)
    assert len(answer) == 4
    assert set(answer) <= set(ALPHABET)
    ttl = await cache.ttl(f"captcha:{captcha.id}")
    assert ttl is not None and 290 < ttl <= 300
    assert "png" not in repr(captcha)  # the image stays out of logs


async def test_answers_use_only_the_alphabet(cache: MemoryBackend) -> None:
    service = CaptchaService(cache, length=6, width=200, height=70)
    captchas = await asyncio.gather(*(service.create() for _ in range(5)))
    assert len({c.id for c in captchas}) == 5
    for captcha in captchas:
        answer = await answer_of(cache, captcha)
        assert len(answer) == 6
        assert set(answer) <= set(ALPHABET)


async def test_right_answer_once(service: CaptchaService, cache: MemoryBackend) -> None:
    captcha = await service.create()
    answer = await answer_of(cache, captcha)
    typed = f"  {answer[:2].lower()} {answer[2:].lower()} "
    assert await service.verify(captcha.id, typed)
    assert await cache.get(f"captcha:{captcha.id}") is None
    assert not await service.verify(captcha.id, answer)  # single use


async def test_full_width_answer(service: CaptchaService, cache: MemoryBackend) -> None:
    captcha = await service.create()
    answer = await answer_of(cache, captcha)
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in answer)
    assert await service.verify(captcha.id, full_width)


async def test_wrong_answer_burns_the_captcha(
    service: CaptchaService, cache: MemoryBackend
) -> None:
    captcha = await service.create()
    answer = await answer_of(cache, captcha)
    wrong = "".join(ALPHABET[(ALPHABET.index(ch) + 1) % len(ALPHABET)] for ch in answer)
    assert not await service.verify(captcha.id, wrong)
    assert not await service.verify(captcha.id, answer)


async def test_long_answer_is_wrong_and_burns(
    service: CaptchaService, cache: MemoryBackend
) -> None:
    captcha = await service.create()
    answer = await answer_of(cache, captcha)
    assert not await service.verify(captcha.id, answer + " " * 100)
    assert await cache.get(f"captcha:{captcha.id}") is None


async def test_unknown_id(service: CaptchaService) -> None:
    assert not await service.verify(secrets.token_urlsafe(16), "ABCD")


@pytest.mark.parametrize(
    "captcha_id",
    ["", "short", "x" * 23, "a" * 21 + "!", "a" * 21 + "=", "a" * 22 + "\n", "验证码" * 7 + "a"],
)
async def test_malformed_id_does_not_touch_the_cache(captcha_id: str) -> None:
    class Untouchable(MemoryBackend):
        async def pop(self, key: str) -> bytes | None:
            raise AssertionError("cache consulted for a malformed id")

    service = CaptchaService(Untouchable())
    assert not await service.verify(captcha_id, "ABCD")


async def test_expired(cache: MemoryBackend) -> None:
    service = CaptchaService(cache, ttl=0.05)
    captcha = await service.create()
    answer = await answer_of(cache, captcha)
    await asyncio.sleep(0.1)
    assert not await service.verify(captcha.id, answer)


async def test_data_url(service: CaptchaService) -> None:
    captcha = await service.create()
    url = data_url(captcha)
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.removeprefix("data:image/png;base64,")) == captcha.png


def test_rejects_bad_settings(cache: MemoryBackend) -> None:
    with pytest.raises(ValueError, match="ttl"):
        CaptchaService(cache, ttl=0)
    with pytest.raises(ValueError, match="length"):
        CaptchaService(cache, length=0)
