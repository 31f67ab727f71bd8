"""The second lock, in PostgreSQL: a query that forgets the municipality, raw SQL
included, still sees one municipality only (kakunin.tenants.rls). On SQLite the
application's scope holds alone (README: Many municipalities)."""

import unittest
from unittest import mock

from django.core.management import call_command
from django.core.management.commands import migrate
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.test import TestCase, TransactionTestCase
from django_scopes import scope

from kakunin.assessments.models import Answer
from kakunin.systems.models import System
from kakunin.tenants import rls
from kakunin.tenants.active import NOWHERE, activated, everywhere
from kakunin.tenants.models import Municipality
from testsupport.fixtures import create_second_municipality, create_world

on_postgresql = unittest.skipUnless(connection.vendor == "postgresql", "PostgreSQL only")


def raw(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else [(cursor.rowcount,)]


def system_names() -> set[str]:
    return {name for (name,) in raw("SELECT name FROM systems_system")}


class TwoMunicipalities:
    def make_world(self):
        create_world(self)
        create_second_municipality(self)
        self.chiyoda = Municipality.default()


@on_postgresql
class RowLevelSecurityTestCase(TwoMunicipalities, TestCase):
    def setUp(self):
        self.make_world()

    def test_the_application_is_bound_by_the_policies(self):
        # Neither a superuser, nor allowed past row security, nor the tables' owner.
        [(user, superuser, bypass)] = raw(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        self.assertEqual((superuser, bypass), (False, False), user)
        [(owner,)] = raw("SELECT tableowner FROM pg_tables WHERE tablename = 'systems_system'")
        self.assertNotEqual(owner, user)

    def test_every_tenant_table_forces_its_policy(self):
        tables = {m._meta.db_table for m in rls.tenant_models()}
        self.assertGreaterEqual(len(tables), 26)
        rows = raw(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
            " EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname)"
            " FROM pg_class c WHERE c.relname = ANY(%s)",
            [list(tables)],
        )
        self.assertEqual({r[0] for r in rows}, tables)
        self.assertEqual([r for r in rows if not all(r[1:])], [], "RLS off or no policy")

    def test_a_raw_query_without_a_filter_sees_one_municipality(self):
        with activated(self.minato):
            self.assertEqual(system_names(), {self.minato_system.name})
            [(answers,)] = raw("SELECT count(*) FROM assessments_answer")
            self.assertEqual(answers, self.minato_assessment.answers.count())
        with activated(self.chiyoda):
            self.assertEqual(system_names(), {self.system.name})
            # Deeper tables see through their parents: no answer of 港区.
            [(found,)] = raw(
                "SELECT count(*) FROM assessments_answer WHERE assessment_id = %s",
                [self.minato_assessment.pk],
            )
            self.assertEqual(found, 0)
            # The service's shared form is every municipality's.
            [(forms,)] = raw("SELECT count(*) FROM catalog_template")
            self.assertGreaterEqual(forms, 1)
        with everywhere():
            self.assertEqual(system_names(), {self.system.name, self.minato_system.name})

    def test_outside_any_municipality_it_sees_nothing(self):
        with activated(None):
            self.assertEqual(system_names(), set())
        with scope(municipality=NOWHERE):
            self.assertEqual(system_names(), set())
        with scope():  # scopes on, no municipality named
            self.assertEqual(system_names(), set())

    def test_it_writes_in_its_own_municipality_only(self):
        with activated(self.chiyoda):
            [(changed,)] = raw(
                "UPDATE systems_system SET name = 'x' WHERE id = %s", [self.minato_system.pk]
            )
            self.assertEqual(changed, 0)
            [(deleted,)] = raw("DELETE FROM reviews_comment")
            self.assertEqual(deleted, 0)  # 港区's comments untouched (none of 千代田区's)
            with self.assertRaises(ProgrammingError), transaction.atomic():
                # A row of 港区 written while working in 千代田区: refused by WITH CHECK.
                raw(
                    "UPDATE systems_system SET municipality_id = %s WHERE id = %s",
                    [self.minato.pk, self.system.pk],
                )
        with everywhere():
            self.assertEqual(
                System.objects.get(pk=self.minato_system.pk).name, self.minato_system.name
            )

    def test_a_savepoint_rolled_back_takes_its_municipality_with_it(self):
        with activated(self.chiyoda), transaction.atomic():
            self.assertEqual(system_names(), {self.system.name})
            with self.assertRaises(IntegrityError):
                with activated(self.minato), transaction.atomic():
                    self.assertEqual(system_names(), {self.minato_system.name})
                    raise IntegrityError("rolled back")
            self.assertEqual(system_names(), {self.system.name})
            with activated(self.minato), transaction.atomic():
                self.assertEqual(system_names(), {self.minato_system.name})
            # Released, not rolled back: the block around names its own again.
            self.assertEqual(system_names(), {self.system.name})

    def test_a_savepoint_outside_any_block_rolled_back_is_noticed_too(self):
        # transaction.savepoint(), as the tests' own helpers use it: no atomic block.
        with activated(self.chiyoda):
            self.assertEqual(system_names(), {self.system.name})
        savepoint = transaction.savepoint()
        with everywhere():
            self.assertEqual(len(system_names()), 2)
        transaction.savepoint_rollback(savepoint)  # back to 千代田区's setting
        with everywhere():
            self.assertEqual(len(system_names()), 2)

    def test_the_orm_through_a_manager_that_forgets_the_scope(self):
        # The default manager without its filter (as a bug would): PostgreSQL still filters.
        unfiltered = Answer._base_manager
        with activated(self.minato):
            self.assertEqual(
                set(unfiltered.values_list("assessment_id", flat=True)),
                {self.minato_assessment.pk},
            )


@on_postgresql
class RowLevelSecurityOutsideTransactionsTestCase(TwoMunicipalities, TransactionTestCase):
    """Autocommit, as commands and jobs run: the setting is the session's, and a
    connection kept for the next request names that request's municipality."""

    def test_each_query_sees_the_municipality_of_its_moment(self):
        self.make_world()
        self.assertFalse(connection.in_atomic_block)
        with activated(self.minato):
            self.assertEqual(system_names(), {self.minato_system.name})
        with activated(self.chiyoda):
            self.assertEqual(system_names(), {self.system.name})
        with activated(None):
            self.assertEqual(system_names(), set())
        # A new connection (a reconnect, a new process) starts in none.
        connection.close()
        with scope():
            self.assertEqual(system_names(), set())
        with activated(self.minato):
            self.assertEqual(system_names(), {self.minato_system.name})


class MigrateTestCase(TestCase):
    def test_migrate_works_over_every_municipality(self):
        """Its data migrations read every municipality's rows: the policies bind the
        tables' owner too (FORCE), so a migration run in none would see nothing."""
        seen = []
        with (
            scope(municipality=NOWHERE),
            mock.patch.object(migrate.Command, "handle", lambda *a, **k: seen.append(rls.wanted())),
        ):
            call_command("migrate", verbosity=0)
        self.assertEqual(seen, [rls.ALL])
