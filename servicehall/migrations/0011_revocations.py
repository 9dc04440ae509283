from tortoise import migrations
from tortoise.migrations import operations as ops
from servicehall.models.revocations import RevocationKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_workflow')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Revocation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='TOKEN: jti\nSESSION: sid\nFAMILY: family\nCLIENT: client', enum_type=RevocationKind, max_length=8)),
                ('value', fields.CharField(max_length=64)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'token_revocation', 'app': 'models', 'unique_together': (('kind', 'value'),), 'pk_attr': 'id', 'table_description': 'One revoked access token (``jti``), SSO session, refresh-token family (access tokens'},
            bases=['Model'],
        ),
    ]
