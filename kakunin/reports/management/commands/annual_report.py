"""The yearly report (security-status-report) of a system for a fiscal year (年度, April to March),
as JSON, PDF or Excel: the same as the web's export. A report not made yet on the
web is generated from the records as they are now.

    manage.py annual_report SYSTEM_ID --year 2025 --format pdf -o report.pdf
"""

from pathlib import Path

from django.core.management.base import CommandError

from kakunin.reports import actions, annual, exports
from kakunin.reports.models import AnnualReport
from kakunin.systems.models import System
from kakunin.tenants.commands import MunicipalityCommand


class Command(MunicipalityCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("system_id", type=int)
        parser.add_argument("--year", required=True, help="the fiscal year, e.g. 2025")
        parser.add_argument("--format", choices=sorted(exports.FORMATS), default="json")
        parser.add_argument(
            "-o", "--output", type=Path, help="the file to write (JSON: stdout when left out)"
        )

    def handle(self, *args, system_id, year, format, output, **options):
        try:
            year = annual.check_year(int(year))
        except (ValueError, annual.YearRefused):
            raise CommandError(
                f"年度「{year}」は使えません。{annual.EARLIEST_YEAR}〜{annual.reporting_year() + 1}"
                f" の西暦の年度で指定してください（例: --year {annual.reporting_year()}）。"
            ) from None
        system = System.objects.filter(pk=system_id).first()
        if system is None:
            raise CommandError(
                f"システム {system_id} はありません。`manage.py shell` か画面の URL で番号を確認してください。"
            )
        if output is None and format != "json":
            raise CommandError(f"{format} は -o でファイルを指定してください。")
        report = system.annual_reports.filter(fiscal_year=year).first()
        if report is not None:
            data = actions.export(actor=None, report=report, fmt=format)
        else:
            data = exports.render(AnnualReport(system=system, fiscal_year=year), format)
        if output is None:
            self.stdout.write(data.decode())
            return
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"{output}: 書き込めません ({exc.strerror})") from None
        self.stderr.write(f"{output}: {len(data)} バイト（{system.name}、{year}年度）")
