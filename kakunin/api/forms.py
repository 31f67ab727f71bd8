from django import forms
from django.utils.translation import gettext_lazy as _

from kakunin.api.models import MAX_DAYS


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("名前（用途）"), max_length=100, help_text=_("例: リリース時のSBOM登録")
    )
    days = forms.IntegerField(
        label=_("有効期間（日）"), min_value=1, max_value=MAX_DAYS, initial=90
    )
    read_only = forms.BooleanField(label=_("読み取りのみ"), required=False, initial=True)
