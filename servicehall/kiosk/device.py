"""The kiosk device's own credentials and access token (STA-4, RFC 6749 §4.4).

The kiosk process holds the device's client id and secret (from its settings, never sent
to the browser) and exchanges them at the hall's token endpoint for a short-lived access
token with the client-credentials grant. The hall issues a device's tokens with the kiosk
kind and the station the device is registered at; the process checks that station against
the one it was started for, so a terminal moved to another station without being
re-registered says so instead of serving the wrong station.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass
from typing import Any

import httpx2
import orjson

from servicehall import clock
from servicehall.errors import DeviceNotRegistered, ServiceUnavailable

log = logging.getLogger(__name__)

#: Renew this long before the token expires.
RENEW_BEFORE = 60
#: A refusal (unregistered, revoked) is believed this long before asking again.
REFUSAL_TTL = 15


class DeviceUnregistered(DeviceNotRegistered):
    """The hall does not know this device (or no longer): ``reason`` says why, in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HallUnreachable(ServiceUnavailable):
    """The hall did not answer, or answered with a server error."""


@dataclass(frozen=True, slots=True)
class DeviceToken:
    value: str
    expires_at: float
    station: str


def _claims(token: str) -> dict[str, Any]:
    """The claims of a token the hall's token endpoint just handed us over TLS (the hall
    verifies it on every use; here it only tells the process what it was issued for)."""
    try:
        payload = token.split(".")[1]
        decoded: dict[str, Any] = orjson.loads(base64.urlsafe_b64decode(payload + "==="))
    except (IndexError, ValueError, orjson.JSONDecodeError):
        return {}
    return decoded


class DeviceSession:
    def __init__(
        self, http: httpx2.AsyncClient, client_id: str | None, secret: str | None, station: str
    ) -> None:
        self._http = http
        self._client_id = client_id
        self._secret = secret
        self.station = station
        self._token: DeviceToken | None = None
        self._refused: tuple[float, str] | None = None
        self._lock = asyncio.Lock()

    @property
    def client_id(self) -> str | None:
        return self._client_id

    async def token(self) -> str:
        """A valid access token of the device, fetched when needed.

        Raises:
            DeviceUnregistered: no credentials, or the hall refuses them.
            HallUnreachable: the hall could not be asked.
        """
        if self._client_id is None or self._secret is None:
            raise DeviceUnregistered("本终端尚未配置登记凭据（终端编号和密钥）")
        token = self._token
        if token is not None and clock.timestamp() < token.expires_at - RENEW_BEFORE:
            return token.value
        async with self._lock:
            token = self._token
            if token is not None and clock.timestamp() < token.expires_at - RENEW_BEFORE:
                return token.value
            if self._refused is not None and clock.timestamp() < self._refused[0]:
                raise DeviceUnregistered(self._refused[1])
            try:
                self._token = await self._fetch()
            except DeviceUnregistered as refusal:
                self._token = None
                self._refused = (clock.timestamp() + REFUSAL_TTL, refusal.reason)
                raise
            self._refused = None
            return self._token.value

    def forget(self) -> None:
        """Drop the token (the hall refused it): the next call asks for a new one."""
        self._token = None

    async def _fetch(self) -> DeviceToken:
        assert self._client_id is not None
        assert self._secret is not None
        try:
            response = await self._http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials", "scope": "kiosk"},
                auth=(self._client_id, self._secret),
            )
        except httpx2.HTTPError as error:
            raise HallUnreachable(str(error)) from error
        if response.status_code in (400, 401):
            refused = _error_of(response)
            log.warning("the hall refused device %s: %s", self._client_id, refused)
            if refused in ("invalid_client", "unauthorized_client"):
                raise DeviceUnregistered("终端凭据无效或登记已撤销")
            raise DeviceUnregistered(f"大厅拒绝了本终端的令牌请求（{refused}）")
        if response.status_code != 200:
            raise HallUnreachable(f"token endpoint answered {response.status_code}")
        body = response.json()
        value = str(body.get("access_token", ""))
        claims = _claims(value)
        if claims.get("kind") != "kiosk":
            raise DeviceUnregistered("该客户端未登记为自助终端")
        station = str(claims.get("stn", ""))
        if station != self.station:
            raise DeviceUnregistered(
                f"本终端登记在办事站 {station}，与启动时指定的办事站 {self.station} 不符"
            )
        expires = clock.timestamp() + int(body.get("expires_in", 300))
        return DeviceToken(value, expires, station)


def _error_of(response: httpx2.Response) -> str:
    try:
        return str(response.json().get("error", "")) or str(response.status_code)
    except ValueError:
        return str(response.status_code)
