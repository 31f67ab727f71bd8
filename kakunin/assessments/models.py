"""One filled checklist per system and phase: its answers and their history."""

import enum
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kakunin.assessments.workflow import WAITING_FOR_REVIEW, WAITING_FOR_VENDOR, Reviewed, State
from kakunin.catalog.models import Applicability, Item, Template
from kakunin.core.text import BIDI_CONTROLS, BIDI_MESSAGE
from kakunin.systems.models import System
from kakunin.tenants.active import ScopedManager

ANSWER_MAX_LENGTH = 10_000
# Control characters other than tab and line breaks: invisible, and not allowed in xlsx.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class AssessmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The assessments of the systems this person may see (System.objects.visible_to)."""
        return self.filter(system__in=System.objects.visible_to(user))

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.filter(due_date__lt=today).exclude(state=State.APPROVED)

    def waiting_for_review(self):
        return self.filter(state__in=WAITING_FOR_REVIEW)

    def waiting_for_vendor(self):
        """What the vendor (or the owning department) still has to answer or fix."""
        return self.filter(state__in=WAITING_FOR_VENDOR)


class Assessment(Reviewed):
    class Phase(models.TextChoices):
        INITIAL = "initial", _("新規構築時")
        OPERATION = "operation", _("運用時")

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="assessments")
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="assessments")
    phase = models.CharField(_("区分"), max_length=16, choices=Phase.choices)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    # An approved assessment is frozen; a later change is a new revision of it.
    revision = models.PositiveSmallIntegerField(_("版"), default=1)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The approved assessment this one starts from (last year's, or the revision before).",
    )  # fmt: skip
    due_date = models.DateField(_("提出期限"), null=True, blank=True)

    audit_name = "assessment"
    MUNICIPALITY_PATH = "system__municipality"
    objects = ScopedManager.from_queryset(AssessmentQuerySet)()

    class Meta:
        ordering = ["system", "phase", "-fiscal_year", "-revision"]
        indexes = [
            models.Index(fields=["state", "due_date"], name="assessment_state_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=State.values), name="assessment_state_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(phase="initial", fiscal_year__isnull=True)
                    | Q(phase="operation", fiscal_year__isnull=False)
                ),
                name="assessment_phase_year",
            ),
            models.UniqueConstraint(
                fields=["system", "revision"],
                condition=Q(phase="initial"),
                name="assessment_one_initial",
            ),
            models.UniqueConstraint(
                fields=["system", "fiscal_year", "revision"],
                condition=Q(phase="operation"),
                name="assessment_one_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system.name} / {self.phase_label}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:detail", args=[self.pk])

    @property
    def phase_label(self) -> str:
        label = str(self.get_phase_display())
        if self.phase == self.Phase.OPERATION:
            label = _("%(phase)s（%(year)s年度）") % {"phase": label, "year": self.fiscal_year}
        if self.revision > 1:
            label = _("%(label)s 第%(n)s版") % {"label": label, "n": self.revision}
        return str(label)

    @property
    def carried_label(self) -> str:
        """What the answers taken over from `previous` are called on the page."""
        previous = self.previous
        if previous is None:
            return ""
        if previous.phase == self.Phase.OPERATION and previous.fiscal_year != self.fiscal_year:
            return str(_("前年度から引継ぎ"))
        if previous.phase == self.Phase.INITIAL and self.phase == self.Phase.OPERATION:
            return str(_("新規構築時の回答から引継ぎ"))
        return str(_("前の版から引継ぎ"))

    @property
    def is_overdue(self) -> bool:
        return (
            self.due_date is not None
            and self.state != State.APPROVED
            and self.due_date < timezone.localdate()
        )

    def is_open_for(self, answer: "Answer") -> bool:
        """Whether the answer may change in this state: everything in a draft, only
        the returned items once returned, nothing while submitted or after approval."""
        if self.state == State.DRAFT:
            return True
        if self.state == State.RETURNED:
            return answer.verdict in (Verdict.FIX, Verdict.QUESTION)
        return False

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


# A plan (対応予定) and its date belong to 一部対応 and 未対応; these statuses end them.
STATUSES_WITHOUT_PLAN = ("done", "na", "ward")


class Verdict(models.TextChoices):
    """The ward's judgement of one answer."""

    OK = "ok", _("適合")
    FIX = "fix", _("要修正")
    QUESTION = "question", _("要確認")


class AnswerScope(enum.Enum):
    """Which answers of one assessment a user may edit."""

    NONE = "none"
    VENDOR_ITEMS = "vendor"
    ALL = "all"

    def allows(self, item: Item, applies: bool) -> bool:
        """Only applicable items are edited; answers to the others are kept as they were."""
        if self is AnswerScope.ALL:
            return applies
        return self is AnswerScope.VENDOR_ITEMS and applies and not item.is_ward_item

    def may_edit(self, assessment: "Assessment", answer: "Answer", applies: bool) -> bool:
        """Whether this answer may change now, for this scope: the item is theirs and
        applies, and the assessment's state lets the answer change (is_open_for)."""
        return self.allows(answer.item, applies) and assessment.is_open_for(answer)


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    text = models.TextField(blank=True, max_length=ANSWER_MAX_LENGTH)
    # For 一部対応 / 未対応: what will be done, and by when.
    plan = models.TextField(_("対応予定"), blank=True, max_length=ANSWER_MAX_LENGTH)
    target_date = models.DateField(_("対応予定日"), null=True, blank=True)
    verdict = models.CharField(_("審査結果"), max_length=16, choices=Verdict.choices, blank=True)
    verdict_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verdict_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    # Taken over from the assessment this one starts from (last year's, or the revision
    # before) and not yet edited or confirmed: shown as 「前年度から引継ぎ」.
    carried = models.BooleanField(default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    MUNICIPALITY_PATH = "assessment__system__municipality"
    objects = ScopedManager()

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
        return {
            "status": self.status,
            "text": self.text,
            "plan": self.plan,
            "target_date": self.target_date.isoformat() if self.target_date else None,
        }

    def missing_for_submission(self) -> str | None:
        """Why this answer cannot be submitted yet, or None."""
        if not self.status:
            return str(_("対応状況が未回答です"))
        if self.status == Status.NOT_APPLICABLE and not self.text.strip():
            return str(_("「該当なし」の理由がありません"))
        if self.status in (Status.PARTIAL, Status.NOT_DONE):
            if not self.plan.strip() or self.target_date is None:
                return str(_("「一部対応」「未対応」には対応予定と対応予定日が必要です"))
        if self.carried and not self.item.is_ward_item:
            # Last year's answer still stands unread: this year's must be confirmed.
            return str(
                _("引き継いだ回答がまだ確認されていません（確認済みにするか、書き換えてください）")
            )
        return None


class AnswerRevision(models.Model):
    """Every saved state of an answer, newest last. The answer row holds the current one."""

    class Source(models.TextChoices):
        WEB = "web", _("画面")
        IMPORT = "import", _("Excel取込")
        SYSTEM = "system", _("初期値")
        COPY = "copy", _("関連項目から複写")
        CARRYOVER = "carryover", _("前回の承認済み回答")
        CONFIRM = "confirm", _("引き継いだ回答を確認")
        SELF_ASSESSMENT = "self", _("自己診断（稼働中の設定から）")
        API = "api", _("API")
        LIBRARY = "library", _("回答マスタから記入")

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    text = models.TextField(blank=True)
    plan = models.TextField(blank=True)
    target_date = models.DateField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()
    source = models.CharField(max_length=16, choices=Source.choices)

    MUNICIPALITY_PATH = "answer__assessment__system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["answer", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "version"], name="revision_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.answer} v{self.version}"


class Submission(models.Model):
    """One submission of an assessment: which version of each answer was submitted,
    so that the reviewer sees what changed since the one before."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="submissions")
    round = models.PositiveSmallIntegerField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    versions = models.JSONField(default=dict)  # answer id -> version

    MUNICIPALITY_PATH = "assessment__system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["assessment", "round"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "round"], name="submission_round"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} #{self.round}"


def validate_answer(item: Item, status: str, text: str, plan: str = "") -> None:
    """The rules every saved answer keeps, from the web or from Excel."""
    errors: dict[str, object] = {}
    if BIDI_CONTROLS.search(plan):
        errors["plan"] = BIDI_MESSAGE
    if len(plan) > ANSWER_MAX_LENGTH or CONTROL_CHARACTERS.search(plan):
        errors["plan"] = _("対応予定は%(max)d文字以内で、制御文字を含めずに入力してください。") % {
            "max": ANSWER_MAX_LENGTH
        }
    if status and status not in Answer.allowed_statuses(item):
        errors["status"] = _("この項目では選べない対応状況です。")
    if status == Status.NOT_APPLICABLE and not text.strip():
        errors["text"] = _("「該当なし」の場合は、回答欄に理由を記入してください。")
    if CONTROL_CHARACTERS.search(text):
        errors["text"] = _("回答に使えない制御文字が含まれています。")
    if BIDI_CONTROLS.search(text):
        errors["text"] = BIDI_MESSAGE
    if len(text) > ANSWER_MAX_LENGTH:
        errors["text"] = _("回答は%(max)d文字以内で入力してください。") % {"max": ANSWER_MAX_LENGTH}
    if errors:
        raise ValidationError(errors)
