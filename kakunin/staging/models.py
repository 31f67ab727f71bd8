"""A file uploaded to change something is staged first: what it would change (its
plan) is computed once and kept, the person who uploaded it sees the preview, and it
is applied whole or cancelled. The Excel form, the inventory and a vendor's filled form
read into the answer library are staged imports; forms as data will be."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportRefused(ValueError):
    """The file cannot be imported at all; `errors` say why, one line each, naming the
    file, the sheet, the row, the cell or the record at fault. Nothing was written."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class StagedImport(models.Model):
    """An uploaded file waiting for its preview decision (abstract: each kind adds the
    foreign key to what it changes, named by `owner_field`)."""

    class State(models.TextChoices):
        PENDING = "pending", _("確認待ち")
        APPLIED = "applied", _("反映済み")
        CANCELLED = "cancelled", _("取消")

    # The audit events' prefix ("form" → form.import_upload, form.import_cancel).
    audit_name: ClassVar[str] = ""
    # The field of what the import changes (an assessment, a system).
    owner_field: ClassVar[str] = ""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    plan = models.JSONField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.filename} → {self.owner}"

    @property
    def owner(self):
        return getattr(self, self.owner_field)

    @property
    def source_label(self) -> str:
        """How the audit trail names the file: its name and the start of its hash."""
        return f"{self.filename} ({self.sha256[:12]})"
