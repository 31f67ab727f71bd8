from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kakunin.notifications.messages import render


class Kind(models.TextChoices):
    INVITATION = "invitation", _("招待")
    SUBMITTED = "submitted", _("提出")
    RETURNED = "returned", _("差戻し")
    QUESTION = "question", _("確認事項")
    APPROVED = "approved", pgettext_lazy("notification kind", "承認")
    COMMENT = "comment", _("コメント")
    DUE_SOON = "due_soon", _("提出期限まで3日")
    OVERDUE = "overdue", _("提出期限超過")
    ACCESS_REQUEST = "access_request", _("利用者追加の依頼")
    SCAN_FAILED = "scan_failed", _("自動確認で不適合")
    VULNERABILITY = "vulnerability", _("脆弱性情報")
    CERTIFICATE = "certificate", _("認証の有効期限")
    TOKENS_REVOKED = "tokens_revoked", _("APIトークンの取り消し")


class Notification(models.Model):
    """What a person is told, in the app (and by e-mail when it was sent)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    # What the message was made from, so that it is shown in the reader's language.
    context = models.JSONField(default=dict, blank=True)
    # Reminders are sent once: the same key is never notified twice to the same person.
    key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~models.Q(key=""), name="notification_once"
            )
        ]

    def __str__(self) -> str:
        return self.subject

    def texts(self) -> tuple[str, str]:
        """(subject, body) in the language active now; as sent, for older ones."""
        if not self.context:
            return self.subject, self.body
        language = translation.get_language() or settings.LANGUAGE_CODE
        values = self.context
        if "by_language" in values:  # each language's names (older ones have one set)
            named = values["by_language"]
            values = named.get(language) or named.get(settings.LANGUAGE_CODE) or {}
        return render(self.kind, values, language)


class OutgoingMail(models.Model):
    """An e-mail waiting to be sent, saved in the transaction of what it tells.

    A crash after the change committed loses no mail: the worker sends what is
    waiting, and tries again later when the mail server does not answer.
    """

    to = models.JSONField(default=list)
    # The sender of the municipality it was written in (its own setting); blank: the
    # service's DEFAULT_FROM_EMAIL.
    from_email = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Not tried again before this time; a sender claims a mail by moving it ahead.
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"], name="mail_waiting")]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
