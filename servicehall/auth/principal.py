"""Who is asking: the principal every request carries (SEC-1).

The foundation knows only the anonymous principal; unified authentication adds signed-in
persons, enterprises, staff, administrators, machine clients and kiosk devices, each built
by the Starlette authentication backend from a validated token.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class PrincipalKind(enum.Enum):
    ANONYMOUS = "anonymous"


@dataclass(frozen=True, slots=True)
class Principal:
    kind: PrincipalKind
    #: Stable identifier of the account or client; None when anonymous.
    subject: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.kind is PrincipalKind.ANONYMOUS


ANONYMOUS = Principal(PrincipalKind.ANONYMOUS)
