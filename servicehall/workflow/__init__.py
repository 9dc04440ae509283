"""Workflows as data (issue 13): a process is declared, one engine moves its instances.

- ``process``: :class:`Process`, :class:`State`, :class:`Action`, deadlines and hooks.
- ``rules``: who may take an action (:class:`HasRole`, :data:`ADMIN`, :class:`SameDepartment`,
  :class:`Owner`, combined with :class:`AnyOf` / :class:`AllOf`) and guards on the instance.
- ``engine``: :func:`check` and :func:`apply` (one atomic, recorded step), :func:`start`,
  :func:`available` (the actions open now).
- ``acting``: :func:`act`, the one way a service takes a step a person asks for with its
  reason (check, who, then the step, the :class:`Stamp` columns and the :class:`Audit`
  event in one transaction).
- ``overdue``: instances past their state's deadline, for urging jobs.
"""

from servicehall.workflow.acting import REVOKED, Audit, Stamp, act
from servicehall.workflow.engine import (
    SYSTEM,
    Actor,
    Applied,
    Decision,
    Past,
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
    OPERATOR,
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
    "OPERATOR",
    "REVOKED",
    "SYSTEM",
    "Action",
    "Actor",
    "AllOf",
    "Announce",
    "AnyOf",
    "Applied",
    "Audit",
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
    "Past",
    "Process",
    "Rule",
    "SameDepartment",
    "Stamp",
    "State",
    "act",
    "apply",
    "available",
    "check",
    "illegal",
    "overdue",
    "signed_in",
    "start",
]
