"""Authentication and authorisation: principals, tokens and permissions."""

from servicehall.auth.principal import ANONYMOUS, Principal, PrincipalKind

__all__ = ["ANONYMOUS", "Principal", "PrincipalKind"]
