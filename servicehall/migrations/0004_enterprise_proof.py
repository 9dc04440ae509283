from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_audit_append_only')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Enterprise',
            name='legal_representative_id_hmac',
            field=fields.CharField(default='', db_default='', description="HMAC of the legal representative's ID number (the activation proof of ENT-1),", max_length=64),
        ),
    ]
