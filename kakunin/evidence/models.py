"""Files a vendor attaches as evidence: to an answer, or to another app's record."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kakunin.assessments.models import Answer


class EvidenceQuerySet(models.QuerySet):
    def of(self, assessment):
        """The files kept for the answers of one assessment (not those removed)."""
        return self.select_related("answer__item", "answer__assessment").filter(
            answer__assessment=assessment, removed_at__isnull=True
        )


class Evidence(models.Model):
    # The answer it supports; none for a file another app keeps (the response to a
    # vulnerability in kakunin.inventory points at its evidence).
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    # The name on disk is generated: nothing the uploader typed reaches the file system.
    stored_name = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    filename = models.CharField(_("ファイル名"), max_length=255)
    kind = models.CharField(max_length=8)  # pdf, png, jpeg, xlsx, docx, csv, txt
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["answer", "uploaded_at"]
        verbose_name = _("証跡")

    def __str__(self) -> str:
        return self.filename

    @property
    def context(self) -> str:
        """Bound into the encryption: the file decrypts only as this evidence."""
        return f"evidence:{self.stored_name}"
