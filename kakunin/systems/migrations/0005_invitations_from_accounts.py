"""Invitations and access requests, moved from the accounts app with their rows:
first Django learns of them here on their old tables, then the tables take the
systems app's names."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

STATES = [("pending", "承認待ち"), ("approved", "承認"), ("rejected", "却下")]


class Migration(migrations.Migration):
    dependencies = [
        ("systems", "0004_memberships_for_existing_vendors"),
        ("accounts", "0007_move_invitations_to_systems"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AccessRequest",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("full_name", models.CharField(max_length=100, verbose_name="氏名")),
                        ("email", models.EmailField(max_length=254, verbose_name="メールアドレス")),
                        ("reason", models.CharField(max_length=500, verbose_name="理由")),
                        ("state", models.CharField(choices=STATES, default="pending", max_length=16)),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("decided_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("organisation", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.organisation")),
                        ("requested_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("system", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="access_requests", to="systems.system")),
                    ],
                    options={"ordering": ["-created_at"], "db_table": "accounts_accessrequest"},
                ),
                migrations.CreateModel(
                    name="Invitation",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("full_name", models.CharField(max_length=100, verbose_name="氏名")),
                        ("email", models.EmailField(max_length=254, verbose_name="メールアドレス")),
                        ("token_hash", models.CharField(max_length=64, unique=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("expires_at", models.DateTimeField()),
                        ("accepted_at", models.DateTimeField(blank=True, null=True)),
                        ("invited_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("organisation", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.organisation")),
                        ("system", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="invitations", to="systems.system")),
                        ("user", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"ordering": ["-created_at"], "db_table": "accounts_invitation"},
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="accessrequest", table=None),
        migrations.AlterModelTable(name="invitation", table=None),
    ]
