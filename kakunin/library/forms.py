from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kakunin.catalog.models import Control
from kakunin.core.text import PlainText
from kakunin.library.actions import validate_entry
from kakunin.library.models import ENTRY_STATUSES, Product


class ProductForm(PlainText, forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "versions", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class EntryForm(PlainText, forms.Form):
    status = forms.ChoiceField(label=_("対応状況"), choices=ENTRY_STATUSES)
    text = forms.CharField(label=_("回答"), widget=forms.Textarea(attrs={"rows": 6}),
                           max_length=10_000, required=False)  # fmt: skip
    plan = forms.CharField(label=_("対応予定（一部対応・未対応のとき）"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)  # fmt: skip
    conditional = forms.BooleanField(
        label=_("条件付き回答（特定のプラン・オプション・構成でのみ成り立つ）"), required=False
    )
    condition = forms.CharField(label=_("条件"), max_length=300, required=False)
    review_by = forms.DateField(label=_("見直し期限"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip

    def clean(self):
        data = super().clean() or {}
        if not self.errors:
            try:
                validate_entry(data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
        return data


class NewEntryForm(EntryForm):
    control = forms.ModelChoiceField(
        label=_("観点"), queryset=Control.objects.none(), to_field_name="key"
    )
    field_order = ["control"]

    def __init__(self, *args, product, **kwargs):
        super().__init__(*args, **kwargs)
        taken = product.entries.values("control")
        field = self.fields["control"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Control.objects.exclude(pk__in=taken)


class FileForm(forms.Form):
    file = forms.FileField(label=_("証跡ファイル"))
    valid_until = forms.DateField(label=_("有効期限（証明書・ISMAP登録など）"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
