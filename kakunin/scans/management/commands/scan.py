"""Check one web system against the controls a scan can see, and print the verdicts.

    manage.py scan URL [--json] [--ports 22,80,443] [--active AUTHORISATION_ID]

--ports are the ports the vendor declared (port-filtering fails on any other open
one). --active checks login-error-message, account-lockout and session-termination
under a recorded authorisation (see the app's
自動確認 page), only within its time window and for its targets.

Exit code: 0 no check failed, 1 at least one 不適合, 2 none failed but the site
could not be reached or scanned (or the arguments were wrong). The JSON schema
is in the README.

"""

import json
import sys

from django.core.management.base import CommandError

from kakunin.catalog.loader import read_vocabulary
from kakunin.scans import actions, engine
from kakunin.scans.forms import check_url, parse_ports
from kakunin.scans.models import Authorisation
from kakunin.tenants.commands import MunicipalityCommand


class Command(MunicipalityCommand):
    help = __doc__.split("\n\n")[0]

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--ports", default="", help="the ports declared open, e.g. 22,80,443")
        parser.add_argument(
            "--active",
            type=int,
            metavar="AUTHORISATION_ID",
            help="run the active checks (43, 45, 50)",
        )
        parser.add_argument(
            "--http-port",
            type=int,
            help="where plain HTTP answers (the https control); 80 by default",
        )
        parser.add_argument(
            "--ca-bundle", default="", help="CA certificates the certificate is checked against"
        )
        parser.add_argument(
            "--extra-host", action="append", default=[], help="another host redirects may go to"
        )

    def handle(
        self, *args, url, json: bool, ports, active, http_port, ca_bundle, extra_host, **options
    ):
        try:
            check_url(url)
            declared = parse_ports(ports)
        except Exception as exc:  # a ValidationError: its message, not a traceback
            raise CommandError(
                " ".join(getattr(exc, "messages", [str(exc)])), returncode=2
            ) from None
        permission = None
        if active is not None:
            auth = Authorisation.objects.filter(pk=active).first()
            if auth is None:
                raise CommandError(f"許可 #{active} はありません。", returncode=2)
            if not auth.allows(url):
                raise CommandError(
                    f"許可 #{active} は、この URL またはこの日時には使えません（期間外・対象外・取り消し済み）。",
                    returncode=2,
                )
            permission = auth.permission()
        target = engine.Target(
            url, ports=declared, extra_hosts=extra_host, ca_bundle=ca_bundle, http_port=http_port
        )
        actions.scan_from_command(url=url, active=active)
        report = engine.run(target, authorisation=permission)
        if json:
            self.stdout.write(dumps(report))
        else:
            self.print_table(report)
        if report.failed:
            sys.exit(1)
        if report.error:
            sys.exit(2)

    def print_table(self, report: engine.Report):
        names = {c["key"]: c["title"] for c in read_vocabulary()}
        self.stdout.write(f"{report.target}  {report.started} – {report.finished}")
        if report.error:
            self.stdout.write(f"検査できませんでした: {report.error}")
        self.stdout.write(f"{'結果':<4}  {'管理策':<24}  内容")
        verdicts = report.verdicts()
        for control, verdict in verdicts.items():
            found = {(f.verdict, f.summary.ja): f for f in report.findings if f.control == control}
            first, *rest = found.values()
            name = names.get(control, control)
            self.stdout.write(
                f"{verdict.ja:<4}  {name:<24}  [{first.verdict.ja}] {first.summary.ja}"
            )
            for f in rest:
                self.stdout.write(f"{'':<4}  {'':<24}  [{f.verdict.ja}] {f.summary.ja}")
        failed = sum(1 for v in verdicts.values() if v == "fail")
        self.stdout.write(f"不適合 {failed} 管理策 / {len(verdicts)} 管理策")


def dumps(report: engine.Report) -> str:

    return json.dumps(report.as_json(), ensure_ascii=False, indent=2)
