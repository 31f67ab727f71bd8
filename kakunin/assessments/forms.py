from dataclasses import dataclass, field

from django import forms
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from kakunin.assessments.models import ANSWER_MAX_LENGTH, Answer, Assessment, Status
from kakunin.catalog.models import Template


def current_fiscal_year() -> int:
    """Japanese fiscal years start in April."""
    today = timezone.localdate()
    return today.year if today.month >= 4 else today.year - 1


class AssessmentCreateForm(forms.Form):
    phase = forms.ChoiceField(label=_("区分"), choices=Assessment.Phase.choices)
    fiscal_year = forms.IntegerField(
        label=_("年度（運用時）"), min_value=2000, max_value=2100, required=False
    )
    template = forms.ModelChoiceField(
        label=_("様式の版"), queryset=Template.objects.all(), empty_label=None
    )

    def __init__(self, *args, system, **kwargs):
        super().__init__(*args, **kwargs)
        self.system = system
        self.fields["template"].initial = Template.current()
        self.fields["fiscal_year"].initial = current_fiscal_year()

    def clean(self):
        data = super().clean()
        phase = data.get("phase")
        if phase == Assessment.Phase.INITIAL:
            data["fiscal_year"] = None
            if self.system.assessments.filter(phase=phase).exists():
                raise forms.ValidationError(_("このシステムの新規構築時の確認票は既にあります。"))
        elif phase == Assessment.Phase.OPERATION:
            year = data.get("fiscal_year")
            if year is None:
                self.add_error("fiscal_year", _("運用時の確認票には年度を入力してください。"))
            elif self.system.assessments.filter(phase=phase, fiscal_year=year).exists():
                raise forms.ValidationError(
                    _("%(year)s年度の運用時の確認票は既にあります。") % {"year": year}
                )
        return data


class AnswerForm(forms.Form):
    status = forms.ChoiceField(label=_("対応状況"), required=False)
    text = forms.CharField(
        label=_("回答"),
        required=False,
        max_length=ANSWER_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": ANSWER_MAX_LENGTH}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, answer: Answer, **kwargs):
        kwargs.setdefault(
            "initial", {"status": answer.status, "text": answer.text, "version": answer.version}
        )
        super().__init__(*args, prefix=answer.item.key, **kwargs)
        self.fields["status"].choices = status_choices(answer.item)


def status_choices(item) -> list[tuple[str, str]]:
    labels = dict(Status.choices)
    codes = Answer.allowed_statuses(item)
    return [("", str(_("（未回答）")))] + [(str(code), str(labels[code])) for code in codes]


@dataclass
class AnswerFields:
    """What the page's inline form shows for one answer.

    Built straight from the answer for the 83 rows of a page (a Django form per
    row costs more than the rest of the page), or from a bound form that failed.
    """

    prefix: str
    status: str
    text: str
    version: int
    choices: list
    errors: dict = field(default_factory=dict)
    non_field_errors: list = field(default_factory=list)

    def options(self) -> str:
        """The <option>s of the status select (format_html: 83 selects per page)."""
        return format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (v, mark_safe(" selected") if v == self.status else "", label)
                for v, label in self.choices
            ),
        )

    @classmethod
    def of(cls, answer: Answer, choices) -> "AnswerFields":
        return cls(answer.item.key, answer.status, answer.text, answer.version, choices)

    @classmethod
    def of_form(cls, form: AnswerForm) -> "AnswerFields":
        data = {name: form[name].value() for name in ("status", "text", "version")}
        return cls(
            form.prefix,
            data["status"] or "",
            data["text"] or "",
            data["version"],
            form.fields["status"].choices,
            errors={name: list(errs) for name, errs in form.errors.items() if name != "__all__"},
            non_field_errors=list(form.non_field_errors()),
        )
