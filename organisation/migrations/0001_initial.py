
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('reports', '0003_volume_and_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The tables exist since reports 0001 and keep their names: only the state moves here.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Department',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, unique=True, verbose_name='部局名')),
                        ('slug', models.SlugField(max_length=60, unique=True, verbose_name='URL名')),
                        ('order', models.PositiveIntegerField(default=0, verbose_name='表示順')),
                    ],
                    options={
                        'verbose_name': '部局',
                        'verbose_name_plural': '部局',
                        'db_table': 'reports_department',
                        'ordering': ['order', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Division',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='課名')),
                        ('slug', models.SlugField(max_length=60, unique=True, verbose_name='URL名')),
                        ('order', models.PositiveIntegerField(default=0, verbose_name='表示順')),
                        ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='divisions', to='organisation.department', verbose_name='部局')),
                    ],
                    options={
                        'verbose_name': '課',
                        'verbose_name_plural': '課',
                        'db_table': 'reports_division',
                        'ordering': ['department__order', 'order', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='DivisionRole',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('editor', '編集者'), ('approver', '承認者')], max_length=10, verbose_name='役割')),
                        ('division', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='roles', to='organisation.division', verbose_name='課')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='division_roles', to=settings.AUTH_USER_MODEL, verbose_name='ユーザー')),
                    ],
                    options={
                        'verbose_name': '担当（課と役割）',
                        'verbose_name_plural': '担当（課と役割）',
                        'db_table': 'reports_divisionrole',
                        'ordering': ['division', 'role', 'user'],
                    },
                ),
                migrations.CreateModel(
                    name='FiscalYear',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(help_text='年度の始まる年を西暦で。令和２年度なら 2020。', unique=True, verbose_name='年度（西暦）')),
                    ],
                    options={
                        'verbose_name': '年度',
                        'verbose_name_plural': '年度',
                        'db_table': 'reports_fiscalyear',
                        'ordering': ['-year'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('year__gte', 1868), ('year__lte', 2200)), name='fiscal_year_in_range')],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalDepartment',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('name', models.CharField(db_index=True, max_length=100, verbose_name='部局名')),
                        ('slug', models.SlugField(max_length=60, verbose_name='URL名')),
                        ('order', models.PositiveIntegerField(default=0, verbose_name='表示順')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical 部局',
                        'verbose_name_plural': 'historical 部局',
                        'db_table': 'reports_historicaldepartment',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalDivision',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='課名')),
                        ('slug', models.SlugField(max_length=60, verbose_name='URL名')),
                        ('order', models.PositiveIntegerField(default=0, verbose_name='表示順')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('department', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='organisation.department', verbose_name='部局')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical 課',
                        'verbose_name_plural': 'historical 課',
                        'db_table': 'reports_historicaldivision',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalFiscalYear',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(db_index=True, help_text='年度の始まる年を西暦で。令和２年度なら 2020。', verbose_name='年度（西暦）')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical 年度',
                        'verbose_name_plural': 'historical 年度',
                        'db_table': 'reports_historicalfiscalyear',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.AddConstraint(
                    model_name='division',
                    constraint=models.UniqueConstraint(fields=('department', 'name'), name='division_name_unique_in_department'),
                ),
                migrations.AddConstraint(
                    model_name='divisionrole',
                    constraint=models.UniqueConstraint(fields=('user', 'division', 'role'), name='division_role_unique'),
                ),
            ],
        ),
    ]
