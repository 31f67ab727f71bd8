"""Check every account a municipality's directory keeps, now (the worker does it each
night): anyone gone from the directory or disabled there is disabled in Kakunin."""

from django.core.management.base import CommandError

from kakunin.directory.tasks import check_all
from kakunin.tenants.commands import ServiceCommand


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--municipality", default="", help="全国地方公共団体コード (default: all)"
        )

    def handle(self, *args, municipality, **options):
        results = check_all(municipality)
        if municipality and not results:
            raise CommandError(f"{municipality}: LDAP のディレクトリが有効になっていません。")
        for r in results:
            if r.failure:
                self.stderr.write(
                    f"{r.directory}: 確認できませんでした（{r.failure}）。誰も無効化していません。"
                )
            self.stdout.write(
                f"{r.directory}: 在籍 {r.present}、削除 {r.gone}、無効 {r.disabled}、"
                f"グループ外 {r.removed}、未確認 {r.unknown}"
            )
        if any(r.failure for r in results):
            raise CommandError("ディレクトリに接続できないものがありました。")
