
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('budgets', '0003_organisation_foreign_keys'),
        ('organisation', '0001_initial'),
        ('reports', '0004_move_organisation_and_editions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The tables exist since reports 0001 and keep their names: only the state moves here.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Edition',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField(verbose_name='版')),
                        ('is_current', models.BooleanField(default=True, verbose_name='公開中の版')),
                        ('published_at', models.DateTimeField(verbose_name='公開日時')),
                        ('change_note', models.TextField(blank=True, verbose_name='改訂内容')),
                        ('html', models.TextField(verbose_name='本文HTML')),
                        ('data', models.JSONField(verbose_name='データ')),
                        ('pdf', models.FileField(blank=True, upload_to='editions/', verbose_name='PDF')),
                        ('pdf_size', models.PositiveIntegerField(blank=True, null=True, verbose_name='PDFのバイト数')),
                        ('pdf_status', models.CharField(choices=[('pending', '待機中'), ('running', '作成中'), ('done', '完了'), ('failed', '失敗')], default='pending', max_length=10, verbose_name='PDFの状態')),
                        ('pdf_error', models.TextField(blank=True, verbose_name='PDF作成の失敗理由')),
                        ('pdf_seconds', models.FloatField(blank=True, null=True, verbose_name='PDF作成にかかった秒数')),
                        ('approver', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='承認者')),
                        ('report', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='editions', to='reports.report', verbose_name='事務事業実績')),
                    ],
                    options={
                        'verbose_name': '版',
                        'verbose_name_plural': '版',
                        'db_table': 'reports_edition',
                        'ordering': ['report', '-number'],
                    },
                ),
                migrations.CreateModel(
                    name='PublishedAmount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('item_code', models.CharField(db_index=True, max_length=60)),
                        ('item_name', models.CharField(max_length=200)),
                        ('fiscal_year', models.PositiveSmallIntegerField(db_index=True)),
                        ('kind', models.CharField(max_length=12)),
                        ('amount', models.BigIntegerField()),
                        ('period_label', models.CharField(blank=True, max_length=30)),
                        ('anchor', models.CharField(max_length=20)),
                        ('edition', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='amounts', to='publication.edition')),
                    ],
                    options={
                        'verbose_name': '公開済みの決算額',
                        'verbose_name_plural': '公開済みの決算額',
                        'db_table': 'reports_publishedamount',
                        'ordering': ['item_code', 'fiscal_year', 'kind'],
                    },
                ),
                migrations.CreateModel(
                    name='PublishedAward',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('programme_name', models.CharField(max_length=200)),
                        ('fiscal_year', models.PositiveSmallIntegerField(db_index=True)),
                        ('title', models.CharField(max_length=300)),
                        ('subsidy', models.BigIntegerField()),
                        ('total_cost', models.BigIntegerField()),
                        ('order', models.PositiveIntegerField(default=0)),
                        ('anchor', models.CharField(max_length=20)),
                        ('edition', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='awards', to='publication.edition')),
                        ('municipalities', models.ManyToManyField(related_name='+', to='budgets.municipality')),
                        ('programme', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='budgets.subsidyprogramme')),
                    ],
                    options={
                        'verbose_name': '公開済みの補助金採択事業',
                        'verbose_name_plural': '公開済みの補助金採択事業',
                        'db_table': 'reports_publishedaward',
                        'ordering': ['fiscal_year', 'order', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='PublishedContract',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=300)),
                        ('vendor_name', models.CharField(max_length=200)),
                        ('starts_on', models.DateField()),
                        ('ends_on', models.DateField()),
                        ('amount', models.BigIntegerField()),
                        ('tax_included', models.BooleanField(default=False)),
                        ('anchor', models.CharField(max_length=20)),
                        ('edition', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contracts', to='publication.edition')),
                        ('vendor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='published_contracts', to='budgets.vendor')),
                    ],
                    options={
                        'verbose_name': '公開済みの契約',
                        'verbose_name_plural': '公開済みの契約',
                        'db_table': 'reports_publishedcontract',
                        'ordering': ['starts_on', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='PublishedEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('heading', models.CharField(max_length=300)),
                        ('title', models.CharField(blank=True, max_length=200)),
                        ('starts_on', models.DateField()),
                        ('ends_on', models.DateField(blank=True, null=True)),
                        ('venue', models.CharField(blank=True, max_length=200)),
                        ('organisations', models.PositiveIntegerField(blank=True, null=True)),
                        ('participants', models.PositiveIntegerField(blank=True, null=True)),
                        ('cohosts', models.CharField(blank=True, max_length=200)),
                        ('anchor', models.CharField(max_length=20)),
                        ('edition', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='publication.edition')),
                    ],
                    options={
                        'verbose_name': '公開済みの開催実績',
                        'verbose_name_plural': '公開済みの開催実績',
                        'db_table': 'reports_publishedevent',
                        'ordering': ['starts_on', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='SearchEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('anchor', models.CharField(max_length=20)),
                        ('heading', models.CharField(max_length=300)),
                        ('text', models.TextField()),
                        ('normalized', models.TextField(help_text='NFKC で正規化し小文字にした見出しと本文')),
                        ('order', models.PositiveIntegerField(default=0)),
                        ('edition', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='search_entries', to='publication.edition')),
                    ],
                    options={
                        'verbose_name': '検索用の文',
                        'verbose_name_plural': '検索用の文',
                        'db_table': 'reports_searchentry',
                        'ordering': ['edition', 'order'],
                    },
                ),
                migrations.CreateModel(
                    name='Volume',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('pending', '待機中'), ('running', '作成中'), ('assembling', '結合中'), ('done', '完了'), ('failed', '失敗')], default='pending', max_length=12, verbose_name='状態')),
                        ('chunk_size', models.PositiveSmallIntegerField(default=10, help_text='この数の課ごとに分けて作成します。小さいほど使うメモリが少なくなります。', verbose_name='1回に組む課の数')),
                        ('divisions', models.PositiveIntegerField(default=0, verbose_name='課の数')),
                        ('pages', models.PositiveIntegerField(blank=True, null=True, verbose_name='ページ数')),
                        ('pdf', models.FileField(blank=True, upload_to='volumes/', verbose_name='PDF')),
                        ('pdf_size', models.PositiveIntegerField(blank=True, null=True, verbose_name='PDFのバイト数')),
                        ('error', models.TextField(blank=True, verbose_name='失敗理由')),
                        ('requested_at', models.DateTimeField(auto_now_add=True, verbose_name='依頼日時')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='完成日時')),
                        ('seconds', models.FloatField(blank=True, null=True, verbose_name='作成にかかった秒数')),
                        ('peak_mb', models.FloatField(blank=True, help_text='分割の作成と結合で、一つのプロセスが使ったメモリの最大値。', null=True, verbose_name='最大メモリ（MB）')),
                        ('department', models.ForeignKey(blank=True, help_text='空欄なら、その年度のすべての部局をまとめます。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='volumes', to='organisation.department', verbose_name='部局')),
                        ('fiscal_year', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='volumes', to='organisation.fiscalyear', verbose_name='年度')),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='依頼した人')),
                    ],
                    options={
                        'verbose_name': '合冊',
                        'verbose_name_plural': '合冊',
                        'db_table': 'reports_volume',
                        'ordering': ['-requested_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='VolumeChunk',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField(verbose_name='番号')),
                        ('editions', models.JSONField(verbose_name='版のID（掲載順）')),
                        ('status', models.CharField(choices=[('pending', '待機中'), ('running', '作成中'), ('done', '完了'), ('failed', '失敗')], default='pending', max_length=10, verbose_name='状態')),
                        ('pages', models.PositiveIntegerField(blank=True, null=True, verbose_name='ページ数')),
                        ('outline', models.JSONField(blank=True, default=list, help_text='[見出し, ページ, [子…]] の一覧', verbose_name='しおり')),
                        ('starts', models.JSONField(blank=True, default=dict, verbose_name='各課の開始ページ')),
                        ('pdf', models.FileField(blank=True, upload_to='volumes/chunks/', verbose_name='PDF')),
                        ('error', models.TextField(blank=True, verbose_name='失敗理由')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='実行回数')),
                        ('worker', models.CharField(blank=True, max_length=100, verbose_name='実行したワーカー')),
                        ('seconds', models.FloatField(blank=True, null=True, verbose_name='秒数')),
                        ('peak_mb', models.FloatField(blank=True, null=True, verbose_name='最大メモリ（MB）')),
                        ('volume', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='chunks', to='publication.volume', verbose_name='合冊')),
                    ],
                    options={
                        'verbose_name': '合冊の分割',
                        'verbose_name_plural': '合冊の分割',
                        'db_table': 'reports_volumechunk',
                        'ordering': ['volume', 'number'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='edition',
                    constraint=models.UniqueConstraint(fields=('report', 'number'), name='edition_number_unique'),
                ),
                migrations.AddConstraint(
                    model_name='edition',
                    constraint=models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('report',), name='edition_one_current_per_report'),
                ),
                migrations.AddConstraint(
                    model_name='edition',
                    constraint=models.CheckConstraint(condition=models.Q(('number', 1), models.Q(('change_note', ''), _negated=True), _connector='OR'), name='edition_change_note_from_second', violation_error_message='第2版からは改訂内容の記入が必要です。'),
                ),
                migrations.AddIndex(
                    model_name='volume',
                    index=models.Index(fields=['fiscal_year', 'department', 'status', '-finished_at'], name='volume_year_status_idx'),
                ),
                migrations.AddConstraint(
                    model_name='volume',
                    constraint=models.CheckConstraint(condition=models.Q(('chunk_size__gte', 1), ('chunk_size__lte', 100)), name='volume_chunk_size_range', violation_error_message='1回に組む課の数は1から100までです。'),
                ),
                migrations.AddConstraint(
                    model_name='volumechunk',
                    constraint=models.UniqueConstraint(fields=('volume', 'number'), name='volume_chunk_number_unique'),
                ),
            ],
        ),
    ]
