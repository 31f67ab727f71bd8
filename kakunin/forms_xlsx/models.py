from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kakunin.assessments.models import Assessment
from kakunin.catalog.models import Template
from kakunin.staging.models import StagedImport
from kakunin.tenants.active import ScopedManager


class FormImport(StagedImport):
    """An uploaded form waiting for confirmation: what it would change, computed once."""

    audit_name = "form"
    owner_field = "assessment"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="imports")
    size = models.PositiveIntegerField()

    class Meta(StagedImport.Meta):
        pass

    MUNICIPALITY_PATH = "assessment__system__municipality"
    objects = ScopedManager()


class DefinitionImport(models.Model):
    """A municipality's own form uploaded from Excel, waiting for the person's
    corrections and decision: the file (a blank form: no one's answers), what they
    corrected, and the form it became."""

    class State(models.TextChoices):
        PENDING = "pending", _("確認待ち")
        APPLIED = "applied", _("読み込み済み")
        CANCELLED = "cancelled", _("取消")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()
    # Options of the definition: name, key, version, issuer, and the corrections
    # (remap: column -> field; words: answer word -> status; controls: label -> keys).
    options = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    template = models.ForeignKey(
        Template, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.filename

    @property
    def source_label(self) -> str:
        return f"{self.filename} ({self.sha256[:12]})"
