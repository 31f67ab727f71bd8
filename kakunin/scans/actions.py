"""Registering targets and authorisations, asking for a scan and carrying it out.
Every change is audited in its own transaction."""

import logging
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kakunin.audit.trail import record
from kakunin.catalog.loader import vocabulary_order
from kakunin.catalog.models import Control
from kakunin.core.times import local
from kakunin.notifications.actions import notify
from kakunin.notifications.models import Kind
from kakunin.scans import engine
from kakunin.scans.models import Authorisation, Outcome, Scan, ScanResult, ScanTarget
from kakunin.scans.policy import overall
from kakunin.scans.results import items_asking
from kakunin.systems.models import System

log = logging.getLogger(__name__)
ORDER = {Outcome.FAIL: 0, Outcome.REVIEW: 1, Outcome.PASS: 2, Outcome.UNKNOWN: 3}


@transaction.atomic
def add_target(
    *, actor, system, url: str, declared_ports, extra_hosts, http_port=None
) -> ScanTarget:
    target = ScanTarget.objects.create(
        system=system,
        url=url,
        declared_ports=sorted(set(declared_ports)),
        extra_hosts=sorted(set(extra_hosts)),
        http_port=http_port,
        created_by=actor,
    )
    changes = {
        "url": [None, url],
        "declared_ports": [None, target.declared_ports],
        "extra_hosts": [None, target.extra_hosts],
    }
    record("scan.target.add", target, actor=actor, changes=changes)
    return target


@transaction.atomic
def remove_target(*, actor, target: ScanTarget) -> None:
    record("scan.target.remove", target, actor=actor, changes={"url": [target.url, None]})
    target.delete()


@transaction.atomic
def record_authorisation(*, actor, system, targets, data: dict) -> Authorisation:
    auth = Authorisation.objects.create(system=system, recorded_by=actor, **data)
    auth.targets.set(targets)
    changes = {
        "authorised_by": [None, auth.authorised_by],
        "reference": [None, auth.reference],
        "targets": [None, [t.url for t in targets]],
        "valid": [None, f"{auth.valid_from.isoformat()} / {auth.valid_until.isoformat()}"],
        "username": [None, auth.username],  # never the password
    }
    record("scan.authorisation.add", auth, actor=actor, changes=changes)
    return auth


@transaction.atomic
def revoke_authorisation(*, actor, authorisation: Authorisation) -> None:
    authorisation.revoked_at = timezone.now()
    authorisation.save(update_fields=["revoked_at"])
    record("scan.authorisation.revoke", authorisation, actor=actor)


STALE_AFTER = timedelta(hours=2)


def close_stale(system) -> None:
    """A scan left queued or running for hours (a worker stopped under it) is closed
    as failed, so that a new one can start."""
    system.scans.filter(
        state__in=[Scan.State.QUEUED, Scan.State.RUNNING],
        created_at__lt=timezone.now() - STALE_AFTER,
    ).update(
        state=Scan.State.FAILED,
        finished_at=timezone.now(),
        error="ジョブが終わりませんでした（ワーカーの停止など）。もう一度実行してください。",
    )


def running(system):
    """The scan of the system under way, if any (one older than STALE_AFTER is not)."""
    return system.scans.filter(
        state__in=[Scan.State.QUEUED, Scan.State.RUNNING],
        created_at__gte=timezone.now() - STALE_AFTER,
    ).first()


@transaction.atomic
def request_scan(*, actor, system, authorisation: Authorisation | None = None) -> tuple[Scan, bool]:
    """Ask for a scan of every target of the system, unless one is already under way:
    (the scan, whether it is new). `tasks.queue_scan` runs a new one in the worker."""
    close_stale(system)
    if (existing := running(system)) is not None:
        return existing, False
    scan = Scan.objects.create(system=system, requested_by=actor, authorisation=authorisation)
    record(
        "scan.request",
        scan,
        actor=actor,
        changes={
            "targets": [None, [t.url for t in system.scan_targets.all()]],
            "active": [None, authorisation is not None],
        },
    )
    return scan, True


def execute(scan: Scan) -> Scan:
    """Scan every target side by side, then store the verdicts. Whatever happens,
    the scan ends DONE or FAILED with the reason: it never leaves a worker broken."""
    targets = list(scan.system.scan_targets.all())
    # With an authorisation, the active checks run on every target and refuse, with
    # the reason, where it does not cover the target or the time.
    permission = scan.authorisation.permission() if scan.authorisation is not None else None
    Scan.objects.filter(pk=scan.pk).update(
        state=Scan.State.RUNNING, started_at=timezone.now(), progress=0
    )
    try:
        reports = _run_all(scan, targets, permission)
        with transaction.atomic():
            _store(scan, targets, reports)
    except Exception as exc:
        log.exception("scan %s failed", scan.pk)
        Scan.objects.filter(pk=scan.pk).update(
            state=Scan.State.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
    scan.refresh_from_db()
    return scan


def _run_all(scan: Scan, targets, permission) -> list[engine.Report]:
    done: dict[int, int] = {t.pk: 0 for t in targets}
    lock = threading.Lock()

    def tick(pk, percent):
        with lock:
            done[pk] = percent

    reports: dict[int, engine.Report] = {}
    workers = max(1, min(settings.SCAN_TARGET_CONCURRENCY, len(targets)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(
                engine.run,
                t.engine_target(),
                authorisation=permission,
                progress=partial(tick, t.pk),
            ): t.pk
            for t in targets
        }
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                reports[futures[future]] = future.result()
            with lock:
                percent = int(sum(done.values()) / max(len(done), 1))
            # Progress is written from this thread only: the probes never touch the database.
            Scan.objects.filter(pk=scan.pk).update(progress=min(percent, 99))
    return [reports[t.pk] for t in targets]


def _store(scan: Scan, targets, reports) -> None:
    rows = []
    for target, report in zip(targets, reports, strict=True):
        by_control: dict[str, list] = {}
        for finding in report.findings:
            by_control.setdefault(finding.control, []).append(finding)
        for control, findings in by_control.items():
            findings.sort(key=lambda f: ORDER[Outcome(str(f.verdict))])
            rows.append(
                ScanResult(
                    scan=scan,
                    target=target,
                    url=target.url,
                    control=control,
                    position=vocabulary_order()[control],
                    verdict=str(overall(f.verdict for f in findings)),
                    summary=" / ".join(dict.fromkeys(f.summary.ja for f in findings)),
                    findings=[f.stored_json() for f in findings],
                )
            )
    ScanResult.objects.bulk_create(rows)
    report = {
        "scan": scan.pk,
        "system": scan.system.name,
        "targets": [r.as_json() for r in reports],
    }
    counts = {v: sum(1 for r in rows if r.verdict == v) for v in Outcome.values}
    Scan.objects.filter(pk=scan.pk).update(
        state=Scan.State.DONE, progress=100, finished_at=timezone.now(), report=report
    )
    scan.refresh_from_db()
    record("scan.finish", scan, changes={"verdicts": [None, counts]})
    tell_new_failures(scan)


def tell_new_failures(scan: Scan) -> None:
    """Controls that fail now and did not at the previous scan: the department, the
    vendor and the reviewers are told, with the items of the system's form that ask
    about them (a monthly re-scan that finds TLS 1.0 back on)."""
    failing = set(scan.results.filter(verdict=Outcome.FAIL).values_list("control", flat=True))
    previous = (
        scan.system.scans.filter(state=Scan.State.DONE, pk__lt=scan.pk).order_by("-pk").first()
    )
    if previous is not None:
        failing -= set(
            previous.results.filter(verdict=Outcome.FAIL).values_list("control", flat=True)
        )
    if not failing:
        return
    system = scan.system
    items = items_asking(system, failing) or Control.objects.filter(key__in=failing)
    context = {
        "system": system.name,
        "when": local(scan.finished_at),
        "items": "、".join(str(item) for item in items),
        "url": scan.get_absolute_url(),
    }
    people = [*system.department_staff(), *system.vendor_members(), *system.reviewers()]
    notify(people, Kind.SCAN_FAILED, context, url=scan.get_absolute_url(), key=f"scan:{scan.pk}")


def due_for_rescan(now=None):
    """Systems whose last scan is older than SCAN_INTERVAL_DAYS (or that never had one)."""
    since = (now or timezone.now()) - timedelta(days=settings.SCAN_INTERVAL_DAYS)
    return System.objects.due_for_rescan(since)


def rescan_due(now=None) -> list[Scan]:
    """The scheduled re-scans: passive only (the active checks need someone to ask)."""
    scans = []
    for system in due_for_rescan(now):
        with transaction.atomic():
            close_stale(system)
            if running(system) is not None:
                continue
            scan = Scan.objects.create(system=system)
            record("scan.request", scan, changes={"scheduled": [None, True]})
        scans.append(execute(scan))
    return scans


@transaction.atomic
def scan_from_command(*, url: str, active: int | None) -> None:
    """A scan started from the command line (`manage.py scan`), recorded before it runs:
    which URL, and under which authorisation of active checks."""
    record("scan.cli", label=url, changes={"url": [None, url], "active": [None, active]})
