"""Check the audit trail's hash chain and name the first event that breaks it: the
service's whole chain, or with --municipality CODE that municipality's own chain."""

from django.core.management.base import CommandError

from kakunin.audit.verify import verify, verify_municipality
from kakunin.tenants.commands import ServiceCommand, municipality_for


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--municipality",
            metavar="CODE",
            help="その団体の証跡だけを検証する / verify one municipality's own chain",
        )

    def handle(self, *args, **options):
        if options["municipality"]:
            municipality = municipality_for(options["municipality"])
            checked, broken = verify_municipality(municipality)
            whose = f"{municipality.name}（{municipality.code}）の"
        else:
            checked, broken = verify()
            whose = ""
        if broken:
            raise CommandError(
                f"{whose}監査証跡の改ざんを検出しました: イベント #{broken.seq}（{broken.reason}）。"
                f" それ以前の {checked} 件は正常です。"
            )
        self.stdout.write(f"{whose}監査証跡は正常です（{checked} 件を検証）。")
