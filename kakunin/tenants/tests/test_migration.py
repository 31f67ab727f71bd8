"""An installation from before municipalities becomes a service with one municipality
at its next `migrate`, losing nothing: run on a database filled by `demo`, the
test world, a record with its evidence file and the audit trail they made."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase, override_settings
from django.utils import timezone

from kakunin.accounts.models import Organisation, User
from kakunin.api.models import Token
from kakunin.audit.models import Event
from kakunin.audit.verify import verify, verify_municipality
from kakunin.evidence.actions import add_evidence
from kakunin.records.models import Record, RecordFile
from kakunin.systems.models import System
from kakunin.tenants.models import Municipality
from testsupport.fixtures import create_world
from testsupport.rls import as_owner


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (table names)
            counts[table] = cursor.fetchone()[0]
    return counts


class SingleWardMigrationTestCase(TransactionTestCase):
    @override_settings(DEBUG=True)
    def fill(self) -> None:
        create_world(self)
        call_command("demo", verbosity=0)
        record = Record.objects.create(
            system=self.system, kind="certification", date=timezone.localdate(),
            data={"number": "IS 123456"}, entered_by=self.bob, updated_by=self.bob,
        )  # fmt: skip
        RecordFile.objects.create(
            record=record, label="certificate",
            evidence=add_evidence(actor=self.bob, upload=SimpleUploadedFile("isms.txt", b"ISMS")),
        )  # fmt: skip

    def test_every_row_is_kept_and_the_chain_verifies(self):
        self.fill()
        with as_owner():  # as `migrate` runs: the owner's work
            self.migrate_back_and_forth()

    def migrate_back_and_forth(self):
        executor = MigrationExecutor(connection)
        latest = executor.loader.graph.leaf_nodes()
        # Back to an installation from before municipalities ...
        executor.migrate([("tenants", None)])
        before = row_counts()
        self.assertNotIn("tenants_municipality", before)
        self.assertGreater(before["assessments_answer"], 83)
        self.assertGreater(before["audit_event"], 10)
        # ... and its next migrate.
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        after = row_counts()
        self.assertEqual(after.pop("audit_municipalitychainhead"), 1)
        del after["tenants_municipality"]
        # The migrations' own record grows by the migrations applied; the data does not.
        del after["django_migrations"], before["django_migrations"]
        # An app that came after municipalities (the answer library) comes back empty.
        differ = {
            t: (before.get(t), after.get(t))
            for t in after
            if after.get(t) != before.get(t) and (before.get(t), after.get(t)) != (None, 0)
        }
        self.assertEqual(differ, {}, "every table keeps every row")

        chiyoda = Municipality.objects.get()
        self.assertEqual((chiyoda.code, chiyoda.name), ("131016", "千代田区"))
        self.assertFalse(System.objects.exclude(municipality=chiyoda).exists())
        wards = Organisation.objects.filter(kind="ward")
        self.assertFalse(wards.exclude(municipality=chiyoda).exists())
        self.assertFalse(
            Organisation.objects.filter(kind="vendor", municipality__isnull=False).exists()
        )
        staff = User.objects.exclude(role="vendor")
        self.assertTrue(staff.exists())
        self.assertFalse(staff.exclude(municipality=chiyoda).exists())
        self.assertFalse(Token.objects.exclude(municipality=chiyoda).exists())
        self.assertFalse(Event.objects.exclude(municipality=chiyoda).exists())
        checked, broken = verify()
        self.assertIsNone(broken)
        self.assertEqual(checked, before["audit_event"])
        # The ward's events became its own chain too, and it verifies alone.
        self.assertEqual(verify_municipality(chiyoda), (before["audit_event"], None))
