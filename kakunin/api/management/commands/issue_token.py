"""Issue a personal access token for the REST API to USERNAME (an administrator's
command; a person can also issue their own on the web). The token is printed once, on
the last line, and kept only as a hash. A role that needs TOTP on the web gets its
tokens only from a TOTP login on the web, never from here.

    manage.py issue_token USERNAME [--name NAME] [--days N] [--read-only]
"""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from kakunin.accounts.models import User
from kakunin.api import actions
from kakunin.api.models import MAX_DAYS
from kakunin.tenants.commands import MunicipalityCommand


class Command(MunicipalityCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="manage.py issue_token")
        parser.add_argument("--days", type=int, default=90, help=f"1 to {MAX_DAYS} (default 90)")
        parser.add_argument("--read-only", action="store_true", help="reads only")

    def handle(self, *args, username: str, name: str, days: int, read_only: bool, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"利用者 {username} はいません。")
        try:
            token, secret = actions.issue_token(
                actor=None, user=user, name=name, days=days, read_only=read_only, with_totp=False
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"{user.username} のトークン「{token.name}」（{token.scope}、"
            f"{token.expires_at:%Y-%m-%d %H:%M} UTC まで）。この一度だけ表示します:"
        )
        self.stdout.write(secret)
