from django.conf import settings
from django.db import models

from kakunin.assessments.models import Answer
from kakunin.tenants.active import ScopedManager

COMMENT_MAX_LENGTH = 4000


class Comment(models.Model):
    """One message of the thread between vendor and ward about one answer."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=COMMENT_MAX_LENGTH)
    round = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    MUNICIPALITY_PATH = "answer__assessment__system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["answer", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"
