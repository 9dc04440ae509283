from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from servicehall.models.stations import AreaKind
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_licenses')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Area',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=12)),
                ('name', fields.CharField(description="The area's own name (井岸镇, 黄沙村), never the station's.", max_length=32)),
                ('kind', fields.CharEnumField(description='TOWN: town\nSUBDISTRICT: subdistrict\nVILLAGE: village\nCOMMUNITY: community', enum_type=AreaKind, max_length=16)),
                ('parent', fields.ForeignKeyField('models.Area', source_field='parent_id', null=True, description='The town of a village, None for a town.', db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.RESTRICT)),
                ('address', fields.CharField(description="The station's or point's address, telephone and opening hours.", max_length=128)),
                ('phone', fields.CharField(max_length=32)),
                ('opening_hours', fields.CharField(max_length=128)),
                ('outline', fields.JSONField(default=list, description='Outline polygon as [[lng, lat], ...] (WGS-84), empty where none is known.', encoder=JSON_DUMPS, decoder=loads)),
                ('point', fields.JSONField(description="The station's position, or a town's label point, as [lng, lat].", encoder=JSON_DUMPS, decoder=loads)),
                ('sort', fields.IntField(default=0)),
            ],
            options={'table': 'area', 'app': 'models', 'indexes': [Index(fields=['parent_id', 'sort'])], 'pk_attr': 'id', 'table_description': 'A town or village together with the station or point that serves it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KioskDevice',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('client', fields.OneToOneField('models.OAuthClient', source_field='client_id', db_constraint=True, to_field='id', related_name='kiosk_device', on_delete=OnDelete.RESTRICT)),
                ('station', fields.ForeignKeyField('models.Area', source_field='station_id', db_constraint=True, to_field='id', related_name='kiosk_devices', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=64)),
                ('registered_by', fields.CharField(description="Who registered it (an administrator's identity or ``operator:cli``).", max_length=80)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'kiosk_device', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A self-service terminal bound to a station (STA-4).'},
            bases=['Timestamped', 'Model'],
        ),
        ops.CreateModel(
            name='StationItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('area', fields.ForeignKeyField('models.Area', source_field='area_id', db_constraint=True, to_field='id', related_name='item_links', on_delete=OnDelete.CASCADE)),
                ('item', fields.ForeignKeyField('models.ServiceItem', source_field='item_id', db_constraint=True, to_field='id', related_name='station_links', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'station_item', 'app': 'models', 'unique_together': (('area', 'item'),), 'indexes': [Index(fields=['item_id', 'area_id'])], 'pk_attr': 'id', 'table_description': 'An item the station or point of an area handles.'},
            bases=['Model'],
        ),
    ]
