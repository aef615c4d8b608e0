from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("publication", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="publishedamount",
            name="item_qualifier",
            field=models.CharField(blank=True, max_length=60),
        ),
        migrations.AddField(
            model_name="publishedamount",
            name="unit",
            field=models.CharField(
                default="yen", help_text="yen（円）か thousand（千円）", max_length=10
            ),
        ),
    ]
