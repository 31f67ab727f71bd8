"""A command on a municipality's data names the municipality when the service has
more than one; it then sees that municipality's data only."""

from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scope

from testsupport.fixtures import BaseTestCase, create_second_municipality


class MunicipalityCommandTestCase(BaseTestCase):
    def run_command(self, *args):
        out = StringIO()
        with scope():  # as from a shell: no scope of the test's own
            call_command(*args, stdout=out)
        return out.getvalue()

    def test_a_service_of_one_municipality_needs_no_code(self):
        self.run_command("inventory", str(self.system.pk))  # no error: the only one

    def test_with_two_the_code_is_required_and_checked(self):
        create_second_municipality(self)
        for args, message in (
            ([], "複数の団体があります"),
            (["--municipality", "131033"], "検査数字"),
            (["--municipality", "131041"], "登録されていません"),
        ):
            with self.subTest(args=args), self.assertRaisesMessage(CommandError, message):
                self.run_command("inventory", str(self.system.pk), *args)

    def test_it_sees_the_named_municipalitys_data_only(self):
        create_second_municipality(self)
        self.run_command("inventory", str(self.system.pk), "--municipality", "131016")
        with self.assertRaisesMessage(CommandError, "はありません"):
            self.run_command("inventory", str(self.minato_system.pk), "--municipality", "131016")
        self.run_command("inventory", str(self.minato_system.pk), "--municipality", "131032")
