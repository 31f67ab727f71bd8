from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kakunin.accounts import external
from kakunin.core.text import refuse_formula_start
from kakunin.core.times import local
from kakunin.crypto.fields import EncryptedTextField
from kakunin.tenants.active import current
from kakunin.tenants.codes import validate_corporate_number
from kakunin.tenants.models import Municipality


class Organisation(models.Model):
    """A ward department (所管課, 情報政策課) of one municipality, or a vendor company
    (事業者): one across the service, known by its 法人番号, serving many municipalities."""

    class Kind(models.TextChoices):
        WARD = "ward", _("区の部署")
        VENDOR = "vendor", _("事業者")

    name = models.CharField(_("名称"), max_length=200, validators=[refuse_formula_start])
    kind = models.CharField(_("種別"), max_length=16, choices=Kind.choices)
    # A department's municipality; a vendor company has none (it serves many).
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("団体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    corporate_number = models.CharField(
        _("法人番号"),
        max_length=13,
        blank=True,
        validators=[validate_corporate_number],
        help_text=_(
            "13桁（国税庁の法人番号）。同じ会社が二度登録されないよう、事業者は入力してください。"
        ),
    )
    contact = EncryptedTextField(_("連絡先（担当窓口・電話・住所）"), max_length=1000, blank=True)
    is_demo = models.BooleanField(_("デモ用"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("組織")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["ward", "vendor"]), name="org_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="ward", municipality__isnull=False)
                | models.Q(kind="vendor", municipality__isnull=True),
                name="org_municipality",
            ),
            models.UniqueConstraint(
                fields=["municipality", "name"],
                condition=models.Q(kind="ward"),
                name="org_ward_name_unique",
                violation_error_message=_("この名称の部署は既に登録されています。"),
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(kind="vendor"),
                name="org_vendor_name_unique",
                violation_error_message=_("この名称の事業者は既に登録されています。"),
            ),
            models.UniqueConstraint(
                fields=["corporate_number"],
                condition=~models.Q(corporate_number=""),
                name="org_corporate_number_unique",
                violation_error_message=_("この法人番号の事業者は既に登録されています。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.place()
        super().save(*args, **kwargs)

    def place(self) -> None:
        """A vendor company belongs to no municipality; a department not placed yet to
        the municipality worked in, else the installation's (clean() places it too, so that the form checks the name
        against the same municipality's departments before saving)."""
        if self.kind == self.Kind.VENDOR:
            self.municipality = None
        elif self.municipality_id is None:
            self.municipality = current() or Municipality.default()

    def clean(self) -> None:
        super().clean()
        self.place()
        if self.corporate_number and self.kind != self.Kind.VENDOR:
            raise ValidationError(
                {"corporate_number": _("法人番号は事業者の組織にだけ入力します。")}
            )
        # A form leaves the municipality out of its own checks (not one of its fields).
        same = Organisation.objects.filter(
            kind=self.kind, municipality=self.municipality, name=self.name
        ).exclude(pk=self.pk)
        if self.kind == self.Kind.WARD and same.exists():
            raise ValidationError({"name": _("この名称の部署は既に登録されています。")})


class Role(models.TextChoices):
    ADMIN = "admin", _("システム管理者")
    REVIEWER = "reviewer", _("セキュリティ審査担当")
    DEPARTMENT = "department", _("所管課担当")
    VENDOR = "vendor", _("事業者")
    AUDITOR = "auditor", _("監査人（閲覧のみ）")
    # The provider that runs the service (LGWAN-ASP 事業者): municipalities, never their data.
    OPERATOR = "operator", _("サービス運営者")


# Which kind of organisation each role belongs to. Administrators and auditors
# may have none (an external auditor, the first administrator).
ROLE_ORGANISATION_KIND = {
    Role.REVIEWER: Organisation.Kind.WARD,
    Role.DEPARTMENT: Organisation.Kind.WARD,
    Role.VENDOR: Organisation.Kind.VENDOR,
}

WARD_ROLES = {Role.ADMIN, Role.REVIEWER, Role.DEPARTMENT, Role.AUDITOR}


class UserQuerySet(models.QuerySet):
    def reviewers(self):
        """The security reviewers (情報政策課) who can act now, of the municipality
        worked in (every municipality's only in the service's own work)."""
        reviewers = self.filter(role=Role.REVIEWER, is_active=True)
        municipality = current()
        return reviewers.filter(municipality=municipality) if municipality else reviewers

    def managed_in(self, municipality_id):
        """The accounts a municipality manages: its own staff, and the vendor people who
        work on its systems, whose account its staff issued, or who work for no
        municipality yet."""
        vendors = Q(role=Role.VENDOR) & (
            Q(memberships__system__municipality=municipality_id)
            | Q(issued_by__municipality=municipality_id)
            | Q(memberships__isnull=True)
        )
        matching = User.objects.filter(Q(municipality=municipality_id) | vendors)
        return self.filter(pk__in=matching.values("pk"))

    def of_department(self, department_id):
        """The active staff of one ward department."""
        return self.filter(role=Role.DEPARTMENT, organisation=department_id, is_active=True)


class KakuninUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """One named person. Accounts are disabled, never deleted."""

    email = models.EmailField(_("メールアドレス"), max_length=254)
    full_name = models.CharField(_("氏名"), max_length=100, validators=[refuse_formula_start])
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("所属"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField(_("ロール"), max_length=16, choices=Role.choices)
    # Ward staff belong to exactly one municipality; a vendor person to none (they work
    # for the municipalities that invited them).
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("団体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    phone = EncryptedTextField(_("電話番号"), max_length=40, blank=True)
    language = models.CharField(
        _("表示言語"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    must_change_password = models.BooleanField(default=False)
    # The first administrator `make run` makes without a name (`admin`): at the first
    # login its holder chooses their own ID, name and e-mail (individual-ids).
    must_choose_id = models.BooleanField(default=False)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    is_demo = models.BooleanField(default=False)
    # A vendor company's own manager: may add colleagues to the systems they work on.
    manages_organisation = models.BooleanField(
        _("事業者の管理者"),
        default=False,
        help_text=_("自社の担当者を、自分が担当するシステムに追加・削除できます（事業者のみ）。"),
    )

    objects = KakuninUserManager()  # type: ignore[misc]  # AbstractUser declares a ClassVar
    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        ordering = ["username"]
        verbose_name = _("利用者")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.UniqueConstraint(Lower("username"), name="user_username_unique_ci"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})" if self.full_name else self.username

    def save(self, *args, **kwargs):
        if self.role in (Role.VENDOR, Role.OPERATOR):
            self.municipality = None
        elif self.municipality_id is None:
            org = self.organisation
            self.municipality = (org and org.municipality) or current() or Municipality.default()
        super().save(*args, **kwargs)

    @property
    def audit_label(self) -> str:
        return str(self)

    def has_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles

    @property
    def is_ward_staff(self) -> bool:
        return self.role in WARD_ROLES

    def delete(self, *args, **kwargs):
        # The audit trail names people: accounts are disabled, never deleted.
        raise PermissionError("Accounts are disabled, never deleted.")

    @property
    def password_expired(self) -> bool:
        max_age = settings.PASSWORD_MAX_AGE_DAYS
        if not max_age or self.password_changed_at is None:
            return False
        return timezone.now() - self.password_changed_at > timedelta(days=max_age)

    @property
    def needs_mfa(self) -> bool:
        if settings.MFA_REQUIRED_FOR_ALL:
            return True
        decided = external.mfa_rule(self)  # a municipality's directory may decide
        return decided if decided is not None else self.role in settings.MFA_REQUIRED_ROLES


class PasswordHistory(models.Model):
    """The hashes of a person's recent passwords, so that they are not reused (password-change)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "password history"

    def __str__(self) -> str:
        return f"{self.user} {local(self.created_at, '%Y-%m-%d')}"


class UserSessionQuerySet(models.QuerySet):
    def active(self):
        """Not ended, not idle past SESSION_COOKIE_AGE, not older than the absolute limit."""
        now = timezone.now()
        return self.filter(
            ended_at__isnull=True,
            last_seen_at__gte=now - timedelta(seconds=settings.SESSION_COOKIE_AGE),
            created_at__gte=now - settings.SESSION_ABSOLUTE_LIFETIME,
        )


class UserSession(models.Model):
    """One login of a person: when, from where, with which browser (session-termination).

    The person sees their sessions and can end them; disabling the account or
    changing its password ends them all. The session itself lives in Django's
    session store; this row follows its key and records how it ended.
    """

    class End(models.TextChoices):
        LOGOUT = "logout", _("ログアウト")
        ENDED = "ended", _("利用者が終了")
        PASSWORD = "password", _("パスワードの変更")
        DISABLED = "disabled", _("アカウントの無効化")
        LIFETIME = "lifetime", _("ログインの有効時間の経過")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, db_index=True)
    created_at = models.DateTimeField(_("ログイン"))
    last_seen_at = models.DateTimeField(_("最後の操作"))
    ip = models.GenericIPAddressField(_("接続元"), null=True, blank=True)
    user_agent = models.CharField(_("ブラウザ"), max_length=300, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=16, choices=End.choices, blank=True)

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {local(self.created_at)} {self.ip or ''}"
