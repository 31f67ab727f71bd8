from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from kakunin.accounts.models import Role, User
from kakunin.audit.models import Event
from kakunin.tenants.models import Municipality


class CreateMunicipalityCommandTestCase(TestCase):
    def run_command(self, *args):
        out = StringIO()
        call_command("create_municipality", *args, stdout=out)
        return out.getvalue()

    def test_it_registers_the_municipality_and_its_first_administrator(self):
        out = self.run_command("131032", "港区", "--admin-email", "joho@city.minato.example")
        minato = Municipality.objects.get(code="131032")
        self.assertEqual(minato.name, "港区")
        admin = User.objects.get(email="joho@city.minato.example")
        self.assertEqual((admin.role, admin.municipality), (Role.ADMIN, minato))
        self.assertTrue(admin.must_choose_id and admin.must_change_password)
        password = out.split("one-time password : ")[1].split()[0]
        self.assertTrue(admin.check_password(password))
        event = Event.objects.get(action="municipality.create")
        self.assertEqual(event.changes["code"], [None, "131032"])

    def assert_refused(self, args, message):
        before = (Municipality.objects.count(), User.objects.count(), Event.objects.count())
        with self.assertRaises(CommandError) as raised:
            self.run_command(*args)
        self.assertIn(message, str(raised.exception))
        after = (Municipality.objects.count(), User.objects.count(), Event.objects.count())
        self.assertEqual(before, after, "nothing is saved")

    def test_a_wrong_check_digit_is_refused_and_nothing_is_saved(self):
        self.assert_refused(["131033", "港区", "--admin-email", "a@example.org"], "検査数字")

    def test_a_municipality_registered_already_is_refused(self):
        self.run_command("131032", "港区", "--admin-email", "a@example.org")
        self.assert_refused(["131032", "港区", "--admin-email", "b@example.org"], "登録済み")

    def test_an_e_mail_address_someone_uses_is_refused(self):
        self.run_command("131032", "港区", "--admin-email", "a@example.org")
        self.assert_refused(
            ["131041", "新宿区", "--admin-email", "A@example.org"], "別の利用者が使っています"
        )
