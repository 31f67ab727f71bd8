from django import forms
from django.utils.translation import gettext_lazy

from kakunin.assessments.models import Verdict
from kakunin.core.text import plain_text_fields
from kakunin.reviews.models import COMMENT_MAX_LENGTH


class ReturnForm(forms.Form):
    """A return to the vendor, on the web and through the API."""

    note = forms.CharField(
        label=gettext_lazy("事業者への連絡事項（任意）"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 4000}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_text_fields(self)


class CommentForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("コメント"), max_length=COMMENT_MAX_LENGTH)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_text_fields(self)


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(label=gettext_lazy("審査結果"), choices=Verdict.choices)
    comment = forms.CharField(
        label=gettext_lazy("コメント"), max_length=COMMENT_MAX_LENGTH, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_text_fields(self)
