"""Until now every person of a vendor company saw every system the company serves.
Each of them becomes a member of those systems, so that an upgrade takes nobody's
access away; from here on, access is granted per system."""

from django.db import migrations


def grant_existing(apps, schema_editor):
    System = apps.get_model("systems", "System")
    User = apps.get_model("accounts", "User")
    Membership = apps.get_model("systems", "Membership")
    rows = []
    for system in System.objects.prefetch_related("vendors"):
        for user in User.objects.filter(role="vendor", organisation__in=system.vendors.all()):
            rows.append(Membership(system=system, user=user))
    Membership.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("systems", "0003_membership"),
        ("accounts", "0005_user_manages_organisation"),
    ]

    operations = [migrations.RunPython(grant_existing, migrations.RunPython.noop)]
