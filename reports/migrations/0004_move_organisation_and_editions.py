
import django.db.models.deletion
from django.db import migrations, models

MOVED = {
    "organisation": [
        "fiscalyear", "historicalfiscalyear", "department", "historicaldepartment",
        "division", "historicaldivision", "divisionrole",
    ],
    "publication": [
        "edition", "publishedamount", "publishedcontract", "publishedaward", "publishedevent",
        "searchentry", "volume", "volumechunk",
    ],
}


def _move(apps, source_of, target_of):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app, models_ in MOVED.items():
        for model in models_:
            old = ContentType.objects.filter(app_label=source_of(app), model=model).first()
            if old is None:
                continue
            # A content type made for the new label (by a migrate that ran before this one) holds
            # nothing yet: the old one, with its permissions and history links, takes its place.
            ContentType.objects.filter(app_label=target_of(app), model=model).delete()
            old.app_label = target_of(app)
            old.save(update_fields=["app_label"])


def move_content_types(apps, schema_editor):
    _move(apps, lambda app: "reports", lambda app: app)


def move_content_types_back(apps, schema_editor):
    _move(apps, lambda app: app, lambda app: "reports")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('budgets', '0003_organisation_foreign_keys'),
        ('organisation', '0001_initial'),
        ('reports', '0003_volume_and_indexes'),
    ]

    # The models move to organisation and publication with their tables (state only); their
    # content types, and so their permissions and history links, follow them.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='volume',
                    name='department',
                ),
                migrations.RemoveField(
                    model_name='historicaldivision',
                    name='department',
                ),
                migrations.RemoveField(
                    model_name='division',
                    name='department',
                ),
                migrations.AlterField(
                    model_name='report',
                    name='division',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='organisation.division', verbose_name='課'),
                ),
                migrations.RemoveField(
                    model_name='divisionrole',
                    name='division',
                ),
                migrations.AlterField(
                    model_name='historicalreport',
                    name='division',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='organisation.division', verbose_name='課'),
                ),
                migrations.RemoveField(
                    model_name='divisionrole',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='edition',
                    name='approver',
                ),
                migrations.RemoveField(
                    model_name='edition',
                    name='report',
                ),
                migrations.RemoveField(
                    model_name='publishedamount',
                    name='edition',
                ),
                migrations.RemoveField(
                    model_name='publishedaward',
                    name='edition',
                ),
                migrations.RemoveField(
                    model_name='publishedevent',
                    name='edition',
                ),
                migrations.RemoveField(
                    model_name='searchentry',
                    name='edition',
                ),
                migrations.RemoveField(
                    model_name='publishedcontract',
                    name='edition',
                ),
                migrations.AlterField(
                    model_name='historicalreport',
                    name='fiscal_year',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='organisation.fiscalyear', verbose_name='年度'),
                ),
                migrations.AlterField(
                    model_name='report',
                    name='fiscal_year',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='organisation.fiscalyear', verbose_name='年度'),
                ),
                migrations.RemoveField(
                    model_name='volume',
                    name='fiscal_year',
                ),
                migrations.RemoveField(
                    model_name='historicaldepartment',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicaldivision',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalfiscalyear',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='publishedaward',
                    name='municipalities',
                ),
                migrations.RemoveField(
                    model_name='publishedaward',
                    name='programme',
                ),
                migrations.RemoveField(
                    model_name='publishedcontract',
                    name='vendor',
                ),
                migrations.RemoveField(
                    model_name='volume',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='volumechunk',
                    name='volume',
                ),
                migrations.DeleteModel(
                    name='Department',
                ),
                migrations.DeleteModel(
                    name='Division',
                ),
                migrations.DeleteModel(
                    name='DivisionRole',
                ),
                migrations.DeleteModel(
                    name='PublishedAmount',
                ),
                migrations.DeleteModel(
                    name='PublishedEvent',
                ),
                migrations.DeleteModel(
                    name='SearchEntry',
                ),
                migrations.DeleteModel(
                    name='Edition',
                ),
                migrations.DeleteModel(
                    name='FiscalYear',
                ),
                migrations.DeleteModel(
                    name='HistoricalDepartment',
                ),
                migrations.DeleteModel(
                    name='HistoricalDivision',
                ),
                migrations.DeleteModel(
                    name='HistoricalFiscalYear',
                ),
                migrations.DeleteModel(
                    name='PublishedAward',
                ),
                migrations.DeleteModel(
                    name='PublishedContract',
                ),
                migrations.DeleteModel(
                    name='Volume',
                ),
                migrations.DeleteModel(
                    name='VolumeChunk',
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
