"""Running a scan: the target is checked and resolved, the site crawled, then
every check runs within the time budget. A check that fails in any way yields
未確認 with the reason; it never stops the scan or crashes a worker."""

import datetime
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from kakunin.catalog.loader import vocabulary_order
from kakunin.scans.crawl import Page, crawl
from kakunin.scans.http import Session
from kakunin.scans.policy import Finding, Outcome, Text, overall, say
from kakunin.scans.safety import Clock, Limits, OutOfTime, Refused, origin, resolve
from kakunin.scans.scanners import ACTIVE, PASSIVE

log = logging.getLogger(__name__)


@dataclass
class Target:
    url: str
    ports: list[int] = field(default_factory=list)  # declared open ports (port-filtering)
    extra_hosts: list[str] = field(default_factory=list)  # other hosts redirects may go to
    ca_bundle: str = ""
    http_port: int | None = None  # where plain HTTP answers (https); 80 for a default HTTPS port

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def plain_port(self) -> int | None:
        if self.http_port:
            return self.http_port
        return 80 if urlsplit(self.url).port in (None, 443) else None


@dataclass
class Permission:
    """An authorisation as the active checks see it: plain values, read once from
    the database before the scan starts (the checks run in other threads)."""

    origins: set[tuple[str, str, int]]
    valid_until: datetime.datetime
    login_url: str
    username: str
    password: str
    logout_url: str = ""

    def allows(self, url: str) -> bool:
        return timezone.now() < self.valid_until and origin(url) in self.origins


@dataclass
class Context:
    """What every check gets: the target, the crawl, the session and the clock."""

    target: Target
    session: Session
    clock: Clock
    address: str
    pages: list[Page]
    scan_ports: list[int]
    authorisation: object = None

    @property
    def https(self) -> bool:
        return urlsplit(self.target.url).scheme == "https"

    @property
    def base(self) -> str:
        parts = urlsplit(self.target.url)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Report:
    target: str
    findings: list[Finding]
    started: str
    finished: str
    error: str = ""

    @property
    def failed(self) -> bool:
        return any(f.verdict == Outcome.FAIL for f in self.findings)

    def verdicts(self) -> dict[str, Outcome]:
        """One verdict per control, from all the findings on it (policy.overall), in
        the order of policy.CHECKED."""
        controls: dict[str, list[Outcome]] = {}
        for f in self.findings:
            controls.setdefault(f.control, []).append(f.verdict)
        return {
            c: overall(found)
            for c, found in sorted(controls.items(), key=lambda kv: vocabulary_order()[kv[0]])
        }

    def as_json(self) -> dict:
        return {
            "target": self.target,
            "started": self.started,
            "finished": self.finished,
            "error": self.error or None,
            "failed": self.failed,
            "controls": [
                {"control": c, "verdict": str(v), "verdict_label": v.ja}
                for c, v in self.verdicts().items()
            ],
            "findings": [f.as_json() for f in self.findings],
        }


def run(
    target: Target,
    *,
    scan_ports=None,
    authorisation: Permission | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Scan one target. Never raises: what could not be checked is 未確認, with the reason."""

    started = timezone.now().isoformat(timespec="seconds")
    try:
        return _run(target, started, scan_ports, authorisation, progress)
    except Exception as exc:
        log.exception("scan of %s failed", target.url)
        return _unchecked(
            target,
            started,
            authorisation,
            say("検査を完了できませんでした（%(error)s）。", error=type(exc).__name__),
        )


def _unchecked(target, started, authorisation, reason: Text) -> Report:
    """Every control 未確認 with the reason: the target could not be scanned at all."""
    controls = [c for check in PASSIVE + (ACTIVE if authorisation else []) for c in check.CONTROLS]
    findings = [Finding("target", c, Outcome.UNKNOWN, reason) for c in dict.fromkeys(controls)]
    return Report(
        target.url, findings, started, timezone.now().isoformat(timespec="seconds"), reason.ja
    )


def _run(target, started, scan_ports, authorisation, progress) -> Report:
    limits = Limits.from_settings()
    clock = Clock(limits)
    allowed = {target.host, *target.extra_hosts}
    session = Session(clock, allowed, limits.max_body)
    try:
        try:
            address = resolve(target.host, target.port)
        except Refused as exc:
            return _unchecked(target, started, authorisation, exc.text)  # nothing was contacted
        pages = crawl(session, target.url, limits.max_pages, limits.max_depth)
        # The port check probes the usual ports and the declared ones, to find what was not declared.
        known = {*settings.SCAN_DEFAULT_PORTS, *target.ports, target.port, target.plain_port} - {
            None
        }
        probe = scan_ports or sorted(known)
        ctx = Context(target, session, clock, address, pages, probe, authorisation)
        checks = list(PASSIVE) + (list(ACTIVE) if authorisation is not None else [])
        findings: list[Finding] = []
        if silent := unreachable(pages):
            # No HTTP answer at all: what needs one is 未確認, with the reason; TLS and ports still run.
            for check in [c for c in checks if getattr(c, "NEEDS_HTTP", True)]:
                evidence = [pages[0].response.evidence()] if pages else []
                findings += [
                    Finding(check.NAME, control, Outcome.UNKNOWN, silent, evidence)
                    for control in check.CONTROLS
                ]
            checks = [c for c in checks if not getattr(c, "NEEDS_HTTP", True)]
        done = 0
        # The checks are independent: they run side by side, the clock paces them all.
        with ThreadPoolExecutor(max_workers=settings.SCAN_CONCURRENCY) as pool:
            for result in pool.map(lambda check: _safely(check, ctx), checks):
                findings.extend(result)
                done += 1
                if progress:
                    progress(int(100 * done / len(checks)))
        return Report(
            target.url,
            findings,
            started,
            timezone.now().isoformat(timespec="seconds"),
            silent.ja if silent else "",
        )
    finally:
        session.close()


def unreachable(pages: list[Page]) -> Text | None:
    """Why the site gave no HTTP answer, or None if it did."""
    if pages and pages[0].response.status is not None:
        return None
    error = pages[0].response.error if pages else ""
    if not error:
        return say("サイトが HTTP で応答しません（応答なし）。")
    return say("サイトが HTTP で応答しません（%(error)s）。", error=error)


def _safely(check, ctx: Context) -> list[Finding]:

    try:
        return check.run(ctx)
    except OutOfTime:
        return [
            Finding(
                check.NAME, control, Outcome.UNKNOWN, say("検査の制限時間内に終わりませんでした。")
            )
            for control in check.CONTROLS
        ]
    except Refused as exc:
        return [
            Finding(check.NAME, control, Outcome.UNKNOWN, exc.text) for control in check.CONTROLS
        ]
    except Exception as exc:  # a site that answers garbage must not stop the scan
        log.warning("check %s failed on %s: %r", check.NAME, ctx.target.url, exc)
        return [
            Finding(
                check.NAME,
                control,
                Outcome.UNKNOWN,
                say("検査できませんでした（%(error)s）。", error=type(exc).__name__),
            )
            for control in check.CONTROLS
        ]
