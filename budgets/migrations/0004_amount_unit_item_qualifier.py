
import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('budgets', '0003_organisation_foreign_keys'),
    ]

    operations = [
        migrations.AddField(
            model_name='expenditureitem',
            name='qualifier',
            field=models.CharField(blank=True, help_text='同じ名前の費目を見分けるための短い言葉。例：LGWAN、公的個人認証', max_length=60, verbose_name='区別'),
        ),
        migrations.AddField(
            model_name='historicalexpenditureitem',
            name='qualifier',
            field=models.CharField(blank=True, help_text='同じ名前の費目を見分けるための短い言葉。例：LGWAN、公的個人認証', max_length=60, verbose_name='区別'),
        ),
        migrations.AddField(
            model_name='historicalsettlementamount',
            name='unit',
            field=models.CharField(choices=[('yen', '円'), ('thousand', '千円')], default='yen', max_length=10, verbose_name='単位'),
        ),
        migrations.AddField(
            model_name='settlementamount',
            name='unit',
            field=models.CharField(choices=[('yen', '円'), ('thousand', '千円')], default='yen', max_length=10, verbose_name='単位'),
        ),
        migrations.AlterField(
            model_name='historicalsettlementamount',
            name='amount',
            field=models.BigIntegerField(help_text='「単位」で選んだ単位のまま保存します（5,318千円は 5318 と千円）。', validators=[django.core.validators.MinValueValidator(0, '金額に負の数は入力できません。')], verbose_name='金額'),
        ),
        migrations.AlterField(
            model_name='settlementamount',
            name='amount',
            field=models.BigIntegerField(help_text='「単位」で選んだ単位のまま保存します（5,318千円は 5318 と千円）。', validators=[django.core.validators.MinValueValidator(0, '金額に負の数は入力できません。')], verbose_name='金額'),
        ),
    ]
