"""Migration operations the generated ones lack, shared by hand-edited migrations."""

from typing import Any

from tortoise.migrations import operations as ops


class AddColumn(ops.AddField):
    """A new column. Backwards, SQLite drops it in place (``ALTER TABLE … DROP COLUMN``,
    SQLite 3.35+) instead of rebuilding the table, which fails while other rows refer to
    it (a follow-up to its rating, a case to its item) because foreign keys stay enforced
    in the migration's transaction."""

    async def database_backward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        if state_editor is None or state_editor.client.capabilities.dialect != "sqlite":
            await super().database_backward(app_label, old_state, new_state, state_editor)
            return
        model = old_state.apps.get_model(f"{app_label}.{self.model_name}")
        column = model._meta.fields_map[self.name].source_field or self.name
        await state_editor.client.execute_query(
            f'ALTER TABLE "{model._meta.db_table}" DROP COLUMN "{column}"'
        )
