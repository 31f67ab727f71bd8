from django.conf import settings
from django.db import migrations


def to_the_municipality(apps, schema_editor):
    """The month a one-ward installation chose is its municipality's own from now on
    (the row stays as the service's, for municipalities that set none)."""
    schedule = apps.get_model("reports", "Schedule").objects.first()
    if schedule is None:
        return
    Municipality = apps.get_model("tenants", "Municipality")
    Municipality.objects.filter(
        code=settings.MUNICIPALITY_CODE, report_due_month__isnull=True
    ).update(report_due_month=schedule.due_month)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_pdf_jobs"),
        ("tenants", "0001_municipality"),
    ]

    operations = [migrations.RunPython(to_the_municipality, migrations.RunPython.noop)]
