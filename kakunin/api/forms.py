from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _

from kakunin.api.models import MAX_DAYS
from kakunin.core.text import PlainText


class TokenForm(PlainText, forms.Form):
    """A new token, issued only on the password typed again (and the authenticator's
    code, for a person who has one): a token acts as its person for up to a year, and a
    borrowed or stale session once minted one with no prompt at all. A wrong password
    or code is a failed login (counted toward the lock, and audited)."""

    name = forms.CharField(
        label=_("名前（用途）"), max_length=100, help_text=_("例: リリース時のSBOM登録")
    )
    days = forms.IntegerField(
        label=_("有効期間（日）"), min_value=1, max_value=MAX_DAYS, initial=90
    )
    read_only = forms.BooleanField(label=_("読み取りのみ"), required=False, initial=True)
    password = forms.CharField(
        label=_("パスワード（本人の確認）"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("認証アプリのコード"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.authenticator = Authenticator.objects.filter(
            user=request.user, type=Authenticator.Type.TOTP
        ).first()
        if self.authenticator is None:
            del self.fields["code"]

    @property
    def with_totp(self) -> bool:
        """The code was checked: the token may act for a role that needs TOTP."""
        return self.authenticator is not None and self.is_valid()

    def clean_password(self):
        password = self.cleaned_data["password"]
        user = self.request.user
        if authenticate(self.request, username=user.username, password=password) is None:
            raise forms.ValidationError(_("パスワードが違います。"), code="password")
        return password

    def clean(self):
        """The code, once the password is right: checking it spends it."""
        data = super().clean() or {}
        code = data.get("code")
        if self.authenticator is None or not code or "password" not in data:
            return data
        if not TOTP(self.authenticator).validate_code(code):
            user_login_failed.send(
                sender=type(self),
                credentials={"username": self.request.user.username, "factor": "totp"},
                request=self.request,
            )
            self.add_error("code", _("認証アプリのコードが違います。"))
        return data
