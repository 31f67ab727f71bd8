# The constraints apply once every department has its municipality (0012), in a
# migration of its own: PostgreSQL alters no table with the updates' checks pending.

import kakunin.core.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0012_municipality"),
    ]

    operations = [
        migrations.AlterField(
            model_name='organisation',
            name='name',
            field=models.CharField(max_length=200, validators=[kakunin.core.text.refuse_formula_start], verbose_name='名称'),
        ),
        migrations.AddConstraint(
            model_name='organisation',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'ward'), ('municipality__isnull', False)), models.Q(('kind', 'vendor'), ('municipality__isnull', True)), _connector='OR'), name='org_municipality'),
        ),
        migrations.AddConstraint(
            model_name='organisation',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'ward')), fields=('municipality', 'name'), name='org_ward_name_unique', violation_error_message='この名称の部署は既に登録されています。'),
        ),
        migrations.AddConstraint(
            model_name='organisation',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'vendor')), fields=('name',), name='org_vendor_name_unique', violation_error_message='この名称の事業者は既に登録されています。'),
        ),
        migrations.AddConstraint(
            model_name='organisation',
            constraint=models.UniqueConstraint(condition=models.Q(('corporate_number', ''), _negated=True), fields=('corporate_number',), name='org_corporate_number_unique', violation_error_message='この法人番号の事業者は既に登録されています。'),
        ),
    ]
