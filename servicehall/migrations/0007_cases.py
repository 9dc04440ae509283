from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from servicehall.models.cases import ApplicantKind, CaseChannel, CaseOutcome, CaseStage, FollowUpStatus, RatingLevel
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_notifications')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Case',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case_number', fields.CharField(unique=True, max_length=20)),
                ('item', fields.ForeignKeyField('models.ServiceItem', source_field='item_id', db_constraint=True, to_field='id', related_name='cases', on_delete=OnDelete.RESTRICT)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', description="The handling department (the item's, at submission).", db_constraint=True, to_field='id', related_name='cases', on_delete=OnDelete.RESTRICT)),
                ('applicant_kind', fields.CharEnumField(description='PERSON: person\nENTERPRISE: enterprise', enum_type=ApplicantKind, max_length=16)),
                ('applicant_name', fields.CharField(max_length=64)),
                ('applicant_code', fields.CharField(description='A resident ID number or a Unified Social Credit Code, checked on the way in.', max_length=18)),
                ('applicant_phone', fields.CharField(default='', max_length=20)),
                ('enterprise', fields.ForeignKeyField('models.Enterprise', source_field='enterprise_id', null=True, db_constraint=True, to_field='id', related_name='cases', on_delete=OnDelete.SET_NULL)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', null=True, description='The account that applied online, if any.', db_constraint=True, to_field='id', related_name='cases', on_delete=OnDelete.SET_NULL)),
                ('channel', fields.CharEnumField(description='WEB: web\nAPP: app\nKIOSK: kiosk\nWINDOW: window', enum_type=CaseChannel, max_length=16)),
                ('stage', fields.CharEnumField(description='SUBMITTED: submitted\nPRE_ACCEPTED: pre_accepted\nACCEPTED: accepted\nPROCESSING: processing\nSUPPLEMENT_REQUESTED: supplement_requested\nSUPPLEMENT_ACCEPTED: supplement_accepted\nSPECIAL_REQUESTED: special_requested\nSPECIAL_CONCLUDED: special_concluded\nCOMPLETED: completed\nCOLLECTED: collected', enum_type=CaseStage, max_length=24)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('limit_days', fields.SmallIntField(description='The statutory time limit in working days (法定办结时限), from the item at acceptance.')),
                ('deadline', fields.DateField(null=True, description='Derived at every move: null before acceptance and while the clock is paused.')),
                ('paused', fields.BooleanField(default=False)),
                ('outcome', fields.CharEnumField(null=True, description='APPROVED: approved\nREFUSED: refused', enum_type=CaseOutcome, max_length=16)),
                ('version', fields.IntField(default=1, description='Bumped by every move: two staff members cannot move the same case at once.')),
            ],
            options={'table': 'service_case', 'app': 'models', 'indexes': [Index(fields=['department_id', 'stage']), Index(fields=['enterprise_id', 'stage']), Index(fields=['account_id', 'submitted_at'])], 'pk_attr': 'id'},
            bases=['Timestamped', 'Model'],
        ),
        ops.CreateModel(
            name='CaseCounter',
            fields=[
                ('day', fields.DateField(primary_key=True, unique=True, db_index=True)),
                ('last_serial', fields.IntField()),
            ],
            options={'table': 'case_counter', 'app': 'models', 'pk_attr': 'day', 'table_description': 'The last serial handed out on a day (case numbers restart every day).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CaseRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('models.Case', source_field='case_id', db_constraint=True, to_field='id', related_name='records', on_delete=OnDelete.CASCADE)),
                ('stage', fields.CharEnumField(description='SUBMITTED: submitted\nPRE_ACCEPTED: pre_accepted\nACCEPTED: accepted\nPROCESSING: processing\nSUPPLEMENT_REQUESTED: supplement_requested\nSUPPLEMENT_ACCEPTED: supplement_accepted\nSPECIAL_REQUESTED: special_requested\nSPECIAL_CONCLUDED: special_concluded\nCOMPLETED: completed\nCOLLECTED: collected', enum_type=CaseStage, max_length=24)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('handler', fields.CharField(description='Who acted, as shown: a staff member\'s name, "申请人" or "系统".', max_length=64)),
                ('handler_account', fields.ForeignKeyField('models.Account', source_field='handler_account_id', null=True, db_constraint=True, to_field='id', related_name='case_records', on_delete=OnDelete.SET_NULL)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name='case_records', on_delete=OnDelete.RESTRICT)),
                ('note', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'case_record', 'app': 'models', 'indexes': [Index(fields=['case_id', 'at'])], 'pk_attr': 'id', 'table_description': 'One of the ten process records of a case (CASE-2).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Rating',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('models.Case', source_field='case_id', db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.CASCADE)),
                ('revision', fields.SmallIntField()),
                ('current', fields.BooleanField(default=True)),
                ('level', fields.CharEnumField(description='VERY_SATISFIED: very_satisfied\nSATISFIED: satisfied\nBASIC: basic\nDISSATISFIED: dissatisfied\nVERY_DISSATISFIED: very_dissatisfied', enum_type=RatingLevel, max_length=24)),
                ('indicators', fields.JSONField(default=dict, description='indicator value -> level value', encoder=JSON_DUMPS, decoder=loads)),
                ('comment', fields.CharField(default='', description='As written (kept for follow-up) and as published (personal data removed).', max_length=500)),
                ('public_comment', fields.CharField(default='', max_length=500)),
                ('channel', fields.CharEnumField(description='WEB: web\nAPP: app\nKIOSK: kiosk\nWINDOW: window', enum_type=CaseChannel, max_length=16)),
                ('rater_account', fields.ForeignKeyField('models.Account', source_field='rater_account_id', null=True, db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.SET_NULL)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', description='Copied from the case so summaries read one table.', db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.RESTRICT)),
                ('item', fields.ForeignKeyField('models.ServiceItem', source_field='item_id', db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('disputed_at', fields.DatetimeField(null=True, description='Staff may dispute a rating (never delete it).', auto_now=False, auto_now_add=False)),
                ('dispute_reason', fields.CharField(default='', max_length=500)),
                ('disputed_by', fields.CharField(default='', max_length=96)),
            ],
            options={'table': 'rating', 'app': 'models', 'unique_together': (('case', 'revision'),), 'indexes': [Index(fields=['department_id', 'current']), Index(fields=['item_id', 'current'])], 'pk_attr': 'id', 'table_description': "One version of a case's rating: a change adds a revision and keeps the old ones."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FollowUp',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.OneToOneField('models.Case', source_field='case_id', db_constraint=True, to_field='id', related_name='follow_up', on_delete=OnDelete.CASCADE)),
                ('rating', fields.ForeignKeyField('models.Rating', source_field='rating_id', db_constraint=True, to_field='id', related_name='follow_ups', on_delete=OnDelete.RESTRICT)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', db_constraint=True, to_field='id', related_name='follow_ups', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(default=FollowUpStatus.OPEN, description='OPEN: open\nVERIFIED: verified\nRECTIFIED: rectified\nCLOSED: closed', enum_type=FollowUpStatus, max_length=16)),
                ('opened_on', fields.DateField()),
                ('due_on', fields.DateField()),
                ('findings', fields.TextField(default='', unique=False)),
                ('founded', fields.BooleanField(null=True, description='Did verification find the complaint justified?')),
                ('verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('verified_by', fields.CharField(default='', max_length=96)),
                ('measures', fields.TextField(default='', unique=False)),
                ('rectified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('rectified_by', fields.CharField(default='', max_length=96)),
                ('rater_reply', fields.TextField(default='', unique=False)),
                ('rater_satisfied', fields.BooleanField(null=True)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'follow_up', 'app': 'models', 'indexes': [Index(fields=['department_id', 'status']), Index(fields=['status', 'due_on'])], 'pk_attr': 'id', 'table_description': 'The follow-up of a bad rating (RATE-3): verified, rectified within 15 working days,'},
            bases=['Timestamped', 'Model'],
        ),
    ]
