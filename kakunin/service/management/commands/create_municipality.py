"""Register a municipality on the service, with its first administrator.

    manage.py create_municipality 131016 千代田区 --admin-email joho@city.chiyoda.example

CODE is its 全国地方公共団体コード (six digits with the check digit). The administrator
gets a one-time password, printed once; at the first login they choose their own ID,
name and e-mail. Nothing is saved when anything is wrong.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from kakunin.service import actions
from kakunin.tenants.commands import ServiceCommand


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("code", help="全国地方公共団体コード (e.g. 131016)")
        parser.add_argument("name", help="団体名 (e.g. 千代田区)")
        parser.add_argument("--admin-email", required=True, help="the first administrator's e-mail")

    def handle(self, *args, code, name, admin_email, **options):
        try:
            municipality, admin, password = actions.create_municipality(
                actor=None, code=code, name=name, admin_email=admin_email
            )
        except ValidationError as e:
            raise CommandError(" ".join(e.messages)) from None
        self.stdout.write(
            f"団体 {municipality.name}（{municipality.code}）を登録しました / Municipality created.\n"
            f"  最初の管理者 / first administrator : {admin.username} <{admin.email}>\n"
            f"  一時パスワード / one-time password : {password}\n"
            "この表示は一度だけです。初回ログイン時に、本人のユーザID・氏名・メールアドレスと"
            "パスワードを設定します。\n"
            "This is shown once; at the first login its holder sets their own ID, name, e-mail "
            "and password.\n"
        )
