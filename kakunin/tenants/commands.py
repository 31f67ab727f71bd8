"""The two kinds of management command.

- `MunicipalityCommand`: works on one municipality's data, in its scope. It takes
  `--municipality CODE`, required when the service has more than one municipality (a
  one-ward installation needs nothing).
- `ServiceCommand`: the service's own work over every municipality (backups, the
  imported feeds every municipality checks against, keys): it says so.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kakunin.tenants.active import activated, everywhere
from kakunin.tenants.codes import normalise_local_government_code
from kakunin.tenants.models import Municipality


def municipality_for(code: str | None) -> Municipality:
    """The municipality a command names, or the only one; a clear refusal otherwise."""
    with everywhere():
        if code:
            try:
                code = normalise_local_government_code(code)
            except ValidationError as e:
                raise CommandError(" ".join(e.messages)) from None
            found = Municipality.objects.filter(code=code).first()
            if found is None:
                raise CommandError(f"全国地方公共団体コード {code} の団体は登録されていません。")
            return found
        municipalities = list(Municipality.objects.order_by("code")[:6])
        if not municipalities:
            return Municipality.default()
        if len(municipalities) == 1:
            return municipalities[0]
        names = "、".join(f"{m.code} {m.name}" for m in municipalities[:5])
        raise CommandError(
            "複数の団体があります。--municipality CODE で対象の団体を指定してください"
            f"（{names}{' など' if len(municipalities) > 5 else ''}）。"
        )


class MunicipalityCommand(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--municipality",
            metavar="CODE",
            help="団体の全国地方公共団体コード（団体が複数のとき必須） / the municipality's code",
        )
        return parser

    def execute(self, *args, **options):
        municipality = municipality_for(options.get("municipality"))
        self.municipality = municipality
        with activated(municipality):
            return super().execute(*args, **options)


class ServiceCommand(BaseCommand):
    def execute(self, *args, **options):
        with everywhere():
            return super().execute(*args, **options)
