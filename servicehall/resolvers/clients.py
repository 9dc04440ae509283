"""Registering OAuth clients and upstream providers: data, validated, audited.

Redirect URIs are matched exactly at authorization time, so they are checked here: absolute,
``https`` (``http`` only for loopback development), no fragment, no wildcard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from servicehall.auth.crypto import SecretBox, digest, new_token
from servicehall.errors import Conflict, InvalidInput, NotFound
from servicehall.models import AuditEvent, ClientKind, Department, IdentityProvider, OAuthClient

CLIENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{2,63}")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,31}")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def check_uri(uri: str, *, field: str) -> str:
    parts = urlsplit(uri)
    loopback = parts.hostname in LOOPBACK
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.fragment or "*" in uri:
        raise InvalidInput(f"地址“{uri[:80]}”须为完整的 https 地址，且不含 # 和通配符", field=field)
    if parts.scheme == "http" and not loopback:
        raise InvalidInput(f"地址“{uri[:80]}”须使用 https（仅本机调试可用 http）", field=field)
    return uri


@dataclass(frozen=True, slots=True)
class RegisteredClient:
    client: OAuthClient
    #: Shown once: only its digest is stored.
    secret: str | None


async def register_client(
    *,
    client_id: str,
    name: str,
    kind: ClientKind,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str],
    scopes: list[str],
    first_party: bool,
    department: str | None,
    actor: str,
) -> RegisteredClient:
    if not CLIENT_ID.fullmatch(client_id):
        raise InvalidInput("client_id 须为3到64位小写字母、数字或短横线", field="clientId")
    if not 2 <= len(name.strip()) <= 64:
        raise InvalidInput("客户端名称应为2到64个字", field="name")
    if kind is ClientKind.MACHINE and (redirect_uris or first_party):
        raise InvalidInput("机器客户端不使用回调地址", field="redirectUris")
    if kind is not ClientKind.MACHINE and not redirect_uris:
        raise InvalidInput("请至少登记一个回调地址", field="redirectUris")
    uris = [check_uri(u, field="redirectUris") for u in redirect_uris]
    logout = [check_uri(u, field="postLogoutRedirectUris") for u in post_logout_redirect_uris]
    if await OAuthClient.exists(client_id=client_id):
        raise Conflict(f"client_id“{client_id}”已被使用", field="clientId")
    unit = await Department.get_or_none(code=department) if department else None
    if department and unit is None:
        raise NotFound(f"部门“{department}”不存在", field="department")
    secret = None if kind is ClientKind.PUBLIC else new_token(32)
    client = await OAuthClient.create(
        client_id=client_id,
        name=name.strip(),
        kind=kind,
        secret_hash=None if secret is None else digest(secret),
        first_party=first_party,
        redirect_uris=uris,
        post_logout_redirect_uris=logout,
        scopes=sorted(set(scopes)),
        department=unit,
    )
    await AuditEvent.record("client.registered", actor=actor, target=f"client:{client_id}")
    return RegisteredClient(client, secret)


async def register_provider(
    box: SecretBox,
    *,
    slug: str,
    name: str,
    issuer: str,
    client_id: str,
    client_secret: str,
    scopes: str,
    actor: str,
) -> IdentityProvider:
    if not SLUG.fullmatch(slug):
        raise InvalidInput("代码须为2到32位小写字母、数字或短横线", field="slug")
    check_uri(issuer, field="issuer")
    if not client_secret:
        raise InvalidInput("请提供对方平台分配的客户端密钥", field="clientSecret")
    if await IdentityProvider.exists(slug=slug):
        raise Conflict(f"代码“{slug}”已被使用", field="slug")
    provider = await IdentityProvider.create(
        slug=slug,
        name=name.strip(),
        issuer=issuer.rstrip("/"),
        client_id=client_id,
        client_secret_jwe=box.seal(client_secret),
        scopes=scopes,
    )
    await AuditEvent.record("provider.registered", actor=actor, target=f"provider:{slug}")
    return provider
