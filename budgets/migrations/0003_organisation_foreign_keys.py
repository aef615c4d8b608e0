
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('budgets', '0002_workflow_editions_history'),
        ('organisation', '0001_initial'),
    ]

    # The same tables under their new app: nothing changes in the database.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='awardtable',
                    name='fiscal_year',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='award_tables', to='organisation.fiscalyear', verbose_name='年度'),
                ),
                migrations.AlterField(
                    model_name='expenditureitem',
                    name='division',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='expenditure_items', to='organisation.division', verbose_name='課'),
                ),
                migrations.AlterField(
                    model_name='historicalawardtable',
                    name='fiscal_year',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='organisation.fiscalyear', verbose_name='年度'),
                ),
                migrations.AlterField(
                    model_name='historicalexpenditureitem',
                    name='division',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='organisation.division', verbose_name='課'),
                ),
                migrations.AlterField(
                    model_name='historicalsettlementamount',
                    name='fiscal_year',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='organisation.fiscalyear', verbose_name='年度'),
                ),
                migrations.AlterField(
                    model_name='historicalsubsidyaward',
                    name='fiscal_year',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='organisation.fiscalyear', verbose_name='年度'),
                ),
                migrations.AlterField(
                    model_name='historicalsubsidyprogramme',
                    name='division',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='organisation.division', verbose_name='課'),
                ),
                migrations.AlterField(
                    model_name='settlementamount',
                    name='fiscal_year',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='amounts', to='organisation.fiscalyear', verbose_name='年度'),
                ),
                migrations.AlterField(
                    model_name='subsidyaward',
                    name='fiscal_year',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='awards', to='organisation.fiscalyear', verbose_name='年度'),
                ),
                migrations.AlterField(
                    model_name='subsidyprogramme',
                    name='division',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='subsidy_programmes', to='organisation.division', verbose_name='課'),
                ),
            ],
        ),
    ]
