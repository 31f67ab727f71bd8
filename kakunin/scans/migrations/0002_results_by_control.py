"""Scan results name a control of the vocabulary instead of an item of one form.

The results stored before name the bundled form's items; they are carried to the
controls the checks of that time answered (a migration is history: the one place
the old keys may be named)."""

from django.db import migrations, models

# The item keys the checks answered -> the control each answers now. Item 58's two
# checks (credentials in URLs, error pages) are told apart by their check's name.
CONTROL_OF = {
    "web-port-blocking": "port-filtering",
    "web-version-hiding": "version-hiding",
    "web-unpublished-files": "unpublished-files",
    "web-admin-interface": "admin-interface-restriction",
    "web-password-rules": "password-masking",
    "web-login-message": "login-error-message",
    "web-account-lockout": "account-lockout",
    "web-session-id-handling": "session-id-transport",
    "web-cookie-secure": "cookie-flags",
    "web-session-destruction": "session-termination",
    "web-xss": "xss",
    "web-clickjacking": "clickjacking",
    "web-https": "https",
    "web-certificate": "server-certificate",
    "web-tls-version": "tls-version",
}


def to_controls(apps, schema_editor):
    ScanResult = apps.get_model("scans", "ScanResult")
    for result in ScanResult.objects.all().iterator():
        if result.item_key == "web-other":
            checks = {f.get("check") for f in result.findings}
            control = "error-disclosure" if "disclosure" in checks else "secrets-in-url"
        else:
            control = CONTROL_OF.get(result.item_key, result.item_key)
        result.control = control
        result.position = result.item_number
        result.save(update_fields=["control", "position"])


class Migration(migrations.Migration):
    dependencies = [("scans", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="scanresult",
            name="control",
            field=models.SlugField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="scanresult",
            name="position",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RunPython(to_controls, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="scanresult", name="scan_result_item"),
        migrations.AlterModelOptions(
            name="scanresult", options={"ordering": ["scan", "position", "url"]}
        ),
        migrations.RemoveField(model_name="scanresult", name="item_number"),
        migrations.RemoveField(model_name="scanresult", name="item_key"),
        migrations.AddIndex(
            model_name="scanresult",
            index=models.Index(fields=["control", "verdict"], name="scan_result_control"),
        ),
    ]
