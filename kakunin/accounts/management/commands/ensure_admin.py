"""Create the first administrator when there is none.

Named (--username, --email, --full-name: the person who will administer Kakunin; with
--organisation, the ward department they belong to, registered if new), or,
as `make run` does with nothing given, `admin` for now: at its first login the holder
chooses their own ID, name and e-mail before anything else (individual-ids: no generic ID
stays in use). The password is random, printed once, and must be changed at the first
login. There is never a fixed default password.
"""

from django.core.management.base import CommandError
from django.db import transaction

from kakunin.accounts import actions
from kakunin.accounts.forms import IdentityForm
from kakunin.accounts.models import Organisation, Role, User
from kakunin.core.text import form_errors
from kakunin.tenants.commands import MunicipalityCommand


class Command(MunicipalityCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--username", help="the administrator's own ID (e.g. yamada.taro)")
        parser.add_argument("--email", help="their e-mail address")
        parser.add_argument("--full-name", help="their name")
        parser.add_argument(
            "--organisation",
            help="the ward department they belong to (情報政策課); registered if new",
        )

    @transaction.atomic
    def handle(self, *args, username, email, full_name, organisation, **options):
        if User.objects.filter(role=Role.ADMIN, is_active=True).exists():
            self.stdout.write("管理者は登録済みです。")
            return
        if username is None and email is None and full_name is None:
            data = {
                "username": "admin",
                "email": "admin@localhost",
                "full_name": "初期管理者",
                "must_choose_id": True,
            }
        else:
            data = self.named(username, email, full_name)
        data["role"] = Role.ADMIN
        if organisation:
            data["organisation"] = self.department(organisation)
        user, password = actions.create_user(actor=None, data=data)
        self.stdout.write(
            "\n"
            "最初の管理者を作成しました / The first administrator was created.\n"
            f"  ユーザID / user ID : {user.username}\n"
            f"  一時パスワード / one-time password : {password}\n"
            "この表示は一度だけです。初回ログイン時にパスワードの変更が必要です。\n"
            "This is shown once; the password must be changed at the first login.\n"
        )
        if user.must_choose_id:
            self.stdout.write(
                "初回ログイン時に、本人のユーザID・氏名・メールアドレスを設定します（1人1ID）。\n"
                "At the first login, its holder sets their own user ID, name and e-mail.\n"
            )

    def department(self, name: str) -> Organisation:
        name = name.strip()
        found = Organisation.objects.filter(name=name).first()
        if found is None:
            return actions.create_organisation(actor=None, name=name, kind=Organisation.Kind.WARD)
        if found.kind != Organisation.Kind.WARD:
            raise CommandError(
                f"「{name}」は区の部署ではありません（{found.get_kind_display()}）。"
            )
        return found

    def named(self, username, email, full_name) -> dict:
        missing = [
            option
            for option, value in (
                ("--username", username),
                ("--email", email),
                ("--full-name", full_name),
            )
            if not value
        ]
        if missing:
            raise CommandError(
                f"{'、'.join(missing)} も指定してください（管理者本人のID・メールアドレス・氏名）。"
            )
        # The same rules as the page where the first administrator names themself.
        form = IdentityForm(
            data={"username": username, "email": email, "full_name": full_name}, instance=User()
        )
        if not form.is_valid():
            raise CommandError(" ".join(form_errors(form)))
        return form.cleaned_data
