"""A vendor company's answer library (回答マスタ): per product or service, one entry
per control, reused in every assessment that asks about the control, whatever the
form and the municipality. The library is the company's: no municipality and not
the operator ever reads it; a municipality sees only what the company's people put
into its assessments (`FilledFrom`, with where it came from)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kakunin.accounts.models import Organisation
from kakunin.assessments.models import ANSWER_MAX_LENGTH, Answer, Status
from kakunin.catalog.models import Control
from kakunin.core.text import refuse_formula_start
from kakunin.evidence.models import Evidence
from kakunin.staging.models import StagedImport
from kakunin.tenants.active import ScopedManager

# What an entry may say: the vendor's statuses (区で対応 is the ward's).
ENTRY_STATUSES = [(s.value, s.label) for s in Status if s != Status.WARD]
ENTRY_STATUS_VALUES = [value for value, _label in ENTRY_STATUSES]


class Product(models.Model):
    """A product or service of a vendor company, and the versions or editions its
    library answers for."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="products",
        limit_choices_to={"kind": Organisation.Kind.VENDOR},
    )  # fmt: skip
    name = models.CharField(
        _("製品・サービス名"), max_length=200, validators=[refuse_formula_start]
    )
    versions = models.CharField(_("対象のバージョン・エディション"), max_length=200, blank=True)
    description = models.TextField(_("概要"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Whose library it is, for the gate (access.get_library_object_for_user).
    ORGANISATION_PATH = "organisation"
    # Kept by the vendor company: never leaves with a municipality's data.
    KEPT_BY_VENDOR = True
    audit_name = "library_product"

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="library_product_name",
                violation_error_message=_("この名称の製品・サービスは既に登録されています。"),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.name}（{self.versions}）" if self.versions else self.name

    @property
    def audit_label(self) -> str:
        """The service's trail names the company, not the product (the library is its own)."""
        return f"{self.organisation.name} 回答マスタ #{self.pk}"


class Entry(models.Model):
    """The company's answer about one control for one product, approved by the company."""

    class State(models.TextChoices):
        DRAFT = "draft", _("承認待ち")
        APPROVED = "approved", _("承認済")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="entries")
    control = models.ForeignKey(Control, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("対応状況"), max_length=16, choices=ENTRY_STATUSES)
    text = models.TextField(_("回答"), max_length=ANSWER_MAX_LENGTH)
    plan = models.TextField(_("対応予定"), max_length=ANSWER_MAX_LENGTH, blank=True)
    # 条件付き回答: the answer holds only for a plan, an option or a configuration.
    conditional = models.BooleanField(_("条件付き回答"), default=False)
    condition = models.CharField(_("条件（プラン・オプション・構成）"), max_length=300, blank=True)
    review_by = models.DateField(_("見直し期限"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    ORGANISATION_PATH = "product__organisation"
    KEPT_BY_VENDOR = True
    audit_name = "library_entry"

    class Meta:
        ordering = ["product", "control__order"]
        constraints = [
            models.UniqueConstraint(fields=["product", "control"], name="library_entry_control"),
            models.CheckConstraint(
                condition=Q(conditional=False) | ~Q(condition=""), name="library_entry_condition"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "approved"]), name="library_entry_state"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} / {self.control.title}"

    @property
    def audit_label(self) -> str:
        return f"{self.product.organisation.name} 回答マスタ #{self.product_id}-{self.pk}"

    def is_past_review(self, today=None) -> bool:
        return self.review_by is not None and self.review_by < (today or timezone.localdate())

    def snapshot(self) -> dict:
        return {f: getattr(self, f) for f in ENTRY_FIELDS}


# What a change of an entry changes (a new version), in its history.
ENTRY_FIELDS = ("status", "text", "plan", "conditional", "condition", "review_by")


class EntryRevision(models.Model):
    """Every version of an entry, newest first; the entry holds the current one."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=ENTRY_STATUSES)
    text = models.TextField()
    plan = models.TextField(blank=True)
    conditional = models.BooleanField(default=False)
    condition = models.CharField(max_length=300, blank=True)
    review_by = models.DateField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()
    # Where this version came from: typed on the web, an assessment, an Excel file, the API.
    source = models.CharField(max_length=100)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    KEPT_BY_VENDOR = True

    class Meta:
        ordering = ["entry", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "version"], name="library_revision_version"),
        ]

    def __str__(self) -> str:
        return f"{self.entry} v{self.version}"


class EntryFile(models.Model):
    """An evidence file of an entry (a certificate, a test report), kept encrypted as
    every evidence file is; copied into a municipality's store when an entry fills one
    of its answers."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="files")
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="+")
    # A certificate or a listing (ISMAP) holds until then.
    valid_until = models.DateField(_("有効期限"), null=True, blank=True)

    ORGANISATION_PATH = "entry__product__organisation"
    KEPT_BY_VENDOR = True

    class Meta:
        ordering = ["entry", "pk"]

    def __str__(self) -> str:
        return self.evidence.filename

    def has_expired(self, today=None) -> bool:
        return self.valid_until is not None and self.valid_until < (today or timezone.localdate())


class Use(models.Model):
    """The library's own history of where it went: which municipality, which system,
    which entries, which items (the company reads it; the municipality has its own
    trail of the same act)."""

    class Kind(models.TextChoices):
        FILL = "fill", _("確認票へ記入")
        BUILD = "build", _("回答マスタへ取り込み")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="uses")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    municipality = models.CharField(_("団体"), max_length=100)
    # Shown in that municipality only, as every page shows one municipality's work.
    municipality_code = models.CharField(max_length=6, blank=True)
    system = models.CharField(_("システム"), max_length=200)
    assessment = models.CharField(_("確認票"), max_length=200)
    entries = models.PositiveIntegerField(_("項目数"))
    items = models.TextField(_("確認項目"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    KEPT_BY_VENDOR = True

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.product} {self.kind} {self.system}"


class FilledFromQuerySet(models.QuerySet):
    def unchanged(self):
        """The answers still as the library wrote them."""
        return self.filter(answer__version=models.F("answer_version"))

    def behind(self, product, user):
        """Keeping in step: the open assessments (draft, returned) on systems the person
        works on, whose answers an older version of one of the product's entries filled
        and nobody changed since (read under everywhere(): the company's, wherever)."""
        return (
            self.unchanged()
            .filter(
                entry__product=product, entry__state="approved",
                entry_version__lt=models.F("entry__version"),
                answer__assessment__state__in=["draft", "returned"],
                answer__assessment__system__memberships__user=user,
                answer__assessment__system__vendors=user.organisation_id,
            )
            .select_related("answer__assessment__system__municipality", "answer__item", "control")
            .order_by("answer__assessment__system__municipality__code", "answer__assessment", "answer__item__number")
        )  # fmt: skip


class FilledFrom(models.Model):
    """Where a filled answer came from: one row per entry that wrote it. Part of the
    municipality's assessment (scoped): what it shows of the library is what the
    company put there, copied, so the library is never read to show it."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="library_sources")
    # The entry it came from; none once the company removed it, or in another Kakunin.
    entry = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.SET_NULL, related_name="filled"
    )
    product = models.CharField(_("製品・サービス"), max_length=300)
    control = models.ForeignKey(Control, on_delete=models.PROTECT, related_name="+")
    entry_version = models.PositiveIntegerField()
    condition = models.CharField(max_length=300, blank=True)
    # The answer's version right after the fill: the same version now is "unchanged".
    answer_version = models.PositiveIntegerField()
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filled_at = models.DateTimeField()
    # Written as the answer was carried to a new year: the entry's newer version, in
    # place of last year's words.
    on_carry = models.BooleanField(default=False)

    MUNICIPALITY_PATH = "answer__assessment__system__municipality"
    objects = ScopedManager.from_queryset(FilledFromQuerySet)()

    class Meta:
        ordering = ["answer", "pk"]

    def __str__(self) -> str:
        return f"{self.answer} ← {self.product} v{self.entry_version}"

    @property
    def is_unchanged(self) -> bool:
        return self.answer.version == self.answer_version


class LibraryImport(StagedImport):
    """A vendor's filled Excel form, read into what it would put in the library
    (`plan`: the proposals), waiting for the preview's decision."""

    audit_name = "library"
    owner_field = "product"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="imports")

    ORGANISATION_PATH = "product__organisation"
    KEPT_BY_VENDOR = True

    class Meta(StagedImport.Meta):
        pass
