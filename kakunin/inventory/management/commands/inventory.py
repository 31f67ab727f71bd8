"""Print a system's inventory: each component with its end-of-life state.

--json prints a list of objects (the README documents the fields).
"""

import json

from django.core.management.base import CommandError

from kakunin.inventory import eol
from kakunin.systems.models import System
from kakunin.tenants.commands import MunicipalityCommand


class Command(MunicipalityCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("system_id", type=int)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, system_id, json: bool, **options):
        system = System.objects.filter(pk=system_id).first()
        if system is None:
            raise CommandError(f"システム ID {system_id} はありません。")
        components = list(
            system.components.prefetch_related("findings__vulnerability", "findings__responses")
        )
        states = eol.statuses(components)
        out = [_row(c, states[c.pk]) for c in components]
        if json:
            self.stdout.write(_dumps(out))
            return
        for c, row in zip(components, out, strict=True):
            status = states[c.pk]
            ends = status.ends.isoformat() if status.ends else ""
            vulns = ", ".join(v["id"] for v in row["vulnerabilities"] if v["open"])
            self.stdout.write(f"{c.product} {c.version}\t{status.label} {ends}\t{vulns}".rstrip())


def _row(c, status: eol.EolStatus) -> dict:
    return {
        "kind": c.kind,
        "maker": c.maker,
        "name": c.product,
        "version": c.version,
        "location": c.location,
        "cpe": c.cpe,
        "purl": c.purl,
        "eol": {
            "state": status.state,
            "date": status.ends.isoformat() if status.ends else None,
            "manual": status.manual,
        },
        "latest_version": c.latest_version or status.latest,
        "not_latest_reason": c.not_latest_reason,
        "planned_update": c.planned_update.isoformat() if c.planned_update else None,
        "vulnerabilities": [
            {
                "id": f.vulnerability.ident,
                "severity": f.vulnerability.severity or None,
                "cvss": float(f.vulnerability.cvss_score) if f.vulnerability.cvss_score else None,
                "open": f.closed_at is None,
                "response": _response(f.response),
            }
            for f in c.findings.all()
        ],
    }


def _response(r) -> dict | None:
    if r is None:
        return None
    return {
        "kind": r.kind,
        "date": r.date.isoformat() if r.date else None,
        "fixed_version": r.fixed_version,
        "reason": r.reason,
    }


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
