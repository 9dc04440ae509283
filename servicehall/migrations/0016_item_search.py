"""Keywords, aliases and pinyin of items for search (ITEM-5, issue 14).

Generated (the columns dropped in place on SQLite backwards: ``migration_ops``), plus a backfill of the pinyin of the items already there (their keywords start
empty: the registry adds them).
"""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

from servicehall.migration_ops import AddColumn
from servicehall.text import pinyin  # the one definition of the search's pinyin

async def fill_pinyin(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    _, rows = await client.execute_query("SELECT id, name FROM service_item")
    for row in rows:  # letters and digits only: safe to inline
        full, initials = pinyin(row["name"])
        await client.execute_query(
            f"UPDATE service_item SET search_pinyin = '{full}', search_initials = '{initials}' "
            f"WHERE id = {int(row['id'])}"
        )


async def nothing(apps: Any, schema_editor: Any) -> None:
    """Backwards the columns go away with their values."""


class Migration(migrations.Migration):
    dependencies = [('models', '0015_item_registry')]

    initial = False

    operations = [
        AddColumn(
            model_name='ServiceItem',
            name='keywords',
            field=fields.JSONField(default=list, description='Keywords and aliases people search the item by (社保, 营业执照).', db_default='[]', encoder=JSON_DUMPS, decoder=loads),
        ),
        AddColumn(
            model_name='ServiceItem',
            name='search_initials',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        AddColumn(
            model_name='ServiceItem',
            name='search_keywords',
            field=fields.TextField(default='', description='The normalised keywords, one per line, for LIKE on the SQL path.', db_default='', unique=False),
        ),
        AddColumn(
            model_name='ServiceItem',
            name='search_pinyin',
            field=fields.TextField(default='', description='``servicehall.text.pinyin(name)``: full pinyin and initials (yingyezhizhao, yyzz).', db_default='', unique=False),
        ),
        ops.RunPython(fill_pinyin, nothing),
    ]
