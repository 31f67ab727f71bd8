"""Write an assessment as the ward's Excel form (the file a vendor fills)."""

from django.core.management.base import CommandError

from kakunin.assessments.models import Assessment
from kakunin.forms_xlsx.actions import export_assessment
from kakunin.tenants.commands import MunicipalityCommand


class Command(MunicipalityCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("assessment_id", type=int)
        parser.add_argument("-o", "--output", required=True)

    def handle(self, *args, assessment_id, output, **options):
        assessment = Assessment.objects.filter(pk=assessment_id).first()
        if assessment is None:
            raise CommandError(f"確認票 ID {assessment_id} はありません。")
        data = export_assessment(actor=None, assessment=assessment)
        with open(output, "wb") as f:
            f.write(data)
        self.stdout.write(f"{output}: {assessment} を書き出しました（{len(data)} バイト）。")
