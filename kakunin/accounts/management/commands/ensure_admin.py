"""Create the first administrator when there is none.

The password is random, printed once, and must be changed at the first login.
There is never a fixed default password.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from kakunin.accounts import actions
from kakunin.accounts.models import Role, User


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@localhost")
        parser.add_argument("--full-name", default="初期管理者")

    @transaction.atomic
    def handle(self, *args, username, email, full_name, **options):
        if User.objects.filter(role=Role.ADMIN, is_active=True).exists():
            self.stdout.write("管理者は登録済みです。")
            return
        data = {"username": username, "email": email, "full_name": full_name, "role": Role.ADMIN}
        user, password = actions.create_user(actor=None, data=data)
        self.stdout.write(
            "\n"
            "最初の管理者を作成しました / The first administrator was created.\n"
            f"  ユーザID / user ID : {user.username}\n"
            f"  一時パスワード / one-time password : {password}\n"
            "この表示は一度だけです。初回ログイン時にパスワードの変更が必要です。\n"
            "This is shown once; the password must be changed at the first login.\n"
        )
