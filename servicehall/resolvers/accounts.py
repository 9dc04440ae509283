"""Account self-service and portal notices as services (SSO-1..4, ENT-1): each takes the
principal (or, for activation, what the anonymous visitor proves), does the work of
``resolvers/identity.py`` and hands the schema plain rows, never a model."""

from __future__ import annotations

from typing import Any

from tortoise.models import Model

from servicehall import db
from servicehall.auth.accounts import signed_in_account
from servicehall.auth.principal import Principal
from servicehall.auth.services import AuthServices
from servicehall.auth.sessions import SsoSession
from servicehall.models import AccountBinding
from servicehall.resolvers import identity
from servicehall.resolvers.outcome import Outcome, outcome
from servicehall.resolvers.paging import Page

Row = dict[str, Any]


def row_of(instance: Model) -> Row:
    """A model instance as the row its schema type reads."""
    return db.model_row(instance)


def binding_row(binding: AccountBinding) -> Row:
    return {
        "provider": binding.provider.slug,
        "provider_name": binding.provider.name,
        "display_name": binding.display_name,
        "bound_at": binding.bound_at,
    }


def _rows(found: Page) -> Page:
    return Page([row_of(r) for r in found.rows], found.cursors, found.has_next, found.total)


# -- reads of the signed-in viewer -------------------------------------------------------


async def viewer_account(principal: Principal) -> Row:
    return row_of(await signed_in_account(principal))


async def login_records(account_id: int, first: int, after: str | None) -> Page:
    return _rows(await identity.login_records(account_id, first, after))


async def announcements(first: int, after: str | None) -> Page:
    return _rows(await identity.announcements(first, after))


async def bindings(account_id: int) -> list[Row]:
    found = AccountBinding.filter(account_id=account_id).select_related("provider").order_by("id")
    return [binding_row(b) for b in await found]


async def sessions(auth: AuthServices, account_id: int) -> list[SsoSession]:
    return await auth.sessions.list_for(account_id)


# -- writes ------------------------------------------------------------------------------


async def change_password(
    principal: Principal,
    auth: AuthServices,
    *,
    current: str,
    new: str,
    end_other_sessions: bool,
    ip: str,
) -> Outcome[tuple[Row, int]]:
    """The new password, and optionally every other session ended: the account, and how
    many sessions ended."""
    account = await signed_in_account(principal)
    await identity.change_password(auth, account, current, new, ip)
    ended = 0
    if end_other_sessions:
        ended = await identity.end_other_sessions(auth, account, principal.session_id, ip)
    return outcome((row_of(account), ended))


async def end_other_sessions(principal: Principal, auth: AuthServices, *, ip: str) -> Outcome[int]:
    account = await signed_in_account(principal)
    return outcome(await identity.end_other_sessions(auth, account, principal.session_id, ip))


async def remove_binding(principal: Principal, provider: str, *, ip: str) -> Outcome[list[Row]]:
    """Unbind another platform's account: the bindings left."""
    account = await signed_in_account(principal)
    await identity.remove_binding(account, provider, ip)
    return outcome(await bindings(account.id))


async def start_activation(
    auth: AuthServices,
    *,
    credit_code: str,
    id_number: str,
    captcha_id: str,
    captcha_answer: str,
    ip: str,
) -> Outcome[identity.ActivationStarted]:
    """An anonymous visitor proves an enterprise and its legal representative; the code
    is texted through the outbox."""
    return outcome(
        await identity.start_activation(
            auth,
            credit_code=credit_code,
            id_number=id_number,
            captcha_id=captcha_id,
            captcha_answer=captcha_answer,
            ip=ip,
        )
    )


async def finish_activation(
    auth: AuthServices, *, activation_id: str, code: str, password: str, ip: str
) -> Outcome[Row]:
    account = await identity.finish_activation(
        auth, activation_id=activation_id, code=code, password=password, ip=ip
    )
    return outcome(row_of(account))


async def publish_announcement(
    principal: Principal, *, title: str, body: str, ip: str
) -> Outcome[Row]:
    account = await signed_in_account(principal)
    notice = await identity.publish_announcement(principal, account, title, body, ip)
    return outcome(row_of(notice), ("Announcement", str(notice.id)))
