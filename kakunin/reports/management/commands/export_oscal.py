"""Export OSCAL 1.1 (JSON): a form as a catalog, an approved assessment as
assessment-results.

    manage.py export_oscal catalog FORM_ID [-o FILE]
    manage.py export_oscal results ASSESSMENT_ID [-o FILE]

Written through compliance-trestle's models: valid by construction.
"""

from pathlib import Path

from django.core.management.base import CommandError

from kakunin.assessments.models import Assessment
from kakunin.catalog.models import Template
from kakunin.catalog.oscal import catalog_of, to_json
from kakunin.reports.oscal import NotApproved, results_of
from kakunin.tenants.commands import MunicipalityCommand


class Command(MunicipalityCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["catalog", "results"])
        parser.add_argument("pk", type=int)
        parser.add_argument("-o", "--output", type=Path)

    def handle(self, *args, kind: str, pk: int, output: Path | None, **options):
        if kind == "catalog":
            template = Template.objects.filter(pk=pk).first()
            if template is None:
                raise CommandError(f"様式 ID {pk} はありません。")
            text = to_json(catalog_of(template))
        else:
            assessment = Assessment.objects.filter(pk=pk).first()
            if assessment is None:
                raise CommandError(f"確認票 ID {pk} はありません。")
            try:
                text = to_json(results_of(assessment))
            except NotApproved as exc:
                raise CommandError(str(exc)) from None
        if output:
            output.write_text(text, encoding="utf-8")
            self.stdout.write(f"{output} に書き出しました。")
        else:
            self.stdout.write(text)
