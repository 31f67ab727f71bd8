"""Check the audit trail's hash chain and name the first event that breaks it."""

from django.core.management.base import CommandError

from kakunin.audit.verify import verify
from kakunin.tenants.commands import ServiceCommand


class Command(ServiceCommand):
    help = __doc__

    def handle(self, *args, **options):
        checked, broken = verify()
        if broken:
            raise CommandError(
                f"監査証跡の改ざんを検出しました: イベント #{broken.seq}（{broken.reason}）。"
                f" それ以前の {checked} 件は正常です。"
            )
        self.stdout.write(f"監査証跡は正常です（{checked} 件を検証）。")
