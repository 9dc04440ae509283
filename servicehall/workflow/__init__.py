"""Workflows as data (issue 13): a process is declared, one engine moves its instances.

- ``process``: :class:`Process`, :class:`State`, :class:`Action`, deadlines and hooks.
- ``rules``: who may take an action (:class:`HasRole`, :data:`ADMIN`, :class:`SameDepartment`,
  :class:`Owner`, combined with :class:`AnyOf` / :class:`AllOf`) and guards on the instance.
- ``engine``: :func:`check` and :func:`apply` (one atomic, recorded step), :func:`start`,
  :func:`available` (the actions open now).
- ``overdue``: instances past their state's deadline, for urging jobs.
"""

from servicehall.workflow.engine import (
    SYSTEM,
    Actor,
    Applied,
    Decision,
    apply,
    available,
    check,
    illegal,
    signed_in,
    start,
)
from servicehall.workflow.overdue import Overdue, overdue
from servicehall.workflow.process import (
    Action,
    Announce,
    Clock,
    Deadline,
    Need,
    Needs,
    Notify,
    Process,
    State,
)
from servicehall.workflow.rules import (
    ADMIN,
    NOBODY,
    AllOf,
    AnyOf,
    HasRole,
    IsSet,
    IsUnset,
    OneOf,
    Owner,
    Rule,
    SameDepartment,
)

__all__ = [
    "ADMIN",
    "NOBODY",
    "SYSTEM",
    "Action",
    "Actor",
    "AllOf",
    "Announce",
    "AnyOf",
    "Applied",
    "Clock",
    "Deadline",
    "Decision",
    "HasRole",
    "IsSet",
    "IsUnset",
    "Need",
    "Needs",
    "Notify",
    "OneOf",
    "Overdue",
    "Owner",
    "Process",
    "Rule",
    "SameDepartment",
    "State",
    "apply",
    "available",
    "check",
    "illegal",
    "overdue",
    "signed_in",
    "start",
]
