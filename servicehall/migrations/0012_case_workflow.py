"""Case stages on the workflow engine (issue 13; CASE-2): ``case_record`` becomes a view.

Hand-written (the models do not change). Every ``case_record`` row is copied into
``workflow_step`` as a step of the ``case`` process, in the order the records were read
(time, then id): the action is the one of ``resolvers.case_process.PROCESS`` leading to the
record's stage ("start" for the submission), the stage left is the case's previous record,
the version is the case's version after the step (1 at submission, one more per move, as
``service_case.version`` counts). Who acted is the record's name and account; the role is
"owner" for the applicant, "system" for the hall, "case_handler" otherwise. Then
``case_record`` is replaced by a read-only view of the same name and columns, so the
``CaseRecord`` model, the loaders and the GraphQL timeline read the same rows as before.
Backwards, the table is rebuilt from the steps and the steps removed.
"""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

ACTIONS = (
    "CASE r.stage WHEN 'submitted' THEN 'start' WHEN 'pre_accepted' THEN 'pre_accept' "
    "WHEN 'accepted' THEN 'accept' WHEN 'processing' THEN 'process' "
    "WHEN 'supplement_requested' THEN 'request_supplement' "
    "WHEN 'supplement_accepted' THEN 'accept_supplement' "
    "WHEN 'special_requested' THEN 'request_special' "
    "WHEN 'special_concluded' THEN 'conclude_special' WHEN 'completed' THEN 'complete' "
    "ELSE 'collect' END"
)
COLUMNS = (
    "process, instance_id, action, from_state, to_state, version, at, actor, actor_name, "
    "actor_account_id, role, actor_department, department_id, ip, reason, basis"
)
ORDER = "PARTITION BY r.case_id ORDER BY r.at, r.id"
COPY = [
    f"INSERT INTO workflow_step ({COLUMNS}) SELECT 'case', r.case_id, {ACTIONS}, "
    f"LAG(r.stage) OVER ({ORDER}), r.stage, ROW_NUMBER() OVER ({ORDER}), r.at, "
    "CASE WHEN a.id IS NOT NULL THEN a.kind || ':' || a.subject "
    "WHEN r.handler = '系统' THEN 'system' ELSE '' END, r.handler, r.handler_account_id, "
    "CASE WHEN r.handler = '申请人' THEN 'owner' WHEN r.handler = '系统' THEN 'system' "
    "ELSE 'case_handler' END, COALESCE(d.code, ''), r.department_id, '', r.note, '' "
    "FROM case_record r LEFT JOIN account a ON a.id = r.handler_account_id "
    "LEFT JOIN department d ON d.id = a.department_id ORDER BY r.at, r.id",
    "DROP TABLE case_record",
    "CREATE VIEW case_record AS SELECT id, instance_id AS case_id, to_state AS stage, at, "
    "actor_name AS handler, actor_account_id AS handler_account_id, department_id, "
    "reason AS note FROM workflow_step WHERE process = 'case'",
]
RECORD_TABLE = {
    "sqlite": "CREATE TABLE case_record (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
    "stage VARCHAR(24) NOT NULL, at TIMESTAMP NOT NULL, handler VARCHAR(64) NOT NULL, "
    "note TEXT NOT NULL, case_id INT NOT NULL REFERENCES service_case (id) ON DELETE CASCADE, "
    "department_id INT REFERENCES department (id) ON DELETE RESTRICT, "
    "handler_account_id INT REFERENCES account (id) ON DELETE SET NULL)",
    "postgres": "CREATE TABLE case_record (id BIGSERIAL NOT NULL PRIMARY KEY, "
    "stage VARCHAR(24) NOT NULL, at TIMESTAMPTZ NOT NULL, handler VARCHAR(64) NOT NULL, "
    "note TEXT NOT NULL, case_id INT NOT NULL REFERENCES service_case (id) ON DELETE CASCADE, "
    "department_id INT REFERENCES department (id) ON DELETE RESTRICT, "
    "handler_account_id INT REFERENCES account (id) ON DELETE SET NULL)",
}
RESTORE = [
    "DROP VIEW case_record",
    "{table}",
    "CREATE INDEX idx_case_record_case_id_5c0e79 ON case_record (case_id, at)",
    "INSERT INTO case_record (case_id, stage, at, handler, handler_account_id, "
    "department_id, note) SELECT instance_id, to_state, at, actor_name, actor_account_id, "
    "department_id, reason FROM workflow_step WHERE process = 'case' ORDER BY at, id",
    "DELETE FROM workflow_step WHERE process = 'case'",
]


def _dialect(schema_editor: Any) -> str:
    return "sqlite" if schema_editor.client.capabilities.dialect == "sqlite" else "postgres"


async def move_records(apps: Any, schema_editor: Any) -> None:
    for statement in COPY:
        await schema_editor.client.execute_query(statement)


async def restore_records(apps: Any, schema_editor: Any) -> None:
    table = RECORD_TABLE[_dialect(schema_editor)]
    for statement in RESTORE:
        await schema_editor.client.execute_query(statement.format(table=table))


class Migration(migrations.Migration):
    dependencies = [("models", "0011_revocations")]

    initial = False

    operations = [
        ops.RunPython(move_records, restore_records),
    ]
