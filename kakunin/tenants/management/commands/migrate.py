"""Django's migrate, run as the tables' owner: where the application takes another
role on PostgreSQL (DATABASE_ROLE, kakunin.tenants.rls), migrate does not take it,
and remakes the row-level security policies after the migrations."""

from django.core.management.commands import migrate

from kakunin.tenants import rls


class Command(migrate.Command):
    def handle(self, *args, **options):
        with rls.as_owner(options["database"]):
            return super().handle(*args, **options)
