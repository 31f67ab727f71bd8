"""The forms beside a record: its files, a comment, a withdrawal, the ISMAP list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kakunin.core.text import plain_text_fields
from kakunin.records.models import RecordFile


class FilesForm(forms.Form):
    """The evidence files sent with a record: one field per label the kind allows."""

    def __init__(
        self, *args, labels=(RecordFile.Label.CERTIFICATE, RecordFile.Label.OTHER), **kwargs
    ):
        super().__init__(*args, **kwargs)
        names = dict(RecordFile.Label.choices)
        for label in labels:
            self.fields[f"file_{label}"] = forms.FileField(label=names[label], required=False)

    def uploads(self) -> list[tuple]:
        return [
            (upload, name.removeprefix("file_"))
            for name, upload in self.cleaned_data.items()
            if upload
        ]


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("コメント"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_text_fields(self)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("取下げの理由"), max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_text_fields(self)


class IsmapUploadForm(forms.Form):
    file = forms.FileField(label=_("ISMAP クラウドサービスリスト（.xlsx・.csv）"))
