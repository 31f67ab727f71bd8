"""Issue an account of the service's operator (LGWAN-ASP 事業者): registers, suspends
and watches municipalities, never reads their data. A random one-time password is
printed once; TOTP is required at the first login.

    manage.py create_operator --username ops.tanaka --email tanaka@asp.example --full-name "田中 一郎"
"""

from django.core.management.base import CommandError

from kakunin.accounts import actions
from kakunin.accounts.forms import UserForm
from kakunin.accounts.models import Role
from kakunin.core.text import form_errors
from kakunin.tenants.commands import ServiceCommand


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--full-name", dest="full_name", required=True)

    def handle(self, *args, username, email, full_name, **options):
        # The user form's checks (one person, one ID; no generic ID), with the role the
        # form itself never offers.
        form = UserForm({"username": username, "email": email, "full_name": full_name,
                         "role": Role.AUDITOR})  # fmt: skip
        if not form.is_valid():
            problems = [f"{name}: {' '.join(form_errors(form, name))}" for name in form.errors]
            raise CommandError("運営者を作成できません。" + " / ".join(problems))
        data = form.cleaned_data | {"role": Role.OPERATOR, "organisation": None}
        user, password = actions.create_user(actor=None, data=data)
        self.stdout.write(
            f"運営者 {user.username}（{user.full_name}）を作成しました / Operator created.\n"
            f"  一時パスワード / one-time password : {password}\n"
            "この表示は一度だけです。初回ログイン時にパスワードの変更と二要素認証の登録が必要です。\n"
        )
