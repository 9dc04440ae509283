"""Licence revocation on the workflow engine (issue 13; LIC-3): the licences' history.

Hand-written (the models do not change). Licences now record their steps in
``workflow_step`` as the ``license`` process (``resolvers.licenses.PROCESS``): the issue as
its opening step, a revocation as the step "revoke". This copies those of the licences
issued before, from the columns of their rows (which stay: the API shows them). Backwards,
the steps are removed.
"""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

COLUMNS = (
    "process, instance_id, action, from_state, to_state, version, at, actor, actor_name, "
    "actor_account_id, role, actor_department, department_id, ip, reason, basis"
)
COPY = [
    f"INSERT INTO workflow_step ({COLUMNS}) SELECT 'license', l.id, 'start', NULL, 'valid', "
    "NULL, l.created_at, COALESCE(a.kind || ':' || a.subject, ''), l.issuer_name, "
    "l.issued_by_id, 'license_issuer', COALESCE(d.code, ''), l.department_id, '', '', '' "
    "FROM license l LEFT JOIN account a ON a.id = l.issued_by_id "
    "LEFT JOIN department d ON d.id = a.department_id ORDER BY l.created_at, l.id",
    f"INSERT INTO workflow_step ({COLUMNS}) SELECT 'license', l.id, 'revoke', 'valid', "
    "'revoked', NULL, l.revoked_at, l.revoked_by, COALESCE(a.display_name, ''), a.id, "
    "'license_issuer', COALESCE(d.code, ''), l.department_id, '', l.revoke_reason, '' "
    "FROM license l LEFT JOIN account a ON a.kind || ':' || a.subject = l.revoked_by "
    "LEFT JOIN department d ON d.id = a.department_id "
    "WHERE l.revoked_at IS NOT NULL ORDER BY l.revoked_at, l.id",
]


async def copy_steps(apps: Any, schema_editor: Any) -> None:
    for statement in COPY:
        await schema_editor.client.execute_query(statement)


async def remove_steps(apps: Any, schema_editor: Any) -> None:
    await schema_editor.client.execute_query("DELETE FROM workflow_step WHERE process = 'license'")


class Migration(migrations.Migration):
    dependencies = [("models", "0012_case_workflow")]

    initial = False

    operations = [
        ops.RunPython(copy_steps, remove_steps),
    ]
