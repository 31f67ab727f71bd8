"""Erase one municipality that has left the service: `purge_municipality CODE --confirm`.

Suspend it first, export its data and hand the archive over. Without --confirm it
says what would be erased and erases nothing. With it, everything of the municipality
is erased in one transaction, and the erasure record is printed (and kept as the
erasure's own event in the service's audit trail).
"""

from django.core.management.base import CommandError

from kakunin.backups import actions, municipal_purge
from kakunin.tenants.commands import ServiceCommand, municipality_for


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("code", help="全国地方公共団体コード / the municipality's code")
        parser.add_argument("--confirm", action="store_true", help="really erase it")

    def handle(self, *args, code: str, confirm: bool, **options):
        municipality = municipality_for(code)
        if not confirm:
            counts = municipal_purge.counts(municipality)
            self.stdout.write(
                f"{municipality.name}（{municipality.code}）を消去すると: "
                + "、".join(f"{label} {n} 件" for label, n in sorted(counts.items()) if n)
            )
            self.stdout.write("何も消去していません。消去するには --confirm を付けてください。")
            return
        try:
            erasure = actions.purge_municipality(municipality=municipality)
        except municipal_purge.PurgeRefused as refused:
            raise CommandError(f"{refused.text.ja} 何も消去していません。") from None
        for line in municipal_purge.describe(erasure):
            self.stdout.write(line)
