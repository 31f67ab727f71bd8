from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kakunin.assessments.models import Assessment


class FormImport(models.Model):
    """An uploaded form waiting for confirmation: what it would change, computed once."""

    class State(models.TextChoices):
        PENDING = "pending", _("確認待ち")
        APPLIED = "applied", _("反映済み")
        CANCELLED = "cancelled", _("取消")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    plan = models.JSONField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.filename} → {self.assessment}"
