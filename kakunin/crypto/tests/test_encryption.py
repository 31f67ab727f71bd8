from io import StringIO

from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from kakunin.accounts.models import Organisation
from kakunin.audit.models import Event
from kakunin.crypto import keys
from kakunin.systems.models import System
from testsupport.fixtures import BaseTestCase

TEST1 = "test1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
OLD = "old:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
NEW = "new:" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo1Njc4OTA="


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 (test constants)
        return cursor.fetchone()[0]


class EncryptedFieldTestCase(BaseTestCase):
    def test_asset_notes_are_aes_gcm_ciphertext_with_a_key_id(self):
        self.system.asset_notes = "氏名、住所、相談歴"
        self.system.save()
        stored = raw("systems_system", "asset_notes", self.system.pk)
        self.assertTrue(stored.startswith("enc1:test1:"))
        self.assertNotIn("相談歴", stored)
        self.assertEqual(System.objects.get(pk=self.system.pk).asset_notes, "氏名、住所、相談歴")

    def test_the_same_text_encrypts_differently_each_time(self):
        a = keys.encrypt(b"x", "ctx")
        b = keys.encrypt(b"x", "ctx")
        self.assertNotEqual(a, b)

    def test_contact_details_are_encrypted(self):
        org = Organisation.objects.create(
            name="株式会社ガンマ", kind="vendor", contact="03-1234-5678 山田"
        )
        self.alice.phone = "090-0000-1111"
        self.alice.save()
        self.assertTrue(raw("accounts_organisation", "contact", org.pk).startswith("enc1:"))
        self.assertTrue(raw("accounts_user", "phone", self.alice.pk).startswith("enc1:"))

    def test_a_value_moved_to_another_column_does_not_decrypt(self):
        token = keys.encrypt(b"secret", "systems_system.asset_notes")
        with self.assertRaises(keys.DecryptionError):
            keys.decrypt(token, "accounts_user.phone")

    def test_a_missing_key_is_an_error_not_silent_ciphertext(self):
        self.system.asset_notes = "機微な情報"
        self.system.save()
        keys._keys.cache_clear()
        with override_settings(FIELD_ENCRYPTION_KEYS=OLD):
            with self.assertRaisesMessage(keys.DecryptionError, "no key with id 'test1'"):
                System.objects.get(pk=self.system.pk)

    def test_a_wrong_key_is_an_error(self):
        token = keys.encrypt(b"x", "ctx")
        wrong = "test1:" + keys.new_key()
        with override_settings(FIELD_ENCRYPTION_KEYS=wrong):
            with self.assertRaises(keys.DecryptionError):
                keys.decrypt(token, "ctx")

    def test_bad_key_configuration_is_refused(self):
        for config in ["", "k1:c2hvcnQ=", "k1:not base64!"]:
            with self.subTest(config=config), override_settings(FIELD_ENCRYPTION_KEYS=config):
                with self.assertRaises(ImproperlyConfigured):
                    keys.encrypt(b"x", "ctx")

    def test_encrypted_fields_cannot_be_searched(self):
        with self.assertRaises(TypeError):
            list(System.objects.filter(asset_notes__contains="氏名"))


class RotateKeysTestCase(BaseTestCase):
    def test_it_re_encrypts_everything_under_the_new_key(self):
        self.system.asset_notes = "古い鍵で暗号化"
        self.system.save()
        with override_settings(FIELD_ENCRYPTION_KEYS=f"{NEW},{TEST1},{OLD}"):
            out = StringIO()
            call_command("rotate_keys", "--dry-run", stdout=out)
            self.assertTrue(
                raw("systems_system", "asset_notes", self.system.pk).startswith("enc1:test1:")
            )
            call_command("rotate_keys", stdout=out)
            self.assertTrue(
                raw("systems_system", "asset_notes", self.system.pk).startswith("enc1:new:")
            )
            self.assertEqual(System.objects.get(pk=self.system.pk).asset_notes, "古い鍵で暗号化")
        self.assertTrue(Event.objects.filter(action="crypto.rotate").exists())
        # The old key alone can no longer read it.
        with (
            override_settings(FIELD_ENCRYPTION_KEYS=TEST1),
            self.assertRaises(keys.DecryptionError),
        ):
            System.objects.get(pk=self.system.pk)

    def test_a_value_that_does_not_decrypt_stops_the_rotation(self):
        self.system.asset_notes = "x"
        self.system.save()
        with (
            override_settings(FIELD_ENCRYPTION_KEYS=NEW),
            self.assertRaisesMessage(CommandError, "何も変更していません"),
        ):
            call_command("rotate_keys", stdout=StringIO())
