from dataclasses import dataclass, field
from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kakunin.accounts.models import Organisation
from kakunin.assessments.models import ANSWER_MAX_LENGTH, Answer, Assessment, State, Status
from kakunin.catalog.models import Template
from kakunin.core.text import PlainText


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
    carry_over = forms.BooleanField(
        label=_("前回承認された回答を初期値にする（変更箇所は印が付きます）"),
        required=False,
        initial=True,
    )
    due_date = forms.DateField(
        label=_("提出期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, system, **kwargs):
        super().__init__(*args, **kwargs)
        self.system = system
        # The forms of the municipality worked in, and the service's.
        cast(forms.ModelChoiceField, self.fields["template"]).queryset = Template.objects.all()
        self.fields["template"].initial = system.form_in_force()
        self.fields["fiscal_year"].initial = current_fiscal_year()
        self.last_approved = (
            system.assessments.filter(state=State.APPROVED).order_by("-approved_at").first()
        )
        if self.last_approved is None:
            del self.fields["carry_over"]

    def action_args(self) -> dict:
        data = self.cleaned_data
        carry = self.last_approved if data.get("carry_over") else None
        return {
            "template": data["template"],
            "phase": data["phase"],
            "fiscal_year": data["fiscal_year"],
            "carry_from": carry,
        }

    def clean(self):
        super().clean()
        data = self.cleaned_data
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


class AnswerForm(PlainText, forms.Form):
    status = forms.ChoiceField(label=_("対応状況"), required=False)
    text = forms.CharField(
        label=_("回答"),
        required=False,
        max_length=ANSWER_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": ANSWER_MAX_LENGTH}),
    )
    plan = forms.CharField(
        label=_("対応予定"),
        required=False,
        max_length=ANSWER_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": ANSWER_MAX_LENGTH}),
    )
    target_date = forms.DateField(label=_("対応予定日"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, answer: Answer, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "status": answer.status,
                "text": answer.text,
                "plan": answer.plan,
                "target_date": answer.target_date,
                "version": answer.version,
            },
        )
        kwargs["prefix"] = answer.item.key
        super().__init__(*args, **kwargs)
        self.status_choices = status_choices(answer.item)
        cast(forms.ChoiceField, self.fields["status"]).choices = self.status_choices


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
    plan: str
    target_date: str
    version: int
    choices: list
    errors: dict = field(default_factory=dict)
    non_field_errors: list = field(default_factory=list)

    @classmethod
    def of(cls, answer: Answer, choices) -> "AnswerFields":
        due = answer.target_date.isoformat() if answer.target_date else ""
        return cls(
            answer.item.key, answer.status, answer.text, answer.plan, due, answer.version, choices
        )

    @classmethod
    def of_form(cls, form: AnswerForm) -> "AnswerFields":
        data = {
            name: form[name].value()
            for name in ("status", "text", "plan", "target_date", "version")
        }
        return cls(
            form.prefix or "",
            data["status"] or "",
            data["text"] or "",
            data["plan"] or "",
            str(data["target_date"] or ""),
            data["version"],
            form.status_choices,
            errors={name: list(errs) for name, errs in form.errors.items() if name != "__all__"},
            non_field_errors=list(form.non_field_errors()),
        )


class DueDateForm(forms.Form):
    due_date = forms.DateField(
        label=_("提出期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class AssessmentFilter(PlainText, forms.Form):
    SORTS = {
        "due": ("due_date", "system__name"),
        "-updated": ("-updated_at",),
        "system": ("system__name", "phase", "-fiscal_year"),
        "state": ("state", "due_date"),
    }
    q = forms.CharField(label=_("システム名"), max_length=100, required=False)
    state = forms.ChoiceField(
        label=_("状態"), choices=[("", _("すべて")), *State.choices], required=False
    )
    phase = forms.ChoiceField(
        label=_("区分"), choices=[("", _("すべて")), *Assessment.Phase.choices], required=False
    )
    fiscal_year = forms.IntegerField(
        label=_("年度"), min_value=2000, max_value=2100, required=False
    )
    department = forms.ModelChoiceField(
        label=_("所管課"), queryset=Organisation.objects.none(), required=False
    )
    overdue = forms.BooleanField(label=_("期限超過のみ"), required=False)
    sort = forms.ChoiceField(
        label=_("並び順"),
        choices=[
            ("due", _("提出期限")),
            ("-updated", _("更新が新しい順")),
            ("system", _("システム名")),
            ("state", _("状態")),
        ],
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["department"]
        ).queryset = Organisation.objects.filter(kind=Organisation.Kind.WARD)

    def filter(self, qs):
        if self.is_bound and not self.is_valid():
            return qs.none()
        data = self.cleaned_data if self.is_bound else {}
        if data.get("q"):
            qs = qs.filter(system__name__icontains=data["q"])
        lookups = {
            "state": "state",
            "phase": "phase",
            "fiscal_year": "fiscal_year",
            "department": "system__department",
        }
        for name, lookup in lookups.items():
            if data.get(name):
                qs = qs.filter(**{lookup: data[name]})
        if data.get("overdue"):
            qs = qs.overdue()
        return qs.order_by(*self.SORTS.get(data.get("sort") or "due", self.SORTS["due"]), "pk")
