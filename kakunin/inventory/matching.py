"""Which vulnerabilities apply to which components: NVD's configurations evaluated
against each system's components by CPE, with version ranges compared by a real
version library (univers' RPM ordering: 2.4.58 > 2.4.9, 1.1.1w > 1.1.1v, 9.3p2 > 9.3p1).

A configuration is a list of nodes (AND or OR), each a list of CPE matches (AND or
OR, possibly negated); a match may be "vulnerable" or only a platform condition
(a vulnerable application running on a given OS). A component is affected when a
configuration holds for its system and the component satisfies one of the
configuration's vulnerable matches.
"""

import json
from collections import defaultdict
from functools import lru_cache

from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
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

    def __init__(self, pk: int, system_id: int, cpe: str, version: str):
        self.pk, self.system_id = pk, system_id
        self.cpe = _cpe(cpe)
        self.version = self.cpe.version if self.cpe.version not in ("*", "-") else version
        # Components alike (the same CPE and version, on many systems) are tried once.
        self.signature = (cpe, self.version)


@lru_cache(maxsize=1_000_000)
def _cmp(a: str, b: str) -> int | None:
    """-1, 0 or 1 as version a is below, equal to or above b; None when either is not
    a version. Cached: the same few thousand versions meet the same bounds again."""
    va, vb = _version(a), _version(b)
    if va is None or vb is None:
        return None
    return -1 if va < vb else (1 if va > vb else 0)


# A bound holds when the comparison of the version with it gives one of these.
BOUND_HOLDS = {"si": (0, 1), "se": (1,), "ei": (-1, 0), "ee": (-1,)}


@lru_cache(maxsize=200_000)
def _constraints(text: str) -> tuple[tuple[str, str], ...]:
    """The attributes of a match other than its version that are not a wildcard."""
    pattern = _cpe(text)
    return tuple(
        (a, getattr(pattern, a))
        for a in ATTRIBUTES
        if a != "version" and getattr(pattern, a) != "*"
    )


def cpe_applies(match: dict, target: Target) -> bool:
    pattern = _cpe(match["cpe"])
    for attribute, value in _constraints(match["cpe"]):
        if not matches(value, getattr(target.cpe, attribute)):
            return False
    bounds = [(k, match[k]) for k in ("si", "se", "ei", "ee") if k in match]
    if not bounds:
        if pattern.version in ("*", "-"):
            return pattern.version == "*" or target.version == "-"
        return target.version == pattern.version or _cmp(target.version, pattern.version) == 0
    return all(_cmp(target.version, value) in BOUND_HOLDS[key] for key, value in bounds)


Key = tuple[str, str]


def affected(configurations: list, targets: dict[Key, list[Target]]) -> set[int]:
    """The components (pks) a vulnerability affects among one system's targets,
    given by (vendor, product): a match is tried only on the components it names."""
    hit: set[int] = set()
    for conf in configurations:
        results = []
        for node in conf["nodes"]:
            per_match = [
                {t.pk for t in _named(m, targets) if cpe_applies(m, t)} for m in node["matches"]
            ]
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


def _named(match: dict, targets: dict[Key, list[Target]]) -> list[Target]:
    pattern = _cpe(match["cpe"])
    if "*" in (pattern.vendor, pattern.product):
        return [t for group in targets.values() for t in group]
    return targets.get((pattern.vendor, pattern.product), [])


CHUNK = 2000


def simple(configurations: list) -> bool:
    """NVD's usual shape: OR of OR-nodes of vulnerable matches, nothing negated. Then a
    component is affected when a match applies to it, whatever else its system runs."""
    return all(
        conf["op"] == "OR"
        and not conf.get("negate")
        and all(
            node["op"] == "OR" and not node.get("negate") and all(m["v"] for m in node["matches"])
            for node in conf["nodes"]
        )
        for conf in configurations
    )


def rematch(systems=None) -> dict[int, list[Finding]]:
    """Bring the findings up to date for these systems (all when None): new ones
    opened, gone ones closed, returning ones reopened. Returns the new findings by
    system id (what to notify). Advisories are read in chunks; a usual one is tried
    once per distinct component (CPE and version), an AND or negated one per system."""
    scope = (
        Component.objects.all() if systems is None else Component.objects.filter(system__in=systems)
    )
    members: dict[int, set[int]] = defaultdict(set)
    for pk, system_id in scope.values_list("pk", "system_id"):
        members[system_id].add(pk)
    by_system: dict[int, dict[Key, list[Target]]] = defaultdict(lambda: defaultdict(list))
    alike: dict[Key, dict[tuple, list[Target]]] = defaultdict(lambda: defaultdict(list))
    for row in scope.exclude(cpe="").values_list("pk", "system_id", "cpe", "version"):
        try:
            target = Target(*row)
        except CpeInvalid:
            continue
        key = (target.cpe.vendor, target.cpe.product)
        by_system[target.system_id][key].append(target)
        alike[key][target.signature].append(target)
    keys_of: dict[int, set[Key]] = defaultdict(set)
    vendors = sorted({v for v, _p in alike})
    for i in range(0, len(vendors), 500):
        rows = VulnerableProduct.objects.filter(vendor__in=vendors[i : i + 500]).values_list(
            "vulnerability_id", "vendor", "product"
        )
        for vuln_id, vendor, product in rows:
            if (vendor, product) in alike:
                keys_of[vuln_id].add((vendor, product))
    nvd = set(
        Vulnerability.objects.filter(source=Vulnerability.Source.NVD).values_list("ident", flat=True)
    ) if Vulnerability.objects.exclude(aliases=[]).exists() else set()  # fmt: skip
    found: dict[int, set[tuple[int, int]]] = defaultdict(set)
    ids = sorted(keys_of)
    for i in range(0, len(ids), CHUNK):
        # The JSON as text, decoded here: Django's JSONField decoding costs more than
        # the matching for a feed of NVD's size.
        chunk = (
            Vulnerability.objects.filter(pk__in=ids[i : i + CHUNK])
            .annotate(text=Cast("configurations", TextField()))
            .values_list("pk", "aliases", "text")
        )
        for vuln_id, aliases, text in chunk:
            configurations = json.loads(text)
            if aliases and nvd.intersection(aliases):
                continue  # a JVN entry NVD already describes is left to NVD's ranges
            if simple(configurations):
                for target in _hits(configurations, alike):
                    found[target.system_id].add((target.pk, vuln_id))
                continue
            for system_id in {
                t.system_id for k in keys_of[vuln_id] for g in alike[k].values() for t in g
            }:
                for pk in affected(configurations, by_system[system_id]):
                    found[system_id].add((pk, vuln_id))
    new: dict[int, list[Finding]] = {}
    now = timezone.now()
    with transaction.atomic():
        existing = _existing(scope)
        for system_id, component_ids in members.items():
            opened = _apply(found.get(system_id, set()), existing, component_ids, now)
            if opened:
                new[system_id] = opened
    return new


def _hits(configurations: list, alike: dict[Key, dict[tuple, list[Target]]]):
    """Every component a simple advisory's matches apply to, each kind tried once."""
    for conf in configurations:
        for node in conf["nodes"]:
            for match in node["matches"]:
                pattern = _cpe(match["cpe"])
                groups = (
                    [g for by_sig in alike.values() for g in by_sig.values()]
                    if "*" in (pattern.vendor, pattern.product)
                    else list(alike.get((pattern.vendor, pattern.product), {}).values())
                )
                for group in groups:
                    if cpe_applies(match, group[0]):
                        yield from group


def _existing(components) -> dict[int, dict[int, tuple[int, bool]]]:
    """The findings there are, as (pk, closed) by component and vulnerability: rows,
    not objects (a feed of NVD's size leaves hundreds of thousands). They are locked
    for the update, so that two imports do not open the same finding twice."""
    out: dict[int, dict[int, tuple[int, bool]]] = defaultdict(dict)
    rows = Finding.objects.filter(component__in=components).select_for_update()
    for pk, component_id, vulnerability_id, closed_at in rows.values_list(
        "pk", "component_id", "vulnerability_id", "closed_at"
    ):
        out[component_id][vulnerability_id] = (pk, closed_at is not None)
    return out


def _apply(found, existing, component_ids: set[int], now) -> list[Finding]:
    """Open what is found and was not, reopen what returns, close what is gone."""
    mine = {(c, v): state for c in component_ids for v, state in existing.get(c, {}).items()}
    opened = [
        Finding(component_id=c, vulnerability_id=v, first_seen=now)
        for c, v in found
        if (c, v) not in mine
    ]
    Finding.objects.bulk_create(opened)
    reopen = [pk for key, (pk, closed) in mine.items() if key in found and closed]
    close = [pk for key, (pk, closed) in mine.items() if key not in found and not closed]
    if reopen:
        Finding.objects.filter(pk__in=reopen).update(closed_at=None)
    if close:
        Finding.objects.filter(pk__in=close).update(closed_at=now)
    return opened
