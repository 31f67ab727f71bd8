"""Each system's software inventory (software-inventory, eol-management), and the end-of-life data it is
matched against (endoflife.date's product files, imported offline)."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kakunin.evidence.models import Evidence
from kakunin.staging.models import StagedImport
from kakunin.systems.models import System
from kakunin.tenants.active import ScopedManager


class Kind(models.TextChoices):
    OS = "os", _("OS")
    MIDDLEWARE = "middleware", _("ミドルウェア")
    DATABASE = "database", _("データベース")
    LIBRARY = "library", _("ライブラリ")
    FIRMWARE = "firmware", _("機器のファームウェア")
    SAAS = "saas", _("SaaS")


class Origin(models.TextChoices):
    """Where the row came from: an SBOM replaces what an SBOM brought, a list (the
    web or the Excel/CSV template) what was listed."""

    LISTED = "listed", _("一覧・画面")
    SBOM = "sbom", _("SBOM")


class Component(models.Model):
    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="components")
    kind = models.CharField(_("種別"), max_length=16, choices=Kind.choices)
    maker = models.CharField(_("製造元・提供元"), max_length=200, blank=True)
    product = models.CharField(_("製品名"), max_length=200)
    version = models.CharField(_("バージョン"), max_length=100)
    location = models.CharField(_("稼働場所（サーバ・役割）"), max_length=200, blank=True)
    cpe = models.CharField(_("CPE 2.3"), max_length=300, blank=True)
    purl = models.CharField(_("パッケージURL（purl）"), max_length=500, blank=True)
    # endoflife.date's product name, when it differs from the product's own (nginx, rhel).
    eol_product = models.SlugField(_("サポート期限データの製品名"), max_length=100, blank=True)
    support_end = models.DateField(_("サポート終了日（手入力）"), null=True, blank=True)
    latest_version = models.CharField(_("最新バージョン"), max_length=100, blank=True)
    not_latest_reason = models.TextField(_("最新でない理由"), max_length=2000, blank=True)
    planned_update = models.DateField(_("更新予定日"), null=True, blank=True)
    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.LISTED)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    MUNICIPALITY_PATH = "system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["system", "kind", "product", "version", "location"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "maker", "product", "version", "location"],
                name="component_once_per_place",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=Kind.values), name="component_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version}"

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """What makes a row the same row across imports."""
        return identity(self.maker, self.product, self.version, self.location)

    def snapshot(self) -> dict:
        return {f: _plain(getattr(self, f)) for f in FIELDS}


# The fields a person or a file sets (the rest is bookkeeping).
FIELDS = (
    "kind",
    "maker",
    "product",
    "version",
    "location",
    "cpe",
    "purl",
    "eol_product",
    "support_end",
    "latest_version",
    "not_latest_reason",
    "planned_update",
)


def identity(maker: str, product: str, version: str, location: str) -> tuple[str, str, str, str]:
    return (maker.casefold(), product.casefold(), version, location.casefold())


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


class EolCycle(models.Model):
    """One release cycle of a product, as endoflife.date publishes it (api/PRODUCT.json)."""

    product = models.SlugField(max_length=100)
    cycle = models.CharField(max_length=50)
    release_date = models.DateField(null=True, blank=True)
    eol = models.DateField(null=True, blank=True)  # the end of security support
    # Some cycles say only true/false: ended (with no date) or not yet announced.
    eol_reached = models.BooleanField(null=True, blank=True)
    latest = models.CharField(max_length=100, blank=True)
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["product", "-release_date", "cycle"]
        constraints = [
            models.UniqueConstraint(fields=["product", "cycle"], name="eol_cycle_once"),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.cycle}"


class InventoryImport(StagedImport):
    """An uploaded inventory waiting for its preview decision."""

    audit_name = "inventory"
    owner_field = "system"

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="inventory_imports")

    class Meta(StagedImport.Meta):
        pass

    MUNICIPALITY_PATH = "system__municipality"
    objects = ScopedManager()


class Severity(models.TextChoices):
    CRITICAL = "CRITICAL", _("緊急")
    HIGH = "HIGH", _("重要")
    MEDIUM = "MEDIUM", _("警告")
    LOW = "LOW", _("注意")
    NONE = "NONE", _("なし")


SEVERITY_ORDER = {s: n for n, s in enumerate(Severity.values)}


class Vulnerability(models.Model):
    """One advisory of NVD (CVE) or JVN iPedia (JVNDB), imported offline (vulnerability-information)."""

    class Source(models.TextChoices):
        NVD = "nvd", "NVD"
        JVN = "jvn", "JVN iPedia"

    ident = models.CharField(max_length=40, unique=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    title = models.CharField(max_length=500, blank=True)
    published = models.DateField(null=True, blank=True)
    cvss_score = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, blank=True)
    aliases = models.JSONField(default=list, blank=True)  # a JVNDB entry's CVE ids
    # The applicability as NVD states it: configurations of nodes of CPE matches.
    configurations = models.JSONField(default=list, blank=True)
    digest = models.CharField(max_length=64)  # of what was imported: a re-import skips it

    class Meta:
        ordering = ["-published", "ident"]

    def __str__(self) -> str:
        return self.ident


class VulnerableProduct(models.Model):
    """Which (vendor, product) a vulnerability names as vulnerable: the index that
    finds the few advisories worth evaluating for a component."""

    vulnerability = models.ForeignKey(
        Vulnerability, on_delete=models.CASCADE, related_name="products"
    )
    vendor = models.CharField(max_length=150)
    product = models.CharField(max_length=150)

    class Meta:
        indexes = [models.Index(fields=["vendor", "product"], name="vulnerable_product")]

    def __str__(self) -> str:
        return f"{self.vulnerability_id}: {self.vendor}:{self.product}"


class FindingQuerySet(models.QuerySet):
    def open(self):
        """The component still matches (the inventory keeps the affected version)."""
        return self.filter(closed_at__isnull=True)

    def with_response(self):
        """Each with `response_kind`: the kind of its newest response, or None."""
        newest = Response.objects.filter(finding=models.OuterRef("pk")).order_by("-at", "-pk")
        return self.annotate(response_kind=models.Subquery(newest.values("kind")[:1]))

    def unresolved(self):
        """Open, and not answered as fixed or as not affecting the system: what still
        needs doing (no response yet, or a fix planned)."""
        return (
            self.open()
            .with_response()
            .filter(
                models.Q(response_kind__isnull=True) | models.Q(response_kind=Response.Kind.PLANNED)
            )
        )

    def fixed_but_still_listed(self):
        """Answered 対応済, while the inventory still lists the affected version: the
        vendor fixed it and has yet to update the inventory (or did not fix it)."""
        return self.open().with_response().filter(response_kind=Response.Kind.FIXED)


class Finding(models.Model):
    """A vulnerability that applies to a component of a system, open until the
    component no longer matches (closed) or reopened when it matches again."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="findings")
    vulnerability = models.ForeignKey(
        Vulnerability, on_delete=models.CASCADE, related_name="findings"
    )
    first_seen = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    MUNICIPALITY_PATH = "component__system__municipality"
    objects = ScopedManager.from_queryset(FindingQuerySet)()

    class Meta:
        ordering = ["vulnerability"]
        constraints = [
            models.UniqueConstraint(fields=["component", "vulnerability"], name="finding_once"),
        ]

    def __str__(self) -> str:
        return f"{self.vulnerability} / {self.component}"

    @property
    def response(self) -> "Response | None":
        responses = list(self.responses.all())
        return responses[-1] if responses else None


class Response(models.Model):
    """The vendor's answer to a finding; each answer is kept, the newest counts."""

    class Kind(models.TextChoices):
        FIXED = "fixed", _("対応済")
        PLANNED = "planned", _("対応予定")
        NOT_AFFECTED = "not_affected", _("影響なし")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="responses")
    kind = models.CharField(_("対応"), max_length=16, choices=Kind.choices)
    date = models.DateField(_("日付（対応日・対応予定日）"), null=True, blank=True)
    fixed_version = models.CharField(_("対応後のバージョン"), max_length=100, blank=True)
    reason = models.TextField(_("理由・内容"), max_length=2000, blank=True)
    # The file that shows it (encrypted and malware-scanned like an answer's evidence).
    evidence = models.ForeignKey(
        Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    MUNICIPALITY_PATH = "finding__component__system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["finding", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.finding}: {self.get_kind_display()}"
