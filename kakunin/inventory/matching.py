"""Which vulnerabilities apply to which components: NVD's configurations evaluated
against each system's components by CPE, with version ranges compared by a real
version library (univers' RPM ordering: 2.4.58 > 2.4.9, 1.1.1w > 1.1.1v, 9.3p2 > 9.3p1).

A configuration is a list of nodes (AND or OR), each a list of CPE matches (AND or
OR, possibly negated); a match may be "vulnerable" or only a platform condition
(a vulnerable application running on a given OS). A component is affected when a
configuration holds for its system and the component satisfies one of the
configuration's vulnerable matches.
"""

from collections import defaultdict
from functools import lru_cache

from django.db import transaction
from django.utils import timezone
from univers.versions import InvalidVersion, RpmVersion

from kakunin.inventory.cpe import ATTRIBUTES, Cpe, CpeInvalid, matches
from kakunin.inventory.models import Component, Finding, Vulnerability, VulnerableProduct


@lru_cache(maxsize=200_000)
def _cpe(text: str) -> Cpe:
    return Cpe.parse(text)


@lru_cache(maxsize=200_000)
def _version(text: str) -> RpmVersion | None:
    try:
        return RpmVersion(text)
    except (InvalidVersion, ValueError, TypeError):
        return None


class Target:
    """A component as matching sees it: its CPE and its version."""

    def __init__(self, component: Component):
        self.pk = component.pk
        self.cpe = _cpe(component.cpe)
        self.version = self.cpe.version if self.cpe.version not in ("*", "-") else component.version


def cpe_applies(match: dict, target: Target) -> bool:
    pattern = _cpe(match["cpe"])
    for attribute in ATTRIBUTES:
        if attribute == "version":
            continue
        if not matches(getattr(pattern, attribute), getattr(target.cpe, attribute)):
            return False
    bounds = {k: match[k] for k in ("si", "se", "ei", "ee") if k in match}
    if not bounds:
        if pattern.version in ("*", "-"):
            return pattern.version == "*" or target.version == "-"
        mine, theirs = _version(target.version), _version(pattern.version)
        return target.version == pattern.version or (mine is not None and mine == theirs)
    mine = _version(target.version)
    if mine is None:
        return False
    for key, value in bounds.items():
        bound = _version(value)
        if bound is None:
            return False
        if (
            (key == "si" and mine < bound)
            or (key == "se" and mine <= bound)
            or (key == "ei" and mine > bound)
            or (key == "ee" and mine >= bound)
        ):
            return False
    return True


def affected(configurations: list, targets: list[Target]) -> set[int]:
    """The components (pks) a vulnerability affects among one system's targets."""
    hit: set[int] = set()
    for conf in configurations:
        results = []
        for node in conf["nodes"]:
            per_match = [{t.pk for t in targets if cpe_applies(m, t)} for m in node["matches"]]
            holds = all(per_match) if node["op"] == "AND" else any(per_match)
            if node.get("negate"):
                holds = not holds
            vulnerable = set().union(
                *(s for m, s in zip(node["matches"], per_match, strict=True) if m["v"])
            )
            results.append((holds, vulnerable))
        holds = all(h for h, _v in results) if conf["op"] == "AND" else any(h for h, _v in results)
        if conf.get("negate"):
            holds = not holds
        if holds:
            for node_holds, vulnerable in results:
                if node_holds:
                    hit |= vulnerable
    return hit


def rematch(systems=None) -> dict[int, list[Finding]]:
    """Bring the findings up to date for these systems (all when None): new ones
    opened, gone ones closed, returning ones reopened. Returns the new findings by
    system id (what to notify)."""
    scope = (
        Component.objects.all() if systems is None else Component.objects.filter(system__in=systems)
    )
    members: dict[int, set[int]] = defaultdict(set)
    for pk, system_id in scope.values_list("pk", "system_id"):
        members[system_id].add(pk)
    by_system: dict[int, list[Target]] = defaultdict(list)
    keys: set[tuple[str, str]] = set()
    for component in scope.exclude(cpe=""):
        try:
            target = Target(component)
        except CpeInvalid:
            continue
        by_system[component.system_id].append(target)
        keys.add((target.cpe.vendor, target.cpe.product))
    candidates: dict[tuple[str, str], set[int]] = defaultdict(set)
    vendors = {v for v, _p in keys}
    for vuln_id, vendor, product in VulnerableProduct.objects.filter(
        vendor__in=vendors
    ).values_list("vulnerability_id", "vendor", "product"):
        if (vendor, product) in keys:
            candidates[(vendor, product)].add(vuln_id)
    needed = set().union(*candidates.values()) if candidates else set()
    vulns = Vulnerability.objects.in_bulk(needed)
    # A JVN entry that names a CVE NVD already describes is left to NVD's ranges.
    cves = set(
        Vulnerability.objects.filter(source=Vulnerability.Source.NVD).values_list("ident", flat=True)
    ) if any(v.aliases for v in vulns.values()) else set()  # fmt: skip
    new: dict[int, list[Finding]] = defaultdict(list)
    now = timezone.now()
    with transaction.atomic():
        existing = _existing(scope)
        for system_id, component_ids in members.items():
            targets = by_system.get(system_id, [])
            found: set[tuple[int, int]] = set()
            ids = set().union(
                *(candidates.get((t.cpe.vendor, t.cpe.product), set()) for t in targets)
            )
            for vuln_id in ids:
                vuln = vulns[vuln_id]
                if vuln.aliases and cves.intersection(vuln.aliases):
                    continue
                for pk in affected(vuln.configurations, targets):
                    found.add((pk, vuln_id))
            new[system_id] = _apply(found, existing, component_ids, now)
    return {k: v for k, v in new.items() if v}


def _existing(components) -> dict[tuple[int, int], Finding]:
    return {
        (f.component_id, f.vulnerability_id): f
        for f in Finding.objects.filter(component__in=components).select_for_update()
    }


def _apply(found, existing, component_ids: set[int], now) -> list[Finding]:
    opened = [
        Finding(component_id=c, vulnerability_id=v, first_seen=now)
        for c, v in found
        if (c, v) not in existing
    ]
    Finding.objects.bulk_create(opened)
    reopen = [f.pk for key, f in existing.items() if key in found and f.closed_at]
    close = [
        f.pk
        for key, f in existing.items()
        if key[0] in component_ids and key not in found and not f.closed_at
    ]
    Finding.objects.filter(pk__in=reopen).update(closed_at=None)
    Finding.objects.filter(pk__in=close).update(closed_at=now)
    return opened
