"""Create an administrator: Django's createsuperuser, as Kakunin has them.

A Kakunin administrator is a named person with the role システム管理者, issued a
random one-time password (printed once) that must be changed at the first login:

    manage.py createsuperuser --username yamada.taro --email yamada@city.example --full-name "山田 太郎"
    manage.py createsuperuser --noinput   (DJANGO_SUPERUSER_USERNAME, _EMAIL and _FULL_NAME set)

Without --noinput it asks for what is missing. The first administrator can also
come from `manage.py ensure_admin`; later ones are issued on the user management page.
"""

import os

from django.core.management.base import CommandError
from django.db import transaction

from kakunin.accounts import actions
from kakunin.accounts.forms import UserForm
from kakunin.accounts.models import Role
from kakunin.core.text import form_errors
from kakunin.tenants.commands import MunicipalityCommand

FIELDS = [("username", "ユーザID / user ID"), ("email", "メールアドレス / e-mail"),
          ("full_name", "氏名 / full name")]  # fmt: skip


class Command(MunicipalityCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--username")
        parser.add_argument("--email")
        parser.add_argument("--full-name", dest="full_name")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")
        parser.add_argument("--database", help="Ignored: Kakunin has one database.")

    def handle(self, *args, interactive, **options):
        data = {}
        for name, prompt in FIELDS:
            value = options.get(name) or os.environ.get(f"DJANGO_SUPERUSER_{name.upper()}", "")
            if not value and interactive:
                value = input(f"{prompt}: ").strip()
            if not value:
                raise CommandError(
                    f"{prompt} がありません: --{name.replace('_', '-')} か "
                    f"DJANGO_SUPERUSER_{name.upper()} で指定してください。"
                    "最初の管理者は manage.py ensure_admin でも作成できます。"
                )
            data[name] = value
        form = UserForm(data | {"role": Role.ADMIN})
        if not form.is_valid():
            problems = [f"{name}: {' '.join(form_errors(form, name))}" for name in form.errors]
            raise CommandError("管理者を作成できません。" + " / ".join(problems))
        with transaction.atomic():
            user, password = actions.create_user(actor=None, data=form.cleaned_data)
        self.stdout.write(
            f"管理者 {user.username}（{user.full_name}）を作成しました / Administrator created.\n"
            f"  一時パスワード / one-time password : {password}\n"
            "この表示は一度だけです。初回ログイン時にパスワードの変更が必要です。\n"
            "This is shown once; the password must be changed at the first login.\n"
        )
