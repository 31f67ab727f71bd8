"""Our own policy: the facts a check observed become a verdict on one control (an
entry of the control vocabulary); every item of a form that asks about it shows it.

A tool's severity labels are never used: TLS 1.0 accepted fails the TLS-version
control, whatever another tool would call it.
"""

from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from kakunin.core.text import Text, say

# Text and say are the scanners' words (kakunin/core/text.py), imported from here.
__all__ = ["Finding", "Outcome", "Text", "overall", "say"]


class Outcome(models.TextChoices):
    """The outcome of an automated check, for the checks, the database and the pages
    alike (the reviewer's own verdict on an answer is assessments.models.Verdict).
    `label` is in the reader's language; `ja` is fixed Japanese, for what reads the
    same to everyone: the stored JSON evidence and the command's table."""

    PASS = "pass", _("適合")
    FAIL = "fail", _("不適合")
    REVIEW = "review", _("要確認")
    UNKNOWN = "unknown", _("未確認")

    @property
    def ja(self) -> str:
        with override("ja"):
            return str(self.label)


@dataclass
class Finding:
    """What one check concluded about one control, with the evidence for it."""

    check: str  # e.g. "tls.protocols"
    control: str  # a key of the control vocabulary, e.g. "tls-version"
    verdict: Outcome
    summary: Text
    evidence: list[dict] = field(default_factory=list)
    at: str = field(default_factory=lambda: timezone.now().isoformat(timespec="seconds"))

    def as_json(self) -> dict:
        return {
            "check": self.check,
            "control": self.control,
            "verdict": str(self.verdict),
            "verdict_label": self.verdict.ja,
            "summary": self.summary.ja,
            "evidence": self.evidence,
            "at": self.at,
        }

    def stored_json(self) -> dict:
        """as_json() and the summary's message ids and values, kept with the results so
        that the pages show the summary in their reader's language."""
        return self.as_json() | {"message": self.summary.as_json()}

    def __post_init__(self):
        self.summary = Text.of(self.summary)


def overall(verdicts) -> Outcome:
    """The verdict of a control several checks answer: any fail fails it, any doubt
    makes it 要確認; a part that could not be checked (SSLv3, say) does not stop
    the rest from passing, and stays listed beside it."""
    order = [Outcome.FAIL, Outcome.REVIEW, Outcome.PASS, Outcome.UNKNOWN]
    found = set(verdicts)
    return next((v for v in order if v in found), Outcome.UNKNOWN)
