"""Changing an inventory, audited: one component on the web, a whole file after its
preview (all of it or nothing), and the end-of-life data the ward imports."""

import datetime
import hashlib
import json

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kakunin.audit.trail import record, record_many
from kakunin.evidence.actions import add_evidence
from kakunin.inventory import feeds, matching, sources
from kakunin.inventory.models import (
    FIELDS,
    Component,
    EolCycle,
    Finding,
    InventoryImport,
    Origin,
    Response,
    Vulnerability,
    VulnerableProduct,
)
from kakunin.inventory.sources import Row
from kakunin.notifications.actions import notify
from kakunin.notifications.models import Kind
from kakunin.staging import actions as staging
from kakunin.systems.models import System

# What each kind of file states; the other fields keep what a person entered.
STATED: dict[str, tuple[str, ...]] = {
    Origin.LISTED: (
        "kind", "maker", "product", "version", "location", "cpe", "purl",
        "support_end", "latest_version", "not_latest_reason", "planned_update",
    ),
    Origin.SBOM: ("kind", "maker", "product", "version", "cpe", "purl"),
}  # fmt: skip
DATES = ("support_end", "planned_update")


class InventoryChanged(Exception):
    """The inventory moved on between the preview and the decision."""


@transaction.atomic
def save_component(*, actor, system, component: Component | None, values: dict) -> Component:
    """Add a component, or change one, from the web form."""
    if component is None:
        component = Component(system=system)
    before = component.snapshot() if component.pk else {}
    for field in FIELDS:
        if field in values:
            setattr(component, field, values[field])
    component.updated_by, component.updated_at = actor, timezone.now()
    component.save()
    matching.rematch([system])
    after = component.snapshot()
    record(
        "inventory.update" if before else "inventory.add",
        component,
        actor=actor,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )
    return component


@transaction.atomic
def remove_component(*, actor, component: Component) -> None:
    record(
        "inventory.remove", component, actor=actor, changes={"version": [component.version, None]}
    )
    component.delete()


def plan_import(system, rows: list[Row]) -> dict:
    """What a file would change: added, changed (field by field) and removed. A file
    replaces the rows of its own kind (an SBOM what SBOMs brought, a list what was
    listed): a hand-entered OS is not removed by a library SBOM."""
    origin = rows[0].origin if rows else Origin.LISTED
    current = {c.identity: c for c in system.components.all()}
    stated = STATED[origin]
    added, changed, seen = [], [], set()
    for row in rows:
        values = {f: getattr(row, f) for f in stated}
        key = (row.maker.casefold(), row.product.casefold(), row.version, row.location.casefold())
        seen.add(key)
        component = current.get(key)
        if component is None:
            added.append(row.as_json())
            continue
        before = component.snapshot()
        diff = {f: [before[f] or "", v] for f, v in values.items() if (before[f] or "") != v}
        if diff or component.origin != origin:
            changed.append(
                {"id": component.pk, "label": str(component), "changes": diff, "before": before}
            )
    removed = [
        {"id": c.pk, "label": f"{c} {c.location}".strip(), "before": c.snapshot()}
        for key, c in current.items()
        if c.origin == origin and key not in seen
    ]
    return {
        "origin": origin,
        "added": added,
        "changed": changed,
        "removed": removed,
        "fingerprint": fingerprint(current.values()),
    }


def fingerprint(components) -> str:
    """The whole inventory as it stood: the preview holds only while it still stands."""
    rows = sorted(json.dumps([c.pk, c.origin, c.snapshot()], sort_keys=True) for c in components)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def stage_upload(*, actor, system, upload: sources.Upload, plan: dict) -> InventoryImport:
    """An uploaded inventory kept with its plan for the preview (staging.stage)."""
    return staging.stage(
        InventoryImport, actor=actor, owner=system, filename=upload.filename,
        sha256=upload.sha256, plan=plan,
    )  # fmt: skip


def _date(value: str):
    return datetime.date.fromisoformat(value) if value else None


def apply_plan(*, actor, owner, plan: dict, source_label: str) -> int:
    """Apply every addition, change and removal, or none: a row that changed since
    the preview stops the whole import (InventoryChanged). `owner`: the system."""
    system = owner
    with transaction.atomic():
        locked = {c.pk: c for c in system.components.select_for_update()}
        now, events = timezone.now(), []
        if fingerprint(locked.values()) != plan["fingerprint"]:
            raise InventoryChanged(str(system))
        for entry in plan["removed"]:
            component = locked[entry["id"]]
            events.append(("inventory.remove", component, {"version": [component.version, None]}))
            component.delete()
        for entry in plan["changed"]:
            component = locked[entry["id"]]
            for field, (_old, new) in entry["changes"].items():
                setattr(component, field, _date(new) if field in DATES else new)
            component.origin = plan["origin"]
            component.updated_by, component.updated_at = actor, now
            component.save()
            events.append(("inventory.update", component, entry["changes"]))
        for values in plan["added"]:
            fields = {f: values[f] for f in STATED[plan["origin"]]}
            for field in DATES:
                if field in fields:
                    fields[field] = _date(fields[field])
            component = Component.objects.create(
                system=system, origin=plan["origin"], updated_by=actor, updated_at=now, **fields
            )
            events.append(("inventory.add", component, {"version": [None, component.version]}))
        record_many(events, actor=actor)
        matching.rematch([system])
        count = len(plan["added"]) + len(plan["changed"]) + len(plan["removed"])
        record(
            "inventory.import",
            system,
            actor=actor,
            changes={"file": [None, source_label], "changes": [None, count]},
        )
    return count


@transaction.atomic
def import_eol(*, actor, product: str, cycles: list[dict], source_label: str) -> tuple[int, int]:
    """Replace a product's release cycles with a file's. Returns (cycles, changed)."""
    now = timezone.now()
    existing = {c.cycle: c for c in EolCycle.objects.select_for_update().filter(product=product)}
    changed = 0
    for values in cycles:
        cycle = existing.pop(values["cycle"], None) or EolCycle(
            product=product, cycle=values["cycle"]
        )
        new = [values[f] for f in ("release_date", "eol", "eol_reached", "latest")]
        old = [getattr(cycle, f) for f in ("release_date", "eol", "eol_reached", "latest")]
        if cycle.pk is None or new != old:
            changed += 1
            for f in ("release_date", "eol", "eol_reached", "latest"):
                setattr(cycle, f, values[f])
            cycle.imported_at = now
            cycle.save()
    changed += len(existing)
    EolCycle.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
    record(
        "eol.import",
        None,
        actor=actor,
        label=product,
        changes={
            "file": [None, source_label],
            "cycles": [None, len(cycles)],
            "changed": [None, changed],
        },
    )
    return len(cycles), changed


# --- vulnerabilities ----------------------------------------------------------------

BATCH = 2000


def import_vulnerabilities(*, actor, files: list[tuple[str, str]]) -> dict:
    """Import NVD/JVN feed files, all of them or nothing (FeedRefused), then bring the
    findings of every system up to date and tell each newly affected system's people
    once. A record imported before with the same content is skipped."""
    stats = {"new": 0, "changed": 0, "unchanged": 0}
    with transaction.atomic():
        digests = dict(Vulnerability.objects.values_list("ident", "digest"))
        pending: list[feeds.Record] = []
        for path, name in files:
            for rec in feeds.read(path, name):
                digest = rec.digest()
                before = digests.get(rec.ident)
                if before == digest:
                    stats["unchanged"] += 1
                    continue
                stats["changed" if before else "new"] += 1
                digests[rec.ident] = digest
                pending.append(rec)
                if len(pending) >= BATCH:
                    _store(pending)
                    pending = []
        _store(pending)
        record(
            "vulnerability.import",
            None,
            actor=actor,
            label=", ".join(name for _p, name in files)[:300],
            changes={k: [None, v] for k, v in stats.items()},
        )
        new = matching.rematch()
        _tell(new)
    stats["systems"] = len(new)
    return stats


def _store(records: list) -> None:
    """Insert the new records and replace the changed ones, with their index rows."""
    if not records:
        return
    latest = {r.ident: r for r in records}  # a modified feed may repeat a CVE
    existing = Vulnerability.objects.in_bulk(list(latest), field_name="ident")
    changed: list[Vulnerability] = []
    created: list[Vulnerability] = []
    for ident, rec in latest.items():
        vuln = existing.get(ident) or Vulnerability(ident=ident)
        for name in (
            "source",
            "title",
            "published",
            "cvss_score",
            "severity",
            "aliases",
            "configurations",
        ):
            setattr(vuln, name, getattr(rec, name))
        vuln.digest = rec.digest()
        (changed if vuln.pk else created).append(vuln)
    fields = [
        "source",
        "title",
        "published",
        "cvss_score",
        "severity",
        "aliases",
        "configurations",
        "digest",
    ]
    Vulnerability.objects.bulk_update(changed, fields)
    Vulnerability.objects.bulk_create(created)
    ids = Vulnerability.objects.in_bulk(list(latest), field_name="ident")
    VulnerableProduct.objects.filter(vulnerability__in=[v.pk for v in changed]).delete()
    VulnerableProduct.objects.bulk_create(
        [
            VulnerableProduct(vulnerability_id=ids[ident].pk, vendor=vendor, product=product)
            for ident, rec in latest.items()
            for vendor, product in rec.vulnerable_products()
        ]
    )


def _tell(new: dict[int, list]) -> None:
    """One notification per newly affected system, to its department, its vendor
    people and the reviewers."""
    if not new:
        return
    for system in System.objects.filter(pk__in=new):
        findings = new[system.pk]
        idents = sorted(
            {
                f.vulnerability.ident
                for f in Finding.objects.filter(pk__in=[f.pk for f in findings]).select_related(
                    "vulnerability"
                )
            }
        )
        url = reverse("inventory:system", args=[system.pk]) + "#vulnerabilities"
        context = {
            "system": system.name,
            "count": len(idents),
            "items": "、".join(idents[:20]),
            "url": url,
        }
        people = [*system.department_staff(), *system.vendor_members(), *system.reviewers()]
        key = "vuln:" + hashlib.sha256(f"{system.pk}:{','.join(idents)}".encode()).hexdigest()[:40]
        notify(people, Kind.VULNERABILITY, context, url=url, key=key)


@transaction.atomic
def respond(
    *, actor, finding: Finding, kind: str, date, fixed_version: str, reason: str, file=None
) -> Response:
    """The vendor's answer to a finding: fixed (when, which version), planned (when)
    or not affected (why), with an evidence file if given (checked, malware-scanned
    and encrypted as an answer's; Refused says why not). Each answer is kept; the
    newest counts."""
    evidence = add_evidence(actor=actor, upload=file) if file else None
    response = Response.objects.create(
        finding=finding, kind=kind, date=date, fixed_version=fixed_version, reason=reason,
        evidence=evidence, by=actor, at=timezone.now(),
    )  # fmt: skip
    record(
        "vulnerability.respond",
        finding.component,
        actor=actor,
        label=f"{finding.vulnerability.ident} / {finding.component}",
        changes={
            "response": [None, kind],
            "date": [None, date],
            "reason": [None, reason],
            "file": [None, evidence.filename if evidence else None],
        },
    )
    return response
