"""Invitations and access requests grant access to a system: they move to the systems
app (kakunin/systems/migrations/0005). Only Django's idea of them moves here; the
tables stay, and systems renames them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_user_sessions")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel("Invitation"),
                migrations.DeleteModel("AccessRequest"),
            ],
            database_operations=[],
        )
    ]
