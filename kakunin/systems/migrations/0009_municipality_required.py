# Every system has its municipality (0008): the column is required from here.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("systems", "0008_municipality"),
    ]

    operations = [
        migrations.AlterField(
            model_name="system",
            name="municipality",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="systems",
                to="tenants.municipality",
                verbose_name="団体",
            ),
        ),
    ]
