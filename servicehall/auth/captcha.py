"""Image captchas for sign-in and anonymous forms.

A captcha is single use and lives 5 minutes by default. Its answer is kept in the cache
backend (:class:`~servicehall.cache.CacheBackend`) under the key ``captcha:{id}`` — not in
the process, so any replica can check an answer to a captcha another replica drew. The
check takes the answer out of the cache with an atomic ``pop``: whether the guess is right
or wrong, that captcha cannot be tried again, and a second request racing the first finds
nothing.

Answers are :data:`ALPHABET` characters only: digits 2-9 and capital letters without the
look-alikes I, L, O, Q, S and Z (which read as 1, 1, 0, 0, 5 and 2; 0 and 1 are left out
too). They are checked case-insensitively, with whitespace ignored and full-width characters
(typed with a Chinese input method) folded by NFKC. Images are drawn by the ``captcha``
package (Pillow) in a worker thread: drawing is CPU-bound work that must not hold up the
event loop, however short. Drawing costs CPU, so every draw a request asks for — the
``createCaptcha`` mutation and the login pages alike (F14) — first passes :meth:`allow`:
``CAPTCHAS_PER_MINUTE`` draws a minute per source (an address, or a kiosk device).

A kiosk device's captchas (``create(kiosk=True)``, issue 21) are digits only, typed on the
terminal's numeric keypad, and drawn three times as large (480×180) so that the kiosk
shows them at twice the web size and larger still in its large-type mode.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass, field

import anyio.to_thread
from captcha.image import ImageCaptcha

from servicehall.cache.base import CacheBackend
from servicehall.errors import RateLimited

#: Characters answers are drawn from: nothing that reads as another character.
ALPHABET = "23456789ABCDEFGHJKMNPRTUVWXY"
#: A kiosk's answers: digits only, still without 0 and 1.
KIOSK_ALPHABET = "23456789"
#: Size of a kiosk's captcha image (and its glyph sizes), three times the web's.
KIOSK_SIZE = (480, 180)
KIOSK_FONT_SIZES = (126, 150, 168)
#: Cache key prefix of stored answers; the full key is ``captcha:{id}``.
KEY_PREFIX = "captcha:"
#: Captchas one source may have drawn per minute.
CAPTCHAS_PER_MINUTE = 20
#: What a source over the limit is told.
TOO_MANY = "获取验证码过于频繁，请稍后再试"
#: Longest answer worth normalising; anything longer is simply wrong.
MAX_ANSWER_LENGTH = 64

# secrets.token_urlsafe(16): 16 random bytes, base64url without padding.
_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")


@dataclass(frozen=True, slots=True)
class Captcha:
    """A drawn captcha: the id to send back with the answer, and the PNG image."""

    id: str
    png: bytes = field(repr=False)


def cache_key(captcha_id: str) -> str:
    """The cache key of a captcha's answer: ``captcha:{id}``."""
    return KEY_PREFIX + captcha_id


def data_url(captcha: Captcha) -> str:
    """The image as a ``data:image/png;base64,...`` URL, ready for an ``<img src>``."""
    return "data:image/png;base64," + base64.b64encode(captcha.png).decode("ascii")


def _normalize_answer(answer: str) -> str:
    return "".join(unicodedata.normalize("NFKC", answer).split()).upper()


class CaptchaService:
    """Draws captchas and checks their answers, which it keeps in ``cache``.

    Args:
        cache: where answers are stored (shared by all replicas).
        ttl: seconds a captcha stays answerable.
        length: characters per answer.
        width: image width in pixels.
        height: image height in pixels.
    """

    def __init__(
        self,
        cache: CacheBackend,
        *,
        ttl: float = 300,
        length: int = 4,
        width: int = 160,
        height: int = 60,
    ) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        if length < 1:
            raise ValueError("length must be at least 1")
        self._cache = cache
        self._ttl = ttl
        self._length = length
        self._width = width
        self._height = height
        # ImageCaptcha caches FreeType fonts, which are not safe to share between threads.
        self._local = threading.local()

    def _new_answer(self, alphabet: str = ALPHABET) -> str:
        return "".join(secrets.choice(alphabet) for _ in range(self._length))

    def _render(self, answer: str, kiosk: bool = False) -> bytes:
        """Draw ``answer`` as a PNG (blocking: runs in a worker thread)."""
        name = "kiosk_drawer" if kiosk else "drawer"
        drawer: ImageCaptcha | None = getattr(self._local, name, None)
        if drawer is None:
            if kiosk:
                width, height = KIOSK_SIZE
                drawer = ImageCaptcha(width=width, height=height, font_sizes=KIOSK_FONT_SIZES)
            else:
                drawer = ImageCaptcha(width=self._width, height=self._height)
            setattr(self._local, name, drawer)
        return drawer.generate(answer, format="png").getvalue()

    async def allow(self, source: str) -> None:
        """Count a draw for ``source``; :class:`RateLimited` past ``CAPTCHAS_PER_MINUTE``."""
        if await self._cache.incr(f"captcha-rate:{source}", ttl=60) > CAPTCHAS_PER_MINUTE:
            raise RateLimited(TOO_MANY, details={"retryAfter": 60})

    async def create(self, *, kiosk: bool = False) -> Captcha:
        """Draw a new captcha and store its answer for ``ttl`` seconds (a request's draw
        passes :meth:`allow` first); ``kiosk``: digits only, drawn at the kiosk's scale."""
        answer = self._new_answer(KIOSK_ALPHABET if kiosk else ALPHABET)
        png = await anyio.to_thread.run_sync(self._render, answer, kiosk)
        captcha_id = secrets.token_urlsafe(16)
        await self._cache.set(cache_key(captcha_id), answer.encode("ascii"), ttl=self._ttl)
        return Captcha(id=captcha_id, png=png)

    async def verify(self, captcha_id: str, answer: str) -> bool:
        """Whether ``answer`` is the captcha's; the captcha is used up either way.

        False for an unknown or expired id, and for an id that cannot have come from
        :meth:`create` (the cache is then not asked at all).
        """
        if not _ID_PATTERN.fullmatch(captcha_id):
            return False
        stored = await self._cache.pop(cache_key(captcha_id))
        if stored is None or len(answer) > MAX_ANSWER_LENGTH:
            return False
        given = _normalize_answer(answer).encode("utf-8")
        return hmac.compare_digest(given, stored)
