"""The systems being introduced at the ward, and the profile that decides what applies."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kakunin.accounts.models import Organisation, Role, User
from kakunin.catalog.models import Template
from kakunin.core.text import refuse_formula_start
from kakunin.crypto.fields import EncryptedTextField
from kakunin.tenants.active import ScopedManager, current_id_for


class AssetCategory(models.TextChoices):
    PERSONAL = "personal", _("個人情報")
    SENSITIVE = "sensitive", _("要配慮個人情報・機微な情報")
    MY_NUMBER = "my_number", _("個人番号（マイナンバー）関連")
    INTERNAL = "internal", _("非公開の行政情報")
    PUBLIC = "public", _("公開情報")


class SystemQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The systems this person may see (the rule the access gate applies; see
        kakunin/access.py for the whole table): the ward's reviewers, administrators
        and auditors see all; a department its own; a vendor person the systems granted
        to them while their company still serves the system."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        # One municipality at a time: the one the person works in now (kakunin.tenants).
        # None (a vendor person outside any municipality): nothing.
        municipality = current_id_for(user)
        if not municipality:
            return self.none()
        mine = self.filter(municipality=municipality)
        if user.role in (Role.ADMIN, Role.REVIEWER, Role.AUDITOR):
            return mine
        if user.role == Role.DEPARTMENT and user.organisation_id:
            return mine.filter(department_id=user.organisation_id)
        if user.role == Role.VENDOR and user.organisation_id:
            return mine.filter(vendors=user.organisation_id, memberships__user=user).distinct()
        return self.none()

    def _approved(self):
        """The approved assessments of each system (kakunin.assessments keeps them; the
        model is reached through the relation and the state named, never imported)."""
        assessment = self.model._meta.get_field("assessments").related_model
        assert isinstance(assessment, type)  # a model class, not the string of a lazy one
        return assessment._default_manager.filter(system=OuterRef("pk"), state="approved")

    def with_operation_start(self):
        """Each system with `first_approved_at`: when an assessment of it was first
        approved (System.operation_start reads it)."""
        first = self._approved().annotate(at=Coalesce("approved_at", "updated_at"))
        return self.annotate(first_approved_at=Subquery(first.order_by("at").values("at")[:1]))

    def in_operation(self, today=None):
        """Systems that have gone into operation by `today`: on the day of going live when
        it is recorded, else on the first approval of an assessment. From then on they owe
        the ward the records of the operating years and a yearly report (security-status-report)."""
        today = today or timezone.localdate()
        return self.alias(approved=Exists(self._approved())).filter(
            models.Q(live_on__lte=today) | models.Q(live_on__isnull=True, approved=True)
        )

    def operation_starts(self) -> dict[int, datetime.date | None]:
        """{system id: the day it went (or goes) into operation, or None}, in one query."""
        return {s.pk: s.operation_start for s in self.with_operation_start().only("live_on")}

    def due_for_rescan(self, since):
        """Systems with scan targets whose last scan started before `since` (or never ran).
        The automated checks (kakunin.scans) keep the targets and scans on the system."""
        return (
            self.filter(scan_targets__isnull=False)
            .annotate(last=models.Max("scans__created_at"))
            .filter(models.Q(last__isnull=True) | models.Q(last__lt=since))
            .distinct()
        )


class System(models.Model):
    # The municipality whose system it is: its department's.
    municipality = models.ForeignKey(
        "tenants.Municipality",
        verbose_name=_("団体"),
        on_delete=models.PROTECT,
        related_name="systems",
        editable=False,
    )
    name = models.CharField(_("システム名"), max_length=200, validators=[refuse_formula_start])
    department = models.ForeignKey(
        Organisation,
        verbose_name=_("所管課"),
        on_delete=models.PROTECT,
        related_name="owned_systems",
        limit_choices_to={"kind": Organisation.Kind.WARD},
    )
    vendors = models.ManyToManyField(
        Organisation,
        verbose_name=_("事業者"),
        blank=True,
        related_name="vendor_systems",
        limit_choices_to={"kind": Organisation.Kind.VENDOR},
    )
    description = models.TextField(_("概要"), max_length=4000, blank=True)
    asset_categories = models.JSONField(_("取り扱う情報資産"), default=list, blank=True)
    # What data the system holds can itself be sensitive: encrypted at rest (data-encryption).
    asset_notes = EncryptedTextField(_("情報資産（詳細）"), max_length=4000, blank=True)
    confidentiality = models.PositiveSmallIntegerField(
        _("機密性"), choices=[(3, "3"), (2, "2"), (1, "1")], default=2
    )
    integrity = models.PositiveSmallIntegerField(
        _("完全性"), choices=[(2, "2"), (1, "1")], default=1
    )
    availability = models.PositiveSmallIntegerField(
        _("可用性"), choices=[(2, "2"), (1, "1")], default=1
    )
    uses_servers = models.BooleanField(_("サーバ・ネットワーク機器を利用する"), default=False)
    serves_web = models.BooleanField(_("Webサイト・Web画面・Web APIを提供する"), default=False)
    uses_external_services = models.BooleanField(
        _("外部サービス（クラウド・SaaS）を利用する"), default=False
    )
    my_number_domain = models.BooleanField(_("個人番号利用事務系に属する"), default=False)
    # The day the system went live (本番稼働日), when the department records it: a system
    # already running when it is registered owes the yearly duties from that day, one
    # that goes live later than its approval from the later day.
    live_on = models.DateField(
        _("本番稼働日"),
        null=True,
        blank=True,
        help_text=_(
            "空欄の場合は、確認票が初めて承認された日から運用中として扱います（運用記録と年次報告の対象）。"
        ),
    )
    # Vendor people who work on the system (each granted; see Membership).
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        through_fields=("system", "user"),
        related_name="member_systems",
        blank=True,
    )
    is_demo = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    MUNICIPALITY_PATH = "municipality"
    objects = ScopedManager.from_queryset(SystemQuerySet)()
    # Set by SystemQuerySet.with_operation_start() (or by operation_start when not).
    first_approved_at: datetime.datetime | None

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("システム")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidentiality__gte=1, confidentiality__lte=3),
                name="system_confidentiality_range",
            ),
            models.CheckConstraint(
                condition=models.Q(integrity__gte=1, integrity__lte=2),
                name="system_integrity_range",
            ),
            models.CheckConstraint(
                condition=models.Q(availability__gte=1, availability__lte=2),
                name="system_availability_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.municipality_id is None:
            self.municipality_id = self.department.municipality_id
        super().save(*args, **kwargs)

    @property
    def asset_category_labels(self) -> list[str]:
        labels = dict(AssetCategory.choices)
        return [str(labels.get(code, code)) for code in self.asset_categories]

    def department_staff(self):
        """The staff of the department that owns the system."""
        return User.objects.of_department(self.department_id)

    def reviewers(self):
        """The security reviewers of the system's municipality who can act now."""
        return User.objects.filter(
            role=Role.REVIEWER, is_active=True, municipality=self.municipality_id
        )

    def vendor_members(self):
        """The vendor people who work on this system: members whose company is still
        one of its vendors, and whose account is active."""
        return self.members.filter(
            role="vendor", is_active=True, organisation__in=self.vendors.all()
        ).select_related("organisation")

    @cached_property
    def operation_start(self) -> datetime.date | None:
        """The day the system went (or goes) into operation: the recorded day of going
        live, else the day an assessment of it was first approved; None before either."""
        if self.live_on:
            return self.live_on
        if not hasattr(self, "first_approved_at"):
            self.first_approved_at = (
                System.objects.filter(pk=self.pk)
                .with_operation_start()
                .values_list("first_approved_at", flat=True)
                .first()
            )
        return timezone.localdate(self.first_approved_at) if self.first_approved_at else None

    @cached_property
    def form(self) -> Template | None:
        """The form the system is assessed against: the version its newest assessment
        was made with; the default form (Template.default) before its first one."""
        latest = (
            Template.objects.filter(assessments__system=self)
            .order_by("-assessments__created_at", "-assessments__pk")
            .first()
        )
        return latest or Template.default()

    def form_in_force(self) -> Template | None:
        """The version of the system's form that its next assessment is made with."""
        form = self.form
        return Template.current(form.key) if form is not None else None

    def in_operation_on(self, day: datetime.date) -> bool:
        return self.operation_start is not None and self.operation_start <= day

    def profile_snapshot(self) -> dict:
        """The fields an audit event records as before/after."""
        return {
            "name": self.name,
            "department": self.department.name,
            "vendors": sorted(v.name for v in self.vendors.all()) if self.pk else [],
            "description": self.description,
            "asset_categories": list(self.asset_categories),
            "asset_notes": self.asset_notes,
            "confidentiality": self.confidentiality,
            "integrity": self.integrity,
            "availability": self.availability,
            "uses_servers": self.uses_servers,
            "serves_web": self.serves_web,
            "uses_external_services": self.uses_external_services,
            "my_number_domain": self.my_number_domain,
            "live_on": self.live_on.isoformat() if self.live_on else None,
        }


class Membership(models.Model):
    """A vendor person's access to one system.

    Belonging to a vendor company gives no access by itself: a company may serve
    several departments, and each department grants its own systems. The person
    sees the system while the membership exists and the company is one of its
    vendors (see kakunin/access.py for who may grant it).
    """

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    MUNICIPALITY_PATH = "system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["system", "user__full_name"]
        verbose_name = _("システムの担当者")
        constraints = [
            models.UniqueConstraint(fields=["system", "user"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.system}"


class Invitation(models.Model):
    """A vendor contact invited to a system by e-mail: a single-use link, valid 72 hours.
    Only the SHA-256 of the token is stored."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    full_name = models.CharField(_("氏名"), max_length=100, validators=[refuse_formula_start])
    email = models.EmailField(_("メールアドレス"))
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    MUNICIPALITY_PATH = "system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}> → {self.system}"

    @property
    def usable(self) -> bool:
        return self.accepted_at is None and timezone.now() < self.expires_at


class AccessRequest(models.Model):
    """A vendor asks for a colleague to be added; the ward decides (one ID per person)."""

    class State(models.TextChoices):
        PENDING = "pending", _("承認待ち")
        APPROVED = "approved", pgettext_lazy("request state", "承認")
        REJECTED = "rejected", _("却下")

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="access_requests")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    full_name = models.CharField(_("氏名"), max_length=100, validators=[refuse_formula_start])
    email = models.EmailField(_("メールアドレス"))
    reason = models.CharField(_("理由"), max_length=500)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    MUNICIPALITY_PATH = "system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_state_display()})"
