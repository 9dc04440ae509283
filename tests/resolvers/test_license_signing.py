"""LIC-4: licences are signed at issue over their canonical data; verification says which
check failed; revocation and expiry show at once; key rotation keeps old licences
verifiable while their key is published."""

from __future__ import annotations

import base64
from datetime import timedelta

import orjson
import pytest
from joserfc import jws
from joserfc.errors import InvalidKeyIdError
from joserfc.jwk import KeySet, OKPKey

from servicehall.auth.keys import KeyInUse
from servicehall.loaders.licenses import load_licenses_by_number
from servicehall.models import CheckOutcome, HolderKind, License, VerificationCheck
from servicehall.resolvers import licenses
from servicehall.resolvers.license_signing import (
    ALGORITHMS,
    canonical_bytes,
    canonical_claims,
    resign_licenses,
    sign,
    verify,
)
from servicehall.settings import Settings
from tests.conftest import opened
from tests.licensing import VALUES, cast, license_keys, published, today

C = VerificationCheck


async def _issue(code: str = "SIG", **extra: str) -> tuple[str, str]:
    people = await cast()
    keys = await license_keys()
    number = await licenses.issue_license(
        people.scjg,
        keys,
        catalog_code=code,
        holder_code=extra.get("holder", people.credit_code),
        holder_name=extra.get("name", ""),
        valid_from=None,
        valid_until=None,
        values=VALUES,
        today=today(),
    )
    found = await License.get(license_number=number)
    return number, found.token


def _flip(token: str, part: int) -> str:
    """The token with one character of ``part`` (0 header, 1 payload) changed."""
    pieces = token.split(".")
    text = pieces[part]
    i = len(text) // 2
    pieces[part] = text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1 :]
    return ".".join(pieces)


def _outcomes(result: object) -> dict[VerificationCheck, CheckOutcome]:
    return {s.check: s.outcome for s in result.steps}  # type: ignore[attr-defined]


async def test_a_licence_verifies_offline_and_online(hall_settings: Settings) -> None:
    """LIC-4: the token is a JWS over the canonical data with the key id in its header;
    joserfc alone verifies it with the published keys, the hall checks it fully."""
    async with opened(hall_settings):
        people = await cast()
        await published(people, "SIG")
        keys = await license_keys()
        number, token = await _issue()
        header = orjson.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
        assert header == {
            "alg": "Ed25519",
            "kid": (await License.get(license_number=number)).key_id,
            "typ": "license+jws",
        }
        published_keys = KeySet.import_key_set(await keys.jwks())  # type: ignore[arg-type]
        assert all(k["kty"] == "OKP" and "d" not in k for k in (await keys.jwks())["keys"])  # type: ignore[union-attr]
        payload = orjson.loads(
            jws.deserialize_compact(token, published_keys, algorithms=["Ed25519"]).payload
        )
        (row,) = await load_licenses_by_number([number])
        assert row is not None and payload == canonical_claims(row)
        assert canonical_bytes(payload) == base64.urlsafe_b64decode(token.split(".")[1] + "==")
        assert payload["licenseNumber"] == number and payload["fields"] == VALUES
        assert payload["holderCode"] == people.credit_code and payload["format"] == 1

        result = await verify(keys, token, today())
        assert result.valid and result.failed is None and result.key_id == header["kid"]
        assert set(_outcomes(result).values()) == {CheckOutcome.PASSED}
        assert list(_outcomes(result)) == list(VerificationCheck)


async def test_each_failed_check_is_named(hall_settings: Settings) -> None:
    """LIC-4: format, key, signature, record, data, status and validity, each failing on
    its own, the later checks skipped; revocation and expiry show at once."""
    async with opened(hall_settings):
        people = await cast()
        await published(people, "SIG")
        keys = await license_keys()
        number, token = await _issue()
        stranger = OKPKey.generate_key(
            "Ed25519", parameters={"kid": (await keys.signing_key()).kid}
        )
        forged = jws.serialize_compact(
            {"alg": "Ed25519", "kid": "unknown-kid", "typ": "license+jws"},
            b"{}",
            stranger,
            algorithms=ALGORITHMS,
        )
        same_kid = jws.serialize_compact(
            {"alg": "Ed25519", "kid": stranger.kid, "typ": "license+jws"},
            base64.urlsafe_b64decode(token.split(".")[1] + "=="),
            stranger,
            algorithms=ALGORITHMS,
        )
        (row,) = await load_licenses_by_number([number])
        assert row is not None
        ours = await keys.signing_key()
        other_type = jws.serialize_compact(
            {"alg": "Ed25519", "kid": ours.kid, "typ": "JWT"},
            canonical_bytes(canonical_claims(row)),
            ours,
            algorithms=ALGORITHMS,
        )
        altered, _ = await sign(keys, canonical_claims(row) | {"holderName": "别的公司"})
        unknown, _ = await sign(keys, canonical_claims(row) | {"licenseNumber": "SIG000"})
        expected = [
            ("not a token", C.FORMAT),
            (_flip(token, 0), C.FORMAT),
            (other_type, C.FORMAT),  # our key, but not a licence (an ID token, say)
            (forged, C.KEY),
            (same_kid, C.SIGNATURE),
            (_flip(token, 1), C.SIGNATURE),
            (token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"), C.SIGNATURE),
            (unknown, C.RECORD),
            (altered, C.DATA),
        ]
        for candidate, check in expected:
            result = await verify(keys, candidate, today())
            assert result.failed is not None and result.failed.check is check, (check, candidate)
            outcomes = _outcomes(result)
            later = list(VerificationCheck)[list(VerificationCheck).index(check) + 1 :]
            assert all(outcomes[c] is CheckOutcome.SKIPPED for c in later)
            assert result.valid is False
        assert (await verify(keys, altered, today())).claims == canonical_claims(row) | {
            "holderName": "别的公司"
        }  # the signature holds: the data differs from the record

        end = row["valid_until"]
        expired = await verify(keys, token, end + timedelta(days=1))
        assert expired.failed is not None and expired.failed.check is C.VALIDITY
        assert (await verify(keys, token, end)).valid  # its last day counts
        early = await verify(keys, token, today() - timedelta(days=1))
        assert early.failed is not None and early.failed.check is C.VALIDITY
        await licenses.revoke_license(people.scjg, number, reason="依法撤销")
        revoked = await verify(keys, token, today())
        assert revoked.failed is not None and revoked.failed.check is C.STATUS
        assert "撤销" in revoked.failed.message


async def test_a_persons_id_number_is_masked_in_the_token(hall_settings: Settings) -> None:
    async with opened(hall_settings):
        people = await cast()
        await published(people, "PSIG", holder=HolderKind.PERSON)
        keys = await license_keys()
        _, token = await _issue("PSIG", holder=people.person_id, name="陈晓明")
        payload = orjson.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        assert payload["holderCode"] == people.person_id[:4] + "*" * 10 + people.person_id[-4:]
        assert people.person_id not in token and (await verify(keys, token, today())).valid


async def test_rotation_keeps_old_licences_verifiable_until_withdrawn(
    hall_settings: Settings,
) -> None:
    """LIC-4: a licence signed with the previous key verifies while that key is published;
    withdrawing it fails the KEY check until the licence is signed again."""
    async with opened(hall_settings):
        people = await cast()
        await published(people, "SIG")
        keys = await license_keys()
        old_kid = str((await keys.signing_key()).kid)
        number, old_token = await _issue()
        new_kid = await keys.rotate()
        _, new_token = await _issue()
        assert (
            orjson.loads(base64.urlsafe_b64decode(new_token.split(".")[0] + "=="))["kid"] == new_kid
        )
        assert {k["kid"] for k in (await keys.jwks())["keys"]} == {old_kid, new_kid}  # type: ignore[index]
        assert (await verify(keys, old_token, today())).valid
        assert (await verify(keys, new_token, today())).valid
        with pytest.raises(KeyInUse):
            await keys.withdraw(new_kid)
        with pytest.raises(LookupError):
            await keys.withdraw("no-such-key")

        await keys.withdraw(old_kid)
        assert {k["kid"] for k in (await keys.jwks())["keys"]} == {new_kid}  # type: ignore[index]
        withdrawn = await verify(keys, old_token, today())
        assert withdrawn.failed is not None and withdrawn.failed.check is C.KEY
        with pytest.raises(InvalidKeyIdError):  # offline, too: its key is no longer published
            jws.deserialize_compact(
                old_token,
                KeySet.import_key_set(await keys.jwks()),  # type: ignore[arg-type]
                algorithms=ALGORITHMS,
            )
        signed_with_old = await License.filter(key_id=old_kid).count()
        assert signed_with_old >= 2  # the demo's licences and ours
        assert await resign_licenses(keys, old_kid) == signed_with_old
        again = await License.get(license_number=number)
        assert again.key_id == new_kid and again.token != old_token
        assert (await verify(keys, again.token, today())).valid
        assert not await License.filter(key_id=old_kid).exists()
