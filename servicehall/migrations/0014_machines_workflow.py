"""Rating disputes and kiosk devices on the workflow engine (issue 13; RATE-2, STA-4).

Generated (the two state columns, dropped in place on SQLite backwards), then hand-written
(the copy). A rating's dispute is the
``rating_dispute`` process (``resolvers.ratings.DISPUTE``) with its state in
``rating.dispute_state``; a kiosk device's registration is the ``kiosk_device`` process
(``resolvers.kiosks.DEVICE``) with its state in ``kiosk_device.status``. Rows that existed
before get their state from the columns that said it (``disputed_at``, ``revoked_at``, which
stay: the API shows them) and their steps copied into ``workflow_step``: a dispute as the
step "dispute", a device's registration as its opening step and a revocation as "revoke"
(who revoked one before was not kept, nor why). Backwards, the steps are removed.
"""

from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from servicehall.migration_ops import AddColumn
from servicehall.models.cases import RatingDispute
from servicehall.models.stations import DeviceStatus

COLUMNS = (
    "process, instance_id, action, from_state, to_state, version, at, actor, actor_name, "
    "actor_account_id, role, actor_department, department_id, ip, reason, basis"
)
COPY = [
    "UPDATE rating SET dispute_state = 'disputed' WHERE disputed_at IS NOT NULL",
    "UPDATE kiosk_device SET status = 'revoked' WHERE revoked_at IS NOT NULL",
    f"INSERT INTO workflow_step ({COLUMNS}) SELECT 'rating_dispute', r.id, 'dispute', "
    "'undisputed', 'disputed', NULL, r.disputed_at, r.disputed_by, "
    "COALESCE(a.display_name, ''), a.id, 'case_handler', COALESCE(d.code, ''), "
    "r.department_id, '', r.dispute_reason, '' "
    "FROM rating r LEFT JOIN account a ON a.kind || ':' || a.subject = r.disputed_by "
    "LEFT JOIN department d ON d.id = a.department_id "
    "WHERE r.disputed_at IS NOT NULL ORDER BY r.disputed_at, r.id",
    f"INSERT INTO workflow_step ({COLUMNS}) SELECT 'kiosk_device', k.id, 'start', NULL, "
    "'active', NULL, k.created_at, k.registered_by, COALESCE(a.display_name, k.registered_by), "
    "a.id, CASE WHEN k.registered_by LIKE 'operator:%' THEN 'operator' ELSE 'admin' END, "
    "'', NULL, '', '', '' "
    "FROM kiosk_device k LEFT JOIN account a ON a.kind || ':' || a.subject = k.registered_by "
    "ORDER BY k.created_at, k.id",
    f"INSERT INTO workflow_step ({COLUMNS}) SELECT 'kiosk_device', k.id, 'revoke', 'active', "
    "'revoked', NULL, k.revoked_at, '', '', NULL, '', '', NULL, '', '', '' "
    "FROM kiosk_device k WHERE k.revoked_at IS NOT NULL ORDER BY k.revoked_at, k.id",
]


async def copy_steps(apps: Any, schema_editor: Any) -> None:
    for statement in COPY:
        await schema_editor.client.execute_query(statement)


async def remove_steps(apps: Any, schema_editor: Any) -> None:
    await schema_editor.client.execute_query(
        "DELETE FROM workflow_step WHERE process IN ('rating_dispute', 'kiosk_device')"
    )


class Migration(migrations.Migration):
    dependencies = [("models", "0013_license_workflow")]

    initial = False

    operations = [
        AddColumn(
            model_name="KioskDevice",
            name="status",
            field=fields.CharEnumField(
                default=DeviceStatus.ACTIVE,
                description="ACTIVE: active\nREVOKED: revoked",
                db_default="active",
                enum_type=DeviceStatus,
                max_length=16,
            ),
        ),
        AddColumn(
            model_name="Rating",
            name="dispute_state",
            field=fields.CharEnumField(
                default=RatingDispute.UNDISPUTED,
                description="UNDISPUTED: undisputed\nDISPUTED: disputed",
                db_default="undisputed",
                enum_type=RatingDispute,
                max_length=16,
            ),
        ),
        ops.RunPython(copy_steps, remove_steps),
    ]
