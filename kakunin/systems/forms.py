from typing import cast

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from kakunin.accounts.account_review import GENERIC_ID
from kakunin.accounts.forms import username_validator
from kakunin.accounts.models import Organisation, User
from kakunin.core.text import PlainText, plain_text_fields, refuse_formula_start
from kakunin.systems.models import AssetCategory, System

# What decides which items apply to a system.
PROFILE_FLAGS = [
    "confidentiality",
    "integrity",
    "availability",
    "uses_servers",
    "serves_web",
    "uses_external_services",
    "my_number_domain",
]
PROFILE_FIELDS = [
    "name",
    "department",
    "description",
    "asset_categories",
    "asset_notes",
    "confidentiality",
    "integrity",
    "availability",
    "uses_servers",
    "serves_web",
    "uses_external_services",
    "my_number_domain",
    "live_on",
]


class SystemForm(forms.ModelForm):
    vendors = forms.ModelMultipleChoiceField(
        label=_("事業者"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.VENDOR),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    new_vendor = forms.CharField(
        label=_("事業者を新しく登録（一覧にない場合は名称を入力）"),
        max_length=200,
        required=False,
        help_text=_("登録した事業者はこのシステムの事業者に加わります。"),
        validators=[refuse_formula_start],
    )
    asset_categories = forms.MultipleChoiceField(
        label=_("取り扱う情報資産"),
        choices=AssetCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = System
        fields = PROFILE_FIELDS
        widgets = {
            "confidentiality": forms.RadioSelect,
            "integrity": forms.RadioSelect,
            "availability": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 3, "maxlength": 4000}),
            "asset_notes": forms.Textarea(attrs={"rows": 3, "maxlength": 4000}),
            "live_on": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "confidentiality": _("総務省ガイドラインの分類。3が最も高い。"),
            "integrity": _("2が高い。"),
            "availability": _("2が高い。"),
            "asset_notes": _("取り扱う情報: データ項目を具体的に。"),
        }

    def __init__(self, *args, departments, **kwargs):
        """`departments`: those the person may register a system for (the gate decides)."""
        super().__init__(*args, **kwargs)
        plain_text_fields(self)
        if departments.count() == 1:
            self.fields["department"].initial = departments.get().pk
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments
        cast(forms.ModelChoiceField, self.fields["department"]).empty_label = None
        if self.instance.pk:
            self.fields["vendors"].initial = list(self.instance.vendors.all())

    def clean_new_vendor(self):
        name = " ".join(self.cleaned_data["new_vendor"].split())
        clash = Organisation.objects.filter(name=name).first()
        if name and clash is not None:
            if clash.kind != Organisation.Kind.VENDOR:
                raise forms.ValidationError(_("その名称は区の部署として登録されています。"))
            raise forms.ValidationError(
                _("%(name)s は登録済みです。一覧から選んでください。") % {"name": name}
            )
        return name

    def profile_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in PROFILE_FIELDS}


class SystemFilter(PlainText, forms.Form):
    SORTS = {
        "name": ("name", "pk"),
        "-updated": ("-updated_at", "pk"),
        "department": ("department__name", "name"),
    }
    q = forms.CharField(label=_("システム名"), max_length=100, required=False)
    department = forms.ModelChoiceField(
        label=_("所管課"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.WARD),
        required=False,
    )
    serves_web = forms.BooleanField(label=_("Webを提供するもののみ"), required=False)
    sort = forms.ChoiceField(
        label=_("並び順"),
        choices=[
            ("name", _("システム名")),
            ("-updated", _("更新が新しい順")),
            ("department", _("所管課")),
        ],
        required=False,
    )

    def filter(self, qs):
        if self.is_bound and not self.is_valid():
            return qs.none()
        data = self.cleaned_data if self.is_bound else {}
        if data.get("q"):
            qs = qs.filter(name__icontains=data["q"])
        if data.get("department"):
            qs = qs.filter(department=data["department"])
        if data.get("serves_web"):
            qs = qs.filter(serves_web=True)
        return qs.order_by(*self.SORTS.get(data.get("sort") or "name", self.SORTS["name"]))


class InviteForm(forms.Form):
    full_name = forms.CharField(label=_("氏名"), max_length=100, validators=[refuse_formula_start])
    email = forms.EmailField(label=_("メールアドレス"), max_length=254)
    organisation = forms.ModelChoiceField(
        label=_("事業者"),
        queryset=Organisation.objects.none(),
        help_text=_(
            "このシステムの事業者から選びます。事業者の追加は「システム情報を編集」で行います。"
        ),
    )

    def __init__(self, *args, system, **kwargs):
        super().__init__(*args, **kwargs)
        plain_text_fields(self)
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = system.vendors.all()


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.full_name}（{obj.organisation}）"


class MemberForm(forms.Form):
    user = PersonChoiceField(label=_("担当者"), queryset=User.objects.none())

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = people


class InvitationCodeForm(PlainText, forms.Form):
    code = forms.CharField(label=_("招待コード"), max_length=100)


class AcceptInvitationForm(PlainText, forms.Form):
    username = forms.CharField(label=_("ユーザID"), max_length=150, validators=[username_validator])
    password1 = forms.CharField(label=_("パスワード"), max_length=4096, widget=forms.PasswordInput)
    password2 = forms.CharField(
        label=_("パスワード（確認）"), max_length=4096, widget=forms.PasswordInput
    )

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("このユーザIDは既に使われています。"))
        if GENERIC_ID.match(username):
            raise forms.ValidationError(
                _(
                    "共用・テスト用と紛らわしいIDは使えません。本人が分かるIDにしてください（1人1ID）。"
                )
            )
        return username

    def clean(self):
        super().clean()
        data = self.cleaned_data
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p1 != p2:
            self.add_error("password2", _("パスワードが一致しません。"))
        elif p1:
            person = User(
                username=data.get("username", ""),
                email=self.invitation.email,
                full_name=self.invitation.full_name,
            )
            try:
                validate_password(p1, person)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class AccessRequestForm(forms.Form):
    full_name = forms.CharField(
        label=_("追加する方の氏名"), max_length=100, validators=[refuse_formula_start]
    )
    email = forms.EmailField(label=_("メールアドレス"), max_length=254)
    reason = forms.CharField(label=_("理由"), max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_text_fields(self)
