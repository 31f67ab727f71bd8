"""One filled checklist per system and phase: its answers and their history."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kakunin.catalog.models import Applicability, Item, Template
from kakunin.systems.models import System

ANSWER_MAX_LENGTH = 10_000
# Control characters other than tab and line breaks: invisible, and not allowed in xlsx.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Assessment(models.Model):
    class Phase(models.TextChoices):
        INITIAL = "initial", _("新規構築時")
        OPERATION = "operation", _("運用時")

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="assessments")
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="assessments")
    phase = models.CharField(_("区分"), max_length=16, choices=Phase.choices)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["system", "phase", "-fiscal_year"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(phase="initial", fiscal_year__isnull=True)
                    | Q(phase="operation", fiscal_year__isnull=False)
                ),
                name="assessment_phase_year",
            ),
            models.UniqueConstraint(
                fields=["system"], condition=Q(phase="initial"), name="assessment_one_initial"
            ),
            models.UniqueConstraint(
                fields=["system", "fiscal_year"],
                condition=Q(phase="operation"),
                name="assessment_one_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system.name} / {self.phase_label}"

    @property
    def phase_label(self) -> str:
        if self.phase == self.Phase.OPERATION:
            return f"{self.get_phase_display()}（{self.fiscal_year}年度）"
        return str(self.get_phase_display())

    def applicability(self) -> dict[int, Applicability]:
        """Item id -> whether it applies to the system as it is profiled now."""
        return {item.id: self.template.evaluate(item, self.system) for item in self.items()}

    def items(self):
        return self.template.items.all()


class Status(models.TextChoices):
    DONE = "done", _("対応済")
    PARTIAL = "partial", _("一部対応")
    NOT_DONE = "not_done", _("未対応")
    NOT_APPLICABLE = "na", _("該当なし")
    WARD = "ward", _("区で対応")


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    text = models.TextField(blank=True, max_length=ANSWER_MAX_LENGTH)
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "item__number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="answer_one_per_item"),
            models.CheckConstraint(
                condition=Q(status__in=["", *Status.values]), name="answer_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} No.{self.item.number}"

    @property
    def is_answered(self) -> bool:
        return bool(self.status)

    @staticmethod
    def allowed_statuses(item: Item) -> list[str]:
        if item.is_ward_item:
            return [
                Status.WARD,
                Status.DONE,
                Status.PARTIAL,
                Status.NOT_DONE,
                Status.NOT_APPLICABLE,
            ]
        return [Status.DONE, Status.PARTIAL, Status.NOT_DONE, Status.NOT_APPLICABLE]

    def snapshot(self) -> dict:
        return {"status": self.status, "text": self.text}


class AnswerRevision(models.Model):
    """Every saved state of an answer, newest last. The answer row holds the current one."""

    class Source(models.TextChoices):
        WEB = "web", _("画面")
        IMPORT = "import", _("Excel取込")
        SYSTEM = "system", _("初期値")

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    text = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()
    source = models.CharField(max_length=16, choices=Source.choices)

    class Meta:
        ordering = ["answer", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "version"], name="revision_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.answer} v{self.version}"


def validate_answer(item: Item, status: str, text: str) -> None:
    """The rules every saved answer keeps, from the web or from Excel."""
    from django.core.exceptions import ValidationError

    errors = {}
    if status and status not in Answer.allowed_statuses(item):
        errors["status"] = _("この項目では選べない対応状況です。")
    if status == Status.NOT_APPLICABLE and not text.strip():
        errors["text"] = _("「該当なし」の場合は、回答欄に理由を記入してください。")
    if CONTROL_CHARACTERS.search(text):
        errors["text"] = _("回答に使えない制御文字が含まれています。")
    if len(text) > ANSWER_MAX_LENGTH:
        errors["text"] = _("回答は%(max)d文字以内で入力してください。") % {"max": ANSWER_MAX_LENGTH}
    if errors:
        raise ValidationError(errors)
