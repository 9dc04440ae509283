"""Reading the e-licence catalogue (LIC-1): who sees which entries, and the catalogue
page by name, department and state. Drafts and registered entries show only to their
department and administrators; everyone sees the rest (:data:`license_catalog.PUBLIC`).
"""

from __future__ import annotations

from collections.abc import Sequence

from servicehall import db, text
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.loaders.licenses import ENTRY_COLUMNS, ENTRY_FROM, entry_row
from servicehall.models import CatalogState
from servicehall.resolvers.license_catalog import PUBLIC
from servicehall.resolvers.paging import Page, newest_first


def visible_states(principal: Principal) -> frozenset[CatalogState] | None:
    """States the principal sees in every department (None: all of them)."""
    return None if principal.kind is PrincipalKind.ADMIN else PUBLIC


def can_see(principal: Principal, state: CatalogState, department_code: str) -> bool:
    if state in PUBLIC or principal.kind is PrincipalKind.ADMIN:
        return True
    return principal.kind is PrincipalKind.STAFF and principal.department_code == department_code


async def catalog_page(
    principal: Principal,
    *,
    name: str | None,
    department_code: str | None,
    states: Sequence[CatalogState],
    first: int,
    after: str | None,
) -> Page:
    """Entries by name (any part of it, one character or more), department and state,
    newest first; drafts and registered entries only for their department and admins."""
    q = db.Sql(db.dialect())
    where = []
    if principal.kind is not PrincipalKind.ADMIN:
        own = (
            f" OR d.code = {q.bind(principal.department_code)}"
            if principal.kind is PrincipalKind.STAFF and principal.department_code
            else ""
        )
        where.append(f"(e.state IN ({q.bind_all(s.value for s in PUBLIC)}){own})")
    keyword = " ".join((name or "").split())
    if keyword:
        pattern = q.bind(f"%{text.like_escape(keyword)}%")
        where.append(f"e.name LIKE {pattern} ESCAPE '\\'")
    if department_code:
        where.append(f"d.code = {q.bind(department_code.strip().upper())}")
    if states:
        where.append(f"e.state IN ({q.bind_all(s.value for s in states)})")
    sql = f"SELECT {ENTRY_COLUMNS} {ENTRY_FROM}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    page = await newest_first(sql, "created_at", q, first=first, after=after)
    for row in page.rows:
        entry_row(row)
    return page
