from typing import cast

from allauth.account.fields import PasswordField
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp import forms as allauth_totp_forms
from allauth.mfa.totp.internal import auth as totp_auth
from django import forms
from django.contrib.auth.signals import user_login_failed
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kakunin.accounts import lockout
from kakunin.accounts.account_review import GENERIC_ID
from kakunin.accounts.models import ROLE_ORGANISATION_KIND, Organisation, Role, User
from kakunin.core.text import PlainText, plain_text_fields
from kakunin.tenants.active import current
from kakunin.tenants.codes import normalise_corporate_number

username_validator = RegexValidator(
    r"^[A-Za-z0-9._-]+$", _("ユーザIDには半角英数字と . _ - のみ使えます。")
)


class OnePersonOneId:
    """A user ID and an e-mail address that are no one else's, and an ID that names a
    person (individual-ids, id-management): the administrators' user form and the first administrator's
    own choice of ID share it."""

    instance: User
    cleaned_data: dict

    def clean_username(self):
        username = self.cleaned_data["username"]
        if self.refuses_generic() and GENERIC_ID.match(username):
            raise forms.ValidationError(
                _(
                    "共用・テスト用と紛らわしいIDは発行できません。本人が分かるIDにしてください（1人1ID）。"
                )
            )
        clash = User.objects.filter(username__iexact=username).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("このユーザIDは既に使われています。"))
        return username

    def refuses_generic(self) -> bool:
        return not self.instance.pk

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        clash = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                _("このメールアドレスは既に別の利用者に登録されています（1人1ID）。")
            )
        return email


class IdentityForm(OnePersonOneId, PlainText, forms.ModelForm):
    """The first administrator, made without a name by `make run`, chooses their own ID,
    name and e-mail at the first login: the generic `admin` never stays in use."""

    class Meta:
        model = User
        fields = ["username", "full_name", "email"]
        labels = {"username": _("ユーザID")}
        help_texts = {
            "username": _("本人が分かるID（例: yamada.taro）。半角英数字と . _ - 。150文字以内。")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].validators = [username_validator]
        self.fields["full_name"].required = True
        self.fields["email"].required = True

    def refuses_generic(self) -> bool:
        return True


class UserForm(OnePersonOneId, forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "username",
            "full_name",
            "email",
            "phone",
            "role",
            "organisation",
            "manages_organisation",
        ]
        labels = {"username": _("ユーザID")}
        # A phone number is one line (the field is an encrypted text field, whose widget
        # would be a ten-row box).
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})}
        help_texts = {
            "username": _("半角英数字と . _ - 。150文字以内。共用のIDは作らないでください。")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_text_fields(self)
        self.fields["username"].validators = [username_validator]
        self.fields["full_name"].required = True
        self.fields["email"].required = True
        # A municipality issues its own people's accounts; the service's operators are
        # the service's (manage.py create_operator).
        role = cast(forms.ChoiceField, self.fields["role"])
        role.choices = [("", "---------")] + [
            (value, label) for value, label in Role.choices if value != Role.OPERATOR
        ]
        # The municipality's own departments, and the vendor companies (one list
        # across the service, so that a company is registered once).
        cast(
            forms.ModelChoiceField, self.fields["organisation"]
        ).queryset = Organisation.objects.filter(
            Q(kind=Organisation.Kind.VENDOR) | Q(municipality=current())
        )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        role, org = data.get("role"), data.get("organisation")
        kind = ROLE_ORGANISATION_KIND.get(Role(role)) if role in Role.values else None
        if kind and (org is None or org.kind != kind):
            self.add_error(
                "organisation",
                _("このロールの所属は「%(kind)s」の組織でなければなりません。")
                % {"kind": Organisation.Kind(kind).label},
            )
        if data.get("manages_organisation") and role != "vendor":
            self.add_error(
                "manages_organisation", _("事業者の管理者にできるのは事業者の方だけです。")
            )
        return data


class ReviewForm(PlainText, forms.Form):
    action = forms.ChoiceField(choices=[("disable", "disable"), ("complete", "complete")])
    users = forms.TypedMultipleChoiceField(coerce=int, required=False)
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["users"]).choices = choices

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("action") == "disable" and not (data.get("users") and data.get("reason")):
            raise forms.ValidationError(_("無効化するアカウントと理由を指定してください。"))
        return data


class UnlockForm(PlainText, forms.Form):
    username = forms.CharField(max_length=254, required=False)
    address = forms.GenericIPAddressField(required=False)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not data.get("username") and not data.get("address"):
            raise forms.ValidationError("username or address")
        return data


class DisableForm(forms.Form):
    reason = forms.CharField(label=_("無効化の理由"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_text_fields(self)


class OrganisationForm(forms.ModelForm):
    # Room for the number as people copy it (hyphens, full-width digits): 13 digits kept.
    corporate_number = forms.CharField(
        label=Organisation._meta.get_field("corporate_number").verbose_name,
        help_text=Organisation._meta.get_field("corporate_number").help_text,
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    class Meta:
        model = Organisation
        fields = ["name", "kind", "corporate_number", "contact"]
        widgets = {"contact": forms.Textarea(attrs={"rows": 3, "maxlength": 1000})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_text_fields(self)

    def clean_corporate_number(self) -> str:
        """Kept as 13 half-width digits, however typed (１２３…, hyphens)."""
        value = self.cleaned_data.get("corporate_number", "")
        return normalise_corporate_number(value) if value else ""


class LoginForm(AllauthLoginForm):
    """allauth's login form with a length limit on every field (input-validation)."""

    password = PasswordField(
        label=_("パスワード"), autocomplete="current-password", max_length=4096
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].max_length = 254
        self.fields["login"].validators.append(MaxLengthValidator(254))


class MFAAuthenticateForm(PlainText, AuthenticateForm):
    """The code asked after the password. account-lockout holds here too: while the account is
    locked every code is refused, even the right one; each wrong code is a failure of
    the account (counted toward the lock, and audited as auth.mfa_failed)."""

    code = forms.CharField(
        label=_("コード"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self):
        request = context.request
        if lockout.account_locked(request, self.user.username):
            request.kakunin_refused = "account"
            self._failed("totp")
            raise forms.ValidationError(
                _("ログインに続けて失敗したため、しばらくログインできません。"), code="locked"
            )
        return super().clean_code()

    def _emit_authentication_failed(self, authenticator) -> None:
        super()._emit_authentication_failed(authenticator)
        self._failed(authenticator.type)

    def _failed(self, factor: str) -> None:
        user_login_failed.send(
            sender=type(self),
            credentials={"username": self.user.username, "factor": factor},
            request=context.request,
        )


class ActivateTOTPForm(PlainText, allauth_totp_forms.ActivateTOTPForm):
    """allauth's, except that the secret stays the same until it is activated: allauth
    drew a new one at every display, so a reload made the QR code already scanned
    useless and its codes were refused."""

    code = forms.CharField(
        label=_("認証アプリのコード"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        self.user = kwargs.pop("user")
        forms.Form.__init__(self, *args, **kwargs)
        self.secret = totp_auth.get_totp_secret(regenerate=False)

    def clean_code(self) -> str:
        """The code typed to enrol is spent: allauth checked it without marking it used,
        and it opened a login within the same 30 seconds (a replay). Marked used as
        allauth marks a login's code, under its own key for this person and code."""
        code = super().clean_code()
        enrolling = Authenticator(user=self.user, type=Authenticator.Type.TOTP)
        totp_auth.TOTP(enrolling)._mark_code_used(code)
        return code
