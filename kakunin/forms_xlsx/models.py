from django.db import models

from kakunin.assessments.models import Assessment
from kakunin.staging.models import StagedImport


class FormImport(StagedImport):
    """An uploaded form waiting for confirmation: what it would change, computed once."""

    audit_name = "form"
    owner_field = "assessment"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="imports")
    size = models.PositiveIntegerField()

    class Meta(StagedImport.Meta):
        pass
