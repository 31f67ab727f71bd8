import ipaddress
import re
from datetime import timedelta
from typing import cast
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kakunin.core.text import PlainText
from kakunin.scans.models import Authorisation, ScanTarget
from kakunin.scans.safety import Refused, check_address, origin

HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$",
    re.IGNORECASE,
)
MAX_WINDOW = timedelta(days=31)


def parse_ports(text: str) -> list[int]:
    """ "22, 80,443" -> [22, 80, 443]; a clear message for anything else."""
    ports = []
    for part in re.split(r"[\s,、，]+", text.strip()):
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 65535:
            raise forms.ValidationError(
                _(
                    "ポート番号は 1〜65535 の数字をカンマで区切って入力してください（「%(part)s」は使えません）。"
                ),
                params={"part": part[:20]},
            )
        ports.append(int(part))
    return sorted(set(ports))


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise forms.ValidationError(_("http:// または https:// で始まる URL を入力してください。"))
    if parts.username or parts.password:
        raise forms.ValidationError(_("URL に ID やパスワードを含めないでください。"))
    try:
        address = ipaddress.ip_address(parts.hostname or "")
    except ValueError:
        return url  # a name: it is resolved and checked when the scan runs
    try:
        check_address(str(address))
    except Refused as refused:
        raise forms.ValidationError(str(refused.text)) from None  # in the reader's language
    return url


class TargetForm(PlainText, forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "検査する画面の URL（例: https://www.example.lg.jp/）。この URL のホストだけに接続します。"
        ),
    )
    declared_ports = forms.CharField(
        label=_("公開するポート（申告）"), required=False, max_length=400,
        help_text=_("事業者が申告した、外部に公開するポート（例: 80, 443）。申告にないポートが開いていれば「不要なポートの遮断」は不適合です。"),
    )  # fmt: skip
    extra_hosts = forms.CharField(
        label=_("転送先として許可するホスト"), required=False, max_length=1000,
        help_text=_("ログイン画面が別のホストにある場合など（カンマ区切り）。それ以外のホストへの転送は追いません。"),
    )  # fmt: skip
    http_port = forms.IntegerField(
        label=_("HTTP のポート"), required=False, min_value=1, max_value=65535,
        help_text=_("HTTP から HTTPS への転送を確かめるポート。空欄なら 80。"),
    )  # fmt: skip

    def __init__(self, *args, system, **kwargs):
        super().__init__(*args, **kwargs)
        self.system = system

    def clean_url(self):
        url = check_url(self.cleaned_data["url"])
        if ScanTarget.objects.filter(system=self.system, url=url).exists():
            raise forms.ValidationError(_("この URL は登録済みです。"))
        return url

    def clean_declared_ports(self):
        return parse_ports(self.cleaned_data["declared_ports"])

    def clean_extra_hosts(self):
        hosts = [
            h.strip().lower()
            for h in re.split(r"[\s,、，]+", self.cleaned_data["extra_hosts"])
            if h.strip()
        ]
        for host in hosts:
            if not HOSTNAME.match(host):
                raise forms.ValidationError(
                    _("「%(host)s」はホスト名として正しくありません。"), params={"host": host[:60]}
                )
        return hosts


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def model_url_field(field, **kwargs):
    """A model's URLField as a form field that reads a bare host name as https://."""
    if field.name in ("login_url", "logout_url"):
        return forms.URLField(
            label=field.verbose_name,
            max_length=field.max_length,
            required=not field.blank,
            assume_scheme="https",
        )
    return field.formfield(**kwargs)


class AuthorisationForm(PlainText, forms.ModelForm):
    password = forms.CharField(
        label=_("検査用アカウントのパスワード"),
        max_length=500,
        widget=forms.PasswordInput(render_value=False),
        strip=False,
    )

    class Meta:
        model = Authorisation
        formfield_callback = model_url_field
        fields = [
            "authorised_by",
            "reference",
            "targets",
            "valid_from",
            "valid_until",
            "login_url",
            "logout_url",
            "username",
            "password",
        ]
        widgets = {
            "targets": forms.CheckboxSelectMultiple,
            "valid_from": DateTimeInput(),
            "valid_until": DateTimeInput(),
        }
        help_texts = {
            "authorised_by": _("検査を許可した方（システムの管理者・事業者の責任者など）。"),
            "valid_until": _("最長31日間。この期間外には能動的な検査を実行しません。"),
            "username": _(
                "検査専用のアカウントを用意してもらってください。ロックアウトの検査の後はロックされたままになります。"
            ),
        }

    def __init__(self, *args, system, **kwargs):
        super().__init__(*args, **kwargs)
        self.system = system
        cast(forms.ModelChoiceField, self.fields["targets"]).queryset = system.scan_targets.all()
        cast(forms.DateTimeField, self.fields["valid_from"]).input_formats = [
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
        ]
        cast(forms.DateTimeField, self.fields["valid_until"]).input_formats = [
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
        ]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end:
            if end <= start:
                self.add_error("valid_until", _("終了日時は開始日時より後にしてください。"))
            elif end - start > MAX_WINDOW:
                self.add_error("valid_until", _("許可の期間は31日以内にしてください。"))
            elif end <= timezone.now():
                self.add_error("valid_until", _("終了日時が過ぎています。"))
        origins = {origin(t.url) for t in data.get("targets") or []}
        for name in ("login_url", "logout_url"):
            url = data.get(name)
            if url and origins and origin(url) not in origins:
                self.add_error(name, _("選んだ対象と同じホスト・ポートの URL にしてください。"))
        return data

    def action_args(self) -> dict:
        data = dict(self.cleaned_data)
        return {"targets": list(data.pop("targets")), "data": data}


class RunForm(forms.Form):
    authorisation = forms.ModelChoiceField(
        label=_("能動的な検査（認証時のメッセージ・アカウントロック・セッションの破棄）"), queryset=Authorisation.objects.none(), required=False,
        empty_label=_("実施しない（受動的な検査のみ）"),
    )  # fmt: skip

    def __init__(self, *args, system, **kwargs):
        super().__init__(*args, **kwargs)
        now = timezone.now()
        usable = system.scan_authorisations.filter(
            revoked_at__isnull=True, valid_from__lte=now, valid_until__gt=now
        )
        cast(forms.ModelChoiceField, self.fields["authorisation"]).queryset = usable
        self.has_choices = usable.exists()


def scans_allowed_message() -> str:
    """Which special addresses the settings refuse, for the page's help text: what
    safety.check_address does, never more."""
    if settings.SCAN_ALLOW_PRIVATE and settings.SCAN_ALLOW_LOOPBACK:
        return ""
    if settings.SCAN_ALLOW_PRIVATE:
        return str(
            _(
                "ループバックアドレスとリンクローカルなどの特殊なアドレスへの検査は禁止されています（内部のアドレスは SCAN_ALLOW_PRIVATE で許可されています）。"
            )
        )
    if settings.SCAN_ALLOW_LOOPBACK:
        return str(
            _(
                "内部（プライベート）アドレスへの検査は設定で禁止されています（SCAN_ALLOW_PRIVATE）。ループバックアドレスは SCAN_ALLOW_LOOPBACK で許可されています。"
            )
        )
    return str(
        _(
            "ループバック・内部（プライベート）アドレスへの検査は設定で禁止されています（SCAN_ALLOW_PRIVATE）。"
        )
    )
