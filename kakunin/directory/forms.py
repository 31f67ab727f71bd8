"""The administrator's form for the municipality's directory. Secrets are written,
never shown again (blank keeps the one stored); nothing is saved until the settings
have been tried against the server."""

import re

import requests
from django import forms
from django.utils.translation import gettext_lazy as _

from kakunin.accounts.models import Role, User
from kakunin.core.text import PlainText
from kakunin.directory import mapping
from kakunin.directory.models import Directory
from kakunin.directory.trust import verify

DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
SECRETS = ("bind_password", "client_secret")


class DirectoryForm(PlainText, forms.ModelForm):
    issuer = forms.URLField(
        label=_("発行者（issuer）の URL"), required=False, assume_scheme="https", max_length=200
    )
    roles = forms.CharField(
        label=_("グループとロール（1行に「ロール: グループ」）"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    departments = forms.CharField(
        label=_("グループと部署（1行に「部署名: グループ」）"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    ca_certificate = forms.CharField(
        label=_("CA 証明書（PEM）"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    bind_password = forms.CharField(
        label=_("検索用アカウントのパスワード"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    client_secret = forms.CharField(
        label=_("クライアントシークレット"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = Directory
        fields = [
            "kind", "enabled", "domain", "server_uri", "start_tls", "ca_certificate", "bind_dn",
            "bind_password", "user_search_base", "user_filter", "group_search_base",
            "group_filter", "group_type", "attr_full_name", "attr_email", "issuer", "client_id",
            "client_secret", "claim_groups", "claim_username", "claim_full_name", "claim_email",
            "require_totp", "break_glass",
        ]  # fmt: skip

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.stored = {name: getattr(self.instance, name) for name in SECRETS}
        for name in SECRETS:
            self.fields[name].required = False
            if self.stored[name]:
                self.fields[name].help_text = _(
                    "設定済み（表示しません）。空欄のままなら変わりません。"
                )
        break_glass = self.fields["break_glass"]
        break_glass.queryset = User.objects.filter(  # type: ignore[attr-defined]
            municipality=municipality,
            role=Role.ADMIN,
            is_active=True,
            directory_account__isnull=True,
        )
        if not self.is_bound:
            self.initial["roles"] = mapping.roles_text(self.instance.role_groups or {})
            self.initial["departments"] = mapping.departments_text(
                self.instance.department_groups or {}
            )

    def clean_domain(self):
        domain = self.cleaned_data["domain"].strip().lower()
        if not DOMAIN.match(domain):
            raise forms.ValidationError(
                _("ドメインの形（例: city.chiyoda.lg.jp）で入力してください。")
            )
        if Directory.objects.filter(domain=domain).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("このドメインは別の団体のディレクトリで使われています。"))
        return domain

    def clean_roles(self):
        return mapping.parse_roles(self.cleaned_data["roles"])

    def clean_departments(self):
        return mapping.parse_departments(self.cleaned_data["departments"], self.municipality)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        for name in SECRETS:
            if not data.get(name):
                data[name] = self.stored[name]
        if data.get("kind") == Directory.Kind.LDAP:
            self._clean_ldap(data)
        elif data.get("kind") == Directory.Kind.OIDC:
            self._clean_oidc(data)
        if data.get("enabled") and not data.get("break_glass"):
            self.add_error(
                "break_glass",
                _(
                    "ディレクトリが使えないときのために、緊急用の管理者（ローカル）を1人選んでください。"
                ),
            )
        if data.get("enabled") and not data.get("roles"):
            self.add_error("roles", _("ロールに割り当てるグループを1つ以上書いてください。"))
        return data

    def _clean_ldap(self, data) -> None:
        uri = (data.get("server_uri") or "").strip()
        if not uri:
            self.add_error("server_uri", _("サーバ（ldaps://…）を入力してください。"))
        elif uri.lower().startswith("ldap://") and not data.get("start_tls"):
            self.add_error(
                "server_uri",
                _(
                    "暗号化しない ldap:// は使えません。ldaps:// にするか、StartTLS を有効にしてください。"
                ),
            )
        elif not uri.lower().startswith(("ldaps://", "ldap://")):
            self.add_error(
                "server_uri", _("ldaps:// または ldap://（StartTLS）で始まる URL にしてください。")
            )
        for name in ("bind_dn", "bind_password", "user_search_base"):
            if not data.get(name):
                self.add_error(name, _("LDAP では必須です。"))
        if "%(user)s" not in (data.get("user_filter") or ""):
            self.add_error("user_filter", _("サインイン名の入る %(user)s を含めてください。"))
        self._clean_ca(data)

    def _clean_ca(self, data) -> None:
        pem = (data.get("ca_certificate") or "").strip()
        if pem and "-----BEGIN CERTIFICATE-----" not in pem:
            self.add_error("ca_certificate", _("PEM 形式の証明書を貼り付けてください。"))

    def _clean_oidc(self, data) -> None:
        issuer = (data.get("issuer") or "").strip()
        if not issuer.lower().startswith("https://"):
            self.add_error("issuer", _("発行者の URL は https:// で始まるものにしてください。"))
        for name in ("client_id", "client_secret"):
            if not data.get(name):
                self.add_error(name, _("OpenID Connect では必須です。"))
        self._clean_ca(data)

    def changed(self) -> dict:
        """What changed, for the trail: a secret as set or changed, never its value."""
        changes = {}
        for name in self.changed_data:
            if name in SECRETS:
                if self.cleaned_data.get(name) != self.stored[name]:
                    changes[name] = [None, "（変更）"]
            elif name not in ("roles", "departments"):
                before = self.initial.get(name)
                changes[name] = [
                    str(before) if before is not None else None,
                    str(self.cleaned_data.get(name)),
                ]
        if self.cleaned_data.get("roles") != (self.instance.role_groups or {}):
            changes["role_groups"] = [None, self.cleaned_data.get("roles")]
        if self.cleaned_data.get("departments") != (self.instance.department_groups or {}):
            changes["department_groups"] = [None, self.cleaned_data.get("departments")]
        return changes


class ProbeForm(PlainText, forms.Form):
    login = forms.CharField(label=_("確認するサインイン名（任意）"), max_length=150, required=False)


def discovery_problem(directory: Directory) -> str:
    """Whether the provider's discovery document can be read ("" if it can)."""
    issuer = directory.issuer
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=5, verify=verify(directory))
        response.raise_for_status()
        document = response.json()
    except requests.exceptions.SSLError:
        return str(_("OpenID Connect の提供者のサーバ証明書を検証できません。"))
    except (requests.RequestException, ValueError) as e:
        return str(_("OpenID Connect の提供者に接続できません（%(error)s）。")) % {
            "error": type(e).__name__
        }
    if document.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        return str(_("提供者の issuer（%(found)s）が入力と一致しません。")) % {
            "found": document.get("issuer", "")
        }
    return ""
