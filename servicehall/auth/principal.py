"""Who is asking: the principal every request carries (SEC-1).

Built by the authentication backend from a validated access token (``auth/tokens.py``),
or anonymous. Resolvers and permission classes read only this object. A kiosk device is a
kind of its own: it never has an account, sees public data and what a resident proves
(case number + applicant name), and carries the station it is bound to (STA-4).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from starlette.authentication import BaseUser


class PrincipalKind(enum.Enum):
    ANONYMOUS = "anonymous"
    PERSON = "person"
    ENTERPRISE = "enterprise"
    STAFF = "staff"
    ADMIN = "admin"
    #: A department system or another machine client acting for itself.
    MACHINE = "machine"
    #: A self-service terminal at a station (a registered kiosk device's machine client).
    KIOSK = "kiosk"
    #: The hall's operator at the command line (``servicehall clients add`` …): trusted
    #: like an administrator, never carried by a token (``auth/tokens.py`` refuses it).
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class Principal(BaseUser):
    kind: PrincipalKind
    #: The account's OpenID Connect ``sub``, or the machine client's id.
    subject: str | None = None
    client_id: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    session_id: str | None = None
    token_id: str | None = None
    enterprise_code: str | None = None
    department_code: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    #: The station a kiosk device is bound to.
    station_code: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.kind is PrincipalKind.ANONYMOUS

    @property
    def has_account(self) -> bool:
        return self.kind in (
            PrincipalKind.PERSON,
            PrincipalKind.ENTERPRISE,
            PrincipalKind.STAFF,
            PrincipalKind.ADMIN,
        )

    @property
    def is_kiosk(self) -> bool:
        return self.kind is PrincipalKind.KIOSK

    def has_role(self, role: str) -> bool:
        return self.kind is PrincipalKind.ADMIN or role in self.roles

    # Starlette's ``request.user`` protocol (AuthenticationMiddleware).
    @property
    def is_authenticated(self) -> bool:
        return not self.is_anonymous

    @property
    def display_name(self) -> str:
        return self.subject or ""

    @property
    def identity(self) -> str:
        return f"{self.kind.value}:{self.subject}" if self.subject else "anonymous"


ANONYMOUS = Principal(PrincipalKind.ANONYMOUS)
