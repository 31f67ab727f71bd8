"""A municipality's own directory, its staff sign in through: LDAP / Active Directory
or OpenID Connect, and the accounts it keeps.

Neither model is scoped: the sign-in page reads the directory before any municipality
is active (a name's domain says which), and the nightly check reads every
municipality's. Both go with their municipality (a cascade from it)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kakunin.crypto.fields import EncryptedTextField
from kakunin.tenants.models import Municipality

# AD's userAccountControl: the bit of a disabled account (ACCOUNTDISABLE).
ACCOUNT_DISABLE = 0x2


class Directory(models.Model):
    class Kind(models.TextChoices):
        LDAP = "ldap", _("LDAP / Active Directory")
        OIDC = "oidc", _("OpenID Connect")

    class GroupType(models.TextChoices):
        MEMBER = "member", _("直接のメンバーのみ（AD のグループ、groupOfNames）")
        NESTED = "nested", _("入れ子のグループも辿る（AD）")

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="directory"
    )
    kind = models.CharField(_("種類"), max_length=8, choices=Kind.choices)
    enabled = models.BooleanField(_("ディレクトリでサインインする"), default=False)
    domain = models.CharField(
        _("サインイン名のドメイン"),
        max_length=100,
        unique=True,
        help_text=_("職員は「ID@このドメイン」でサインインします（例: city.chiyoda.lg.jp）。"),
    )
    # LDAP / Active Directory
    server_uri = models.CharField(_("サーバ"), max_length=300, blank=True)
    start_tls = models.BooleanField(_("StartTLS"), default=False)
    ca_certificate = models.TextField(_("CA 証明書（PEM）"), blank=True)
    bind_dn = models.CharField(_("検索用アカウントの DN"), max_length=300, blank=True)
    bind_password = EncryptedTextField(_("検索用アカウントのパスワード"), blank=True)
    user_search_base = models.CharField(_("利用者の検索ベース"), max_length=300, blank=True)
    user_filter = models.CharField(
        _("利用者の検索フィルタ"), max_length=300, default="(sAMAccountName=%(user)s)"
    )
    group_search_base = models.CharField(_("グループの検索ベース"), max_length=300, blank=True)
    group_filter = models.CharField(
        _("グループの検索フィルタ"), max_length=300, default="(objectClass=group)"
    )
    group_type = models.CharField(
        _("グループの種類"), max_length=8, choices=GroupType.choices, default=GroupType.MEMBER
    )
    attr_full_name = models.CharField(_("氏名の属性"), max_length=64, default="displayName")
    attr_email = models.CharField(_("メールアドレスの属性"), max_length=64, default="mail")
    # OpenID Connect
    issuer = models.URLField(_("発行者（issuer）の URL"), blank=True)
    client_id = models.CharField(_("クライアント ID"), max_length=200, blank=True)
    client_secret = EncryptedTextField(_("クライアントシークレット"), blank=True)
    claim_groups = models.CharField(_("グループのクレーム"), max_length=64, default="groups")
    claim_username = models.CharField(
        _("ID のクレーム"), max_length=64, default="preferred_username"
    )
    claim_full_name = models.CharField(_("氏名のクレーム"), max_length=64, default="name")
    claim_email = models.CharField(_("メールアドレスのクレーム"), max_length=64, default="email")
    # Both: group → role, group → department ({"reviewer": [group, …]}, {group: department pk}).
    role_groups = models.JSONField(default=dict, blank=True)
    department_groups = models.JSONField(default=dict, blank=True)
    require_totp = models.BooleanField(
        _("審査担当と管理者にはディレクトリに加えて二要素認証（TOTP）を求める"), default=True
    )
    # The one local administrator who signs in with Kakunin's own password, also when
    # the directory is down; every use raises an alert.
    break_glass = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("緊急用の管理者（ローカル）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ディレクトリ")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["ldap", "oidc"]), name="dir_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality.name} {self.get_kind_display()} ({self.domain})"

    @property
    def audit_label(self) -> str:
        return f"{self.municipality.name} ディレクトリ"

    @property
    def provider_id(self) -> str:
        """The OpenID Connect app's id in allauth's URLs: the municipality's code."""
        return f"m{self.municipality.code}"

    def name_for(self, login: str) -> str:
        """The Kakunin user ID of a directory login: `login@domain`, lower case."""
        return f"{login}@{self.domain}".lower()


class DirectoryAccount(models.Model):
    """A Kakunin account the directory keeps: who it is there, and what the nightly
    check found."""

    class State(models.TextChoices):
        PRESENT = "present", _("在籍")
        GONE = "gone", _("ディレクトリに存在しない")
        DISABLED = "disabled", _("ディレクトリで無効")
        REMOVED = "removed", _("Kakunin のグループから外れた")
        UNKNOWN = "unknown", _("未確認")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_account"
    )
    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="accounts")
    # The entry's DN (LDAP) or the subject (OpenID Connect).
    external_id = models.CharField(max_length=500)
    login = models.CharField(max_length=200)
    groups = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PRESENT)
    signed_in_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["directory", "external_id"], name="directory_account_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.login} ({self.get_state_display()})"
