"""The test suite's side of kakunin.tenants.rls on PostgreSQL: the application's role
in the test database, and the owner's work (migrations run backwards and forwards)."""

import contextlib

from django.conf import settings
from django.db import connection

from kakunin.tenants import rls

# Roles are the cluster's: one name for every test database, granted in each.
ROLE = "kakunin_test_app"


def take_the_applications_role() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DO $$ BEGIN CREATE ROLE kakunin_test_app NOLOGIN NOSUPERUSER NOBYPASSRLS;"
            " EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
        cursor.execute(
            "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES"
            f" ON ALL TABLES IN SCHEMA public TO {ROLE}"
        )
        cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
        cursor.execute(f"SET ROLE {ROLE}")
    # Connections opened from now on (the live server's threads) take it too.
    settings.DATABASE_ROLE = ROLE


def give_the_role_back() -> None:
    settings.DATABASE_ROLE = ""
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


@contextlib.contextmanager
def as_owner():
    """Work as the database's owner (a test that runs migrations), then grant the
    application's role what the migrations made and take it again."""
    with rls.as_owner():
        yield
        if connection.vendor == "postgresql":
            rls.apply(connection)
            with connection.cursor() as cursor:
                cursor.execute(
                    "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES"
                    f" ON ALL TABLES IN SCHEMA public TO {ROLE}"
                )
                cursor.execute(
                    f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {ROLE}"
                )
