"""Django's migrate, run as the tables' owner and over every municipality: where the
application takes another role on PostgreSQL (DATABASE_ROLE, kakunin.tenants.rls),
migrate does not take it; its data migrations see every municipality's rows (the
policies are forced on the owner too); and it remakes the row-level security
policies after the migrations."""

from django.core.management.commands import migrate

from kakunin.tenants import rls
from kakunin.tenants.active import everywhere


class Command(migrate.Command):
    def handle(self, *args, **options):
        with rls.as_owner(options["database"]), everywhere():
            return super().handle(*args, **options)
