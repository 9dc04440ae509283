from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from servicehall.models.notifications import OutboxChannel, OutboxState
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_enterprise_page')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('message_id', fields.CharField(unique=True, max_length=32)),
                ('source', fields.CharField(unique=True, max_length=160)),
                ('channel', fields.CharEnumField(description='EMAIL: email\nSMS: sms\nIN_APP: in_app', enum_type=OutboxChannel, max_length=16)),
                ('kind', fields.CharField(description='The template it was rendered from, e.g. "enterprise_digest".', max_length=48)),
                ('recipient', fields.CharField(description='An e-mail address, a mobile number, or "enterprise:7" / "account:3" for in-app.', max_length=128)),
                ('subject', fields.CharField(default='', max_length=256)),
                ('body', fields.TextField(unique=False)),
                ('html', fields.TextField(null=True, unique=False)),
                ('payload', fields.JSONField(default=dict, description='In-app: where the message lands (enterprise_id or account_id, category, sender, link).', encoder=JSON_DUMPS, decoder=loads)),
                ('state', fields.CharEnumField(default=OutboxState.QUEUED, description='QUEUED: queued\nSENDING: sending\nSENT: sent\nRETRYING: retrying\nDEAD: dead\nEXPIRED: expired', enum_type=OutboxState, max_length=16)),
                ('attempts', fields.SmallIntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('lease_until', fields.DatetimeField(null=True, description='A claimed message whose lease ran out (its worker died) is claimed again.', auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('sensitive', fields.BooleanField(default=False, description='The body holds a secret (a one-time code): blanked once the message is settled.')),
                ('last_error', fields.CharField(default='', max_length=512)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_message', 'app': 'models', 'indexes': [Index(fields=['state', 'next_attempt_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SmsTemplate',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=48)),
                ('body', fields.CharField(max_length=500)),
                ('updated_by', fields.CharField(max_length=96)),
            ],
            options={'table': 'sms_template', 'app': 'models', 'pk_attr': 'id', 'table_description': "An administrator's wording of a text message (the built-in wording otherwise)."},
            bases=['Timestamped', 'Model'],
        ),
    ]
