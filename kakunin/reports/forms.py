from django import forms
from django.utils.translation import gettext_lazy

from kakunin.assessments.models import Verdict
from kakunin.core.text import plain_text_fields
from kakunin.reports.models import SECTION_KEYS, Schedule


class VerdictForm(forms.Form):
    section = forms.ChoiceField(choices=[(k, k) for k in SECTION_KEYS])
    verdict = forms.ChoiceField(label=gettext_lazy("審査結果"), choices=Verdict.choices)
    comment = forms.CharField(
        label=gettext_lazy("コメント"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_text_fields(self)


class SectionCommentForm(forms.Form):
    section = forms.ChoiceField(choices=[(k, k) for k in SECTION_KEYS])
    body = forms.CharField(
        label=gettext_lazy("コメント"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_text_fields(self)


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = Schedule
        fields = ["due_month"]
        widgets = {"due_month": forms.Select(choices=[(m, m) for m in range(1, 13)])}
