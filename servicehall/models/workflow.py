"""The one history of every workflow (issue 13): each step any process takes.

``servicehall.workflow`` appends a :class:`WorkflowStep` in the transaction of every step
of every process (case stages, the licence catalogue, browse grants, follow-ups, and the
processes still to come). ``process`` names the process definition and ``instance_id`` the
row of the process's own table; states and actions are the definition's values.

The histories that existed before this table (``case_record``, ``license_catalog_event``)
are now read-only views over it with their old columns (migrations 0010 and 0011), so readers
of those models and tables see the same rows. Nothing writes to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from servicehall.models.identity import Account
    from servicehall.models.items import Department


class WorkflowStep(Model):
    """One step of one instance of a process: who, in which role and department, when,
    from where, why, on what legal basis, from which state to which."""

    id = fields.BigIntField(primary_key=True)
    #: The process definition's name (``Process.name``), e.g. "case", "license_grant".
    process = fields.CharField(max_length=32)
    #: The id of the instance in the process's own table.
    instance_id = fields.BigIntField()
    #: The action taken (``Action.name``), "start" for the step that opens an instance.
    action = fields.CharField(max_length=32)
    #: Null for the step that opens an instance.
    from_state = fields.CharField(max_length=32, null=True)
    to_state = fields.CharField(max_length=32)
    #: The instance's version after the step, for processes that keep one.
    version = fields.IntField(null=True)
    at = fields.DatetimeField()
    #: ``Principal.identity`` ("staff:<subject>", "admin:<subject>"), or "system".
    actor = fields.CharField(max_length=96)
    #: As shown in histories: a staff member's name, "申请人", "系统".
    actor_name = fields.CharField(max_length=64)
    actor_account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="workflow_steps", null=True, on_delete=fields.SET_NULL
    )
    #: The role the step was allowed under ("admin", "case_handler", "owner", "").
    role = fields.CharField(max_length=32, default="")
    #: The acting principal's own department code ("" for administrators and the public).
    actor_department = fields.CharField(max_length=16, default="")
    #: The department responsible for the instance at this step (a case's handling
    #: department, a catalogue entry's issuer, the department a grant is for).
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="workflow_steps", null=True, on_delete=fields.RESTRICT
    )
    #: Where the step came from: the client address of the request, "" when not a request.
    ip = fields.CharField(max_length=64, default="")
    #: Why: the reason, note or opinion given with the step.
    reason = fields.TextField(default="")
    #: The legal basis cited (法律依据), where the action asks for one.
    basis = fields.CharField(max_length=500, default="")

    class Meta:
        table = "workflow_step"
        indexes = (("process", "instance_id", "at"), ("process", "to_state", "at"))
