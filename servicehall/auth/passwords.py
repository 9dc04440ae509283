"""Password policy (OWASP ASVS 4.0 V2.1) and argon2id hashing (ASVS V2.4).

Policy, :func:`check_policy`:

- Length is the only composition requirement (ASVS 2.1.9: no rules about upper case,
  digits or symbols). Passwords are compared and stored after NFKC normalisation, so a
  full-width ``ｐａｓｓ`` typed with a Chinese input method is the same as ``pass``; a Chinese
  character counts as one character.
- At least :data:`MIN_LENGTH` characters, counted after runs of whitespace are combined
  (ASVS 2.1.1). 8 is the NIST SP 800-63B minimum; ASVS level 1 asks for 12.
- At most :data:`MAX_LENGTH` characters (ASVS 2.1.2: at least 64 permitted, over 128 denied).
- Nothing is truncated or stripped (ASVS 2.1.3); spaces and any printable Unicode, Chinese
  included, are allowed (2.1.4).
- A password in the bundled list of common passwords is refused (ASVS 2.1.7), and so is one
  containing the account's own identifiers such as its phone number, ID number or unified
  social credit code.

Hashing, :class:`PasswordHasher`:

- argon2id (RFC 9106), the algorithm OWASP's Password Storage Cheat Sheet recommends
  first; the defaults are argon2-cffi's (RFC 9106 "low memory": t=3, m=64 MiB, p=4) with a
  random 16-byte salt per hash (ASVS 2.4.1, 2.4.2).
- One hash is deliberately slow and big (tens to hundreds of milliseconds of CPU and
  64 MiB with the defaults), so it runs in a worker thread, never on the event loop, and a
  :class:`anyio.CapacityLimiter` caps how many run at once: a burst of logins queues instead
  of exhausting memory or starving every other request of CPU.
- Parameters can be raised later: :meth:`PasswordHasher.needs_rehash` tells a caller that a
  successfully verified password should be hashed again with the current parameters.
- :meth:`PasswordHasher.verify_dummy` lets a login for an unknown account take as long as a
  wrong password, so response times do not reveal which accounts exist.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import logging
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from importlib import resources
from typing import TypeVar, TypeVarTuple, Unpack

import anyio
import anyio.to_thread
import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from servicehall.errors import InvalidInput

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_Args = TypeVarTuple("_Args")

#: Fewest characters a password may have, after NFKC and combining runs of whitespace.
MIN_LENGTH = 8
#: Most characters a password may have, after NFKC.
MAX_LENGTH = 128
#: Identifiers shorter than this are not looked for in passwords (too many false hits).
MIN_IDENTIFIER_LENGTH = 4

COMMON_PASSWORDS_RESOURCE = "data/common-passwords.txt.gz"


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower case; read once per process, on first use.

    See ``servicehall/auth/data/README.md`` for its sources.
    """
    resource = resources.files("servicehall.auth").joinpath(COMMON_PASSWORDS_RESOURCE)
    text = gzip.decompress(resource.read_bytes()).decode("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def normalize(password: str) -> str:
    """NFKC, nothing else: case and whitespace are part of the password."""
    return unicodedata.normalize("NFKC", password)


def check_policy(
    password: str, *, identifiers: Sequence[str] = (), field: str = "newPassword"
) -> str:
    """Check a new password against the policy and return it NFKC-normalised.

    Hash the returned value, not the input. The common-password check ignores case and
    leading or trailing whitespace (``" Password1 "`` is still common); the returned value
    keeps both.

    Args:
        password: the password as the person typed it.
        identifiers: the account's own identifiers (phone number, ID number, credit code,
            user name); those of at least :data:`MIN_IDENTIFIER_LENGTH` characters must not
            occur in the password, compared case-insensitively.
        field: the input field reported with the error.

    Returns:
        The NFKC-normalised password, whitespace and case kept.

    Raises:
        InvalidInput: ``details["rule"]`` is ``TOO_SHORT``, ``TOO_LONG``, ``COMMON`` or
            ``CONTAINS_IDENTIFIER``.
    """
    normalized = normalize(password)
    if len(normalized) > MAX_LENGTH:
        raise InvalidInput(f"密码不能超过{MAX_LENGTH}位", field=field, details={"rule": "TOO_LONG"})
    if _combined_length(normalized) < MIN_LENGTH:
        raise InvalidInput(f"密码至少{MIN_LENGTH}位", field=field, details={"rule": "TOO_SHORT"})
    folded = normalized.lower()
    if folded.strip() in common_passwords():
        raise InvalidInput("密码过于常见，请换一个", field=field, details={"rule": "COMMON"})
    for identifier in identifiers:
        needle = normalize(identifier).strip().lower()
        if len(needle) >= MIN_IDENTIFIER_LENGTH and needle in folded:
            raise InvalidInput(
                "密码不能包含手机号、证件号码等账号信息",
                field=field,
                details={"rule": "CONTAINS_IDENTIFIER"},
            )
    return normalized


def _combined_length(text: str) -> int:
    """Length with every run of whitespace counted as one character (ASVS 2.1.1)."""
    length = 0
    in_space = False
    for ch in text:
        if ch.isspace():
            if not in_space:
                length += 1
            in_space = True
        else:
            length += 1
            in_space = False
    return length


class PasswordHasher:
    """argon2id hashing and verification in worker threads, at most a few at a time.

    Passwords are NFKC-normalised before hashing and before verifying, so a password set
    in full-width characters also verifies when typed in half-width ones. One instance
    serves one event loop (its limiter is made in that loop on first use); share it across
    the process's requests, since the limit only holds if every caller uses the same one.

    Args:
        time_cost: argon2 iterations.
        memory_cost_kib: argon2 memory in KiB (65536 = 64 MiB).
        parallelism: argon2 lanes (threads inside one hash).
        max_concurrency: hashes or verifications running at once in this process; more
            wait their turn. Peak memory is about ``max_concurrency * memory_cost_kib``.
    """

    def __init__(
        self,
        *,
        time_cost: int = 3,
        memory_cost_kib: int = 65536,
        parallelism: int = 4,
        max_concurrency: int = 2,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._argon2 = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost_kib,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )
        self._max_concurrency = max_concurrency
        # Created on first use: an anyio limiter belongs to the running event loop.
        self._limiter: anyio.CapacityLimiter | None = None
        self._dummy_hash: str | None = None

    @property
    def max_concurrency(self) -> int:
        return self._max_concurrency

    async def _run(self, func: Callable[[Unpack[_Args]], _T], *args: *_Args) -> _T:
        """Run ``func`` in a worker thread once one of the limiter's slots is free."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self._max_concurrency)
        return await anyio.to_thread.run_sync(func, *args, limiter=self._limiter)

    async def hash(self, password: str) -> str:
        """An argon2id hash (PHC string format) of ``password`` with a fresh random salt."""
        return await self._run(self._argon2.hash, normalize(password))

    async def verify(self, hashed: str, password: str) -> bool:
        """Whether ``password`` matches ``hashed``.

        False for a wrong password and for a hash that is malformed or of an unknown kind;
        the latter is logged as a warning (it means bad data in the account store) and
        costs as long as a real verification. Never raises for bad input.
        """
        if not hashed.isascii():
            log.warning("stored password hash is not ASCII; treating it as a mismatch")
            await self.verify_dummy(password)
            return False
        try:
            return await self._run(self._argon2.verify, hashed, normalize(password))
        except VerifyMismatchError:
            return False
        except (InvalidHashError, VerificationError) as exc:
            log.warning(
                "stored password hash is unusable (%s: %s); treating it as a mismatch",
                type(exc).__name__,
                exc,
            )
            await self.verify_dummy(password)
            return False

    def needs_rehash(self, hashed: str) -> bool:
        """Whether ``hashed`` was made with other parameters (or is not argon2 at all).

        Call it after a successful :meth:`verify` and store a fresh :meth:`hash` when True.
        """
        try:
            return self._argon2.check_needs_rehash(hashed)
        except ValueError:  # InvalidHashError and UnicodeError are ValueErrors
            return True

    async def verify_dummy(self, password: str) -> None:
        """Spend as long as :meth:`verify` would, against a fixed hash that never matches.

        Call it when the account does not exist, so that "no such account" and "wrong
        password" take the same time. The dummy hash is made with this hasher's parameters
        on first use (that first call therefore costs one extra hash).
        """
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(32))
        with contextlib.suppress(VerificationError):
            await self._run(self._argon2.verify, self._dummy_hash, normalize(password))
